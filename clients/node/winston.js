/*
 * winston.js: what winston's stock Http transport needs to send to axlog
 * (no dependency: pass winston's own objects).
 *
 *   const winston = require('winston');
 *   const axlog = require('axlog-client/winston');
 *   const http = new winston.transports.Http({
 *     ...axlog.httpOptions({ url: 'https://logs.example.com/ingest', key: process.env.AXLOG_KEY }),
 *     format: winston.format(axlog.toEvent)(),
 *   });
 *   http.on('warn', (err) => console.error('axlog:', err.message));
 *   const logger = winston.createLogger({ transports: [new winston.transports.Console(), http] });
 *
 * The transport POSTs each batch as a JSON array and treats anything but
 * 200 as a failure, which is what /ingest answers.  It never retries: a
 * batch that fails (network error, 503 while the database restarts, 400
 * for one bad event) is lost, with one 'warn' event on the transport.
 * Use axlog.js (createClient) where that matters.
 */
'use strict';

const crypto = require('node:crypto');

const MAX_TEXT = 8192;	// bytes of message, and of metadata as JSON
const MAX_DEPTH = 8;	// nesting of metadata
const FIELDS = ['event_subtype', 'user_id', 'fingerprint', 'ip_address', 'duration_ms'];
const FAILURES = new Set(['error', 'crit', 'alert', 'emerg']);
const LEVEL = Symbol.for('level');	// winston's level without colours

// The options of winston.transports.Http for an axlog URL and ingest key:
// batches of batchCount events, or what came within batchInterval ms.
function httpOptions({ url, key, batchCount = 100, batchInterval = 1000 }) {
	const u = new URL(url);
	return {
		host: u.hostname,
		port: Number(u.port) || (u.protocol === 'https:' ? 443 : 80),
		path: u.pathname,
		ssl: u.protocol === 'https:',
		headers: { 'X-API-Key': key },
		batch: true,
		batchCount,
		batchInterval,
	};
}

// At most max bytes of UTF-8 (a character cut in two becomes U+FFFD).
function clip(s, max) {
	return Buffer.byteLength(s) <= max ? s : Buffer.from(s).subarray(0, max - 3).toString();
}

function depth(v) {
	if (v === null || typeof v !== 'object')
		return 0;
	return 1 + Math.max(0, ...Object.values(v).map(depth));
}

// A winston info object as an axlog event: event_type "log.<level>" unless
// the info names one; success false for error and worse; the info's other
// fields (and an Error's stack) as metadata.  Used as a transport format:
// winston.format(toEvent)().
function toEvent(info) {
	const level = info[LEVEL] ?? info.level;
	const event = {
		event_type: typeof info.event_type === 'string' ? info.event_type : `log.${level}`,
		id: crypto.randomUUID(),
		created_at: new Date().toISOString(),
		success: typeof info.success === 'boolean' ? info.success : !FAILURES.has(level),
		message: clip(String(info.message ?? ''), MAX_TEXT),
	};
	const metadata = {};
	for (const [k, v] of Object.entries(info)) {
		if (FIELDS.includes(k))
			event[k] = v;
		else if (!['event_type', 'success', 'message', 'level', 'timestamp'].includes(k) && v !== undefined)
			metadata[k] = v;
	}
	if (Object.keys(metadata).length > 0) {
		let json;
		try {
			json = JSON.stringify(metadata);
		} catch (err) {
			json = JSON.stringify({ unserialisable: err.message });
		}
		const parsed = JSON.parse(json);
		event.metadata = Buffer.byteLength(json) <= MAX_TEXT && depth(parsed) <= MAX_DEPTH ?
		    parsed : { truncated: clip(json, MAX_TEXT / 2) };
	}
	return event;
}

module.exports = { httpOptions, toEvent };
