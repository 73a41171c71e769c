/*
 * ctl.h: the operator's commands behind axlogctl, one function each.
 * Each prints what it did on stdout, reasons for failure on stderr, and
 * returns the process exit status (0 success, 1 failure, 2 usage).
 */
#ifndef AXLOG_CTL_H
#define AXLOG_CTL_H

#include "db.h"

int	ctl_migrate(struct db *db);
int	ctl_app_add(struct db *db, const char *app, const char *kind,
	    const char *description);
int	ctl_app_list(struct db *db);
int	ctl_key_create(struct db *db, const char *app, const char *scope,
	    const char *description);
int	ctl_key_list(struct db *db);
int	ctl_key_revoke(struct db *db, const char *key_id);
int	ctl_retention_show(struct db *db);
int	ctl_retention_set(struct db *db, const char *days);
/* Partitions for the retention window and SCHEMA_AHEAD_DAYS ahead. */
int	ctl_partitions(struct db *db);

#endif
