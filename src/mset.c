/*
 * mset.c: the metric set and its OpenMetrics text (mset.h): families,
 * samples with labels, escaping, and the writer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mset.h"
#include "utf8.h"

void
mset_init(struct mset *m)
{
	memset(m, 0, sizeof(*m));
}

void
mset_release(struct mset *m)
{
	free(m->fams);
	free(m->samples);
	free(m->labels);
	arena_release(&m->text);
	memset(m, 0, sizeof(*m));
}

static int
mset_name_char(int c, int first, int colon)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
		return 1;
	if (colon && c == ':')
		return 1;
	return !first && c >= '0' && c <= '9';
}

int
mset_name_ok(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0')
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!mset_name_char((unsigned char)s[i], i == 0, 1))
			return 0;
	return 1;
}

int
mset_label_name_ok(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0' || strncmp(s, "__", 2) == 0)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!mset_name_char((unsigned char)s[i], i == 0, 0))
			return 0;
	return 1;
}

size_t
mset_family(struct mset *m, const char *name, const char *unit,
    const char *help)
{
	size_t nl = strlen(name), ul = strlen(unit);

	/* OpenMetrics: the unit is the name's suffix, after an underscore */
	if (!mset_name_ok(name) || strchr(help, '\\') != NULL ||
	    strchr(help, '\n') != NULL || (ul > 0 && (ul + 1 >= nl ||
	    name[nl - ul - 1] != '_' || strcmp(name + nl - ul, unit) != 0)))
		die(EXIT_FAILURE_OTHER, "bug: bad metric family '%s'", name);
	if (m->nfams == m->capfams) {
		m->capfams = m->capfams ? 2 * m->capfams : 16;
		m->fams = xreallocarray(m->fams, m->capfams, sizeof(*m->fams));
	}
	m->fams[m->nfams].name = name;
	m->fams[m->nfams].unit = unit;
	m->fams[m->nfams].help = help;
	return m->nfams++;
}

void
mset_sample(struct mset *m, size_t fam, dec_t value)
{
	struct mset_sample *s;

	if (fam >= m->nfams)
		die(EXIT_FAILURE_OTHER, "bug: no metric family %zu", fam);
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 64;
		m->samples = xreallocarray(m->samples, m->cap,
		    sizeof(*m->samples));
	}
	s = &m->samples[m->n++];
	s->family = fam;
	s->first = m->nlabels;
	s->nlabels = 0;
	s->value = value;
}

void
mset_label(struct mset *m, const char *name, const char *value, size_t len)
{
	struct mset_label *l;

	if (m->n == 0 || !mset_label_name_ok(name))
		die(EXIT_FAILURE_OTHER, "bug: bad metric label '%s'", name);
	if (m->nlabels == m->caplabels) {
		m->caplabels = m->caplabels ? 2 * m->caplabels : 128;
		m->labels = xreallocarray(m->labels, m->caplabels,
		    sizeof(*m->labels));
	}
	l = &m->labels[m->nlabels++];
	l->name = arena_store(&m->text, name, strlen(name) + 1);
	l->value = len ? arena_store(&m->text, value, len) : "";
	l->len = len;
	m->samples[m->n - 1].nlabels++;
}

int
mset_clean_value(struct sbuf *sb, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < len) {
		k = utf8_decode(p + i, len - i, NULL);
		if (k == 0 || (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n') ||
		    p[i] == 0x7f) {
			if (sbuf_addstr(sb, "\xef\xbf\xbd") < 0)
				return -1;
			i++;
			continue;
		}
		if (sbuf_add(sb, p + i, k) < 0)
			return -1;
		i += k;
	}
	return 0;
}

int
mset_escape_value(struct sbuf *sb, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < len) {
		switch (p[i]) {
		case '\\':
			if (sbuf_addstr(sb, "\\\\") < 0)
				return -1;
			i++;
			continue;
		case '"':
			if (sbuf_addstr(sb, "\\\"") < 0)
				return -1;
			i++;
			continue;
		case '\n':
			if (sbuf_addstr(sb, "\\n") < 0)
				return -1;
			i++;
			continue;
		}
		k = utf8_decode(p + i, len - i, NULL);
		if (k == 0) {
			/* U+FFFD REPLACEMENT CHARACTER */
			if (sbuf_addstr(sb, "\xef\xbf\xbd") < 0)
				return -1;
			i++;
			continue;
		}
		if (sbuf_add(sb, p + i, k) < 0)
			return -1;
		i += k;
	}
	return 0;
}

/* One sample line: name{a="x",b="y"} value */
static int
mset_sample_text(const struct mset *m, const struct mset_sample *s,
    struct sbuf *sb)
{
	char num[DEC_BUFSZ];
	size_t i;

	if (sbuf_addstr(sb, m->fams[s->family].name) < 0)
		return -1;
	for (i = 0; i < s->nlabels; i++) {
		const struct mset_label *l = &m->labels[s->first + i];

		if (sbuf_addstr(sb, i == 0 ? "{" : ",") < 0 ||
		    sbuf_addstr(sb, l->name) < 0 ||
		    sbuf_addstr(sb, "=\"") < 0 ||
		    mset_escape_value(sb, l->value, l->len) < 0 ||
		    sbuf_addch(sb, '"') < 0)
			return -1;
	}
	if (s->nlabels > 0 && sbuf_addch(sb, '}') < 0)
		return -1;
	dec_format(s->value, num);
	return sbuf_addf(sb, " %s\n", num);
}

int
mset_openmetrics(const struct mset *m, struct sbuf *sb)
{
	size_t f, i;

	for (f = 0; f < m->nfams; f++) {
		const struct mset_family *fam = &m->fams[f];
		int any = 0;

		for (i = 0; i < m->n && !any; i++)
			any = m->samples[i].family == f;
		if (!any)
			continue;
		if (sbuf_addf(sb, "# HELP %s %s\n# TYPE %s gauge\n", fam->name,
		    fam->help, fam->name) < 0)
			return -1;
		if (fam->unit[0] != '\0' && sbuf_addf(sb, "# UNIT %s %s\n",
		    fam->name, fam->unit) < 0)
			return -1;
		for (i = 0; i < m->n; i++)
			if (m->samples[i].family == f &&
			    mset_sample_text(m, &m->samples[i], sb) < 0)
				return -1;
	}
	return sbuf_addstr(sb, "# EOF\n");
}

int
mset_write(const struct mset *m, FILE *f)
{
	struct sbuf sb;
	int ret = 0;

	sbuf_init(&sb, MSET_MAX_TEXT);
	if (mset_openmetrics(m, &sb) < 0) {
		errno = ENOMEM;
		ret = -1;
	} else if (fwrite(sb.buf, 1, sb.len, f) != sb.len) {
		ret = -1;
	}
	sbuf_release(&sb);
	return ret;
}
