/*
 * jsonfmt.c: shared JSON value formatting.
 */
#include <stdio.h>
#include <stdlib.h>

#include "jsonfmt.h"
#include "timefmt.h"

struct json_object *
jsonfmt_time(int64_t us)
{
	char	buf[TIMEFMT_LEN];

	if (us == INT64_MIN)
		return NULL;
	timefmt_format(us, buf);
	return json_object_new_string(buf);
}

struct json_object *
jsonfmt_rounded(double v, int digits)
{
	char	buf[48];

	snprintf(buf, sizeof(buf), "%.*f", digits, v);
	return json_object_new_double_s(v, buf);
}

struct json_object *
jsonfmt_significant(double v, int digits)
{
	char	buf[48];

	snprintf(buf, sizeof(buf), "%.*g", digits, v);
	return json_object_new_double_s(v, buf);
}

int64_t
jsonfmt_col_int(const PGresult *r, int row, int col, int64_t fallback)
{
	if (PQgetisnull(r, row, col))
		return fallback;
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}
