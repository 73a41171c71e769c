/*
 * options.h: the command line of axlog-send, and its key: read from
 * --key-file or AXLOG_KEY, never from an argument, which ps(1) shows.
 */
#ifndef AXLOG_SEND_OPTIONS_H
#define AXLOG_SEND_OPTIONS_H

#define OPTIONS_DEFAULT_URL	"http://127.0.0.1:8080/ingest"
#define OPTIONS_DEFAULT_BATCH	500
#define OPTIONS_MAX_BATCH	100000	/* the server's AXLOG_MAX_BATCH range */
#define OPTIONS_DEFAULT_MAX_TIME 60
#define OPTIONS_MAX_MAX_TIME	86400
#define OPTIONS_KEY_MAX		512	/* bytes of a key */

struct options {
	const char	*url;		/* --url, AXLOG_URL or the default */
	const char	*key_file;	/* NULL: AXLOG_KEY */
	const char	*event_type;	/* with --lines, else NULL */
	const char	*spool_dir;	/* NULL: no spool */
	long		 batch;		/* events a request, at most */
	long		 max_time;	/* seconds a request may keep failing */
	int		 lines;		/* --lines: plain text lines */
	int		 gzip;		/* compress large bodies */
	int		 verbose;
	char		**inputs;	/* the operands (argv's) */
	int		 ninputs;
};

/*
 * Parse argv into o (which points into argv and the environment).
 * Returns 0; EX_USAGE after a message on stderr; or -1 when --help or
 * --version was answered and the program is done.
 */
int	options_parse(int argc, char **argv, struct options *o);

/*
 * The key: the first line of file, or AXLOG_KEY when file is NULL;
 * printable ASCII without spaces, so it cannot break the header it goes
 * in.  Returns 0, or EX_USAGE after a message on stderr.  The caller
 * wipes key when done.
 */
int	options_key(const char *file, char key[OPTIONS_KEY_MAX + 2]);

#endif
