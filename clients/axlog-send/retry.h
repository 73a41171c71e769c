/*
 * retry.h: when to try a request again: the server's Retry-After
 * (RFC 9110 §10.2.3), or else exponential backoff with jitter.  Pure.
 */
#ifndef AXLOG_SEND_RETRY_H
#define AXLOG_SEND_RETRY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define RETRY_BASE_MS	500	/* the first backoff: 250 to 500 ms */
#define RETRY_CAP_MS	30000	/* no backoff is longer */
#define RETRY_AFTER_MAX	86400	/* a longer Retry-After counts as this */

/*
 * Seconds to wait from a Retry-After value s[0..len) (white space around
 * it allowed): delay-seconds, or an HTTP-date compared with now (a past
 * date is 0).  Returns 0 with *secs set, or -1 when malformed.
 */
int	retry_after_parse(const char *s, size_t len, time_t now, long *secs);

/*
 * Milliseconds to wait before attempt n+1 after n failed attempts
 * (n >= 1) with no Retry-After: half of min(cap, base * 2^(n-1)) plus a
 * random part up to the other half ("equal jitter"), from rnd.
 */
long	retry_backoff_ms(unsigned n, uint32_t rnd);

#endif
