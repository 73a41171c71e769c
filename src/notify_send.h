/*
 * notify_send.h: handing one notice to one target: a webhook (an HTTP
 * POST through libcurl, taken when the answer is 2xx) or e-mail (the
 * message on the standard input of sendmail(8), taken when it exits 0).
 * Each is bounded by the target's timeout.  Nothing is retried here:
 * the caller keeps the notice for its next run.
 */
#ifndef AXLOG_NOTIFY_SEND_H
#define AXLOG_NOTIFY_SEND_H

#include <stddef.h>

#include "notice.h"
#include "notify_conf.h"

/* Once per process, before the first send; 0 or -1. */
int	notify_send_init(void);
void	notify_send_cleanup(void);

/*
 * 0 when the target took the notice; -1 otherwise, with a one-line
 * reason in err that never holds the URL (it may carry a secret).
 */
int	notify_send(const struct notify_target *t, const struct notice *n,
	    char *err, size_t errsz);

#endif
