/*
 * alertstate.h: what notify's --cooldown remembers: each alert sent, as
 * its rule's text and the entity it named (empty for a rule about the
 * totals), with the time it was sent.  Kept in a JSON file beside the run
 * directories (doc/notify.md), or in the history database (db.h):
 *
 *	{"version": 1, "alerts": [{"rule": "budget", "entity":
 *	  "budget 2026-11-30 warning 75% org-weekly", "sent_at":
 *	  "2026-12-04T12:00:00Z"}, ...]}
 *
 * The parser takes any bytes and either fills the state or says why not
 * in one line: a state file that is not what this module writes is an
 * error, never read as empty.
 */
#ifndef CU_ALERTSTATE_H
#define CU_ALERTSTATE_H

#include <stddef.h>
#include <stdint.h>

#define ALERTSTATE_VERSION 1
#define ALERTSTATE_FILE ".circleci-usage-alerts.json"
#define ALERTSTATE_MAX_BYTES (64 * 1024 * 1024)
#define ALERTSTATE_MAX 1000000		/* alerts in a state */
#define ALERTSTATE_MAX_TEXT 8192	/* bytes of a rule or an entity */
/* alerts sent longer ago than this are dropped when the state is saved */
#define ALERTSTATE_KEEP_MS (366LL * 86400 * 1000)

struct alertstate_entry {
	char *rule;		/* alert_rule_text() */
	char *entity;		/* alertstate_entity_*(); "" for none */
	int64_t sent_ms;	/* ms since the epoch */
};

/* Sorted by (rule, entity), each pair once. */
struct alertstate {
	struct alertstate_entry *v;
	size_t n, cap;
};

void alertstate_init(struct alertstate *s);
void alertstate_release(struct alertstate *s);

/*
 * The entry of (rule, entity), or NULL.  The pointer is valid until the
 * state changes.
 */
const struct alertstate_entry *alertstate_find(const struct alertstate *s,
    const char *rule, const char *entity);

/*
 * Record (rule, entity) as sent at sent_ms, replacing an entry of the same
 * pair.  Returns 0, or -1 when either text passes ALERTSTATE_MAX_TEXT
 * bytes or the state holds ALERTSTATE_MAX entries.
 */
int alertstate_set(struct alertstate *s, const char *rule,
    const char *entity, int64_t sent_ms);

/* Drop the entries sent before `before_ms`. */
void alertstate_prune(struct alertstate *s, int64_t before_ms);

/*
 * Parse `len` bytes of JSON into s (emptied first).  Returns 0, or -1
 * with why in err (one line, errlen bytes): not JSON, another version, a
 * field missing or of the wrong type, a text with a NUL or control
 * character or past ALERTSTATE_MAX_TEXT, a time that is not RFC 3339, a
 * pair given twice.  s is empty after a failure.
 */
int alertstate_parse(struct alertstate *s, const char *text, size_t len,
    char *err, size_t errlen);

/*
 * Load the file at `path` into s.  Returns 0, 1 when there is no such
 * file (s empty), or -1 with why in err (s empty).
 */
int alertstate_load(struct alertstate *s, const char *path, char *err,
    size_t errlen);

/* The state as JSON, as alertstate_parse() reads it.  The caller frees. */
char *alertstate_dump(const struct alertstate *s);

/*
 * Write the state to `path`, all or nothing (out.h: a temporary file
 * renamed over it).  Returns 0, or -1 after an error naming the file.
 */
int alertstate_save(const struct alertstate *s, const char *path);

/*
 * An entity's text, part of an alert's identity: a fixed prefix, then
 * the name from the data or the budgets file last, with each byte that
 * is a control character, a backslash or not valid UTF-8 written \xHH,
 * so that the text is one line of valid UTF-8 and two names never give
 * the same text.  Each appends to sb (util.h's sbuf).
 *
 *	project NAME
 *	budget START STATUS THRESHOLD NAME	(THRESHOLD: 75% or -)
 *	anomaly DAY KIND PROJECT
 */
struct sbuf;
void alertstate_name(struct sbuf *sb, const char *s, size_t len);

#endif
