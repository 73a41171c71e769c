/*
 * fuzz_query: query strings and the parameters of /stats and
 * /stats/logs built on them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "stats_params.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const extra[] = { "limit", "cursor", NULL };
	struct stats_params	 p;
	struct query		 q;
	const char		*bad;
	char			 qs[QUERY_MAX_LEN + 2], msg[160];
	char			 apps[STATS_APPS_ARRAY_LEN];

	if (size > QUERY_MAX_LEN + 1)
		return 0;
	memcpy(qs, data, size);
	qs[size] = '\0';
	if (query_parse(qs, &q, &bad) == AX_OK) {
		if (stats_params_parse(&q, INT64_C(1795000000000000),
		    size % 2 ? STATS_RANGE_EXACT : STATS_RANGE_BUCKETS, extra,
		    &p, msg, sizeof(msg)) == AX_OK) {
			if (p.from_us >= p.to_us)
				abort();
			(void)stats_params_apps_array(&p, apps);
		}
	}
	query_free(&q);
	return 0;
}
