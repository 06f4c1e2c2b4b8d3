/*
 * fuzz_report.c: the whole reader (gzip detection and inflate, CSV
 * tokenizer, header mapping, row parsing, grouping) on arbitrary bytes.
 * The input is a part in memory that report_run() reads like any file,
 * grouped by project, by job and day, or by week and status with the
 * duplicates kept, as its last byte says.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "report.h"
#include "view.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const bys[] = { "project", "job,day", "week,status" };
	static FILE *null;
	struct report_opts o;
	struct report_result res;
	struct inputs in;
	struct view v;
	/* one report an execution, its grouping chosen by the last byte, so
	 * that a mutation of one byte moves an input to another */
	size_t b = size ? data[size - 1] % 3 : 0;

	if (null == NULL && (null = fopen("/dev/null", "w")) == NULL)
		return 0;
	report_opts_init(&o);
	report_parse_by(&o, bys[b]);
	o.threads = 1;
	o.keep_duplicates = b == 2;
	inputs_init(&in);
	/* read in place: a file's open, stat and reads, without the
	 * system calls that would dominate the run */
	inputs_add_memory(&in, "fuzz.csv", data, size);
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
	return 0;
}
