/*
 * readauth.c: read-key authentication and scoping.
 */
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "readauth.h"

static enum ax_err
unauthorized(struct resp *p, const struct auth_cred *c, const char *msg)
{
	(void)resp_header(p, "WWW-Authenticate",
	    c->scheme == AUTH_NONE || c->scheme == AUTH_BASIC ?
	    "Basic realm=\"axlog\", charset=\"UTF-8\"" :
	    "Bearer realm=\"axlog\"");
	(void)resp_error(p, AX_ERR_UNAUTHORIZED, msg, NULL);
	return AX_ERR_UNAUTHORIZED;
}

enum ax_err
readauth_check(struct db *db, const struct req *r, struct resp *p,
    struct reader *who)
{
	struct auth_cred	 c;
	const char		*params[1];
	PGresult		*res;
	enum db_err		 e;
	enum ax_err		 rc = AX_OK;

	memset(who, 0, sizeof(*who));
	auth_from_req(r, &c);
	if (!c.well_formed)
		return unauthorized(p, &c, c.scheme == AUTH_NONE ?
		    "a read key is required" : "malformed key");
	params[0] = c.hash_hex;
	if ((e = db_query(db, "read_key", 1, params, &res, DB_RETRY)) !=
	    DB_OK) {
		(void)resp_unavailable(p, "reading the key: %s", db_cause(db));
		return AX_ERR_UNAVAILABLE;
	}
	if (PQntuples(res) != 1)
		rc = unauthorized(p, &c, "unknown or revoked read key");
	else if (PQgetisnull(res, 0, 0))
		who->all_apps = 1;
	else
		snprintf(who->app, sizeof(who->app), "%s",
		    PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

enum ax_err
readauth_scope(const struct reader *who, struct stats_params *p,
    struct resp *resp)
{
	size_t	i;

	if (who->all_apps)
		return AX_OK;
	for (i = 0; i < p->napps; i++)
		if (strcmp(p->apps[i], who->app) != 0) {
			(void)resp_error(resp, AX_ERR_FORBIDDEN, "this key "
			    "reads only its own app", NULL);
			return AX_ERR_FORBIDDEN;
		}
	p->napps = 1;
	p->apps[0] = who->app;
	return AX_OK;
}
