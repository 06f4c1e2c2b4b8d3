/*
 * answer.c: the Usage API's create and poll answers, checked.
 */
#include "answer.h"

#include <string.h>

#include "redact.h"
#include "util.h"

char *
answer_clean(const char *s, size_t n)
{
	char *ret = xstrndup(s, n);
	size_t i;

	for (i = 0; ret[i]; i++)
		if ((unsigned char)ret[i] < 0x20 || ret[i] == 0x7f)
			ret[i] = ' ';
	return ret;
}

/* A text of the answer, as it may be printed and kept: every secret
 * masked, control characters blanked, cut short (redact.h). */
static char *
text_of(const json_t *v)
{
	if (!json_is_string(v))
		return NULL;
	return redact_text(json_string_value(v), json_string_length(v), 0);
}

void
answer_release(struct job_answer *a)
{
	free(a->id);
	free(a->state);
	free(a->error_reason);
	strv_free(a->urls, a->nurls);
	memset(a, 0, sizeof(*a));
}

/* The fields both answers share: state, error_reason, download_urls. */
static int
parse_common(const json_t *j, struct job_answer *a, int need_state,
    char *err, size_t errlen)
{
	const json_t *u;
	size_t i, n;

	a->state = text_of(json_object_get(j, "state"));
	if (a->state == NULL && need_state) {
		snprintf(err, errlen, "the answer has no state");
		return -1;
	}
	if (a->state != NULL && strcmp(a->state, "failed") == 0)
		a->error_reason = text_of(json_object_get(j, "error_reason"));
	u = json_object_get(j, "download_urls");
	if (a->state == NULL || strcmp(a->state, "completed") != 0 ||
	    !json_is_array(u) || json_array_size(u) == 0)
		return 0;
	n = json_array_size(u);
	a->urls = xcalloc(n, sizeof(*a->urls));
	for (i = 0; i < n; i++) {
		const json_t *s = json_array_get(u, i);

		if (!json_is_string(s) || json_string_length(s) == 0 ||
		    strlen(json_string_value(s)) != json_string_length(s)) {
			snprintf(err, errlen, "download_urls[%zu] is not a "
			    "URL", i);
			a->nurls = i;
			return -1;
		}
		a->urls[i] = xstrdup(json_string_value(s));
	}
	a->nurls = n;
	return 0;
}

int
answer_parse_create(const json_t *j, struct job_answer *a, char *err,
    size_t errlen)
{
	const char *id;

	memset(a, 0, sizeof(*a));
	if (!json_is_object(j)) {
		snprintf(err, errlen, "the answer is not a JSON object");
		return -1;
	}
	/* a UUID, as the API documents it: it goes into a URL's path */
	id = json_string_value(json_object_get(j, "usage_export_job_id"));
	if (id == NULL || !str_is_uuid(id) || json_string_length(
	    json_object_get(j, "usage_export_job_id")) != 36) {
		snprintf(err, errlen, "the answer has no usable "
		    "usage_export_job_id");
		return -1;
	}
	a->id = xstrdup(id);
	return parse_common(j, a, 0, err, errlen);
}

int
answer_parse_poll(const json_t *j, struct job_answer *a, char *err,
    size_t errlen)
{
	memset(a, 0, sizeof(*a));
	if (!json_is_object(j)) {
		snprintf(err, errlen, "the answer is not a JSON object");
		return -1;
	}
	return parse_common(j, a, 1, err, errlen);
}
