/*
 * axlog dashboard: a static page over GET /stats, /stats/apps,
 * /stats/alerts and /stats/logs.
 *
 * Security rules of this file:
 * - Everything that comes from the API (app ids, kinds, descriptions,
 *   event types, messages, metadata, error messages) reaches the page as
 *   text only: textContent, Text nodes (Element.append with a string),
 *   option.text / element.value, or setAttribute of a data-* or title
 *   attribute.  Never innerHTML, outerHTML, insertAdjacentHTML or
 *   document.write.
 * - No inline scripts or styles (the page runs under a strict
 *   Content-Security-Policy); sizes are set through the CSSOM only.
 * - The read key lives in sessionStorage (this tab only) and goes out as
 *   "Authorization: Bearer", never in a URL.  A 401 to a Bearer request
 *   carries "WWW-Authenticate: Bearer", so the browser never shows its
 *   own login dialog.
 *
 * Times are UTC everywhere, like the API's buckets.
 */
(function () {
	'use strict';

	var REFRESH_MS = 30000;
	var LOGS_PAGE_SIZE = 25;
	var KEY_STORAGE = 'axlog.readKey';
	var RANGES = { '24h': '-24h', '7d': '-7d', '30d': '-30d', '90d': '-90d' };
	var MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug',
		'Sep', 'Oct', 'Nov', 'Dec'];

	var S = {
		key: null,
		keySaved: false,
		// the view, mirrored in location.hash
		app: '',
		range: '24h',
		from: '',
		to: '',
		// last answers
		stats: null,
		apps: null,
		registry: {},
		loadedAt: null,
		// recent events of the selected app
		logs: { cursors: [null], page: 0, type: '', success: '', next: null, gen: 0, ctrl: null },
		expanded: new Set(),
		// refresh machinery
		gen: 0,
		ctrl: null,
		timer: 0,
		renders: 0,
		chart: null,
		busy: false
	};

	function $(id) {
		return document.getElementById(id);
	}

	// ------------------------------------------------------------------
	// DOM helpers (text only)
	// ------------------------------------------------------------------

	function setText(node, text) {
		text = String(text);
		if (node.textContent !== text) {
			node.textContent = text;
		}
	}

	function setAttr(node, name, value) {
		value = String(value);
		if (node.getAttribute(name) !== value) {
			node.setAttribute(name, value);
		}
	}

	function show(node, visible) {
		if (node.hidden === visible) {
			node.hidden = !visible;
		}
	}

	function make(tag, className, text) {
		var e = document.createElement(tag);
		if (className) {
			e.className = className;
		}
		if (text !== undefined && text !== null) {
			e.textContent = String(text);
		}
		return e;
	}

	function cell(row, col, className) {
		var td = make('td', className);
		td.setAttribute('data-col', col);
		row.appendChild(td);
		return td;
	}

	function colOf(row, col) {
		return row.querySelector('[data-col="' + col + '"]');
	}

	// Keep tbody's rows in the order of items, reusing the row of each key
	// (no flicker: rows are updated in place, moved, added or removed).
	// rowKey names the data-* attribute that holds the key.
	function syncRows(tbody, items, keyOf, attr, create, update) {
		var old = new Map();
		var i, row, key, next;
		for (i = 0; i < tbody.rows.length; i++) {
			row = tbody.rows[i];
			if (row.hasAttribute(attr)) {
				old.set(row.getAttribute(attr), row);
			}
		}
		var wanted = [];
		for (i = 0; i < items.length; i++) {
			key = String(keyOf(items[i]));
			row = old.get(key);
			if (row) {
				old.delete(key);
			} else {
				row = create(items[i], key);
				row.setAttribute(attr, key);
			}
			update(row, items[i]);
			wanted.push(row);
			if (row.axlogDetail) {
				wanted.push(row.axlogDetail);
			}
		}
		old.forEach(function (r) {
			if (r.axlogDetail) {
				r.axlogDetail.remove();
			}
			r.remove();
		});
		// Remove anything else (detail rows of gone rows, placeholders).
		for (i = tbody.rows.length - 1; i >= 0; i--) {
			if (wanted.indexOf(tbody.rows[i]) < 0) {
				tbody.rows[i].remove();
			}
		}
		// Order: move only the rows that are out of place.
		next = tbody.firstElementChild;
		for (i = 0; i < wanted.length; i++) {
			if (wanted[i] !== next) {
				tbody.insertBefore(wanted[i], next);
			} else {
				next = next.nextElementSibling;
			}
		}
	}

	// ------------------------------------------------------------------
	// Formatting (UTC)
	// ------------------------------------------------------------------

	var intFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

	function fmtInt(n) {
		return typeof n === 'number' ? intFormat.format(n) : '–';
	}

	function fmtRate(r) {
		return typeof r === 'number' ? (r * 100).toFixed(1) + ' %' : '–';
	}

	function fmtMs(v) {
		if (typeof v !== 'number') {
			return '–';
		}
		if (v >= 1000) {
			return (v / 1000).toFixed(2) + ' s';
		}
		if (v >= 100) {
			return v.toFixed(0) + ' ms';
		}
		return v.toFixed(1) + ' ms';
	}

	function pad2(n) {
		return n < 10 ? '0' + n : String(n);
	}

	function parseTime(iso) {
		var t = typeof iso === 'string' ? Date.parse(iso) : NaN;
		return isNaN(t) ? null : new Date(t);
	}

	// "2026-11-23 06:41:26"
	function fmtTime(iso) {
		var d = parseTime(iso);
		if (!d) {
			return '–';
		}
		return d.getUTCFullYear() + '-' + pad2(d.getUTCMonth() + 1) + '-' +
			pad2(d.getUTCDate()) + ' ' + pad2(d.getUTCHours()) + ':' +
			pad2(d.getUTCMinutes()) + ':' + pad2(d.getUTCSeconds());
	}

	// "23 Nov 06:00" (hour buckets) or "23 Nov" (day buckets)
	function fmtBucket(iso, bucket) {
		var d = parseTime(iso);
		if (!d) {
			return '';
		}
		var day = d.getUTCDate() + ' ' + MONTHS[d.getUTCMonth()];
		if (bucket === 'day') {
			return day;
		}
		return day + ' ' + pad2(d.getUTCHours()) + ':00';
	}

	function fmtRange(from, to, bucket) {
		var a = parseTime(from);
		var b = parseTime(to);
		if (!a || !b) {
			return '';
		}
		function one(d) {
			var s = d.getUTCDate() + ' ' + MONTHS[d.getUTCMonth()] + ' ' + d.getUTCFullYear();
			if (bucket !== 'day') {
				s += ' ' + pad2(d.getUTCHours()) + ':00';
			}
			return s;
		}
		return one(a) + ' – ' + one(b) + ' UTC, ' +
			(bucket === 'day' ? 'daily' : 'hourly') + ' buckets';
	}

	// The age of an event, measured against the server's clock
	// (generated_at) so that a wrong clock in the browser does not matter.
	function fmtAge(iso, nowIso) {
		var t = parseTime(iso);
		var now = parseTime(nowIso) || new Date();
		if (!t) {
			return 'never';
		}
		var s = Math.max(0, Math.floor((now - t) / 1000));
		if (s < 60) {
			return s + ' s ago';
		}
		if (s < 3600) {
			return Math.floor(s / 60) + ' min ago';
		}
		if (s < 48 * 3600) {
			return Math.floor(s / 3600) + ' h ago';
		}
		return Math.floor(s / 86400) + ' d ago';
	}

	function fmtMinutes(m) {
		if (typeof m !== 'number') {
			return '–';
		}
		if (m < 120) {
			return Math.round(m) + ' min';
		}
		if (m < 48 * 60) {
			return (m / 60).toFixed(1) + ' h';
		}
		return (m / 1440).toFixed(1) + ' d';
	}

	function fmtClock(d) {
		return pad2(d.getUTCHours()) + ':' + pad2(d.getUTCMinutes()) + ':' +
			pad2(d.getUTCSeconds()) + ' UTC';
	}

	// ------------------------------------------------------------------
	// The view in location.hash: #app=demo&range=7d
	// (or range=custom&from=2026-11-01T00:00:00Z&to=...)
	// ------------------------------------------------------------------

	function readHash() {
		var p = new URLSearchParams(location.hash.replace(/^#/, ''));
		S.app = p.get('app') || '';
		S.range = p.get('range') || '24h';
		S.from = p.get('from') || '';
		S.to = p.get('to') || '';
		if (S.range !== 'custom' && !RANGES[S.range]) {
			S.range = '24h';
		}
		if (S.range === 'custom' && (!S.from || !S.to)) {
			S.range = '24h';
		}
	}

	function hashOf(view) {
		var p = new URLSearchParams();
		if (view.app) {
			p.set('app', view.app);
		}
		if (view.range !== '24h') {
			p.set('range', view.range);
		}
		if (view.range === 'custom') {
			p.set('from', view.from);
			p.set('to', view.to);
		}
		var s = p.toString();
		return s ? '#' + s : '';
	}

	// Change the view: the hash changes and the hashchange handler loads
	// (the back and forward buttons change the hash too).
	function go(changes) {
		var view = { app: S.app, range: S.range, from: S.from, to: S.to };
		Object.keys(changes).forEach(function (k) {
			view[k] = changes[k];
		});
		var h = hashOf(view);
		if (h === location.hash || (h === '' && location.hash === '')) {
			viewChanged();
		} else if (h === '') {
			// Setting location.hash = '' leaves a bare '#'; replace it.
			history.pushState(null, '', location.pathname + location.search);
			viewChanged();
		} else {
			location.hash = h;
		}
	}

	function rangeParams() {
		if (S.range === 'custom') {
			return { from: S.from, to: S.to };
		}
		return { from: RANGES[S.range], to: 'now' };
	}

	// ------------------------------------------------------------------
	// The API
	// ------------------------------------------------------------------

	function ApiError(status, body) {
		this.name = 'ApiError';
		this.status = status;
		this.body = body;
		this.message = 'HTTP ' + status;
	}

	function query(params) {
		var p = new URLSearchParams();
		Object.keys(params).forEach(function (k) {
			var v = params[k];
			if (v !== '' && v !== null && v !== undefined) {
				p.append(k, v);
			}
		});
		var s = p.toString();
		return s ? '?' + s : '';
	}

	function api(path, params, signal) {
		return fetch(path + query(params || {}), {
			headers: {
				'Authorization': 'Bearer ' + S.key,
				'Accept': 'application/json'
			},
			cache: 'no-cache',	// revalidate with the ETag: 304 when unchanged
			credentials: 'omit',
			redirect: 'error',
			signal: signal
		}).then(function (res) {
			return res.text().then(function (text) {
				var body = null;
				try {
					body = JSON.parse(text);
				} catch (e) {
					body = null;
				}
				if (!res.ok) {
					throw new ApiError(res.status, body);
				}
				if (body === null || typeof body !== 'object') {
					throw new ApiError(502, null);
				}
				return body;
			});
		}, function (err) {
			if (err && err.name === 'AbortError') {
				throw err;
			}
			throw new ApiError(0, null);
		});
	}

	// ------------------------------------------------------------------
	// Status, banner, login
	// ------------------------------------------------------------------

	function setBodyStatus(status) {
		setAttr(document.body, 'data-status', status);
	}

	function banner(kind, text, action) {
		var b = $('banner');
		var btn = $('banner-action');
		setAttr(b, 'data-kind', kind);
		setText($('banner-text'), text);
		if (action) {
			setText(btn, action.label);
			btn.onclick = action.run;
			show(btn, true);
		} else {
			btn.onclick = null;
			show(btn, false);
		}
		show(b, true);
	}

	function hideBanner() {
		show($('banner'), false);
		$('banner').removeAttribute('data-kind');
	}

	function showLogin(message) {
		stopTimer();
		abortAll();
		S.key = null;
		S.keySaved = false;
		S.loadedAt = null;
		try {
			sessionStorage.removeItem(KEY_STORAGE);
		} catch (e) { /* storage disabled: nothing kept anyway */ }
		hideBanner();
		show($('dashboard'), false);
		show($('controls'), false);
		show($('login'), true);
		var err = $('login-error');
		err.classList.remove('info');
		if (message) {
			setText(err, message);
			show(err, true);
		} else {
			show(err, false);
		}
		$('login-button').disabled = false;
		var input = $('key-input');
		input.value = '';
		input.focus();
		setBodyStatus(message ? 'unauthorized' : 'login');
		setText($('status'), '');
	}

	function showDashboard() {
		show($('login'), false);
		show($('controls'), true);
		show($('dashboard'), true);
	}

	function saveKey() {
		if (S.keySaved) {
			return;
		}
		try {
			sessionStorage.setItem(KEY_STORAGE, S.key);
		} catch (e) { /* storage disabled: the key lasts until reload */ }
		S.keySaved = true;
	}

	function describeError(e) {
		var msg = e.body && typeof e.body.message === 'string' ? e.body.message : '';
		switch (e.status) {
		case 0:
			return 'Cannot reach axlog (network error).';
		case 400:
			return 'The server refused the request: ' + (msg || 'bad request') + '.';
		case 403:
			return S.app ?
				'This key may not read the app “' + S.app + '” (403 Forbidden).' :
				'This key may not read these stats (403 Forbidden).';
		case 404:
			return 'No stats endpoint here (404): is this page served by axlog\'s nginx site?';
		case 429:
			return 'Too many requests (429).';
		case 502:
		case 503:
		case 504:
			return 'axlog is unavailable (' + e.status + (e.status === 503 ? ' Service Unavailable' : '') +
				'): the database or the stats program is down.';
		default:
			return 'Unexpected answer from axlog (HTTP ' + e.status + ').';
		}
	}

	function handleError(e) {
		if (e.status === 401) {
			showLogin('The server refused this key (401 Unauthorized): it is ' +
				'mistyped, revoked, or not a read key. Enter a read key.');
			return false;
		}
		showDashboard();
		var text = describeError(e);
		if (e.status === 403) {
			setBodyStatus('forbidden');
			clearView();
			banner('forbidden', text, { label: 'Show all apps', run: function () { go({ app: '' }); } });
			setText($('status'), '');
			return true;
		}
		if (e.status === 400) {
			setBodyStatus('error');
			banner('error', text, S.range === 'custom' ?
				{ label: 'Back to the last 24 hours', run: function () { go({ range: '24h' }); } } : null);
			return true;
		}
		setBodyStatus(e.status === 0 || e.status >= 500 ? 'down' : 'error');
		if (S.loadedAt) {
			text += ' Showing the data of ' + fmtClock(S.loadedAt) + '.';
		}
		text += ' Retrying every ' + REFRESH_MS / 1000 + ' s.';
		banner('down', text, { label: 'Retry now', run: function () { refresh(); } });
		return true;
	}

	// ------------------------------------------------------------------
	// Loading
	// ------------------------------------------------------------------

	function stopTimer() {
		if (S.timer) {
			clearTimeout(S.timer);
			S.timer = 0;
		}
	}

	function schedule() {
		stopTimer();
		S.timer = setTimeout(function () {
			S.timer = 0;
			if (document.hidden) {
				S.stale = true;	// refreshed when the tab shows again
				return;
			}
			refresh();
		}, REFRESH_MS);
	}

	function abortAll() {
		S.gen++;
		S.busy = false;
		document.body.removeAttribute('data-busy');
		S.logs.gen++;
		if (S.ctrl) {
			S.ctrl.abort();
			S.ctrl = null;
		}
		if (S.logs.ctrl) {
			S.logs.ctrl.abort();
			S.logs.ctrl = null;
		}
	}

	function logsParams() {
		var p = rangeParams();
		p.app = S.app;
		p.limit = LOGS_PAGE_SIZE;
		p.event_type = S.logs.type;
		p.success = S.logs.success;
		p.cursor = S.logs.cursors[S.logs.page];
		return p;
	}

	// Everything on screen, again: stats, registry, alerts, and the recent
	// events of the page being shown.
	function refresh() {
		if (!S.key) {
			return;
		}
		stopTimer();
		if (S.ctrl) {
			S.ctrl.abort();
		}
		var gen = ++S.gen;
		var ctrl = new AbortController();
		S.ctrl = ctrl;
		var logsGen = S.logs.gen;
		S.busy = true;
		setAttr(document.body, 'data-busy', '1');
		if (!S.loadedAt) {
			setText($('status'), 'Loading…');
		}
		var statsParams = rangeParams();
		statsParams.app = S.app;
		var reqs = [
			api('/stats', statsParams, ctrl.signal),
			api('/stats/apps', {}, ctrl.signal),
			api('/stats/alerts', {}, ctrl.signal)
		];
		if (S.app) {
			reqs.push(api('/stats/logs', logsParams(), ctrl.signal));
		}
		return Promise.all(reqs).then(function (r) {
			if (gen !== S.gen) {
				return;
			}
			saveKey();
			showDashboard();
			hideBanner();
			S.loadedAt = new Date();
			renderRegistry(r[1]);
			renderStats(r[0]);
			renderAlerts(r[2]);
			if (S.app && logsGen === S.logs.gen) {
				renderLogs(r[3]);
			}
			$('dashboard').removeAttribute('data-blank');
			S.renders++;
			setAttr(document.body, 'data-renders', S.renders);
			setBodyStatus('ready');
			setText($('status'), 'Updated ' + fmtClock(S.loadedAt) + ' · refreshes every ' +
				REFRESH_MS / 1000 + ' s');
			schedule();
		}, function (e) {
			if (gen !== S.gen || (e && e.name === 'AbortError')) {
				return;
			}
			if (!(e instanceof ApiError)) {
				// A bug of this page: say so rather than fail silently.
				banner('error', 'The dashboard failed: ' + String(e && e.message || e));
				setBodyStatus('error');
				schedule();
				if (window.console) {
					console.error(e);
				}
				return;
			}
			if (handleError(e)) {
				schedule();
			}
		}).then(function () {
			if (gen === S.gen) {
				S.busy = false;
				document.body.removeAttribute('data-busy');
				S.ctrl = null;
			}
		});
	}

	// Only the recent events (a filter or the pager changed).
	function loadLogs() {
		if (!S.app || !S.key) {
			return;
		}
		if (S.logs.ctrl) {
			S.logs.ctrl.abort();
		}
		var gen = ++S.logs.gen;
		var ctrl = new AbortController();
		S.logs.ctrl = ctrl;
		setAttr($('logs-table'), 'data-status', 'loading');
		updatePager();
		api('/stats/logs', logsParams(), ctrl.signal).then(function (body) {
			if (gen !== S.logs.gen) {
				return;
			}
			renderLogs(body);
		}, function (e) {
			if (gen !== S.logs.gen || (e && e.name === 'AbortError')) {
				return;
			}
			setAttr($('logs-table'), 'data-status', 'error');
			if (e instanceof ApiError) {
				handleError(e);
			}
		}).then(function () {
			if (gen === S.logs.gen) {
				S.logs.ctrl = null;
			}
		});
	}

	// The view changed (app or range): reset what belongs to the old one.
	function viewChanged() {
		readHash();
		syncControls();
		S.logs.cursors = [null];
		S.logs.page = 0;
		S.logs.next = null;
		S.logs.type = '';
		S.logs.success = '';
		$('logs-type').value = '';
		$('logs-success').value = '';
		S.expanded.clear();
		clearRows($('logs-body'));
		clearRows($('types-body'));
		S.logs.gen++;
		setBodyStatus('loading');
		refresh();
	}

	function clearRows(tbody) {
		while (tbody.firstChild) {
			tbody.firstChild.remove();
		}
	}

	// After a 403: nothing of the previous view stays on screen.
	function clearView() {
		S.stats = null;
		setAttr($('dashboard'), 'data-blank', '');
		show($('drill'), false);
		show($('apps-section'), false);
		['total-events', 'total-errors', 'total-error-rate', 'total-p50', 'total-p95', 'total-p99'].forEach(function (id) {
			setText($(id), '–');
		});
		renderChart([], [], [], 'hour');
		setText($('scope-name'), S.app || 'All apps');
		show($('scope-kind'), false);
		show($('scope-description'), false);
		setText($('scope-range'), '');
		show($('back-button'), !!S.app);
	}

	// ------------------------------------------------------------------
	// Rendering
	// ------------------------------------------------------------------

	function syncControls() {
		var sel = $('app-select');
		if (S.app && !Array.prototype.some.call(sel.options, function (o) { return o.value === S.app; })) {
			sel.add(new Option(S.app, S.app));
		}
		sel.value = S.app;
		$('range-select').value = S.range;
		show($('custom-range'), S.range === 'custom');
		if (S.range === 'custom') {
			$('custom-from').value = toLocalInput(S.from);
			$('custom-to').value = toLocalInput(S.to);
		}
	}

	// RFC 3339 (UTC) <-> the value of an <input type="datetime-local">,
	// read as UTC.
	function toLocalInput(iso) {
		var d = parseTime(iso);
		if (!d) {
			return '';
		}
		return d.toISOString().slice(0, 16);
	}

	function fromLocalInput(v) {
		if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v)) {
			return '';
		}
		return (v.length === 16 ? v + ':00' : v.slice(0, 19)) + 'Z';
	}

	function renderRegistry(body) {
		var apps = Array.isArray(body.apps) ? body.apps : [];
		S.registry = {};
		apps.forEach(function (a) {
			S.registry[a.app_id] = a;
		});
		var sel = $('app-select');
		var ids = apps.map(function (a) { return a.app_id; });
		if (S.app && ids.indexOf(S.app) < 0) {
			ids.push(S.app);	// asked for in the URL: keep it selectable
		}
		var have = Array.prototype.slice.call(sel.options, 1).map(function (o) { return o.value; });
		if (have.join('\n') !== ids.join('\n')) {
			while (sel.options.length > 1) {
				sel.remove(1);
			}
			ids.forEach(function (id) {
				sel.add(new Option(id, id));
			});
		}
		if (sel.value !== S.app) {
			sel.value = S.app;
		}
	}

	function sumSeries(apps) {
		var out = [];
		apps.forEach(function (a) {
			(a.series || []).forEach(function (p, i) {
				if (!out[i]) {
					out[i] = { t: p.t, events: 0, errors: 0 };
				}
				out[i].events += p.events;
				out[i].errors += p.errors;
			});
		});
		return out;
	}

	function renderStats(st) {
		S.stats = st;
		var apps = Array.isArray(st.apps) ? st.apps : [];
		var t = st.totals || {};
		var d = t.duration_ms || {};
		var app = null;
		if (S.app) {
			app = apps.filter(function (a) { return a.app_id === S.app; })[0] || null;
		}

		// Scope line
		setText($('scope-name'), S.app || 'All apps');
		show($('back-button'), !!S.app);
		var reg = S.app ? S.registry[S.app] : null;
		if (reg && reg.kind) {
			setText($('scope-kind'), reg.kind);
			show($('scope-kind'), true);
		} else {
			show($('scope-kind'), false);
		}
		if (reg && reg.description) {
			setText($('scope-description'), reg.description);
			show($('scope-description'), true);
		} else {
			show($('scope-description'), false);
		}
		setText($('scope-range'), fmtRange(st.from, st.to, st.bucket));
		setAttr($('scope-range'), 'data-from', st.from || '');
		setAttr($('scope-range'), 'data-to', st.to || '');
		setAttr($('scope-range'), 'data-bucket', st.bucket || '');
		setAttr($('dashboard'), 'data-view', S.app ? 'app' : 'all');
		setAttr($('dashboard'), 'data-app', S.app);

		// Totals
		var totals = [
			['total-events', t.events, fmtInt(t.events)],
			['total-errors', t.errors, fmtInt(t.errors)],
			['total-error-rate', t.error_rate, fmtRate(t.error_rate)],
			['total-p50', d.p50, fmtMs(d.p50)],
			['total-p95', d.p95, fmtMs(d.p95)],
			['total-p99', d.p99, fmtMs(d.p99)]
		];
		totals.forEach(function (x) {
			var e = $(x[0]);
			setText(e, x[2]);
			setAttr(e, 'data-value', x[1] === null || x[1] === undefined ? '' : x[1]);
		});
		$('total-errors').classList.toggle('bad', t.errors > 0);

		// Chart
		var series = S.app ? (app ? app.series || [] : []) : sumSeries(apps);
		renderChart(series.map(function (p) { return fmtBucket(p.t, st.bucket); }),
			series.map(function (p) { return p.events; }),
			series.map(function (p) { return p.errors; }), st.bucket);
		setText($('chart-bucket'), st.bucket === 'day' ? 'per day (UTC)' : 'per hour (UTC)');

		// Apps table (all apps) or the drill-down (one app)
		show($('apps-section'), !S.app);
		show($('drill'), !!S.app);
		if (!S.app) {
			renderApps(apps, st.generated_at);
		} else {
			setAttr($('drill'), 'data-app', S.app);
			renderTypes(app ? app.event_types || [] : [], app ? app.events : 0);
		}
	}

	function renderApps(apps, now) {
		var tbody = $('apps-body');
		syncRows(tbody, apps, function (a) { return a.app_id; }, 'data-app', function (a) {
			var tr = make('tr');
			tr.tabIndex = 0;
			var name = cell(tr, 'app', 'app-cell');
			name.appendChild(make('span', 'app-name'));
			name.appendChild(make('span', 'kind'));
			cell(tr, 'events', 'num').setAttribute('data-label', 'Events');
			cell(tr, 'errors', 'num').setAttribute('data-label', 'Errors');
			cell(tr, 'error_rate', 'num').setAttribute('data-label', 'Error rate');
			cell(tr, 'p95', 'num').setAttribute('data-label', 'p95');
			cell(tr, 'last_event', 'num age');
			return tr;
		}, function (tr, a) {
			var reg = S.registry[a.app_id] || {};
			var name = colOf(tr, 'app');
			setText(name.firstChild, a.app_id);
			setText(name.lastChild, reg.kind || '');
			show(name.lastChild, !!reg.kind);
			setAttr(name, 'title', reg.description || a.app_id);
			var vals = [
				['events', a.events, fmtInt(a.events)],
				['errors', a.errors, fmtInt(a.errors)],
				['error_rate', a.error_rate, fmtRate(a.error_rate)],
				['p95', a.duration_ms ? a.duration_ms.p95 : null, fmtMs(a.duration_ms ? a.duration_ms.p95 : null)]
			];
			vals.forEach(function (v) {
				var c = colOf(tr, v[0]);
				setText(c, v[2]);
				setAttr(c, 'data-value', v[1] === null || v[1] === undefined ? '' : v[1]);
			});
			colOf(tr, 'errors').classList.toggle('bad', a.errors > 0);
			colOf(tr, 'error_rate').classList.toggle('bad', a.error_rate >= 0.05 && a.events > 0);
			var last = colOf(tr, 'last_event');
			setText(last, fmtAge(a.last_event_at, now));
			setAttr(last, 'data-value', a.last_event_at || '');
			setAttr(last, 'title', a.last_event_at ? fmtTime(a.last_event_at) + ' UTC' : 'no event stored');
			tr.classList.toggle('idle', !a.events);
		});
		show($('apps-empty'), apps.length === 0);
	}

	function renderTypes(types, total) {
		var tbody = $('types-body');
		syncRows(tbody, types, function (x) { return x.event_type; }, 'data-event-type', function () {
			var tr = make('tr');
			cell(tr, 'event_type', 'mono');
			cell(tr, 'events', 'num');
			cell(tr, 'errors', 'num');
			cell(tr, 'error_rate', 'num');
			var share = cell(tr, 'share', 'share-col');
			var bar = make('span', 'bar');
			bar.appendChild(make('span', 'bar-fill'));
			share.appendChild(bar);
			return tr;
		}, function (tr, x) {
			var rate = x.events > 0 ? x.errors / x.events : 0;
			setText(colOf(tr, 'event_type'), x.event_type);
			setText(colOf(tr, 'events'), fmtInt(x.events));
			setAttr(colOf(tr, 'events'), 'data-value', x.events);
			setText(colOf(tr, 'errors'), fmtInt(x.errors));
			setAttr(colOf(tr, 'errors'), 'data-value', x.errors);
			colOf(tr, 'errors').classList.toggle('bad', x.errors > 0);
			setText(colOf(tr, 'error_rate'), fmtRate(rate));
			var pct = total > 0 ? Math.round(1000 * x.events / total) / 10 : 0;
			var fill = colOf(tr, 'share').querySelector('.bar-fill');
			var w = pct + '%';
			if (fill.style.width !== w) {
				fill.style.width = w;	// CSSOM: allowed by style-src 'self'
			}
			setAttr(colOf(tr, 'share'), 'title', pct + ' % of the events');
		});
		show($('types-empty'), types.length === 0);

		// The event type filter offers the types of the range.
		var sel = $('logs-type');
		var want = types.map(function (x) { return x.event_type; }).filter(function (t) {
			return t !== '(other)';	// a rollup bucket, not a stored type
		});
		if (S.logs.type && want.indexOf(S.logs.type) < 0) {
			want.push(S.logs.type);
		}
		var have = Array.prototype.slice.call(sel.options, 1).map(function (o) { return o.value; });
		if (have.join('\n') !== want.join('\n')) {
			while (sel.options.length > 1) {
				sel.remove(1);
			}
			want.forEach(function (t) {
				sel.add(new Option(t, t));
			});
			sel.value = S.logs.type;
		}
	}

	function renderLogs(body) {
		var events = Array.isArray(body.events) ? body.events : [];
		S.logs.next = typeof body.next_cursor === 'string' ? body.next_cursor : null;
		var tbody = $('logs-body');
		syncRows(tbody, events, function (e) { return e.id; }, 'data-id', function () {
			var tr = make('tr');
			tr.tabIndex = 0;
			tr.setAttribute('aria-expanded', 'false');
			cell(tr, 'time', 'nowrap mono');
			cell(tr, 'event_type', 'mono');
			cell(tr, 'success');
			cell(tr, 'duration', 'num');
			cell(tr, 'message', 'message');
			return tr;
		}, function (tr, e) {
			tr.axlogEvent = e;
			setText(colOf(tr, 'time'), fmtTime(e.created_at));
			setAttr(colOf(tr, 'time'), 'data-value', e.created_at);
			setText(colOf(tr, 'event_type'), e.event_type + (e.event_subtype ? ' / ' + e.event_subtype : ''));
			var ok = colOf(tr, 'success');
			setText(ok, e.success === false ? 'failed' : 'ok');
			setAttr(ok, 'data-value', String(e.success !== false));
			ok.className = e.success === false ? 'result bad' : 'result good';
			setText(colOf(tr, 'duration'), fmtMs(e.duration_ms));
			setText(colOf(tr, 'message'), typeof e.message === 'string' ? e.message : '');
			if (S.expanded.has(e.id)) {
				fillDetail(tr, e);
			}
		});
		setAttr($('logs-table'), 'data-status', 'ready');
		setAttr($('logs-table'), 'data-page', S.logs.page + 1);
		show($('logs-empty'), events.length === 0);
		updatePager();
	}

	function updatePager() {
		var loading = $('logs-table').getAttribute('data-status') === 'loading';
		$('logs-older').disabled = loading || !S.logs.next;
		$('logs-newer').disabled = loading || S.logs.page === 0;
		$('logs-newest').disabled = loading || S.logs.page === 0;
		setText($('logs-page'), 'page ' + (S.logs.page + 1));
	}

	// The detail row under an event: every field, the message and the
	// metadata, as text.
	function fillDetail(tr, e) {
		var det = tr.axlogDetail;
		if (!det) {
			det = make('tr', 'detail');
			det.setAttribute('data-detail-of', e.id);
			var td = make('td');
			td.colSpan = 5;
			det.appendChild(td);
			tr.axlogDetail = det;
			tr.after(det);
		}
		var td2 = det.firstChild;
		var dl = make('dl', 'fields');
		var fields = [
			['id', e.id], ['app', e.app_id], ['created at', fmtTime(e.created_at) + ' UTC'],
			['received at', fmtTime(e.received_at) + ' UTC'], ['event type', e.event_type],
			['subtype', e.event_subtype], ['result', e.success === false ? 'failed' : 'ok'],
			['duration', e.duration_ms === null || e.duration_ms === undefined ? null : fmtMs(e.duration_ms)],
			['user id', e.user_id], ['fingerprint', e.fingerprint], ['ip address', e.ip_address]
		];
		fields.forEach(function (f) {
			if (f[1] === null || f[1] === undefined || f[1] === '') {
				return;
			}
			var wrap = make('div');
			wrap.appendChild(make('dt', null, f[0]));
			wrap.appendChild(make('dd', 'mono', f[1]));
			dl.appendChild(wrap);
		});
		var msgLabel = make('h4', null, 'Message');
		var msg = make('pre', 'message-full', typeof e.message === 'string' && e.message !== '' ? e.message : '(none)');
		msg.setAttribute('data-testid', 'event-message');
		var metaLabel = make('h4', null, 'Metadata');
		var meta = make('pre', 'metadata', e.metadata && typeof e.metadata === 'object' &&
			Object.keys(e.metadata).length ? JSON.stringify(e.metadata, null, 2) : '(none)');
		meta.setAttribute('data-testid', 'event-metadata');
		// Rebuild only when the event changed (a refresh returns the same).
		var sig = JSON.stringify(e);
		if (det.axlogSig !== sig) {
			det.axlogSig = sig;
			td2.replaceChildren(dl, msgLabel, msg, metaLabel, meta);
		}
	}

	function toggleDetail(tr) {
		var e = tr.axlogEvent;
		if (!e) {
			return;
		}
		if (S.expanded.has(e.id)) {
			S.expanded.delete(e.id);
			if (tr.axlogDetail) {
				tr.axlogDetail.remove();
				tr.axlogDetail = null;
			}
			tr.setAttribute('aria-expanded', 'false');
			tr.classList.remove('open');
		} else {
			S.expanded.add(e.id);
			fillDetail(tr, e);
			tr.setAttribute('aria-expanded', 'true');
			tr.classList.add('open');
		}
	}

	function renderAlerts(body) {
		var alerts = Array.isArray(body.alerts) ? body.alerts : [];
		var list = $('alerts-list');
		// Keyed list items, like the table rows.
		var old = new Map();
		Array.prototype.forEach.call(list.children, function (li) {
			old.set(li.getAttribute('data-key'), li);
		});
		var items = alerts.map(function (a) {
			var key = a.type + '\n' + a.app_id;
			var li = old.get(key);
			if (li) {
				old.delete(key);
			} else {
				li = make('li', 'alert');
				li.setAttribute('data-key', key);
				li.setAttribute('data-testid', 'alert');
				var btn = make('button', 'alert-app quiet');
				btn.type = 'button';
				li.appendChild(make('span', 'alert-type'));
				li.appendChild(btn);
				li.appendChild(make('span', 'alert-text'));
				li.appendChild(make('span', 'alert-notice'));
				li.lastChild.setAttribute('data-testid', 'alert-notice');
			}
			setAttr(li, 'data-type', a.type);
			setAttr(li, 'data-app', a.app_id);
			li.className = 'alert alert-' + (a.type === 'silent' ? 'silent' : 'error');
			setText(li.children[0], a.type === 'error_rate' ? 'error rate' : a.type === 'silent' ? 'silent' : String(a.type));
			setText(li.children[1], a.app_id);
			li.children[1].axlogApp = a.app_id;
			setText(li.children[2], alertText(a));
			setAttr(li.children[3], 'data-notice', a.notice || 'none-yet');
			setText(li.children[3], noticeText(a));
			return li;
		});
		old.forEach(function (li) { li.remove(); });
		items.forEach(function (li, i) {
			if (list.children[i] !== li) {
				list.insertBefore(li, list.children[i] || null);
			}
		});
		setText($('alerts-count'), alerts.length);
		$('alerts').classList.toggle('has-alerts', alerts.length > 0);
		show($('alerts-empty'), alerts.length === 0);
	}

	function alertText(a) {
		var since = a.since ? fmtTime(a.since) + ' UTC' : '';
		if (a.type === 'error_rate') {
			return fmtRate(a.value) + ' of its recent events failed (threshold ' +
				fmtRate(a.threshold) + ')' + (since ? ', since ' + since : '') + '.';
		}
		if (a.type === 'silent') {
			return 'no event for ' + fmtMinutes(a.value) + ' (threshold ' + fmtMinutes(a.threshold) + ')' +
				(since ? '; last event ' + since : '') + '.';
		}
		return 'value ' + a.value + ', threshold ' + a.threshold + (since ? ', since ' + since : '') + '.';
	}

	// When alert delivery (axlogctl alerts --notify) saw the alert fire,
	// and whether its notice went out.
	function noticeText(a) {
		var state = {
			sent: 'notice sent',
			pending: 'notice pending',
			failing: 'notice failing, tried again on the next run',
			none: 'no notice target'
		}[a.notice];
		if (!a.fired_at) {
			return 'No notice yet.';
		}
		return 'Fired ' + fmtTime(a.fired_at) + ' UTC; ' + (state || 'notice ' + String(a.notice)) + '.';
	}

	function renderChart(labels, events, errors, bucket) {
		var canvas = $('chart');
		if (typeof window.Chart !== 'function') {
			show($('chart-missing'), true);
			setAttr(canvas, 'data-points', events.length);
			return;
		}
		show($('chart-missing'), false);
		if (!S.chart) {
			S.chart = new window.Chart(canvas, {
				type: 'bar',
				data: {
					labels: labels,
					datasets: [{
						label: 'Events',
						data: events,
						backgroundColor: 'rgba(37, 99, 235, 0.55)',
						hoverBackgroundColor: 'rgba(37, 99, 235, 0.8)',
						borderWidth: 0,
						order: 2
					}, {
						type: 'line',
						label: 'Errors',
						data: errors,
						borderColor: 'rgb(220, 38, 38)',
						backgroundColor: 'rgb(220, 38, 38)',
						borderWidth: 2,
						pointRadius: 2,
						pointHoverRadius: 4,
						tension: 0,
						order: 1
					}]
				},
				options: {
					responsive: true,
					maintainAspectRatio: false,
					animation: false,
					interaction: { mode: 'index', intersect: false },
					plugins: {
						legend: {
							position: 'top',
							align: 'end',
							labels: {
								boxWidth: 12,
								sort: function (a, b) { return a.datasetIndex - b.datasetIndex; }
							}
						},
						tooltip: { callbacks: { title: function (items) {
							return items.length ? items[0].label + ' UTC' : '';
						} } }
					},
					scales: {
						x: {
							grid: { display: false },
							ticks: { maxRotation: 0, autoSkip: true, autoSkipPadding: 12 }
						},
						y: {
							beginAtZero: true,
							ticks: { precision: 0 },
							grid: { color: 'rgba(0, 0, 0, 0.06)' }
						}
					}
				}
			});
		} else {
			var c = S.chart;
			c.data.labels = labels;
			c.data.datasets[0].data = events;
			c.data.datasets[1].data = errors;
			c.update('none');
		}
		setAttr(canvas, 'data-points', events.length);
		setAttr(canvas, 'data-bucket', bucket);
	}

	// ------------------------------------------------------------------
	// Events
	// ------------------------------------------------------------------

	function start() {
		$('login-form').addEventListener('submit', function (ev) {
			ev.preventDefault();
			var key = $('key-input').value.trim();
			if (!key) {
				setText($('login-error'), 'Enter a read key.');
				show($('login-error'), true);
				return;
			}
			S.key = key;
			S.keySaved = false;
			$('login-button').disabled = true;
			setText($('login-error'), 'Checking the key…');
			$('login-error').classList.add('info');
			show($('login-error'), true);
			setBodyStatus('loading');
			viewChanged();
		});
		$('controls').addEventListener('submit', function (ev) {
			ev.preventDefault();
		});
		$('logout-button').addEventListener('click', function () {
			showLogin(null);
		});
		$('refresh-button').addEventListener('click', function () {
			refresh();
		});
		$('back-button').addEventListener('click', function () {
			go({ app: '' });
		});
		$('app-select').addEventListener('change', function () {
			go({ app: this.value });
		});
		$('range-select').addEventListener('change', function () {
			if (this.value === 'custom') {
				// Start from the range on screen; Apply loads it.
				show($('custom-range'), true);
				var now = new Date();
				if (!$('custom-to').value) {
					$('custom-to').value = now.toISOString().slice(0, 16);
				}
				if (!$('custom-from').value) {
					$('custom-from').value = new Date(now - 86400000).toISOString().slice(0, 16);
				}
				$('custom-from').focus();
				return;
			}
			go({ range: this.value, from: '', to: '' });
		});
		$('custom-apply').addEventListener('click', function () {
			var from = fromLocalInput($('custom-from').value);
			var to = fromLocalInput($('custom-to').value);
			if (!from || !to) {
				banner('error', 'Give both ends of the custom range.');
				return;
			}
			if (Date.parse(from) >= Date.parse(to)) {
				banner('error', 'The custom range must end after it starts.');
				return;
			}
			go({ range: 'custom', from: from, to: to });
		});
		$('apps-body').addEventListener('click', function (ev) {
			var tr = ev.target.closest('tr[data-app]');
			if (tr) {
				go({ app: tr.getAttribute('data-app') });
			}
		});
		$('apps-body').addEventListener('keydown', function (ev) {
			var tr = ev.target.closest('tr[data-app]');
			if (tr && (ev.key === 'Enter' || ev.key === ' ')) {
				ev.preventDefault();
				go({ app: tr.getAttribute('data-app') });
			}
		});
		$('alerts-list').addEventListener('click', function (ev) {
			var btn = ev.target.closest('button.alert-app');
			if (btn && btn.axlogApp) {
				go({ app: btn.axlogApp });
			}
		});
		$('logs-body').addEventListener('click', function (ev) {
			var tr = ev.target.closest('tr[data-id]');
			// Selecting text in the detail row must not close it.
			if (tr && !(window.getSelection && String(window.getSelection()).length > 0)) {
				toggleDetail(tr);
			}
		});
		$('logs-body').addEventListener('keydown', function (ev) {
			var tr = ev.target.closest('tr[data-id]');
			if (tr && (ev.key === 'Enter' || ev.key === ' ')) {
				ev.preventDefault();
				toggleDetail(tr);
			}
		});
		function filterChanged() {
			S.logs.type = $('logs-type').value;
			S.logs.success = $('logs-success').value;
			S.logs.cursors = [null];
			S.logs.page = 0;
			S.expanded.clear();
			loadLogs();
		}
		$('logs-type').addEventListener('change', filterChanged);
		$('logs-success').addEventListener('change', filterChanged);
		$('logs-older').addEventListener('click', function () {
			if (!S.logs.next) {
				return;
			}
			S.logs.cursors[S.logs.page + 1] = S.logs.next;
			S.logs.cursors.length = S.logs.page + 2;
			S.logs.page++;
			loadLogs();
		});
		$('logs-newer').addEventListener('click', function () {
			if (S.logs.page > 0) {
				S.logs.page--;
				loadLogs();
			}
		});
		$('logs-newest').addEventListener('click', function () {
			S.logs.page = 0;
			loadLogs();
		});
		window.addEventListener('hashchange', function () {
			if (S.key) {
				viewChanged();
			}
		});
		document.addEventListener('visibilitychange', function () {
			if (!document.hidden && S.stale && S.key) {
				S.stale = false;
				refresh();
			}
		});

		readHash();
		syncControls();
		var saved = null;
		try {
			saved = sessionStorage.getItem(KEY_STORAGE);
		} catch (e) {
			saved = null;
		}
		if (saved) {
			S.key = saved;
			S.keySaved = true;
			showDashboard();
			viewChanged();
		} else {
			showLogin(null);
		}
	}

	if (document.readyState === 'loading') {
		document.addEventListener('DOMContentLoaded', start);
	} else {
		start();
	}
}());
