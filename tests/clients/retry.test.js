// The client against a local HTTP server that answers, on demand, what the
// real stack answers only in bad moments: 429 with Retry-After, 502, 503,
// 504, a cut connection, 401, 413, a 400 that names no event.  No stack
// needed.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const zlib = require('node:zlib');
const { createClient } = require('./lib.js');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// A server answering the n-th request (1-based) with script(n, events):
// { status, headers, body } or 'cut' (the connection is closed unanswered).
async function server(script) {
	const seen = [];
	const srv = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			const gzip = req.headers['content-encoding'] === 'gzip';
			const raw = gzip ? zlib.gunzipSync(Buffer.concat(chunks)) : Buffer.concat(chunks);
			const events = JSON.parse(raw);
			const n = seen.push({ at: Date.now(), gzip, events, raw: raw.toString(), headers: req.headers });
			const a = script(n, events);
			if (a === 'cut')
				return void req.socket.destroy();
			res.writeHead(a.status, { 'Content-Type': 'application/json', ...a.headers });
			res.end(JSON.stringify(a.body ?? { error: 'x', message: 'scripted' }));
		});
	});
	await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${srv.address().port}/ingest`,
		seen,
		close: () => { srv.closeAllConnections?.(); return new Promise((resolve) => srv.close(resolve)); },
	};
}
const stored = (events) => ({ status: 200, body: { accepted: events.length, duplicates: 0 } });
const fast = { minBackoff: 20, maxBackoff: 100 };

test('every event carries an id and a created_at; the caller\'s own are kept', async () => {
	const srv = await server((n, events) => stored(events));
	const client = createClient({ url: srv.url, key: 'axk_test' });
	const id = client.record({ event_type: 'a' });
	client.record({ event_type: 'b', id: '0d8f1a52-5b0e-4c55-8f8e-1e6f3c0a9b77', created_at: '2026-11-23T03:00:00Z' });
	client.record({ event_type: 'c', created_at: new Date(Date.UTC(2026, 10, 23, 4)) });
	await client.close();
	const [a, b, c] = srv.seen[0].events;
	assert.equal(a.id, id);
	assert.match(a.id, UUID);
	assert.ok(Math.abs(Date.parse(a.created_at) - Date.now()) < 5000);
	assert.deepEqual([b.id, b.created_at], ['0d8f1a52-5b0e-4c55-8f8e-1e6f3c0a9b77', '2026-11-23T03:00:00Z']);
	assert.equal(c.created_at, '2026-11-23T04:00:00.000Z');
	assert.match(c.id, UUID);
	assert.equal(srv.seen[0].headers.authorization, 'Bearer axk_test');
	assert.match(srv.seen[0].headers['content-type'], /^application\/json/);
	await srv.close();
});

test('a 429 waits for its Retry-After, then sends the same ids again', async () => {
	const srv = await server((n, events) => n === 1 ? { status: 429, headers: { 'Retry-After': '1' } } : stored(events));
	const client = createClient({ url: srv.url, key: 'k', ...fast });
	for (let i = 0; i < 3; i++)
		client.record({ event_type: 't', message: String(i) });
	await client.flush();
	assert.equal(srv.seen.length, 2);
	const waited = srv.seen[1].at - srv.seen[0].at;
	assert.ok(waited >= 950 && waited < 3000, `resent after ${waited} ms`);
	assert.equal(srv.seen[1].raw, srv.seen[0].raw, 'the same body, the same ids');
	const s = await client.close();
	assert.deepEqual([s.sent, s.retries, s.dropped], [3, 1, 0]);
	await srv.close();
});

test('502, 504, a cut connection and a 503 are retried with the same body', async () => {
	const answers = [{ status: 502 }, { status: 504 }, 'cut', { status: 503 }];
	const srv = await server((n, events) => answers[n - 1] ?? stored(events));
	const errors = [];
	const client = createClient({ url: srv.url, key: 'k', ...fast, onError: (e) => errors.push(e) });
	for (let i = 0; i < 10; i++)
		client.record({ event_type: 't', message: String(i) });
	await client.flush();
	assert.equal(srv.seen.length, 5);
	assert.ok(srv.seen.every((r) => r.raw === srv.seen[0].raw));
	const s = await client.close();
	assert.deepEqual([s.sent, s.retries, s.dropped], [10, 4, 0]);
	assert.deepEqual(errors, []);
	await srv.close();
});

test('a 401 drops the batch and reports it once, without retrying', async () => {
	const srv = await server(() => ({ status: 401, body: { error: 'unauthorized', message: 'unknown or revoked key' } }));
	const errors = [];
	const client = createClient({ url: srv.url, key: 'k', ...fast, onError: (e) => errors.push(e) });
	for (let i = 0; i < 5; i++)
		client.record({ event_type: 't' });
	await client.flush();
	assert.equal(srv.seen.length, 1);
	assert.equal(errors.length, 1);
	assert.deepEqual([errors[0].kind, errors[0].status, errors[0].dropped], ['refused', 401, 5]);
	assert.match(errors[0].message, /401 unauthorized/);
	const s = await client.close();
	assert.deepEqual([s.sent, s.dropped, s.refused, s.retries], [0, 5, 5, 0]);
	await srv.close();
});

test('a 413 halves the batch until every part passes', async () => {
	const srv = await server((n, events) => events.length > 8 ? { status: 413 } : stored(events));
	const errors = [];
	const client = createClient({ url: srv.url, key: 'k', maxBatch: 50, onError: (e) => errors.push(e) });
	for (let i = 0; i < 50; i++)
		client.record({ event_type: 't', message: String(i) });
	await client.flush();
	const delivered = srv.seen.filter((r) => r.events.length <= 8).flatMap((r) => r.events.map((e) => e.message));
	assert.deepEqual(delivered.map(Number).sort((a, b) => a - b), [...Array(50).keys()]);
	assert.deepEqual(errors, []);
	await client.close();
	await srv.close();
});

test('a 400 that names no event: halves until the culprit is alone, drops only it', async () => {
	const srv = await server((n, events) => events.some((e) => e.message === 'poison') ?
	    { status: 400, body: { error: 'rejected', message: 'the database refused the data' } } : stored(events));
	const errors = [];
	const client = createClient({ url: srv.url, key: 'k', onError: (e) => errors.push(e) });
	for (let i = 0; i < 20; i++)
		client.record({ event_type: 't', message: i === 13 ? 'poison' : String(i) });
	await client.flush();
	const delivered = srv.seen.filter((r) => !r.events.some((e) => e.message === 'poison')).flatMap((r) => r.events);
	assert.equal(delivered.length, 19);
	assert.equal(new Set(delivered.map((e) => e.id)).size, 19);
	assert.equal(errors.length, 1);
	assert.deepEqual([errors[0].status, errors[0].dropped], [400, 1]);
	await client.close();
	await srv.close();
});

test('bodies of gzipMinBytes or more go out gzipped, smaller ones plain', async () => {
	const srv = await server((n, events) => stored(events));
	const client = createClient({ url: srv.url, key: 'k' });
	client.record({ event_type: 'small' });
	await client.flush();
	for (let i = 0; i < 100; i++)
		client.record({ event_type: 'big', message: 'm'.repeat(200) });
	await client.flush();
	assert.deepEqual(srv.seen.map((r) => [r.gzip, r.events.length]), [[false, 1], [true, 100]]);
	await client.close();
	await srv.close();
});

test('close() gives up at its deadline; record() after it drops and reports once', async () => {
	const srv = await server(() => ({ status: 503, headers: { 'Retry-After': '5' } }));
	const errors = [];
	const client = createClient({ url: srv.url, key: 'k', onError: (e) => errors.push(e) });
	for (let i = 0; i < 10; i++)
		client.record({ event_type: 't' });
	const t0 = Date.now();
	const s = await client.close({ timeout: 300 });
	assert.ok(Date.now() - t0 < 2000, `close() took ${Date.now() - t0} ms`);
	assert.deepEqual([s.sent, s.dropped, s.pending], [0, 10, 0]);
	client.record({ event_type: 't' });
	client.record({ event_type: 't' });
	assert.deepEqual(errors.map((e) => [e.kind, e.dropped]), [['unsent', 10], ['closed', 1]]);
	assert.equal(client.stats().dropped, 12);
	await srv.close();
});
