// Helpers of the client tests.  The stack under test comes from the
// environment, which tests/integration/clients.sh sets:
//   TEST_INGEST_URL     http://127.0.0.1:PORT/ingest (nginx)
//   TEST_INGEST_KEY     an ingest key of the app "demo"
//   TEST_DATABASE_URL   the superuser's URL of the axlog database
//   TEST_PSQL           the psql program (default: psql)
'use strict';

const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const path = require('node:path');

const URL_ = process.env.TEST_INGEST_URL || '';
const KEY = process.env.TEST_INGEST_KEY || '';
const DB = process.env.TEST_DATABASE_URL || '';
const PSQL = process.env.TEST_PSQL || 'psql';

// The reason to skip the tests that need the stack, or false.
const noStack = URL_ && KEY && DB ? false : 'TEST_INGEST_URL, TEST_INGEST_KEY and TEST_DATABASE_URL are not set (run tests/integration/clients.sh)';

const { createClient } = require(path.join(__dirname, '..', '..', 'clients', 'node', 'axlog.js'));

// Rows of a query as arrays of strings (psql unaligned, fields split on |).
function sql(query) {
	const out = execFileSync(PSQL, ['-X', '-q', '-A', '-t', '-F', '|', '-v', 'ON_ERROR_STOP=1', '-d', DB, '-c', query],
	    { encoding: 'utf8' });
	return out.split('\n').filter((l) => l !== '').map((l) => l.split('|'));
}

// "rows distinct_ids distinct_messages" of the events WHERE cond.
function counts(cond) {
	const [[n, ids, messages]] = sql(`SELECT count(*), count(DISTINCT id), count(DISTINCT message) FROM axlog.logs WHERE ${cond}`);
	return { rows: Number(n), ids: Number(ids), messages: Number(messages) };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Poll fn() every 100 ms until it returns something truthy or ms pass.
async function until(fn, ms) {
	const end = Date.now() + ms;
	for (;;) {
		const v = fn();
		if (v || Date.now() >= end)
			return v;
		await sleep(100);
	}
}

// A word that marks one test's events (safe in SQL and in event types).
const tag = (what) => `${what}-${crypto.randomUUID().slice(0, 8)}`;

module.exports = { URL: URL_, KEY, noStack, createClient, sql, counts, sleep, until, tag };
