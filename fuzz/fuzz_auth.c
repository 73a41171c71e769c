/*
 * fuzz_auth: the Authorization and X-API-Key header parser (Bearer,
 * Basic, anything else), split at the first NUL of the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct auth_cred	 c;
	char			*buf, *second;

	if (size > 16384 || (buf = malloc(size + 2)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = buf[size + 1] = '\0';
	second = buf + strlen(buf) + 1;
	auth_from_headers(buf, *second ? second : NULL, &c);
	if (c.well_formed && !token_well_formed(c.token, strlen(c.token)))
		abort();
	auth_from_headers(NULL, buf, &c);
	free(buf);
	return 0;
}
