// The winston setup of clients/node/winston.js, with winston's stock Http
// transport, against the real stack.  winston comes from node_modules here
// (npm ci) or from NODE_PATH.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { URL, KEY, noStack, sql, counts, until, tag } = require('./lib.js');
const axlog = require(path.join(__dirname, '..', '..', 'clients', 'node', 'winston.js'));

let winston = null;
try {
	winston = require('winston');
} catch { /* skipped below */ }
const skip = noStack || (!winston && 'winston is not installed (cd tests/clients && npm ci)');

const USER = '6b1f0e4c-1d2a-4d8e-9a53-2f1c7e9b0a11';

// The documented setup: a logger with the Http transport; warnings kept.
function setup(subtype) {
	const warnings = [];
	const transport = new winston.transports.Http({
		...axlog.httpOptions({ url: URL, key: KEY, batchInterval: 200 }),
		format: winston.format(axlog.toEvent)(),
	});
	transport.on('warn', (err) => warnings.push(err));
	const logger = winston.createLogger({
		level: 'debug',
		defaultMeta: { event_subtype: subtype },
		format: winston.format.combine(winston.format.errors({ stack: true }), winston.format.timestamp()),
		transports: [transport],
	});
	return { logger, warnings };
}

test('the winston setup stores what it logs', { skip, timeout: 20000 }, async () => {
	const sub = tag('winston');
	const { logger, warnings } = setup(sub);
	for (let i = 0; i < 250; i++) {
		if (i % 50 === 7)
			logger.error(new Error(`failure ${i}`));
		else if (i % 10 === 3)
			logger.warn(`slow ${i}`, { duration_ms: i, user_id: USER, route: '/checkout' });
		else
			logger.info(`line ${i}`, { n: i });
	}
	const where = `event_subtype = '${sub}'`;
	await until(() => counts(where).rows >= 250, 10000);
	assert.deepEqual(warnings, []);
	assert.deepEqual(counts(where), { rows: 250, ids: 250, messages: 250 });
	const byType = sql(`SELECT event_type, success, count(*) FROM axlog.logs WHERE ${where} GROUP BY 1, 2 ORDER BY 1`);
	assert.deepEqual(byType, [['log.error', 'f', '5'], ['log.info', 't', '220'], ['log.warn', 't', '25']]);
	assert.deepEqual(sql(`SELECT duration_ms, user_id, metadata->>'route' FROM axlog.logs WHERE ${where} AND message = 'slow 13'`),
	    [['13', USER, '/checkout']]);
	assert.deepEqual(sql(`SELECT metadata->>'n' FROM axlog.logs WHERE ${where} AND message = 'line 42'`), [['42']]);
	assert.deepEqual(sql(`SELECT metadata->>'stack' LIKE E'Error: failure 57\\n    at %' FROM axlog.logs
	    WHERE ${where} AND message = 'failure 57'`), [['t']], 'the Error\'s stack in metadata');
	logger.close();
});

test('winston does not retry: a batch with one bad event is lost whole, with one warning', { skip, timeout: 20000 }, async () => {
	const sub = tag('winston-bad');
	const { logger, warnings } = setup(sub);
	for (let i = 0; i < 5; i++)
		logger.info(`line ${i}`, i === 2 ? { user_id: 'not-a-uuid' } : {});
	await until(() => warnings.length > 0, 5000);
	assert.deepEqual(warnings.map((w) => w.message), ['Invalid HTTP Status Code: 400']);
	assert.deepEqual(counts(`event_subtype = '${sub}'`), { rows: 0, ids: 0, messages: 0 });
	logger.close();
});
