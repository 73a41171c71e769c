'use strict';
// The benchmark's peer (bench/run): POST /ingest in one Node process with
// Fastify and pg, doing the work of axlog-ingest:
//
//  - the key from "Authorization: Bearer" or "X-API-Key", shape-checked
//    (axk_ and 43 base64url characters), then its SHA-256 (401 otherwise);
//  - Content-Type application/json (an object or an array) or
//    application/x-ndjson, Content-Encoding gzip or none, at most 1 MiB
//    after decompression, at most 1000 events (413);
//  - each event checked roughly against the README's rules: known fields
//    only, event_type's characters and length, the lengths of
//    event_subtype, fingerprint and message, UUIDs, an IP address, a
//    boolean, a number >= 0, metadata an object of at most 8 KiB,
//    created_at a date at most 5 minutes ahead and required with an id;
//    every problem listed in a 400;
//  - one round trip: the JSON form of axlog's group statement
//    (axlog.ingest_group: key lookup, app check, retention check, INSERT
//    ... ON CONFLICT DO NOTHING, hour and day rollup upserts), read from
//    the file named by PEER_SQL (written by bench/run), as a named
//    prepared statement on a pg.Pool of PEER_POOL connections (default
//    10, pg's own default);
//  - 200 {"accepted", "duplicates"}, 401, 403, 400 as axlog answers them,
//    503 when the database fails.
//
// It does not normalise timestamps to UTC microseconds, refuse \u0000 or
// check UTF-8 beyond what Node's decoder and PostgreSQL do.
//
// Environment: PEER_PORT, PEER_DATABASE_URL, PEER_SQL, PEER_POOL.

const fs = require('node:fs');
const net = require('node:net');
const zlib = require('node:zlib');
const { Transform } = require('node:stream');
const Fastify = require('fastify');
const pg = require('pg');

const MAX_BODY = 1024 * 1024;
const MAX_BATCH = 1000;
const sql = fs.readFileSync(process.env.PEER_SQL, 'utf8');
const pool = new pg.Pool({
  connectionString: process.env.PEER_DATABASE_URL,
  max: Number(process.env.PEER_POOL || 10),
});
pool.on('error', (err) => console.error('peer: pool:', err.message));

const app = Fastify({ logger: false, bodyLimit: MAX_BODY });

const FIELDS = new Set(['id', 'app_id', 'created_at', 'event_type',
  'event_subtype', 'user_id', 'fingerprint', 'ip_address', 'success',
  'duration_ms', 'message', 'metadata']);
const TYPE_RE = /^[A-Za-z0-9_.:/-]{1,64}$/;
const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const TOKEN_RE = /^axk_[A-Za-z0-9_-]{43}$/;
const TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

// gzip bodies: inflate before parsing; Fastify applies bodyLimit to the
// inflated stream, and compares Content-Length with receivedEncodedLength.
app.addHook('preParsing', async (request, reply, payload) => {
  const enc = request.headers['content-encoding'];
  if (enc === undefined || enc === 'identity') return payload;
  if (enc !== 'gzip') {
    const err = new Error('Content-Encoding must be gzip or none');
    err.statusCode = 415;
    throw err;
  }
  let raw = 0;
  const counter = new Transform({
    transform(chunk, _e, cb) { raw += chunk.length; out.receivedEncodedLength = raw; cb(null, chunk); },
  });
  const out = payload.pipe(counter).pipe(zlib.createGunzip());
  counter.on('error', (e) => out.destroy(e));
  out.receivedEncodedLength = 0;
  return out;
});

app.addContentTypeParser('application/x-ndjson', { parseAs: 'string' },
  (request, body, done) => {
    const events = [];
    const lines = body.split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (lines[i].trim() === '') continue;
      try {
        events.push(JSON.parse(lines[i]));
      } catch {
        const err = new Error(`line ${i + 1} is not JSON`);
        err.statusCode = 400;
        done(err);
        return;
      }
    }
    done(null, events);
  });

function fail(reply, status, error, message, details) {
  const body = { error, message };
  if (details) body.details = details;
  return reply.code(status).send(body);
}

function validate(ev, index, now, problems) {
  const bad = (field, problem) => problems.push({ index, field, problem });
  if (ev === null || typeof ev !== 'object' || Array.isArray(ev)) {
    bad('', 'not_an_object');
    return;
  }
  for (const k of Object.keys(ev)) if (!FIELDS.has(k)) bad(k, 'unknown_field');
  const str = (f, max) => {
    const v = ev[f];
    if (v === undefined || v === null) return;
    if (typeof v !== 'string') bad(f, 'not_a_string');
    else if ([...v].length > max) bad(f, 'too_long');
  };
  if (typeof ev.event_type !== 'string' || !TYPE_RE.test(ev.event_type)) bad('event_type', 'invalid');
  str('event_subtype', 64);
  str('fingerprint', 64);
  if (ev.message != null) {
    if (typeof ev.message !== 'string') bad('message', 'not_a_string');
    else if (Buffer.byteLength(ev.message) > 8192) bad('message', 'too_long');
  }
  for (const f of ['id', 'user_id']) {
    if (ev[f] != null && (typeof ev[f] !== 'string' || !UUID_RE.test(ev[f]))) bad(f, 'not_a_uuid');
  }
  if (ev.ip_address != null && (typeof ev.ip_address !== 'string' || net.isIP(ev.ip_address) === 0)) bad('ip_address', 'invalid');
  if (ev.success != null && typeof ev.success !== 'boolean') bad('success', 'not_a_boolean');
  if (ev.duration_ms != null && (typeof ev.duration_ms !== 'number' || !(ev.duration_ms >= 0) || ev.duration_ms > 1e15)) bad('duration_ms', 'invalid');
  if (ev.metadata != null) {
    if (typeof ev.metadata !== 'object' || Array.isArray(ev.metadata)) bad('metadata', 'not_an_object');
    else if (JSON.stringify(ev.metadata).length > 8192) bad('metadata', 'too_large');
  }
  if (ev.created_at != null) {
    const t = typeof ev.created_at === 'string' && TIME_RE.test(ev.created_at) ? Date.parse(ev.created_at) : NaN;
    if (Number.isNaN(t)) bad('created_at', 'invalid');
    else if (t > now + 300000) bad('created_at', 'in_the_future');
  } else if (ev.id != null) {
    bad('created_at', 'required_with_id');
  }
  if (ev.app_id != null && typeof ev.app_id !== 'string') bad('app_id', 'not_a_string');
}

app.post('/ingest', async (request, reply) => {
  const auth = request.headers.authorization;
  const token = auth !== undefined && auth.startsWith('Bearer ') ? auth.slice(7) : request.headers['x-api-key'];
  if (token === undefined || !TOKEN_RE.test(token)) {
    reply.header('WWW-Authenticate', 'Bearer realm="axlog"');
    return fail(reply, 401, 'unauthorized', 'an ingest key is required');
  }
  const ct = (request.headers['content-type'] || '').split(';')[0].trim();
  if (ct !== 'application/json' && ct !== 'application/x-ndjson') {
    return fail(reply, 415, 'unsupported_media_type', 'Content-Type must be application/json or application/x-ndjson');
  }
  const body = request.body;
  const events = Array.isArray(body) ? body : [body];
  if (events.length > MAX_BATCH) return fail(reply, 413, 'too_large', 'too many events');
  const now = Date.now();
  const problems = [];
  let named = null;
  for (let i = 0; i < events.length; i++) {
    validate(events[i], i, now, problems);
    const a = events[i] && events[i].app_id;
    if (typeof a === 'string') {
      if (named !== null && named !== a) return fail(reply, 403, 'forbidden', 'events name another app than the key\'s');
      named = a;
    }
  }
  if (problems.length > 0) {
    const k = await pool.query({ name: 'peer_key', text: 'SELECT app_id FROM axlog.ingest_key($1::text)', values: [token] });
    if (k.rowCount === 0) return fail(reply, 401, 'unauthorized', 'unknown or revoked ingest key');
    return fail(reply, 400, 'invalid_event', 'events break the rules', problems.slice(0, 100));
  }
  let r;
  try {
    // The statement stores a group of requests: here always a group of one.
    r = await pool.query({ name: 'ingest_store', text: sql, values: [[token], JSON.stringify([events]), [named]], rowMode: 'array' });
  } catch (err) {
    if (err.code && /^2[23]/.test(err.code)) return fail(reply, 400, 'rejected', `the database refused the events (SQLSTATE ${err.code})`);
    reply.header('Retry-After', '5');
    return fail(reply, 503, 'unavailable', 'service temporarily unavailable');
  }
  const [keyApp, old, inserted] = r.rows[0];
  if (keyApp === null) return fail(reply, 401, 'unauthorized', 'unknown or revoked ingest key');
  if (old !== null) return fail(reply, 400, 'invalid_event', 'an event is older than the retention', [{ index: Number(old) - 1, field: 'created_at', problem: 'older_than_retention' }]);
  if (named !== null && named !== keyApp) return fail(reply, 403, 'forbidden', 'events name another app than the key\'s');
  const accepted = Number(inserted);
  return reply.code(200).send({ accepted, duplicates: events.length - accepted });
});

app.setErrorHandler((err, request, reply) => {
  const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 503;
  const error = { 400: 'invalid_json', 413: 'too_large', 415: 'unsupported_media_type' }[status] || (status === 503 ? 'unavailable' : 'bad_request');
  reply.code(status).send({ error, message: err.message });
});

const shutdown = () => app.close().then(() => pool.end()).then(() => process.exit(0));
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);

app.listen({ host: '127.0.0.1', port: Number(process.env.PEER_PORT) }).catch((err) => {
  console.error('peer:', err.message);
  process.exit(1);
});
