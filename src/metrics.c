/*
 * metrics.c: the shared counters and their text exposition.  Every
 * counter is a relaxed atomic in one MAP_SHARED|MAP_ANONYMOUS region
 * that the supervisor maps before it forks: workers inherit it, the
 * kernel keeps it while any process of the program holds it, and a
 * scrape reads it whole.  A histogram keeps one counter per bucket (not
 * cumulative) and its sum; its count is the sum of its buckets, so a
 * scrape never shows a count that disagrees with its buckets.  Policy
 * on what db.c's events mean lives here, not in db.c.
 */
#include <sys/mman.h>

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "db.h"
#include "metrics.h"
#include "resp.h"

/* The endpoints counted per program; anything else is "other". */
static const struct {
	const char	*program;	/* NULL: every program's */
	const char	*path;
} endpoints[] = {
	{ "ingest", "/ingest" },
	{ "ingest", "/v1/logs" },
	{ "ingest", "/loki/api/v1/push" },
	{ "stats", "/stats" },
	{ "stats", "/stats/apps" },
	{ "stats", "/stats/alerts" },
	{ "stats", "/stats/logs" },
	{ "health", "/health" },
	{ "health", "/health/live" },
	{ "health", "/health/db" },
	{ NULL, "/metrics" },
	{ NULL, "other" },
};
#define NEP		(sizeof(endpoints) / sizeof(endpoints[0]))
#define EP_METRICS	(NEP - 2)
#define EP_OTHER	(NEP - 1)

#define MIN_STATUS	100
#define NSTATUS		500		/* 100 to 599 */
#define HIST_SLOTS	16

/* Request and commit durations, upper bounds in microseconds. */
static const int64_t duration_us[] = {
	500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000,
};
/* Events per request and per group. */
static const int64_t events_le[] = {
	1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000,
};
#define NBOUNDS(a)	(sizeof(a) / sizeof(a[0]))

/* SQLSTATE classes: two characters of [0-9A-Z]. */
#define NCLASS		(36 * 36)

static const char *const cause_names[METRICS_CAUSE__COUNT] = {
	[METRICS_CAUSE_TIMEOUT] = "timeout",
	[METRICS_CAUSE_CONN_LOST] = "connection_lost",
	[METRICS_CAUSE_QUEUE_FULL] = "queue_full",
	[METRICS_CAUSE_DATABASE] = "database",
	[METRICS_CAUSE_OTHER] = "other",
};

struct mhist {
	_Atomic uint64_t	n[HIST_SLOTS];	/* the last: above every bound */
	_Atomic uint64_t	sum;
};

struct shared {
	int64_t			start_s;	/* the supervisor's start */
	_Atomic int		pid[METRICS_MAX_PROCS];	/* 0: slot empty */
	_Atomic int64_t		queue[METRICS_MAX_PROCS];
	_Atomic uint64_t	restarted;
	_Atomic uint64_t	requests[NEP][NSTATUS];
	struct mhist		duration[NEP];
	_Atomic uint64_t	accepted, duplicates;
	_Atomic uint64_t	refused[AX_ERR__COUNT];
	_Atomic uint64_t	unavailable[METRICS_CAUSE__COUNT];
	struct mhist		request_events, group_events, commit;
	_Atomic uint64_t	db_connects, db_reconnects, db_failures;
	_Atomic uint64_t	db_deadlines;
	_Atomic uint64_t	db_errors[NCLASS];
};

static struct shared	*shm;
static const char	*program = "";
static int		 my_slot;	/* this process's (0: supervisor) */

#define ADD(a, v)	atomic_fetch_add_explicit(&(a), (v), memory_order_relaxed)
#define GET(a)		atomic_load_explicit(&(a), memory_order_relaxed)

static void
hist_add(struct mhist *h, const int64_t *bounds, size_t nb, int64_t v)
{
	size_t	i = 0;

	if (v < 0)
		v = 0;
	while (i < nb && v > bounds[i])
		i++;
	ADD(h->n[i], 1);
	ADD(h->sum, (uint64_t)v);
}

/* Index of a SQLSTATE's class, or -1. */
static int
class_index(const char *sqlstate)
{
	const char	*digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	const char	*a, *b;

	if (sqlstate == NULL || strlen(sqlstate) != 5 ||
	    (a = strchr(digits, sqlstate[0])) == NULL ||
	    (b = strchr(digits, sqlstate[1])) == NULL)
		return -1;
	return (int)(a - digits) * 36 + (int)(b - digits);
}

/* db.c's events, as counters (db_set_observer). */
static void
on_db_event(enum db_event ev, const char *sqlstate)
{
	int	c;

	switch (ev) {
	case DB_EVENT_CONNECT:
		ADD(shm->db_connects, 1);
		break;
	case DB_EVENT_RECONNECT:
		ADD(shm->db_connects, 1);
		ADD(shm->db_reconnects, 1);
		break;
	case DB_EVENT_CONNECT_FAILED:
		ADD(shm->db_failures, 1);
		break;
	case DB_EVENT_DEADLINE:
		ADD(shm->db_deadlines, 1);
		break;
	case DB_EVENT_ERROR:
		if ((c = class_index(sqlstate)) >= 0)
			ADD(shm->db_errors[c], 1);
		break;
	}
}

int
metrics_init(const char *prog)
{
	void	*p;

	if (shm != NULL)
		return 0;
	p = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("axlog: metrics: mmap");
		return -1;
	}
	shm = p;	/* zeroed by the kernel */
	shm->start_s = (int64_t)time(NULL);
	program = prog;
	db_set_observer(on_db_event);
	return 0;
}

int64_t
metrics_now_us(void)
{
	struct timespec	t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

int
metrics_enabled(void)
{
	return shm != NULL;
}

void
metrics_proc_start(int slot, int pid)
{
	if (shm != NULL && slot >= 0 && slot < METRICS_MAX_PROCS)
		atomic_store(&shm->pid[slot], pid);
}

void
metrics_proc_end(int slot)
{
	if (shm == NULL || slot < 0 || slot >= METRICS_MAX_PROCS)
		return;
	atomic_store(&shm->pid[slot], 0);
	/* Its queued requests died with it. */
	atomic_store(&shm->queue[slot], 0);
}

void
metrics_worker_restarted(void)
{
	if (shm != NULL)
		ADD(shm->restarted, 1);
}

void
metrics_set_slot(int slot)
{
	if (slot >= 0 && slot < METRICS_MAX_PROCS)
		my_slot = slot;
}

int
metrics_is_path(const char *path)
{
	size_t	n = strlen("/metrics");

	if (shm == NULL || strncmp(path, "/metrics", n) != 0)
		return 0;
	return path[n] == '\0' ||
	    (path[n] == '/' && strcmp(path + n + 1, program) == 0);
}

static size_t
endpoint_of(const char *path)
{
	size_t	i;

	if (metrics_is_path(path))
		return EP_METRICS;
	for (i = 0; i < EP_METRICS; i++)
		if (strcmp(endpoints[i].program, program) == 0 &&
		    strcmp(endpoints[i].path, path) == 0)
			return i;
	return EP_OTHER;
}

void
metrics_request(const char *path, int status, int64_t us)
{
	size_t	ep;

	if (shm == NULL)
		return;
	ep = endpoint_of(path);
	if (status >= MIN_STATUS && status < MIN_STATUS + NSTATUS)
		ADD(shm->requests[ep][status - MIN_STATUS], 1);
	hist_add(&shm->duration[ep], duration_us, NBOUNDS(duration_us), us);
}

void
metrics_ingest_stored(long accepted, long duplicates)
{
	if (shm == NULL)
		return;
	ADD(shm->accepted, accepted > 0 ? (uint64_t)accepted : 0);
	ADD(shm->duplicates, duplicates > 0 ? (uint64_t)duplicates : 0);
}

void
metrics_ingest_refused(enum ax_err reason)
{
	if (shm != NULL && reason > AX_OK && reason < AX_ERR__COUNT)
		ADD(shm->refused[reason], 1);
}

void
metrics_ingest_unavailable(enum metrics_cause cause)
{
	if (shm != NULL && cause >= 0 && cause < METRICS_CAUSE__COUNT)
		ADD(shm->unavailable[cause], 1);
}

void
metrics_ingest_request_events(size_t events)
{
	if (shm != NULL)
		hist_add(&shm->request_events, events_le, NBOUNDS(events_le),
		    (int64_t)events);
}

void
metrics_ingest_group(size_t events, int64_t us)
{
	if (shm == NULL)
		return;
	hist_add(&shm->group_events, events_le, NBOUNDS(events_le),
	    (int64_t)events);
	hist_add(&shm->commit, duration_us, NBOUNDS(duration_us), us);
}

void
metrics_ingest_queue(int delta)
{
	if (shm != NULL)
		ADD(shm->queue[my_slot], delta);
}

/* ---- the text ---------------------------------------------------------- */

void
metrics_append(struct metrics_text *t, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 cap;
	char	*b;
	int	 n;

	if (t->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->buf != NULL ? t->buf + t->len : NULL,
		    t->buf != NULL ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->failed = 1;
			return;
		}
		if (t->buf != NULL && (size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		cap = t->cap > 0 ? t->cap * 2 : 16384;
		while (cap - t->len <= (size_t)n)
			cap *= 2;
		if ((b = realloc(t->buf, cap)) == NULL) {
			t->failed = 1;
			return;
		}
		t->buf = b;
		t->cap = cap;
	}
}

static void
head(struct metrics_text *t, const char *name, const char *type,
    const char *help)
{
	metrics_append(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	    type);
}

void
metrics_gauge(struct metrics_text *t, const char *name, const char *help,
    double value)
{
	head(t, name, "gauge", help);
	metrics_append(t, "%s %.15g\n", name, value);
}

static void
counter(struct metrics_text *t, const char *name, const char *help,
    uint64_t value)
{
	head(t, name, "counter", help);
	metrics_append(t, "%s %llu\n", name, (unsigned long long)value);
}

/*
 * One histogram's series: labels ("" or 'endpoint="/x"'), bounds in
 * the unit of the values, scale dividing them into the exposed unit.
 */
static void
hist_series(struct metrics_text *t, const char *name, const char *labels,
    struct mhist *h, const int64_t *bounds, size_t nb, double scale)
{
	const char	*sep = labels[0] != '\0' ? "," : "";
	const char	*lb = labels[0] != '\0' ? "{" : "";
	const char	*rb = labels[0] != '\0' ? "}" : "";
	uint64_t	 cum = 0;
	size_t		 i;

	for (i = 0; i < nb; i++) {
		cum += GET(h->n[i]);
		metrics_append(t, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels,
		    sep, (double)bounds[i] / scale, (unsigned long long)cum);
	}
	cum += GET(h->n[nb]);
	metrics_append(t, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels,
	    sep, (unsigned long long)cum);
	metrics_append(t, "%s_sum%s%s%s %.6f\n", name, lb, labels, rb,
	    (double)GET(h->sum) / scale);
	metrics_append(t, "%s_count%s%s%s %llu\n", name, lb, labels, rb,
	    (unsigned long long)cum);
}

static int
own_endpoint(size_t ep)
{
	return endpoints[ep].program == NULL ||
	    strcmp(endpoints[ep].program, program) == 0;
}

static void
render_http(struct metrics_text *t)
{
	char		labels[64];
	uint64_t	v;
	size_t		ep, s;

	head(t, "axlog_http_requests_total", "counter",
	    "Requests answered, by endpoint and HTTP status.");
	for (ep = 0; ep < NEP; ep++)
		for (s = 0; s < NSTATUS; s++)
			if (own_endpoint(ep) &&
			    (v = GET(shm->requests[ep][s])) > 0)
				metrics_append(t, "axlog_http_requests_total{"
				    "endpoint=\"%s\",code=\"%zu\"} %llu\n",
				    endpoints[ep].path, s + MIN_STATUS,
				    (unsigned long long)v);
	head(t, "axlog_http_request_duration_seconds", "histogram",
	    "Time from a request's arrival at the program to its answer.");
	for (ep = 0; ep < NEP; ep++) {
		if (!own_endpoint(ep))
			continue;
		snprintf(labels, sizeof(labels), "endpoint=\"%s\"",
		    endpoints[ep].path);
		hist_series(t, "axlog_http_request_duration_seconds", labels,
		    &shm->duration[ep], duration_us, NBOUNDS(duration_us), 1e6);
	}
}

static void
render_ingest(struct metrics_text *t)
{
	int64_t	depth = 0;
	size_t	i;

	counter(t, "axlog_ingest_events_accepted_total",
	    "Events stored (answered 200).", GET(shm->accepted));
	counter(t, "axlog_ingest_events_duplicate_total",
	    "Events answered 200 as duplicates of stored ones (not stored "
	    "again).", GET(shm->duplicates));
	head(t, "axlog_ingest_requests_refused_total", "counter",
	    "Requests refused, by the error code of the answer.");
	for (i = AX_OK + 1; i < AX_ERR__COUNT; i++)
		if (i != AX_ERR_UNAVAILABLE)
			metrics_append(t, "axlog_ingest_requests_refused_total"
			    "{reason=\"%s\"} %llu\n", resp_code_of((enum ax_err)i),
			    (unsigned long long)GET(shm->refused[i]));
	head(t, "axlog_ingest_requests_unavailable_total", "counter",
	    "Requests answered 503, by cause.");
	for (i = 0; i < METRICS_CAUSE__COUNT; i++)
		metrics_append(t, "axlog_ingest_requests_unavailable_total"
		    "{cause=\"%s\"} %llu\n", cause_names[i],
		    (unsigned long long)GET(shm->unavailable[i]));
	head(t, "axlog_ingest_request_size_events", "histogram",
	    "Events per request that reached the database.");
	hist_series(t, "axlog_ingest_request_size_events", "",
	    &shm->request_events, events_le, NBOUNDS(events_le), 1);
	head(t, "axlog_ingest_group_size_events", "histogram",
	    "Events per group committed in one statement.");
	hist_series(t, "axlog_ingest_group_size_events", "",
	    &shm->group_events, events_le, NBOUNDS(events_le), 1);
	head(t, "axlog_ingest_commit_duration_seconds", "histogram",
	    "Time of one group's statement and commit.");
	hist_series(t, "axlog_ingest_commit_duration_seconds", "",
	    &shm->commit, duration_us, NBOUNDS(duration_us), 1e6);
	for (i = 0; i < METRICS_MAX_PROCS; i++)
		depth += GET(shm->queue[i]);
	metrics_gauge(t, "axlog_ingest_queue_depth",
	    "Requests waiting for their group's commit, or committing.",
	    (double)(depth > 0 ? depth : 0));
}

static void
render_db(struct metrics_text *t)
{
	const char	*digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	uint64_t	 v;
	size_t		 c;

	counter(t, "axlog_db_connects_total",
	    "Database connections made.", GET(shm->db_connects));
	counter(t, "axlog_db_reconnects_total",
	    "Database connections made again after an earlier one ended.",
	    GET(shm->db_reconnects));
	counter(t, "axlog_db_connect_failures_total",
	    "Database connection attempts that failed.",
	    GET(shm->db_failures));
	counter(t, "axlog_db_deadlines_passed_total",
	    "Database calls cut off by their deadline (AXLOG_DB_TIMEOUT_MS).",
	    GET(shm->db_deadlines));
	head(t, "axlog_db_errors_total", "counter",
	    "Errors the database answered, by SQLSTATE class.");
	for (c = 0; c < NCLASS; c++)
		if ((v = GET(shm->db_errors[c])) > 0)
			metrics_append(t, "axlog_db_errors_total{class=\"%c%c\"} "
			    "%llu\n", digits[c / 36], digits[c % 36],
			    (unsigned long long)v);
}

/* Resident and private bytes of one process; 0, or -1. */
static int
proc_memory(int pid, uint64_t *rss, uint64_t *priv)
{
	char			 path[64], line[256];
	unsigned long long	 kb;
	FILE			*f;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "Rss: %llu kB", &kb) == 1)
			*rss += kb * 1024;
		else if (sscanf(line, "Private_Clean: %llu kB", &kb) == 1 ||
		    sscanf(line, "Private_Dirty: %llu kB", &kb) == 1)
			*priv += kb * 1024;
	}
	(void)fclose(f);
	return 0;
}

static void
render_process(struct metrics_text *t)
{
	uint64_t	rss = 0, priv = 0;
	int		i, pid, workers = 0;

	for (i = 0; i < METRICS_MAX_PROCS; i++) {
		if ((pid = GET(shm->pid[i])) <= 0)
			continue;
		if (i > 0)
			workers++;
		(void)proc_memory(pid, &rss, &priv);
	}
	metrics_gauge(t, "axlog_workers", "Worker processes serving.",
	    workers);
	counter(t, "axlog_workers_restarted_total",
	    "Workers that ended and were replaced.", GET(shm->restarted));
	metrics_gauge(t, "axlog_process_resident_memory_bytes",
	    "Resident memory of the program's processes (supervisor and "
	    "workers), from /proc/PID/smaps_rollup.", (double)rss);
	metrics_gauge(t, "axlog_process_private_memory_bytes",
	    "Private memory (clean and dirty) of the program's processes.",
	    (double)priv);
	metrics_gauge(t, "axlog_process_start_time_seconds",
	    "When the program started, in seconds since the Unix epoch.",
	    (double)shm->start_s);
	head(t, "axlog_build_info", "gauge",
	    "Always 1: the version and program as labels.");
	metrics_append(t, "axlog_build_info{version=\"%s\",program=\"%s\"} 1\n",
	    PACKAGE_VERSION, program);
}

int
metrics_render(struct metrics_text *t)
{
	if (shm == NULL)
		return -1;
	render_http(t);
	if (strcmp(program, "ingest") == 0)
		render_ingest(t);
	render_db(t);
	render_process(t);
	return t->failed ? -1 : 0;
}

void
metrics_text_free(struct metrics_text *t)
{
	free(t->buf);
	memset(t, 0, sizeof(*t));
}
