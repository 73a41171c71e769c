-- 006_cursor_secret: the key of the HMAC-SHA256 that authenticates the
-- cursors of /stats/logs (src/cursor.c), so that nobody without it can
-- make one.  Readable by the read role only: the ingest role has no use
-- for it, and whoever holds it can forge positions.  A standby gets the
-- same row by replication, so a cursor from either server works on both.
--
-- Why the secret is made here, in SQL: 32 bytes must be unpredictable,
-- and pgcrypto's gen_random_bytes may not be installed, while
-- gen_random_uuid() is built into PostgreSQL 13 and later (ingest already
-- needs it) and draws 122 bits from pg_strong_random(), the server's
-- cryptographic source (OpenSSL's RAND_bytes or /dev/urandom).  SHA-256
-- of three of them (366 random bits) gives 32 bytes each of which is
-- unpredictable.  random() and md5() of the clock are not: random() is a
-- seeded generator, and the clock can be guessed.  Making the bytes in
-- axlogctl with getentropy(3) would do as well, but would tie this
-- migration to code outside it; here it is one statement in the
-- migration's own transaction, and a standby or a restored dump carries
-- it with the data.  To change the key (every cursor handed out then
-- becomes a 400 bad_cursor), UPDATE the row the same way and restart
-- axlog-stats, which reads it once per process.
--
-- It depends on nothing after 004.

SET LOCAL client_min_messages = warning;

CREATE TABLE axlog.cursor_secret (
	one		boolean PRIMARY KEY DEFAULT true CHECK (one),
	secret		bytea NOT NULL CHECK (length(secret) = 32),
	created_at	timestamptz NOT NULL DEFAULT now()
);

INSERT INTO axlog.cursor_secret (secret)
	SELECT sha256(uuid_send(gen_random_uuid()) ||
	    uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()));

REVOKE ALL ON axlog.cursor_secret FROM PUBLIC;
GRANT SELECT ON axlog.cursor_secret TO axlog_reader;
