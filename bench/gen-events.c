/*
 * gen-events: synthetic axlog events for the benchmark (bench/run).
 *
 *   gen-events copy N [options]    N rows for COPY axlog.logs FROM STDIN
 *                                  (text format, all 13 columns)
 *   gen-events json N [options]    one /ingest body: a JSON array of N events
 *   gen-events ndjson N [options]  one /ingest body: N lines of NDJSON
 *   gen-events lines N [options]   N single-event bodies, one per line
 *   gen-events values N [options]  one INSERT ... VALUES of N rows, as the
 *                                  ingest statement inserts them (pgbench)
 *   gen-events apps                the apps of the data set: NAME KIND
 *
 * Options:
 *   --seed S          random seed (default 1); the output is a function of
 *                     the arguments only
 *   --app NAME        every event belongs to NAME (copy, values); default:
 *                     the data set's apps, weighted
 *   --span SECONDS    copy: created_at lies in [now - SECONDS, now - 60 s]
 *                     (default 90 days less 12 hours)
 *   --now EPOCH       copy: "now" (default: the current time)
 *   --from EPOCH --to EPOCH
 *                     copy: created_at lies in [from, to) instead
 *
 * The model: six apps of three kinds, each with its own mix of event
 * types; each type has its own share, error rate, latency (log-normal
 * around a median) and fields (user, address, message, metadata).
 * Traffic follows the clock: the quietest hour gets a tenth of the
 * busiest.  Bodies carry neither id nor created_at: the server stamps
 * them, as for most clients.
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct etype {
	const char	*name;
	double		 share;		/* within its app */
	double		 median_ms;	/* 0: no duration */
	double		 error_rate;
	int		 user;		/* carries user_id */
	int		 ip;		/* carries ip_address */
	const char	*subtypes;	/* space-separated, or NULL */
	const char	*message;	/* printf format taking one int, or NULL */
	const char	*error_message;	/* when it fails */
	int		 meta;		/* metadata kind, 0: none */
};

struct app {
	const char		*name;
	const char		*kind;
	double			 share;
	const struct etype	*types;
	int			 ntypes;
};

static const struct etype shop[] = {
	{ "page.view", 0.50, 35, 0.005, 1, 1, NULL, "GET /products/%d",
	  "GET /products: 500", 1 },
	{ "api.request", 0.25, 90, 0.02, 1, 1, "GET POST PUT DELETE",
	  "/api/v2/items/%d", "upstream timeout", 1 },
	{ "cart.add", 0.10, 20, 0.01, 1, 0, NULL, "item %d",
	  "item out of stock", 2 },
	{ "checkout", 0.05, 400, 0.04, 1, 1, "card paypal", "order %d",
	  "payment declined", 2 },
	{ "search", 0.10, 60, 0.01, 0, 1, NULL, "q=shoes size %d",
	  "search backend unavailable", 0 },
};
static const struct etype accounts[] = {
	{ "user.login", 0.40, 80, 0.06, 1, 1, "password sso", NULL,
	  "invalid credentials", 3 },
	{ "user.logout", 0.15, 10, 0.0, 1, 0, NULL, NULL, NULL, 0 },
	{ "token.refresh", 0.35, 15, 0.01, 1, 0, NULL, NULL,
	  "refresh token expired", 0 },
	{ "password.reset", 0.10, 200, 0.03, 1, 1, NULL, "reset mail %d",
	  "mail relay refused", 0 },
};
static const struct etype billing[] = {
	{ "invoice.create", 0.30, 250, 0.02, 1, 0, NULL, "invoice %d",
	  "tax rate missing", 2 },
	{ "payment.charge", 0.40, 800, 0.05, 1, 0, "card sepa", "charge %d",
	  "card declined: insufficient funds", 2 },
	{ "webhook.stripe", 0.30, 50, 0.01, 0, 1, "charge.succeeded "
	  "invoice.paid customer.updated", NULL, "signature mismatch", 1 },
};
static const struct etype blog[] = {
	{ "page.view", 0.80, 25, 0.002, 0, 1, NULL, "GET /posts/%d",
	  "GET /posts: 404", 1 },
	{ "comment.post", 0.15, 60, 0.03, 1, 1, NULL, "comment on post %d",
	  "spam filter rejected", 0 },
	{ "rss.fetch", 0.05, 5, 0.0, 0, 1, NULL, NULL, NULL, 0 },
};
static const struct etype mailer[] = {
	{ "mail.send", 0.70, 300, 0.02, 1, 0, "welcome receipt digest",
	  "message %d queued", "SMTP 451 try again later", 0 },
	{ "mail.bounce", 0.20, 0, 1.0, 1, 0, "hard soft", NULL,
	  "550 mailbox unavailable", 0 },
	{ "queue.flush", 0.10, 1500, 0.01, 0, 0, NULL, "%d messages",
	  "queue locked", 0 },
};
static const struct etype cron[] = {
	{ "job.run", 0.60, 5000, 0.08, 0, 0, "reindex cleanup digest",
	  "exit 0 after %d s", "exit 1: timeout", 4 },
	{ "backup.run", 0.10, 60000, 0.03, 0, 0, NULL, "%d MB written",
	  "disk full", 4 },
	{ "maintain", 0.30, 900, 0.01, 0, 0, NULL, NULL, "lock timeout", 0 },
};

#define N(a)	((int)(sizeof(a) / sizeof((a)[0])))

static const struct app apps[] = {
	{ "shop", "heavy", 0.35, shop, N(shop) },
	{ "accounts", "parent", 0.20, accounts, N(accounts) },
	{ "billing", "heavy", 0.10, billing, N(billing) },
	{ "blog", "lightweight", 0.15, blog, N(blog) },
	{ "mailer", "lightweight", 0.12, mailer, N(mailer) },
	{ "cron", "lightweight", 0.08, cron, N(cron) },
};

/* Relative traffic of each UTC hour: quiet at night, busy by day. */
static const double hour_weight[24] = {
	0.20, 0.15, 0.12, 0.10, 0.10, 0.15, 0.30, 0.55, 0.80, 0.95, 1.00,
	1.00, 0.95, 1.00, 1.00, 0.95, 0.90, 0.85, 0.80, 0.75, 0.65, 0.50,
	0.40, 0.30,
};

static uint64_t rng_state;

static uint64_t
rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

/* Uniform in [0, 1). */
static double
unif(void)
{
	return (double)(rnd() >> 11) * (1.0 / 9007199254740992.0);
}

static double
gauss(void)
{
	double	u = unif(), v = unif();

	return sqrt(-2.0 * log(u + 1e-300)) * cos(2.0 * M_PI * v);
}

static void
uuid(char out[37], uint64_t a, uint64_t b)
{
	a = (a & UINT64_C(0xffffffffffff0fff)) | UINT64_C(0x4000);
	b = (b & UINT64_C(0x3fffffffffffffff)) | UINT64_C(0x8000000000000000);
	snprintf(out, 37, "%08" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%04"
	    PRIx64 "-%012" PRIx64, a >> 32, (a >> 16) & 0xffff, a & 0xffff,
	    b >> 48, b & UINT64_C(0xffffffffffff));
}

/* One of the words of a space-separated list. */
static void
pick_word(const char *list, char *out, size_t size)
{
	const char	*p = list;
	int		 n = 1, k, i;
	size_t		 len;

	for (i = 0; list[i] != '\0'; i++)
		n += list[i] == ' ';
	k = (int)(unif() * n);
	for (i = 0; i < k; i++)
		p = strchr(p, ' ') + 1;
	len = strcspn(p, " ");
	if (len >= size)
		len = size - 1;
	memcpy(out, p, len);
	out[len] = '\0';
}

static const struct app *
pick_app(void)
{
	double	x = unif(), acc = 0;
	int	i;

	for (i = 0; i < N(apps) - 1; i++) {
		acc += apps[i].share;
		if (x < acc)
			break;
	}
	return &apps[i];
}

static const struct etype *
pick_type(const struct app *a)
{
	double	x = unif(), acc = 0;
	int	i;

	for (i = 0; i < a->ntypes - 1; i++) {
		acc += a->types[i].share;
		if (x < acc)
			break;
	}
	return &a->types[i];
}

/* An event, its fields as text; NULL members are absent. */
struct event {
	const char	*app;
	const char	*type;
	char		 subtype[32];
	char		 user[37];
	char		 fingerprint[24];
	char		 ip[48];
	int		 success;
	int		 has_duration;
	double		 duration_ms;
	char		 message[96];
	char		 metadata[160];
	int		 has_subtype, has_user, has_fp, has_ip, has_msg, has_meta;
};

static void
make_event(struct event *e, const struct app *a)
{
	const struct etype	*t = pick_type(a);
	int			 n = (int)(unif() * 5000), u;

	memset(e, 0, sizeof(*e));
	e->app = a->name;
	e->type = t->name;
	e->success = unif() >= t->error_rate;
	if (t->subtypes != NULL) {
		pick_word(t->subtypes, e->subtype, sizeof(e->subtype));
		e->has_subtype = 1;
	}
	if (t->user && unif() < 0.9) {
		/* A pool of 20000 users; some are far busier than others. */
		u = (int)(20000 * pow(unif(), 3));
		uuid(e->user, UINT64_C(0x9e3779b97f4a7c15) * (uint64_t)(u + 1),
		    UINT64_C(0xc2b2ae3d27d4eb4f) * (uint64_t)(u + 7));
		e->has_user = 1;
	}
	if (t->ip) {
		if (unif() < 0.15)
			snprintf(e->ip, sizeof(e->ip), "2001:db8:%x::%x",
			    (unsigned)(rnd() & 0xffff), (unsigned)(rnd() & 0xfff));
		else
			snprintf(e->ip, sizeof(e->ip), "198.51.%u.%u",
			    (unsigned)(rnd() % 256), (unsigned)(1 + rnd() % 254));
		e->has_ip = 1;
	}
	if (t->median_ms > 0) {
		/* Log-normal, sigma 0.8; failures take longer. */
		e->duration_ms = t->median_ms * exp(0.8 * gauss()) *
		    (e->success ? 1.0 : 2.5);
		e->duration_ms = round(e->duration_ms * 1000) / 1000;
		e->has_duration = 1;
	}
	if (!e->success && t->error_message != NULL) {
		snprintf(e->message, sizeof(e->message), "%s",
		    t->error_message);
		e->has_msg = 1;
		snprintf(e->fingerprint, sizeof(e->fingerprint), "%s-%04x",
		    t->name, (unsigned)(rnd() % 24));
		e->has_fp = 1;
	} else if (t->message != NULL) {
		snprintf(e->message, sizeof(e->message), t->message, n);
		e->has_msg = 1;
	}
	switch (t->meta) {
	case 1:
		snprintf(e->metadata, sizeof(e->metadata),
		    "{\"status\": %d, \"bytes\": %d, \"ua\": \"%s\"}",
		    e->success ? 200 : 500, 200 + (int)(unif() * 40000),
		    unif() < 0.7 ? "Mozilla/5.0" : "curl/7.88.1");
		break;
	case 2:
		snprintf(e->metadata, sizeof(e->metadata),
		    "{\"amount_cents\": %d, \"currency\": \"EUR\", "
		    "\"items\": %d}", 100 + (int)(unif() * 50000),
		    1 + (int)(unif() * 6));
		break;
	case 3:
		snprintf(e->metadata, sizeof(e->metadata),
		    "{\"mfa\": %s, \"client\": \"%s\"}",
		    unif() < 0.3 ? "true" : "false",
		    unif() < 0.5 ? "web" : "ios");
		break;
	case 4:
		snprintf(e->metadata, sizeof(e->metadata),
		    "{\"host\": \"worker-%d\", \"attempt\": %d}",
		    1 + (int)(unif() * 3), 1 + (int)(unif() * 2));
		break;
	}
	e->has_meta = t->meta != 0;
}

static void
fmt_time(char *out, size_t size, int64_t us)
{
	time_t		s = (time_t)(us / 1000000);
	struct tm	tm;

	gmtime_r(&s, &tm);
	snprintf(out, size, "%04d-%02d-%02d %02d:%02d:%02d.%06d+00",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(us % 1000000));
}

/* A created_at in [lo, hi], following the clock's traffic curve. */
static int64_t
pick_time(int64_t lo, int64_t hi)
{
	int64_t	t;
	int	h;

	for (;;) {
		t = lo + (int64_t)(unif() * (double)(hi - lo));
		h = (int)((t / 1000000 / 3600) % 24);
		if (unif() < hour_weight[h])
			return t;
	}
}

#define OPT(s, v)	((s) ? (v) : "\\N")

static void
copy_rows(long n, const char *app, int64_t lo_us, int64_t hi_us)
{
	struct event	e;
	const struct app *a;
	struct app	one;
	char		id[37], created[64], received[64], dur[32];
	int64_t		t;
	long		i;

	for (i = 0; i < n; i++) {
		a = pick_app();
		if (app != NULL) {
			one = *a;
			one.name = app;
			a = &one;
		}
		make_event(&e, a);
		uuid(id, rnd(), rnd());
		t = pick_time(lo_us, hi_us - 1);
		fmt_time(created, sizeof(created), t);
		fmt_time(received, sizeof(received),
		    t + (int64_t)(unif() * 2e6));
		snprintf(dur, sizeof(dur), "%.3f", e.duration_ms);
		printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
		    id, e.app, created, received, e.type,
		    OPT(e.has_subtype, e.subtype), OPT(e.has_user, e.user),
		    OPT(e.has_fp, e.fingerprint), OPT(e.has_ip, e.ip),
		    e.success ? "t" : "f", OPT(e.has_duration, dur),
		    OPT(e.has_msg, e.message), OPT(e.has_meta, e.metadata));
	}
}

/* One event as a JSON object (no id, no created_at, no app_id). */
static void
json_event(FILE *f)
{
	struct event	e;

	make_event(&e, pick_app());
	fprintf(f, "{\"event_type\": \"%s\"", e.type);
	if (e.has_subtype)
		fprintf(f, ", \"event_subtype\": \"%s\"", e.subtype);
	if (e.has_user)
		fprintf(f, ", \"user_id\": \"%s\"", e.user);
	if (e.has_fp)
		fprintf(f, ", \"fingerprint\": \"%s\"", e.fingerprint);
	if (e.has_ip)
		fprintf(f, ", \"ip_address\": \"%s\"", e.ip);
	if (!e.success)
		fputs(", \"success\": false", f);
	if (e.has_duration)
		fprintf(f, ", \"duration_ms\": %.3f", e.duration_ms);
	if (e.has_msg)
		fprintf(f, ", \"message\": \"%s\"", e.message);
	if (e.has_meta)
		fprintf(f, ", \"metadata\": %s", e.metadata);
	fputc('}', f);
}

#define SQLOPT(s, v, cast)	((s) ? "'" : ""), ((s) ? (v) : "NULL"), \
				((s) ? "'" cast : "")

static void
values(long n, const char *app)
{
	struct event	e;
	char		dur[32], ip[48];
	long		i;
	int		k;

	printf("INSERT INTO axlog.logs (id, app_id, created_at, event_type, "
	    "event_subtype, user_id, fingerprint, ip_address, success, "
	    "duration_ms, message, metadata) VALUES ");
	for (i = 0; i < n; i++) {
		make_event(&e, pick_app());
		snprintf(dur, sizeof(dur), "%.3f", e.duration_ms);
		/* pgbench would take ":db8" for a variable: no colons. */
		for (k = 0; e.ip[k] != '\0'; k++)
			ip[k] = e.ip[k] == ':' ? '|' : e.ip[k];
		ip[k] = '\0';
		printf("%s(gen_random_uuid(), '%s', now(), '%s', %s%s%s, "
		    "%s%s%s, %s%s%s, %s%s%s, %s, %s, %s%s%s, %s%s%s)",
		    i > 0 ? ", " : "", app, e.type,
		    SQLOPT(e.has_subtype, e.subtype, ""),
		    SQLOPT(e.has_user, e.user, "::uuid"),
		    SQLOPT(e.has_fp, e.fingerprint, ""),
		    !e.has_ip ? "" : strchr(e.ip, ':') ? "replace('" : "'",
		    e.has_ip ? ip : "NULL",
		    !e.has_ip ? "" : strchr(e.ip, ':') ? "', '|', ':')::inet" :
		    "'::inet",
		    e.success ? "true" : "false",
		    e.has_duration ? dur : "NULL",
		    SQLOPT(e.has_msg, e.message, ""),
		    SQLOPT(e.has_meta, e.metadata, "::jsonb"));
	}
	printf(" ON CONFLICT (app_id, id, created_at) DO NOTHING;\n");
}

static void
usage(void)
{
	fputs("usage: gen-events copy|json|ndjson|lines|values N "
	    "[--seed S] [--app NAME] [--span SECONDS] [--now EPOCH]\n"
	    "       [--from EPOCH --to EPOCH]\n"
	    "       gen-events apps\n", stderr);
	exit(2);
}

int
main(int argc, char **argv)
{
	const char	*mode, *app = NULL;
	long		 n, i;
	uint64_t	 seed = 1;
	int64_t		 now_us = (int64_t)time(NULL) * 1000000;
	int64_t		 span_us = (int64_t)(89 * 86400 + 12 * 3600) * 1000000;
	int64_t		 from_us = -1, to_us = -1;
	int		 k;

	if (argc >= 2 && strcmp(argv[1], "apps") == 0) {
		for (k = 0; k < N(apps); k++)
			printf("%s %s\n", apps[k].name, apps[k].kind);
		return 0;
	}
	if (argc < 3)
		usage();
	mode = argv[1];
	n = strtol(argv[2], NULL, 10);
	if (n < 0)
		usage();
	for (k = 3; k < argc; k++) {
		if (k + 1 >= argc)
			usage();
		if (strcmp(argv[k], "--seed") == 0)
			seed = strtoull(argv[++k], NULL, 10);
		else if (strcmp(argv[k], "--app") == 0)
			app = argv[++k];
		else if (strcmp(argv[k], "--span") == 0)
			span_us = strtoll(argv[++k], NULL, 10) * 1000000;
		else if (strcmp(argv[k], "--now") == 0)
			now_us = strtoll(argv[++k], NULL, 10) * 1000000;
		else if (strcmp(argv[k], "--from") == 0)
			from_us = strtoll(argv[++k], NULL, 10) * 1000000;
		else if (strcmp(argv[k], "--to") == 0)
			to_us = strtoll(argv[++k], NULL, 10) * 1000000;
		else
			usage();
	}
	if (span_us < INT64_C(120000000))
		span_us = INT64_C(120000000);
	if (from_us < 0 || to_us <= from_us) {
		from_us = now_us - span_us;
		to_us = now_us - INT64_C(60000000);
	}
	rng_state = seed * UINT64_C(0x9e3779b97f4a7c15) + 0x1234567;
	if (rng_state == 0)
		rng_state = 1;
	if (strcmp(mode, "copy") == 0) {
		copy_rows(n, app, from_us, to_us);
	} else if (strcmp(mode, "json") == 0) {
		putchar('[');
		for (i = 0; i < n; i++) {
			if (i > 0)
				putchar(',');
			json_event(stdout);
		}
		putchar(']');
	} else if (strcmp(mode, "ndjson") == 0 || strcmp(mode, "lines") == 0) {
		for (i = 0; i < n; i++) {
			json_event(stdout);
			putchar('\n');
		}
	} else if (strcmp(mode, "values") == 0) {
		values(n, app != NULL ? app : "bench-pgbench");
	} else {
		usage();
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
