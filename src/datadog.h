/*
 * datadog.h: a metric set (mset.h) as the series of Datadog's metrics
 * intake, v2 (POST /api/v2/series; the contract, with its sources, is
 * tests/double/datadog.md), cut into payloads within a size limit.
 *
 * Each sample becomes one gauge series (type 3) with one point: the
 * value at `now` (Datadog takes points of the last hour only, so a
 * period's totals carry the time of the push; the period is in the info
 * series' tags).  Its metric is the family's name with the prefix's
 * last underscore a dot (circleci_usage_credits: circleci_usage.credits);
 * its tags are its labels as name:value, then the extra tags, each
 * normalized as Datadog would (datadog_tag_clean), so that what Datadog
 * stores is what was sent; samples whose metric and tags come out the
 * same are one series, their values summed exactly.
 *
 * Payloads are plain JSON (no Content-Encoding): `{"series":[...]}`, each
 * at most `max` bytes, every series in exactly one.  The value is the
 * nearest double to the exact decimal, written with the fewest digits
 * (15 to 17) that read back to it.
 */
#ifndef CU_DATADOG_H
#define CU_DATADOG_H

#include <stddef.h>
#include <stdint.h>

#include "mset.h"
#include "util.h"

/* The intake's limit on a payload: 500 KB (docs: 512000 bytes). */
#define DATADOG_MAX_PAYLOAD 512000
/* The smallest --batch-bytes: room for a series with long tags. */
#define DATADOG_MIN_PAYLOAD 1024
/* A tag's limit in characters (bytes here: ours are ASCII). */
#define DATADOG_MAX_TAG 200
/* The site without DD_SITE. */
#define DATADOG_SITE "datadoghq.com"
/* The path of the series endpoint under the API base. */
#define DATADOG_SERIES_PATH "/api/v2/series"

/*
 * Append s[0..len) to sb as a tag's text: ASCII letters lowercased;
 * digits and _ - : . / kept; every other character (a UTF-8 sequence
 * counted once, a byte that starts none alone) as `_`.  Returns -1 when
 * sb is full.
 */
int datadog_tag_clean(struct sbuf *sb, const char *s, size_t len);

/*
 * Is tag (NUL-terminated) one Datadog keeps as it is: key:value, the key
 * starting with a lowercase letter, at most DATADOG_MAX_TAG bytes, every
 * character one datadog_tag_clean() keeps?
 */
int datadog_tag_ok(const char *tag);

/* The metric of an mset family name (see above).  The caller frees it. */
char *datadog_metric(const char *family);

struct datadog_payloads {
	char **body;		/* each NUL-terminated JSON */
	size_t *len;
	size_t n;
	size_t series;		/* in all of them */
};

/*
 * m's series with the extra tags tags[0..ntags) (each datadog_tag_ok)
 * and the time `now` (seconds) into p, cut into payloads of at most
 * `max` bytes.  Returns 0, or -1 after an error (a series alone larger
 * than max).  Release p with datadog_payloads_release() either way.
 */
int datadog_payloads(const struct mset *m, char *const *tags, size_t ntags,
    int64_t now, size_t max, struct datadog_payloads *p);
void datadog_payloads_release(struct datadog_payloads *p);

/*
 * The series URL: base (--api-url, without trailing slashes) +
 * DATADOG_SERIES_PATH, or with base NULL https://api.SITE + it, SITE from
 * DD_SITE (else DATADOG_SITE), one of the sites Datadog publishes (any
 * other is refused: the key goes to that host).  Returns a new string,
 * or NULL after an error naming DD_SITE.
 */
char *datadog_url(const char *base);

/*
 * The API key: read from key_file ("-": the standard input), else from
 * DD_API_KEY; trimmed of white space around it.  Empty, or holding a
 * space or a control character: refused.  Returns a new string (the
 * caller wipes and frees it), or NULL after an error that never quotes
 * it.
 */
char *datadog_key_read(const char *key_file);

#endif
