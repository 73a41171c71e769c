/*
 * readauth.h: who may read.  A read key as Bearer (or X-API-Key), or HTTP
 * Basic with the token as password (RFC 7617) so a browser typing the
 * URL gets a login prompt.  A 401 answers Basic to a request without
 * credentials or with Basic ones, and Bearer otherwise, so the
 * dashboard's own fetch() never pops the browser's dialog.
 */
#ifndef AXLOG_READAUTH_H
#define AXLOG_READAUTH_H

#include "db.h"
#include "req.h"
#include "resp.h"
#include "stats_params.h"

#define READAUTH_STMT { "read_key", "SELECT app_id FROM axlog.api_keys " \
	"WHERE token_sha256 = $1::bytea AND scope = 'read' " \
	"AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())", \
	1 }

struct reader {
	int	all_apps;	/* a key bound to no app */
	char	app[65];	/* else its app */
};

/*
 * Authenticate r with a read key.  AX_OK fills who; anything else has
 * been answered (401 with the right challenge, or 503).
 */
enum ax_err	readauth_check(struct db *db, const struct req *r,
		    struct resp *p, struct reader *who);

/*
 * Narrow p's apps to what who may read: an app-bound key asking for
 * nothing gets its app, asking for another gets 403 (answered).
 */
enum ax_err	readauth_scope(const struct reader *who,
		    struct stats_params *p, struct resp *resp);

#endif
