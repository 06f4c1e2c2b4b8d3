/*
 * test_out.c: all-or-nothing output (out.h): a committed file has all it
 * was given and the usual mode; a file that could not be created, written
 * (the file size limit, as a full disk would), or renamed into place is
 * an error naming it, leaves no temporary file and keeps what was there;
 * out_abort keeps the old output; and a failed write to standard output
 * (a full disk behind a redirection) is an error too.
 */
#include "unit.h"

#include <signal.h>
#include <sys/resource.h>

#include "out.h"

/* The names in dir but `keep`, one per line ("" when none). */
static char *
others(const char *dir, const char *keep)
{
	char *ls = xasprintf("%s.ls", dir);
	char *cmd = xasprintf("ls -A '%s' | grep -vx '%s' > '%s' || :", dir,
	    keep, ls);
	char *s;

	unit_sh(cmd);
	s = unit_read(ls, NULL);
	unlink(ls);
	free(ls);
	free(cmd);
	return s;
}

static void
test_commit(void **state)
{
	struct out o;
	char *dir = unit_tmpdir(), *path = unit_path(dir, "r.csv");
	struct stat st;
	mode_t mask = umask(027);

	(void)state;
	assert_int_equal(out_open(&o, path), 0);
	assert_non_null(o.f);
	/* nothing in place until the commit */
	assert_int_equal(stat(path, &st), -1);
	fputs("a,b\n1,2\n", o.f);
	assert_int_equal(out_commit(&o), 0);
	assert_null(o.f);
	assert_text_free(unit_read(path, NULL), "a,b\n1,2\n");
	/* the mode a plain fopen would give, not mkstemp's 0600 */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_text_free(others(dir, "r.csv"), "");

	/* a second commit replaces the file whole */
	assert_int_equal(out_open(&o, path), 0);
	fputs("x\n", o.f);
	assert_int_equal(out_commit(&o), 0);
	assert_text_free(unit_read(path, NULL), "x\n");
	assert_text_free(others(dir, "r.csv"), "");
	umask(mask);
	unit_rmtree(dir);
	free(path);
	free(dir);
}

static void
test_abort(void **state)
{
	struct out o;
	char *dir = unit_tmpdir(), *path = unit_path(dir, "r.csv");

	(void)state;
	unit_writes(path, "old\n");
	assert_int_equal(out_open(&o, path), 0);
	fputs("half a rep", o.f);
	out_abort(&o);
	assert_null(o.f);
	assert_text_free(unit_read(path, NULL), "old\n");
	assert_text_free(others(dir, "r.csv"), "");
	/* on stdout there is nothing to remove */
	assert_int_equal(out_open(&o, "-"), 0);
	assert_ptr_equal(o.f, stdout);
	out_abort(&o);
	assert_null(o.f);
	unit_rmtree(dir);
	free(path);
	free(dir);
}

static void
test_cannot_create(void **state)
{
	struct out o;
	struct unit_capture c;
	char *dir = unit_tmpdir(), *path = unit_path(dir, "no/r.csv"), *err;

	(void)state;
	unit_capture_begin(&c);
	assert_int_equal(out_open(&o, path), -1);
	err = unit_capture_end(&c);
	assert_null(o.path);
	assert_null(o.tmp);
	assert_contains(err, "circleci-usage: cannot create '");
	assert_contains(err, "/no/r.csv': No such file or "
	    "directory\n");
	free(err);
	assert_text_free(others(dir, "-"), "");
	unit_rmtree(dir);
	free(path);
	free(dir);
}

static void
test_cannot_rename(void **state)
{
	struct out o;
	struct unit_capture c;
	char *dir = unit_tmpdir(), *path = unit_path(dir, "r.csv"), *err;
	char *inner;
	struct stat st;

	(void)state;
	/* a directory with something in it where the output should go,
	 * made after the output was opened (out_open refuses one that is
	 * there already: test_directory) */
	assert_int_equal(out_open(&o, path), 0);
	unit_mkdir(path);
	inner = unit_path(path, "keep");
	unit_writes(inner, "k");
	fputs("data\n", o.f);
	unit_capture_begin(&c);
	assert_int_equal(out_commit(&o), -1);
	err = unit_capture_end(&c);
	assert_contains(err, "circleci-usage: cannot rename '");
	assert_contains(err, "/r.csv': Is a directory\n");
	free(err);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_text_free(unit_read(inner, NULL), "k");
	assert_text_free(others(dir, "r.csv"), "");
	unit_rmtree(dir);
	free(inner);
	free(path);
	free(dir);
}

/* -o DIR: refused at once, nothing made; -o a device: written in place */
static void
test_directory(void **state)
{
	struct out o;
	struct unit_capture c;
	char *dir = unit_tmpdir(), *err;
	struct stat st;

	(void)state;
	unit_capture_begin(&c);
	assert_int_equal(out_open(&o, dir), -1);
	err = unit_capture_end(&c);
	assert_contains(err, "': it is a directory\n");
	free(err);
	assert_text_free(others(dir, "-"), "");
	unit_rmtree(dir);
	free(dir);

	assert_int_equal(out_open(&o, "/dev/null"), 0);
	assert_null(o.tmp);
	fputs("data\n", o.f);
	assert_int_equal(out_commit(&o), 0);
	assert_int_equal(stat("/dev/null", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
}

static void
test_cannot_write(void **state)
{
	struct out o;
	struct unit_capture c;
	struct rlimit old, lim;
	char *dir = unit_tmpdir(), *path = unit_path(dir, "r.csv"), *err;
	char buf[2000];
	void (*oldsig)(int);

	(void)state;
	unit_writes(path, "old\n");
	memset(buf, 'x', sizeof(buf));
	/* a file may not grow past 1 kB: write(2) fails with EFBIG, as it
	 * would with ENOSPC on a full disk */
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 1024;
	oldsig = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_int_equal(out_open(&o, path), 0);
	/* less than stdio's buffer: the failure comes at the commit */
	fwrite(buf, 1, sizeof(buf), o.f);
	unit_capture_begin(&c);
	assert_int_equal(out_commit(&o), -1);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, oldsig);
	err = unit_capture_end(&c);
	assert_contains(err, "circleci-usage: cannot write '");
	assert_contains(err, "/r.csv': File too large\n");
	free(err);
	/* the old output is whole, and no temporary file is left */
	assert_text_free(unit_read(path, NULL), "old\n");
	assert_text_free(others(dir, "r.csv"), "");
	unit_rmtree(dir);
	free(path);
	free(dir);
}

static void
test_stdout_full(void **state)
{
	char *dir = unit_tmpdir(), *errpath = unit_path(dir, "err");
	pid_t pid;
	int st;

	(void)state;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct out o;
		int fd = open("/dev/full", O_WRONLY);
		int efd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0 || efd < 0)
			_exit(10);
		dup2(fd, STDOUT_FILENO);
		dup2(efd, STDERR_FILENO);
		if (out_open(&o, NULL) != 0 || o.f != stdout)
			_exit(11);
		fputs("total,1\n", o.f);
		exit(out_commit(&o) == -1 ? 0 : 12);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_text_free(unit_read(errpath, NULL), "circleci-usage: cannot "
	    "write to standard output: No space left on device\n");
	unit_rmtree(dir);
	free(errpath);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commit),
		cmocka_unit_test(test_abort),
		cmocka_unit_test(test_cannot_create),
		cmocka_unit_test(test_cannot_rename),
		cmocka_unit_test(test_directory),
		cmocka_unit_test(test_cannot_write),
		cmocka_unit_test(test_stdout_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
