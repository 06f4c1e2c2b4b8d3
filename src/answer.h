/*
 * answer.h: what the Usage API's answers say, read from their JSON with
 * every field checked, and every text that may reach a terminal or the
 * manifest made safe: secrets masked, control characters blanked, cut to
 * REDACT_MAX bytes (redact.h).  Kept apart from the client so that it
 * can be tested and fuzzed on its own.
 */
#ifndef CU_ANSWER_H
#define CU_ANSWER_H

#include <stddef.h>

#include <jansson.h>

struct job_answer {
	char *id;		/* usage_export_job_id (create) */
	char *state;		/* created, processing, completed, failed... */
	char *error_reason;	/* when failed; NULL otherwise */
	char **urls;		/* download_urls when completed with some */
	size_t nurls;
};

/*
 * Read a create (201) or poll (200) answer into *a (zeroed first).
 * Returns 0, or -1 with the reason in err[errlen]: not an object, no
 * usable job id (create: a UUID), no state, a download URL that is not a
 * string.
 * A `completed` answer whose download_urls is null, missing or empty has
 * nurls 0: not ready yet.
 */
int answer_parse_create(const json_t *j, struct job_answer *a, char *err,
    size_t errlen);
int answer_parse_poll(const json_t *j, struct job_answer *a, char *err,
    size_t errlen);
void answer_release(struct job_answer *a);

/* A copy of s (n bytes) on one line: control characters become spaces. */
char *answer_clean(const char *s, size_t n);

#endif
