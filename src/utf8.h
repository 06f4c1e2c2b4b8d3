/*
 * utf8.h: the one UTF-8 decoder.  Every module that walks text a
 * character at a time (the terminal and JSON escapes, Slack's mrkdwn,
 * the charts' labels, redaction) asks it where a character ends.
 */
#ifndef CU_UTF8_H
#define CU_UTF8_H

#include <stddef.h>

/*
 * Decode the UTF-8 sequence at s, of which len bytes may be read: returns
 * its length (1 to 4) and, when cp is not NULL, stores its code point in
 * *cp.  Returns 0, *cp untouched, when the bytes there are not valid
 * UTF-8: a continuation or 0xC0, 0xC1, 0xF5..0xFF lead byte, an overlong
 * form, a surrogate (U+D800..U+DFFF), a code point past U+10FFFF, or a
 * sequence cut short by len (0 when len is 0).  Callers that go on after
 * an invalid byte skip exactly one.
 */
size_t utf8_decode(const unsigned char *s, size_t len, unsigned *cp);

#endif
