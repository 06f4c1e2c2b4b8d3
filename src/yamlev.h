/*
 * yamlev.h: what the teams file and the budgets file share in reading
 * YAML with libyaml's event parser: the current event, "found a list"
 * for messages, errors that name the file and the line, and the document
 * shape both have, one mapping with one key (`teams:`, `budgets:`).
 */
#ifndef CU_YAMLEV_H
#define CU_YAMLEV_H

#include <stddef.h>
#include <yaml.h>

#include "util.h"

struct yamlev {
	yaml_parser_t p;
	yaml_event_t ev;	/* the current event */
	int have_ev;
	const char *name;	/* the file, for messages */
	const char *buf;	/* its text, for reader errors' lines */
	size_t len;
};

/* What an event is, for "found ..." in messages: "a list", "nothing". */
const char *yamlev_what(const yaml_event_t *ev);

/* The current event's line, from 1. */
unsigned long yamlev_line(const struct yamlev *y);

/* An error "NAME:LINE: message", at `line` or the current event's.  -1. */
int yamlev_error_at(const struct yamlev *y, unsigned long line,
    const char *fmt, ...) CU_PRINTF(3, 4);
int yamlev_error(const struct yamlev *y, const char *fmt, ...)
    CU_PRINTF(2, 3);

/* The next event into y->ev.  0, or -1 after an error (not valid YAML). */
int yamlev_next(struct yamlev *y);

/*
 * The next entry of the open list or mapping into y->ev: 1 when there is
 * one, 0 at its end (an `end` event), -1 after an error.
 */
int yamlev_entry(struct yamlev *y, yaml_event_type_t end);

/* The current event's text and length, or NULL when it is no scalar. */
const char *yamlev_scalar(const struct yamlev *y, size_t *len);

/*
 * Parse the `len` bytes at buf (named `name` in messages) as one YAML
 * document holding a mapping with the single key `key`; value(y, ctx) is
 * called with the key as the current event and reads the key's value.
 * Returns 0, or -1 after an error (value's own, or the document's shape).
 */
int yamlev_parse(const char *name, const char *buf, size_t len,
    const char *key, int (*value)(struct yamlev *y, void *ctx), void *ctx);

#endif
