/*
 * strtab.h: a table of distinct strings, each given a small number, its
 * id (0, 1, 2 ... in order of first appearance).  The report's workers
 * turn each key column's value into its id, so that a group's key is a
 * short tuple of numbers, cheap to hash and to compare however long the
 * names are, and each name is stored once however many groups it is in.
 */
#ifndef CU_STRTAB_H
#define CU_STRTAB_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct strtab_ent {
	uint64_t hash;
	const char *s;		/* in the table's arena, not NUL-terminated */
	uint32_t len;
};

struct strtab {
	struct strtab_ent *ents;	/* by id */
	size_t n, cap;
	uint32_t *slots;	/* id + 1; 0 is empty */
	size_t nslots;
	struct arena strs;	/* the strings */
	size_t max;		/* ids at most (strtab_init: STRTAB_MAX) */
	int full;		/* a string past max, or of 4 GiB, was asked for */
};

#define STRTAB_MAX ((size_t)UINT32_MAX - 1)

void strtab_init(struct strtab *t);
void strtab_release(struct strtab *t);

/*
 * The id of the `len` bytes at s (any bytes, NUL included), a copy added
 * if they are new.  Ids are dense: the table holds ids 0 to t->n - 1.
 * A new string past t->max distinct ones (or one of 4 GiB) is not added:
 * t->full is set and the id of another string given, so that the caller
 * goes on and then reports the table full ("too many distinct values",
 * exit 1) instead of using it.
 */
uint32_t strtab_intern(struct strtab *t, const char *s, size_t len);

/*
 * 0, or -1 after reporting "too many distinct values" when the table is
 * full (the caller fails with EXIT_FAILURE_OTHER).
 */
int strtab_check(const struct strtab *t);

/* The string of an id below t->n: its bytes (borrowed), length in *len. */
static inline const char *
strtab_str(const struct strtab *t, uint32_t id, size_t *len)
{
	*len = t->ents[id].len;
	return t->ents[id].s;
}

#endif
