/*
 * rnd.h: random bytes from the kernel (getrandom(2)), for event ids and
 * backoff jitter.
 */
#ifndef AXLOG_SEND_RND_H
#define AXLOG_SEND_RND_H

#include <stddef.h>
#include <stdint.h>

/* Fill buf[0..n) entirely; 0, or -1 with errno set. */
int	rnd_fill(void *buf, size_t n);

#endif
