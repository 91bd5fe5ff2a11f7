// Plots page: placeholder when an image cannot be loaded (each image links to its full-size file); perf charts (E2E / TTFT / ITL by load) from #metrics-data.
(function () {
  'use strict';
  document.querySelectorAll('img.plot-img').forEach(function (img) {
    function missing() {
      // The image's link goes too: it would open an error page.
      var figure = img.closest('figure');
      (img.closest('a.plot-link') || img).classList.add('d-none');
      var cap = figure && figure.querySelector('.plot-missing');
      if (cap) cap.classList.remove('d-none');
    }
    if (img.complete && img.naturalWidth === 0) missing();
    else img.addEventListener('error', missing);
  });
  var dataEl = document.getElementById('metrics-data');
  if (!dataEl || !window.Chart) return;
  var metrics = JSON.parse(dataEl.textContent);
  var series = { e2e_latency_ms: ['E2E latency (ms)', '#0d6efd'], ttft_ms: ['TTFT (ms)', '#fd7e14'], itl_ms: ['ITL (ms)', '#198754'] };
  document.querySelectorAll('canvas.perf-chart').forEach(function (canvas) {
    var points = metrics[canvas.getAttribute('data-benchmark')];
    if (!points || !points.length) return;
    var loads = [];
    points.forEach(function (p) { if (loads.indexOf(p.load_value) < 0) loads.push(p.load_value); });
    var datasets = Object.keys(series).map(function (m) {
      return {
        label: series[m][0],
        borderColor: series[m][1],
        backgroundColor: series[m][1],
        // E2E is seconds-scale; TTFT and ITL share the right axis so neither is flattened against it.
        yAxisID: m === 'e2e_latency_ms' ? 'y' : 'y2',
        data: loads.map(function (l) {
          var hit = points.find(function (p) { return p.load_value === l && p.metric === m; });
          return hit ? hit.value : null;
        }),
      };
    }).filter(function (d) { return d.data.some(function (v) { return v !== null; }); });
    if (!datasets.length) return;
    canvas.parentElement.classList.remove('d-none');
    new window.Chart(canvas, {
      type: 'line',
      data: { labels: loads, datasets: datasets },
      options: {
        responsive: true,
        animation: false,
        maintainAspectRatio: false,
        scales: {
          x: { title: { display: true, text: points[0].load_kind === 'request_rate' ? 'request rate' : 'concurrency' } },
          y: { title: { display: true, text: 'E2E latency (ms)' } },
          y2: { position: 'right', title: { display: true, text: 'TTFT / ITL (ms)' }, grid: { drawOnChartArea: false } },
        },
      },
    });
  });
})();
