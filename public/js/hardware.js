// Hardware page: pass-rate and GSM8K history charts from #history-data.
(function () {
  'use strict';
  var dataEl = document.getElementById('history-data');
  if (!dataEl || !window.Chart) return;
  var h = JSON.parse(dataEl.textContent);
  var pr = document.getElementById('passrate-chart');
  if (pr) {
    new window.Chart(pr, {
      type: 'line',
      // Coverage next to the pass rate (issue 16.5): 100 % of 1 verdict out of 11 tasks is not a good night.
      // Nights without a run of this hardware stay gaps; the tooltip names their state ("no run", "no logs").
      data: {
        labels: h.dates,
        datasets: [
          { label: 'Pass rate of tasks with a verdict (%)', data: h.passRate, borderColor: '#198754', backgroundColor: 'rgba(25,135,84,.15)', fill: true, spanGaps: false, tension: 0.2 },
          { label: 'Tasks with a verdict (% of all tasks)', data: h.coverage, borderColor: '#6c757d', backgroundColor: '#6c757d', borderDash: [4, 3], fill: false, spanGaps: false, tension: 0.2 },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { min: 0, max: 100 } },
        plugins: { tooltip: { callbacks: { afterTitle: function (items) { return items.length ? h.states[items[0].dataIndex] : ''; } } } },
      },
    });
  }
  var g = document.getElementById('gsm8k-chart');
  if (g) {
    var names = Object.keys(h.gsm8k);
    new window.Chart(g, {
      type: 'line',
      data: {
        labels: h.gsm8kDates,
        datasets: names.map(function (n, i) {
          return { label: n, data: h.gsm8k[n], borderColor: window.CiDash.color(i), backgroundColor: window.CiDash.color(i), spanGaps: true, tension: 0.2 };
        }),
      },
      options: { responsive: true, maintainAspectRatio: false, animation: false, scales: { y: { suggestedMin: 70, suggestedMax: 100, title: { display: true, text: 'GSM8K (%)' } } } },
    });
  }
})();
