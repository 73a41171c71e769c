/*
 * err.h: the outcomes a request can end with.  Each value maps to exactly
 * one HTTP status and JSON error code, in resp.c's table; nothing else in
 * axlog chooses a status for an error.
 */
#ifndef AXLOG_ERR_H
#define AXLOG_ERR_H

enum ax_err {
	AX_OK = 0,
	AX_ERR_BAD_REQUEST,	/* 400 bad_request: malformed parameter or header */
	AX_ERR_BAD_CURSOR,	/* 400 bad_cursor: a cursor axlog did not make */
	AX_ERR_INVALID_JSON,	/* 400 invalid_json: body is not JSON / NDJSON */
	AX_ERR_INVALID_EVENT,	/* 400 invalid_event: an event fails validation */
	AX_ERR_INVALID_ENCODING,/* 400 invalid_encoding: bad gzip or UTF-8 */
	AX_ERR_REJECTED,	/* 400 rejected: the database refused valid-looking data */
	AX_ERR_UNAUTHORIZED,	/* 401 unauthorized: missing, unknown or revoked key */
	AX_ERR_FORBIDDEN,	/* 403 forbidden: key may not act on that app */
	AX_ERR_NOT_FOUND,	/* 404 not_found: no such path */
	AX_ERR_METHOD,		/* 405 method_not_allowed */
	AX_ERR_LENGTH_REQUIRED,	/* 411 length_required: no Content-Length */
	AX_ERR_TOO_LARGE,	/* 413 too_large: body or batch over its limit */
	AX_ERR_MEDIA_TYPE,	/* 415 unsupported_media_type */
	AX_ERR_RATE_LIMITED,	/* 429 rate_limited */
	AX_ERR_UNAVAILABLE,	/* 503 unavailable: database cannot serve now */
	AX_ERR__COUNT
};

#endif
