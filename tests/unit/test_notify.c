/*
 * test_notify.c: the target file of alert delivery (every key, the
 * defaults, and each refusal naming its line) and the forms of a notice
 * (the documented JSON body, Slack's and ntfy's, the mail message).
 */
#include <string.h>

#include <criterion/criterion.h>
#include <json-c/json.h>

#include "notice.h"
#include "notify_conf.h"

static struct notify_conf	conf;

static void
free_conf(void)
{
	notify_conf_free(&conf);
}

/* The reason text gives for refusing, "" when it parses. */
static const char *
refusal(const char *text)
{
	static char	err[256];

	err[0] = '\0';
	if (notify_conf_parse(&conf, text, err, sizeof(err)) == 0)
		err[0] = '\0';
	notify_conf_free(&conf);
	return err;
}

TestSuite(notify_conf, .fini = free_conf);

Test(notify_conf, every_key)
{
	char			 err[256];
	struct notify_target	*t;
	const char		*text =
	    "# targets\n"
	    "\n"
	    "[ops-hook]\n"
	    "type = webhook\n"
	    "  url = https://hooks.example.com/a?b=c#frag  \n"
	    "format = slack\n"
	    "header = Authorization: Bearer x=y\n"
	    "header = X-Extra: 1\n"
	    "timeout = 30\n"
	    "[mail.1]\n"
	    "type = email\n"
	    "to = a@example.com, b@example.org c@example.net\n"
	    "from = axlog@example.com\n";

	cr_assert_eq(notify_conf_parse(&conf, text, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert_eq(conf.ntargets, 2);
	t = &conf.targets[0];
	cr_assert_str_eq(t->name, "ops-hook");
	cr_assert_eq(t->type, NOTIFY_WEBHOOK);
	cr_assert_str_eq(t->url, "https://hooks.example.com/a?b=c#frag");
	cr_assert_eq(t->format, NOTIFY_SLACK);
	cr_assert_eq(t->nheaders, 2);
	cr_assert_str_eq(t->headers[0], "Authorization: Bearer x=y");
	cr_assert_eq(t->timeout_s, 30);
	t = &conf.targets[1];
	cr_assert_str_eq(t->name, "mail.1");
	cr_assert_eq(t->type, NOTIFY_EMAIL);
	cr_assert_eq(t->nrcpts, 3);
	cr_assert_str_eq(t->rcpts[2], "c@example.net");
	cr_assert_str_eq(t->from, "axlog@example.com");
	cr_assert_str_eq(t->sendmail, NOTIFY_DEFAULT_SENDMAIL);
	cr_assert_eq(t->timeout_s, NOTIFY_TIMEOUT_S);
}

Test(notify_conf, empty_file_has_no_target)
{
	char	err[64];

	cr_assert_eq(notify_conf_parse(&conf, "# nothing\n", err,
	    sizeof(err)), 0);
	cr_assert_eq(conf.ntargets, 0);
}

Test(notify_conf, refusals_name_their_line)
{
	cr_assert_str_eq(refusal("url = http://x/\n"),
	    "line 1: \"url\" before the first [target]");
	cr_assert_str_eq(refusal("[a]\ntype = pager\n"),
	    "line 2: type must be webhook or email");
	cr_assert_str_eq(refusal("[a]\ntype = webhook\nurl = ftp://x/\n"),
	    "line 3: url must be http:// or https:// without spaces");
	cr_assert_str_eq(refusal("[a]\ntype = webhook\nurl = http://x/ y\n"),
	    "line 3: url must be http:// or https:// without spaces");
	cr_assert_str_eq(refusal("[a]\ntype = webhook\n"),
	    "line 1: [a]: a webhook needs a url");
	cr_assert_str_eq(refusal("[a]\nurl = http://x/\n"),
	    "line 1: [a] has no type");
	cr_assert_str_eq(refusal("[a]\ntype = email\n"),
	    "line 1: [a]: email needs to");
	cr_assert_str_eq(refusal("[a]\ntype = email\nto = -oQ@x.y\n"),
	    "line 3: not an address: -oQ@x.y");
	cr_assert_str_eq(refusal("[a]\ntype = email\nto = a@b.c\n"
	    "url = http://x/\n"),
	    "line 1: [a]: url, format and header are for webhooks");
	cr_assert_str_eq(refusal("[a]\ntype = webhook\nurl = http://x/\n"
	    "to = a@b.c\n"), "line 1: [a]: to, from and sendmail are for email");
	cr_assert_str_eq(refusal("[a]\ntype = webhook\nurl = http://x/\n"
	    "[a]\n"), "line 4: target [a] twice");
	cr_assert_str_eq(refusal("[A]\n"),
	    "line 1: target name must match ^[a-z0-9][a-z0-9_.-]{0,63}$");
	cr_assert_str_eq(refusal("[a]\ntimeout = 0\n"),
	    "line 2: timeout must be 1 to 300 seconds");
	cr_assert_str_eq(refusal("[a]\ncolour = red\n"),
	    "line 2: unknown key \"colour\"");
	cr_assert_str_eq(refusal("[a]\nheader = Bad Name: x\n"),
	    "line 2: header must be \"Name: value\"");
	cr_assert_str_eq(refusal("[a]\nsendmail = sendmail\n"),
	    "line 2: sendmail must be an absolute path");
	cr_assert_str_eq(refusal("[a]\njust words\n"),
	    "line 2: expected [target] or key = value");
}

static const struct notice firing = {
	.key = "7c0e4b1e-3f0a-4d55-9a52-0d1f3b6c2a10",
	.transition = "firing", .type = "error_rate", .app_id = "shop",
	.kind = "heavy", .value = 0.43333, .threshold = 0.2,
	.since_us = INT64_C(1764784800000000),		/* 2025-12-03T18:00Z */
	.fired_us = INT64_C(1764787262118306),
	.resolved_us = INT64_MIN,
};

Test(notice, json_body_is_the_documented_one)
{
	struct json_object	*o, *a, *v;
	char			*s;

	s = notice_json(&firing);
	cr_assert_not_null(s);
	o = json_tokener_parse(s);
	cr_assert_not_null(o, "%s", s);
	cr_assert(json_object_object_get_ex(o, "id", &v));
	cr_assert_str_eq(json_object_get_string(v),
	    "7c0e4b1e-3f0a-4d55-9a52-0d1f3b6c2a10:firing");
	cr_assert(json_object_object_get_ex(o, "status", &v));
	cr_assert_str_eq(json_object_get_string(v), "firing");
	cr_assert(json_object_object_get_ex(o, "resolved_at", &v));
	cr_assert_null(v);
	cr_assert(json_object_object_get_ex(o, "fired_at", &v));
	cr_assert_str_eq(json_object_get_string(v),
	    "2025-12-03T18:41:02.118306Z");
	cr_assert(json_object_object_get_ex(o, "alert", &a));
	cr_assert(json_object_object_get_ex(a, "app_id", &v));
	cr_assert_str_eq(json_object_get_string(v), "shop");
	cr_assert(json_object_object_get_ex(a, "value", &v));
	cr_assert_float_eq(json_object_get_double(v), 0.4333, 1e-9);
	cr_assert(json_object_object_get_ex(a, "since", &v));
	cr_assert_str_eq(json_object_get_string(v), "2025-12-03T18:00:00Z");
	cr_assert(json_object_object_get_ex(o, "text", &v));
	cr_assert_str_eq(json_object_get_string(v), "axlog: error_rate alert "
	    "for shop (heavy) firing: error rate 0.4333 above 0.2, since "
	    "2025-12-03T18:00:00Z");
	json_object_put(o);
	free(s);
}

Test(notice, slack_and_ntfy_forms)
{
	const char	*ctype;
	char		*s, title[160], pr[32], tags[64];

	s = notice_body(&firing, NOTIFY_SLACK, &ctype);
	cr_assert_str_eq(ctype, "application/json");
	cr_assert_eq(strncmp(s, "{\"text\":\"axlog: error_rate alert for shop",
	    40), 0, "%s", s);
	free(s);
	s = notice_body(&firing, NOTIFY_NTFY, &ctype);
	cr_assert_str_eq(ctype, "text/plain; charset=utf-8");
	cr_assert_eq(strncmp(s, "axlog: error_rate alert for shop", 32), 0);
	free(s);
	notice_ntfy_headers(&firing, title, pr, tags);
	cr_assert_str_eq(title, "Title: axlog: shop error_rate firing");
	cr_assert_str_eq(pr, "Priority: high");
	cr_assert_str_eq(tags, "Tags: warning");
}

Test(notice, resolved_mail)
{
	struct notice		 n = firing;
	struct notify_target	 t = { .type = NOTIFY_EMAIL, .nrcpts = 2 };
	char			*m;
	char			 a[] = "a@example.com", b[] = "b@example.com";

	n.transition = "resolved";
	n.resolved_us = n.fired_us + INT64_C(600000000);
	t.rcpts[0] = a;
	t.rcpts[1] = b;
	m = notice_mail(&n, &t, 1764787862);
	cr_assert_not_null(m);
	cr_assert_not_null(strstr(m, "From: axlog\nTo: a@example.com, "
	    "b@example.com\nSubject: [axlog] RESOLVED: error_rate alert for "
	    "shop\nDate: Wed, 03 Dec 2025 18:51:02 +0000\nMessage-ID: "
	    "<7c0e4b1e-3f0a-4d55-9a52-0d1f3b6c2a10.resolved@axlog>\n"), "%s",
	    m);
	cr_assert_not_null(strstr(m, "\n\naxlog: error_rate alert for shop "
	    "(heavy) resolved at 2025-12-03T18:51:02.118306Z (fired at "
	    "2025-12-03T18:41:02.118306Z: error rate 0.4333 above 0.2)\n"),
	    "%s", m);
	free(m);
}
