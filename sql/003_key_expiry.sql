-- 003_key_expiry: a key may carry an end of validity, so that
-- `axlogctl key rotate` leaves the old token working for a grace period.

SET LOCAL client_min_messages = warning;

ALTER TABLE axlog.api_keys ADD COLUMN expires_at timestamptz;

GRANT SELECT (expires_at) ON axlog.api_keys TO axlog_writer, axlog_reader;
