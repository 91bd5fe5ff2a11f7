/* Database Explorer page (SPEC §7.3, §8). Every value reaches the DOM through textContent; the page
 * state lives in the URL (filters, sql, params) so any view is a permalink. */
(function () {
  'use strict';

  var lib = window.CiDash;
  var $ = lib.byId;
  var el = lib.el;
  var dashed = lib.dashed;
  var pct = lib.formatPct;
  var state = JSON.parse($('explorer').dataset.state);
  var trendChart = null;
  var cannedQueries = [];
  var activeCanned = null;
  var availableDates = [];
  var shownDate = '';

  // ---------- page helpers ----------
  function link(url, text) {
    var href = lib.safeHref(url);
    if (!href) return el('span', 'muted', lib.NONE);
    var a = el('a', null, text);
    a.href = href;
    if (/^https?:/i.test(href)) { a.target = '_blank'; a.rel = 'noopener'; }
    return a;
  }
  function machineLabel(name) { return name ? name.split('-').slice(-2).join('-') : lib.NONE; }
  function dockerTag(image) { return image ? image.slice(image.lastIndexOf(':') + 1) : lib.NONE; }
  function cut(text, n) { return text && text.length > n ? text.slice(0, n) + '…' : text || ''; }
  function statusBadge(status) {
    var s = status || 'unknown';
    var label = { pass: '✔ pass', fail: '✘ fail', unknown: '? unknown', 'not run': '○ not run', 'no logs': '! no logs', skipped: '○ skipped' }[s] || s;
    return el('span', 'status status-' + s.replace(/\s+/g, '-'), label);
  }
  function row(cells) {
    var tr = document.createElement('tr');
    cells.forEach(function (c) {
      var td = document.createElement('td');
      if (c instanceof Node) td.appendChild(c); else td.textContent = c === null || c === undefined ? lib.NONE : String(c);
      tr.appendChild(td);
    });
    return tr;
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
    lib.clear(select);
    if (keep) select.appendChild(keep);
    values.forEach(function (v) {
      var o = el('option', null, labelOf ? labelOf(v) : v);
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
    return lib.fetchJson('/api/database/overview?' + p.toString())
      .then(function (body) {
        $('overview-message').textContent = '';
        renderOverview(body);
      })
      .catch(function (err) { $('overview-message').textContent = err.status ? err.message : 'Could not load the overview'; });
  }

  function renderOverview(o) {
    var machineSelect = $('f-machine');
    lib.clear(machineSelect);
    var all = el('option', null, 'all machines'); all.value = 'all';
    machineSelect.appendChild(all);
    o.machine_names.forEach(function (m) {
      var opt = el('option', null, machineLabel(m)); opt.value = m; opt.title = m; machineSelect.appendChild(opt);
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
    // The display tally (issue 16.5): one state per task, the tiles add up to the task count.
    $('tile-tasks-run').textContent = run.tally.ran + '/' + run.tally.total;
    $('tile-passed').textContent = run.tally.pass;
    $('tile-failed').textContent = run.tally.fail;
    $('tile-unknown').textContent = run.tally.unknown;
    // A no-logs run has every task "no logs" (expected but missing), never "not run".
    $('tile-not-run-label').textContent = run.tally.no_logs ? 'No Logs' : 'Not Run';
    $('tile-not-run').textContent = run.tally.not_run + run.tally.no_logs;
    $('tile-pass-rate').textContent = pct(run.pass_rate);
    $('run-machine').textContent = 'Machine: ' + (run.machine_name || lib.NONE) + (run.machine_inferred ? ' (inferred)' : '');
    $('run-docker').textContent = 'Docker: ' + dockerTag(run.docker_image);
    $('run-docker').title = run.docker_image || '';

    var tbody = $('daily-table').tBodies[0];
    lib.clear(tbody);
    o.daily_runs.forEach(function (r) {
      var tr = row([dashed(r.run_date), machineLabel(r.machine_name), r.tally.ran + '/' + r.tally.total, r.tally.pass, r.tally.fail, r.tally.unknown, r.tally.not_run + r.tally.no_logs, pct(r.pass_rate), statusBadge(r.state)]);
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
    var wrap = el('div', 'result-group');
    wrap.appendChild(el('h3', null, title));
    if (rows.length === 0) { wrap.appendChild(el('p', 'muted', 'None for this run')); return wrap; }
    var table = el('table', 'data compact');
    var head = document.createElement('tr');
    headers.forEach(function (h) { head.appendChild(el('th', null, h)); });
    table.appendChild(document.createElement('thead')).appendChild(head);
    var body = table.appendChild(document.createElement('tbody'));
    rows.forEach(function (r) { body.appendChild(row(r)); });
    wrap.appendChild(table);
    return wrap;
  }

  function renderTestResults(run) {
    var box = $('test-results');
    lib.clear(box);
    var runtime = function (m) { return m === null || m === undefined ? lib.NONE : m + 'm'; };
    var gsm8k = function (b) {
      var span = el('span', null, pct(b.gsm8k_accuracy));
      if (b.gsm8k_threshold !== null && b.gsm8k_threshold !== undefined) span.title = 'threshold ' + pct(b.gsm8k_threshold);
      if (b.gsm8k_accuracy !== null && b.gsm8k_threshold !== null && b.gsm8k_accuracy < b.gsm8k_threshold) span.className = 'below-threshold';
      return span;
    };
    // One table per UI group of the server's task catalogue; validation tasks have no GSM8K column.
    state.task_groups.forEach(function (g) {
      var rows = run.benchmark_results.filter(function (b) { return b.group === g.name; });
      box.appendChild(groupTable(g.name, g.showsGsm8k ? [g.itemLabel, 'Status', 'GSM8K', 'Runtime'] : [g.itemLabel, 'Status', 'Runtime'],
        rows.map(function (b) {
          return g.showsGsm8k ? [b.benchmark_name, statusBadge(b.state), gsm8k(b), runtime(b.runtime_minutes)] : [b.benchmark_name, statusBadge(b.state), runtime(b.runtime_minutes)];
        })));
    });
    box.appendChild(groupTable('Sanity Checks', ['Model', 'Status', 'Accuracy', 'Threshold'],
      run.sanity_results.map(function (s) { return [s.model_name, statusBadge(s.state), pct(s.accuracy), pct(s.threshold)]; })));
  }

  function renderFiltered(o) {
    var s = o.benchmark_summary;
    $('filtered-summary').textContent = s.total + ' result(s) from ' + dashed(o.date_range.start) + ' to ' + dashed(o.date_range.end) +
      ' · ' + s.passed + ' passed · ' + s.failed + ' failed · pass rate ' + pct(s.pass_rate);
    var tbody = $('filtered-table').tBodies[0];
    lib.clear(tbody);
    o.benchmarks_range.forEach(function (b) {
      var error = el('span', null, cut(b.error_message, 50)); error.title = b.error_message || '';
      var docker = el('span', 'mono', cut(b.docker_image, 40)); docker.title = b.docker_image || '';
      tbody.appendChild(row([
        b.run_datetime_pt || dashed(b.run_date), machineLabel(b.machine_name), b.benchmark_name, statusBadge(b.state),
        b.gsm8k_accuracy === null ? lib.NONE : b.gsm8k_accuracy.toFixed(1), b.runtime_minutes, error, docker,
        link(b.github_cron_log_url, 'Cron'), link(b.detail_log_url, 'Details'), b.plot_url ? link(b.plot_url, 'Plot') : lib.NONE,
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

  // ---------- admin: Update shows only once a token is set (the shared control in lib.js) ----------
  function bindAdmin() {
    lib.adminToken.onChange(function (token) { $('update-btn').hidden = !token; });
    $('update-btn').addEventListener('click', function () {
      var button = $('update-btn');
      button.disabled = true;
      $('update-status').textContent = 'Updating database…';
      lib.postJson('/api/database/refresh')
        .then(function (body) {
          $('update-status').textContent = body.success ? (body.message || 'Database refreshed') : ('Update failed: ' + (body.error || 'unknown error'));
          if (body.success) { loadOverview(); loadStats(); }
        })
        .catch(function (err) { $('update-status').textContent = 'Update failed: ' + (err.status ? err.message : 'no answer from the server'); })
        .then(function () { button.disabled = false; });
    });
  }

  // ---------- schema and stats ----------
  function loadSchema() {
    lib.fetchJson('/api/database/schema').then(function (s) {
      var box = $('schema-browser');
      lib.clear(box);
      [['tables', 'table'], ['views', 'view']].forEach(function (kind) {
        Object.keys(s[kind[0]] || {}).forEach(function (name) {
          var d = el('details');
          var summary = el('summary', null, name + (kind[1] === 'view' ? ' (view)' : ''));
          d.appendChild(summary);
          var ul = el('ul');
          s[kind[0]][name].forEach(function (c) { ul.appendChild(el('li', 'mono', c)); });
          d.appendChild(ul);
          var use = el('button', 'btn btn-sm btn-outline-secondary', 'SELECT * FROM ' + name);
          use.type = 'button';
          use.addEventListener('click', function () { setEditor('SELECT * FROM ' + name + ' LIMIT 100', null); });
          d.appendChild(use);
          box.appendChild(d);
        });
      });
    }).catch(function () { $('schema-browser').textContent = 'Schema not available'; });
  }
  function loadStats() {
    lib.fetchJson('/api/database/stats').then(function (body) {
      var dl = $('db-stats');
      lib.clear(dl);
      var s = body.stats || {};
      Object.keys(s).forEach(function (k) {
        var v = s[k];
        if (k === 'last_ingest') v = v ? (v.finished_at || lib.NONE) + ' (' + (v.status || '?') + ')' : lib.NONE;
        dl.appendChild(el('dt', null, k.replace(/_/g, ' ')));
        dl.appendChild(el('dd', null, v === null || v === undefined ? lib.NONE : v));
      });
    }).catch(function () { $('db-stats').textContent = 'Stats not available'; });
  }

  // ---------- canned queries ----------
  function paramInput(p, value) {
    var input;
    if (p.type.kind === 'hardware') {
      input = el('select', 'form-select form-select-sm');
      ['mi30x', 'mi35x'].forEach(function (h) { var o = el('option', null, h.toUpperCase()); o.value = h; input.appendChild(o); });
    } else {
      input = el('input', 'form-control form-control-sm');
      input.type = p.type.kind === 'integer' ? 'number' : 'text';
      if (p.type.kind === 'integer') { input.min = p.type.min; input.max = p.type.max; input.step = 1; }
    }
    // A hardware parameter starts on the hardware the page shows.
    var initial = p.type.kind === 'hardware' ? state.hardware : p['default'];
    input.value = value === undefined || value === null ? String(initial) : String(value);
    input.dataset.param = p.name;
    input.dataset.kind = p.type.kind;
    return input;
  }
  function renderParams(query, values) {
    var box = $('canned-params');
    lib.clear(box);
    $('canned-description').textContent = query ? query.description : '';
    if (!query) return;
    query.params.forEach(function (p) {
      var label = el('label', 'canned-param', p.label + ' ');
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
    return lib.fetchJson('/api/database/queries').then(function (body) {
      cannedQueries = body.queries || [];
      var box = $('canned-buttons');
      lib.clear(box);
      cannedQueries.forEach(function (q) {
        var b = el('button', 'btn btn-sm btn-outline-secondary', q.title);
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
    lib.clear(table);
    var head = document.createElement('tr');
    result.columns.forEach(function (c) { head.appendChild(el('th', null, c)); });
    table.appendChild(document.createElement('thead')).appendChild(head);
    var body = table.appendChild(document.createElement('tbody'));
    result.rows.forEach(function (r) {
      var tr = document.createElement('tr');
      r.forEach(function (v) {
        var td = document.createElement('td');
        if (v === null) { td.appendChild(el('em', 'null', 'NULL')); }
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
    var showExports = function (shown) { ['export-csv', 'export-json', 'permalink'].forEach(function (id) { $(id).hidden = !shown; }); };
    return lib.fetchJson('/api/database/query', { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(body) })
      .then(function (r) {
        showExports(true);
        renderResult(r);
        status.textContent = 'Returned ' + r.row_count + ' row(s) in ' + r.execution_time_ms + ' ms' +
          (r.truncated ? ' (truncated at ' + r.row_count + ' rows; refine the query to see the rest)' : '');
        $('export-csv').href = exportHref('csv');
        $('export-json').href = exportHref('json');
        $('permalink').href = currentUrl();
      })
      .catch(function (err) {
        showExports(false);
        lib.clear($('sql-results'));
        status.className = 'error';
        status.textContent = 'Error: ' + (err.status ? err.message : 'no answer from the server');
      })
      .then(function () { $('sql-run').disabled = false; });
  }
  function bindEditor() {
    $('sql-run').addEventListener('click', runSql);
    $('sql-editor').addEventListener('keydown', function (e) {
      if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') { e.preventDefault(); runSql(); }
    });
    $('sql-clear').addEventListener('click', function () {
      setEditor('', null);
      lib.clear($('sql-results'));
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
