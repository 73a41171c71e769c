/*
 * utf8.h: well-formed UTF-8 (RFC 3629 §4) and its length in code points.
 * json-c and PostgreSQL disagree on what they let through, so axlog
 * checks every client string itself, before either sees it.
 */
#ifndef AXLOG_UTF8_H
#define AXLOG_UTF8_H

#include <stddef.h>

/* Is s[0..len) well-formed UTF-8: no overlong forms, no surrogates,
 * nothing above U+10FFFF? */
int	utf8_valid(const char *s, size_t len);
/* Code points in valid UTF-8 s[0..len). */
size_t	utf8_chars(const char *s, size_t len);

#endif
