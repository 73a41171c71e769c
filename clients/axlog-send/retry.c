/*
 * retry.c: Retry-After and backoff arithmetic.  HTTP-dates are read by
 * libcurl's curl_getdate, which knows the three forms of RFC 9110 §5.6.7.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "retry.h"

#define DATE_MAX	64	/* "Sunday, 06-Nov-94 08:49:37 GMT" and more */

/* delay-seconds = 1*DIGIT; a huge value is capped, never wrapped. */
static int
delay_seconds(const char *s, size_t len, long *secs)
{
	size_t	i;
	long	v = 0;

	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		if (v < RETRY_AFTER_MAX)
			v = v * 10 + (s[i] - '0');
	}
	*secs = v < RETRY_AFTER_MAX ? v : RETRY_AFTER_MAX;
	return 0;
}

static int
http_date(const char *s, size_t len, time_t now, long *secs)
{
	char	buf[DATE_MAX];
	time_t	t;

	if (len >= sizeof(buf) || memchr(s, '\0', len) != NULL)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if ((t = curl_getdate(buf, NULL)) == -1)
		return -1;
	if (t <= now)
		*secs = 0;
	else if (t - now > RETRY_AFTER_MAX)
		*secs = RETRY_AFTER_MAX;
	else
		*secs = (long)(t - now);
	return 0;
}

int
retry_after_parse(const char *s, size_t len, time_t now, long *secs)
{
	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	if (len == 0)
		return -1;
	if (isdigit((unsigned char)s[0]))
		return delay_seconds(s, len, secs);
	return http_date(s, len, now, secs);
}

long
retry_backoff_ms(unsigned n, uint32_t rnd)
{
	long	cap = RETRY_BASE_MS;

	while (n-- > 1 && cap < RETRY_CAP_MS)
		cap *= 2;
	if (cap > RETRY_CAP_MS)
		cap = RETRY_CAP_MS;
	return cap / 2 + (long)(rnd % (uint32_t)(cap / 2 + 1));
}
