/*
 * fuzz_cursor: cursor decoding (anything a client sends) and the round
 * trip of what decodes; CSV cells of arbitrary bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "cursor.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Any fixed key: the fuzzer finds what decodes only by breaking HMAC. */
static const uint8_t key[CURSOR_KEY_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor	 c, d;
	char		 buf[256], enc[CURSOR_LEN + 1], *cell;
	size_t		 need;

	if (size >= sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if (cursor_decode(buf, key, &c) == 0) {
		if (cursor_encode(&c, key, enc) != 0 || strcmp(enc, buf) != 0 ||
		    cursor_decode(enc, key, &d) != 0 ||
		    d.created_us != c.created_us)
			abort();
	}
	need = csv_cell(buf, size, NULL, 0);
	if ((cell = malloc(need + 1)) != NULL) {
		if (csv_cell(buf, size, cell, need + 1) != need ||
		    strlen(cell) > need)
			abort();
		free(cell);
	}
	return 0;
}
