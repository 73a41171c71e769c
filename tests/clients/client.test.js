// The Node.js client (clients/node/axlog.js) against the real stack:
// nginx, the ingest program, PostgreSQL.  Run by
// tests/integration/clients.sh (see lib.js for the environment).
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const zlib = require('node:zlib');
const { URL, KEY, noStack, createClient, sql, counts, sleep, tag } = require('./lib.js');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// Every request the clients of this file make: events, bytes, gzip or not.
const requests = [];
const realFetch = globalThis.fetch;
globalThis.fetch = (url, init) => {
	const gzip = init.headers['Content-Encoding'] === 'gzip';
	const json = gzip ? zlib.gunzipSync(init.body) : init.body;
	requests.push({ gzip, bytes: init.body.length, events: JSON.parse(json).length });
	return realFetch(url, init);
};

test('10,000 events in mixed batches are each stored once', { skip: noStack, timeout: 60000 }, async () => {
	const type = tag('mixed');
	const errors = [];
	const client = createClient({ url: URL, key: KEY, flushInterval: 20, maxBatchBytes: 64 * 1024,
		onError: (e) => errors.push(e) });
	const first = requests.length;
	const bursts = [1, 7, 500, 50, 499, 120, 501, 3, 800, 1200, 2];
	const pad = 'p'.repeat(3000);
	for (let n = 0, k = 0; n < 10000; k++) {
		for (let i = bursts[k % bursts.length]; i > 0 && n < 10000; i--, n++) {
			const e = { event_type: type, message: String(n) };
			if (n % 10 === 3)
				e.metadata = { n, pad };	// larger: gzip, batches cut by bytes
			if (n % 7 === 0)
				e.duration_ms = n / 10;
			if (n % 11 === 0)
				e.created_at = new Date();
			if (n % 13 === 0)
				e.id = crypto.randomUUID();	// the caller's own id is kept
			client.record(e);
		}
		if (k % 3 === 0)
			await client.flush();
		else
			await sleep(k % 2 ? 0 : 30);
	}
	await client.flush();
	const s = client.stats();
	assert.deepEqual(errors, []);
	assert.equal(s.sent, 10000);
	assert.equal(s.dropped, 0);
	assert.equal(s.pending, 0);
	assert.deepEqual(counts(`event_type = '${type}'`), { rows: 10000, ids: 10000, messages: 10000 });
	const mine = requests.slice(first);
	const sizes = new Set(mine.map((r) => r.events));
	assert.ok(sizes.size >= 10, `batch sizes: ${[...sizes].join(' ')}`);
	assert.ok(mine.some((r) => r.gzip) && mine.some((r) => !r.gzip), 'gzipped and plain bodies');
	assert.ok(Math.max(...sizes) <= 500, 'at most maxBatch events a request');
	await client.close();
});

test('a 400 drops only the event it names; its neighbours are stored', { skip: noStack }, async () => {
	const type = tag('bad400');
	const errors = [];
	const client = createClient({ url: URL, key: KEY, onError: (e) => errors.push(e) });
	for (let i = 0; i < 50; i++)
		client.record({ event_type: i === 17 ? 'not valid!' : type, message: `${type} ${i}` });
	await client.flush();
	assert.equal(errors.length, 1, 'one report');
	const [e] = errors;
	assert.equal(e.kind, 'refused');
	assert.equal(e.status, 400);
	assert.equal(e.dropped, 1);
	assert.deepEqual(e.details.map((d) => [d.index, d.field]), [[17, 'event_type']]);
	assert.equal(e.events[0].message, `${type} 17`);
	assert.deepEqual(counts(`message LIKE '${type} %'`), { rows: 49, ids: 49, messages: 49 });
	assert.deepEqual(sql(`SELECT count(*) FROM axlog.logs WHERE message = '${type} 17'`), [['0']]);
	const s = await client.close();
	assert.equal(s.sent, 49);
	assert.equal(s.refused, 1);
	assert.equal(s.retries, 0);
});

test('two bad events in one batch: one report naming both, the other 298 stored', { skip: noStack }, async () => {
	const type = tag('bad400two');
	const errors = [];
	const client = createClient({ url: URL, key: KEY, onError: (e) => errors.push(e) });
	for (let i = 0; i < 300; i++) {
		const e = { event_type: type, message: `${type} ${i}` };
		if (i === 5)
			e.user_id = 'not-a-uuid';
		if (i === 250)
			e.duration_ms = -1;
		client.record(e);
	}
	await client.flush();
	assert.equal(errors.length, 1);
	assert.equal(errors[0].dropped, 2);
	assert.deepEqual(errors[0].details.map((d) => [d.index, d.field]), [[5, 'user_id'], [250, 'duration_ms']]);
	assert.deepEqual(counts(`event_type = '${type}'`), { rows: 298, ids: 298, messages: 298 });
	await client.close();
});

test('a full buffer drops the oldest events and counts them; record() never blocks', { skip: noStack }, async () => {
	const type = tag('overflow');
	const errors = [];
	const client = createClient({ url: URL, key: KEY, maxBuffer: 1000, maxBatch: 200, onError: (e) => errors.push(e) });
	const t0 = process.hrtime.bigint();
	const ids = [];
	for (let i = 0; i < 20000; i++)
		ids.push(client.record({ event_type: type, message: String(i) }));
	const ms = Number(process.hrtime.bigint() - t0) / 1e6;
	// record() only queues: 20,000 calls that waited on the network even
	// once each would take minutes.  The bound is loose because the test
	// machine may be busy.
	assert.ok(ms < 10000, `20,000 record() calls took ${ms.toFixed(0)} ms`);
	assert.ok(ids.every((id) => UUID.test(id)), 'record() returned an id every time');
	await client.flush();
	const s = client.stats();
	const stored = counts(`event_type = '${type}'`);
	assert.equal(stored.rows, s.sent);
	assert.equal(stored.ids, s.sent);
	assert.ok(s.sent >= 1000 && s.sent <= 1200, `${s.sent} stored: the buffer (1000) and a batch in flight (200)`);
	assert.equal(s.overflowed, 20000 - s.sent);
	assert.equal(s.dropped, s.overflowed);
	assert.deepEqual(sql(`SELECT count(*) FROM axlog.logs WHERE event_type = '${type}' AND message::int >= 19000`),
	    [['1000']], 'the newest 1000 are all stored');
	assert.deepEqual(errors.map((e) => e.kind), ['overflowed'], 'reported once');
	await client.close();
});

test('with the server unreachable, record() returns at once and close() keeps its deadline', async () => {
	const errors = [];
	const client = createClient({ url: 'http://127.0.0.1:9/ingest', key: 'axk_none', minBackoff: 10,
		onError: (e) => errors.push(e) });
	const t0 = Date.now();
	for (let i = 0; i < 2000; i++)
		client.record({ event_type: 'unreachable', message: String(i) });
	const s = await client.close({ timeout: 300 });
	const ms = Date.now() - t0;
	assert.ok(ms < 2000, `close() returned after ${ms} ms`);
	assert.equal(s.dropped, 2000);
	assert.equal(s.sent, 0);
	assert.ok(s.retries > 0);
	assert.deepEqual(errors.map((e) => e.kind), ['unsent']);
	assert.equal(errors[0].dropped, 2000);
});

test('record() never throws: what it cannot send is counted and reported', { skip: noStack }, async () => {
	const type = tag('nothrow');
	const errors = [];
	const client = createClient({ url: URL, key: KEY, onError: (e) => errors.push(e) });
	const circular = { event_type: type };
	circular.self = circular;
	for (const bad of [null, undefined, 'text', 42, [], circular, { event_type: type, n: 10n }])
		assert.equal(client.record(bad), undefined);
	assert.deepEqual(errors.map((e) => e.kind), Array(7).fill('refused'));
	assert.match(client.record({ event_type: type }), UUID);
	const s = await client.close();
	assert.equal(s.refused, 7);
	assert.equal(s.sent, 1);
	assert.equal(client.record({ event_type: type }), undefined, 'after close()');
	assert.equal(client.stats().dropped, 8);
	const broken = createClient({ url: URL, key: KEY, onError: () => { throw new Error('the reporter fails'); } });
	assert.doesNotThrow(() => broken.record(null));
	await broken.close();
});
