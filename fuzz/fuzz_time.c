/*
 * fuzz_time: RFC 3339 parsing, relative times, and the round trip of
 * what parses through the formatter.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stats_params.h"
#include "timefmt.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	buf[128], out[TIMEFMT_LEN];
	int64_t	us, again;

	if (size >= sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if (timefmt_parse(buf, size, &us) == 0) {
		timefmt_format(us, out);
		if (timefmt_parse(out, strlen(out), &again) != 0 || again != us)
			abort();
	}
	(void)stats_params_time(buf, INT64_C(1795000000000000), &us);
	return 0;
}
