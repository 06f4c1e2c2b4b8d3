/*
 * fuzz_report.c: the whole reader (gzip detection and inflate, CSV
 * tokenizer, header mapping, row parsing, grouping) on arbitrary bytes.
 * The input becomes a memory file that report_run() reads like any part.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "report.h"
#include "view.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const bys[] = { "project", "job,day", "week,status" };
	struct report_opts o;
	struct report_result res;
	struct inputs in;
	char path[64];
	int fd = memfd_create("fuzz", 0);
	size_t b;

	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	for (b = 0; b < 3; b++) {
		struct view v;
		FILE *null = fopen("/dev/null", "w");

		report_opts_init(&o);
		report_parse_by(&o, bys[b]);
		o.threads = 1;
		o.keep_duplicates = b == 2;
		inputs_init(&in);
		inputs_add(&in, path);
		/* view_check: what the commands check before a view (a
		 * share or cost past 10^20 is exit 3 there, not a crash) */
		if (report_run(&o, &in, &res) == 0 &&
		    view_check(&res, (dec_t)600000000000000LL) == 0) {
			view_build(&v, &o, &res, VM_CREDITS + CR_TOTAL, -1,
			    b + 1, (dec_t)600000000000000LL);
			view_write(&v, null, FMT_JSON);
			view_write(&v, null, FMT_TABLE);
			view_release(&v);
		}
		report_result_release(&res);
		inputs_release(&in);
		report_opts_release(&o);
		fclose(null);
	}
	close(fd);
	return 0;
}
