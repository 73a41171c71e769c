/*
 * replica.c: reading the server's recovery state and replay lag (see
 * replica.h for what the figure means).
 */
#include <stdlib.h>
#include <string.h>

#include "jsonfmt.h"
#include "replica.h"

int
replica_read(const PGresult *r, int col, struct replica *out)
{
	const char	*v;
	char		*end;

	memset(out, 0, sizeof(*out));
	if (PQntuples(r) < 1 || PQnfields(r) < col + 2 ||
	    PQgetisnull(r, 0, col))
		return -1;
	out->standby = strcmp(PQgetvalue(r, 0, col), "t") == 0;
	if (!out->standby) {
		out->lag_known = 1;
		return 0;
	}
	if (PQgetisnull(r, 0, col + 1))
		return 0;
	v = PQgetvalue(r, 0, col + 1);
	out->lag_s = strtod(v, &end);
	if (end == v || *end != '\0' || out->lag_s < 0)
		return -1;
	out->lag_known = 1;
	return 0;
}

const char *
replica_server(const struct replica *rp)
{
	return rp->standby ? "standby" : "primary";
}

struct json_object *
replica_lag_json(const struct replica *rp)
{
	if (!rp->lag_known)
		return NULL;
	return jsonfmt_rounded(rp->lag_s, 3);
}
