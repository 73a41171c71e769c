/*
 * fuzz_gunzip: gzip inflate with the output limit (a bomb must stop at
 * the limit, broken streams must be refused, never overrun).
 */
#include <stdint.h>
#include <stdlib.h>

#include "body.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*out;
	size_t	 outlen;

	if (size > 65536)
		return 0;
	if (body_gunzip((const char *)data, size, 4096, &out, &outlen) ==
	    AX_OK) {
		if (outlen > 4096 || out[outlen] != '\0')
			abort();
		free(out);
	}
	return 0;
}
