/*
 * axlog-send: the command-line sender of axlog (axlog-send(1)).  Reads
 * events (NDJSON, or plain lines with --lines), gives each an id and a
 * created_at, and posts them to /ingest in gzipped batches, retrying what
 * may pass; with --spool, keeps what could not be sent for the next run,
 * which sends it first.  The work is run.c's; this is its setup.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <curl/curl.h>

#include "options.h"
#include "run.h"

static volatile sig_atomic_t	stop;

static void
on_signal(int sig)
{
	stop = 1;
}

/*
 * SIGINT, SIGTERM, SIGHUP: stop, keeping what is held.  No SA_RESTART,
 * so a read blocked on a quiet pipe returns at once.  SIGPIPE ignored: a
 * closed connection is an error return, not a death.
 */
static int
catch_signals(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	if (sigemptyset(&sa.sa_mask) != 0 ||
	    sigaction(SIGINT, &sa, NULL) != 0 ||
	    sigaction(SIGTERM, &sa, NULL) != 0 ||
	    sigaction(SIGHUP, &sa, NULL) != 0)
		return -1;
	sa.sa_handler = SIG_IGN;
	return sigaction(SIGPIPE, &sa, NULL);
}

int
main(int argc, char **argv)
{
	struct options	 o;
	struct run	*r = NULL;
	char		 key[OPTIONS_KEY_MAX + 2];
	int		 rc;

	if ((rc = options_parse(argc, argv, &o)) != 0)
		return rc == -1 ? EX_OK : rc;
	if ((rc = options_key(o.key_file, key)) != 0)
		return rc;
	if (catch_signals() != 0 ||
	    curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		explicit_bzero(key, sizeof(key));
		fprintf(stderr, "axlog-send: cannot set up signals or "
		    "libcurl\n");
		return EX_SOFTWARE;
	}
	rc = run_new(&o, key, &stop, &r);
	explicit_bzero(key, sizeof(key));
	if (rc == 0) {
		run_spool(r);
		run_inputs(r);
		run_summary(r);
		rc = run_exit_code(r);
	}
	run_free(r);
	curl_global_cleanup();
	return rc;
}
