/*
 * alertstate.c: the alerts notify's --cooldown remembers (alertstate.h): a
 * sorted array of (rule, entity, time sent), its JSON file read strictly
 * and written atomically.
 */
#include "alertstate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "out.h"
#include "range.h"
#include "utf8.h"
#include "util.h"

void
alertstate_init(struct alertstate *s)
{
	memset(s, 0, sizeof(*s));
}

static void
alertstate_clear(struct alertstate *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->v[i].rule);
		free(s->v[i].entity);
	}
	s->n = 0;
}

void
alertstate_release(struct alertstate *s)
{
	alertstate_clear(s);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int
alertstate_cmp(const char *rule, const char *entity,
    const struct alertstate_entry *e)
{
	int c = strcmp(rule, e->rule);

	return c != 0 ? c : strcmp(entity, e->entity);
}

/* Where (rule, entity) is or would go; *found set when it is there. */
static size_t
alertstate_search(const struct alertstate *s, const char *rule,
    const char *entity, int *found)
{
	size_t lo = 0, hi = s->n;

	*found = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = alertstate_cmp(rule, entity, &s->v[mid]);

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

const struct alertstate_entry *
alertstate_find(const struct alertstate *s, const char *rule,
    const char *entity)
{
	int found;
	size_t i = alertstate_search(s, rule, entity, &found);

	return found ? &s->v[i] : NULL;
}

int
alertstate_set(struct alertstate *s, const char *rule, const char *entity,
    int64_t sent_ms)
{
	int found;
	size_t i;

	if (strlen(rule) > ALERTSTATE_MAX_TEXT ||
	    strlen(entity) > ALERTSTATE_MAX_TEXT)
		return -1;
	i = alertstate_search(s, rule, entity, &found);
	if (found) {
		s->v[i].sent_ms = sent_ms;
		return 0;
	}
	if (s->n >= ALERTSTATE_MAX)
		return -1;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->v = xreallocarray(s->v, s->cap, sizeof(*s->v));
	}
	memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(*s->v));
	s->v[i].rule = xstrdup(rule);
	s->v[i].entity = xstrdup(entity);
	s->v[i].sent_ms = sent_ms;
	s->n++;
	return 0;
}

void
alertstate_prune(struct alertstate *s, int64_t before_ms)
{
	size_t i, k = 0;

	for (i = 0; i < s->n; i++) {
		if (s->v[i].sent_ms < before_ms) {
			free(s->v[i].rule);
			free(s->v[i].entity);
			continue;
		}
		s->v[k++] = s->v[i];
	}
	s->n = k;
}

/* ---- the file ---- */

/*
 * Field `key` of alert i: a string of at most ALERTSTATE_MAX_TEXT bytes,
 * with no control character (so none is a NUL), empty only when
 * `may_be_empty`.  *out borrowed from the JSON.
 */
static int
alertstate_field(json_t *e, size_t i, const char *key, int may_be_empty,
    const char **out, char *err, size_t errlen)
{
	json_t *v = json_object_get(e, key);
	size_t len;

	if (!json_is_string(v))
		return err_line(err, errlen, "alerts[%zu].%s: expected "
		    "a string", i, key);
	len = json_string_length(v);
	*out = json_string_value(v);
	if ((len == 0 && !may_be_empty) || len > ALERTSTATE_MAX_TEXT ||
	    strlen(*out) != len || str_has_control(*out, len))
		return err_line(err, errlen, "alerts[%zu].%s: expected "
		    "a string of %d to %d bytes without control characters", i,
		    key, may_be_empty ? 0 : 1, ALERTSTATE_MAX_TEXT);
	return 0;
}

/* Alert i of the array into s (sorted as it goes); a pair twice: error. */
static int
alertstate_parse_entry(struct alertstate *s, json_t *e, size_t i, char *err,
    size_t errlen)
{
	const char *rule, *entity, *at;
	int64_t ms;

	if (!json_is_object(e))
		return err_line(err, errlen, "alerts[%zu]: expected an "
		    "object {\"rule\", \"entity\", \"sent_at\"}", i);
	if (alertstate_field(e, i, "rule", 0, &rule, err, errlen) < 0 ||
	    alertstate_field(e, i, "entity", 1, &entity, err, errlen) < 0 ||
	    alertstate_field(e, i, "sent_at", 0, &at, err, errlen) < 0)
		return -1;
	/* a time, not a day: range_parse_bound would take either */
	if (strlen(at) <= 10 || range_parse_bound(at, 0, &ms) < 0 || ms < 0)
		return err_line(err, errlen, "alerts[%zu].sent_at: "
		    "expected an RFC 3339 time such as 2026-12-04T12:00:00Z",
		    i);
	if (alertstate_find(s, rule, entity) != NULL)
		return err_line(err, errlen, "alerts[%zu]: the rule and "
		    "entity of an earlier alert", i);
	if (alertstate_set(s, rule, entity, ms) < 0)
		return err_line(err, errlen, "alerts[%zu]: more than %d "
		    "alerts", i, ALERTSTATE_MAX);
	return 0;
}

int
alertstate_parse(struct alertstate *s, const char *text, size_t len,
    char *err, size_t errlen)
{
	json_error_t je;
	json_t *root, *arr, *ver;
	size_t i;
	int ret = -1;

	alertstate_clear(s);
	if (len > ALERTSTATE_MAX_BYTES)
		return err_line(err, errlen, "larger than %d MB",
		    ALERTSTATE_MAX_BYTES >> 20);
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return err_line(err, errlen, "not JSON: line %d: %.100s",
		    je.line, je.text);
	ver = json_object_get(root, "version");
	arr = json_object_get(root, "alerts");
	if (!json_is_object(root)) {
		err_line(err, errlen, "expected a JSON object "
		    "{\"version\": 1, \"alerts\": [...]}");
	} else if (!json_is_integer(ver) ||
	    json_integer_value(ver) != ALERTSTATE_VERSION) {
		err_line(err, errlen, "version: expected %d",
		    ALERTSTATE_VERSION);
	} else if (!json_is_array(arr)) {
		err_line(err, errlen, "alerts: expected an array");
	} else if (json_array_size(arr) > ALERTSTATE_MAX) {
		err_line(err, errlen, "alerts: more than %d alerts",
		    ALERTSTATE_MAX);
	} else {
		for (i = 0; i < json_array_size(arr); i++)
			if (alertstate_parse_entry(s, json_array_get(arr, i),
			    i, err, errlen) < 0)
				goto out;
		ret = 0;
	}
out:
	if (ret < 0)
		alertstate_clear(s);
	json_decref(root);
	return ret;
}

int
alertstate_load(struct alertstate *s, const char *path, char *err,
    size_t errlen)
{
	char *text;
	size_t n;
	int ret;

	alertstate_clear(s);
	ret = read_state_file(path, ALERTSTATE_MAX_BYTES, &text, &n, err,
	    errlen);
	if (ret != 0)
		return ret;
	ret = alertstate_parse(s, text, n, err, errlen);
	free(text);
	return ret;
}

char *
alertstate_dump(const struct alertstate *s)
{
	json_t *root = json_object(), *arr = json_array();
	char at[RANGE_BUFSZ], *text;
	size_t i;

	json_object_set_new(root, "version",
	    json_integer(ALERTSTATE_VERSION));
	for (i = 0; i < s->n; i++) {
		json_t *e = json_object();

		range_format(s->v[i].sent_ms, at);
		json_object_set_new(e, "rule", json_string(s->v[i].rule));
		json_object_set_new(e, "entity", json_string(s->v[i].entity));
		json_object_set_new(e, "sent_at", json_string(at));
		json_array_append_new(arr, e);
	}
	json_object_set_new(root, "alerts", arr);
	text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (text == NULL)
		die(EXIT_FAILURE_OTHER, "out of memory");
	return text;
}

int
alertstate_save(const struct alertstate *s, const char *path)
{
	char *text = alertstate_dump(s);
	int ret = out_write_text(path, text);

	free(text);
	return ret;
}

void
alertstate_name(struct sbuf *sb, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;

	/* escaped exactly what alertstate_parse() refuses, and backslash */
	while (i < len) {
		n = utf8_decode(u + i, len - i, NULL);
		if (n == 0 || u[i] == '\\' || str_has_control(s + i, n)) {
			for (n = n ? n : 1; n > 0; n--, i++)
				sbuf_addf(sb, "\\x%02x", u[i]);
			continue;
		}
		sbuf_add(sb, s + i, n);
		i += n;
	}
}
