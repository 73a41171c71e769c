/*
 * run.h: one run of axlog-send: the spool's files sent first, then the
 * inputs read line by line, converted, batched and delivered; what could
 * not be sent kept in the spool; and the exit status (sysexits(3)) that
 * says what happened, chosen in run_exit_code alone.
 */
#ifndef AXLOG_SEND_RUN_H
#define AXLOG_SEND_RUN_H

#include <signal.h>

#include "options.h"

#define RUN_MAX_BODY	(900 * 1024)	/* bytes a request, under 1 MiB */

struct run;

/*
 * A run with the options o (kept, not copied) and the key (copied: the
 * caller may wipe it).  stop, set by a signal handler, makes the run stop
 * sending and reading, and keep what it holds.  Returns 0 with *rp set,
 * or an exit status after a message on stderr (*rp is then NULL).
 */
int	run_new(const struct options *o, const char *key,
	    const volatile sig_atomic_t *stop, struct run **rp);

/* Send the files of the spool, when there is one and this run holds it. */
void	run_spool(struct run *r);

/* Read, send (or keep) the inputs of the options, or standard input. */
void	run_inputs(struct run *r);

/* With --verbose, or when events were kept untried: a summary on stderr. */
void	run_summary(const struct run *r);

/* The exit status: the gravest outcome of the run wins. */
int	run_exit_code(const struct run *r);

/* Accepts NULL. */
void	run_free(struct run *r);

#endif
