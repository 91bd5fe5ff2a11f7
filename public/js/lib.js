/* Helpers shared by every page script (views/partials/foot.ejs loads this file first): DOM building
   through textContent only (never innerHTML with data), JSON requests, the one admin-token control,
   number and date formatting. Exposed as window.CiDash. */
(function () {
  'use strict';

  // ---- DOM ----------------------------------------------------------------------------------
  function byId(id) { return document.getElementById(id); }

  /** A new element: optional class, text (as textContent) and attributes. */
  function el(tag, className, text, attrs) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (attrs) Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  /** A link for a URL that came from data: only http(s) and same-site paths, else null. */
  function safeHref(url) {
    if (typeof url !== 'string' || url === '' || /^ |[\u0000-\u001f\u007f]/.test(url)) return null;
    if (url.charAt(0) === '/') return /^\/[/\\]/.test(url) ? null : url;
    return /^https?:\/\/[^/\\]/i.test(url) ? url : null;
  }

  // ---- formatting ---------------------------------------------------------------------------
  var NONE = '—';

  /** YYYYMMDD → YYYY-MM-DD; anything else unchanged. */
  function dashed(d) {
    if (!d) return '';
    return /^\d{8}$/.test(d) ? d.slice(0, 4) + '-' + d.slice(4, 6) + '-' + d.slice(6, 8) : d;
  }

  function formatNumber(v, digits) {
    if (v === null || v === undefined || !isFinite(v)) return NONE;
    return Number(v).toLocaleString('en-US', { maximumFractionDigits: digits === undefined ? 2 : digits });
  }

  /** A percentage already scaled to 0–100, one decimal. */
  function formatPct(v) { return v === null || v === undefined ? NONE : Number(v).toFixed(1) + '%'; }

  // Measured values carry float noise (a median of two nights is 16817.239999999998): every label,
  // tooltip and table cell of a metric goes through formatMetric, one rounding per kind of number.
  /** The kind of a metric from its snake_case name with unit (`ttft_ms`, `output_throughput_tok_s`, …). */
  function metricKind(metric) {
    if (/_ms$/.test(metric)) return 'latency';
    if (/throughput|_per_s$|_req_s$|_tok_s$/.test(metric)) return 'throughput';
    if (/accuracy|pass_rate|percent|_pct$/.test(metric)) return 'percent';
    if (/minutes$/.test(metric)) return 'minutes';
    return 'other';
  }
  /** Latencies and throughputs: fewer decimals as the number grows (16,817 · 125.4 · 48.52 · 0.03). */
  function byMagnitude(v) { var a = Math.abs(v); return a >= 1000 ? 0 : a >= 100 ? 1 : 2; }
  var KIND_DIGITS = { latency: byMagnitude, throughput: byMagnitude, percent: function () { return 1; }, minutes: function () { return 1; }, other: function () { return 2; } };
  /** A value of a metric (its name or its kind) as text: grouped thousands, the kind's decimals, no unit. */
  function formatMetric(v, metricOrKind) {
    if (v === null || v === undefined || !isFinite(v)) return NONE;
    var digits = KIND_DIGITS[metricOrKind] || KIND_DIGITS[metricKind(metricOrKind)];
    return formatNumber(v, digits(Number(v)));
  }
  /** A relative change in percent with its sign, one decimal (`+12.3%`, `-4%`). */
  function formatDelta(pct) {
    if (pct === null || pct === undefined || !isFinite(pct)) return NONE;
    var rounded = Math.round(pct * 10) / 10;
    return (rounded > 0 ? '+' : '') + formatNumber(rounded === 0 ? 0 : rounded, 1) + '%';
  }

  var PALETTE = ['#0d6efd', '#198754', '#dc3545', '#fd7e14', '#6f42c1', '#20c997', '#d63384', '#6c757d', '#0dcaf0', '#ffc107'];
  function color(i) { return PALETTE[i % PALETTE.length]; }

  // ---- requests -----------------------------------------------------------------------------
  /** GET (or `init`) a JSON endpoint; rejects with the server's `error` text and `.status` on a non-2xx. */
  function fetchJson(url, init) {
    return fetch(url, init || { headers: { Accept: 'application/json' } }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (body) {
        if (!res.ok) {
          var err = new Error(body && body.error ? body.error : 'HTTP ' + res.status);
          err.status = res.status;
          throw err;
        }
        return body;
      });
    });
  }

  /** A state-changing request: JSON body, the admin token as a Bearer header (never in the URL). */
  function postJson(url, body) {
    return fetchJson(url, { method: 'POST', headers: adminToken.headers(), body: JSON.stringify(body === undefined ? {} : body) });
  }

  // ---- admin token: one control (views/partials/admin-token.ejs), kept for this tab only ----------
  var TOKEN_KEY = 'ciDashAdminToken';
  var listeners = [];

  function storedToken() {
    try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch (e) { return ''; }
  }

  function storeToken(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
    listeners.forEach(function (fn) { fn(value); });
  }

  var adminToken = {
    get: storedToken,
    headers: function () {
      var headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
      var token = storedToken();
      if (token) headers.Authorization = 'Bearer ' + token;
      return headers;
    },
    /** Calls fn(token) now and whenever the token is saved or forgotten. */
    onChange: function (fn) { listeners.push(fn); fn(storedToken()); },
    /** Opens the control and focuses its field, for an action that needs a token first. */
    ask: function () {
      var box = document.querySelector('details.admin-token');
      if (box) box.open = true;
      var input = byId('admin-token');
      if (input) input.focus();
    },
  };

  function bindAdminToken() {
    var input = byId('admin-token');
    if (!input) return;
    input.value = storedToken();
    var save = function () { storeToken(input.value.trim()); };
    input.addEventListener('change', save);
    input.addEventListener('keydown', function (ev) { if (ev.key === 'Enter') { ev.preventDefault(); save(); } });
    byId('admin-token-save').addEventListener('click', save);
    byId('admin-token-forget').addEventListener('click', function () { input.value = ''; storeToken(''); });
  }
  bindAdminToken();

  window.CiDash = {
    byId: byId, el: el, clear: clear, safeHref: safeHref,
    dashed: dashed, formatNumber: formatNumber, formatPct: formatPct, metricKind: metricKind, formatMetric: formatMetric, formatDelta: formatDelta, color: color, NONE: NONE,
    fetchJson: fetchJson, postJson: postJson, adminToken: adminToken,
  };
})();
