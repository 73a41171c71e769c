/*
 * notify_conf.c: parsing of the target file.  Lines are "[name]",
 * "key = value", blank, or comments (first non-blank character "#"; a
 * "#" later in a line is part of the value, as URLs may hold one).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify_conf.h"
#include "schema.h"
#include "settings.h"

#define CONF_MAX_BYTES	(256 * 1024)

/* Keys a section set, to check what its type needs and allows. */
#define K_URL		0x01
#define K_FORMAT	0x02
#define K_HEADER	0x04
#define K_TO		0x08
#define K_FROM		0x10
#define K_SENDMAIL	0x20

struct parser {
	struct notify_conf	*c;
	struct notify_target	*t;	/* the section being read */
	unsigned		 keys;	/* K_* of t */
	int			 line;
	char			*err;
	size_t			 errsz;
};

static int
bad(struct parser *p, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	n = snprintf(p->err, p->errsz, "line %d: ", p->line);
	if (n < 0 || (size_t)n >= p->errsz)
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errsz - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static char *
trim(char *s)
{
	char	*e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Printable ASCII or UTF-8, no control character. */
static int
clean(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/*
 * An address for sendmail's command line and the headers: local@domain
 * of letters, digits and ._%+-, never starting with "-" (an option).
 */
static int
address_ok(const char *s)
{
	const char	*at = strchr(s, '@');
	size_t		 n = strlen(s);

	if (n < 3 || n > 254 || s[0] == '-' || at == NULL || at == s ||
	    at[1] == '\0' || strchr(at + 1, '@') != NULL)
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("._%+-@", *s) == NULL)
			return 0;
	return 1;
}

/* A header line "Name: value": a token, a colon, a clean value. */
static int
header_ok(const char *s)
{
	const char	*c = strchr(s, ':');
	const char	*q;

	if (c == NULL || c == s || !clean(s))
		return 0;
	for (q = s; q < c; q++)
		if (!isalnum((unsigned char)*q) && *q != '-' && *q != '_')
			return 0;
	return 1;
}

static int
url_ok(const char *s)
{
	if (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0)
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static int
dup_into(struct parser *p, char **dst, const char *v)
{
	if ((*dst = strdup(v)) == NULL)
		return bad(p, "out of memory");
	return 0;
}

static int
set_type(struct parser *p, const char *v)
{
	if (strcmp(v, "webhook") == 0)
		p->t->type = NOTIFY_WEBHOOK;
	else if (strcmp(v, "email") == 0)
		p->t->type = NOTIFY_EMAIL;
	else
		return bad(p, "type must be webhook or email");
	return 0;
}

static int
set_format(struct parser *p, const char *v)
{
	if (strcmp(v, "json") == 0)
		p->t->format = NOTIFY_JSON;
	else if (strcmp(v, "slack") == 0)
		p->t->format = NOTIFY_SLACK;
	else if (strcmp(v, "ntfy") == 0)
		p->t->format = NOTIFY_NTFY;
	else
		return bad(p, "format must be json, slack or ntfy");
	p->keys |= K_FORMAT;
	return 0;
}

static int
set_timeout(struct parser *p, const char *v)
{
	unsigned long	n;

	if (settings_parse_ulong(v, 1, 300, &n) != 0)
		return bad(p, "timeout must be 1 to 300 seconds");
	p->t->timeout_s = (int)n;
	return 0;
}

static int
set_url(struct parser *p, const char *v)
{
	if (p->t->url != NULL)
		return bad(p, "url given twice");
	if (!url_ok(v))
		return bad(p, "url must be http:// or https:// without spaces");
	p->keys |= K_URL;
	return dup_into(p, &p->t->url, v);
}

static int
add_header(struct parser *p, const char *v)
{
	if (p->t->nheaders == NOTIFY_MAX_HEADERS)
		return bad(p, "more than %d headers", NOTIFY_MAX_HEADERS);
	if (!header_ok(v))
		return bad(p, "header must be \"Name: value\"");
	p->keys |= K_HEADER;
	return dup_into(p, &p->t->headers[p->t->nheaders++], v);
}

/* to: addresses separated by commas or blanks; may be given again. */
static int
add_rcpts(struct parser *p, char *v)
{
	char	*a, *save = NULL;

	for (a = strtok_r(v, ", \t", &save); a != NULL;
	    a = strtok_r(NULL, ", \t", &save)) {
		if (!address_ok(a))
			return bad(p, "not an address: %s", a);
		if (p->t->nrcpts == NOTIFY_MAX_RCPTS)
			return bad(p, "more than %d recipients",
			    NOTIFY_MAX_RCPTS);
		if (dup_into(p, &p->t->rcpts[p->t->nrcpts++], a) != 0)
			return -1;
	}
	p->keys |= K_TO;
	return 0;
}

static int
set_from(struct parser *p, const char *v)
{
	if (p->t->from != NULL)
		return bad(p, "from given twice");
	if (!address_ok(v))
		return bad(p, "from must be one address");
	p->keys |= K_FROM;
	return dup_into(p, &p->t->from, v);
}

static int
set_sendmail(struct parser *p, const char *v)
{
	if (p->t->sendmail != NULL)
		return bad(p, "sendmail given twice");
	if (v[0] != '/' || !clean(v))
		return bad(p, "sendmail must be an absolute path");
	p->keys |= K_SENDMAIL;
	return dup_into(p, &p->t->sendmail, v);
}

static int
key_value(struct parser *p, const char *k, char *v)
{
	if (p->t == NULL)
		return bad(p, "\"%s\" before the first [target]", k);
	if (*v == '\0')
		return bad(p, "%s has no value", k);
	if (strcmp(k, "type") == 0)
		return set_type(p, v);
	if (strcmp(k, "timeout") == 0)
		return set_timeout(p, v);
	if (strcmp(k, "url") == 0)
		return set_url(p, v);
	if (strcmp(k, "format") == 0)
		return set_format(p, v);
	if (strcmp(k, "header") == 0)
		return add_header(p, v);
	if (strcmp(k, "to") == 0)
		return add_rcpts(p, v);
	if (strcmp(k, "from") == 0)
		return set_from(p, v);
	if (strcmp(k, "sendmail") == 0)
		return set_sendmail(p, v);
	return bad(p, "unknown key \"%s\"", k);
}

/* The section just read: what its type needs, and nothing else. */
static int
finish(struct parser *p)
{
	struct notify_target	*t = p->t;
	int			 line = p->line;
	int			 rc = 0;

	if (t == NULL)
		return 0;
	p->line = t->line;
	if (t->type == 0)
		rc = bad(p, "[%s] has no type", t->name);
	else if (t->type == NOTIFY_WEBHOOK && !(p->keys & K_URL))
		rc = bad(p, "[%s]: a webhook needs a url", t->name);
	else if (t->type == NOTIFY_WEBHOOK && (p->keys & (K_TO | K_FROM |
	    K_SENDMAIL)))
		rc = bad(p, "[%s]: to, from and sendmail are for email",
		    t->name);
	else if (t->type == NOTIFY_EMAIL && !(p->keys & K_TO))
		rc = bad(p, "[%s]: email needs to", t->name);
	else if (t->type == NOTIFY_EMAIL && (p->keys & (K_URL | K_FORMAT |
	    K_HEADER)))
		rc = bad(p, "[%s]: url, format and header are for webhooks",
		    t->name);
	else if (t->type == NOTIFY_EMAIL && t->sendmail == NULL &&
	    (t->sendmail = strdup(NOTIFY_DEFAULT_SENDMAIL)) == NULL)
		rc = bad(p, "out of memory");
	p->line = line;
	return rc;
}

static int
section(struct parser *p, char *s)
{
	char	*name;
	size_t	 i, n = strlen(s);

	if (finish(p) != 0)
		return -1;
	if (s[n - 1] != ']')
		return bad(p, "a section is [name]");
	s[n - 1] = '\0';
	name = trim(s + 1);
	if (!schema_app_id_valid(name))
		return bad(p, "target name must match "
		    "^[a-z0-9][a-z0-9_.-]{0,63}$");
	for (i = 0; i < p->c->ntargets; i++)
		if (strcmp(p->c->targets[i].name, name) == 0)
			return bad(p, "target [%s] twice", name);
	if (p->c->ntargets == NOTIFY_MAX_TARGETS)
		return bad(p, "more than %d targets", NOTIFY_MAX_TARGETS);
	p->t = &p->c->targets[p->c->ntargets++];
	snprintf(p->t->name, sizeof(p->t->name), "%s", name);
	p->t->timeout_s = NOTIFY_TIMEOUT_S;
	p->t->line = p->line;
	p->keys = 0;
	return 0;
}

static int
one_line(struct parser *p, char *line)
{
	char	*s = trim(line), *eq;

	if (*s == '\0' || *s == '#')
		return 0;
	if (*s == '[')
		return section(p, s);
	if ((eq = strchr(s, '=')) == NULL)
		return bad(p, "expected [target] or key = value");
	*eq = '\0';
	return key_value(p, trim(s), trim(eq + 1));
}

int
notify_conf_parse(struct notify_conf *c, const char *text, char *err,
    size_t errsz)
{
	struct parser	 p = { .c = c, .err = err, .errsz = errsz };
	char		*buf, *line, *next;
	int		 rc = 0;

	memset(c, 0, sizeof(*c));
	if ((buf = strdup(text)) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	for (line = buf; line != NULL && rc == 0; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		p.line++;
		rc = one_line(&p, line);
	}
	if (rc == 0)
		rc = finish(&p);
	free(buf);
	return rc;
}

/* The whole file as a string; NULL with errno set. */
static char *
slurp(const char *path)
{
	FILE	*f;
	char	*buf;
	size_t	 n;
	int	 e;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	if ((buf = malloc(CONF_MAX_BYTES + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, CONF_MAX_BYTES + 1, f);
	e = ferror(f) ? EIO : n > CONF_MAX_BYTES ? EFBIG : 0;
	fclose(f);
	if (e != 0 || memchr(buf, '\0', n) != NULL) {
		free(buf);
		errno = e != 0 ? e : EINVAL;
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

int
notify_conf_load(struct notify_conf *c, const char *path, char *err,
    size_t errsz)
{
	char	*text, reason[256];
	int	 rc;

	memset(c, 0, sizeof(*c));
	if ((text = slurp(path)) == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = notify_conf_parse(c, text, reason, sizeof(reason));
	free(text);
	if (rc != 0)
		snprintf(err, errsz, "%s: %s", path, reason);
	return rc;
}

void
notify_conf_free(struct notify_conf *c)
{
	struct notify_target	*t;
	size_t			 i, j;

	for (i = 0; i < c->ntargets; i++) {
		t = &c->targets[i];
		free(t->url);
		for (j = 0; j < t->nheaders; j++) {
			explicit_bzero(t->headers[j], strlen(t->headers[j]));
			free(t->headers[j]);
		}
		for (j = 0; j < t->nrcpts; j++)
			free(t->rcpts[j]);
		free(t->from);
		free(t->sendmail);
	}
	memset(c, 0, sizeof(*c));
}
