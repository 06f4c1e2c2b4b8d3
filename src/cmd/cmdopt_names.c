/*
 * cmdopt_names.c: a reader's `--by user` with login names (users.h).  The
 * names cached beside the inputs (each export directory's users.json, or
 * the history database's users table) are always shown: reading them
 * needs no network.  With --names and a token in the environment, the
 * IDs not cached yet are asked of the API and the cache is written back
 * where it can be.  Without either, the IDs are shown as before.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <curl/curl.h>

#include "api.h"
#include "cmdopt.h"
#include "db.h"
#include "export.h"
#include "users.h"
#include "util.h"

#define NAMES_API_DEFAULT "https://circleci.com/api/v2"

/* The database's users table (none in an older database). */
static void
names_load_db(const char *path, struct users *u)
{
	struct db *db = db_open(path, 0, NULL);

	if (db == NULL)
		return;
	db_users_load(db, u);
	db_close(db);
	u->dirty = 0;
}

/* Is any of the token variables set?  export_token_read() reads them. */
static int
names_have_token(void)
{
	static const char *const vars[] = { "CIRCLECI_API_TOKEN",
	    "CIRCLECI_TOKEN", "CIRCLE_TOKEN" };
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if (getenv(vars[i]) != NULL && getenv(vars[i])[0] != '\0')
			return 1;
	return 0;
}

/* A client of $CIRCLECI_API_URL (else circleci.com), or NULL. */
static struct api *
names_api(const char *token)
{
	const char *url = getenv("CIRCLECI_API_URL");
	char err[256];
	int loopback;

	if (url == NULL || url[0] == '\0')
		url = NAMES_API_DEFAULT;
	if (api_url_check(url, &loopback, err, sizeof(err)) < 0 ||
	    api_base_check(url, err, sizeof(err)) < 0) {
		char *shown = api_url_display(url);

		warning("--names: CIRCLECI_API_URL '%s': %s; user IDs not "
		    "cached are shown as they are", shown, err);
		free(shown);
		return NULL;
	}
	/* each look-up has its own budget (users_resolve): this bounds them all */
	return api_new(url, token, 0, api_clock() + 3600);
}

/* Write the cache back: into the database, or each export directory. */
static void
names_save(const struct cmdopt *co, const struct users *u, const char *db)
{
	struct db *h;
	size_t i;

	if (db != NULL) {
		h = db_open(db, 1, NULL);
		if (h == NULL || db_users_store(h, u) < 0)
			warning("--names: the names could not be kept in "
			    "the database");
		db_close(h);
		return;
	}
	if (co->in.ndirs == 0)
		warning("--names: no export directory among the inputs to "
		    "keep %s in; the names will be asked for again",
		    USERS_FILE);
	for (i = 0; i < co->in.ndirs; i++)
		if (users_save(u, co->in.dirs[i]) < 0)
			warning("--names: the names were not cached in '%s'",
			    co->in.dirs[i]);
}

/* Ask the API for the IDs of res that u lacks; save u if it grew. */
static void
names_ask(const struct cmdopt *co, const struct report_result *res,
    struct users *u, const char *db)
{
	struct rlimit rl = { 0, 0 };
	struct api *a;
	char *token, **ids = NULL;
	size_t n = 0;

	if (!names_have_token()) {
		warning("--names: no API token (CIRCLECI_API_TOKEN); user IDs "
		    "not cached are shown as they are");
		return;
	}
	/* the token must never reach a core file */
	setrlimit(RLIMIT_CORE, &rl);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	token = export_token_read(NULL);
	if (token == NULL)
		return;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	a = names_api(token);
	if (a != NULL) {
		users_collect(co->ro, res, &ids, &n);
		users_resolve(u, a, ids, n, NULL);
		if (u->dirty)
			names_save(co, u, db);
		strv_free(ids, n);
		api_free(a);
	}
	curl_global_cleanup();
	explicit_bzero(token, strlen(token));
	free(token);
}

void
cmdopt_names_pair(const struct cmdopt *co, struct users *u,
    struct report_result *prev, struct report_result *cur)
{
	char *db;

	if (!users_wanted(co->ro))
		return;
	if (co->db != NULL) {
		db = strcmp(co->db, "-") == 0 ? db_default_path() :
		    xstrdup(co->db);
		if (db != NULL)
			names_load_db(db, u);
		free(db);
	}
	users_finish(u);
	users_rename(u, co->ro, prev);
	users_rename(u, co->ro, cur);
}

void
cmdopt_names(const struct cmdopt *co, struct report_result *res)
{
	struct users u;
	char *db = NULL;

	if (!users_wanted(co->ro))
		return;
	users_init(&u);
	if (co->db != NULL)
		db = strcmp(co->db, "-") == 0 ? db_default_path() :
		    xstrdup(co->db);
	if (db != NULL)
		names_load_db(db, &u);
	else if (co->db == NULL)
		users_load_dirs(&u, &co->in);
	if (co->names && (co->db == NULL || db != NULL))
		names_ask(co, res, &u, db);
	users_finish(&u);
	users_rename(&u, co->ro, res);
	users_release(&u);
	free(db);
}
