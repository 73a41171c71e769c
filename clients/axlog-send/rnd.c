/*
 * rnd.c: getrandom(2) until the buffer is full (it may be interrupted or
 * return short).
 */
#include <errno.h>
#include <sys/random.h>

#include "rnd.h"

int
rnd_fill(void *buf, size_t n)
{
	uint8_t	*p = buf;
	ssize_t	 r;

	while (n > 0) {
		if ((r = getrandom(p, n, 0)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}
