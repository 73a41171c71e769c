/*
 * ctl.h: the operator's commands behind axlogctl, one function each.
 * Each prints what it did on stdout, reasons for failure on stderr, and
 * returns the process exit status (0 success, 1 failure, 2 usage).
 */
#ifndef AXLOG_CTL_H
#define AXLOG_CTL_H

#include "db.h"
#include "token.h"

int	ctl_migrate(struct db *db);
int	ctl_app_add(struct db *db, const char *app, const char *kind,
	    const char *description);
int	ctl_app_list(struct db *db);
int	ctl_key_create(struct db *db, const char *app, const char *scope,
	    const char *description);
/*
 * Store a new key and hand its token (shown once) and number back,
 * printing nothing on success; 1 on failure, the reason on stderr.
 */
int	ctl_key_make(struct db *db, const char *app, const char *scope,
	    const char *description, char tok[TOKEN_LEN + 1], char *key_id,
	    size_t key_idsz);
int	ctl_key_list(struct db *db);
int	ctl_key_revoke(struct db *db, const char *key_id);
int	ctl_retention_show(struct db *db);
int	ctl_retention_set(struct db *db, const char *days);
/* Partitions for the retention window and SCHEMA_AHEAD_DAYS ahead. */
int	ctl_partitions(struct db *db);
/*
 * Partitions ahead, expired partitions and rollups dropped (more than
 * CTL_MAX_DROP days only with force).  Serialised by an advisory lock: a
 * second run at the same time does nothing and succeeds.
 */
int	ctl_maintain(struct db *db, int force);
/* Print the alerts; 0 when there are none, CTL_EXIT_ALERTS when any. */
int	ctl_alerts(struct db *db);
/* A new token for key_id's scope and app; the old one ends after grace. */
int	ctl_key_rotate(struct db *db, const char *key_id, const char *grace);

#define CTL_MAX_DROP	3	/* expired days maintain drops unforced */
#define CTL_EXIT_ALERTS	3	/* exit status of alerts when there are any */

#endif
