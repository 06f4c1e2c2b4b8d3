/*
 * test_dirlock.c: one writer per directory (dirlock.h): the lock is
 * taken, a second taker is refused at once with a message naming the
 * holder's process id, a released lock is removed and can be taken
 * again, a file lock waits for its holder to let go, a file a dead
 * holder left is taken over, and an unusable
 * directory is an error naming the lock file.
 */
#include "unit.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dirlock.h"

static void
test_take_twice(void **state)
{
	struct dirlock a, b;
	struct unit_capture c;
	char *dir = unit_tmpdir(), *err, *want, *path, *text;

	(void)state;
	assert_int_equal(dirlock_take(dir, "export", &a), 0);
	assert_true(a.fd >= 0);
	/* the holder's pid is in the file */
	path = unit_path(dir, DIRLOCK_NAME);
	text = unit_read(path, NULL);
	want = xasprintf("%ld\n", (long)getpid());
	assert_string_equal(text, want);
	free(text);
	free(want);
	/* flock() locks belong to the open file: a second open conflicts
	 * even in the same process, as another process would */
	unit_capture_begin(&c);
	assert_int_equal(dirlock_take(dir, "export", &b), -1);
	err = unit_capture_end(&c);
	assert_int_equal(b.fd, -1);
	want = xasprintf("'%s' is in use by another export (process %ld)", dir,
	    (long)getpid());
	assert_contains(err, want);
	free(want);
	free(err);
	dirlock_release(&a);
	assert_int_equal(a.fd, -1);
	dirlock_release(&a);	/* twice: nothing */
	/* released: the file goes, and the next one may take it */
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(dirlock_take(dir, "export", &b), 0);
	assert_int_equal(access(path, F_OK), 0);
	dirlock_release(&b);
	assert_int_equal(access(path, F_OK), -1);
	free(path);
	unit_rmtree(dir);
	free(dir);
}

/*
 * A holder that has locked the file but not yet written its pid (the
 * moment between its flock() and its write): the message still names it
 * once it has.  Without the wait this read an empty file and said only
 * "in use by another export", which weekly.py saw now and then.
 */
static void
test_pid_late(void **state)
{
	struct dirlock b;
	struct unit_capture c;
	char *dir = unit_tmpdir(), *path = unit_path(dir, DIRLOCK_NAME);
	char *err, *want;
	pid_t child;
	int fd, go[2], status;

	(void)state;
	assert_int_equal(pipe(go), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		char buf[32], x;
		int len;

		alarm(10);	/* never outlive a failed parent */
		fd = open(path, O_RDWR | O_CREAT, 0644);
		if (fd < 0 || flock(fd, LOCK_EX) < 0)
			_exit(1);
		if (write(go[1], "x", 1) != 1)	/* locked, file empty */
			_exit(1);
		close(go[1]);	/* the parent's end: EOF if it dies */
		usleep(50000);
		len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
		if (pwrite(fd, buf, (size_t)len, 0) != len)
			_exit(1);
		if (read(go[0], &x, 1) < 0)	/* until the parent is done */
			_exit(1);
		_exit(0);
	}
	{
		char x;

		assert_int_equal(read(go[0], &x, 1), 1);
	}
	unit_capture_begin(&c);
	assert_int_equal(dirlock_take(dir, "export", &b), -1);
	err = unit_capture_end(&c);
	want = xasprintf("'%s' is in use by another export (process %ld)", dir,
	    (long)child);
	assert_contains(err, want);
	assert_int_equal(write(go[1], "x", 1), 1);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(go[0]);
	close(go[1]);
	free(want);
	free(err);
	free(path);
	unit_rmtree(dir);
	free(dir);
}

/*
 * dirlock_take_file() waits for a holder that lets go within wait_ms (a
 * child that holds FILE.lock 150 ms, then releases it as dirlock does:
 * removed, then closed), and without a wait is refused at once, the
 * message naming what the lock guards and the holder.
 */
static void
test_file_wait(void **state)
{
	struct dirlock a, b;
	struct unit_capture c;
	char *dir = unit_tmpdir(), *file = unit_path(dir, "state.json");
	char *path = xasprintf("%s.lock", file), *err, *want;
	pid_t child;
	int go[2], status;

	(void)state;
	assert_int_equal(pipe(go), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		alarm(10);
		if (dirlock_take_file(path, file, "notify", 0, &a) < 0)
			_exit(1);
		if (write(go[1], "x", 1) != 1)
			_exit(1);
		usleep(150000);
		dirlock_release(&a);
		_exit(0);
	}
	{
		char x;

		assert_int_equal(read(go[0], &x, 1), 1);
	}
	unit_capture_begin(&c);
	assert_int_equal(dirlock_take_file(path, file, "notify", 0, &b), -1);
	err = unit_capture_end(&c);
	want = xasprintf("'%s' is in use by another notify (process %ld); "
	    "wait for it to end", file, (long)child);
	assert_contains(err, want);
	free(err);
	free(want);
	assert_int_equal(dirlock_take_file(path, file, "notify", 5000, &b), 0);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* ours now: the pid in the file is this process's */
	err = unit_read(path, NULL);
	want = xasprintf("%ld\n", (long)getpid());
	assert_string_equal(err, want);
	dirlock_release(&b);
	assert_int_equal(access(path, F_OK), -1);
	close(go[0]);
	close(go[1]);
	free(err);
	free(want);
	free(path);
	free(file);
	unit_rmtree(dir);
	free(dir);
}

/* What a killed holder leaves: its pid in the file, no lock on it. */
static void
test_stale(void **state)
{
	struct dirlock a;
	char *dir = unit_tmpdir(), *path = unit_path(dir, DIRLOCK_NAME);

	(void)state;
	unit_writes(path, "999999999\n");
	assert_int_equal(dirlock_take(dir, "export", &a), 0);
	dirlock_release(&a);
	free(path);
	unit_rmtree(dir);
	free(dir);
}

static void
test_no_dir(void **state)
{
	struct dirlock a;
	struct unit_capture c;
	char *dir = unit_tmpdir(), *gone = unit_path(dir, "gone"), *err;

	(void)state;
	unit_capture_begin(&c);
	assert_int_equal(dirlock_take(gone, "export", &a), -1);
	err = unit_capture_end(&c);
	assert_contains(err, "cannot open '");
	assert_contains(err, "gone/.lock'");
	free(err);
	free(gone);
	unit_rmtree(dir);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_take_twice),
		cmocka_unit_test(test_pid_late),
		cmocka_unit_test(test_file_wait),
		cmocka_unit_test(test_stale),
		cmocka_unit_test(test_no_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
