/*
 * fuzz_ship: the shippers' adapters, OTLP/HTTP JSON (first input byte
 * even) or Loki push (odd), each mapped event checked by the /ingest
 * validator as the server does.  A tally that disagrees with what was
 * handed on, or an event the mapping builds that is not JSON, aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "loki.h"
#include "otlp.h"
#include "shipmap.h"

#define FUZZ_MAX_LEN	65536
#define FUZZ_NOW_US	INT64_C(1795000000000000)

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t	taken;

static int
add(void *arg, const char *text, size_t len, char *why, size_t size)
{
	struct event_batch	b;
	enum ax_err		e;

	(void)arg;
	e = event_parse(text, len, BODY_JSON, 1, FUZZ_NOW_US, &b);
	event_batch_free(&b);
	/* What the mapping builds is JSON of one object, always. */
	if (e == AX_ERR_INVALID_JSON || e == AX_ERR_UNAVAILABLE)
		abort();
	if (e != AX_OK) {
		strncpy(why, "refused", size);
		why[size - 1] = '\0';
		return 1;
	}
	taken++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ship_tally	 t;
	char			*buf, msg[200];
	enum ax_err		 e;

	if (size < 1 || size > FUZZ_MAX_LEN)
		return 0;
	if ((buf = malloc(size)) == NULL)
		return 0;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	taken = 0;
	ship_tally_init(&t, add, NULL, FUZZ_NOW_US, 64);
	e = data[0] & 1 ? loki_parse_body(buf, size - 1, &t, msg, sizeof(msg)) :
	    otlp_parse_body(buf, size - 1, &t, msg, sizeof(msg));
	if (e == AX_ERR_UNAVAILABLE || t.records != taken + t.refused ||
	    t.records > t.max)
		abort();
	free(buf);
	return 0;
}
