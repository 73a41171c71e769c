/*
 * fuzz_event: the /ingest body parser and validator, as JSON (first input
 * byte even) or NDJSON (odd), with a small batch limit so batches of
 * every size are reached.  A 503 is a walk over the text that lost its
 * way from json-c's tree (event.c), which no input may cause.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"

#define FUZZ_MAX_LEN	65536

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct event_batch	 b;
	char			*buf;
	enum ax_err		 e;

	if (size < 1 || size > FUZZ_MAX_LEN)
		return 0;
	/* The server hands the parser a NUL-terminated copy. */
	if ((buf = malloc(size)) == NULL)
		return 0;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	e = event_parse(buf, size - 1, data[0] & 1 ? BODY_NDJSON : BODY_JSON,
	    data[0] >> 1 ? (size_t)(data[0] >> 1) : 1,
	    INT64_C(1795000000000000), &b);
	if (e == AX_ERR_UNAVAILABLE)
		abort();
	if (b.rows != NULL)
		(void)json_object_to_json_string(b.rows);
	event_batch_free(&b);
	free(buf);
	return 0;
}
