/*
 * axlogctl: the operator's command.  Parses arguments and hands each
 * subcommand to ctl.c; connects as the schema owner
 * (AXLOG_ADMIN_DATABASE_URL, never another role's URL).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "ctl.h"
#include "notify.h"
#include "settings.h"
#include "setup.h"
#include "thresholds.h"

/* Migrations and partition DDL may wait on locks: a generous deadline. */
#define CTL_TIMEOUT_MS	60000

static const char usage_text[] =
    "usage: axlogctl setup [--host NAME [--http-port PORT] [--tls "
    "[--email ADDRESS]]]\n"
    "                      [--app NAME [--kind KIND]] [--database-url URL]\n"
    "                      [--reset-passwords] [--dry-run]\n"
    "       axlogctl setup --undo [--dry-run]\n"
    "       axlogctl migrate\n"
    "       axlogctl app add NAME --kind parent|lightweight|heavy "
    "[--description TEXT]\n"
    "       axlogctl app list\n"
    "       axlogctl key create --scope ingest --app NAME "
    "[--description TEXT]\n"
    "       axlogctl key create --scope read [--app NAME] "
    "[--description TEXT]\n"
    "       axlogctl key list\n"
    "       axlogctl key revoke KEY_ID\n"
    "       axlogctl key rotate KEY_ID [--grace 0|Nm|Nh|Nd]\n"
    "       axlogctl maintain [--force]\n"
    "       axlogctl alerts [--notify [--config FILE]]\n"
    "       axlogctl alerts set [--app NAME] [--error-rate R] "
    "[--min-events N]\n"
    "                [--window-hours N] [--silence-minutes N]\n"
    "       axlogctl alerts reset --app NAME\n"
    "       axlogctl alerts thresholds\n"
    "       axlogctl retention show\n"
    "       axlogctl retention set DAYS\n"
    "       axlogctl version\n";

static int
usage(void)
{
	fputs(usage_text, stderr);
	return 2;
}

struct opts {
	const char		*app, *kind, *scope, *description, *grace;
	const char		*config;
	struct thresholds	 thr;
	int			 force, notify;
};

/* Options after the subcommand words; returns the index of the first operand. */
static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "app", required_argument, NULL, 'a' },
		{ "kind", required_argument, NULL, 'k' },
		{ "scope", required_argument, NULL, 's' },
		{ "description", required_argument, NULL, 'd' },
		{ "grace", required_argument, NULL, 'g' },
		{ "force", no_argument, NULL, 'f' },
		{ "notify", no_argument, NULL, 'n' },
		{ "config", required_argument, NULL, 'c' },
		{ "error-rate", required_argument, NULL, 'r' },
		{ "min-events", required_argument, NULL, 'm' },
		{ "window-hours", required_argument, NULL, 'w' },
		{ "silence-minutes", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	int	c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': o->app = optarg; break;
		case 'k': o->kind = optarg; break;
		case 's': o->scope = optarg; break;
		case 'd': o->description = optarg; break;
		case 'g': o->grace = optarg; break;
		case 'f': o->force = 1; break;
		case 'n': o->notify = 1; break;
		case 'c': o->config = optarg; break;
		case 'r': o->thr.error_rate = optarg; break;
		case 'm': o->thr.min_events = optarg; break;
		case 'w': o->thr.window_hours = optarg; break;
		case 'S': o->thr.silence_minutes = optarg; break;
		default: return -1;
		}
	}
	return optind;
}

/* axlogctl alerts [--notify], alerts set | reset | thresholds */
static int
dispatch_alerts(struct db *db, const char *sub, const struct opts *o)
{
	if (sub == NULL && o->notify)
		return notify_run(db, o->config ? o->config :
		    NOTIFY_CONF_PATH);
	if (sub == NULL && o->config == NULL)
		return ctl_alerts(db);
	if (sub != NULL && strcmp(sub, "set") == 0)
		return thresholds_set(db, o->app, &o->thr);
	if (sub != NULL && strcmp(sub, "reset") == 0)
		return thresholds_reset(db, o->app);
	if (sub != NULL && strcmp(sub, "thresholds") == 0)
		return thresholds_show(db);
	return usage();
}

static int
dispatch(struct db *db, const char *cmd, const char *sub, int argc,
    char **argv)
{
	struct opts	o;
	int		i;

	if ((i = parse_opts(argc, argv, &o)) < 0)
		return usage();
	argc -= i;
	argv += i;
	if (strcmp(cmd, "migrate") == 0 && sub == NULL && argc == 0)
		return ctl_migrate(db);
	if (strcmp(cmd, "maintain") == 0 && sub == NULL && argc == 0)
		return ctl_maintain(db, o.force);
	if (strcmp(cmd, "alerts") == 0 && argc == 0)
		return dispatch_alerts(db, sub, &o);
	if (strcmp(cmd, "key") == 0 && sub && strcmp(sub, "rotate") == 0 &&
	    argc == 1)
		return ctl_key_rotate(db, argv[0], o.grace);
	if (strcmp(cmd, "app") == 0 && sub && strcmp(sub, "add") == 0 &&
	    argc == 1 && o.kind != NULL)
		return ctl_app_add(db, argv[0], o.kind, o.description);
	if (strcmp(cmd, "app") == 0 && sub && strcmp(sub, "list") == 0)
		return ctl_app_list(db);
	if (strcmp(cmd, "key") == 0 && sub && strcmp(sub, "create") == 0 &&
	    o.scope != NULL && argc == 0)
		return ctl_key_create(db, o.app, o.scope, o.description);
	if (strcmp(cmd, "key") == 0 && sub && strcmp(sub, "list") == 0)
		return ctl_key_list(db);
	if (strcmp(cmd, "key") == 0 && sub && strcmp(sub, "revoke") == 0 &&
	    argc == 1)
		return ctl_key_revoke(db, argv[0]);
	if (strcmp(cmd, "retention") == 0 && sub && strcmp(sub, "show") == 0)
		return ctl_retention_show(db);
	if (strcmp(cmd, "retention") == 0 && sub && strcmp(sub, "set") == 0 &&
	    argc == 1)
		return ctl_retention_set(db, argv[0]);
	return usage();
}

int
main(int argc, char **argv)
{
	struct settings	 s;
	struct db	*db;
	const char	*cmd, *sub = NULL;
	int		 skip, rc;

	if (argc < 2)
		return usage();
	cmd = argv[1];
	/* setup makes the settings: it reads none of the AXLOG_ variables. */
	if (strcmp(cmd, "setup") == 0)
		return setup_main(argc - 1, argv + 1);
	/* Every other command, version too, refuses bad settings at once. */
	settings_load_or_exit(&s, "axlogctl");
	if (strcmp(cmd, "version") == 0) {
		printf("axlogctl %s\n", PACKAGE_VERSION);
		settings_free(&s);
		return 0;
	}
	skip = 1;
	if (strcmp(cmd, "alerts") == 0 && argc >= 3 && argv[2][0] != '-') {
		sub = argv[2];
		skip = 2;
	} else if (strcmp(cmd, "migrate") != 0 &&
	    strcmp(cmd, "maintain") != 0 && strcmp(cmd, "alerts") != 0) {
		if (argc < 3)
			return usage();
		sub = argv[2];
		skip = 2;
	}
	if ((db = db_new(s.admin_database_url, NULL, 0, CTL_TIMEOUT_MS)) ==
	    NULL) {
		fprintf(stderr, "axlogctl: out of memory\n");
		return 1;
	}
	rc = dispatch(db, cmd, sub, argc - skip, argv + skip);
	db_free(db);
	settings_free(&s);
	return rc;
}
