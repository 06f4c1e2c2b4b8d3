/*
 * chart_png.c: the cairo back end: a chart's shapes drawn on an RGB image
 * and written as PNG, and text measured the way it is drawn.  Cairo's toy
 * text API with hinting off: widths scale with the size and do not depend
 * on the machine's font settings, and the PNG holds no time stamp, so the
 * same chart gives the same bytes.
 */
#include "chart.h"

#include <cairo.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#include "util.h"

static void
chart_cairo_setup(cairo_t *cr)
{
	cairo_font_options_t *fo = cairo_font_options_create();

	cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_subpixel_order(fo, CAIRO_SUBPIXEL_ORDER_DEFAULT);
	cairo_set_font_options(cr, fo);
	cairo_font_options_destroy(fo);
}

static void
chart_cairo_font(cairo_t *cr, double size, int bold)
{
	cairo_select_font_face(cr, CHART_FONT, CAIRO_FONT_SLANT_NORMAL,
	    bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, size);
}

static double
chart_cairo_width(void *ctx, const char *text, double size, int bold)
{
	cairo_t *cr = ctx;
	cairo_text_extents_t ext;

	chart_cairo_font(cr, size, bold);
	cairo_text_extents(cr, text, &ext);
	return ext.x_advance;
}

int
chart_cairo_measure_init(struct chart_measure *m)
{
	cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24,
	    1, 1);
	cairo_t *cr = cairo_create(sf);

	cairo_surface_destroy(sf);	/* cr keeps a reference */
	if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
		error("cannot measure text: %s",
		    cairo_status_to_string(cairo_status(cr)));
		cairo_destroy(cr);
		return -1;
	}
	chart_cairo_setup(cr);
	m->width = chart_cairo_width;
	m->ctx = cr;
	return 0;
}

void
chart_cairo_measure_release(struct chart_measure *m)
{
	if (m->ctx != NULL)
		cairo_destroy(m->ctx);
	m->ctx = NULL;
}

static void
chart_cairo_rgb(cairo_t *cr, uint32_t rgb)
{
	cairo_set_source_rgb(cr, ((rgb >> 16) & 0xff) / 255.0,
	    ((rgb >> 8) & 0xff) / 255.0, (rgb & 0xff) / 255.0);
}

static void
chart_cairo_text(cairo_t *cr, const struct chart_shape *s)
{
	cairo_text_extents_t ext;
	double dx = 0;

	chart_cairo_font(cr, s->size, s->bold);
	cairo_text_extents(cr, s->text, &ext);
	if (s->anchor == CA_MIDDLE)
		dx = -ext.x_advance / 2;
	else if (s->anchor == CA_END)
		dx = -ext.x_advance;
	chart_cairo_rgb(cr, s->rgb);
	cairo_save(cr);
	cairo_translate(cr, s->x, s->y);
	if (s->vertical)
		cairo_rotate(cr, -M_PI / 2);
	cairo_move_to(cr, dx, 0);
	cairo_show_text(cr, s->text);
	cairo_restore(cr);
}

static void
chart_cairo_draw(cairo_t *cr, const struct chart_draw *d)
{
	size_t i;

	chart_cairo_rgb(cr, d->background);
	cairo_paint(cr);
	for (i = 0; i < d->n; i++) {
		const struct chart_shape *s = &d->s[i];

		switch (s->kind) {
		case CS_RECT:
			if (s->w <= 0 || s->h <= 0)
				break;
			chart_cairo_rgb(cr, s->rgb);
			cairo_rectangle(cr, s->x, s->y, s->w, s->h);
			cairo_fill(cr);
			break;
		case CS_LINE:
			/* a 1 px line on a pixel's middle is sharp */
			chart_cairo_rgb(cr, s->rgb);
			cairo_set_line_width(cr, s->size);
			cairo_move_to(cr, floor(s->x) + 0.5, floor(s->y) + 0.5);
			cairo_line_to(cr, floor(s->x + s->w) + 0.5,
			    floor(s->y + s->h) + 0.5);
			cairo_stroke(cr);
			break;
		case CS_TEXT:
			chart_cairo_text(cr, s);
			break;
		case CS_GROUP:
		case CS_END:
			break;
		}
	}
}

/* why the PNG stream's last write failed (charts are written from one
 * thread) */
static int chart_png_errno;

static cairo_status_t
chart_png_stream(void *closure, const unsigned char *data, unsigned int len)
{
	FILE *f = closure;

	if (fwrite(data, 1, len, f) != len) {
		chart_png_errno = errno;
		return CAIRO_STATUS_WRITE_ERROR;
	}
	return CAIRO_STATUS_SUCCESS;
}

int
chart_png_write(const struct chart_draw *d, FILE *f)
{
	cairo_surface_t *sf;
	cairo_t *cr;
	cairo_status_t st;
	int ret = -1;

	sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, d->width,
	    d->height);
	cr = cairo_create(sf);
	st = cairo_status(cr);
	if (st != CAIRO_STATUS_SUCCESS) {
		error("cannot draw a %dx%d image: %s", d->width, d->height,
		    cairo_status_to_string(st));
		goto out;
	}
	chart_cairo_setup(cr);
	chart_cairo_draw(cr, d);
	st = cairo_status(cr);
	if (st != CAIRO_STATUS_SUCCESS) {
		error("cannot draw the chart: %s", cairo_status_to_string(st));
		goto out;
	}
	cairo_surface_flush(sf);
	chart_png_errno = 0;
	st = cairo_surface_write_to_png_stream(sf, chart_png_stream, f);
	if (st == CAIRO_STATUS_WRITE_ERROR) {
		/* the caller names the file */
		errno = chart_png_errno ? chart_png_errno : EIO;
		ret = -2;
		goto out;
	}
	if (st != CAIRO_STATUS_SUCCESS) {
		error("cannot write the PNG: %s", cairo_status_to_string(st));
		goto out;
	}
	ret = 0;
out:
	cairo_destroy(cr);
	cairo_surface_destroy(sf);
	return ret;
}
