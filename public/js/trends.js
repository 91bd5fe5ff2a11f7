/* /trends/:hw — status strip, pass rate, GSM8K, runtime, sanity and serving-perf charts.
   Data from /api/trends/:hw and /api/metrics/:hw; DOM built with textContent only. */
(function () {
  'use strict';
  var lib = window.CiDash;
  var el = lib.el;
  var dashed = lib.dashed;
  var color = lib.color;
  var getJson = lib.fetchJson;
  var formatMetric = lib.formatMetric;
  var formatDelta = lib.formatDelta;
  var root = document.getElementById('trends-root');
  if (!root) return;
  var hw = root.dataset.hw;
  var otherHw = root.dataset.otherHw;
  var nights = root.dataset.nights;
  var repo = root.dataset.repo;
  var filters = { benchmark: root.dataset.benchmark, metric: root.dataset.metric, load: root.dataset.load };
  // Metrics drawn when the URL picks none.
  var headline = root.dataset.headline.split(',');
  var compare = root.dataset.compare === '1';
  var statusLine = document.getElementById('trends-status');
  var METRIC_LABELS = { e2e_latency_ms: 'E2E latency (ms)', ttft_ms: 'TTFT (ms)', itl_ms: 'ITL (ms)', output_throughput_tok_s: 'Output throughput (tok/s)' };

  function query(params) {
    var parts = [];
    Object.keys(params).forEach(function (k) { if (params[k] !== '' && params[k] !== undefined && params[k] !== null) parts.push(encodeURIComponent(k) + '=' + encodeURIComponent(params[k])); });
    return parts.join('&');
  }
  // Threshold lines explain themselves (dashed, same colour): keep them out of the legend.
  var legendOptions = { labels: { boxWidth: 12, font: { size: 11 }, filter: function (item) { return !/ threshold$/.test(item.text); } } };
  var zoomOptions = { pan: { enabled: true, mode: 'x' }, zoom: { wheel: { enabled: true }, pinch: { enabled: true }, mode: 'x' } };
  /**
   * A line chart whose y ticks and tooltips show values rounded for `axis.kind` (lib.formatMetric);
   * `opts` may bound the axis (min, max) and add tooltip lines under a point (afterLabel).
   */
  function lineChart(canvas, labels, datasets, axis, opts) {
    var o = opts || {};
    var tooltipCallbacks = {
      label: function (ctx) { return ctx.dataset.label + ': ' + formatMetric(ctx.parsed.y, axis.kind); }
    };
    if (o.afterLabel) tooltipCallbacks.afterLabel = o.afterLabel;
    var chart = new Chart(canvas, {
      type: 'line',
      data: { labels: labels, datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false, spanGaps: true,
        interaction: { mode: 'nearest', intersect: false },
        scales: { y: { min: o.min, max: o.max, title: { display: !!axis.title, text: axis.title || '' }, ticks: { callback: function (v) { return formatMetric(v, axis.kind); } } } },
        plugins: { legend: legendOptions, zoom: zoomOptions, tooltip: { callbacks: tooltipCallbacks } }
      }
    });
    canvas.addEventListener('dblclick', function () { if (chart.resetZoom) chart.resetZoom(); });
    return chart;
  }

  function fillSelect(id, values, current, label) {
    var sel = document.getElementById(id);
    values.forEach(function (v) {
      var o = el('option', null, label ? label(v) : v);
      o.value = String(v);
      if (String(v) === String(current)) o.selected = true;
      sel.appendChild(o);
    });
  }

  function statusClass(s) {
    if (s === 'pass') return 'st-pass';
    if (s === 'fail') return 'st-fail';
    if (s === 'not run') return 'st-notrun';
    if (s === 'no logs') return 'st-no-logs';
    if (s === null || s === undefined) return 'st-none';
    return 'st-unknown';
  }

  /** One header cell per night (MM-DD, the full date as its title), above the status cells. */
  function renderStripDates(dates) {
    var head = document.querySelector('#status-strip thead');
    var tr = el('tr');
    tr.appendChild(el('th', 'strip-name', 'Night', { scope: 'col' }));
    dates.forEach(function (d) {
      var full = dashed(d);
      tr.appendChild(el('th', 'strip-date', full.slice(5), { scope: 'col', title: full }));
    });
    head.appendChild(tr);
  }

  function renderStrip(history) {
    var body = document.querySelector('#status-strip tbody');
    var names = Object.keys(history).filter(function (n) { return n.indexOf('Sanity: ') !== 0; });
    if (names.length) {
      var dates = history[names[0]].dates;
      renderStripDates(dates);
      // The store may hold fewer nights than the window asks for.
      if (dates.length < Number(nights)) document.getElementById('strip-title').textContent = 'Task status, all ' + dates.length + ' nights with a run';
    }
    names.forEach(function (name) {
      var s = history[name];
      var tr = el('tr');
      tr.appendChild(el('th', 'strip-name', name, { scope: 'row' }));
      // The display word per night (state), as the hardware page says it.
      s.state.forEach(function (st, i) {
        var td = el('td');
        var a = el('a', 'strip-cell ' + statusClass(st));
        a.href = '/hardware/' + hw + '?date=' + s.dates[i];
        var d = s.details[i];
        a.title = s.dates[i] + ': ' + (st || 'no run') + (d && d.error ? ' — ' + d.error.slice(0, 120) : '');
        a.setAttribute('aria-label', a.title);
        td.appendChild(a);
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  function thresholdDataset(label, value, n, c) {
    var data = [];
    for (var i = 0; i < n; i++) data.push(value);
    return { label: label, data: data, borderColor: c, borderDash: [6, 4], borderWidth: 1, pointRadius: 0, fill: false };
  }

  function renderAccuracy(canvasId, history, names, thresholds, labelOf) {
    var first = history[names[0]];
    if (!first) return;
    var datasets = [];
    names.forEach(function (name, i) {
      var s = history[name];
      var values = s.details.map(function (d) { return d && d.gsm8k_accuracy !== null && d.gsm8k_accuracy !== undefined ? d.gsm8k_accuracy * 100 : null; });
      if (!values.some(function (v) { return v !== null; })) return;
      datasets.push({ label: labelOf(name), data: values, borderColor: color(i), backgroundColor: color(i), pointRadius: 2 });
      var t = thresholds[labelOf(name)];
      if (t !== undefined && t !== null) datasets.push(thresholdDataset(labelOf(name) + ' threshold', t * 100, values.length, color(i)));
    });
    lineChart(document.getElementById(canvasId), first.dates, datasets, { title: '%', kind: 'percent' });
  }

  function renderHistory(data) {
    var history = data.test_history;
    renderStrip(history);
    var labels = data.nights.map(function (n) { return dashed(n.date); });
    lineChart(document.getElementById('chart-passrate'), labels, [{ label: 'pass rate', data: data.nights.map(function (n) { return n.pass_rate; }), borderColor: color(0), backgroundColor: color(0), pointRadius: 3 }], { title: '%', kind: 'percent' }, { min: 0, max: 100 });
    var taskNames = Object.keys(history).filter(function (n) { return n.indexOf('Sanity: ') !== 0; });
    renderAccuracy('chart-gsm8k', history, taskNames.filter(function (n) { return data.gsm8k_thresholds[n] !== undefined && !/Unit|PD|Docker/.test(n); }), data.gsm8k_thresholds, function (n) { return n; });
    var runtimeSets = taskNames.map(function (name, i) {
      return { label: name, data: history[name].details.map(function (d) { return d ? d.runtime_minutes : null; }), borderColor: color(i), backgroundColor: color(i), pointRadius: 2 };
    }).filter(function (ds) { return ds.data.some(function (v) { return v !== null && v !== undefined; }); });
    if (taskNames.length) lineChart(document.getElementById('chart-runtime'), history[taskNames[0]].dates, runtimeSets, { title: 'minutes', kind: 'minutes' });
    var sanityNames = Object.keys(history).filter(function (n) { return n.indexOf('Sanity: ') === 0; });
    if (sanityNames.length) renderAccuracy('chart-sanity', history, sanityNames, data.sanity_thresholds, function (n) { return n.slice('Sanity: '.length); });

    var tbody = document.querySelector('#run-history tbody');
    data.nights.slice().reverse().forEach(function (n) {
      var tr = el('tr');
      var dateCell = el('td');
      var link = el('a', null, dashed(n.date));
      link.href = '/hardware/' + hw + '?date=' + n.date + (n.machine_name ? '&machine=' + encodeURIComponent(n.machine_name) : '');
      dateCell.appendChild(link);
      tr.appendChild(dateCell);
      [n.machine_name || '—', n.state, n.tally.ran + '/' + n.tally.total, n.tally.pass, n.tally.fail, n.pass_rate === null ? lib.NONE : formatMetric(n.pass_rate, 'percent') + '%'].forEach(function (v) { tr.appendChild(el('td', null, v)); });
      var links = el('td');
      var logs = el('a', null, 'cron logs');
      logs.href = 'https://github.com/' + repo + '/tree/log/cron_log/' + hw + '/' + n.date;
      logs.rel = 'noopener';
      links.appendChild(logs);
      tr.appendChild(links);
      tbody.appendChild(tr);
    });

    fillSelect('f-benchmark', data.catalog.benchmarks, filters.benchmark);
    fillSelect('f-metric', data.catalog.metrics, filters.metric);
    fillSelect('f-load', data.catalog.loads, filters.load);
  }

  function verdictStyle(p) {
    if (p.verdict === 'perf_regression') return { style: 'triangle', radius: 7, color: '#dc3545' };
    if (p.verdict === 'perf_suspect') return { style: 'triangle', radius: 6, color: '#fd7e14' };
    if (p.verdict === 'untrusted') return { style: 'crossRot', radius: 6, color: '#6c757d' };
    return null;
  }

  /** The charts to request, in catalog order: (benchmark, mode) with data in the window × the metrics shown, narrowed by the filters. */
  function perfCharts(catalog) {
    var metrics = (filters.metric ? [filters.metric] : headline).filter(function (m) { return catalog.metrics.indexOf(m) >= 0; }).sort();
    var out = [];
    catalog.charts.forEach(function (c) {
      if (filters.benchmark && c.benchmark !== filters.benchmark) return;
      metrics.forEach(function (m) { out.push({ benchmark: c.benchmark, mode: c.mode, metric: m }); });
    });
    return out;
  }

  function chartUrl(c, hwName) {
    return '/api/metrics/' + hwName + '?' + query({ nights: nights, benchmark: c.benchmark, mode: c.mode, metric: c.metric, load: filters.load });
  }

  // One request per chart (and per hardware when overlaid), so each response holds only what its chart
  // draws; the charts are drawn together once all have arrived, in catalog order.
  function renderPerf(catalog) {
    var container = document.getElementById('perf-charts');
    var charts = perfCharts(catalog);
    return Promise.all(charts.map(function (c) {
      return Promise.all([getJson(chartUrl(c, hw)), compare ? getJson(chartUrl(c, otherHw)) : null]).then(function (res) {
        var series = res[0].series.map(function (s) { return { hw: hw, s: s }; });
        if (res[1]) series = series.concat(res[1].series.map(function (s) { return { hw: otherHw, s: s }; }));
        return { title: c.benchmark + ' · ' + c.mode + ' · ' + (METRIC_LABELS[c.metric] || c.metric), series: series };
      });
    })).then(function (groups) {
      groups = groups.filter(function (g) { return g.series.length > 0; });
      if (!groups.length) container.appendChild(el('p', 'text-secondary', 'No serving-performance numbers in this window.'));
      groups.forEach(function (g) { drawPerfChart(container, g); });
    });
  }

  function drawPerfChart(container, g) {
    var dateSet = {};
    g.series.forEach(function (x) { x.s.points.forEach(function (p) { dateSet[p.date] = true; }); });
    var dates = Object.keys(dateSet).sort();
    var col = el('div', 'col-xl-6');
    var card = el('section', 'card shadow-sm h-100');
    var bodyEl = el('div', 'card-body');
    bodyEl.appendChild(el('h3', 'h6', g.title));
    var box = el('div', 'perf-chart-box');
    var canvas = el('canvas');
    canvas.setAttribute('aria-label', g.title);
    box.appendChild(canvas);
    bodyEl.appendChild(box);
    var notes = el('ul', 'note-list list-unstyled mt-2 mb-0');
    var datasets = g.series.map(function (x, i) {
      var byDate = {};
      x.s.points.forEach(function (p) { byDate[p.date] = p; });
      var pts = dates.map(function (d) { return byDate[d] || null; });
      var c = color(i);
      pts.forEach(function (p) {
        if (p && p.alert) {
          var li = el('li', null, dashed(p.date) + ' ' + x.hw + ' load ' + x.s.load_value + ': ' + p.alert.kind.replace('perf_', '') + ' ' + formatDelta(p.delta_pct) + ' vs ' + formatMetric(p.baseline, x.s.metric) + ' [' + p.alert.state + ']' + (p.alert.note ? ' — ' + p.alert.note : ''));
          notes.appendChild(li);
        }
      });
      return {
        label: (compare ? x.hw.toUpperCase() + ' ' : '') + (x.s.load_kind === 'concurrency' ? 'conc ' : 'rate ') + x.s.load_value,
        data: pts.map(function (p) { return p ? p.value : null; }),
        borderColor: c,
        backgroundColor: c,
        borderDash: x.hw === hw ? [] : [5, 4],
        pointStyle: pts.map(function (p) { var v = p && verdictStyle(p); return v ? v.style : 'circle'; }),
        pointRadius: pts.map(function (p) { var v = p && verdictStyle(p); return v ? v.radius : 2; }),
        pointBackgroundColor: pts.map(function (p) { var v = p && verdictStyle(p); return v ? v.color : c; }),
        _points: pts
      };
    });
    var metric = g.series[0].s.metric;
    lineChart(canvas, dates.map(dashed), datasets, { title: METRIC_LABELS[metric] || metric, kind: lib.metricKind(metric) }, {
      afterLabel: function (ctx) {
        var p = ctx.dataset._points[ctx.dataIndex];
        if (!p) return '';
        var lines = ['source: ' + p.source + (p.machine_name ? ' · ' + p.machine_name : '')];
        if (p.baseline !== null) lines.push('baseline ' + formatMetric(p.baseline, metric) + ' (' + formatDelta(p.delta_pct) + ')' + (p.baseline_desc ? ' — ' + p.baseline_desc.replace(/\d{8}/g, dashed) : ''));
        if (p.verdict !== 'ok') lines.push(p.verdict);
        return lines;
      }
    });
    if (notes.childNodes.length) bodyEl.appendChild(notes);
    card.appendChild(bodyEl);
    col.appendChild(card);
    container.appendChild(col);
  }

  getJson('/api/trends/' + hw + '?' + query({ nights: nights, compare: compare ? '1' : '' })).then(function (data) {
    renderHistory(data);
    statusLine.textContent = data.nights.length ? data.nights.length + ' nights, ' + dashed(data.nights[0].date) + ' to ' + dashed(data.nights[data.nights.length - 1].date) : 'No runs for this hardware yet.';
    return renderPerf(data.catalog);
  }).catch(function (err) {
    statusLine.textContent = 'Could not load trends: ' + err.message;
    statusLine.className = 'text-danger small';
  });
})();
