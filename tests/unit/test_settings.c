/*
 * test_settings.c: configuration from the environment: defaults, each
 * AXLOG_* variable, size and number parsing with their bounds, the CORS
 * origin list, and the one-line reasons given for refusals.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "settings.h"

/* Load from a NULL-terminated list of "NAME=value" strings. */
static int
load(struct settings *s, char *err, size_t errsz, const char *const *vars)
{
	return settings_load(s, (char *const *)(uintptr_t)vars, err, errsz);
}

/* Load one variable and expect it refused as malformed, naming it. */
static void
assert_refused(const char *var)
{
	struct settings	 s;
	char		 err[256] = "";
	const char	*env[] = { var, NULL };
	char		 name[64];
	size_t		 n = strcspn(var, "=");

	cr_assert_lt(n, sizeof(name));
	memcpy(name, var, n);
	name[n] = '\0';
	cr_assert_eq(load(&s, err, sizeof(err), env), -1, "accepted %s", var);
	cr_assert_not_null(strstr(err, name), "\"%s\" does not name %s", err,
	    name);
	cr_assert_not_null(strstr(err, "malformed"), "reason: %s", err);
}

/* Load one variable that must be accepted. */
static void
assert_loads(struct settings *s, const char *var)
{
	char		 err[256] = "";
	const char	*env[] = { var, NULL };

	cr_assert_eq(load(s, err, sizeof(err), env), 0, "refused %s: %s", var,
	    err);
}

Test(settings, empty_environment_gives_defaults)
{
	struct settings	 s;
	char		 err[256] = "";
	const char	*env[] = { NULL };

	cr_assert_eq(load(&s, err, sizeof(err), env), 0);
	cr_assert_eq(s.max_body_bytes, (size_t)1024 * 1024);
	cr_assert_eq(s.max_batch, 1000);
	cr_assert_eq(s.db_timeout_ms, 5000);
	cr_assert_eq(s.ncors, 0);
	cr_assert_null(s.database_url);
	cr_assert_null(s.stats_database_url);
	cr_assert_null(s.admin_database_url);
	settings_free(&s);
}

Test(settings, null_environment_gives_defaults)
{
	struct settings	s;
	char		err[256] = "";

	cr_assert_eq(settings_load(&s, NULL, err, sizeof(err)), 0);
	cr_assert_eq(s.max_body_bytes, (size_t)1024 * 1024);
	cr_assert_eq(s.max_batch, 1000);
	settings_free(&s);
}

Test(settings, reads_database_url)
{
	struct settings	s;

	assert_loads(&s, "AXLOG_DATABASE_URL=postgresql:///axlog");
	cr_assert_str_eq(s.database_url, "postgresql:///axlog");
	cr_assert_null(s.stats_database_url);
	cr_assert_null(s.admin_database_url);
	settings_free(&s);
}

Test(settings, reads_stats_database_url)
{
	struct settings	s;

	assert_loads(&s, "AXLOG_STATS_DATABASE_URL=dbname=stats user=ro");
	cr_assert_str_eq(s.stats_database_url, "dbname=stats user=ro");
	cr_assert_null(s.database_url);
	settings_free(&s);
}

Test(settings, reads_admin_database_url)
{
	struct settings	s;

	assert_loads(&s, "AXLOG_ADMIN_DATABASE_URL=postgresql://admin@db/axlog");
	cr_assert_str_eq(s.admin_database_url, "postgresql://admin@db/axlog");
	cr_assert_null(s.database_url);
	settings_free(&s);
}

Test(settings, url_points_into_environment)
{
	struct settings	 s;
	char		 err[256];
	const char	*env[] = { "AXLOG_DATABASE_URL=x", NULL };

	cr_assert_eq(load(&s, err, sizeof(err), env), 0);
	cr_assert_eq(s.database_url, env[0] + strlen("AXLOG_DATABASE_URL="));
	settings_free(&s);
}

Test(settings, reads_every_variable_together)
{
	struct settings	 s;
	char		 err[256] = "";
	const char	*env[] = {
		"PATH=/bin",
		"AXLOG_DATABASE_URL=a",
		"AXLOG_STATS_DATABASE_URL=b",
		"AXLOG_ADMIN_DATABASE_URL=c",
		"AXLOG_MAX_BODY_BYTES=2M",
		"AXLOG_MAX_BATCH=50",
		"AXLOG_DB_TIMEOUT_MS=250",
		"AXLOG_CORS_ORIGINS=https://a.example",
		NULL
	};

	cr_assert_eq(load(&s, err, sizeof(err), env), 0, "%s", err);
	cr_assert_str_eq(s.database_url, "a");
	cr_assert_str_eq(s.stats_database_url, "b");
	cr_assert_str_eq(s.admin_database_url, "c");
	cr_assert_eq(s.max_body_bytes, (size_t)2 << 20);
	cr_assert_eq(s.max_batch, 50);
	cr_assert_eq(s.db_timeout_ms, 250);
	cr_assert_eq(s.ncors, 1);
	cr_assert_str_eq(s.cors_origins[0], "https://a.example");
	settings_free(&s);
}

Test(settings, max_body_plain_bytes)
{
	struct settings	s;

	assert_loads(&s, "AXLOG_MAX_BODY_BYTES=4096");
	cr_assert_eq(s.max_body_bytes, 4096);
	settings_free(&s);
}

Test(settings, max_body_k_suffix_is_kibibytes)
{
	struct settings	s;

	assert_loads(&s, "AXLOG_MAX_BODY_BYTES=64K");
	cr_assert_eq(s.max_body_bytes, (size_t)64 * 1024);
	settings_free(&s);
	assert_loads(&s, "AXLOG_MAX_BODY_BYTES=64k");
	cr_assert_eq(s.max_body_bytes, (size_t)64 * 1024);
	settings_free(&s);
}

Test(settings, max_body_m_suffix_is_mebibytes)
{
	struct settings	s;

	assert_loads(&s, "AXLOG_MAX_BODY_BYTES=3M");
	cr_assert_eq(s.max_body_bytes, (size_t)3 << 20);
	settings_free(&s);
	assert_loads(&s, "AXLOG_MAX_BODY_BYTES=3m");
	cr_assert_eq(s.max_body_bytes, (size_t)3 << 20);
	settings_free(&s);
}

Test(settings, max_body_g_suffix_is_gibibytes)
{
	struct settings	s;

	assert_loads(&s, "AXLOG_MAX_BODY_BYTES=1G");
	cr_assert_eq(s.max_body_bytes, (size_t)1 << 30);
	settings_free(&s);
	assert_loads(&s, "AXLOG_MAX_BODY_BYTES=1g");
	cr_assert_eq(s.max_body_bytes, (size_t)1 << 30);
	settings_free(&s);
}

Test(settings, max_body_bounds_are_inclusive)
{
	struct settings	s;

	assert_loads(&s, "AXLOG_MAX_BODY_BYTES=1024");
	cr_assert_eq(s.max_body_bytes, 1024);
	settings_free(&s);
	assert_loads(&s, "AXLOG_MAX_BODY_BYTES=1K");
	cr_assert_eq(s.max_body_bytes, 1024);
	settings_free(&s);
	assert_loads(&s, "AXLOG_MAX_BODY_BYTES=1073741824");
	cr_assert_eq(s.max_body_bytes, (size_t)1 << 30);
	settings_free(&s);
	assert_loads(&s, "AXLOG_MAX_BODY_BYTES=1024M");
	cr_assert_eq(s.max_body_bytes, (size_t)1 << 30);
	settings_free(&s);
}

Test(settings, refuses_max_body_below_1024)
{
	assert_refused("AXLOG_MAX_BODY_BYTES=1023");
	assert_refused("AXLOG_MAX_BODY_BYTES=0");
	assert_refused("AXLOG_MAX_BODY_BYTES=0K");
}

Test(settings, refuses_max_body_above_1_gib)
{
	assert_refused("AXLOG_MAX_BODY_BYTES=1073741825");
	assert_refused("AXLOG_MAX_BODY_BYTES=1048577K");
	assert_refused("AXLOG_MAX_BODY_BYTES=1025M");
	assert_refused("AXLOG_MAX_BODY_BYTES=2G");
}

Test(settings, refuses_max_body_letters)
{
	assert_refused("AXLOG_MAX_BODY_BYTES=abc");
}

Test(settings, refuses_max_body_negative)
{
	assert_refused("AXLOG_MAX_BODY_BYTES=-1");
	assert_refused("AXLOG_MAX_BODY_BYTES=-1K");
}

Test(settings, refuses_max_body_empty)
{
	assert_refused("AXLOG_MAX_BODY_BYTES=");
}

Test(settings, refuses_max_body_unknown_suffix)
{
	assert_refused("AXLOG_MAX_BODY_BYTES=10x");
	assert_refused("AXLOG_MAX_BODY_BYTES=10KB");
	assert_refused("AXLOG_MAX_BODY_BYTES=10T");
}

Test(settings, refuses_max_body_suffix_alone)
{
	assert_refused("AXLOG_MAX_BODY_BYTES=K");
	assert_refused("AXLOG_MAX_BODY_BYTES=M");
}

Test(settings, refuses_max_body_overflow)
{
	assert_refused("AXLOG_MAX_BODY_BYTES=99999999999999999999");
	assert_refused("AXLOG_MAX_BODY_BYTES=99999999999999999999K");
	assert_refused("AXLOG_MAX_BODY_BYTES=18014398509481984G");
}

Test(settings, refuses_max_body_with_spaces)
{
	assert_refused("AXLOG_MAX_BODY_BYTES= 4096");
	assert_refused("AXLOG_MAX_BODY_BYTES=4096 ");
	assert_refused("AXLOG_MAX_BODY_BYTES=+4096");
}

Test(settings, max_batch_bounds_are_inclusive)
{
	struct settings	s;

	assert_loads(&s, "AXLOG_MAX_BATCH=1");
	cr_assert_eq(s.max_batch, 1);
	settings_free(&s);
	assert_loads(&s, "AXLOG_MAX_BATCH=100000");
	cr_assert_eq(s.max_batch, 100000);
	settings_free(&s);
}

Test(settings, refuses_max_batch_zero)
{
	assert_refused("AXLOG_MAX_BATCH=0");
}

Test(settings, refuses_max_batch_100001)
{
	assert_refused("AXLOG_MAX_BATCH=100001");
}

Test(settings, refuses_max_batch_with_suffix)
{
	assert_refused("AXLOG_MAX_BATCH=1K");
	assert_refused("AXLOG_MAX_BATCH=");
}

Test(settings, db_timeout_bounds_are_inclusive)
{
	struct settings	s;

	assert_loads(&s, "AXLOG_DB_TIMEOUT_MS=100");
	cr_assert_eq(s.db_timeout_ms, 100);
	settings_free(&s);
	assert_loads(&s, "AXLOG_DB_TIMEOUT_MS=60000");
	cr_assert_eq(s.db_timeout_ms, 60000);
	settings_free(&s);
}

Test(settings, refuses_db_timeout_99)
{
	assert_refused("AXLOG_DB_TIMEOUT_MS=99");
}

Test(settings, refuses_db_timeout_60001)
{
	assert_refused("AXLOG_DB_TIMEOUT_MS=60001");
}

Test(settings, refuses_db_timeout_negative)
{
	assert_refused("AXLOG_DB_TIMEOUT_MS=-5000");
}

Test(settings, prepared_statements_default_on)
{
	struct settings	 s;
	char		 err[256] = "";
	const char	*env[] = { NULL };

	cr_assert_eq(load(&s, err, sizeof(err), env), 0);
	cr_assert_eq(s.prepared_statements, 1);
	settings_free(&s);
}

Test(settings, prepared_statements_off_and_on)
{
	struct settings	 s;

	assert_loads(&s, "AXLOG_PREPARED_STATEMENTS=off");
	cr_assert_eq(s.prepared_statements, 0);
	settings_free(&s);
	assert_loads(&s, "AXLOG_PREPARED_STATEMENTS=on");
	cr_assert_eq(s.prepared_statements, 1);
	settings_free(&s);
}

Test(settings, refuses_prepared_statements_other_than_on_off)
{
	assert_refused("AXLOG_PREPARED_STATEMENTS=");
	assert_refused("AXLOG_PREPARED_STATEMENTS=0");
	assert_refused("AXLOG_PREPARED_STATEMENTS=false");
	assert_refused("AXLOG_PREPARED_STATEMENTS=OFF");
	assert_refused("AXLOG_PREPARED_STATEMENTS=off ");
}

Test(settings, max_replay_lag_default_300_bounds_inclusive)
{
	struct settings	 s;
	char		 err[256] = "";
	const char	*env[] = { NULL };

	cr_assert_eq(load(&s, err, sizeof(err), env), 0);
	cr_assert_eq(s.max_replay_lag_s, 300);
	settings_free(&s);
	assert_loads(&s, "AXLOG_MAX_REPLAY_LAG_S=1");
	cr_assert_eq(s.max_replay_lag_s, 1);
	settings_free(&s);
	assert_loads(&s, "AXLOG_MAX_REPLAY_LAG_S=86400");
	cr_assert_eq(s.max_replay_lag_s, 86400);
	settings_free(&s);
}

Test(settings, refuses_max_replay_lag_out_of_range_or_with_unit)
{
	assert_refused("AXLOG_MAX_REPLAY_LAG_S=0");
	assert_refused("AXLOG_MAX_REPLAY_LAG_S=86401");
	assert_refused("AXLOG_MAX_REPLAY_LAG_S=5s");
	assert_refused("AXLOG_MAX_REPLAY_LAG_S=");
}

Test(settings, refuses_unknown_axlog_variable)
{
	struct settings	 s;
	char		 err[256] = "";
	const char	*env[] = { "AXLOG_FOO=1", NULL };

	cr_assert_eq(load(&s, err, sizeof(err), env), -1);
	cr_assert_str_eq(err, "unknown setting AXLOG_FOO");
}

Test(settings, refuses_unknown_variable_after_known_ones)
{
	struct settings	 s;
	char		 err[256] = "";
	const char	*env[] = { "AXLOG_CORS_ORIGINS=https://a.example",
	    "AXLOG_MAX_BATCH=10", "AXLOG_MAXBATCH=10", NULL };

	cr_assert_eq(load(&s, err, sizeof(err), env), -1);
	cr_assert_str_eq(err, "unknown setting AXLOG_MAXBATCH");
	/* Refusal frees what was built so far. */
	cr_assert_null(s.cors_buf);
	cr_assert_eq(s.ncors, 0);
}

Test(settings, refuses_known_name_with_extra_suffix)
{
	struct settings	 s;
	char		 err[256] = "";
	const char	*env[] = { "AXLOG_DATABASE_URL_RO=x", NULL };

	cr_assert_eq(load(&s, err, sizeof(err), env), -1);
	cr_assert_str_eq(err, "unknown setting AXLOG_DATABASE_URL_RO");
}

Test(settings, variable_names_are_case_sensitive)
{
	struct settings	 s;
	char		 err[256] = "";
	const char	*env[] = { "AXLOG_max_batch=10", NULL };

	cr_assert_eq(load(&s, err, sizeof(err), env), -1);
	cr_assert_str_eq(err, "unknown setting AXLOG_max_batch");
}

Test(settings, malformed_value_message_names_variable)
{
	struct settings	 s;
	char		 err[256] = "";
	const char	*env[] = { "AXLOG_MAX_BATCH=ten", NULL };

	cr_assert_eq(load(&s, err, sizeof(err), env), -1);
	cr_assert_str_eq(err, "malformed value for AXLOG_MAX_BATCH");
}

Test(settings, message_is_truncated_to_buffer)
{
	struct settings	 s;
	char		 err[8];
	const char	*env[] = { "AXLOG_FOO=1", NULL };

	memset(err, 'X', sizeof(err));
	cr_assert_eq(load(&s, err, sizeof(err), env), -1);
	cr_assert_eq(strlen(err), sizeof(err) - 1);
	cr_assert_str_eq(err, "unknown");
}

Test(settings, non_axlog_variables_are_ignored)
{
	struct settings	 s;
	char		 err[256] = "";
	const char	*env[] = { "PATH=/usr/bin", "AXLOGFOO=1", "axlog_foo=1",
	    "XAXLOG_FOO=1", "HOME=/", "MAX_BATCH=0", NULL };

	cr_assert_eq(load(&s, err, sizeof(err), env), 0, "%s", err);
	cr_assert_eq(s.max_batch, 1000);
	settings_free(&s);
}

Test(settings, axlog_entry_without_equals_is_ignored)
{
	struct settings	 s;
	char		 err[256] = "";
	const char	*env[] = { "AXLOG_FOO", NULL };

	cr_assert_eq(load(&s, err, sizeof(err), env), 0, "%s", err);
	settings_free(&s);
}

Test(settings, later_value_wins)
{
	struct settings	 s;
	char		 err[256] = "";
	const char	*env[] = { "AXLOG_MAX_BATCH=10", "AXLOG_MAX_BATCH=20",
	    "AXLOG_CORS_ORIGINS=https://a.example https://b.example",
	    "AXLOG_CORS_ORIGINS=https://c.example", NULL };

	cr_assert_eq(load(&s, err, sizeof(err), env), 0, "%s", err);
	cr_assert_eq(s.max_batch, 20);
	cr_assert_eq(s.ncors, 1);
	cr_assert_str_eq(s.cors_origins[0], "https://c.example");
	settings_free(&s);
}

Test(settings, cors_origins_split_on_spaces_and_tabs)
{
	struct settings	s;

	assert_loads(&s, "AXLOG_CORS_ORIGINS=  https://a.example "
	    "http://b.example:8080\t https://c.example  ");
	cr_assert_eq(s.ncors, 3);
	cr_assert_str_eq(s.cors_origins[0], "https://a.example");
	cr_assert_str_eq(s.cors_origins[1], "http://b.example:8080");
	cr_assert_str_eq(s.cors_origins[2], "https://c.example");
	settings_free(&s);
	cr_assert_eq(s.ncors, 0);
	cr_assert_null(s.cors_buf);
}

Test(settings, empty_cors_list_has_no_origins)
{
	struct settings	s;

	assert_loads(&s, "AXLOG_CORS_ORIGINS=");
	cr_assert_eq(s.ncors, 0);
	settings_free(&s);
	assert_loads(&s, "AXLOG_CORS_ORIGINS=   ");
	cr_assert_eq(s.ncors, 0);
	settings_free(&s);
}

Test(settings, refuses_cors_origin_with_path)
{
	assert_refused("AXLOG_CORS_ORIGINS=https://a.example/app");
	assert_refused("AXLOG_CORS_ORIGINS=https://a.example/");
	assert_refused("AXLOG_CORS_ORIGINS=https://a.example https://b.example/x");
}

Test(settings, refuses_cors_origin_without_scheme)
{
	assert_refused("AXLOG_CORS_ORIGINS=a.example");
	assert_refused("AXLOG_CORS_ORIGINS=//a.example");
	assert_refused("AXLOG_CORS_ORIGINS=ftp://a.example");
	assert_refused("AXLOG_CORS_ORIGINS=https:/a.example");
}

/* Sixteen origins load; a seventeenth is refused. */
Test(settings, refuses_more_than_16_cors_origins)
{
	struct settings	 s;
	char		 var[1024], err[256] = "";
	const char	*env[] = { var, NULL };
	size_t		 i, off;

	off = (size_t)snprintf(var, sizeof(var), "AXLOG_CORS_ORIGINS=");
	for (i = 0; i < SETTINGS_MAX_ORIGINS; i++)
		off += (size_t)snprintf(var + off, sizeof(var) - off,
		    "https://o%zu.example ", i);
	cr_assert_eq(load(&s, err, sizeof(err), env), 0, "%s", err);
	cr_assert_eq(s.ncors, SETTINGS_MAX_ORIGINS);
	cr_assert_str_eq(s.cors_origins[15], "https://o15.example");
	settings_free(&s);

	snprintf(var + off, sizeof(var) - off, "https://o16.example");
	cr_assert_eq(load(&s, err, sizeof(err), env), -1);
	cr_assert_str_eq(err, "malformed value for AXLOG_CORS_ORIGINS");
	cr_assert_null(s.cors_buf);
}

/* An origin is scheme://host[:port]: the host may not be empty. */
Test(settings, refuses_cors_origin_without_host)
{
	assert_refused("AXLOG_CORS_ORIGINS=https://");
	assert_refused("AXLOG_CORS_ORIGINS=http://");
}

/* Nor may it carry a query, fragment or user part: no Origin ever does. */
Test(settings, refuses_cors_origin_with_query_or_userinfo)
{
	assert_refused("AXLOG_CORS_ORIGINS=https://a.example?x=1");
	assert_refused("AXLOG_CORS_ORIGINS=https://a.example#top");
	assert_refused("AXLOG_CORS_ORIGINS=https://user@a.example");
}

Test(settings, free_is_safe_twice_and_on_null)
{
	struct settings	s;

	assert_loads(&s, "AXLOG_CORS_ORIGINS=https://a.example");
	settings_free(&s);
	settings_free(&s);
	settings_free(NULL);
	cr_assert_null(s.cors_buf);
}

Test(settings_parse_ulong, accepts_bounds)
{
	unsigned long	v = 7;

	cr_assert_eq(settings_parse_ulong("0", 0, 10, &v), 0);
	cr_assert_eq(v, 0);
	cr_assert_eq(settings_parse_ulong("10", 0, 10, &v), 0);
	cr_assert_eq(v, 10);
	cr_assert_eq(settings_parse_ulong("5", 5, 5, &v), 0);
	cr_assert_eq(v, 5);
}

Test(settings_parse_ulong, refuses_outside_bounds_and_keeps_out)
{
	unsigned long	v = 7;

	cr_assert_eq(settings_parse_ulong("4", 5, 10, &v), -1);
	cr_assert_eq(settings_parse_ulong("11", 5, 10, &v), -1);
	cr_assert_eq(v, 7);
}

Test(settings_parse_ulong, accepts_ulong_max)
{
	unsigned long	v = 0;
	char		buf[32];

	snprintf(buf, sizeof(buf), "%lu", ULONG_MAX);
	cr_assert_eq(settings_parse_ulong(buf, 0, ULONG_MAX, &v), 0);
	cr_assert_eq(v, ULONG_MAX);
}

Test(settings_parse_ulong, refuses_overflow)
{
	unsigned long	v = 7;

	cr_assert_eq(settings_parse_ulong("99999999999999999999", 0, ULONG_MAX,
	    &v), -1);
	cr_assert_eq(settings_parse_ulong("18446744073709551616", 0, ULONG_MAX,
	    &v), -1);
	cr_assert_eq(v, 7);
}

Test(settings_parse_ulong, refuses_signs_spaces_and_junk)
{
	unsigned long	v = 7;

	cr_assert_eq(settings_parse_ulong("-1", 0, ULONG_MAX, &v), -1);
	cr_assert_eq(settings_parse_ulong("+1", 0, ULONG_MAX, &v), -1);
	cr_assert_eq(settings_parse_ulong(" 1", 0, ULONG_MAX, &v), -1);
	cr_assert_eq(settings_parse_ulong("1 ", 0, ULONG_MAX, &v), -1);
	cr_assert_eq(settings_parse_ulong("1x", 0, ULONG_MAX, &v), -1);
	cr_assert_eq(settings_parse_ulong("0x10", 0, ULONG_MAX, &v), -1);
	cr_assert_eq(settings_parse_ulong("1.5", 0, ULONG_MAX, &v), -1);
	cr_assert_eq(settings_parse_ulong("abc", 0, ULONG_MAX, &v), -1);
	cr_assert_eq(v, 7);
}

Test(settings_parse_ulong, refuses_empty_and_null)
{
	unsigned long	v = 7;

	cr_assert_eq(settings_parse_ulong("", 0, ULONG_MAX, &v), -1);
	cr_assert_eq(settings_parse_ulong(NULL, 0, ULONG_MAX, &v), -1);
	cr_assert_eq(v, 7);
}

Test(settings_parse_ulong, leading_zeros_are_decimal)
{
	unsigned long	v = 0;

	cr_assert_eq(settings_parse_ulong("0010", 0, 100, &v), 0);
	cr_assert_eq(v, 10);
	cr_assert_eq(settings_parse_ulong("010", 0, 100, &v), 0);
	cr_assert_eq(v, 10, "parsed as octal: %lu", v);
}

Test(settings_parse_size, refuses_null_and_keeps_out)
{
	size_t	v = 7;

	cr_assert_eq(settings_parse_size(NULL, 0, 10, &v), -1);
	cr_assert_eq(settings_parse_size("11", 0, 10, &v), -1);
	cr_assert_eq(v, 7);
}

Test(settings, expect_sync_standby_on_off)
{
	struct settings	 s;
	char		 err[256] = "";
	const char	*env[] = { NULL };

	cr_assert_eq(load(&s, err, sizeof(err), env), 0);
	cr_assert_eq(s.expect_sync_standby, 0);
	settings_free(&s);
	assert_loads(&s, "AXLOG_EXPECT_SYNC_STANDBY=on");
	cr_assert_eq(s.expect_sync_standby, 1);
	settings_free(&s);
	assert_loads(&s, "AXLOG_EXPECT_SYNC_STANDBY=off");
	cr_assert_eq(s.expect_sync_standby, 0);
	settings_free(&s);
	assert_refused("AXLOG_EXPECT_SYNC_STANDBY=yes");
	assert_refused("AXLOG_EXPECT_SYNC_STANDBY=");
}
