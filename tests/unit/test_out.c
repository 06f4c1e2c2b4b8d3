/*
 * test_out.c: all-or-nothing output (out.h): a committed file has all it
 * was given and the usual mode; a file that could not be created, written
 * (the file size limit, as a full disk would), or renamed into place is
 * an error naming it, leaves no temporary file and keeps what was there;
 * out_abort keeps the old output; and a failed write to standard output
 * (a full disk behind a redirection) is an error too.  A file replaced
 * keeps its mode (0600, 0640, 0604, 0400, even while the temporary file
 * is being written), its owner and group (another uid and gid, as root),
 * through a symbolic link too (the link kept, its target replaced); a
 * process that may not give them (not root) keeps what it can, and the
 * group it gives instead gets no more than others had (out_inherit).
 */
#include "unit.h"

#include <grp.h>
#include <limits.h>
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

/* A writer that failed: out_close() aborts and names the file and why. */
static void
test_close_failed(void **state)
{
	struct out o;
	struct unit_capture c;
	char *dir = unit_tmpdir(), *path = unit_path(dir, "r.csv"), *err;

	(void)state;
	unit_writes(path, "old\n");
	assert_int_equal(out_open(&o, path), 0);
	assert_int_equal(errno, 0);
	fputs("half a", o.f);
	errno = ENOSPC;		/* as a writer's failed write leaves it */
	unit_capture_begin(&c);
	assert_int_equal(out_close(&o, 1), -1);
	err = unit_capture_end(&c);
	assert_contains(err, "circleci-usage: cannot write '");
	assert_contains(err, "/r.csv': No space left on device\n");
	free(err);
	assert_text_free(unit_read(path, NULL), "old\n");
	assert_text_free(others(dir, "r.csv"), "");
	/* no errno (a writer's own failure): EIO's reason */
	assert_int_equal(out_open(&o, path), 0);
	unit_capture_begin(&c);
	assert_int_equal(out_close(&o, 1), -1);
	err = unit_capture_end(&c);
	assert_contains(err, "/r.csv': Input/output error\n");
	free(err);
	/* and when it went well, the commit */
	assert_int_equal(out_open(&o, path), 0);
	fputs("new\n", o.f);
	assert_int_equal(out_close(&o, 0), 0);
	assert_text_free(unit_read(path, NULL), "new\n");
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

/* The mode of `path`'s file (links followed), and owner and group. */
static mode_t
mode_of(const char *path, uid_t *uid, gid_t *gid)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	if (uid != NULL)
		*uid = st.st_uid;
	if (gid != NULL)
		*gid = st.st_gid;
	return st.st_mode & 07777;
}

/* Replace `path` (made with `mode` unless it exists) with "new\n". */
static void
replace(const char *path, mode_t mode)
{
	struct out o;
	struct stat st;

	if (lstat(path, &st) < 0) {
		unit_writes(path, "old\n");
		assert_int_equal(chmod(path, mode), 0);
	}
	assert_int_equal(out_open(&o, path), 0);
	/* the temporary file is no more readable than the file it replaces */
	assert_non_null(o.tmp);
	assert_int_equal(mode_of(o.tmp, NULL, NULL), mode);
	fputs("new\n", o.f);
	assert_int_equal(out_commit(&o), 0);
	assert_text_free(unit_read(path, NULL), "new\n");
}

/* A file replaced keeps its mode, whatever the umask; a new one the
 * umask's. */
static void
test_keep_mode(void **state)
{
	static const mode_t modes[] = { 0600, 0640, 0604, 0400, 0660, 0755 };
	char *dir = unit_tmpdir(), *path;
	mode_t mask = umask(022);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		char name[32];

		snprintf(name, sizeof(name), "r%o.csv", (unsigned)modes[i]);
		path = unit_path(dir, name);
		replace(path, modes[i]);
		assert_int_equal(mode_of(path, NULL, NULL), modes[i]);
		/* and again: still the same */
		replace(path, modes[i]);
		assert_int_equal(mode_of(path, NULL, NULL), modes[i]);
		free(path);
	}
	path = unit_path(dir, "new.csv");
	umask(077);
	{
		struct out o;

		assert_int_equal(out_open(&o, path), 0);
		assert_int_equal(out_commit(&o), 0);
	}
	assert_int_equal(mode_of(path, NULL, NULL), 0600);
	free(path);
	umask(mask);
	/* no temporary file left */
	assert_text_free(others(dir, "-"), "new.csv\nr400.csv\nr600.csv\n"
	    "r604.csv\nr640.csv\nr660.csv\nr755.csv\n");
	unit_rmtree(dir);
	free(dir);
}

/* Through a symbolic link: the link kept, its target replaced with the
 * target's mode (relative and absolute links, a chain of two). */
static void
test_keep_mode_link(void **state)
{
	char *dir = unit_tmpdir(), *target = unit_path(dir, "t.csv");
	char *rel = unit_path(dir, "rel.csv"), *abs = unit_path(dir, "abs.csv");
	char *chain = unit_path(dir, "chain.csv"), buf[PATH_MAX];
	struct stat st;
	ssize_t n;

	(void)state;
	unit_writes(target, "old\n");
	assert_int_equal(chmod(target, 0600), 0);
	assert_int_equal(symlink("t.csv", rel), 0);
	assert_int_equal(symlink(target, abs), 0);
	assert_int_equal(symlink("abs.csv", chain), 0);
	replace(rel, 0600);
	assert_int_equal(lstat(rel, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(mode_of(target, NULL, NULL), 0600);
	assert_int_equal(chmod(target, 0640), 0);
	replace(abs, 0640);
	assert_int_equal(chmod(target, 0604), 0);
	replace(chain, 0604);
	assert_int_equal(lstat(chain, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	n = readlink(chain, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "abs.csv");
	assert_int_equal(mode_of(target, NULL, NULL), 0604);
	unit_rmtree(dir);
	free(target);
	free(rel);
	free(abs);
	free(chain);
	free(dir);
}

/* As root: another uid and gid are kept, directly and through a link. */
static void
test_keep_owner(void **state)
{
	char *dir = unit_tmpdir(), *path = unit_path(dir, "r.csv");
	char *link = unit_path(dir, "l.csv"), *t2 = unit_path(dir, "t2.csv");
	uid_t uid;
	gid_t gid;

	(void)state;
	if (geteuid() != 0)
		skip();
	unit_writes(path, "old\n");
	assert_int_equal(chown(path, 65534, 65533), 0);
	assert_int_equal(chmod(path, 0640), 0);
	replace(path, 0640);
	assert_int_equal(mode_of(path, &uid, &gid), 0640);
	assert_int_equal(uid, 65534);
	assert_int_equal(gid, 65533);
	/* the owner only, the group kept as it was (root's) */
	unit_writes(t2, "old\n");
	assert_int_equal(chown(t2, 65534, 0), 0);
	assert_int_equal(chmod(t2, 0600), 0);
	assert_int_equal(symlink("t2.csv", link), 0);
	replace(link, 0600);
	assert_int_equal(mode_of(t2, &uid, &gid), 0600);
	assert_int_equal(uid, 65534);
	assert_int_equal(gid, 0);
	/* set-group-ID survives: the mode is given after the owner */
	assert_int_equal(chown(path, 0, 65533), 0);
	assert_int_equal(chmod(path, 02750), 0);
	replace(path, 02750);
	assert_int_equal(mode_of(path, &uid, &gid), 02750);
	assert_int_equal(gid, 65533);
	unit_rmtree(dir);
	free(path);
	free(link);
	free(t2);
	free(dir);
}

/*
 * Not root (a child as uid 65534, in group 4242 only): a file of root's
 * cannot be given back; the owner becomes the process's, the group is
 * kept when the process is a member, and otherwise is the process's, with
 * no more than others had.  The child exits with the number of the check
 * that failed.
 */
static void
test_not_root(void **state)
{
	static const struct {
		gid_t gid;
		mode_t before, after;
		gid_t gid_after;
	} cases[] = {
		{ 0, 0660, 0600, 65534 },	/* root's group: not given */
		{ 0, 0664, 0644, 65534 },	/* others read: so may it */
		{ 0, 0640, 0600, 65534 },
		{ 4242, 0660, 0660, 4242 },	/* a member: kept */
		{ 4242, 0600, 0600, 4242 },
	};
	char dir[] = "/tmp/cu-unit-XXXXXX";
	size_t i;
	pid_t pid;
	int st;

	(void)state;
	if (geteuid() != 0)
		skip();
	/* under /tmp, which 65534 can reach, whatever TMPDIR is */
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0777), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *p = xasprintf("%s/r%zu.csv", dir, i);

		unit_writes(p, "old\n");
		assert_int_equal(chown(p, 0, cases[i].gid), 0);
		assert_int_equal(chmod(p, cases[i].before), 0);
		free(p);
	}
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		gid_t g = 4242;

		if (setgroups(1, &g) < 0 || setgid(65534) < 0 ||
		    setuid(65534) < 0)
			_exit(100);
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			char *p = xasprintf("%s/r%zu.csv", dir, i);
			struct out o;

			if (out_open(&o, p) < 0)
				_exit(101 + (int)i);
			fputs("new\n", o.f);
			if (out_commit(&o) < 0)
				_exit(111 + (int)i);
			free(p);
		}
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *p = xasprintf("%s/r%zu.csv", dir, i);
		uid_t uid;
		gid_t gid;

		assert_int_equal(mode_of(p, &uid, &gid), cases[i].after);
		assert_int_equal(uid, 65534);
		assert_int_equal(gid, cases[i].gid_after);
		assert_text_free(unit_read(p, NULL), "new\n");
		free(p);
	}
	unit_rmtree(dir);
}

/* out_inherit alone: nothing to take from a missing file or a FIFO. */
static void
test_inherit(void **state)
{
	char *dir = unit_tmpdir(), *a = unit_path(dir, "a");
	char *b = unit_path(dir, "b"), *fifo = unit_path(dir, "f");
	int fd;

	(void)state;
	unit_writes(a, "");
	assert_int_equal(chmod(a, 0644), 0);
	fd = open(a, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(out_inherit(fd, b), 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(out_inherit(fd, fifo), 0);
	assert_int_equal(mode_of(a, NULL, NULL), 0644);
	unit_writes(b, "");
	assert_int_equal(chmod(b, 0604), 0);
	assert_int_equal(out_inherit(fd, b), 1);
	assert_int_equal(mode_of(a, NULL, NULL), 0604);
	close(fd);
	unit_rmtree(dir);
	free(a);
	free(b);
	free(fifo);
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
		cmocka_unit_test(test_close_failed),
		cmocka_unit_test(test_keep_mode),
		cmocka_unit_test(test_keep_mode_link),
		cmocka_unit_test(test_keep_owner),
		cmocka_unit_test(test_not_root),
		cmocka_unit_test(test_inherit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
