/*
 * yamlev.c: libyaml's event parser as the teams and budgets files use it
 * (yamlev.h).
 */
#include "yamlev.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *
yamlev_what(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return ev->data.scalar.length ? "a string" : "nothing";
	case YAML_SEQUENCE_START_EVENT:
		return "a list";
	case YAML_MAPPING_START_EVENT:
		return "a mapping";
	case YAML_ALIAS_EVENT:
		return "an alias (aliases are not supported)";
	case YAML_STREAM_END_EVENT:
	case YAML_DOCUMENT_END_EVENT:
		return "the end of the file";
	case YAML_SEQUENCE_END_EVENT:
		return "the end of a list";
	case YAML_MAPPING_END_EVENT:
		return "the end of a mapping";
	default:
		return "another document";
	}
}

unsigned long
yamlev_line(const struct yamlev *y)
{
	return (unsigned long)y->ev.start_mark.line + 1;
}

static int
yamlev_verror(const struct yamlev *y, unsigned long line, const char *fmt,
    va_list ap)
{
	char msg[1024];	/* names are cut at 100 bytes (%.100s) */

	vsnprintf(msg, sizeof(msg), fmt, ap);
	return error("%s:%lu: %s", y->name, line, msg);
}

int
yamlev_error_at(const struct yamlev *y, unsigned long line, const char *fmt,
    ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = yamlev_verror(y, line, fmt, ap);
	va_end(ap);
	return r;
}

int
yamlev_error(const struct yamlev *y, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = yamlev_verror(y, yamlev_line(y), fmt, ap);
	va_end(ap);
	return r;
}

int
yamlev_next(struct yamlev *y)
{
	if (y->have_ev)
		yaml_event_delete(&y->ev);
	y->have_ev = 0;
	if (!yaml_parser_parse(&y->p, &y->ev)) {
		const yaml_mark_t *m = y->p.problem_mark.line ||
		    y->p.problem_mark.column ? &y->p.problem_mark :
		    &y->p.context_mark;
		unsigned long line = (unsigned long)m->line + 1;
		size_t i;

		/* a reader error (bad UTF-8) has a byte offset, no mark */
		if (y->p.error == YAML_READER_ERROR)
			for (i = 0, line = 1; i < y->p.problem_offset &&
			    i < y->len; i++)
				line += y->buf[i] == '\n';
		return error("%s:%lu: not valid YAML: %s%s%s", y->name, line,
		    y->p.problem ? y->p.problem : "parse error",
		    y->p.context ? " " : "",
		    y->p.context ? y->p.context : "");
	}
	y->have_ev = 1;
	return 0;
}

int
yamlev_entry(struct yamlev *y, yaml_event_type_t end)
{
	if (yamlev_next(y) < 0)
		return -1;
	return y->ev.type != end;
}

const char *
yamlev_scalar(const struct yamlev *y, size_t *len)
{
	if (y->ev.type != YAML_SCALAR_EVENT)
		return NULL;
	*len = y->ev.data.scalar.length;
	return (const char *)y->ev.data.scalar.value;
}

/* The document: a mapping with the one key; its value read by value(). */
static int
yamlev_document(struct yamlev *y, const char *want,
    int (*value)(struct yamlev *, void *), void *ctx)
{
	size_t wlen = strlen(want), len;
	int seen = 0, r;

	if (yamlev_next(y) < 0 || yamlev_next(y) < 0)
		return -1;	/* the stream, then the document */
	if (y->ev.type != YAML_DOCUMENT_START_EVENT)
		return error("%s:1: expected a mapping with the key '%s', "
		    "found an empty file", y->name, want);
	if (yamlev_next(y) < 0)
		return -1;
	if (y->ev.type != YAML_MAPPING_START_EVENT)
		return yamlev_error(y, "expected a mapping with the key '%s', "
		    "found %s", want, yamlev_what(&y->ev));
	while ((r = yamlev_entry(y, YAML_MAPPING_END_EVENT)) > 0) {
		const char *key = yamlev_scalar(y, &len);

		if (key == NULL || len != wlen || memcmp(key, want, wlen) != 0)
			return yamlev_error(y, "expected the key '%s', found "
			    "%s%.100s%s", want, key ? "'" : yamlev_what(&y->ev),
			    key ? key : "", key ? "'" : "");
		if (seen++)
			return yamlev_error(y, "the key '%s' is given twice "
			    "(expected it once)", want);
		if (value(y, ctx) < 0)
			return -1;
	}
	if (r < 0)
		return -1;
	if (!seen)
		return yamlev_error(y, "expected the key '%s', found an empty "
		    "mapping", want);
	if (yamlev_next(y) < 0 || yamlev_next(y) < 0)
		return -1;	/* the document's end, then the stream's */
	if (y->ev.type != YAML_STREAM_END_EVENT)
		return yamlev_error(y, "expected one YAML document, found "
		    "another");
	return 0;
}

int
yamlev_parse(const char *name, const char *buf, size_t len, const char *key,
    int (*value)(struct yamlev *, void *), void *ctx)
{
	struct yamlev y;
	int ret;

	memset(&y, 0, sizeof(y));
	y.name = name;
	y.buf = buf;
	y.len = len;
	if (!yaml_parser_initialize(&y.p))
		die(EXIT_FAILURE_OTHER, "out of memory");
	yaml_parser_set_input_string(&y.p, (const unsigned char *)buf, len);
	ret = yamlev_document(&y, key, value, ctx);
	if (y.have_ev)
		yaml_event_delete(&y.ev);
	yaml_parser_delete(&y.p);
	return ret;
}
