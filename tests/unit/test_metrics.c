/*
 * test_metrics: the shared counters and their text.  Counts made in a
 * forked child are seen by the parent (the region is shared, as between
 * a supervisor's workers); histogram buckets are cumulative and end in
 * +Inf; db.c's events reach the counters through the observer; every
 * line is a comment or a sample of the exposition format.
 */
#include <sys/wait.h>

#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "db.h"
#include "metrics.h"

/* The whole text of one scrape; the caller frees it. */
static char *
scrape(void)
{
	struct metrics_text	t;

	memset(&t, 0, sizeof(t));
	cr_assert_eq(metrics_render(&t), 0);
	cr_assert_not_null(t.buf);
	return t.buf;
}

static void
has_line(const char *text, const char *line)
{
	const char	*p = text;
	size_t		 n = strlen(line);

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return;
		p += n;
	}
	cr_assert_fail("no line \"%s\" in:\n%s", line, text);
}

Test(metrics, off_until_init)
{
	struct metrics_text	t;

	memset(&t, 0, sizeof(t));
	cr_assert_eq(metrics_enabled(), 0);
	cr_assert_eq(metrics_is_path("/metrics"), 0);
	cr_assert_eq(metrics_render(&t), -1);
	metrics_request("/ingest", 200, 1000);	/* does nothing */
	metrics_ingest_stored(1, 0);
}

Test(metrics, paths)
{
	cr_assert_eq(metrics_init("ingest"), 0);
	cr_assert(metrics_is_path("/metrics"));
	cr_assert(metrics_is_path("/metrics/ingest"));
	cr_assert_not(metrics_is_path("/metrics/stats"));
	cr_assert_not(metrics_is_path("/metricsx"));
	cr_assert_not(metrics_is_path("/metrics/ingest/x"));
	cr_assert_not(metrics_is_path("/ingest"));
}

Test(metrics, requests_and_histograms)
{
	char	*text;

	cr_assert_eq(metrics_init("ingest"), 0);
	metrics_request("/ingest", 200, 700);
	metrics_request("/ingest", 200, 1000);
	metrics_request("/ingest", 503, 4000000);
	metrics_request("/nope", 404, 20000000);
	metrics_request("/stats", 200, 10);	/* not ingest's: other */
	text = scrape();
	has_line(text, "axlog_http_requests_total{endpoint=\"/ingest\","
	    "code=\"200\"} 2");
	has_line(text, "axlog_http_requests_total{endpoint=\"/ingest\","
	    "code=\"503\"} 1");
	has_line(text, "axlog_http_requests_total{endpoint=\"other\","
	    "code=\"404\"} 1");
	has_line(text, "axlog_http_requests_total{endpoint=\"other\","
	    "code=\"200\"} 1");
	has_line(text, "axlog_http_request_duration_seconds_bucket{endpoint="
	    "\"/ingest\",le=\"0.0005\"} 0");
	has_line(text, "axlog_http_request_duration_seconds_bucket{endpoint="
	    "\"/ingest\",le=\"0.001\"} 2");
	has_line(text, "axlog_http_request_duration_seconds_bucket{endpoint="
	    "\"/ingest\",le=\"5\"} 3");
	has_line(text, "axlog_http_request_duration_seconds_bucket{endpoint="
	    "\"other\",le=\"10\"} 1");
	has_line(text, "axlog_http_request_duration_seconds_bucket{endpoint="
	    "\"other\",le=\"+Inf\"} 2");
	has_line(text, "axlog_http_request_duration_seconds_count{endpoint="
	    "\"/ingest\"} 3");
	has_line(text, "axlog_http_request_duration_seconds_sum{endpoint="
	    "\"/ingest\"} 4.001700");
	cr_assert_null(strstr(text, "endpoint=\"/stats\""));
	has_line(text, "# TYPE axlog_http_requests_total counter");
	free(text);
}

Test(metrics, shared_with_children)
{
	char	*text;
	pid_t	 pid;
	int	 st;

	cr_assert_eq(metrics_init("ingest"), 0);
	metrics_ingest_stored(3, 1);
	if ((pid = fork()) == 0) {
		metrics_set_slot(1);
		metrics_ingest_stored(5, 2);
		metrics_ingest_refused(AX_ERR_INVALID_EVENT);
		metrics_ingest_unavailable(METRICS_CAUSE_QUEUE_FULL);
		metrics_ingest_group(7, 1500);
		metrics_ingest_queue(1);	/* left behind by a dead worker */
		_exit(0);
	}
	cr_assert_gt(pid, 0);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	text = scrape();
	has_line(text, "axlog_ingest_events_accepted_total 8");
	has_line(text, "axlog_ingest_events_duplicate_total 3");
	has_line(text, "axlog_ingest_requests_refused_total{reason="
	    "\"invalid_event\"} 1");
	has_line(text, "axlog_ingest_requests_unavailable_total{cause="
	    "\"queue_full\"} 1");
	has_line(text, "axlog_ingest_group_size_events_bucket{le=\"5\"} 0");
	has_line(text, "axlog_ingest_group_size_events_bucket{le=\"10\"} 1");
	has_line(text, "axlog_ingest_group_size_events_count 1");
	has_line(text, "axlog_ingest_queue_depth 1");
	free(text);
	metrics_proc_end(1);	/* the supervisor reaps it */
	text = scrape();
	has_line(text, "axlog_ingest_queue_depth 0");
	free(text);
}

Test(metrics, db_events)
{
	struct db	*db;
	char		*text;

	cr_assert_eq(metrics_init("stats"), 0);
	db = db_new("host=/nonexistent/axlog-test port=1", NULL, 0, 1000);
	cr_assert_not_null(db);
	cr_assert_eq(db_connect(db), DB_UNAVAILABLE);
	db_free(db);
	text = scrape();
	has_line(text, "axlog_db_connect_failures_total 1");
	has_line(text, "axlog_db_connects_total 0");
	/* stats has no ingest lines */
	cr_assert_null(strstr(text, "axlog_ingest_"));
	has_line(text, "axlog_workers_restarted_total 0");
	cr_assert_not_null(strstr(text, "axlog_build_info{version=\""));
	free(text);
}

Test(metrics, every_line_parses)
{
	regex_t	 re;
	char	*text, *line, *save = NULL;

	cr_assert_eq(metrics_init("ingest"), 0);
	metrics_request("/ingest", 200, 100);
	metrics_proc_start(0, (int)getpid());
	cr_assert_eq(regcomp(&re, "^(# (HELP|TYPE) [a-z_]+ .+|"
	    "[a-z_]+(\\{[a-z_]+=\"[^\"]*\"(,[a-z_]+=\"[^\"]*\")*\\})? "
	    "[0-9][0-9.e+]*)$", REG_EXTENDED | REG_NOSUB), 0);
	text = scrape();
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		cr_expect_eq(regexec(&re, line, 0, NULL, 0), 0, "line: %s",
		    line);
	regfree(&re);
	free(text);
	text = scrape();
	cr_assert_not_null(strstr(text, "\naxlog_process_resident_memory_bytes "));
	cr_assert_null(strstr(text, "\naxlog_process_resident_memory_bytes 0\n"));
	free(text);
}
