/*
 * utf8.c: UTF-8 checks for every string a client sends.
 */
#include "utf8.h"

/*
 * Well-formed UTF-8 as RFC 3629 §4 defines it: no overlong forms, no
 * surrogates, nothing above U+10FFFF (json-c checks less than this).
 */
int
utf8_valid(const char *str, size_t len)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 i = 0, k, n;
	unsigned char		 lo, hi;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		lo = 0x80;
		hi = 0xbf;
		if (s[i] >= 0xc2 && s[i] <= 0xdf)
			n = 1;
		else if (s[i] >= 0xe0 && s[i] <= 0xef) {
			n = 2;
			lo = s[i] == 0xe0 ? 0xa0 : 0x80;
			hi = s[i] == 0xed ? 0x9f : 0xbf;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			n = 3;
			lo = s[i] == 0xf0 ? 0x90 : 0x80;
			hi = s[i] == 0xf4 ? 0x8f : 0xbf;
		} else
			return 0;
		if (len - i <= n || s[i + 1] < lo || s[i + 1] > hi)
			return 0;
		for (k = 2; k <= n; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xbf)
				return 0;
		i += n + 1;
	}
	return 1;
}

size_t
utf8_chars(const char *s, size_t len)
{
	size_t	i, n = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}
