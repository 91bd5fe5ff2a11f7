/* /perf — one line per (model, variant, gpu config, batch, lengths) over run dates, from /api/perf.
   The query string of the page is the query of the API and of the CSV export (what is shown is what is exported). */
(function () {
  'use strict';
  var lib = window.CiDash;
  var el = lib.el;
  // Units as SPEC §10.1 gives them: throughputs in tokens/s, latency end to end.
  var AXIS_TITLES = { overall_throughput: 'Overall throughput (tok/s)', output_throughput: 'Output throughput (tok/s)', input_throughput: 'Input throughput (tok/s)', latency_ms: 'Latency (ms)', ttft_ms: 'TTFT (ms)', acc_length: 'Acceptance length (tokens)' };
  var root = document.getElementById('perf-root');
  if (!root) return;
  var statusLine = document.getElementById('perf-status');
  var qs = window.location.search.replace(/^\?/, '');
  if (!/(^|&)metric=/.test(qs)) qs = 'metric=' + encodeURIComponent(root.dataset.metric) + (qs ? '&' + qs : '');
  document.getElementById('perf-csv').href = '/api/perf.csv?' + qs;
  // Metric tabs keep every other filter of the URL.
  document.querySelectorAll('#perf-tabs a[data-metric]').forEach(function (a) {
    var params = new URLSearchParams(qs);
    params.set('metric', a.dataset.metric);
    a.href = '/perf?' + params.toString();
  });

  function when(iso) { return iso ? iso.slice(0, 16).replace('T', ' ') : '—'; }

  lib.fetchJson('/api/perf?' + qs).then(function (data) {
    var labelSet = {};
    data.series.forEach(function (s) { s.points.forEach(function (p) { labelSet[when(p.run_date)] = true; }); });
    var labels = Object.keys(labelSet).sort();
    var datasets = data.series.map(function (s, i) {
      var byLabel = {};
      s.points.forEach(function (p) { byLabel[when(p.run_date)] = p.value; });
      var c = lib.color(i);
      return { label: s.label, data: labels.map(function (l) { return byLabel[l] === undefined ? null : byLabel[l]; }), borderColor: c, backgroundColor: c, pointRadius: 3, spanGaps: true };
    });
    var chart = new Chart(document.getElementById('perf-chart'), {
      type: 'line',
      data: { labels: labels, datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: 'nearest', intersect: false },
        plugins: { legend: { labels: { boxWidth: 12, font: { size: 11 } } }, zoom: { pan: { enabled: true, mode: 'x' }, zoom: { wheel: { enabled: true }, pinch: { enabled: true }, mode: 'x' } } },
        scales: { y: { title: { display: true, text: AXIS_TITLES[data.metric] || data.metric } } }
      }
    });
    document.getElementById('perf-reset-zoom').addEventListener('click', function (ev) { ev.preventDefault(); if (chart.resetZoom) chart.resetZoom(); });
    var points = data.series.reduce(function (n, s) { return n + s.points.length; }, 0);
    // Long windows come thinned to at most 90 points per line; the CSV has them all.
    var total = data.series.reduce(function (n, s) { return n + s.total_points; }, 0);
    statusLine.textContent = data.series.length ? data.series.length + ' series, ' + points + (total > points ? ' of ' + total : '') + ' points since ' + data.since : 'No metrics in this window. Import a metrics JSON with ci-dash import perf-json.';

    var tbody = document.querySelector('#perf-runs tbody');
    data.runs.forEach(function (run) {
      var tr = el('tr');
      tr.appendChild(el('td', null, when(run.run_date)));
      tr.appendChild(el('td', 'font-monospace', run.commit_sha ? run.commit_sha.slice(0, 10) : '—'));
      tr.appendChild(el('td', null, run.branch || '—'));
      tr.appendChild(el('td', null, run.rows));
      var td = el('td');
      if (/^\d+$/.test(run.run_id)) {
        var a = el('a', null, run.run_id);
        a.href = 'https://github.com/sgl-project/sglang/actions/runs/' + run.run_id;
        a.rel = 'noopener';
        td.appendChild(a);
      } else td.textContent = run.run_id;
      tr.appendChild(td);
      tbody.appendChild(tr);
    });
  }).catch(function (err) {
    statusLine.textContent = 'Could not load metrics: ' + err.message;
    statusLine.className = 'text-danger small';
  });
})();
