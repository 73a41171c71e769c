/*
 * run.c: the state of a run and its flow: lines in, events converted and
 * queued, full batches delivered; after the first batch that fails, no
 * more tries: what is read goes to the spool, or, without one, reading
 * stops.  Events of a spool file are never kept again: the file stays
 * until they are sent.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "batch.h"
#include "convert.h"
#include "deliver.h"
#include "http.h"
#include "linein.h"
#include "rnd.h"
#include "run.h"
#include "spool.h"
#include "timefmt.h"

struct run {
	const struct options	*o;
	const volatile sig_atomic_t *stop;
	struct batch		*batch;
	struct deliver		 d;
	struct spool		*spool;
	/* DELIVER_DONE until a batch fails: then no more tries. */
	enum deliver_res	 failed;
	int			 fatal;		/* EX_SOFTWARE, EX_IOERR */
	int			 no_input;	/* an input did not open */
	size_t			 read;		/* events read */
	size_t			 bad;		/* lines refused here */
	size_t			 kept;		/* of failed batches */
	size_t			 kept_later;	/* read after a failure */
	size_t			 unsent;	/* neither sent nor kept */
};

/* Keep events [from, n) of the batch in the spool; the count kept. */
static size_t
keep(struct run *r, size_t from, char *name, size_t namesz)
{
	size_t	len, n = batch_count(r->batch) - from;
	char	*body;

	name[0] = '\0';
	if (r->spool == NULL || n == 0)
		return 0;
	if ((body = batch_body(r->batch, from, from + n, &len)) == NULL) {
		r->fatal = EX_SOFTWARE;
		return 0;
	}
	if (spool_write(r->spool, body, len, name, namesz) != SPOOL_OK) {
		fprintf(stderr, "axlog-send: %s: cannot keep %zu events: "
		    "%s\n", r->o->spool_dir, n, strerror(errno));
		r->fatal = EX_IOERR;
		n = 0;
	}
	free(body);
	return n;
}

/* The one line on stderr for a batch that failed. */
static void
report_failure(struct run *r, size_t from, const char *spooled,
    int from_spool)
{
	char	where[200];
	size_t	n = batch_count(r->batch) - from;

	batch_where(r->batch, from, batch_count(r->batch), where,
	    sizeof(where));
	fprintf(stderr, "axlog-send: %s: %zu event%s not sent: %s; %s%s\n",
	    where, n, n == 1 ? "" : "s", r->d.reason,
	    from_spool ? "left in the spool for the next run" :
	    spooled[0] ? "kept in " : r->spool ? "NOT kept" :
	    "NOT kept (no --spool)", from_spool ? "" : spooled);
}

/*
 * Send the batch (unless a batch failed before: then only keep it) and
 * empty it.  Events of a spool file are never kept again: their file
 * stays until they are sent.
 */
static void
flush(struct run *r, int from_spool)
{
	char	name[1024];
	size_t	done = 0, n = batch_count(r->batch), kept;

	if (n == 0)
		return;
	if (r->failed != DELIVER_DONE) {	/* no more tries this run */
		kept = from_spool ? n : keep(r, 0, name, sizeof(name));
		r->kept_later += from_spool ? 0 : kept;
		r->unsent += n - kept;
		goto out;
	}
	if (*r->stop) {
		r->failed = DELIVER_INTERRUPTED;
		snprintf(r->d.reason, sizeof(r->d.reason), "interrupted");
	} else if ((r->failed = deliver_batch(&r->d, r->batch, &done)) ==
	    DELIVER_DONE)
		goto out;
	kept = from_spool ? n - done : keep(r, done, name, sizeof(name));
	r->kept += from_spool ? 0 : kept;
	r->unsent += n - done - kept;
	report_failure(r, done, name, from_spool);
out:
	batch_clear(r->batch);
}

/* Queue one event; the batch is sent first when it is full. */
static int
enqueue(struct run *r, char *json, size_t len, const char *src,
    size_t lineno, int from_spool)
{
	enum batch_res	res;

	if ((res = batch_add(r->batch, json, len, src, lineno)) ==
	    BATCH_FULL) {
		flush(r, from_spool);
		res = batch_add(r->batch, json, len, src, lineno);
	}
	if (res != BATCH_OK) {
		free(json);
		fprintf(stderr, "axlog-send: out of memory\n");
		r->fatal = EX_SOFTWARE;
		return -1;
	}
	return 0;
}

/* One input line: converted and queued, or reported; -1 to stop. */
static int
take_line(struct run *r, const char *line, size_t len, const char *src,
    size_t lineno, int from_spool)
{
	uint8_t			 rnd[CONVERT_RANDOM_BYTES];
	char			*json, msg[400];
	size_t			 jlen;
	enum convert_res	 c;

	if (rnd_fill(rnd, sizeof(rnd)) != 0) {
		fprintf(stderr, "axlog-send: no randomness for event ids: "
		    "%s\n", strerror(errno));
		r->fatal = EX_SOFTWARE;
		return -1;
	}
	/* A spool file holds events as sent, whatever the mode. */
	c = convert_line(line, len, from_spool ? NULL : r->o->event_type,
	    timefmt_now_us(), rnd, &json, &jlen, msg, sizeof(msg));
	if (c == CONVERT_BLANK)
		return 0;
	if (c == CONVERT_INVALID) {
		fprintf(stderr, "axlog-send: %s:%zu: %s\n", src, lineno, msg);
		r->bad++;
		return 0;
	}
	if (c == CONVERT_NOMEM) {
		fprintf(stderr, "axlog-send: out of memory\n");
		r->fatal = EX_SOFTWARE;
		return -1;
	}
	r->read++;
	return enqueue(r, json, jlen, src, lineno, from_spool);
}

/* Should reading go on?  Not after a signal, nor after a failure with
 * nowhere to keep what is read. */
static int
reading(const struct run *r, int from_spool)
{
	if (*r->stop || r->fatal != 0)
		return 0;
	if (r->failed != DELIVER_DONE)
		return !from_spool && r->spool != NULL;
	return 1;
}

/* Every line of one input; 0, or -1 when it could not all be read. */
static int
read_source(struct run *r, struct linein *in, int from_spool)
{
	const char		*line, *src = linein_name(in);
	size_t			 len, lineno;
	enum linein_res		 res;

	while (reading(r, from_spool)) {
		res = linein_next(in, &line, &len, &lineno);
		if (res == LINEIN_EOF)
			return 0;
		if (res == LINEIN_ERROR) {
			if (*r->stop)
				return -1;
			fprintf(stderr, "axlog-send: %s: %s\n", src,
			    strerror(errno));
			r->fatal = EX_IOERR;
			return -1;
		}
		if (res == LINEIN_TOO_LONG) {
			fprintf(stderr, "axlog-send: %s:%zu: line over %d "
			    "bytes\n", src, lineno, LINEIN_MAX);
			r->bad++;
		} else if (take_line(r, line, len, src, lineno,
		    from_spool) != 0)
			return -1;
	}
	return -1;
}

/* Send the spool's files, oldest first; each is removed once sent. */
static void
resend_spool(struct run *r)
{
	struct linein	*in;
	char		**paths;
	size_t		  i, n;
	int		  ok;

	if (spool_list(r->spool, &paths, &n) != SPOOL_OK) {
		fprintf(stderr, "axlog-send: %s: %s\n", r->o->spool_dir,
		    strerror(errno));
		r->fatal = EX_IOERR;
		return;
	}
	for (i = 0; i < n && reading(r, 1); i++) {
		if ((in = linein_open(paths[i])) == NULL) {
			fprintf(stderr, "axlog-send: %s: %s\n", paths[i],
			    strerror(errno));
			r->fatal = EX_IOERR;
			break;
		}
		ok = read_source(r, in, 1) == 0;
		flush(r, 1);
		linein_free(in);
		if (ok && r->failed == DELIVER_DONE && r->fatal == 0 &&
		    spool_remove(r->spool, paths[i]) != SPOOL_OK) {
			fprintf(stderr, "axlog-send: %s: cannot remove: %s\n",
			    paths[i], strerror(errno));
			r->fatal = EX_IOERR;
		}
	}
	spool_list_free(paths, n);
}

/* The inputs named on the command line, or standard input. */
void
run_inputs(struct run *r)
{
	static char	*dash[] = { "-" };
	struct linein	*in;
	char		**v = r->o->ninputs > 0 ? r->o->inputs : dash;
	int		  i, n = r->o->ninputs > 0 ? r->o->ninputs : 1;

	for (i = 0; i < n && reading(r, 0); i++) {
		if ((in = linein_open(v[i])) == NULL) {
			fprintf(stderr, "axlog-send: %s: %s\n", v[i],
			    strerror(errno));
			r->no_input = 1;
			continue;
		}
		(void)read_source(r, in, 0);	/* failures are in r */
		linein_free(in);
	}
	flush(r, 0);
}

/* See run.h; the order is axlog-send(1)'s EXIT STATUS. */
int
run_exit_code(const struct run *r)
{
	if (r->fatal != 0)
		return r->fatal;
	switch (r->failed) {
	case DELIVER_FAILED:
		return EX_SOFTWARE;
	case DELIVER_NOPERM:
		return EX_NOPERM;
	case DELIVER_PROTOCOL:
		return EX_PROTOCOL;
	case DELIVER_TEMPFAIL:
	case DELIVER_INTERRUPTED:
		return EX_TEMPFAIL;
	case DELIVER_DONE:
		break;
	}
	if (r->no_input)
		return EX_NOINPUT;
	if (r->bad > 0 || r->d.refused > 0)
		return EX_DATAERR;
	return EX_OK;
}

void
run_summary(const struct run *r)
{
	if (r->kept_later > 0)
		fprintf(stderr, "axlog-send: %zu more events kept in %s, not "
		    "tried after the failure\n", r->kept_later,
		    r->o->spool_dir);
	if (!r->o->verbose)
		return;
	fprintf(stderr, "axlog-send: %zu events read: %zu stored, %zu "
	    "duplicates, %zu bad, %zu refused, %zu kept in the spool, %zu "
	    "not sent; %zu requests\n", r->read, r->d.accepted,
	    r->d.duplicates, r->bad, r->d.refused, r->kept + r->kept_later,
	    r->unsent, r->d.requests);
}

int
run_new(const struct options *o, const char *key,
    const volatile sig_atomic_t *stop, struct run **rp)
{
	struct run	*r;
	enum spool_res	 sres;
	int		 rc = EX_SOFTWARE;

	if ((*rp = r = calloc(1, sizeof(*r))) == NULL)
		goto fail;
	r->o = o;
	r->stop = stop;
	r->d.max_time = o->max_time;
	r->d.gzip = o->gzip;
	r->d.verbose = o->verbose;
	r->d.stop = stop;
	if ((r->batch = batch_new((size_t)o->batch, RUN_MAX_BODY)) == NULL ||
	    (r->d.http = http_new(o->url, key, stop)) == NULL)
		goto fail;
	if (o->spool_dir != NULL &&
	    (sres = spool_open(o->spool_dir, &r->spool)) != SPOOL_OK) {
		if (sres == SPOOL_ERR_UNSAFE)
			fprintf(stderr, "axlog-send: %s: refused as a spool: "
			    "not owned by this user, or writable by group "
			    "or others\n", o->spool_dir);
		else
			fprintf(stderr, "axlog-send: %s: %s\n", o->spool_dir,
			    strerror(errno));
		rc = sres == SPOOL_ERR_UNSAFE ? EX_NOPERM : EX_IOERR;
		goto out;
	}
	return 0;
fail:
	fprintf(stderr, "axlog-send: cannot set up: %s\n", strerror(errno));
out:
	run_free(r);
	*rp = NULL;
	return rc;
}

void
run_spool(struct run *r)
{
	if (r->spool == NULL)
		return;
	if (spool_owner(r->spool))
		resend_spool(r);
	else if (r->o->verbose)
		fprintf(stderr, "axlog-send: %s: another run is sending its "
		    "files; only adding to it\n", r->o->spool_dir);
}

void
run_free(struct run *r)
{
	if (r == NULL)
		return;
	batch_free(r->batch);
	http_free(r->d.http);
	spool_free(r->spool);
	free(r);
}
