/*
 * metrics.h: the programs' own counters, and GET /metrics in the
 * Prometheus text exposition format (version 0.0.4).  The counters live
 * in one shared anonymous mapping that the supervisor makes before it
 * forks its workers, all C11 atomics and fixed-size histograms, so a
 * scrape that reaches any worker sees the totals of every worker, and a
 * worker that dies and is replaced takes nothing back: counters never go
 * down while the program runs.
 *
 * Until metrics_init() maps the region (plain CGI, the unit tests) every
 * counting call does nothing, and metrics_enabled() is 0.
 */
#ifndef AXLOG_METRICS_H
#define AXLOG_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define METRICS_MAX_PROCS	65	/* the supervisor and 64 workers */

/* Why /ingest answered 503 (axlog_ingest_unavailable_total's cause). */
enum metrics_cause {
	METRICS_CAUSE_TIMEOUT,		/* the database deadline passed */
	METRICS_CAUSE_CONN_LOST,	/* the connection broke mid-command */
	METRICS_CAUSE_QUEUE_FULL,	/* the commit lane's queue was full */
	METRICS_CAUSE_DATABASE,		/* refused, unreachable, or an error */
	METRICS_CAUSE_OTHER,		/* out of memory */
	METRICS_CAUSE__COUNT
};

/*
 * Map the shared region for program ("ingest", "stats" or "health"),
 * in the supervisor before it forks; 0, or -1 (then metrics stay off
 * and the program serves on).  Also hooks db.c's events.
 */
int	metrics_init(const char *program);
int	metrics_enabled(void);

/* Process bookkeeping, from the supervisor: slot 0 is itself. */
void	metrics_proc_start(int slot, int pid);
void	metrics_proc_end(int slot);
void	metrics_worker_restarted(void);
/* In a worker after the fork: its slot, for its per-process gauges. */
void	metrics_set_slot(int slot);

/* A monotonic clock in microseconds, for the durations below. */
int64_t	metrics_now_us(void);

/*
 * One answered request: its path (REQUEST_URI's path), status and
 * duration in microseconds.
 */
void	metrics_request(const char *path, int status, int64_t us);

/* /ingest. */
void	metrics_ingest_stored(long accepted, long duplicates);
void	metrics_ingest_refused(enum ax_err reason);
void	metrics_ingest_unavailable(enum metrics_cause cause);
void	metrics_ingest_request_events(size_t events);
/* A group committed on a lane: its events and its statement's time. */
void	metrics_ingest_group(size_t events, int64_t us);
/* A request enters (+1) or leaves (-1) the commit queue. */
void	metrics_ingest_queue(int delta);

/*
 * The text of one scrape, grown as it is written (metrics_append and
 * the helpers below); whoever renders owns and frees it.
 */
struct metrics_text {
	char	*buf;
	size_t	 len, cap;
	int	 failed;	/* out of memory: the text is incomplete */
};

void	metrics_append(struct metrics_text *t, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* HELP and TYPE lines, then one sample without labels. */
void	metrics_gauge(struct metrics_text *t, const char *name,
	    const char *help, double value);

/*
 * Is path this program's /metrics ("/metrics" or "/metrics/PROGRAM")?
 * Only once metrics_init ran.
 */
int	metrics_is_path(const char *path);

/*
 * Render every metric of this program into t (t zeroed by the caller);
 * 0, or -1 out of memory.  Free with metrics_text_free.
 */
int	metrics_render(struct metrics_text *t);
void	metrics_text_free(struct metrics_text *t);

#endif
