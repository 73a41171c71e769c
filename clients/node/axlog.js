/*
 * axlog.js: the Node.js client of axlog's POST /ingest (Node 18 or newer,
 * no dependencies).  record() queues an event and returns at once;
 * batches go out by count and by time, one request at a time.  Every event
 * gets an id and a created_at when it is recorded, so a resend after a
 * network error, a 5xx or a 429 is stored once (the server counts it as a
 * duplicate).  Nothing here throws into the application: what is lost is
 * counted (stats()) and reported to onError, once per loss.
 */
'use strict';

const crypto = require('node:crypto');
const { promisify } = require('node:util');
const gzip = promisify(require('node:zlib').gzip);

const DEFAULTS = {
	maxBatch: 500,		// events a request (the server takes AXLOG_MAX_BATCH, 1000)
	maxBatchBytes: 512 * 1024, // JSON bytes a request, before gzip (server: 1 MiB)
	flushInterval: 1000,	// ms an event may wait for others to share its request
	maxBuffer: 10000,	// events waiting to be sent; beyond, the oldest are dropped
	gzipMinBytes: 8192,	// bodies this large or larger go out gzipped
	timeout: 15000,		// ms for one request
	minBackoff: 500,	// ms before the first retry when there is no Retry-After
	maxBackoff: 30000,	// the longest wait between two tries
	onError: (err) => console.error(`axlog: ${err.message}`),
};

// Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date, in ms.
function retryAfterMs(v) {
	const ms = v == null ? NaN : /^\s*\d+\s*$/.test(v) ? Number(v) * 1000 : Date.parse(v) - Date.now();
	return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), 300000) : undefined;
}

function answer(status, body) {
	return `HTTP ${status}${body?.error ? ` ${body.error}` : ''}${body?.message ? `: ${body.message}` : ''}`;
}

// The events a 400's details[] names (index: 0-based, as the server counts).
function named(status, body, n) {
	const all = status === 400 && Array.isArray(body?.details) ? body.details.map((d) => d?.index) : [];
	return new Set(all.filter((i) => Number.isInteger(i) && i >= 0 && i < n));
}

function createClient(options) {
	const o = { ...DEFAULTS, ...options };
	if (!o.url || !o.key)
		throw new TypeError('axlog: createClient needs url and key');
	const endpoint = new URL(o.url);
	const counts = { recorded: 0, sent: 0, duplicates: 0, dropped: 0, overflowed: 0, refused: 0, retries: 0 };
	const queue = [];	// { seq, json, bytes }, oldest first from queue[head]
	const waiters = [];	// flush() calls: { upTo, resolve }
	const quiet = new Set(); // kinds of loss already reported
	let head = 0, seq = 0, inflight = null, sending = false, due = false;
	let closed = false, abandon = false, timer = null, nap = null, request = null;

	const waiting = () => queue.length - head;

	// Count n lost events and tell onError (overflow and record() after
	// close() once, until the next delivery).
	function lose(n, kind, message, extra) {
		counts.dropped += n;
		if (kind in counts)
			counts[kind] += n;
		if (quiet.has(kind))
			return;
		if (kind === 'overflowed' || kind === 'closed')
			quiet.add(kind);
		try {
			o.onError(Object.assign(new Error(message), { kind, dropped: n }, extra));
		} catch { /* a failing reporter must not stop the client */ }
	}

	function record(event) {
		try {
			if (closed)
				return void lose(1, 'closed', 'record() after close(): event dropped');
			if (event === null || typeof event !== 'object' || Array.isArray(event))
				throw new TypeError('an event is a plain object');
			const e = { ...event };
			e.id ??= crypto.randomUUID();
			e.created_at = e.created_at instanceof Date ? e.created_at.toISOString() :
			    e.created_at ?? new Date().toISOString();
			const json = JSON.stringify(e);
			if (waiting() >= o.maxBuffer) {
				head++;
				lose(1, 'overflowed', `buffer full (${o.maxBuffer} events): dropping the oldest`);
			}
			queue.push({ seq: seq++, json, bytes: Buffer.byteLength(json) });
			counts.recorded++;
			if (head > 1024 && head * 2 > queue.length) {
				queue.splice(0, head);
				head = 0;
			}
			if (waiting() >= o.maxBatch)
				pump();
			else
				arm();
			return e.id;
		} catch (err) {
			return void lose(1, 'refused', `event not recorded: ${err.message}`);
		}
	}

	// Send a partial batch flushInterval ms from now.
	function arm() {
		if (!timer && !closed)
			timer = setTimeout(() => { timer = null; due = true; pump(); }, o.flushInterval).unref();
	}

	// Resolve the flush() calls whose events are all sent or dropped.
	function settle() {
		const low = inflight ? inflight[0].seq : waiting() > 0 ? queue[head].seq : seq;
		for (let i = waiters.length - 1; i >= 0; i--)
			if (waiters[i].upTo <= low)
				waiters.splice(i, 1)[0].resolve();
	}

	// The oldest events, up to maxBatch of them and maxBatchBytes of JSON.
	function take() {
		const batch = [];
		for (let bytes = 2; waiting() > 0 && batch.length < o.maxBatch; head++) {
			bytes += queue[head].bytes + 1;
			if (batch.length > 0 && bytes > o.maxBatchBytes)
				break;
			batch.push(queue[head]);
		}
		return batch;
	}

	async function pump() {
		if (sending)
			return;
		sending = true;
		try {
			while (waiting() > 0 && (due || closed || waiters.length > 0 || waiting() >= o.maxBatch)) {
				inflight = take();
				await deliver(inflight);
				inflight = null;
				settle();
			}
			due = false;
		} catch (err) {
			lose(inflight ? inflight.length : 0, 'unsent', `axlog client bug: ${err.message}`);
		} finally {
			sending = false;
			inflight = null;
			settle();
			if (waiting() > 0)
				arm();
		}
	}

	// Send one batch until it is stored or refused: network errors, 408,
	// 429 and 5xx are retried with the same bytes (the same ids).
	async function deliver(batch) {
		for (let attempt = 0; batch.length > 0;) {
			if (abandon) {	// close() timed out: this batch and all that waits
				const n = batch.length + waiting();
				queue.length = head = 0;
				return lose(n, 'unsent', `close() timed out: ${n} event(s) not sent`);
			}
			const res = await post(batch);
			const { status, body } = res;
			if (status >= 200 && status < 300) {
				counts.sent += batch.length;
				counts.duplicates += Number(body?.duplicates) || 0;
				quiet.delete('overflowed');
				return undefined;
			}
			const bad = named(status, body, batch.length);
			if (bad.size > 0) {	// drop the events named, send their neighbours again
				lose(bad.size, 'refused', `${answer(status, body)}: ${bad.size} event(s) dropped`,
				    { status, details: body.details, events: batch.filter((_, i) => bad.has(i)).map((i) => JSON.parse(i.json)) });
				batch = batch.filter((_, i) => !bad.has(i));
				attempt = 0;
			} else if ((status === 400 || status === 413) && batch.length > 1) {
				// Nothing named: halve until the culprit is alone.
				const half = Math.ceil(batch.length / 2);
				await deliver(batch.slice(0, half));
				return deliver(batch.slice(half));
			} else if (status >= 300 && status < 500 && status !== 408 && status !== 429) {
				return lose(batch.length, 'refused', `${answer(status, body)}: ${batch.length} event(s) dropped`, { status, body });
			} else {
				counts.retries++;
				const cap = Math.min(o.maxBackoff, o.minBackoff * 2 ** attempt++);
				await sleep(res.retryAfter ?? cap / 2 + Math.random() * cap / 2);
			}
		}
		return undefined;
	}

	// One POST: { status, retryAfter, body }; status 0 when no answer came.
	async function post(batch) {
		let body = Buffer.from(`[${batch.map((i) => i.json).join(',')}]`);
		const headers = { 'Content-Type': 'application/json', Authorization: `Bearer ${o.key}` };
		if (body.length >= o.gzipMinBytes) {
			body = await gzip(body);
			headers['Content-Encoding'] = 'gzip';
		}
		request = new AbortController();
		const t = setTimeout(() => request?.abort(), o.timeout);
		try {
			const res = await fetch(endpoint, { method: 'POST', headers, body, signal: request.signal, redirect: 'manual' });
			const json = await res.json().catch(() => null);	// null: a proxy's error page
			return { status: res.status, retryAfter: retryAfterMs(res.headers.get('retry-after')), body: json };
		} catch {
			return { status: 0 };
		} finally {
			clearTimeout(t);
			request = null;
		}
	}

	// The wait between two tries holds the process only while a flush() or
	// close() waits; close() cuts it short when its time is up.
	function sleep(ms) {
		return new Promise((resolve) => {
			const t = abandon ? null : setTimeout(() => { nap = null; resolve(); }, ms);
			if (!t)
				return resolve();
			if (waiters.length === 0)
				t.unref();
			nap = { t, wake: () => { clearTimeout(t); nap = null; resolve(); } };
		});
	}

	function flush() {
		return new Promise((resolve) => {
			waiters.push({ upTo: seq, resolve });
			nap?.t.ref();
			settle();
			pump();
		});
	}

	// Send what is buffered, for at most timeout ms; then drop the rest.
	async function close({ timeout = 10000 } = {}) {
		closed = true;
		clearTimeout(timer);
		let t;
		await Promise.race([flush(), new Promise((resolve) => { t = setTimeout(resolve, timeout); })]);
		clearTimeout(t);
		if (waiting() > 0 || inflight) {
			abandon = true;
			nap?.wake();
			request?.abort();
			await flush();
		}
		return stats();
	}

	const stats = () => ({ ...counts, pending: waiting() + (inflight ? inflight.length : 0) });
	return { record, flush, close, stats };
}

module.exports = { createClient };
