/*
 * loki.h: POST /loki/api/v1/push, Grafana Loki's push API in its JSON
 * form: each value [nanoseconds, line] or [nanoseconds, line,
 * {structured metadata}] of each stream is one event, its stream's
 * labels in the metadata (see the mapping in loki.c and the README).
 * 204 when every line is stored; 200 with {"rejected": N, "message"}
 * when some were refused and the rest stored (Loki answers 400 there,
 * which winston-loki would resend for ever).
 */
#ifndef AXLOG_LOKI_H
#define AXLOG_LOKI_H

#include <stddef.h>

#include "ship.h"

#define LOKI_MAX_DEPTH	16

extern const struct ship_proto	loki_proto;

/* The lines of a push body, mapped, to t (as otlp_parse_body). */
enum ax_err	loki_parse_body(const char *body, size_t len,
		    struct ship_tally *t, char *msg, size_t size);

#endif
