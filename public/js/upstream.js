// Upstream coverage page: test-distribution doughnut, category (or suite) bar chart and the coverage
// trend ending at the shown report, all from #upstream-data.
(function () {
  'use strict';
  var dataEl = document.getElementById('upstream-data');
  if (!dataEl || !window.Chart) return;
  var d = JSON.parse(dataEl.textContent);
  var dist = document.getElementById('distribution-chart');
  if (dist && d.distribution) {
    new window.Chart(dist, {
      type: 'doughnut',
      data: {
        labels: ['AMD Covered', 'Not Covered'],
        datasets: [{ data: [d.distribution.covered, d.distribution.not_covered], backgroundColor: ['rgba(25,135,84,.8)', 'rgba(220,53,69,.75)'] }],
      },
      options: { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { position: 'bottom' } } },
    });
  }
  var cat = document.getElementById('category-chart');
  if (cat) {
    new window.Chart(cat, {
      type: 'bar',
      data: {
        labels: d.categories,
        datasets: [
          { label: 'AMD Tests', data: d.amd, backgroundColor: 'rgba(40,167,69,.8)' },
          { label: 'NVIDIA Tests', data: d.nvidia, backgroundColor: 'rgba(255,193,7,.8)' },
        ],
      },
      options: { responsive: true, maintainAspectRatio: false, animation: false, scales: { y: { beginAtZero: true, title: { display: true, text: 'Number of Tests' } } } },
    });
  }
  var tr = document.getElementById('trend-chart');
  if (tr) {
    new window.Chart(tr, {
      type: 'line',
      data: {
        labels: d.trends.map(function (t) { return t.date_formatted; }),
        datasets: [
          { label: 'AMD Coverage (%)', data: d.trends.map(function (t) { return t.coverage; }), borderColor: '#ffc107', backgroundColor: 'rgba(255,193,7,.15)', fill: true, yAxisID: 'y' },
          { label: 'AMD Tests', data: d.trends.map(function (t) { return t.amd_tests; }), borderColor: '#0d6efd', yAxisID: 'y2' },
          { label: 'NVIDIA Tests', data: d.trends.map(function (t) { return t.nvidia_tests; }), borderColor: '#198754', yAxisID: 'y2' },
        ],
      },
      options: {
        responsive: true,
        animation: false,
        maintainAspectRatio: false,
        scales: {
          y: { min: 0, max: 100, title: { display: true, text: 'Coverage (%)' } },
          y2: { position: 'right', beginAtZero: true, title: { display: true, text: 'Test Count' }, grid: { drawOnChartArea: false } },
        },
      },
    });
  }
})();
