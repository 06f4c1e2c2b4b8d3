/*
 * fuzz_teams.c: the teams file parser (libyaml events to rules) on
 * arbitrary bytes; what parses is matched against a few project names.
 */
#include <stdint.h>
#include <string.h>

#include "teams.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const projects[] = {
		"api-gateway", "infra-dns", "ios-app", "", "[weird]*name"
	};
	struct teams *t = teams_parse("fuzz.yaml", (const char *)data, size);
	size_t i;

	if (t == NULL)
		return 0;
	for (i = 0; i < sizeof(projects) / sizeof(projects[0]); i++)
		if (teams_name(t, teams_match(t, projects[i])) == NULL)
			__builtin_trap();
	teams_free(t);
	return 0;
}
