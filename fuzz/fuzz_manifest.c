/*
 * fuzz_manifest.c: the manifest of a resumed export, as `export` and every
 * reader load it.  Any bytes as DIR/manifest.json: manifest_load() either
 * refuses them with an error or loads them; what it loads must survive a
 * save and a reload unchanged (dump(load(x)) == dump(load(dump(load(x))))).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/fuzz-manifest-XXXXXX";

static int
put(const char *text, size_t len)
{
	char path[sizeof(dir) + 32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	f = fopen(path, "wb");
	if (f == NULL)
		return -1;
	if (fwrite(text, 1, len, f) != len) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct manifest m, m2;
	char *d1, *d2;

	if (!ready) {
		if (mkdtemp(dir) == NULL)
			abort();
		ready = 1;
	}
	if (put((const char *)data, size) < 0)
		return 0;
	if (manifest_load(&m, dir) != 1) {
		manifest_release(&m);
		return 0;
	}
	d1 = manifest_dump(&m);
	if (put(d1, strlen(d1)) < 0)
		abort();
	if (manifest_load(&m2, dir) != 1)
		abort();		/* what we wrote, we must read */
	d2 = manifest_dump(&m2);
	if (strcmp(d1, d2) != 0)
		abort();
	free(d1);
	free(d2);
	manifest_release(&m);
	manifest_release(&m2);
	return 0;
}
