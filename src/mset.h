/*
 * mset.h: a set of metrics as monitoring systems take them, and its
 * OpenMetrics text.  A family has a name, a unit and a help text (every
 * family here is a gauge: doc/metrics.md says why); a sample has its
 * family, its labels (name and value, the value raw bytes from the data)
 * and an exact value (dec_t).  The Prometheus and Datadog sinks both write
 * from one set, so they carry the same series.
 *
 * The text written is the subset that both OpenMetrics 1.0 and the
 * Prometheus text format 0.0.4 read the same way (node_exporter's textfile
 * collector and the Pushgateway read the latter): gauges only, no
 * timestamps, `# HELP`, `# TYPE`, `# UNIT` (a comment to 0.0.4), label
 * values escaped as both specify (\\, \", \n), values as exact decimals,
 * and `# EOF` (a comment to 0.0.4) at the end.
 */
#ifndef CU_MSET_H
#define CU_MSET_H

#include <stddef.h>
#include <stdio.h>

#include "dec.h"
#include "util.h"

struct mset_family {
	const char *name;	/* [a-zA-Z_:][a-zA-Z0-9_:]* (borrowed) */
	const char *unit;	/* a suffix of name, or "" (borrowed) */
	const char *help;	/* one line, no backslash (borrowed) */
};

struct mset_label {
	const char *name;	/* [a-zA-Z_][a-zA-Z0-9_]*, in the arena */
	const char *value;	/* raw bytes, in the arena */
	size_t len;
};

struct mset_sample {
	size_t family;		/* index in fams */
	size_t first, nlabels;	/* labels[first .. first + nlabels) */
	dec_t value;
};

struct mset {
	struct mset_family *fams;
	size_t nfams, capfams;
	struct mset_sample *samples;
	size_t n, cap;
	struct mset_label *labels;
	size_t nlabels, caplabels;
	struct arena text;
};

void mset_init(struct mset *m);
void mset_release(struct mset *m);

/*
 * Add a family (its strings borrowed: static text) and return its index.
 * A name or unit that breaks the rules above is a bug (the names are the
 * tool's own): BUG-like exit.
 */
size_t mset_family(struct mset *m, const char *name, const char *unit,
    const char *help);

/* Add a sample of family `fam`, with no label yet. */
void mset_sample(struct mset *m, size_t fam, dec_t value);

/*
 * Add a label to the last sample added: `name` must be a valid label name
 * (not starting with "__"; a bug otherwise), `value` any bytes (escaped
 * when written).  Both are copied.
 */
void mset_label(struct mset *m, const char *name, const char *value,
    size_t len);

/* Is s a metric name, [a-zA-Z_:][a-zA-Z0-9_:]*?  A label name (no ':',
 * not starting with "__")? */
int mset_name_ok(const char *s);
int mset_label_name_ok(const char *s);

/*
 * Append to sb the label value a name from the data becomes: its bytes
 * with each one that does not start valid UTF-8, and each control
 * character but tab and line feed (C0, DEL), as U+FFFD.  Both formats
 * allow a raw carriage return in a label value, but line-based readers
 * (client_python's parser among them) take it for a line end.  Two names
 * may so become one value: the caller merges their samples (mreport.c
 * does).  Returns -1 if sb is full.
 */
int mset_clean_value(struct sbuf *sb, const char *s, size_t len);

/*
 * Append a label value to sb as the text formats write it between its
 * quotes: backslash, double quote and line feed escaped (\\, \", \n),
 * every byte that does not start valid UTF-8 (utf8.h) written as U+FFFD
 * (both formats require UTF-8); the rest as it is.  Returns -1 if sb is
 * full.
 */
int mset_escape_value(struct sbuf *sb, const char *s, size_t len);

/*
 * The set as OpenMetrics text into sb: each family that has samples, in
 * the order added, with its HELP, TYPE (gauge) and UNIT lines, then its
 * samples in the order added; `# EOF` last.  Returns 0, or -1 if sb is
 * full.
 */
int mset_openmetrics(const struct mset *m, struct sbuf *sb);

/* The same into f.  Returns 0, or -1 on a write error (errno set). */
int mset_write(const struct mset *m, FILE *f);

/* Bound of the text of a set (sbuf max for mset_openmetrics). */
#define MSET_MAX_TEXT ((size_t)1 << 31)

#endif
