/*
 * users.h: PIPELINE_TRIGGER_USER_IDs to login names.  The export carries
 * no names (by design); `--names` asks the API v2 user endpoint
 * (GET /user/{id}: id, login, name) for each distinct ID, at most
 * USERS_RATE requests a second, and keeps the answers in a cache: the
 * export directory's users.json (and the history database's users
 * table, db.h).  A user the API does not know (404: deleted, or never
 * registered) is cached as unknown and shown by its ID.
 *
 * Reports still group by ID: names replace the IDs in a result only
 * after it is summed (users_rename), and two users with the same login
 * are told apart as "login (1a2b3c4d)", the first 8 characters of the ID.
 */
#ifndef CU_USERS_H
#define CU_USERS_H

#include <stddef.h>

#include "report.h"

struct api;

#define USERS_FILE "users.json"	/* in an export directory */
#define USERS_MAX 200000	/* users in a cache */
#define USERS_MAX_BYTES (32u << 20)	/* a cache file, at most */
#define USERS_MAX_ID 64		/* bytes of an ID */
#define USERS_MAX_LOGIN 100	/* bytes of a login */
#define USERS_MAX_NAME 256	/* bytes of a name */
#define USERS_MAX_TIME 40	/* bytes of fetched_at */
#define USERS_RATE 4.0		/* requests a second to the user endpoint */
#define USERS_BUDGET 20.0	/* seconds the look-ups may take after a
				 * failure begins: they are optional */

struct user {
	char *id;
	char *login;		/* NULL: unknown to the API (404) */
	char *name;		/* NULL when the API gave none */
	char *fetched_at;	/* RFC 3339, or NULL */
	char *shown;		/* users_finish(): what a report shows, or
				 * NULL for the ID itself */
};

/* A cache, sorted by ID (byte order). */
struct users {
	struct user *v;
	size_t n, cap;
	int dirty;		/* changed since loaded: worth saving */
};

void users_init(struct users *u);
void users_release(struct users *u);

/* The user with this ID (len bytes), or NULL. */
const struct user *users_find(const struct users *u, const char *id,
    size_t len);

/*
 * Add or replace the user `id` (every string copied; login NULL for
 * unknown, name and fetched_at may be NULL).  Marks the cache dirty.
 */
void users_set(struct users *u, const char *id, const char *login,
    const char *name, const char *fetched_at);

/*
 * Parse a cache's text (len bytes, not NUL-terminated) and add its users
 * to u.  The text is {"version": 1, "users": [{"id", "login", "name",
 * "fetched_at"}, ...]}: at most USERS_MAX users, each ID a non-empty
 * string of at most USERS_MAX_ID bytes, once; login and name strings (or
 * null) within their limits; no control character anywhere; unknown keys
 * ignored.  Returns 0, or -1 with the reason in err (naming the field,
 * e.g. "users[3].login: expected a string of at most 100 bytes or null")
 * and u unchanged.  Never prints.
 */
int users_parse(struct users *u, const char *text, size_t len, char *err,
    size_t errlen);

/*
 * users_parse() of the file at path.  Returns 0; 1 when there is no such
 * file (u unchanged); or -1 with the reason in err (the file's problem:
 * unreadable, too large, malformed).  Never prints.
 */
int users_load(struct users *u, const char *path, char *err, size_t errlen);

struct inputs;
/*
 * The caches (USERS_FILE) of the export directories read into `in`,
 * added to u; a bad one is warned of (naming it) and left out.  u is
 * left clean (not dirty).
 */
void users_load_dirs(struct users *u, const struct inputs *in);

/* The cache as JSON text, users in ID order; the caller frees it. */
char *users_dump(const struct users *u);

/*
 * Write the cache to dir/users.json atomically (out.h).  Returns 0, or -1
 * after an error naming the file.
 */
int users_save(const struct users *u, const char *dir);

/*
 * Settle what each user is shown as: the login, or "login (1a2b3c4d)"
 * when another user of the cache has the same login (any case) or when a
 * login is itself one of the cache's IDs; the ID for an unknown user.
 */
void users_finish(struct users *u);

/*
 * Replace the values of every `user` key in r's groups (every grouping
 * set) with what users_finish() settled, keeping the groups and their
 * order: grouping was by ID.  Should two groups end up with the same key
 * (a login equal to an ID that is not in the cache), r is left with IDs
 * and 1 is returned after a warning; else 0.
 */
int users_rename(const struct users *u, const struct report_opts *o,
    struct report_result *r);

/* Does o group by `user` (a key of its own or of a set)? */
int users_wanted(const struct report_opts *o);

/*
 * The distinct non-empty values of the `user` key in r's groups, sorted
 * (the caller frees them with strv_free(*ids, *n)).
 */
void users_collect(const struct report_opts *o,
    const struct report_result *r, char ***ids, size_t *n);

/*
 * Ask the API for every ID of ids[n] that u does not hold yet (IDs that
 * are not UUIDs are never asked), at most USERS_RATE a second, honouring
 * 429's Retry-After through api.h; add the answers to u (a 404 as
 * unknown).  The first failure (network, 401, 5xx past the budget) ends
 * the look-ups: one warning says the rest keep their IDs.  *asked (may be
 * NULL) gets the number of requests.  Returns 0, or -1 after that
 * warning.
 */
int users_resolve(struct users *u, struct api *a, char *const *ids,
    size_t n, unsigned *asked);

/*
 * `export --names`: the distinct user IDs of the export in dir (read once
 * more, distinct IDs only), looked up as users_resolve() does with the
 * cache dir/users.json (a bad one is ignored with a warning and written
 * anew), which is saved when it changed.  Says what it did unless
 * quiet.  Returns 0 (a failed look-up is a warning, the IDs stay), or an
 * exit code after an error: the export unreadable, the cache not
 * written.
 */
int users_export_dir(const char *dir, struct api *a, int quiet);

#endif
