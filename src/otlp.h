/*
 * otlp.h: POST /v1/logs, OpenTelemetry's OTLP/HTTP logs in the JSON
 * encoding (an ExportLogsServiceRequest): each logRecord of each
 * scopeLogs of each resourceLogs is one event (see the mapping in
 * otlp.c and the README).  Answers as the OTLP specification says:
 * 200 with {} or a partialSuccess naming the refused records, and on an
 * error a google.rpc.Status in JSON.
 */
#ifndef AXLOG_OTLP_H
#define AXLOG_OTLP_H

#include <stddef.h>

#include "ship.h"

/* Deepest JSON an OTLP body may nest (AnyValue in AnyValue...). */
#define OTLP_MAX_DEPTH	64

extern const struct ship_proto	otlp_proto;

/*
 * The records of an OTLP JSON body, mapped, to t.  AX_OK, or
 * AX_ERR_INVALID_JSON / AX_ERR_INVALID_ENCODING (not JSON, or not an
 * ExportLogsServiceRequest), AX_ERR_TOO_LARGE (more than t->max
 * records), AX_ERR_UNAVAILABLE (memory), with msg.
 */
enum ax_err	otlp_parse_body(const char *body, size_t len,
		    struct ship_tally *t, char *msg, size_t size);

#endif
