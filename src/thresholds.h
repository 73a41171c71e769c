/*
 * thresholds.h: `axlogctl alerts set | reset | thresholds`: the alert
 * thresholds, the defaults in axlog.settings and per app in
 * axlog.alert_thresholds (sql/008).  Each returns the exit status, as
 * the commands of ctl.h do.
 */
#ifndef AXLOG_THRESHOLDS_H
#define AXLOG_THRESHOLDS_H

#include "db.h"

/* The values given (NULL: unchanged), as typed on the command line. */
struct thresholds {
	const char	*error_rate;		/* above 0, at most 1 */
	const char	*min_events;		/* 1 to 1000000 */
	const char	*window_hours;		/* 1 to 24 */
	const char	*silence_minutes;	/* 1 to 10080 */
};

/* Set the defaults (app NULL) or one app's thresholds. */
int	thresholds_set(struct db *db, const char *app,
	    const struct thresholds *t);
/* One app back to the defaults. */
int	thresholds_reset(struct db *db, const char *app);
/* The defaults, then every app's thresholds in force. */
int	thresholds_show(struct db *db);

#endif
