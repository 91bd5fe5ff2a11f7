/* /srt page: filters and selection live in the URL; every panel is drawn from a JSON endpoint.
   DOM is built with createElement/textContent only (CSP: no inline script, no innerHTML). */
(function () {
  'use strict';
  var lib = window.CiDash;
  var $ = lib.byId;
  var el = lib.el;
  var fmt = lib.formatNumber;

  var boot = JSON.parse(document.getElementById('srt-bootstrap').textContent);
  var COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'];
  var FILTER_KEYS = ['gpu', 'topology', 'isl_osl', 'container'];
  var charts = {};
  var runs = [];
  var state = readUrl();

  // ---- helpers --------------------------------------------------------------------------------
  function row(cells) {
    var tr = el('tr');
    cells.forEach(function (c) { tr.appendChild(c instanceof Node ? wrap(c) : el('td', null, c)); });
    return tr;
  }

  function wrap(node) { var td = el('td'); td.appendChild(node); return td; }

  function fillBody(table, rows, emptyText) {
    var body = table.querySelector('tbody');
    lib.clear(body);
    if (!rows.length) {
      var tr = el('tr');
      var td = el('td', 'text-secondary', emptyText || 'Nothing to show', { colspan: String(table.querySelectorAll('th').length) });
      tr.appendChild(td);
      body.appendChild(tr);
      return;
    }
    rows.forEach(function (r) { body.appendChild(row(r)); });
  }

  function chart(id, config) {
    if (charts[id]) charts[id].destroy();
    charts[id] = new Chart($(id), config);
    return charts[id];
  }

  function runLabel(jobId) {
    var r = runs.find(function (x) { return x.job_id === jobId; });
    return r ? r.label : jobId;
  }

  // ---- URL state ------------------------------------------------------------------------------
  function readUrl() {
    var q = new URLSearchParams(location.search);
    var s = { tag: q.getAll('tag'), runs: q.has('runs') ? q.get('runs').split(',').filter(Boolean) : null };
    FILTER_KEYS.concat(['y', 'cutoff', 'tab', 'run', 'a', 'b', 'metric', 'view', 'config']).forEach(function (k) { s[k] = q.get(k) || ''; });
    if (!s.tab) s.tab = 'pareto';
    if (!s.y) s.y = 'output';
    return s;
  }

  function filterParams(withRuns) {
    var q = new URLSearchParams();
    FILTER_KEYS.forEach(function (k) { if (state[k]) q.set(k, state[k]); });
    state.tag.forEach(function (t) { q.append('tag', t); });
    if (withRuns && state.runs) q.set('runs', state.runs.join(','));
    return q;
  }

  function writeUrl() {
    var q = filterParams(true);
    ['y', 'cutoff', 'tab', 'run', 'a', 'b', 'metric', 'view', 'config'].forEach(function (k) {
      if (state[k] && !(k === 'y' && state[k] === 'output')) q.set(k, state[k]);
    });
    var qs = q.toString();
    history.replaceState(null, '', location.pathname + (qs ? '?' + qs : ''));
  }

  // ---- sidebar --------------------------------------------------------------------------------
  function syncForm() {
    FILTER_KEYS.forEach(function (k) { $('srt-f-' + k).value = state[k]; });
    document.querySelectorAll('#srt-f-tags input[name=tag]').forEach(function (box) { box.checked = state.tag.indexOf(box.value) >= 0; });
    document.querySelectorAll('input[name=y]').forEach(function (r) { r.checked = r.value === state.y; });
    $('srt-f-cutoff').value = state.cutoff;
  }

  function readForm() {
    FILTER_KEYS.forEach(function (k) { state[k] = $('srt-f-' + k).value; });
    state.tag = Array.prototype.map.call(document.querySelectorAll('#srt-f-tags input[name=tag]:checked'), function (b) { return b.value; });
    var y = document.querySelector('input[name=y]:checked');
    state.y = y ? y.value : 'output';
    state.cutoff = $('srt-f-cutoff').value;
  }

  function fillRunSelect(select, list, current) {
    lib.clear(select);
    list.forEach(function (r) {
      var o = el('option', null, r.label, { value: r.job_id });
      if (r.job_id === current) o.selected = true;
      select.appendChild(o);
    });
  }

  function renderRunList(shown) {
    var box = $('srt-run-list');
    lib.clear(box);
    var withPoints = runs.filter(function (r) { return r.points > 0; });
    if (!withPoints.length) { box.appendChild(el('div', 'text-secondary', 'No runs with results match these filters.')); }
    withPoints.forEach(function (r, i) {
      var div = el('div', 'form-check');
      var input = el('input', 'form-check-input', null, { type: 'checkbox', id: 'srt-run-' + i, value: r.job_id });
      input.checked = shown.indexOf(r.job_id) >= 0;
      input.addEventListener('change', function () {
        state.runs = Array.prototype.map.call(document.querySelectorAll('#srt-run-list input:checked'), function (b) { return b.value; });
        refreshPanels();
      });
      div.appendChild(input);
      var label = el('label', 'form-check-label', r.label, { for: 'srt-run-' + i });
      if (r.status === 'incomplete') label.appendChild(el('span', 'badge text-bg-warning ms-1', ' incomplete', { title: r.status_reason || '' }));
      div.appendChild(label);
      box.appendChild(div);
    });
  }

  function renderSummary(summary) {
    document.querySelectorAll('#srt-summary [data-figure]').forEach(function (node) {
      var v = summary[node.getAttribute('data-figure')];
      node.textContent = fmt(v, node.getAttribute('data-figure') === 'max_output_tps_per_gpu' ? 1 : 0);
    });
  }

  function renderRunsTable() {
    fillBody($('srt-runs-table'), runs.map(function (r) {
      var status = el('span', 'badge ' + (r.status === 'ok' ? 'text-bg-success' : r.status === 'incomplete' ? 'text-bg-warning' : 'text-bg-secondary'), r.status);
      var cell = el('span');
      cell.appendChild(status);
      if (r.status_reason) cell.appendChild(el('span', 'text-secondary', ' ' + r.status_reason));
      return [r.job_id, r.run_ts || lib.NONE, r.topology || lib.NONE, r.gpu_type || lib.NONE, r.container || lib.NONE, (r.isl || '?') + '/' + (r.osl || '?'), String(r.points), cell, r.tags.join(', ')];
    }), 'No runs imported yet. Run ci-dash import srt <logs-dir>.');
  }

  function loadRuns() {
    return lib.fetchJson('/api/srt/runs?' + filterParams(true).toString()).then(function (body) {
      runs = body.runs;
      renderSummary(body.summary);
      renderRunList(body.shown);
      renderRunsTable();
      var withPoints = runs.filter(function (r) { return r.points > 0; });
      var withLogs = runs.filter(function (r) { return r.log_samples > 0; });
      var logRun = withLogs.some(function (r) { return r.job_id === state.run; }) ? state.run : (withLogs[0] && withLogs[0].job_id);
      fillRunSelect($('srt-node-run'), withLogs, logRun);
      fillRunSelect($('srt-rate-run'), withLogs, logRun);
      // Default comparison: the two newest runs that have results.
      var pair = withPoints.concat(runs);
      fillRunSelect($('srt-diff-a'), runs, state.a || (pair[0] && pair[0].job_id));
      fillRunSelect($('srt-diff-b'), runs, state.b || (pair[1] && pair[1].job_id));
      fillRunSelect($('srt-tag-run'), runs, '');
    });
  }

  // ---- tabs -----------------------------------------------------------------------------------
  var loaders = {
    pareto: loadPareto, latency: loadLatency, nodes: loadNodes, rate: loadRate, config: loadDiff, trend: loadTrend, runs: function () { return Promise.resolve(); },
  };

  function showTab(tab) {
    if (!loaders[tab]) tab = 'pareto';
    state.tab = tab;
    document.querySelectorAll('#srt-tabs [data-tab]').forEach(function (b) {
      var on = b.getAttribute('data-tab') === tab;
      b.classList.toggle('active', on);
      b.setAttribute('aria-selected', on ? 'true' : 'false');
    });
    document.querySelectorAll('.srt-pane').forEach(function (p) { p.hidden = p.getAttribute('data-pane') !== tab; });
    writeUrl();
    return loaders[tab]().catch(showError);
  }

  function showError(err) {
    var pane = document.querySelector('.srt-pane[data-pane="' + state.tab + '"]');
    var old = pane.querySelector('.srt-error');
    if (old) old.remove();
    pane.insertBefore(el('div', 'alert alert-danger srt-error', String(err && err.message ? err.message : err)), pane.firstChild);
  }

  function refreshPanels() {
    writeUrl();
    return showTab(state.tab);
  }

  // ---- Pareto ---------------------------------------------------------------------------------
  function loadPareto() {
    var q = filterParams(true);
    q.set('y', state.y);
    if (state.cutoff) q.set('cutoff', state.cutoff);
    $('srt-csv').setAttribute('href', '/api/srt/points.csv?' + filterParams(true).toString());
    return lib.fetchJson('/api/srt/pareto?' + q.toString()).then(function (data) {
      var yLabel = data.y_axis === 'total' ? 'Total tokens/s per GPU' : 'Output tokens/s per GPU';
      var datasets = data.series.map(function (s, i) {
        return {
          type: 'scatter', label: s.label, showLine: true, borderWidth: 1, pointRadius: 4,
          borderColor: COLORS[i % COLORS.length], backgroundColor: COLORS[i % COLORS.length],
          data: s.points.slice().sort(function (a, b) { return a.concurrency - b.concurrency; }).map(function (p) { return { x: p.x, y: p.y, concurrency: p.concurrency, run: s.label }; }),
        };
      });
      datasets.push({
        type: 'line', label: 'Pareto frontier', stepped: 'after', borderColor: '#000', borderDash: [6, 4], borderWidth: 2, pointRadius: 0, fill: false,
        data: data.frontier.map(function (p) { return { x: p.x, y: p.y, concurrency: p.concurrency, run: runLabel(p.job_id) }; }),
      });
      if (data.cutoff !== null) {
        var maxY = Math.max.apply(null, [1].concat(datasets.flatMap(function (d) { return d.data.map(function (p) { return p.y; }); })));
        datasets.push({ type: 'line', label: 'TPS/user cutoff', borderColor: '#999', borderWidth: 1, pointRadius: 0, data: [{ x: data.cutoff, y: 0 }, { x: data.cutoff, y: maxY }] });
      }
      chart('srt-pareto-chart', {
        type: 'scatter',
        data: { datasets: datasets },
        options: {
          responsive: true, maintainAspectRatio: false, animation: false,
          scales: { x: { type: 'linear', title: { display: true, text: 'Output tokens/s per user' } }, y: { beginAtZero: true, title: { display: true, text: yLabel } } },
          plugins: {
            tooltip: {
              callbacks: {
                label: function (ctx) {
                  var p = ctx.raw;
                  if (p.concurrency === undefined) return ctx.dataset.label;
                  return p.run + ' — concurrency ' + p.concurrency + ': ' + fmt(p.x) + ' TPS/user, ' + fmt(p.y) + ' TPS/GPU';
                },
              },
            },
          },
        },
      });
      $('srt-pareto-note').textContent = data.series.length + ' runs, ' + data.frontier.length + ' frontier points' + (data.cutoff !== null ? ' at ≥ ' + data.cutoff + ' TPS/user' : '');
      fillBody($('srt-frontier-table'), data.frontier.map(function (p) { return [runLabel(p.job_id), String(p.concurrency), fmt(p.x), fmt(p.y)]; }), 'No points');
    });
  }

  // ---- Latency --------------------------------------------------------------------------------
  // Concurrencies are powers of two; other log-scale ticks only add clutter.
  function powerOfTwoTick(value) {
    return Number.isInteger(Math.log2(value)) ? String(value) : '';
  }

  var LATENCY_CHARTS = [['srt-lat-ttft', 'ttft', 'TTFT (ms)'], ['srt-lat-tpot', 'tpot', 'TPOT (ms)'], ['srt-lat-itl', 'itl', 'ITL (ms)']];

  function loadLatency() {
    return lib.fetchJson('/api/srt/latency?' + filterParams(true).toString()).then(function (data) {
      LATENCY_CHARTS.forEach(function (c) {
        chart(c[0], {
          type: 'line',
          data: {
            datasets: data.series.map(function (s, i) {
              return {
                label: s.label, borderColor: COLORS[i % COLORS.length], backgroundColor: COLORS[i % COLORS.length], pointRadius: 3,
                data: s.points.map(function (p) { return { x: p.concurrency, y: p['mean_' + c[1] + '_ms'] }; }),
              };
            }),
          },
          options: {
            responsive: true, maintainAspectRatio: false, animation: false,
            plugins: { title: { display: true, text: 'Mean ' + c[2] + ' vs concurrency' }, legend: { display: false } },
            scales: { x: { type: 'logarithmic', title: { display: true, text: 'Concurrency' }, ticks: { callback: powerOfTwoTick } }, y: { beginAtZero: true, title: { display: true, text: c[2] } } },
          },
        });
      });
      var at = function (a) { return a ? runLabel(a.job_id) + ' @ ' + a.concurrency : lib.NONE; };
      fillBody($('srt-latency-table'), data.ranges.map(function (r) { return [r.metric, fmt(r.min), at(r.min_at), fmt(r.max), at(r.max_at)]; }));
    });
  }

  // ---- Node metrics ---------------------------------------------------------------------------
  function timeAxis(points, origin) {
    return points.map(function (p) { return { x: (Date.parse(p.ts.replace(' ', 'T') + 'Z') - origin) / 60000, y: p.value, ts: p.ts }; });
  }

  function originOf(seriesList) {
    var all = seriesList.flatMap(function (s) { return s.points.map(function (p) { return Date.parse(p.ts.replace(' ', 'T') + 'Z'); }); });
    return all.length ? Math.min.apply(null, all) : 0;
  }

  function timeChart(id, datasets, yTitle) {
    chart(id, {
      type: 'line',
      data: { datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false, parsing: true,
        scales: { x: { type: 'linear', title: { display: true, text: 'Minutes since first sample' } }, y: { beginAtZero: true, title: { display: true, text: yTitle } } },
        plugins: { tooltip: { callbacks: { title: function (items) { return items.length ? items[0].raw.ts : ''; } } } },
      },
    });
  }

  function loadNodes() {
    var run = $('srt-node-run').value;
    if (!run) { $('srt-node-note').textContent = 'No run matching the filters has worker logs.'; return Promise.resolve(); }
    state.run = run;
    state.metric = $('srt-node-metric').value;
    state.view = $('srt-node-view').value;
    writeUrl();
    var q = new URLSearchParams({ metric: state.metric, view: state.view });
    return lib.fetchJson('/api/srt/runs/' + encodeURIComponent(run) + '/nodes?' + q.toString()).then(function (data) {
      var origin = originOf(data.series);
      timeChart('srt-node-chart', data.series.map(function (s, i) {
        return { label: s.name, borderColor: COLORS[i % COLORS.length], backgroundColor: COLORS[i % COLORS.length], pointRadius: 1, borderWidth: 1, data: timeAxis(s.points, origin) };
      }), data.label);
      $('srt-node-note').textContent = data.series.length ? data.series.length + ' series' + (data.view === 'rank' ? '' : ', ' + data.bucket_seconds + ' s buckets') : 'This run has no worker-log samples for this metric.';
      fillBody($('srt-worker-table'), data.workers.map(function (w) {
        return [w.worker, w.worker_type, String(w.ranks), String(w.batch_lines), fmt(w.min_avail_mem_gb), fmt(w.max_mem_usage_gb), fmt(w.kv_size_gb), fmt(w.kv_tokens, 0)];
      }), 'No worker logs were imported for this run.');
    });
  }

  // ---- Rate match -----------------------------------------------------------------------------
  function loadRate() {
    var run = $('srt-rate-run').value;
    if (!run) { $('srt-rate-summary').textContent = 'No run matching the filters has worker logs.'; return Promise.resolve(); }
    state.run = run;
    writeUrl();
    return lib.fetchJson('/api/srt/runs/' + encodeURIComponent(run) + '/rate-match').then(function (data) {
      var origin = originOf([{ points: data.prefill }, { points: data.decode }]);
      timeChart('srt-rate-chart', [
        { label: 'Prefill capacity (req/s = input tok/s ÷ ISL)', borderColor: COLORS[0], backgroundColor: COLORS[0], pointRadius: 1, data: timeAxis(data.prefill, origin) },
        { label: 'Decode capacity (req/s = gen tok/s ÷ OSL)', borderColor: COLORS[1], backgroundColor: COLORS[1], pointRadius: 1, data: timeAxis(data.decode, origin) },
      ], 'Requests/s');
      var text = data.ratio === null
        ? 'Not enough prefill and decode batch lines to compare.'
        : 'Busy-time mean: prefill ' + fmt(data.prefill_mean_req_s, 3) + ' req/s, decode ' + fmt(data.decode_mean_req_s, 3) + ' req/s; prefill ÷ decode = ' + fmt(data.ratio, 2) +
          (data.ratio > 1.1 ? ' (decode is the bottleneck)' : data.ratio < 0.9 ? ' (prefill is the bottleneck)' : ' (matched)');
      $('srt-rate-summary').textContent = text;
    });
  }

  // ---- Configuration diff ---------------------------------------------------------------------
  function loadDiff() {
    var a = $('srt-diff-a').value;
    var b = $('srt-diff-b').value;
    if (!a || !b) { $('srt-diff-verdict').textContent = 'Import at least one run to compare.'; return Promise.resolve(); }
    state.a = a;
    state.b = b;
    writeUrl();
    return lib.fetchJson('/api/srt/diff?' + new URLSearchParams({ a: a, b: b }).toString()).then(function (d) {
      var v = $('srt-diff-verdict');
      v.textContent = d.comparable ? 'Comparable: all ' + d.same + ' settings match' : d.verdict + ' (' + d.same + ' match)';
      v.className = 'h5 ' + (d.comparable ? 'text-success' : 'text-warning-emphasis');
      fillBody($('srt-diff-table'), d.differences.map(function (x) { return [x.setting, x.a === null ? lib.NONE : x.a, x.b === null ? lib.NONE : x.b]; }), 'No differences');
    });
  }

  // ---- Frontier trend -------------------------------------------------------------------------
  var trends = [];

  function loadTrend() {
    var q = filterParams(false);
    q.set('y', state.y);
    if (state.cutoff) q.set('cutoff', state.cutoff);
    return lib.fetchJson('/api/srt/trend?' + q.toString()).then(function (data) {
      trends = data.trends;
      var select = $('srt-trend-config');
      lib.clear(select);
      trends.forEach(function (t) {
        var o = el('option', null, t.config_key + ' (' + t.runs.length + ' runs)', { value: t.config_key });
        if (t.config_key === state.config) o.selected = true;
        select.appendChild(o);
      });
      drawTrend();
    });
  }

  function drawTrend() {
    var t = trends.find(function (x) { return x.config_key === $('srt-trend-config').value; }) || trends[0];
    if (!t) { fillBody($('srt-trend-table'), [], 'No runs with results'); return; }
    state.config = t.config_key;
    writeUrl();
    chart('srt-trend-chart', {
      type: 'line',
      data: {
        datasets: t.runs.map(function (r, i) {
          return {
            label: (r.container ? r.container.slice(r.container.lastIndexOf(':') + 1) : r.job_id) + ' · ' + (r.run_ts || '').slice(0, 10),
            stepped: 'after', borderColor: COLORS[i % COLORS.length], backgroundColor: COLORS[i % COLORS.length], pointRadius: 3,
            data: r.frontier.map(function (p) { return { x: p.x, y: p.y, concurrency: p.concurrency }; }),
          };
        }),
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        scales: { x: { type: 'linear', title: { display: true, text: 'Output tokens/s per user' } }, y: { beginAtZero: true, title: { display: true, text: state.y === 'total' ? 'Total tokens/s per GPU' : 'Output tokens/s per GPU' } } },
        plugins: { tooltip: { callbacks: { label: function (ctx) { return ctx.dataset.label + ' — concurrency ' + ctx.raw.concurrency + ': ' + fmt(ctx.raw.y); } } } },
      },
    });
    var previous = null;
    fillBody($('srt-trend-table'), t.runs.map(function (r) {
      var change = previous !== null && r.best_y !== null && previous > 0 ? ((r.best_y - previous) / previous * 100).toFixed(1) + ' %' : lib.NONE;
      previous = r.best_y;
      return [r.label, (r.run_ts || lib.NONE).slice(0, 16), r.container || lib.NONE, fmt(r.best_y), change, fmt(r.best_y_at_cutoff)];
    }));
  }

  // ---- tags -----------------------------------------------------------------------------------
  function saveTags(ev) {
    ev.preventDefault();
    var status = $('srt-tag-status');
    var run = $('srt-tag-run').value;
    var tags = $('srt-tag-input').value.split(',').map(function (t) { return t.trim(); }).filter(Boolean);
    if (!lib.adminToken.get()) {
      status.textContent = 'Enter the admin token first.';
      status.className = 'small mt-2 text-danger';
      lib.adminToken.ask();
      return;
    }
    lib.postJson('/api/srt/runs/' + encodeURIComponent(run) + '/tags', { tags: tags }).then(function (body) {
      status.textContent = 'Saved tags of ' + body.job_id + ': ' + (body.tags.join(', ') || '(none)');
      status.className = 'small mt-2 text-success';
      return loadRuns();
    }).catch(function (err) {
      status.textContent = 'Not saved: ' + err.message;
      status.className = 'small mt-2 text-danger';
    });
  }

  function fillTagInput() {
    var r = runs.find(function (x) { return x.job_id === $('srt-tag-run').value; });
    $('srt-tag-input').value = r ? r.tags.join(', ') : '';
  }

  // ---- wiring ---------------------------------------------------------------------------------
  var metricSelect = $('srt-node-metric');
  boot.metrics.forEach(function (m) {
    var o = el('option', null, m.label, { value: m.value });
    if (m.value === (state.metric || 'gen_throughput')) o.selected = true;
    metricSelect.appendChild(o);
  });
  if (state.view) $('srt-node-view').value = state.view;
  syncForm();

  $('srt-filters').addEventListener('change', function (ev) {
    if (ev.target.closest('#srt-run-list')) return;
    readForm();
    // New filters start from the default selection (newest runs with results).
    if (ev.target.name !== 'y' && ev.target.name !== 'cutoff') state.runs = null;
    loadRuns().then(refreshPanels).catch(showError);
  });
  $('srt-filters').addEventListener('submit', function (ev) { ev.preventDefault(); });
  $('srt-runs-all').addEventListener('click', function () {
    state.runs = runs.filter(function (r) { return r.points > 0; }).map(function (r) { return r.job_id; }).slice(0, 50);
    loadRuns().then(refreshPanels).catch(showError);
  });
  document.querySelectorAll('#srt-tabs [data-tab]').forEach(function (b) {
    b.addEventListener('click', function () { showTab(b.getAttribute('data-tab')); });
  });
  ['srt-node-run', 'srt-node-metric', 'srt-node-view'].forEach(function (id) { $(id).addEventListener('change', function () { loadNodes().catch(showError); }); });
  $('srt-rate-run').addEventListener('change', function () { loadRate().catch(showError); });
  $('srt-diff-a').addEventListener('change', function () { loadDiff().catch(showError); });
  $('srt-diff-b').addEventListener('change', function () { loadDiff().catch(showError); });
  $('srt-trend-config').addEventListener('change', drawTrend);
  $('srt-tag-run').addEventListener('change', fillTagInput);
  $('srt-tag-form').addEventListener('submit', saveTags);

  loadRuns().then(function () { fillTagInput(); return showTab(state.tab); }).catch(showError);
})();
