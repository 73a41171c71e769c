-- 008_alert_notify: per-app alert thresholds, and the memory of alert
-- delivery: each alert that fired (and when it resolved), and one
-- notice per alert, transition and target, the outbox that
-- `axlogctl alerts --notify` (src/notify.c) sends from.
--
-- Thresholds.  axlog.settings keeps the defaults (002) and gains the
-- window of the error rate: the current clock hour and the
-- alert_window_hours before it (1, the rule of 002).  A row of
-- axlog.alert_thresholds overrides them for one app; a NULL column
-- keeps the default.
--
-- Delivery.  An alert (type, app) has at most one open row in
-- axlog.alert_events, from the run that saw it fire to the run that saw
-- it gone.  Each of those two transitions makes one row per target in
-- axlog.alert_notices, in the same transaction; a notice is marked sent
-- only after its target took it.  Runs claim notices with SELECT ...
-- FOR UPDATE SKIP LOCKED and keep the row locked while they send, so
-- two runs (two timers, two hosts) never send one notice at once.  A
-- run that dies after sending but before the mark leaves the notice
-- unsent, and the next run sends it again: delivery is at least once,
-- and every copy carries the same key (notice_key and the transition),
-- which receivers may use to drop the repeat.
--
-- The read role reads all three tables (the dashboard shows when each
-- alert fired and whether its notices went out); the ingest role none.
-- Target names are stored, never their URLs or addresses: those stay in
-- the target file of the host that sends.

SET LOCAL client_min_messages = warning;

ALTER TABLE axlog.settings
	ADD COLUMN alert_window_hours integer NOT NULL DEFAULT 1
		CHECK (alert_window_hours BETWEEN 1 AND 24);

CREATE TABLE axlog.alert_thresholds (
	app_id		text PRIMARY KEY
			REFERENCES axlog.apps (app_id) ON DELETE CASCADE,
	error_rate	double precision
			CHECK (error_rate > 0 AND error_rate <= 1),
	min_events	integer CHECK (min_events >= 1),
	window_hours	integer CHECK (window_hours BETWEEN 1 AND 24),
	silence_minutes	integer CHECK (silence_minutes BETWEEN 1 AND 10080)
);

CREATE TABLE axlog.alert_events (
	alert_id	bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	notice_key	uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
	type		text NOT NULL CHECK (type IN ('error_rate', 'silent')),
	app_id		text NOT NULL,
	kind		text NOT NULL,
	value		double precision NOT NULL,
	threshold	double precision NOT NULL,
	since		timestamptz,
	fired_at	timestamptz NOT NULL DEFAULT now(),
	resolved_at	timestamptz,
	CHECK (resolved_at IS NULL OR resolved_at >= fired_at)
);
CREATE UNIQUE INDEX alert_events_open ON axlog.alert_events (type, app_id)
	WHERE resolved_at IS NULL;

CREATE TABLE axlog.alert_notices (
	alert_id	bigint NOT NULL
			REFERENCES axlog.alert_events (alert_id) ON DELETE CASCADE,
	transition	text NOT NULL CHECK (transition IN ('firing', 'resolved')),
	target		text NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	attempts	integer NOT NULL DEFAULT 0,
	last_attempt_at	timestamptz,
	last_error	text,
	sent_at		timestamptz,
	PRIMARY KEY (alert_id, transition, target)
);
CREATE INDEX alert_notices_pending ON axlog.alert_notices (target, created_at)
	WHERE sent_at IS NULL;

REVOKE ALL ON axlog.alert_thresholds, axlog.alert_events,
	axlog.alert_notices FROM PUBLIC;
GRANT SELECT ON axlog.alert_thresholds, axlog.alert_events,
	axlog.alert_notices TO axlog_reader;
