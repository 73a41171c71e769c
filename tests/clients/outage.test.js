// The client through a database outage.  tests/integration/clients.sh runs
// this file in the background and drives PostgreSQL, talking through files
// in TEST_PHASE_DIR:
//   sending     written here once the first batch is stored;
//   stopped     the shell has stopped PostgreSQL (it sleeps 5 s)...
//   restarted   ...and started it again.
// Events are recorded every few ms throughout (and for one second after the
// restart); then every one of them must be stored exactly once.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { URL, KEY, noStack, createClient, sql, counts, sleep, tag } = require('./lib.js');

const DIR = process.env.TEST_PHASE_DIR;
const skip = noStack || (!DIR && 'TEST_PHASE_DIR is not set (run tests/integration/clients.sh)');
const seen = (name) => fs.existsSync(path.join(DIR, name));

test('PostgreSQL stopped for 5 s: every event recorded before, during and after is stored once',
    { skip, timeout: 60000 }, async () => {
	const type = tag('outage');
	const errors = [];
	const client = createClient({ url: URL, key: KEY, flushInterval: 100, maxBackoff: 2000,
		onError: (e) => errors.push(e) });
	const per = { before: 0, during: 0, after: 0 };
	let phase = 'before', n = 0, signalled = false, afterUntil = 0;
	const deadline = Date.now() + 30000;
	while (Date.now() < deadline && (phase !== 'after' || Date.now() < afterUntil)) {
		client.record({ event_type: type, event_subtype: phase, message: String(n++) });
		per[phase]++;
		await sleep(5);
		if (!signalled && client.stats().sent > 0) {
			fs.writeFileSync(path.join(DIR, 'sending'), '');
			signalled = true;
		}
		if (phase === 'before' && seen('stopped'))
			phase = 'during';
		if (phase === 'during' && seen('restarted')) {
			phase = 'after';
			afterUntil = Date.now() + 1000;
		}
	}
	assert.equal(phase, 'after', 'the shell stopped and restarted PostgreSQL in time');
	await client.flush();
	const s = client.stats();
	assert.deepEqual(errors, []);
	assert.equal(s.dropped, 0);
	assert.ok(per.during > 0, 'events recorded while the database was down');
	assert.ok(s.retries > 0, 'the outage was felt (requests retried)');
	assert.equal(s.sent, n);
	assert.deepEqual(counts(`event_type = '${type}'`), { rows: n, ids: n, messages: n });
	const stored = Object.fromEntries(sql(`SELECT event_subtype, count(*) FROM axlog.logs
	    WHERE event_type = '${type}' GROUP BY 1`).map(([k, v]) => [k, Number(v)]));
	assert.deepEqual(stored, per);
	console.log(`${n} events (${per.before} before, ${per.during} during, ${per.after} after), ` +
	    `${s.retries} retries, ${s.duplicates} duplicates`);
	await client.close();
});
