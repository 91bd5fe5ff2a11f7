/* Database Explorer page (SPEC §7.3, §8). Every value reaches the DOM through textContent; the page
 * state lives in the URL (filters, sql, params) so any view is a permalink. */
(function () {
  'use strict';

  var state = JSON.parse(document.getElementById('explorer').dataset.state);
  var TOKEN_KEY = 'ci-dash-admin-token';
  var $ = function (id) { return document.getElementById(id); };
  var trendChart = null;
  var cannedQueries = [];
  var activeCanned = null;
  var availableDates = [];
  var shownDate = '';

  // ---------- small DOM helpers ----------
  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function safeUrl(url) { return typeof url === 'string' && (/^https?:\/\//i.test(url) || /^\/(?!\/)/.test(url)) ? url : null; }
  function link(url, text) {
    var href = safeUrl(url);
    if (!href) return el('span', '—', 'muted');
    var a = el('a', text);
    a.href = href;
    if (/^https?:/i.test(href)) { a.target = '_blank'; a.rel = 'noopener'; }
    return a;
  }
  function dashed(d) { return d ? d.slice(0, 4) + '-' + d.slice(4, 6) + '-' + d.slice(6, 8) : ''; }
  function machineLabel(name) { return name ? name.split('-').slice(-2).join('-') : '—'; }
  function dockerTag(image) { return image ? image.slice(image.lastIndexOf(':') + 1) : '—'; }
  function pct(v) { return v === null || v === undefined ? '—' : v.toFixed(1) + '%'; }
  function cut(text, n) { return text && text.length > n ? text.slice(0, n) + '…' : text || ''; }
  function statusBadge(status) {
    var s = status || 'unknown';
    var label = { pass: '✔ pass', fail: '✘ fail', unknown: '? unknown', 'not run': '○ not run', skipped: '○ skipped' }[s] || s;
    return el('span', label, 'status status-' + s.replace(/\s+/g, '-'));
  }
  function row(cells) {
    var tr = document.createElement('tr');
    cells.forEach(function (c) {
      var td = document.createElement('td');
      if (c instanceof Node) td.appendChild(c); else td.textContent = c === null || c === undefined ? '—' : String(c);
      tr.appendChild(td);
    });
    return tr;
  }
  function authHeaders() {
    var token = sessionStorage.getItem(TOKEN_KEY);
    return token ? { Authorization: 'Bearer ' + token } : {};
  }

  // ---------- URL state ----------
  function currentUrl() {
    var p = new URLSearchParams();
    p.set('hardware', state.hardware);
    if (state.machine) p.set('machine', state.machine);
    if (state.date) p.set('date', state.date);
    if (state.range !== 7) p.set('range', String(state.range));
    if (state.test && state.test !== 'all') p.set('test', state.test);
    if (state.sql) p.set('sql', state.sql);
    if (state.sql && state.params) p.set('params', state.params);
    return '/database?' + p.toString();
  }
  function pushUrl() { history.replaceState(null, '', currentUrl()); }

  // ---------- overview ----------
  function setFilterOptions(select, values, selected, labelOf) {
    var keep = select.querySelector('option[data-fixed]');
    clear(select);
    if (keep) select.appendChild(keep);
    values.forEach(function (v) {
      var o = el('option', labelOf ? labelOf(v) : v);
      o.value = v;
      if (v === selected) o.selected = true;
      select.appendChild(o);
    });
  }

  function loadOverview() {
    var p = new URLSearchParams({ hardware: state.hardware, range: String(state.range), test: state.test || 'all' });
    if (state.machine) p.set('machine', state.machine);
    if (state.date) p.set('date', state.date);
    $('overview-message').textContent = 'Loading…';
    return fetch('/api/database/overview?' + p.toString())
      .then(function (r) { return r.json().then(function (body) { return { status: r.status, body: body }; }); })
      .then(function (res) {
        if (res.status !== 200) {
          $('overview-message').textContent = res.body.error || 'Could not load the overview';
          return;
        }
        $('overview-message').textContent = '';
        renderOverview(res.body);
      })
      .catch(function () { $('overview-message').textContent = 'Could not load the overview'; });
  }

  function renderOverview(o) {
    var machineSelect = $('f-machine');
    clear(machineSelect);
    var all = el('option', 'all machines'); all.value = 'all';
    machineSelect.appendChild(all);
    o.machine_names.forEach(function (m) {
      var opt = el('option', machineLabel(m)); opt.value = m; opt.title = m; machineSelect.appendChild(opt);
    });
    machineSelect.value = o.selected_machine;

    availableDates = o.available_dates;
    shownDate = o.selected_date;
    var dateInput = $('f-date');
    dateInput.min = dashed(availableDates[availableDates.length - 1]);
    dateInput.max = dashed(availableDates[0]);
    dateInput.value = dashed(o.selected_date);
    var at = availableDates.indexOf(o.selected_date);
    $('date-prev').disabled = at < 0 || at >= availableDates.length - 1;
    $('date-next').disabled = at <= 0;

    setFilterOptions($('f-test'), o.test_names, o.selected_test, function (t) { return t === 'all' ? 'All Tests' : t; });

    var run = o.selected_run;
    $('run-label').textContent = dashed(o.selected_date) + ' · ' + o.hardware;
    $('tile-tasks-run').textContent = run.tasks_run;
    $('tile-passed').textContent = run.passed_tasks;
    $('tile-failed').textContent = run.failed_tasks;
    $('tile-not-run').textContent = run.not_run;
    $('tile-pass-rate').textContent = pct(run.pass_rate);
    $('run-machine').textContent = 'Machine: ' + (run.machine_name || '—');
    $('run-docker').textContent = 'Docker: ' + dockerTag(run.docker_image);
    $('run-docker').title = run.docker_image || '';

    var tbody = $('daily-table').tBodies[0];
    clear(tbody);
    o.daily_runs.forEach(function (r) {
      var tr = row([dashed(r.run_date), machineLabel(r.machine_name), r.tasks_run, r.passed_tasks, r.failed_tasks, r.not_run, pct(r.pass_rate)]);
      tr.className = 'clickable' + (r.run_id === run.run_id ? ' selected' : '');
      tr.title = 'Show ' + dashed(r.run_date);
      tr.addEventListener('click', function () { selectDate(r.run_date); });
      tbody.appendChild(tr);
    });

    renderTrend(o);
    renderTestResults(run);
    renderFiltered(o);
  }

  function renderTrend(o) {
    $('trend-title').textContent = 'Pass Rate Trend (Last ' + o.date_range.days + ' Days)';
    var points = o.daily_runs.slice().reverse();
    var labels = points.map(function (r) { return r.run_date.slice(4, 6) + '/' + r.run_date.slice(6, 8); });
    var data = points.map(function (r) { return r.pass_rate; });
    if (typeof Chart === 'undefined') return;
    if (trendChart) trendChart.destroy();
    trendChart = new Chart($('trend-chart'), {
      type: 'line',
      data: { labels: labels, datasets: [{ label: 'Pass rate (%)', data: data, borderColor: 'rgba(13,110,253,.9)', backgroundColor: 'rgba(13,110,253,.15)', fill: true, spanGaps: true, tension: 0.2 }] },
      options: { animation: false, maintainAspectRatio: false, scales: { y: { min: 0, max: 100, title: { display: true, text: 'Pass rate (%)' } } } },
    });
  }

  function groupTable(title, headers, rows) {
    var wrap = el('div', null, 'result-group');
    wrap.appendChild(el('h3', title));
    if (rows.length === 0) { wrap.appendChild(el('p', 'None for this run', 'muted')); return wrap; }
    var table = el('table', null, 'data compact');
    var head = document.createElement('tr');
    headers.forEach(function (h) { head.appendChild(el('th', h)); });
    table.appendChild(document.createElement('thead')).appendChild(head);
    var body = table.appendChild(document.createElement('tbody'));
    rows.forEach(function (r) { body.appendChild(row(r)); });
    wrap.appendChild(table);
    return wrap;
  }

  function renderTestResults(run) {
    var box = $('test-results');
    clear(box);
    var runtime = function (m) { return m === null || m === undefined ? '—' : m + 'm'; };
    var gsm8k = function (b) {
      var span = el('span', pct(b.gsm8k_accuracy));
      if (b.gsm8k_threshold !== null && b.gsm8k_threshold !== undefined) span.title = 'threshold ' + pct(b.gsm8k_threshold);
      if (b.gsm8k_accuracy !== null && b.gsm8k_threshold !== null && b.gsm8k_accuracy < b.gsm8k_threshold) span.className = 'below-threshold';
      return span;
    };
    var of = function (group) { return run.benchmark_results.filter(function (b) { return b.group === group; }); };
    box.appendChild(groupTable('Validation & Checks', ['Task', 'Status', 'Runtime'],
      of('Validation & Checks').map(function (b) { return [b.benchmark_name, statusBadge(b.status), runtime(b.runtime_minutes)]; })));
    box.appendChild(groupTable('Performance Benchmarks', ['Benchmark', 'Status', 'GSM8K', 'Runtime'],
      of('Performance Benchmarks').map(function (b) { return [b.benchmark_name, statusBadge(b.status), gsm8k(b), runtime(b.runtime_minutes)]; })));
    box.appendChild(groupTable('Integration Tests', ['Test', 'Status', 'GSM8K', 'Runtime'],
      of('Integration Tests').map(function (b) { return [b.benchmark_name, statusBadge(b.status), gsm8k(b), runtime(b.runtime_minutes)]; })));
    box.appendChild(groupTable('Sanity Checks', ['Model', 'Status', 'Accuracy', 'Threshold'],
      run.sanity_results.map(function (s) { return [s.model_name, statusBadge(s.status), pct(s.accuracy), pct(s.threshold)]; })));
  }

  function renderFiltered(o) {
    var s = o.benchmark_summary;
    $('filtered-summary').textContent = s.total + ' result(s) from ' + dashed(o.date_range.start) + ' to ' + dashed(o.date_range.end) +
      ' · ' + s.passed + ' passed · ' + s.failed + ' failed · pass rate ' + pct(s.pass_rate);
    var tbody = $('filtered-table').tBodies[0];
    clear(tbody);
    o.benchmarks_range.forEach(function (b) {
      var error = el('span', cut(b.error_message, 50)); error.title = b.error_message || '';
      var docker = el('span', cut(b.docker_image, 40), 'mono'); docker.title = b.docker_image || '';
      tbody.appendChild(row([
        b.run_datetime_pt || dashed(b.run_date), machineLabel(b.machine_name), b.benchmark_name, statusBadge(b.status),
        b.gsm8k_accuracy === null ? '—' : b.gsm8k_accuracy.toFixed(1), b.runtime_minutes, error, docker,
        link(b.github_cron_log_url, 'Cron'), link(b.detail_log_url, 'Details'), b.plot_url ? link(b.plot_url, 'Plot') : '—',
      ]));
    });
  }

  function selectDate(date) { state.date = date; pushUrl(); loadOverview(); }
  /** A picked day without a run snaps to the closest earlier night that has one (else the oldest). */
  function nearestAvailable(date) {
    for (var i = 0; i < availableDates.length; i++) if (availableDates[i] <= date) return availableDates[i];
    return availableDates[availableDates.length - 1] || date;
  }
  function stepDate(delta) {
    var i = availableDates.indexOf(shownDate) + delta;
    if (i >= 0 && i < availableDates.length) selectDate(availableDates[i]);
  }

  function bindFilters() {
    $('f-hardware').addEventListener('change', function (e) {
      state.hardware = e.target.value; state.date = ''; state.machine = ''; state.test = 'all';
      pushUrl(); loadOverview();
    });
    $('f-machine').addEventListener('change', function (e) { state.machine = e.target.value; pushUrl(); loadOverview(); });
    $('f-date').addEventListener('change', function (e) { selectDate(nearestAvailable(e.target.value.replace(/-/g, ''))); });
    // available_dates is newest first: "previous" is the next index.
    $('date-prev').addEventListener('click', function () { stepDate(1); });
    $('date-next').addEventListener('click', function () { stepDate(-1); });
    $('f-range').addEventListener('change', function (e) { state.range = Number(e.target.value); pushUrl(); loadOverview(); });
    $('f-test').addEventListener('change', function (e) { state.test = e.target.value; pushUrl(); loadOverview(); });
  }

  // ---------- admin: token kept in sessionStorage, sent as a header, never in a URL ----------
  function refreshAdminUi() {
    $('update-btn').hidden = !sessionStorage.getItem(TOKEN_KEY);
  }
  function bindAdmin() {
    $('admin-token-save').addEventListener('click', function () {
      var value = $('admin-token').value.trim();
      if (value) sessionStorage.setItem(TOKEN_KEY, value);
      $('admin-token').value = '';
      refreshAdminUi();
    });
    $('admin-token-forget').addEventListener('click', function () { sessionStorage.removeItem(TOKEN_KEY); refreshAdminUi(); });
    $('update-btn').addEventListener('click', function () {
      var button = $('update-btn');
      button.disabled = true;
      $('update-status').textContent = 'Updating database…';
      var headers = authHeaders();
      headers['Content-Type'] = 'application/json';
      fetch('/api/database/refresh', { method: 'POST', headers: headers, body: '{}' })
        .then(function (r) { return r.json().catch(function () { return {}; }); })
        .then(function (body) {
          $('update-status').textContent = body.success ? (body.message || 'Database refreshed') : ('Update failed: ' + (body.error || 'unknown error'));
          if (body.success) { loadOverview(); loadStats(); }
        })
        .catch(function () { $('update-status').textContent = 'Update failed: no answer from the server'; })
        .then(function () { button.disabled = false; });
    });
    refreshAdminUi();
  }

  // ---------- schema and stats ----------
  function loadSchema() {
    fetch('/api/database/schema').then(function (r) { return r.json(); }).then(function (s) {
      var box = $('schema-browser');
      clear(box);
      [['tables', 'table'], ['views', 'view']].forEach(function (kind) {
        Object.keys(s[kind[0]] || {}).forEach(function (name) {
          var d = el('details');
          var summary = el('summary', name + (kind[1] === 'view' ? ' (view)' : ''));
          d.appendChild(summary);
          var ul = el('ul');
          s[kind[0]][name].forEach(function (c) { ul.appendChild(el('li', c, 'mono')); });
          d.appendChild(ul);
          var use = el('button', 'SELECT * FROM ' + name, 'small');
          use.type = 'button';
          use.addEventListener('click', function () { setEditor('SELECT * FROM ' + name + ' LIMIT 100', null); });
          d.appendChild(use);
          box.appendChild(d);
        });
      });
    }).catch(function () { $('schema-browser').textContent = 'Schema not available'; });
  }
  function loadStats() {
    fetch('/api/database/stats').then(function (r) { return r.json(); }).then(function (body) {
      var dl = $('db-stats');
      clear(dl);
      var s = body.stats || {};
      Object.keys(s).forEach(function (k) {
        var v = s[k];
        if (k === 'last_ingest') v = v ? (v.finished_at || '—') + ' (' + (v.status || '?') + ')' : '—';
        dl.appendChild(el('dt', k.replace(/_/g, ' ')));
        dl.appendChild(el('dd', v === null || v === undefined ? '—' : v));
      });
    }).catch(function () { $('db-stats').textContent = 'Stats not available'; });
  }

  // ---------- canned queries ----------
  function paramInput(p, value) {
    var input;
    if (p.type.kind === 'hardware') {
      input = el('select');
      ['mi30x', 'mi35x'].forEach(function (h) { var o = el('option', h.toUpperCase()); o.value = h; input.appendChild(o); });
    } else {
      input = el('input');
      input.type = p.type.kind === 'integer' ? 'number' : 'text';
      if (p.type.kind === 'integer') { input.min = p.type.min; input.max = p.type.max; input.step = 1; }
    }
    input.value = value === undefined || value === null ? String(p['default']) : String(value);
    input.dataset.param = p.name;
    input.dataset.kind = p.type.kind;
    return input;
  }
  function renderParams(query, values) {
    var box = $('canned-params');
    clear(box);
    $('canned-description').textContent = query ? query.description : '';
    if (!query) return;
    query.params.forEach(function (p) {
      var label = el('label', p.label + ' ');
      label.appendChild(paramInput(p, values ? values[p.name] : undefined));
      box.appendChild(label);
    });
  }
  function collectParams() {
    var out = {};
    $('canned-params').querySelectorAll('[data-param]').forEach(function (input) {
      out[input.dataset.param] = input.dataset.kind === 'integer' && input.value !== '' ? Number(input.value) : input.value;
    });
    return out;
  }
  function setEditor(sql, query, values) {
    $('sql-editor').value = sql;
    activeCanned = query;
    renderParams(query, values);
  }
  function loadCanned() {
    return fetch('/api/database/queries').then(function (r) { return r.json(); }).then(function (body) {
      cannedQueries = body.queries || [];
      var box = $('canned-buttons');
      clear(box);
      cannedQueries.forEach(function (q) {
        var b = el('button', q.title, 'small');
        b.type = 'button';
        b.title = q.description;
        b.dataset.query = q.name;
        b.addEventListener('click', function () { setEditor(q.sql, q); });
        box.appendChild(b);
      });
    }).catch(function () { $('canned-buttons').textContent = 'Examples not available'; });
  }

  // ---------- running SQL ----------
  function renderResult(result) {
    var table = $('sql-results');
    clear(table);
    var head = document.createElement('tr');
    result.columns.forEach(function (c) { head.appendChild(el('th', c)); });
    table.appendChild(document.createElement('thead')).appendChild(head);
    var body = table.appendChild(document.createElement('tbody'));
    result.rows.forEach(function (r) {
      var tr = document.createElement('tr');
      r.forEach(function (v) {
        var td = document.createElement('td');
        if (v === null) { td.appendChild(el('em', 'NULL', 'null')); }
        else { td.textContent = String(v); if (typeof v === 'number') td.className = 'num'; }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }
  function exportHref(format) {
    var p = new URLSearchParams({ sql: state.sql, format: format });
    if (state.params) p.set('params', state.params);
    return '/api/database/query?' + p.toString();
  }
  function runSql() {
    var sql = $('sql-editor').value;
    var status = $('sql-status');
    var params = activeCanned && sql === activeCanned.sql ? collectParams() : null;
    if (!activeCanned || sql !== activeCanned.sql) activeCanned = null;
    state.sql = sql;
    state.params = params && Object.keys(params).length ? JSON.stringify(params) : '';
    pushUrl();
    status.className = '';
    status.textContent = 'Running…';
    $('sql-run').disabled = true;
    var body = { query: sql };
    if (params) body.params = params;
    return fetch('/api/database/query', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (b) { return { status: r.status, body: b }; }); })
      .then(function (res) {
        var ok = res.status === 200;
        ['export-csv', 'export-json', 'permalink'].forEach(function (id) { $(id).hidden = !ok; });
        if (!ok) {
          clear($('sql-results'));
          status.className = 'error';
          status.textContent = 'Error: ' + (res.body.error || ('HTTP ' + res.status));
          return;
        }
        var r = res.body;
        renderResult(r);
        status.textContent = 'Returned ' + r.row_count + ' row(s) in ' + r.execution_time_ms + ' ms' +
          (r.truncated ? ' (truncated at ' + r.row_count + ' rows; refine the query to see the rest)' : '');
        $('export-csv').href = exportHref('csv');
        $('export-json').href = exportHref('json');
        $('permalink').href = currentUrl();
      })
      .catch(function () { status.className = 'error'; status.textContent = 'Error: no answer from the server'; })
      .then(function () { $('sql-run').disabled = false; });
  }
  function bindEditor() {
    $('sql-run').addEventListener('click', runSql);
    $('sql-editor').addEventListener('keydown', function (e) {
      if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') { e.preventDefault(); runSql(); }
    });
    $('sql-clear').addEventListener('click', function () {
      setEditor('', null);
      clear($('sql-results'));
      $('sql-status').textContent = '';
      ['export-csv', 'export-json', 'permalink'].forEach(function (id) { $(id).hidden = true; });
      state.sql = ''; state.params = '';
      pushUrl();
      $('sql-editor').focus();
    });
  }

  function init() {
    if (state.date) $('f-date').value = dashed(state.date);
    bindFilters();
    bindAdmin();
    bindEditor();
    loadOverview();
    loadSchema();
    loadStats();
    loadCanned().then(function () {
      if (state.sql) {
        var params = null;
        try { params = state.params ? JSON.parse(state.params) : null; } catch (e) { params = null; }
        var match = cannedQueries.filter(function (q) { return q.sql === state.sql; })[0] || null;
        setEditor(state.sql, match, params);
        runSql();
      } else {
        var recent = cannedQueries.filter(function (q) { return q.name === 'recent-runs'; })[0];
        if (recent) setEditor(recent.sql, recent);
      }
    });
  }
  init();
})();
