/*
 * ship.c: routes a request of axlog-ingest to /ingest or to a shipper's
 * adapter, and runs an adapter's request through ingest.c: the same
 * key, body limits, validation, group commit and verdicts as /ingest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "loki.h"
#include "otlp.h"
#include "ship.h"

/* A request with some records refused: one log line for the operator. */
static void
log_refused(const struct ship_proto *proto, const struct ship_tally *t)
{
	fprintf(stderr, "axlog-ingest: %s: %zu of %zu records refused; "
	    "record %ld: %s\n", proto->route, t->refused, t->records,
	    t->first_refused, t->why);
}

static void
serve(struct ingest *in, const struct ship_proto *proto, struct req *r,
    struct resp *p)
{
	const char		*ctype = req_header(r, "Content-Type");
	struct ingest_job	 job;
	struct ship_tally	 t;
	char			*body = NULL, msg[200] = "";
	size_t			 len = 0;
	enum ax_err		 e;

	e = ingest_open(in, r, &job, &body, &len);
	ship_tally_init(&t, ingest_add, &job, job.now_us,
	    (size_t)in->settings->max_batch);
	if (e == AX_OK) {
		e = proto->parse(ctype, body, len, &t, msg, sizeof(msg));
		e = e != AX_OK ? ingest_refuse(&job, e, msg) :
		    ingest_seal(&job);
	}
	free(body);
	if (e == AX_OK || job.key_first)
		ingest_run(in, &job);
	e = ingest_outcome(&job, p, msg, sizeof(msg));
	if (e == AX_OK && t.refused > 0)
		log_refused(proto, &t);
	proto->answer(p, ctype, e, msg, &t, job.accepted, job.duplicates);
	ingest_job_free(&job);
}

void
ship_error_headers(struct resp *p, enum ax_err e, int retry_after)
{
	if (e == AX_ERR_METHOD)
		(void)resp_header(p, "Allow", "POST");
	else if (e == AX_ERR_UNAUTHORIZED)
		(void)resp_header(p, "WWW-Authenticate",
		    "Basic realm=\"axlog\", Bearer realm=\"axlog\"");
	else if (retry_after &&
	    (e == AX_ERR_UNAVAILABLE || e == AX_ERR_RATE_LIMITED))
		(void)resp_header(p, "Retry-After", "1");
}

void
ship_handle(struct req *r, struct resp *p, void *ctx)
{
	if (strcmp(r->path, "/v1/logs") == 0)
		serve(ctx, &otlp_proto, r, p);
	else if (strcmp(r->path, "/loki/api/v1/push") == 0)
		serve(ctx, &loki_proto, r, p);
	else
		ingest_handle(r, p, ctx);
}
