/*
 * notify.h: alert delivery, `axlogctl alerts --notify`.  One run
 * records which alerts fired or resolved since the last run (one
 * transaction: alert_events, and a notice per target in
 * alert_notices), then sends each unsent notice of each target of the
 * target file, marking it sent once the target took it.  State lives in
 * the database, so runs on several hosts share it (sql/008).
 */
#ifndef AXLOG_NOTIFY_H
#define AXLOG_NOTIFY_H

#include "db.h"

#define NOTIFY_CONF_PATH	"/etc/axlog/notify.conf"

/*
 * Returns the exit status: 0 when every notice due was sent (or there
 * was none), 1 when the target file, the database or a target failed
 * (unsent notices wait for the next run).
 */
int	notify_run(struct db *db, const char *conf_path);

#endif
