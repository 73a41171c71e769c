// The dashboard (web/) in a real browser: Debian's chromium driven by
// playwright-core.  Run by tests/integration/dashboard.sh, which starts
// the stack and ingests known events; by hand:
//
//   BASE_URL=http://127.0.0.1:8080 READ_KEY=axk_... OUT_DIR=/tmp/shots \
//     node tests/browser/dashboard.test.mjs
//
// Every number on the page is compared with what the API itself answers
// (GET /stats, /stats/apps, /stats/alerts, /stats/logs with the same
// key).  Prints TAP.
//
// Environment:
//   BASE_URL        the nginx in front of axlog (required)
//   READ_KEY        a read key for all apps (required)
//   OUT_DIR         where the screenshots go (default: ./screenshots)
//   DRILL_APP       the app to drill down into (default: demo)
//   APP_READ_KEY    optional: a read key bound to DRILL_APP...
//   FORBIDDEN_APP   ...and an app it may not read (the 403 check)
//   INGEST_KEY      optional: DRILL_APP's ingest key (the refresh check
//                   sends one event with it)
//   XSS_MESSAGE     the message of an event of DRILL_APP that must show
//                   as text (default: <img src=x onerror="window.__pwned=1">)
//   CHROMIUM        the browser (default: /usr/bin/chromium)
//   PLAYWRIGHT_CORE the playwright-core package directory (default: the
//                   one in node_modules next to this file)

import { mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const { chromium } = require(process.env.PLAYWRIGHT_CORE || path.join(here, 'node_modules', 'playwright-core'));

const BASE = (process.env.BASE_URL || '').replace(/\/+$/, '');
const READ_KEY = process.env.READ_KEY || '';
const OUT_DIR = path.resolve(process.env.OUT_DIR || 'screenshots');
const DRILL_APP = process.env.DRILL_APP || 'demo';
const APP_READ_KEY = process.env.APP_READ_KEY || '';
const FORBIDDEN_APP = process.env.FORBIDDEN_APP || '';
const INGEST_KEY = process.env.INGEST_KEY || '';
const XSS_MESSAGE = process.env.XSS_MESSAGE || '<img src=x onerror="window.__pwned=1">';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const PAGE_SIZE = 25;		// LOGS_PAGE_SIZE in web/app.js
// Generous: make check runs two test scripts at once on two cores.
const TIMEOUT = Number(process.env.BROWSER_TIMEOUT_MS || 30000);

if (!BASE || !READ_KEY) {
	console.log('1..0 # SKIP BASE_URL and READ_KEY are required');
	process.exit(0);
}

// ---------------------------------------------------------------------------
// TAP
// ---------------------------------------------------------------------------

const TESTS = [];
function test(name, fn) {
	TESTS.push({ name, fn });
}

class Fail extends Error {}

function assert(cond, message) {
	if (!cond) {
		throw new Fail(message);
	}
}

function show(v) {
	return JSON.stringify(v);
}

function eq(got, want, what) {
	const g = show(got);
	const w = show(want);
	if (g === w) {
		return;
	}
	if (Array.isArray(got) && Array.isArray(want)) {
		// Long lists: the first difference is what helps.
		let i = 0;
		while (i < got.length && i < want.length && show(got[i]) === show(want[i])) {
			i++;
		}
		throw new Fail(`${what}: ${got.length} items, ${want.length} expected; first difference at [${i}]:\n` +
			`  got:      ${show(got[i])}\n  expected: ${show(want[i])}`);
	}
	throw new Fail(`${what}:\n  got:      ${g}\n  expected: ${w}`);
}

function diag(text) {
	for (const line of String(text).split('\n')) {
		console.log('# ' + line);
	}
}

// ---------------------------------------------------------------------------
// The API, read directly
// ---------------------------------------------------------------------------

async function api(p, params = {}, key = READ_KEY) {
	const u = new URL(BASE + p);
	for (const [k, v] of Object.entries(params)) {
		if (v !== '' && v !== null && v !== undefined) {
			u.searchParams.append(k, v);
		}
	}
	const res = await fetch(u, { headers: { Authorization: 'Bearer ' + key } });
	const body = await res.json().catch(() => null);
	if (!res.ok) {
		throw new Fail(`GET ${u.pathname}${u.search}: HTTP ${res.status} ${show(body)}`);
	}
	return body;
}

// The formatting of web/app.js, to compare the text on screen.
const intFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const fmtInt = (n) => (typeof n === 'number' ? intFormat.format(n) : '–');
const fmtRate = (r) => (typeof r === 'number' ? (r * 100).toFixed(1) + ' %' : '–');
function fmtMs(v) {
	if (typeof v !== 'number') return '–';
	if (v >= 1000) return (v / 1000).toFixed(2) + ' s';
	if (v >= 100) return v.toFixed(0) + ' ms';
	return v.toFixed(1) + ' ms';
}
const dataValue = (v) => (v === null || v === undefined ? '' : String(v));

// ---------------------------------------------------------------------------
// The browser
// ---------------------------------------------------------------------------

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
	'--no-first-run', '--disable-background-networking',
	'--disable-component-update', '--disable-sync'];

let browser = null;
const problems = [];		// console errors, page errors, CSP violations, dialogs

async function newPage(opts = {}) {
	const context = await browser.newContext({
		viewport: opts.viewport || { width: 1280, height: 900 },
		deviceScaleFactor: 1,
		isMobile: !!opts.isMobile,
		hasTouch: !!opts.isMobile
	});
	context.setDefaultTimeout(TIMEOUT);
	if (opts.clock) {
		await context.clock.install();
	}
	// Record CSP violations in the page (an init script is not subject
	// to the page's CSP).
	await context.addInitScript(() => {
		window.__csp = [];
		document.addEventListener('securitypolicyviolation', (e) => {
			window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
		});
	});
	const page = await context.newPage();
	const tag = opts.tag || 'page';
	page.on('pageerror', (e) => problems.push(`${tag}: page error: ${e.message}`));
	page.on('console', (m) => {
		if (m.type() !== 'error') return;
		// Errors the tests cause on purpose: refused keys and simulated
		// outages.
		if (/status of (401|403|503)|ERR_FAILED|net::ERR/.test(m.text())) return;
		problems.push(`${tag}: console error: ${m.text()}`);
	});
	page.on('dialog', (d) => {
		problems.push(`${tag}: a dialog opened: ${d.type()} ${d.message()}`);
		d.dismiss().catch(() => {});
	});
	return page;
}

async function login(page, key, hash = '') {
	await page.goto(BASE + '/' + hash);
	await page.waitForSelector('[data-testid="key-input"]', { state: 'visible' });
	await page.fill('[data-testid="key-input"]', key);
	await page.click('[data-testid="login-submit"]');
}

async function waitReady(page, minRenders = 1) {
	await page.waitForFunction((n) => document.body.dataset.status === 'ready' &&
		Number(document.body.dataset.renders || 0) >= n && !document.body.hasAttribute('data-busy'), minRenders);
}

async function waitLogs(page) {
	await page.waitForSelector('[data-testid="logs-table"][data-status="ready"]', { state: 'attached' });
}

// The range the page's /stats answer echoed (whole buckets): asking the
// API for exactly that range gives the same numbers, whatever the clock
// did in between.
async function pageRange(page) {
	return page.$eval('#scope-range', (e) => ({ from: e.dataset.from, to: e.dataset.to }));
}

async function totalsOnPage(page) {
	return page.evaluate(() => {
		const out = {};
		for (const id of ['events', 'errors', 'error-rate', 'p50', 'p95', 'p99']) {
			const e = document.querySelector(`[data-testid="total-${id}"]`);
			out[id] = { text: e.textContent, value: e.dataset.value };
		}
		return out;
	});
}

function expectTotals(t) {
	const d = t.duration_ms || {};
	return {
		'events': { text: fmtInt(t.events), value: dataValue(t.events) },
		'errors': { text: fmtInt(t.errors), value: dataValue(t.errors) },
		'error-rate': { text: fmtRate(t.error_rate), value: dataValue(t.error_rate) },
		'p50': { text: fmtMs(d.p50), value: dataValue(d.p50) },
		'p95': { text: fmtMs(d.p95), value: dataValue(d.p95) },
		'p99': { text: fmtMs(d.p99), value: dataValue(d.p99) }
	};
}

async function chartOnPage(page) {
	return page.evaluate(() => {
		const c = window.Chart && window.Chart.getChart(document.getElementById('chart'));
		if (!c) return null;
		return {
			id: c.id,
			labels: c.data.labels.length,
			events: c.data.datasets[0].data.slice(),
			errors: c.data.datasets[1].data.slice(),
			width: c.width,
			height: c.height
		};
	});
}

async function logsOnPage(page) {
	return page.$$eval('[data-testid="logs-body"] tr[data-id]', (rows) => rows.map((r) => ({
		id: r.dataset.id,
		time: r.querySelector('[data-col="time"]').dataset.value,
		event_type: r.querySelector('[data-col="event_type"]').textContent,
		success: r.querySelector('[data-col="success"]').dataset.value,
		message: r.querySelector('[data-col="message"]').textContent
	})));
}

function expectLogs(events) {
	return events.map((e) => ({
		id: e.id,
		time: e.created_at,
		event_type: e.event_type + (e.event_subtype ? ' / ' + e.event_subtype : ''),
		success: String(e.success !== false),
		message: typeof e.message === 'string' ? e.message : ''
	}));
}

async function shot(page, name, fullPage = true) {
	const file = path.join(OUT_DIR, name);
	await page.screenshot({ path: file, fullPage });
	assert(statSync(file).size > 10000, `${file} is suspiciously small`);
	return file;
}

// ---------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------

let main = null;		// the signed-in page (desktop)
let all = null;			// /stats of the page's range
let logsRange = null;		// the from/to the page sends to /stats/logs
const shots = [];

test('GET / serves the page with a strict CSP and nosniff', async () => {
	const res = await fetch(BASE + '/');
	eq(res.status, 200, 'status');
	const csp = res.headers.get('content-security-policy') || '';
	assert(/default-src 'self'/.test(csp) && /script-src 'self'/.test(csp) &&
		!/unsafe-inline|unsafe-eval/.test(csp), `Content-Security-Policy: ${csp}`);
	eq(res.headers.get('x-content-type-options'), 'nosniff', 'X-Content-Type-Options');
	const chart = await fetch(BASE + '/javascript/chart.js/chart.min.js');
	eq(chart.status, 200, '/javascript/chart.js/chart.min.js status');
	assert(/javascript/.test(chart.headers.get('content-type') || ''),
		`Chart.js Content-Type: ${chart.headers.get('content-type')}`);
});

test('without a key the page asks for one', async () => {
	main = await newPage({ tag: 'main' });
	await main.goto(BASE + '/');
	await main.waitForSelector('[data-testid="key-input"]', { state: 'visible' });
	eq(await main.isVisible('[data-testid="dashboard"]'), false, 'dashboard visible before the key');
	eq(await main.evaluate(() => document.body.dataset.status), 'login', 'body status');
});

test('with the read key the dashboard loads (Chart.js runs under the CSP)', async () => {
	await main.fill('[data-testid="key-input"]', READ_KEY);
	await main.click('[data-testid="login-submit"]');
	await waitReady(main);
	eq(await main.isVisible('[data-testid="login"]'), false, 'login still visible');
	// Chart.js sizes its canvas from a ResizeObserver, after the frame in
	// which the dashboard became visible: on a busy machine that can come
	// after "ready".  Wait for it (bounded), then check.
	await main.waitForFunction(() => {
		const c = window.Chart && window.Chart.getChart(document.getElementById('chart'));
		return c && c.width > 100 && c.height > 100;
	}, null, { timeout: 5000 }).catch(() => {});
	const chart = await chartOnPage(main);
	assert(chart !== null, 'no Chart.js chart on the canvas');
	assert(chart.width > 100 && chart.height > 100, `chart size ${chart.width}x${chart.height}`);
	eq(await main.evaluate(() => window.__csp), [], 'CSP violations');
	eq(await main.evaluate(() => sessionStorage.getItem('axlog.readKey') !== null), true, 'key in sessionStorage');
});

test('totals equal /stats', async () => {
	const r = await pageRange(main);
	all = await api('/stats', r);
	eq(await totalsOnPage(main), expectTotals(all.totals), 'totals');
	assert(all.totals.events > 0, 'no events in the range: the fixture is missing');
});

test('per-app rows equal /stats (order, events, errors, error rate, p95, last event)', async () => {
	const rows = await main.$$eval('[data-testid="apps-body"] tr[data-app]', (trs) => trs.map((tr) => {
		const c = (n) => tr.querySelector(`[data-col="${n}"]`);
		return {
			app: tr.dataset.app,
			events: [c('events').textContent, c('events').dataset.value],
			errors: [c('errors').textContent, c('errors').dataset.value],
			error_rate: [c('error_rate').textContent, c('error_rate').dataset.value],
			p95: [c('p95').textContent, c('p95').dataset.value],
			last_event: c('last_event').dataset.value,
			age: c('last_event').textContent
		};
	}));
	const want = all.apps.map((a) => ({
		app: a.app_id,
		events: [fmtInt(a.events), dataValue(a.events)],
		errors: [fmtInt(a.errors), dataValue(a.errors)],
		error_rate: [fmtRate(a.error_rate), dataValue(a.error_rate)],
		p95: [fmtMs(a.duration_ms.p95), dataValue(a.duration_ms.p95)],
		last_event: a.last_event_at || ''
	}));
	eq(rows.map(({ age, ...x }) => x), want, 'app rows');
	for (const r of rows) {
		assert(/^(\d+ (s|min|h|d) ago|never)$/.test(r.age), `last event of ${r.app}: "${r.age}"`);
	}
	assert(rows.length >= 2, 'fewer than two apps');
});

test('the chart shows the events and errors of all apps per bucket', async () => {
	const chart = await chartOnPage(main);
	const n = all.apps[0].series.length;
	const ev = Array(n).fill(0);
	const er = Array(n).fill(0);
	for (const a of all.apps) {
		a.series.forEach((p, i) => { ev[i] += p.events; er[i] += p.errors; });
	}
	eq(chart.events, ev, 'events series');
	eq(chart.errors, er, 'errors series');
	eq(chart.labels, n, 'labels');
});

test('the alerts panel lists /stats/alerts', async () => {
	const alerts = (await api('/stats/alerts')).alerts;
	const onPage = await main.$$eval('[data-testid="alerts-list"] [data-testid="alert"]',
		(lis) => lis.map((li) => [li.dataset.type, li.dataset.app]));
	eq(onPage, alerts.map((a) => [a.type, a.app_id]), 'alerts');
	eq(await main.textContent('[data-testid="alerts-count"]'), String(alerts.length), 'alert count');
	assert(alerts.length > 0, 'the fixture should raise at least one alert');
});

test('each alert shows when it fired and whether its notice went out', async () => {
	const alerts = (await api('/stats/alerts')).alerts;
	const onPage = await main.$$eval('[data-testid="alerts-list"] [data-testid="alert-notice"]',
		(els) => els.map((e) => [e.dataset.notice, e.textContent]));
	eq(onPage.map((n) => n[0]), alerts.map((a) => a.notice || 'none-yet'), 'notice states');
	// dashboard.sh ran alerts --notify once, with its one target down:
	// the first notice failed, the target's others wait behind it.
	assert(alerts.every((a) => a.fired_at && (a.notice === 'failing' || a.notice === 'pending')) &&
		alerts.some((a) => a.notice === 'failing'),
		'every alert fired, a notice failing, the others pending: ' + JSON.stringify(alerts));
	onPage.forEach(([, text], i) => {
		const t = alerts[i].fired_at.replace('T', ' ').slice(0, 19);
		assert(text.startsWith('Fired ' + t + ' UTC; notice ' + alerts[i].notice), 'notice text: ' + text);
	});
});

test('the app selector lists /stats/apps', async () => {
	const reg = (await api('/stats/apps')).apps.map((a) => a.app_id);
	const opts = await main.$$eval('[data-testid="app-select"] option', (os) => os.map((o) => o.value));
	eq(opts, [''].concat(reg), 'options');
});

test('screenshot: all apps (desktop, full page)', async () => {
	shots.push(await shot(main, 'dashboard-all-apps.png'));
});

test('clicking an app row drills down: totals equal /stats?app=X', async () => {
	await main.click(`[data-testid="apps-body"] tr[data-app="${DRILL_APP}"]`);
	await main.waitForFunction((app) => document.getElementById('dashboard').dataset.app === app &&
		document.body.dataset.status === 'ready' && !document.body.hasAttribute('data-busy'), DRILL_APP);
	await waitLogs(main);
	eq(await main.textContent('[data-testid="scope-name"]'), DRILL_APP, 'scope name');
	eq(await main.isVisible('[data-testid="drill"]'), true, 'drill-down visible');
	eq(await main.evaluate(() => location.hash), '#app=' + encodeURIComponent(DRILL_APP), 'location.hash');
	const one = await api('/stats', { ...(await pageRange(main)), app: DRILL_APP });
	eq(await totalsOnPage(main), expectTotals(one.totals), 'totals of ' + DRILL_APP);
});

test('drill-down: event types equal /stats?app=X event_types, the chart its series', async () => {
	const one = await api('/stats', { ...(await pageRange(main)), app: DRILL_APP });
	const app = one.apps.find((a) => a.app_id === DRILL_APP);
	assert(app, `${DRILL_APP} missing from /stats?app=${DRILL_APP}`);
	const rows = await main.$$eval('[data-testid="types-body"] tr[data-event-type]', (trs) => trs.map((tr) => [
		tr.dataset.eventType,
		tr.querySelector('[data-col="event_type"]').textContent,
		tr.querySelector('[data-col="events"]').dataset.value,
		tr.querySelector('[data-col="errors"]').dataset.value,
		tr.querySelector('[data-col="events"]').textContent
	]));
	eq(rows, app.event_types.map((t) => [t.event_type, t.event_type, String(t.events), String(t.errors), fmtInt(t.events)]),
		'event types');
	const chart = await chartOnPage(main);
	eq(chart.events, app.series.map((p) => p.events), 'events series');
	eq(chart.errors, app.series.map((p) => p.errors), 'errors series');
});

test('recent events equal /stats/logs?app=X, newest first', async () => {
	// The page asks for the last 24 hours up to now.
	logsRange = { from: '-24h', to: 'now' };
	const first = await api('/stats/logs', { ...logsRange, app: DRILL_APP, limit: PAGE_SIZE });
	eq(await logsOnPage(main), expectLogs(first.events), 'rows of page 1');
	assert(first.next_cursor, 'the fixture should fill more than one page');
	eq(await main.textContent('[data-testid="logs-page"]'), 'page 1', 'page label');
	eq(await main.isDisabled('[data-testid="logs-older"]'), false, '"older" disabled');
});

test('"older" shows the next page (next_cursor), "newer" goes back', async () => {
	const first = await api('/stats/logs', { ...logsRange, app: DRILL_APP, limit: PAGE_SIZE });
	const second = await api('/stats/logs', { ...logsRange, app: DRILL_APP, limit: PAGE_SIZE, cursor: first.next_cursor });
	await main.click('[data-testid="logs-older"]');
	await main.waitForSelector('[data-testid="logs-table"][data-page="2"][data-status="ready"]', { state: 'attached' });
	eq(await logsOnPage(main), expectLogs(second.events), 'rows of page 2');
	await main.click('[data-testid="logs-newer"]');
	await main.waitForSelector('[data-testid="logs-table"][data-page="1"][data-status="ready"]', { state: 'attached' });
	eq(await logsOnPage(main), expectLogs(first.events), 'rows of page 1 again');
});

test('filters: result and event type', async () => {
	await main.selectOption('[data-testid="logs-success"]', 'false');
	await main.waitForFunction(() => document.getElementById('logs-table').dataset.status === 'ready' &&
		document.getElementById('logs-success').value === 'false');
	const failed = await api('/stats/logs', { ...logsRange, app: DRILL_APP, limit: PAGE_SIZE, success: 'false' });
	assert(failed.events.length > 0, 'no failed event in the fixture');
	eq(await logsOnPage(main), expectLogs(failed.events), 'rows with success=false');
	const type = failed.events[0].event_type;
	await main.selectOption('[data-testid="logs-type"]', type);
	const both = await api('/stats/logs', { ...logsRange, app: DRILL_APP, limit: PAGE_SIZE, success: 'false', event_type: type });
	await main.waitForFunction(() => document.getElementById('logs-table').dataset.status === 'ready');
	eq(await logsOnPage(main), expectLogs(both.events), `rows with success=false&event_type=${type}`);
	await main.selectOption('[data-testid="logs-type"]', '');
	await main.selectOption('[data-testid="logs-success"]', '');
	await main.waitForFunction(() => document.getElementById('logs-table').dataset.status === 'ready');
	const first = await api('/stats/logs', { ...logsRange, app: DRILL_APP, limit: PAGE_SIZE });
	eq(await logsOnPage(main), expectLogs(first.events), 'rows without filters');
});

test('a message with HTML shows as text; its script never runs', async () => {
	const first = await api('/stats/logs', { ...logsRange, app: DRILL_APP, limit: PAGE_SIZE, q: 'onerror' });
	const ev = first.events.find((e) => e.message === XSS_MESSAGE);
	assert(ev, `no event of ${DRILL_APP} with the message ${XSS_MESSAGE}`);
	const row = `[data-testid="logs-body"] tr[data-id="${ev.id}"]`;
	await main.waitForSelector(row);
	eq(await main.textContent(`${row} [data-col="message"]`), XSS_MESSAGE, 'message cell');
	await main.click(row);
	const det = `[data-testid="logs-body"] tr[data-detail-of="${ev.id}"]`;
	await main.waitForSelector(det);
	eq(await main.textContent(`${det} [data-testid="event-message"]`), XSS_MESSAGE, 'message in the details');
	eq(await main.textContent(`${det} [data-testid="event-metadata"]`), JSON.stringify(ev.metadata, null, 2),
		'metadata in the details');
	await main.waitForTimeout(300);	// an injected image would have failed to load by now
	eq(await main.evaluate(() => typeof window.__pwned), 'undefined', 'window.__pwned');
	eq(await main.evaluate(() => document.querySelectorAll('main img, main script, main [onerror]').length), 0,
		'elements made from event data');
});

test('screenshot: drill-down with an event opened (desktop, full page)', async () => {
	shots.push(await shot(main, 'dashboard-app-drilldown.png'));
});

test('phone size: readable, no horizontal scrolling, screenshots', async () => {
	const phone = await newPage({ tag: 'phone', viewport: { width: 390, height: 844 }, isMobile: true });
	await login(phone, READ_KEY);
	await waitReady(phone);
	const over = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
	assert(over <= 0, `the all-apps page is ${over}px wider than the phone`);
	shots.push(await shot(phone, 'dashboard-phone-all-apps.png'));
	await phone.click(`[data-testid="apps-body"] tr[data-app="${DRILL_APP}"]`);
	await phone.waitForFunction((app) => document.getElementById('dashboard').dataset.app === app &&
		document.body.dataset.status === 'ready', DRILL_APP);
	await waitLogs(phone);
	await phone.click('[data-testid="logs-body"] tr[data-id]');
	const over2 = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
	assert(over2 <= 0, `the drill-down is ${over2}px wider than the phone`);
	const scrolling = await phone.$$eval('.table-wrap', (ws) => ws.filter((w) => w.offsetParent !== null &&
		w.scrollWidth > w.clientWidth + 1).map((w) => w.firstElementChild.id));
	eq(scrolling, [], 'tables wider than the phone');
	const fontPx = await phone.$eval('[data-testid="logs-body"] td[data-col="message"]',
		(e) => parseFloat(getComputedStyle(e).fontSize));
	assert(fontPx >= 12, `message font ${fontPx}px`);
	shots.push(await shot(phone, 'dashboard-phone-drilldown.png'));
	eq(await phone.evaluate(() => window.__csp), [], 'CSP violations');
	await phone.context().close();
});

test('reloading the tab keeps the key (sessionStorage) and the view (hash)', async () => {
	await main.reload();
	await waitReady(main);
	eq(await main.isVisible('[data-testid="login"]'), false, 'asked for the key again');
	eq(await main.evaluate(() => document.getElementById('dashboard').dataset.app), DRILL_APP, 'view after reload');
	await main.click('[data-testid="back"]');
	await main.waitForFunction(() => document.getElementById('dashboard').dataset.view === 'all' &&
		document.body.dataset.status === 'ready');
	eq(await main.isVisible('[data-testid="apps-section"]'), true, 'apps table after "All apps"');
});

test('the range picker asks /stats for 7 days (day buckets)', async () => {
	await main.selectOption('[data-testid="range-select"]', '7d');
	await main.waitForFunction(() => document.getElementById('scope-range').dataset.bucket === 'day' &&
		document.body.dataset.status === 'ready' && !document.body.hasAttribute('data-busy'));
	const r = await pageRange(main);
	const week = await api('/stats', r);
	eq(week.bucket, 'day', 'bucket');
	eq(await totalsOnPage(main), expectTotals(week.totals), 'totals of 7 days');
	eq((await chartOnPage(main)).labels, week.apps[0].series.length, 'chart buckets');
	await main.selectOption('[data-testid="range-select"]', '24h');
	await main.waitForFunction(() => document.getElementById('scope-range').dataset.bucket === 'hour' &&
		document.body.dataset.status === 'ready');
});

test('a custom range (UTC) asks /stats for exactly that range', async () => {
	const to = new Date(Date.now() - 3600e3);
	const from = new Date(to - 6 * 3600e3);
	const local = (d) => d.toISOString().slice(0, 16);	// the inputs read as UTC
	await main.selectOption('[data-testid="range-select"]', 'custom');
	await main.waitForSelector('[data-testid="custom-range"]', { state: 'visible' });
	await main.fill('[data-testid="custom-from"]', local(from));
	await main.fill('[data-testid="custom-to"]', local(to));
	const resp = main.waitForResponse((r) => new URL(r.url()).pathname === '/stats');
	await main.click('[data-testid="custom-apply"]');
	const asked = new URL((await resp).url()).searchParams;
	eq([asked.get('from'), asked.get('to')], [local(from) + ':00Z', local(to) + ':00Z'], 'from and to sent');
	await waitReady(main);
	const hash = new URLSearchParams((await main.evaluate(() => location.hash)).slice(1));
	eq(hash.get('range'), 'custom', 'range in the hash');
	const st = await api('/stats', await pageRange(main));
	eq(await totalsOnPage(main), expectTotals(st.totals), 'totals of the custom range');
	eq((await chartOnPage(main)).labels, st.apps[0].series.length, 'chart buckets');
	await main.selectOption('[data-testid="range-select"]', '24h');
	await main.waitForFunction(() => !location.hash.includes('custom') && document.body.dataset.status === 'ready');
});

test('without Chart.js the numbers still show, with a note', async () => {
	const page = await newPage({ tag: 'nochart' });
	await page.route('**/javascript/chart.js/**', (route) => route.abort('blockedbyclient'));
	await login(page, READ_KEY);
	await waitReady(page);
	eq(await page.isVisible('[data-testid="chart-missing"]'), true, 'note about the missing library');
	eq(await totalsOnPage(page), expectTotals((await api('/stats', await pageRange(page))).totals), 'totals');
	await page.context().close();
});

test('every 30 s the page refreshes in place (same rows, same chart, new numbers)', async () => {
	const page = await newPage({ tag: 'refresh', clock: true });
	await login(page, READ_KEY);
	await waitReady(page);
	const before = await page.evaluate((app) => {
		const row = document.querySelector(`[data-testid="apps-body"] tr[data-app="${app}"]`);
		row.__mark = 'kept';
		document.querySelector('[data-testid="total-events"]').__mark = 'kept';
		return {
			renders: Number(document.body.dataset.renders),
			chart: window.Chart.getChart(document.getElementById('chart')).id,
			events: Number(row.querySelector('[data-col="events"]').dataset.value)
		};
	}, DRILL_APP);
	let sent = 0;
	if (INGEST_KEY) {
		const res = await fetch(BASE + '/ingest', {
			method: 'POST',
			headers: { 'Content-Type': 'application/json', 'X-API-Key': INGEST_KEY },
			body: JSON.stringify({ event_type: 'refresh.check', message: 'sent while the page was open' })
		});
		eq(res.status, 200, 'ingest status');
		sent = 1;
	}
	await page.clock.fastForward(30500);
	await waitReady(page, before.renders + 1);
	const after = await page.evaluate((app) => {
		const row = document.querySelector(`[data-testid="apps-body"] tr[data-app="${app}"]`);
		return {
			rowKept: row.__mark === 'kept',
			totalKept: document.querySelector('[data-testid="total-events"]').__mark === 'kept',
			chart: window.Chart.getChart(document.getElementById('chart')).id,
			events: Number(row.querySelector('[data-col="events"]').dataset.value)
		};
	}, DRILL_APP);
	eq(after.rowKept && after.totalKept, true, 'elements replaced instead of updated');
	eq(after.chart, before.chart, 'chart instance');
	eq(after.events, before.events + sent, `events of ${DRILL_APP} after the refresh`);
	const st = await api('/stats', await pageRange(page));
	eq(await totalsOnPage(page), expectTotals(st.totals), 'totals after the refresh');
	await page.context().close();
});

test('a key for one app asking for another gets a clear 403 message', async () => {
	if (!APP_READ_KEY || !FORBIDDEN_APP) {
		return 'SKIP APP_READ_KEY and FORBIDDEN_APP not given';
	}
	const page = await newPage({ tag: 'forbidden' });
	await login(page, APP_READ_KEY, '#app=' + encodeURIComponent(FORBIDDEN_APP));
	await page.waitForFunction(() => document.body.dataset.status === 'forbidden');
	const text = await page.textContent('[data-testid="banner-text"]');
	assert(text.includes('403') && text.includes(FORBIDDEN_APP), `banner: ${text}`);
	eq(await page.textContent('[data-testid="total-events"]'), '–', 'totals of a forbidden app');
	shots.push(await shot(page, 'dashboard-forbidden-app.png', false));
	await page.click('#banner-action');	// "Show all apps"
	await waitReady(page);
	const rows = await page.$$eval('[data-testid="apps-body"] tr[data-app]', (t) => t.map((r) => r.dataset.app));
	eq(rows, [DRILL_APP], 'apps of a key bound to ' + DRILL_APP);
	eq(await page.isVisible('[data-testid="banner"]'), false, 'banner after recovery');
	await page.context().close();
});

test('service down (503) and network errors show a message, then recover', async () => {
	const page = await newPage({ tag: 'down' });
	await login(page, READ_KEY);
	await waitReady(page);
	const good = await totalsOnPage(page);
	await page.route('**/stats**', (route) => route.fulfill({
		status: 503,
		contentType: 'application/json',
		headers: { 'Retry-After': '5' },
		body: '{"error":"unavailable","message":"service temporarily unavailable"}'
	}));
	await page.click('[data-testid="refresh"]');
	await page.waitForFunction(() => document.body.dataset.status === 'down');
	let text = await page.textContent('[data-testid="banner-text"]');
	assert(/unavailable/.test(text) && /503/.test(text), `banner on 503: ${text}`);
	eq(await totalsOnPage(page), good, 'the last numbers stay on screen');
	shots.push(await shot(page, 'dashboard-service-down.png', false));
	await page.unroute('**/stats**');
	await page.route('**/stats**', (route) => route.abort('connectionrefused'));
	await page.click('[data-testid="refresh"]');
	await page.waitForFunction(() => /reach/.test(document.getElementById('banner-text').textContent));
	text = await page.textContent('[data-testid="banner-text"]');
	assert(/Cannot reach axlog/.test(text), `banner on a network error: ${text}`);
	await page.unroute('**/stats**');
	await page.click('#banner-action');	// "Retry now"
	await page.waitForFunction(() => document.body.dataset.status === 'ready');
	eq(await page.isVisible('[data-testid="banner"]'), false, 'banner after recovery');
	await page.context().close();
});

test('a wrong key gets a clear message and the form again (no browser dialog)', async () => {
	const page = await newPage({ tag: 'wrongkey' });
	const wrong = 'axk_' + 'A'.repeat(43);
	// The page asks /stats, /stats/apps and /stats/alerts at once and, on
	// the first 401, aborts the others: whichever answers first is the
	// one to check, as the others may never get an answer.
	const resp = page.waitForResponse((r) => /^\/stats(\/|$)/.test(new URL(r.url()).pathname));
	await login(page, wrong);
	const r = await resp;
	eq(r.status(), 401, `status of ${new URL(r.url()).pathname} with a wrong key`);
	assert(/^Bearer/.test(r.headers()['www-authenticate'] || ''),
		`WWW-Authenticate: ${r.headers()['www-authenticate']} (a Basic challenge would open the browser's dialog)`);
	await page.waitForFunction(() => document.body.dataset.status === 'unauthorized');
	const text = await page.textContent('[data-testid="login-error"]');
	assert(/refused/.test(text) && /401/.test(text), `message: ${text}`);
	eq(await page.isVisible('[data-testid="key-input"]'), true, 'key form visible');
	eq(await page.isVisible('[data-testid="dashboard"]'), false, 'dashboard visible');
	eq(await page.evaluate(() => sessionStorage.getItem('axlog.readKey')), null, 'wrong key kept');
	shots.push(await shot(page, 'dashboard-wrong-key.png', false));
	// A key revoked while the page is open: the next answer is a 401.
	await page.fill('[data-testid="key-input"]', READ_KEY);
	await page.click('[data-testid="login-submit"]');
	await waitReady(page);
	await page.route('**/stats**', (route) => route.fulfill({
		status: 401,
		contentType: 'application/json',
		headers: { 'WWW-Authenticate': 'Bearer realm="axlog"' },
		body: '{"error":"unauthorized","message":"revoked key"}'
	}));
	await page.click('[data-testid="refresh"]');
	await page.waitForFunction(() => document.body.dataset.status === 'unauthorized');
	eq(await page.evaluate(() => sessionStorage.getItem('axlog.readKey')), null, 'revoked key kept');
	await page.context().close();
});

test('no console errors, page errors, CSP violations or dialogs', async () => {
	const csp = await main.evaluate(() => window.__csp);
	eq(problems.concat(csp.map((c) => 'main: CSP: ' + c)), [], 'problems');
});

// ---------------------------------------------------------------------------

async function run() {
	const t0 = Date.now();
	console.log(`1..${TESTS.length}`);
	mkdirSync(OUT_DIR, { recursive: true });
	let failed = 0;
	let n = 0;
	try {
		browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
	} catch (e) {
		diag(`cannot start ${CHROMIUM}: ${e.message}`);
	}
	for (const t of TESTS) {
		n++;
		if (!browser) {
			console.log(`not ok ${n} - ${t.name}`);
			failed++;
			continue;
		}
		try {
			const r = await t.fn();
			if (typeof r === 'string' && r.startsWith('SKIP')) {
				console.log(`ok ${n} - ${t.name} # ${r}`);
			} else {
				console.log(`ok ${n} - ${t.name}`);
			}
		} catch (e) {
			failed++;
			console.log(`not ok ${n} - ${t.name}`);
			diag(e instanceof Fail ? e.message : (e && e.stack) || String(e));
		}
	}
	if (browser) {
		await browser.close().catch(() => {});
	}
	for (const s of shots) {
		diag('screenshot: ' + s);
	}
	diag(`browser checks took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
	return failed;
}

run().then((failed) => process.exit(failed ? 1 : 0), (e) => {
	diag(e.stack || String(e));
	process.exit(1);
});
