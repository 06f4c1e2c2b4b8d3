/*
 * chart_svg.c: the SVG back end, written directly (not through cairo's SVG
 * surface, which turns text into glyph outlines): labels stay <text>, so
 * they can be searched, read aloud and copied, and the file stays small.
 * Every group (bar, period, segment, legend entry) carries its full name
 * and exact value as data attributes and a <title> tooltip.
 */
#include "chart.h"

#include <math.h>
#include <string.h>

#include "xmlw.h"

/* A coordinate: 2 decimals at most, no trailing zeros ("12.5", "3"). */
static const char *
svg_num(double v, char *buf, size_t len)
{
	size_t n;

	if (fabs(v) < 0.005)
		v = 0;
	n = (size_t)snprintf(buf, len, "%.2f", v);
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
	return buf;
}

static void
svg_color(FILE *f, uint32_t rgb)
{
	fprintf(f, "#%06x", (unsigned)(rgb & 0xffffff));
}

static void
svg_text(FILE *f, const struct chart_shape *s)
{
	char x[32], y[32], sz[32];
	static const char *const anchors[] = { "start", "middle", "end" };

	svg_num(s->x, x, sizeof(x));
	svg_num(s->y, y, sizeof(y));
	fprintf(f, "<text x=\"%s\" y=\"%s\" font-size=\"%s\"", x, y,
	    svg_num(s->size, sz, sizeof(sz)));
	if (s->bold)
		fputs(" font-weight=\"bold\"", f);
	if (s->anchor != CA_START)
		fprintf(f, " text-anchor=\"%s\"", anchors[s->anchor]);
	if (s->vertical)
		fprintf(f, " transform=\"rotate(-90 %s %s)\"", x, y);
	fputs(" fill=\"", f);
	svg_color(f, s->rgb);
	fputs("\">", f);
	xmlw_escape(f, s->text, strlen(s->text));
	fputs("</text>\n", f);
}

/*
 * The <svg> element; `id` names its title (unique within a page), `cls`
 * (or NULL) is its class.
 */
static int
svg_write(const struct chart_draw *d, FILE *f, const char *id,
    const char *cls)
{
	char a[32], b[32], c[32], e[32];
	size_t i;

	fputs("<svg ", f);
	if (cls != NULL)
		fprintf(f, "class=\"%s\" ", cls);
	fprintf(f, "xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
	    "aria-labelledby=\"%s\" font-family=\"%s\">\n"
	    "<title id=\"%s\">", d->width, d->height, d->width, d->height, id,
	    CHART_FONT_CSS, id);
	xmlw_escape(f, d->desc, strlen(d->desc));
	fprintf(f, "</title>\n<rect width=\"%d\" height=\"%d\" fill=\"",
	    d->width, d->height);
	svg_color(f, d->background);
	fputs("\"/>\n", f);
	for (i = 0; i < d->n; i++) {
		const struct chart_shape *s = &d->s[i];

		switch (s->kind) {
		case CS_RECT:
			if (s->w <= 0 || s->h <= 0)
				break;
			fprintf(f, "<rect x=\"%s\" y=\"%s\" width=\"%s\" "
			    "height=\"%s\" fill=\"", svg_num(s->x, a,
			    sizeof(a)), svg_num(s->y, b, sizeof(b)),
			    svg_num(s->w, c, sizeof(c)), svg_num(s->h, e,
			    sizeof(e)));
			svg_color(f, s->rgb);
			fputs("\"/>\n", f);
			break;
		case CS_LINE:
			/* on a pixel's middle, as the PNG draws it */
			fprintf(f, "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" "
			    "y2=\"%s\" stroke-width=\"%g\" stroke=\"",
			    svg_num(floor(s->x) + 0.5, a, sizeof(a)),
			    svg_num(floor(s->y) + 0.5, b, sizeof(b)),
			    svg_num(floor(s->x + s->w) + 0.5, c, sizeof(c)),
			    svg_num(floor(s->y + s->h) + 0.5, e, sizeof(e)),
			    s->size);
			svg_color(f, s->rgb);
			fputs("\"/>\n", f);
			break;
		case CS_TEXT:
			svg_text(f, s);
			break;
		case CS_GROUP:
			fprintf(f, "<g class=\"%s\"", s->cls);
			if (s->name != NULL) {
				fputs(" data-name=\"", f);
				xmlw_escape(f, s->name, strlen(s->name));
				putc('"', f);
			}
			if (s->value != NULL) {
				fputs(" data-value=\"", f);
				xmlw_escape(f, s->value, strlen(s->value));
				putc('"', f);
			}
			putc('>', f);
			if (s->text != NULL) {
				fputs("<title>", f);
				xmlw_escape(f, s->text, strlen(s->text));
				fputs("</title>", f);
			}
			putc('\n', f);
			break;
		case CS_END:
			fputs("</g>\n", f);
			break;
		}
	}
	fputs("</svg>\n", f);
	return ferror(f) ? -1 : 0;
}

int
chart_svg_write(const struct chart_draw *d, FILE *f)
{
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	return svg_write(d, f, "chart-title", NULL);
}

int
chart_svg_write_inline(const struct chart_draw *d, FILE *f, const char *id,
    const char *cls)
{
	return svg_write(d, f, id, cls);
}
