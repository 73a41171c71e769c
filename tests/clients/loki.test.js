// winston-loki (npm, unmodified) with json: true against
// POST /loki/api/v1/push through nginx, the key as Basic auth's
// password.  The stack comes from tests/integration/shippers.sh
// (TEST_LOKI_HOST, TEST_INGEST_KEY, TEST_DATABASE_URL); with
// TEST_PHASE_DIR the outage test runs alone.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { KEY, sql, until, sleep, tag } = require('./lib.js');

const HOST = process.env.TEST_LOKI_HOST || '';
const PHASE = process.env.TEST_PHASE_DIR || '';
let winston = null;
let LokiTransport = null;
try {
	winston = require('winston');
	LokiTransport = require('winston-loki');
} catch {
	LokiTransport = null;
}
const skip = !HOST || !KEY ? 'TEST_LOKI_HOST and TEST_INGEST_KEY are not set (run tests/integration/shippers.sh)' :
    !LokiTransport ? 'winston-loki is not installed (cd tests/clients && npm ci)' : false;

// The documented setup: JSON, the key as Basic auth's password.
function setup(run, errors) {
	const transport = new LokiTransport({
		host: HOST,
		basicAuth: `axlog:${KEY}`,
		json: true,
		labels: { app: 'loki-test', run },
		interval: 1,
		onConnectionError: (err) => errors.push(err),
	});
	const logger = winston.createLogger({ level: 'debug', transports: [transport] });
	return { logger, transport };
}

// An empty push answers 204 once the database takes writes again.
async function writable(ms) {
	const end = Date.now() + ms;
	for (;;) {
		try {
			const r = await fetch(`${HOST}/loki/api/v1/push`, {
				method: 'POST',
				headers: { Authorization: `Basic ${Buffer.from(`axlog:${KEY}`).toString('base64')}`, 'Content-Type': 'application/json' },
				body: '{"streams":[]}',
			});
			if (r.status === 204)
				return true;
		} catch { /* not yet */ }
		if (Date.now() >= end)
			return false;
		await sleep(200);
	}
}

const count = (where) => Number(sql(`SELECT count(*) FROM axlog.logs WHERE ${where}`)[0][0]);

test('winston-loki with json: true stores each line once with the mapped fields', { skip: skip || (PHASE ? 'not in the outage run (TEST_PHASE_DIR)' : false), timeout: 30000 }, async (t) => {
	const run = tag('loki');
	const errors = [];
	const { logger, transport } = setup(run, errors);
	t.after(() => transport.close());
	for (let i = 0; i < 250; i++) {
		if (i % 50 === 7)
			logger.error(`${run} failed ${i}`);
		else
			logger.info(`${run} line ${i}`, { i, duration_ms: i });
	}
	const where = `metadata->'labels'->>'run' = '${run}'`;
	await until(() => count(where) >= 250, 10000);
	assert.deepEqual(errors, []);
	assert.deepEqual(sql(`SELECT event_type, success, count(*), count(DISTINCT id), count(DISTINCT message) FROM axlog.logs
	    WHERE ${where} GROUP BY 1, 2 ORDER BY 1`), [['log.error', 'f', '5', '5', '5'], ['log.info', 't', '245', '245', '245']]);
	assert.deepEqual(sql(`SELECT message, metadata->'labels'->>'app', abs(extract(epoch FROM now() - created_at)) < 120
	    FROM axlog.logs WHERE ${where} AND message LIKE '${run} line 42 %'`),
	    [[`${run} line 42 {"i":42,"duration_ms":42,"level":"info"}`, 'loki-test', 't']]);
	await transport.close();
});

// winston-loki ignores the status: a failed batch is kept and sent again,
// merged with newer lines, at the next interval or at close().
test('PostgreSQL stopped mid-run: nothing lost, nothing doubled', { skip: skip || (PHASE ? false : 'run by shippers.sh with TEST_PHASE_DIR'), timeout: 90000 }, async (t) => {
	const run = tag('loki-outage');
	const errors = [];
	const { logger, transport } = setup(run, errors);
	t.after(() => transport.close());
	const where = `metadata->'labels'->>'run' = '${run}'`;
	let i = 0;
	for (; i < 100; i++)
		logger.info(`${run} line ${i}`);
	assert.ok(await until(() => count(where) >= 100, 10000), 'the first 100 stored');
	fs.writeFileSync(path.join(PHASE, 'sending'), '');
	while (!fs.existsSync(path.join(PHASE, 'restarted'))) {
		for (let k = 0; k < 20 && i < 1000; k++, i++)
			logger.info(`${run} line ${i}`);
		await sleep(100);
	}
	for (; i < 1000; i++)
		logger.info(`${run} line ${i}`);
	// winston-loki's last send, at close(), is never retried: wait
	// until the stack takes writes again (through PgBouncer, its login
	// retry delay outlasts PostgreSQL's restart).
	assert.ok(await writable(30000), 'the stack takes writes again');
	await transport.close();
	await until(() => count(where) >= 1000, 20000);
	assert.deepEqual(sql(`SELECT count(*), count(DISTINCT message) FROM axlog.logs WHERE ${where}`), [['1000', '1000']]);
	assert.ok(errors.length > 0, 'the outage was seen by the client');
});
