// The OpenTelemetry JavaScript SDK (@opentelemetry/sdk-logs with
// @opentelemetry/exporter-logs-otlp-http, unmodified, from npm) against
// POST /v1/logs through nginx; then the same through
// @opentelemetry/winston-transport.  The stack comes from
// tests/integration/shippers.sh (TEST_OTLP_URL, TEST_INGEST_KEY,
// TEST_DATABASE_URL); with TEST_PHASE_DIR the outage test runs alone
// (the script stops PostgreSQL while it sends).
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { KEY, sql, until, sleep, tag } = require('./lib.js');

const OTLP = process.env.TEST_OTLP_URL || '';
const PHASE = process.env.TEST_PHASE_DIR || '';
let otel = null;
try {
	otel = {
		logsApi: require('@opentelemetry/api-logs'),
		sdk: require('@opentelemetry/sdk-logs'),
		exporter: require('@opentelemetry/exporter-logs-otlp-http'),
		resources: require('@opentelemetry/resources'),
		winston: require('winston'),
		transport: require('@opentelemetry/winston-transport'),
	};
} catch (e) {
	otel = null;
}
const skip = !OTLP || !KEY ? 'TEST_OTLP_URL and TEST_INGEST_KEY are not set (run tests/integration/shippers.sh)' :
    !otel ? 'the OpenTelemetry packages are not installed (cd tests/clients && npm ci)' : false;

// The documented setup: a provider with a batch processor and the
// OTLP/HTTP JSON exporter, the key as a Bearer token.
function provider(service) {
	const exporter = new otel.exporter.OTLPLogExporter({
		url: OTLP,
		headers: { Authorization: `Bearer ${KEY}` },
		timeoutMillis: 30000,
	});
	return new otel.sdk.LoggerProvider({
		resource: otel.resources.resourceFromAttributes({ 'service.name': service }),
		processors: [new otel.sdk.BatchLogRecordProcessor({ exporter, maxExportBatchSize: 100, scheduledDelayMillis: 100 })],
	});
}

const count = (where) => Number(sql(`SELECT count(*) FROM axlog.logs WHERE ${where}`)[0][0]);

function emit(logger, run, i) {
	const error = i % 100 === 7;
	logger.emit({
		severityNumber: error ? otel.logsApi.SeverityNumber.ERROR : otel.logsApi.SeverityNumber.INFO,
		severityText: error ? 'ERROR' : 'INFO',
		body: `${run} record ${String(i).padStart(4, '0')}`,
		attributes: { run, i, duration_ms: i % 10, nested: { a: [1, 2] } },
		...(i % 250 === 3 ? { eventName: 'checkout.done' } : {}),
	});
}

test('the OpenTelemetry SDK exports 1000 records, each stored once with the mapped fields', { skip: skip || (PHASE ? 'not in the outage run (TEST_PHASE_DIR)' : false), timeout: 60000 }, async (t) => {
	const run = tag('otel');
	const p = provider('otel-test');
	t.after(() => p.shutdown());
	const logger = p.getLogger('axlog-test', '1.0.0');
	for (let i = 0; i < 1000; i++)
		emit(logger, run, i);
	await p.forceFlush();
	const where = `metadata->'resource'->>'service.name' = 'otel-test' AND metadata->'attributes'->>'run' = '${run}'`;
	await until(() => count(where) >= 1000, 10000);
	assert.deepEqual(sql(`SELECT count(*), count(DISTINCT id), count(DISTINCT message) FROM axlog.logs WHERE ${where}`),
	    [['1000', '1000', '1000']]);
	assert.deepEqual(sql(`SELECT event_type, success, count(*) FROM axlog.logs WHERE ${where} GROUP BY 1, 2 ORDER BY 1, 2`),
	    [['checkout.done', 't', '4'], ['log.error', 'f', '10'], ['log.info', 't', '986']]);
	assert.deepEqual(sql(`SELECT duration_ms, metadata->'attributes'->>'i', metadata->'attributes'->'nested'->>'a',
	    metadata->'scope'->>'name', abs(extract(epoch FROM now() - created_at)) < 120
	    FROM axlog.logs WHERE ${where} AND message = '${run} record 0042'`),
	    [['2', '42', '[1, 2]', 'axlog-test', 't']]);
});

test('the OpenTelemetry winston transport stores what winston logs', { skip: skip || (PHASE ? 'not in the outage run (TEST_PHASE_DIR)' : false), timeout: 60000 }, async (t) => {
	const run = tag('otel-winston');
	const p = provider('otel-winston');
	t.after(() => p.shutdown());
	otel.logsApi.logs.setGlobalLoggerProvider(p);
	const logger = otel.winston.createLogger({
		level: 'debug',
		transports: [new otel.transport.OpenTelemetryTransportV3()],
	});
	for (let i = 0; i < 100; i++) {
		if (i % 20 === 5)
			logger.error(`${run} failed ${i}`, { run });
		else
			logger.info(`${run} line ${i}`, { run, i });
	}
	await sleep(200);
	await p.forceFlush();
	const where = `metadata->'resource'->>'service.name' = 'otel-winston' AND metadata->'attributes'->>'run' = '${run}'`;
	await until(() => count(where) >= 100, 10000);
	assert.deepEqual(sql(`SELECT event_type, success, count(*), count(DISTINCT message) FROM axlog.logs WHERE ${where} GROUP BY 1, 2 ORDER BY 1`),
	    [['log.error', 'f', '5', '5'], ['log.info', 't', '95', '95']]);
	otel.logsApi.logs.disable();
});

// The outage: records go out all along; the script stops PostgreSQL once
// the first are stored and starts it again a few seconds later.  The SDK
// resends each batch answered 503 after its Retry-After.
test('PostgreSQL stopped mid-run: nothing lost, nothing doubled', { skip: skip || (PHASE ? false : 'run by shippers.sh with TEST_PHASE_DIR'), timeout: 90000 }, async (t) => {
	const run = tag('otel-outage');
	const p = provider('otel-outage');
	t.after(() => p.shutdown());
	const logger = p.getLogger('axlog-test');
	const where = `metadata->'attributes'->>'run' = '${run}'`;
	let i = 0;
	for (; i < 100; i++)
		emit(logger, run, i);
	await p.forceFlush();
	assert.ok(await until(() => count(where) >= 100, 10000), 'the first 100 stored');
	fs.writeFileSync(path.join(PHASE, 'sending'), '');
	while (!fs.existsSync(path.join(PHASE, 'restarted'))) {
		for (let k = 0; k < 20 && i < 1000; k++, i++)
			emit(logger, run, i);
		await sleep(100);
	}
	for (; i < 1000; i++)
		emit(logger, run, i);
	await p.forceFlush();
	await until(() => count(where) >= 1000, 20000);
	assert.deepEqual(sql(`SELECT count(*), count(DISTINCT message) FROM axlog.logs WHERE ${where}`), [['1000', '1000']]);
});
