/*
 * notice.c: the forms of an alert notice.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "jsonfmt.h"
#include "notice.h"
#include "timefmt.h"

#define NOTICE_TEXT_LEN	512
#define NOTICE_MAIL_MAX	4096

static int
firing(const struct notice *n)
{
	return strcmp(n->transition, "firing") == 0;
}

void
notice_id(const struct notice *n, char out[NOTICE_ID_LEN])
{
	snprintf(out, NOTICE_ID_LEN, "%s:%s", n->key, n->transition);
}

/* "error rate 0.2 above 0.05" or "no event for 75 minutes (over 60)" */
static void
measure(const struct notice *n, char *out, size_t outsz)
{
	if (strcmp(n->type, "silent") == 0)
		snprintf(out, outsz, "no event for %.0f minutes (threshold "
		    "%.0f)", n->value, n->threshold);
	else
		snprintf(out, outsz, "error rate %.4g above %.4g", n->value,
		    n->threshold);
}

void
notice_text(const struct notice *n, char *out, size_t outsz)
{
	char	m[96], since[TIMEFMT_LEN], fired[TIMEFMT_LEN];
	char	resolved[TIMEFMT_LEN];

	measure(n, m, sizeof(m));
	timefmt_format(n->fired_us, fired);
	if (firing(n)) {
		if (n->since_us != INT64_MIN)
			timefmt_format(n->since_us, since);
		snprintf(out, outsz, "axlog: %s alert for %s (%s) firing: "
		    "%s, since %s", n->type, n->app_id, n->kind, m,
		    n->since_us != INT64_MIN ? since : fired);
		return;
	}
	timefmt_format(n->resolved_us, resolved);
	snprintf(out, outsz, "axlog: %s alert for %s (%s) resolved at %s "
	    "(fired at %s: %s)", n->type, n->app_id, n->kind, resolved, fired,
	    m);
}

/* The string of o, malloc'd; o is freed. */
static char *
json_dup(struct json_object *o)
{
	char	*s;

	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

char *
notice_json(const struct notice *n)
{
	struct json_object	*o = json_object_new_object(), *a;
	char			 id[NOTICE_ID_LEN], text[NOTICE_TEXT_LEN];

	notice_id(n, id);
	notice_text(n, text, sizeof(text));
	a = json_object_new_object();
	json_object_object_add(a, "type", json_object_new_string(n->type));
	json_object_object_add(a, "app_id",
	    json_object_new_string(n->app_id));
	json_object_object_add(a, "kind", json_object_new_string(n->kind));
	json_object_object_add(a, "value", jsonfmt_rounded(n->value, 4));
	json_object_object_add(a, "threshold",
	    jsonfmt_rounded(n->threshold, 4));
	json_object_object_add(a, "since", jsonfmt_time(n->since_us));
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "status",
	    json_object_new_string(n->transition));
	json_object_object_add(o, "alert", a);
	json_object_object_add(o, "fired_at", jsonfmt_time(n->fired_us));
	json_object_object_add(o, "resolved_at",
	    jsonfmt_time(n->resolved_us));
	json_object_object_add(o, "text", json_object_new_string(text));
	return json_dup(o);
}

char *
notice_body(const struct notice *n, enum notify_format f,
    const char **content_type)
{
	struct json_object	*o;
	char			 text[NOTICE_TEXT_LEN];

	switch (f) {
	case NOTIFY_SLACK:
		notice_text(n, text, sizeof(text));
		o = json_object_new_object();
		json_object_object_add(o, "text",
		    json_object_new_string(text));
		*content_type = "application/json";
		return json_dup(o);
	case NOTIFY_NTFY:
		notice_text(n, text, sizeof(text));
		*content_type = "text/plain; charset=utf-8";
		return strdup(text);
	case NOTIFY_JSON:
	default:
		*content_type = "application/json";
		return notice_json(n);
	}
}

void
notice_ntfy_headers(const struct notice *n, char title[160],
    char priority[32], char tags[64])
{
	snprintf(title, 160, "Title: axlog: %s %s %s", n->app_id, n->type,
	    n->transition);
	snprintf(priority, 32, "Priority: %s", firing(n) ? "high" : "default");
	snprintf(tags, 64, "Tags: %s", firing(n) ? "warning" :
	    "white_check_mark");
}

/* RFC 5322 date of now_s, in UTC. */
static void
mail_date(int64_t now_s, char out[64])
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed",
	    "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t		t = (time_t)now_s;
	struct tm	tm;

	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(out, 64, "Thu, 01 Jan 1970 00:00:00 +0000");
		return;
	}
	snprintf(out, 64, "%s, %02d %s %04d %02d:%02d:%02d +0000",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

char *
notice_mail(const struct notice *n, const struct notify_target *t,
    int64_t now_s)
{
	char	*m, date[64], text[NOTICE_TEXT_LEN];
	size_t	 i, len = 0;
	int	 k;

	if ((m = malloc(NOTICE_MAIL_MAX)) == NULL)
		return NULL;
	mail_date(now_s, date);
	notice_text(n, text, sizeof(text));
	k = snprintf(m, NOTICE_MAIL_MAX, "From: %s\nTo: ",
	    t->from != NULL ? t->from : "axlog");
	for (i = 0; k > 0 && (size_t)k < NOTICE_MAIL_MAX - len &&
	    i < t->nrcpts; i++) {
		len += (size_t)k;
		k = snprintf(m + len, NOTICE_MAIL_MAX - len, "%s%s",
		    i ? ", " : "", t->rcpts[i]);
	}
	if (k > 0 && (size_t)k < NOTICE_MAIL_MAX - len) {
		len += (size_t)k;
		k = snprintf(m + len, NOTICE_MAIL_MAX - len,
		    "\nSubject: [axlog] %s: %s alert for %s\n"
		    "Date: %s\nMessage-ID: <%s.%s@axlog>\n"
		    "Auto-Submitted: auto-generated\nMIME-Version: 1.0\n"
		    "Content-Type: text/plain; charset=UTF-8\n"
		    "Content-Transfer-Encoding: 8bit\n\n%s\n",
		    firing(n) ? "FIRING" : "RESOLVED", n->type, n->app_id,
		    date, n->key, n->transition, text);
	}
	if (k < 0 || (size_t)k >= NOTICE_MAIL_MAX - len) {
		free(m);
		return NULL;
	}
	return m;
}
