/*
 * users.c: the cache of user names (users.json), the look-ups that fill
 * it through the API client (api.h), and the renaming of a report's
 * `user` key from IDs to logins once the groups are summed.
 */
#include "users.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "agg.h"
#include "api.h"
#include "inputs.h"
#include "manifest.h"
#include "out.h"
#include "range.h"
#include "util.h"

#define USERS_VERSION 1
#define USERS_PREFIX 8		/* characters of the ID that tell apart */

void
users_init(struct users *u)
{
	memset(u, 0, sizeof(*u));
}

static void
users_entry_release(struct user *e)
{
	free(e->id);
	free(e->login);
	free(e->name);
	free(e->fetched_at);
	free(e->shown);
}

void
users_release(struct users *u)
{
	size_t i;

	for (i = 0; i < u->n; i++)
		users_entry_release(&u->v[i]);
	free(u->v);
	users_init(u);
}

/* Compare an ID of len bytes with a NUL-terminated one, as strcmp. */
static int
users_idcmp(const char *id, size_t len, const char *other)
{
	size_t olen = strlen(other);
	int c = memcmp(id, other, len < olen ? len : olen);

	if (c != 0)
		return c;
	return len < olen ? -1 : len > olen;
}

/* The index of id, or where it would go (*found 0). */
static size_t
users_search(const struct users *u, const char *id, size_t len, int *found)
{
	size_t lo = 0, hi = u->n;

	*found = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = users_idcmp(id, len, u->v[mid].id);

		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

const struct user *
users_find(const struct users *u, const char *id, size_t len)
{
	int found;
	size_t i = users_search(u, id, len, &found);

	return found ? &u->v[i] : NULL;
}

static char *
users_dup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

void
users_set(struct users *u, const char *id, const char *login,
    const char *name, const char *fetched_at)
{
	int found;
	size_t i = users_search(u, id, strlen(id), &found);
	struct user *e;

	if (!found) {
		if (u->n == u->cap) {
			u->cap = u->cap ? u->cap * 2 : 64;
			u->v = xreallocarray(u->v, u->cap, sizeof(*u->v));
		}
		memmove(&u->v[i + 1], &u->v[i], (u->n - i) * sizeof(*u->v));
		u->n++;
		memset(&u->v[i], 0, sizeof(u->v[i]));
		u->v[i].id = xstrdup(id);
	}
	e = &u->v[i];
	free(e->login);
	free(e->name);
	free(e->fetched_at);
	free(e->shown);
	e->login = users_dup(login);
	e->name = users_dup(name);
	e->fetched_at = users_dup(fetched_at);
	e->shown = NULL;
	u->dirty = 1;
}

/* ---- the cache file ---- */

/*
 * Field `key` of entry i: a string of 1..max bytes without a control
 * character, or (nullable) null or absent.  *out borrowed from the JSON.
 */
static int
users_field(json_t *e, size_t i, const char *key, size_t max, int nullable,
    const char **out, char *err, size_t errlen)
{
	json_t *v = json_object_get(e, key);
	size_t len;

	*out = NULL;
	if (nullable && (v == NULL || json_is_null(v)))
		return 0;
	if (!json_is_string(v))
		return err_line(err, errlen, "users[%zu].%s: expected a "
		    "string of at most %zu bytes%s", i, key, max,
		    nullable ? " or null" : "");
	len = json_string_length(v);
	if (len == 0 || len > max || str_has_control(json_string_value(v),
	    len) || memchr(json_string_value(v), '\0', len) != NULL)
		return err_line(err, errlen, "users[%zu].%s: expected a "
		    "string of 1 to %zu bytes without control characters%s", i,
		    key, max, nullable ? ", or null" : "");
	*out = json_string_value(v);
	return 0;
}

/* Entry i of the array into t; a duplicate ID is an error. */
static int
users_parse_entry(struct users *t, json_t *e, size_t i, char *err,
    size_t errlen)
{
	const char *id, *login, *name, *at;

	if (!json_is_object(e))
		return err_line(err, errlen, "users[%zu]: expected an object "
		    "{\"id\", \"login\", \"name\", \"fetched_at\"}", i);
	if (users_field(e, i, "id", USERS_MAX_ID, 0, &id, err, errlen) < 0 ||
	    users_field(e, i, "login", USERS_MAX_LOGIN, 1, &login, err,
	    errlen) < 0 ||
	    users_field(e, i, "name", USERS_MAX_NAME, 1, &name, err,
	    errlen) < 0 ||
	    users_field(e, i, "fetched_at", USERS_MAX_TIME, 1, &at, err,
	    errlen) < 0)
		return -1;
	if (users_find(t, id, strlen(id)) != NULL)
		return err_line(err, errlen, "users[%zu].id: '%s' is there "
		    "twice", i, id);
	users_set(t, id, login, name, at);
	return 0;
}

/* Add every user of t to u (t's win: it is the newer file). */
static void
users_merge(struct users *u, const struct users *t)
{
	size_t i;
	int dirty = u->dirty;

	for (i = 0; i < t->n; i++)
		users_set(u, t->v[i].id, t->v[i].login, t->v[i].name,
		    t->v[i].fetched_at);
	u->dirty = dirty;
}

int
users_parse(struct users *u, const char *text, size_t len, char *err,
    size_t errlen)
{
	struct users t;
	json_error_t je;
	json_t *root, *arr, *ver;
	size_t i;
	int ret = -1;

	if (len > USERS_MAX_BYTES)
		return err_line(err, errlen, "larger than %u MB",
		    USERS_MAX_BYTES >> 20);
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return err_line(err, errlen, "not JSON: line %d: %.100s",
		    je.line, je.text);
	users_init(&t);
	ver = json_object_get(root, "version");
	arr = json_object_get(root, "users");
	if (!json_is_object(root)) {
		err_line(err, errlen, "expected a JSON object {\"version\": "
		    "1, \"users\": [...]}");
	} else if (!json_is_integer(ver) ||
	    json_integer_value(ver) != USERS_VERSION) {
		err_line(err, errlen, "version: expected %d", USERS_VERSION);
	} else if (!json_is_array(arr)) {
		err_line(err, errlen, "users: expected an array");
	} else if (json_array_size(arr) > USERS_MAX) {
		err_line(err, errlen, "users: more than %d users",
		    USERS_MAX);
	} else {
		for (i = 0; i < json_array_size(arr); i++)
			if (users_parse_entry(&t, json_array_get(arr, i), i,
			    err, errlen) < 0)
				goto out;
		users_merge(u, &t);
		ret = 0;
	}
out:
	users_release(&t);
	json_decref(root);
	return ret;
}

int
users_load(struct users *u, const char *path, char *err, size_t errlen)
{
	char *text;
	size_t n;
	int ret;

	ret = read_state_file(path, USERS_MAX_BYTES, &text, &n, err, errlen);
	if (ret != 0)
		return ret;
	ret = users_parse(u, text, n, err, errlen);
	free(text);
	return ret;
}

/* A string, or JSON null for NULL. */
static json_t *
users_json_str(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

char *
users_dump(const struct users *u)
{
	json_t *root = json_object(), *arr = json_array();
	char *s;
	size_t i;

	json_object_set_new(root, "version", json_integer(USERS_VERSION));
	for (i = 0; i < u->n; i++) {
		json_t *e = json_object();

		json_object_set_new(e, "id", json_string(u->v[i].id));
		json_object_set_new(e, "login", users_json_str(u->v[i].login));
		json_object_set_new(e, "name", users_json_str(u->v[i].name));
		json_object_set_new(e, "fetched_at",
		    users_json_str(u->v[i].fetched_at));
		json_array_append_new(arr, e);
	}
	json_object_set_new(root, "users", arr);
	s = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (s == NULL)
		die(EXIT_FAILURE_OTHER, "out of memory");
	return s;
}

void
users_load_dirs(struct users *u, const struct inputs *in)
{
	char err[256];
	size_t i;

	for (i = 0; i < in->ndirs; i++) {
		char *path = xasprintf("%s/%s", in->dirs[i], USERS_FILE);

		if (users_load(u, path, err, sizeof(err)) < 0)
			warning("'%s': %s; ignoring it (user IDs shown)",
			    path, err);
		free(path);
	}
	u->dirty = 0;
}

int
users_save(const struct users *u, const char *dir)
{
	char *path = xasprintf("%s/%s", dir, USERS_FILE), *text;
	int ret;

	text = users_dump(u);
	ret = out_write_text(path, text);
	free(text);
	free(path);
	return ret;
}

/* ---- what a report shows ---- */

static int
users_login_cmp(const void *pa, const void *pb)
{
	const struct user *a = *(const struct user *const *)pa;
	const struct user *b = *(const struct user *const *)pb;

	return strcasecmp(a->login, b->login);
}

/* Does another user have e's login (any case), or is it an ID? */
static int
users_ambiguous(const struct users *u, struct user **by, size_t nby,
    size_t k)
{
	const char *login = by[k]->login;
	size_t i;

	if ((k > 0 && strcasecmp(by[k - 1]->login, login) == 0) ||
	    (k + 1 < nby && strcasecmp(by[k + 1]->login, login) == 0))
		return 1;
	for (i = 0; i < u->n; i++)
		if (strcasecmp(u->v[i].id, login) == 0)
			return 1;
	return 0;
}

void
users_finish(struct users *u)
{
	struct user **by = xcalloc(u->n + 1, sizeof(*by));
	size_t i, nby = 0;

	for (i = 0; i < u->n; i++) {
		free(u->v[i].shown);
		u->v[i].shown = NULL;
		if (u->v[i].login != NULL)
			by[nby++] = &u->v[i];
	}
	qsort(by, nby, sizeof(*by), users_login_cmp);
	for (i = 0; i < nby; i++) {
		if (users_ambiguous(u, by, nby, i))
			by[i]->shown = xasprintf("%s (%.*s)", by[i]->login,
			    USERS_PREFIX, by[i]->id);
		else
			by[i]->shown = xstrdup(by[i]->login);
	}
	free(by);
}

int
users_wanted(const struct report_opts *o)
{
	size_t i;

	for (i = 0; i < o->nkeys; i++)
		if (o->keys[i].col == COL_PIPELINE_TRIGGER_USER_ID)
			return 1;
	return 0;
}

/*
 * The groups of a into *dst (initialized here) with each value of key
 * column c where isuser[c] shown by u.  Returns 0, or -1 when two groups
 * would merge (dst released).
 */
static int
users_rename_agg(const struct users *u, const struct agg *a,
    const int *isuser, size_t nkeys, struct agg *dst)
{
	struct sbuf key;
	size_t i, c;
	int ret = 0;

	agg_init(dst);
	sbuf_init(&key, SIZE_MAX);
	for (i = 0; i < a->n && ret == 0; i++) {
		const struct agg_group *g = &a->groups[i];
		struct agg_group *ng;
		size_t before = dst->n;

		sbuf_reset(&key);
		for (c = 0; c < nkeys; c++) {
			size_t len;
			const char *v = agg_key_part(g->key, g->keylen, c,
			    &len);
			const struct user *e = isuser[c] ?
			    users_find(u, v, len) : NULL;

			if (e != NULL && e->shown != NULL)
				agg_key_add(&key, e->shown,
				    strlen(e->shown));
			else
				agg_key_add(&key, v, len);
		}
		ng = agg_get(dst, key.buf, key.len, agg_hash(key.buf,
		    key.len));
		if (dst->n == before)
			ret = -1;
		else
			ng->m = g->m;
	}
	sbuf_release(&key);
	if (ret < 0 || agg_check(dst) < 0) {
		agg_release(dst);
		return -1;
	}
	return 0;
}

int
users_rename(const struct users *u, const struct report_opts *o,
    struct report_result *r)
{
	struct agg out[REPORT_MAX_SETS];
	int done[REPORT_MAX_SETS] = { 0 };
	size_t s, c, nsets = report_nsets(o);
	int ret = 0;

	for (s = 0; s < nsets && ret == 0; s++) {
		struct report_opts so;
		int isuser[REPORT_MAX_KEYS] = { 0 }, any = 0;

		report_set_opts(o, s, &so);
		for (c = 0; c < so.nkeys; c++)
			any |= isuser[c] = so.keys[c].col ==
			    COL_PIPELINE_TRIGGER_USER_ID;
		if (any) {
			ret = users_rename_agg(u, s == 0 ? &r->groups :
			    &r->more[s - 1], isuser, so.nkeys, &out[s]);
			done[s] = ret == 0;
		}
		report_opts_release(&so);
	}
	for (s = 0; s < nsets; s++) {
		if (!done[s])
			continue;
		if (ret == 0) {
			struct agg *a = s == 0 ? &r->groups : &r->more[s - 1];

			agg_release(a);
			*a = out[s];
		} else {
			agg_release(&out[s]);
		}
	}
	if (ret < 0) {
		warning("user names: a login is the same as a user ID; "
		    "showing user IDs");
		return 1;
	}
	return 0;
}

static int
users_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
users_collect(const struct report_opts *o, const struct report_result *r,
    char ***ids, size_t *n)
{
	size_t s, c, i, k, nsets = report_nsets(o);
	char **v = NULL;

	*n = 0;
	for (s = 0; s < nsets; s++) {
		const struct agg *a = report_set_groups(r, s);
		struct report_opts so;

		report_set_opts(o, s, &so);
		for (c = 0; c < so.nkeys; c++) {
			if (so.keys[c].col != COL_PIPELINE_TRIGGER_USER_ID)
				continue;
			v = xreallocarray(v, *n + a->n + 1, sizeof(*v));
			for (i = 0; i < a->n; i++) {
				size_t len;
				const char *p = agg_key_part(a->groups[i].key,
				    a->groups[i].keylen, c, &len);

				if (len > 0 && len <= USERS_MAX_ID &&
				    memchr(p, '\0', len) == NULL)
					v[(*n)++] = xstrndup(p, len);
			}
		}
		report_opts_release(&so);
	}
	if (*n > 1)
		qsort(v, *n, sizeof(*v), users_strcmp);
	for (i = k = 0; i < *n; i++) {
		if (k > 0 && strcmp(v[k - 1], v[i]) == 0)
			free(v[i]);
		else
			v[k++] = v[i];
	}
	*n = k;
	*ids = v;
}

/* ---- asking the API ---- */

/*
 * The API's answer about id into u.  A login that is not a string of at
 * most USERS_MAX_LOGIN printable bytes makes the user unknown.
 */
static void
users_take_answer(struct users *u, const char *id, json_t *ans,
    const char *now)
{
	json_t *lj = json_object_get(ans, "login");
	json_t *nj = json_object_get(ans, "name");
	const char *login = json_string_value(lj);
	const char *name = json_string_value(nj);

	if (login != NULL && (json_string_length(lj) == 0 ||
	    json_string_length(lj) > USERS_MAX_LOGIN ||
	    str_has_control(login, json_string_length(lj)) ||
	    strlen(login) != json_string_length(lj)))
		login = NULL;
	if (name != NULL && (json_string_length(nj) == 0 ||
	    json_string_length(nj) > USERS_MAX_NAME ||
	    str_has_control(name, json_string_length(nj)) ||
	    strlen(name) != json_string_length(nj)))
		name = NULL;
	users_set(u, id, login, login != NULL ? name : NULL, now);
}

int
users_resolve(struct users *u, struct api *a, char *const *ids, size_t n,
    unsigned *asked)
{
	double old = api_deadline(a), next = api_clock();
	char now[RANGE_BUFSZ], path[64];
	unsigned count = 0;
	size_t i, left = 0;
	int ret = 0;

	manifest_now(now);
	for (i = 0; i < n; i++) {
		json_t *ans = NULL;
		double t = api_clock();
		int rc;

		if (users_find(u, ids[i], strlen(ids[i])) != NULL ||
		    !str_is_uuid(ids[i]))
			continue;
		if (ret < 0) {
			left++;
			continue;
		}
		/* at most USERS_RATE requests a second, evenly spaced */
		if (next > t)
			api_sleep(next - t, next + 1);
		next = (next > t ? next : t) + 1.0 / USERS_RATE;
		/* an optional look-up: a failure may not hold things up */
		api_set_deadline(a, api_clock() + USERS_BUDGET < old ?
		    api_clock() + USERS_BUDGET : old);
		snprintf(path, sizeof(path), "/user/%s", ids[i]);
		count++;
		rc = api_call_flags(a, "GET", path, NULL, "look up user names",
		    API_QUIET_404, &ans);
		if (rc == 0)
			users_take_answer(u, ids[i], ans, now);
		else if (rc == API_NOT_FOUND)
			users_set(u, ids[i], NULL, NULL, now);
		else {
			ret = -1;
			left++;
		}
		json_decref(ans);
	}
	api_set_deadline(a, old);
	if (ret < 0)
		warning("user names: look-ups stopped; %zu user%s shown by "
		    "ID (the next --names asks again)", left,
		    left == 1 ? "" : "s");
	if (asked != NULL)
		*asked = count;
	return ret;
}

/* ---- export --names ---- */

/* The distinct user IDs of the export in dir.  An exit code. */
static int
users_export_ids(const char *dir, char ***ids, size_t *n)
{
	struct report_opts o;
	struct report_result r;
	struct inputs in;
	int ret;

	*ids = NULL;
	*n = 0;
	report_opts_init(&o);
	inputs_init(&in);
	memset(&r, 0, sizeof(r));
	ret = report_parse_by(&o, "user") < 0 || inputs_add(&in, dir) < 0 ?
	    EXIT_BAD_INPUT : 0;
	if (ret == 0)
		ret = report_run(&o, &in, &r);
	if (ret == 0)
		users_collect(&o, &r, ids, n);
	report_result_release(&r);
	inputs_release(&in);
	report_opts_release(&o);
	return ret;
}

int
users_export_dir(const char *dir, struct api *a, int quiet)
{
	char err[256], *path = xasprintf("%s/%s", dir, USERS_FILE);
	struct users u;
	char **ids = NULL;
	size_t n = 0, i, unknown = 0;
	unsigned asked = 0;
	int ret, rc;

	users_init(&u);
	ret = users_export_ids(dir, &ids, &n);
	if (ret != 0)
		goto out;
	rc = users_load(&u, path, err, sizeof(err));
	if (rc < 0) {
		warning("'%s': %s; ignoring it and writing it anew", path,
		    err);
		users_release(&u);
		u.dirty = 1;
	}
	users_resolve(&u, a, ids, n, &asked);
	if (u.dirty && users_save(&u, dir) < 0) {
		ret = EXIT_FAILURE_OTHER;
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct user *e = users_find(&u, ids[i], strlen(ids[i]));

		unknown += e == NULL || e->login == NULL;
	}
	if (!quiet)
		notice("user names: %zu user%s, %zu without a name; %u "
		    "looked up, the rest from %s", n, n == 1 ? "" : "s",
		    unknown, asked, path);
out:
	strv_free(ids, n);
	users_release(&u);
	free(path);
	return ret;
}
