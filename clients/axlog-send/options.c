/*
 * options.c: getopt_long over the options of axlog-send(1), every number
 * range-checked, and the reading of the key without stdio (whose buffers
 * would keep copies of it).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "config.h"
#include "event.h"
#include "http.h"
#include "options.h"

static const char usage_text[] =
    "usage: axlog-send [--url URL] [--key-file FILE] [--batch N] "
    "[--max-time SECONDS]\n"
    "                  [--spool DIR] [--lines --event-type TYPE] "
    "[--no-gzip] [-v] [FILE ...]\n"
    "       axlog-send --version\n"
    "The key comes from --key-file or AXLOG_KEY; see axlog-send(1).\n";

/* A decimal in [min, max] (no sign games, no trailing bytes); 0 or -1. */
static int
parse_long(const char *s, long min, long max, long *out)
{
	char	*end;
	long	 v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
usage_error(const char *why, const char *arg)
{
	if (why != NULL)
		fprintf(stderr, "axlog-send: %s%s%s\n", why,
		    arg ? ": " : "", arg ? arg : "");
	fputs(usage_text, stderr);
	return EX_USAGE;
}

/* Options that make sense only together, and the URL; 0 or EX_USAGE. */
static int
check_opts(struct options *o)
{
	if (o->url == NULL && (o->url = getenv("AXLOG_URL")) == NULL)
		o->url = OPTIONS_DEFAULT_URL;
	if (!http_url_usable(o->url))
		return usage_error("not an http or https URL", o->url);
	if (o->lines != (o->event_type != NULL))
		return usage_error("--lines and --event-type go together",
		    NULL);
	if (o->event_type != NULL &&
	    !event_type_valid(o->event_type, strlen(o->event_type)))
		return usage_error("not a valid event_type (1 to 64 of "
		    "[A-Za-z0-9_.:/-])", o->event_type);
	return 0;
}

/* argv into o; 0, EX_USAGE, or -1 for --version and --help (done). */
int
options_parse(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "key-file", required_argument, NULL, 'k' },
		{ "batch", required_argument, NULL, 'b' },
		{ "max-time", required_argument, NULL, 'm' },
		{ "spool", required_argument, NULL, 's' },
		{ "lines", no_argument, NULL, 'l' },
		{ "event-type", required_argument, NULL, 't' },
		{ "no-gzip", no_argument, NULL, 'z' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int	c;

	memset(o, 0, sizeof(*o));
	o->batch = OPTIONS_DEFAULT_BATCH;
	o->max_time = OPTIONS_DEFAULT_MAX_TIME;
	o->gzip = 1;
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'u': o->url = optarg; break;
		case 'k': o->key_file = optarg; break;
		case 's': o->spool_dir = optarg; break;
		case 'l': o->lines = 1; break;
		case 't': o->event_type = optarg; break;
		case 'z': o->gzip = 0; break;
		case 'v': o->verbose = 1; break;
		case 'b':
			if (parse_long(optarg, 1, OPTIONS_MAX_BATCH, &o->batch))
				return usage_error("--batch: not a number from "
				    "1 to 100000", optarg);
			break;
		case 'm':
			if (parse_long(optarg, 1, OPTIONS_MAX_MAX_TIME,
			    &o->max_time))
				return usage_error("--max-time: not a number "
				    "of seconds from 1 to 86400", optarg);
			break;
		case 'h':
			fputs(usage_text, stdout);
			return -1;
		case 'V':
			printf("axlog-send %s\n", PACKAGE_VERSION);
			return -1;
		default:
			return usage_error(NULL, NULL);
		}
	}
	o->inputs = argv + optind;
	o->ninputs = argc - optind;
	return check_opts(o);
}

/* Read up to sz - 1 bytes of a key file, without stdio's copies. */
static int
read_key_file(const char *path, char *key, size_t sz)
{
	ssize_t	r;
	size_t	n = 0;
	int	fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while (n < sz - 1 && (r = read(fd, key + n, sz - 1 - n)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			(void)close(fd);
			return -1;
		}
		n += (size_t)r;
	}
	key[n] = '\0';
	return close(fd);
}

/* The key, checked (see options.h). */
int
options_key(const char *file, char key[OPTIONS_KEY_MAX + 2])
{
	const char	*env;
	size_t		 i, n;

	key[0] = '\0';
	if (file != NULL &&
	    read_key_file(file, key, OPTIONS_KEY_MAX + 2) != 0) {
		fprintf(stderr, "axlog-send: %s: %s\n", file, strerror(errno));
		return EX_USAGE;
	}
	if (file == NULL && (env = getenv("AXLOG_KEY")) != NULL)
		snprintf(key, OPTIONS_KEY_MAX + 2, "%s", env);
	key[strcspn(key, "\r\n")] = '\0';
	n = strlen(key);
	for (i = 0; i < n; i++)
		if (key[i] < 0x21 || key[i] > 0x7e)
			break;
	if (n == 0 || n > OPTIONS_KEY_MAX || i < n) {
		fprintf(stderr, "axlog-send: %s\n", n == 0 ? "no key: use "
		    "--key-file FILE or AXLOG_KEY" : "the key holds spaces, "
		    "control characters or is too long");
		return EX_USAGE;
	}
	return 0;
}
