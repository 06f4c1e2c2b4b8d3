/*
 * xmlw.h: the one escaper for XML and HTML text, used by the SVG charts
 * and the HTML page alike.
 */
#ifndef CU_XMLW_H
#define CU_XMLW_H

#include <stdio.h>

/*
 * Write s[0..len) for XML or HTML content or a quoted attribute value:
 * '&' '<' '>' '"' and '\'' become &amp; &lt; &gt; &quot; and &#39; (the
 * numeric form, which XML and every HTML know); every other byte, control
 * bytes and NUL included, is written as it is, so the caller makes the
 * text display-safe first (chart_safe_text).
 */
void xmlw_escape(FILE *f, const char *s, size_t len);

#endif
