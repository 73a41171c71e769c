/*
 * jsonfmt.h: the JSON values axlog's responses share: times as RFC 3339
 * UTC strings, numbers rounded for people, int8 columns from libpq.
 */
#ifndef AXLOG_JSONFMT_H
#define AXLOG_JSONFMT_H

#include <stdint.h>

#include <json-c/json.h>
#include <libpq-fe.h>

/* A string "YYYY-MM-DDThh:mm:ss[.ffffff]Z", or NULL for INT64_MIN. */
struct json_object	*jsonfmt_time(int64_t us);
/* A double printed with digits decimals. */
struct json_object	*jsonfmt_rounded(double v, int digits);
/* A double printed with digits significant digits (small values too). */
struct json_object	*jsonfmt_significant(double v, int digits);
/* An int8 column of row i, or fallback when NULL. */
int64_t			 jsonfmt_col_int(const PGresult *r, int row, int col,
			    int64_t fallback);

#endif
