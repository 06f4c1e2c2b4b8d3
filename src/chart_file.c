/*
 * chart_file.c: a view drawn as a chart into a file, atomically: the one
 * path `report --format png|svg` and `run` share.
 */
#include "chart.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "out.h"
#include "util.h"

int
chart_write_file(const struct view *v, const struct chart_opts *co, int svg,
    int width, int height, const char *output)
{
	struct chart c;
	struct chart_draw d;
	struct chart_measure m;
	struct out out;
	int ret = EXIT_FAILURE_OTHER, t = chart_time_key(v->o), r;

	if (chart_cairo_measure_init(&m) < 0)
		return EXIT_FAILURE_OTHER;
	chart_build(&c, v, co, width, height);
	if (c.empty)
		warning("nothing to chart: no job runs were counted; the "
		    "chart says so");
	else if (t >= 0 && c.series_other && co->top > CHART_MAX_SERIES)
		warning("--top %zu: a time chart stacks %d groups at most (one "
		    "colour each); the rest are in (other)", co->top,
		    CHART_MAX_SERIES);
	else if (t < 0 && c.nbars < v->n)
		warning("only %zu bars fit a chart %d pixels high; the rest "
		    "are in (other)", c.nbars, height);
	chart_layout(&d, &c, width, height, &m);
	if (out_open(&out, output) < 0)
		goto out;
	errno = 0;
	r = !svg ? chart_png_write(&d, out.f) : chart_svg_write(&d, out.f);
	if (r < 0) {
		int e = errno, to_stdout = out.path == NULL;

		out_abort(&out);
		/* a drawing error was said; a write error is said here,
		 * with the file's name */
		if (!svg && r != -2)
			goto out;
		if (to_stdout)
			error("cannot write to standard output: %s",
			    strerror(e ? e : EIO));
		else
			error("cannot write '%s': %s", output,
			    strerror(e ? e : EIO));
		goto out;
	}
	ret = out_commit(&out) < 0 ? EXIT_FAILURE_OTHER : EXIT_OK;
out:
	chart_draw_release(&d);
	chart_release(&c);
	chart_cairo_measure_release(&m);
	return ret;
}

