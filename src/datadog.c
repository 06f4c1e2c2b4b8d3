/*
 * datadog.c: metric sets as Datadog series payloads (datadog.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "agg.h"
#include "datadog.h"
#include "utf8.h"

/* Is c kept in a tag as it is (after lowercasing)? */
static int
datadog_tag_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
	    c == '-' || c == ':' || c == '.' || c == '/';
}

int
datadog_tag_clean(struct sbuf *sb, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;
	int c;

	while (i < len) {
		c = p[i];
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (datadog_tag_char(c)) {
			if (sbuf_addch(sb, (char)c) < 0)
				return -1;
			i++;
			continue;
		}
		k = c < 0x80 ? 1 : utf8_decode(p + i, len - i, NULL);
		if (sbuf_addch(sb, '_') < 0)
			return -1;
		i += k == 0 ? 1 : k;
	}
	return 0;
}

int
datadog_tag_ok(const char *tag)
{
	size_t i, n = strlen(tag);

	if (n == 0 || n > DATADOG_MAX_TAG || tag[0] < 'a' || tag[0] > 'z' ||
	    strchr(tag, ':') == NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (!datadog_tag_char((unsigned char)tag[i]))
			return 0;
	return 1;
}

char *
datadog_metric(const char *family)
{
	static const char prefix[] = "circleci_usage_";
	char *s = xstrdup(family);

	if (strncmp(s, prefix, sizeof(prefix) - 1) == 0)
		s[sizeof(prefix) - 2] = '.';
	return s;
}

/*
 * The series key of sample s: metric, then each tag, each part ended by
 * a NUL (agg_key_add's form), tags cut at DATADOG_MAX_TAG.
 */
static void
datadog_series_key(struct sbuf *key, struct sbuf *tag, const char *metric,
    const struct mset *m, const struct mset_sample *s, char *const *tags,
    size_t ntags)
{
	size_t i;

	sbuf_reset(key);
	agg_key_add(key, metric, strlen(metric));
	for (i = 0; i < s->nlabels; i++) {
		const struct mset_label *l = &m->labels[s->first + i];

		sbuf_reset(tag);
		if (datadog_tag_clean(tag, l->name, strlen(l->name)) < 0 ||
		    sbuf_addch(tag, ':') < 0 ||
		    datadog_tag_clean(tag, l->value, l->len) < 0)
			die(EXIT_FAILURE_OTHER, "out of memory");
		agg_key_add(key, tag->buf, tag->len < DATADOG_MAX_TAG ?
		    tag->len : DATADOG_MAX_TAG);
	}
	for (i = 0; i < ntags; i++)
		agg_key_add(key, tags[i], strlen(tags[i]));
}

/*
 * The JSON number of v: the nearest double, with the fewest digits from
 * 15 to 17 that read back to it (an integer below 2^53 as an integer).
 */
static json_t *
datadog_value(dec_t v, int *precision)
{
	char num[DEC_BUFSZ], back[40];
	double d;
	int p;

	dec_format(v, num);
	*precision = 17;
	if (strchr(num, '.') == NULL && strlen(num) <= 15)
		return json_integer((json_int_t)strtoll(num, NULL, 10));
	d = strtod(num, NULL);
	for (p = 15; p < 17; p++) {
		snprintf(back, sizeof(back), "%.*g", p, d);
		if (strtod(back, NULL) == d)
			break;
	}
	*precision = p;
	return json_real(d);
}

/* One series as compact JSON.  The caller frees it. */
static char *
datadog_series_json(const char *key, size_t keylen, size_t ntags,
    dec_t value, int64_t now)
{
	json_t *o, *pt, *tags;
	const char *s;
	size_t i, len;
	char *text, *part;
	int precision;

	o = json_object();
	s = agg_key_part(key, keylen, 0, &len);
	json_object_set_new(o, "metric", json_stringn(s, len));
	json_object_set_new(o, "type", json_integer(3));
	pt = json_object();
	json_object_set_new(pt, "timestamp", json_integer((json_int_t)now));
	json_object_set_new(pt, "value", datadog_value(value, &precision));
	json_object_set_new(o, "points", json_pack("[o]", pt));
	tags = json_array();
	for (i = 1; i <= ntags; i++) {
		s = agg_key_part(key, keylen, i, &len);
		part = xmalloc(len + 1);
		memcpy(part, s, len);
		part[len] = '\0';
		json_array_append_new(tags, json_string(part));
		free(part);
	}
	json_object_set_new(o, "tags", tags);
	text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(precision));
	json_decref(o);
	if (text == NULL)
		die(EXIT_FAILURE_OTHER, "out of memory");
	return text;
}

/* Close the payload in sb into p; sb starts again, empty. */
static void
datadog_flush(struct datadog_payloads *p, struct sbuf *sb, size_t max)
{
	sbuf_addstr(sb, "]}");
	p->body = xreallocarray(p->body, p->n + 1, sizeof(*p->body));
	p->len = xreallocarray(p->len, p->n + 1, sizeof(*p->len));
	p->len[p->n] = sb->len;
	p->body[p->n++] = sbuf_detach(sb);
	sbuf_init(sb, max + 1);
}

int
datadog_payloads(const struct mset *m, char *const *tags, size_t ntags,
    int64_t now, size_t max, struct datadog_payloads *p)
{
	static const char head[] = "{\"series\":[";
	const size_t frame = sizeof(head) - 1 + 2;	/* head, "]}" */
	struct sbuf key, tag, sb;
	struct agg series;
	size_t i, in = 0;
	int ret = 0;

	memset(p, 0, sizeof(*p));
	agg_init(&series);
	sbuf_init(&key, (size_t)1 << 30);
	sbuf_init(&tag, (size_t)1 << 30);
	for (i = 0; i < m->n; i++) {
		const struct mset_sample *s = &m->samples[i];
		char *metric = datadog_metric(m->fams[s->family].name);
		struct agg_group *g;

		datadog_series_key(&key, &tag, metric, m, s, tags, ntags);
		free(metric);
		g = agg_get(&series, key.buf, key.len, agg_hash(key.buf,
		    key.len));
		/* jobs: the series' count of tags */
		g->m.jobs = s->nlabels + ntags;
		g->m.credits[CR_TOTAL] = dec_add_or_die(g->m.credits[CR_TOTAL],
		    s->value, "a series' value");
	}
	sbuf_release(&tag);
	sbuf_release(&key);
	sbuf_init(&sb, max + 1);
	for (i = 0; i < series.n && ret == 0; i++) {
		const struct agg_group *g = &series.groups[i];
		char *one = datadog_series_json(g->key, g->keylen,
		    (size_t)g->m.jobs, g->m.credits[CR_TOTAL], now);
		size_t len = strlen(one);

		if (frame + len > max) {
			error("a series of %zu bytes does not fit in a payload "
			    "of %zu (--batch-bytes)", len + frame, max);
			ret = -1;
		} else {
			if (in > 0 && sb.len + 1 + len + 2 > max) {
				datadog_flush(p, &sb, max);
				in = 0;
			}
			if (in == 0)
				sbuf_addstr(&sb, head);
			else
				sbuf_addch(&sb, ',');
			sbuf_add(&sb, one, len);
			in++;
			p->series++;
		}
		free(one);
	}
	if (ret == 0 && in > 0)
		datadog_flush(p, &sb, max);
	sbuf_release(&sb);
	agg_release(&series);
	return ret;
}

void
datadog_payloads_release(struct datadog_payloads *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->body[i]);
	free(p->body);
	free(p->len);
	memset(p, 0, sizeof(*p));
}

/*
 * The sites Datadog publishes (tests/double/datadog.md [1]): the key is
 * sent to api.SITE, so no other host may come from the environment (an
 * unlisted one needs --api-url, stated on the command line).
 */
static const char *const datadog_sites[] = {
	"datadoghq.com", "us3.datadoghq.com", "us5.datadoghq.com",
	"datadoghq.eu", "ap1.datadoghq.com", "ap2.datadoghq.com",
	"uk1.datadoghq.com", "ddog-gov.com", "us2.ddog-gov.com"
};

char *
datadog_url(const char *base)
{
	const char *site = getenv("DD_SITE");
	size_t n, i;

	if (base != NULL) {
		n = strlen(base);
		while (n > 0 && base[n - 1] == '/')
			n--;
		return xasprintf("%.*s%s", (int)n, base, DATADOG_SERIES_PATH);
	}
	if (site == NULL || site[0] == '\0')
		site = DATADOG_SITE;
	for (i = 0; i < sizeof(datadog_sites) / sizeof(datadog_sites[0]); i++)
		if (strcasecmp(site, datadog_sites[i]) == 0)
			return xasprintf("https://api.%s%s", datadog_sites[i],
			    DATADOG_SERIES_PATH);
	error("DD_SITE: expected a Datadog site (datadoghq.com, "
	    "us3.datadoghq.com, us5.datadoghq.com, datadoghq.eu, "
	    "ap1.datadoghq.com, ap2.datadoghq.com, uk1.datadoghq.com, "
	    "ddog-gov.com or us2.ddog-gov.com), got '%.100s'; another "
	    "endpoint needs --api-url", site);
	return NULL;
}

char *
datadog_key_read(const char *key_file)
{
	static const char *const vars[] = { "DD_API_KEY" };

	return secret_read(key_file, "--api-key-file", vars, 1,
	    "the Datadog API key", "no Datadog API key: set DD_API_KEY or "
	    "use --api-key-file PATH (or --dry-run)");
}
