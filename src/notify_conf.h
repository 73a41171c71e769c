/*
 * notify_conf.h: the target file of alert delivery
 * (/etc/axlog/notify.conf): where `axlogctl alerts --notify` sends each
 * notice.  Sections name targets; each is a webhook (a URL, a body
 * format, extra headers) or e-mail through sendmail(8) (recipients,
 * sender, program).  Parsing is strict: an unknown key, a bad value or
 * a missing one is refused with the file's line number.
 */
#ifndef AXLOG_NOTIFY_CONF_H
#define AXLOG_NOTIFY_CONF_H

#include <stddef.h>

#define NOTIFY_MAX_TARGETS	32
#define NOTIFY_MAX_HEADERS	8	/* extra headers of a webhook */
#define NOTIFY_MAX_RCPTS	16	/* recipients of an e-mail target */
#define NOTIFY_NAME_MAX		64
#define NOTIFY_TIMEOUT_S	10	/* default, seconds */
#define NOTIFY_DEFAULT_SENDMAIL	"/usr/sbin/sendmail"

enum notify_type { NOTIFY_WEBHOOK = 1, NOTIFY_EMAIL };
enum notify_format { NOTIFY_JSON = 0, NOTIFY_SLACK, NOTIFY_NTFY };

struct notify_target {
	char			 name[NOTIFY_NAME_MAX + 1];
	enum notify_type	 type;
	int			 timeout_s;	/* 1 to 300 */
	/* webhook */
	char			*url;
	enum notify_format	 format;
	char			*headers[NOTIFY_MAX_HEADERS];	/* "Name: value" */
	size_t			 nheaders;
	/* e-mail */
	char			*rcpts[NOTIFY_MAX_RCPTS];
	size_t			 nrcpts;
	char			*from;		/* NULL: the MTA's default */
	char			*sendmail;	/* absolute path */
	int			 line;		/* of its section, for messages */
};

struct notify_conf {
	struct notify_target	targets[NOTIFY_MAX_TARGETS];
	size_t			ntargets;
};

/*
 * Parse the text of a target file.  Returns 0, or -1 with a one-line
 * reason ("line N: ...") in err.  notify_conf_free() in both cases.
 */
int	notify_conf_parse(struct notify_conf *c, const char *text, char *err,
	    size_t errsz);
/* Read and parse a file; the reason names the file. */
int	notify_conf_load(struct notify_conf *c, const char *path, char *err,
	    size_t errsz);
void	notify_conf_free(struct notify_conf *c);

#endif
