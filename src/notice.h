/*
 * notice.h: what one alert notice says, in each form a target takes:
 * the documented JSON body (axlogctl(8), "Webhook body"), the
 * Slack-compatible and ntfy-compatible bodies, and an e-mail message
 * for sendmail(8).  Pure functions of the notice: no I/O.
 */
#ifndef AXLOG_NOTICE_H
#define AXLOG_NOTICE_H

#include <stddef.h>
#include <stdint.h>

#include "notify_conf.h"

#define NOTICE_ID_LEN	64	/* "<uuid>:resolved" and NUL, with room */

struct notice {
	const char	*key;		/* the alert's notice_key (a UUID) */
	const char	*transition;	/* "firing" or "resolved" */
	const char	*type;		/* "error_rate" or "silent" */
	const char	*app_id, *kind;
	double		 value, threshold;
	int64_t		 since_us;	/* epoch µs; INT64_MIN: none */
	int64_t		 fired_us;
	int64_t		 resolved_us;	/* INT64_MIN while firing */
};

/* The idempotency key, the same on every copy: "<key>:<transition>". */
void	notice_id(const struct notice *n, char out[NOTICE_ID_LEN]);
/* One line for people. */
void	notice_text(const struct notice *n, char *out, size_t outsz);
/* The documented JSON body; malloc'd, NULL when out of memory. */
char	*notice_json(const struct notice *n);
/*
 * The body of a webhook in format f, and its Content-Type; malloc'd,
 * NULL when out of memory.
 */
char	*notice_body(const struct notice *n, enum notify_format f,
	    const char **content_type);
/* ntfy's Title, Priority and Tags header lines, for format ntfy. */
void	notice_ntfy_headers(const struct notice *n, char title[160],
	    char priority[32], char tags[64]);
/*
 * The e-mail message (headers, blank line, text; CRLF-free, as sendmail
 * -i reads it) to the target's recipients; now_s is the Date.  malloc'd,
 * NULL when out of memory.
 */
char	*notice_mail(const struct notice *n, const struct notify_target *t,
	    int64_t now_s);

#endif
