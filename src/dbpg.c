/* dbpg.c: placeholder while the split lands */
#include "dbi.h"

struct db *
dbpg_open(const char *conninfo, int create, int *code)
{
	(void)conninfo;
	(void)create;
	*code = EXIT_USAGE;
	error("--db: PostgreSQL is not supported yet");
	return NULL;
}
