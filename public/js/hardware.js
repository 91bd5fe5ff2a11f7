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
      data: { labels: h.dates, datasets: [{ label: 'Pass rate of tasks with a verdict (%)', data: h.passRate, borderColor: '#198754', backgroundColor: 'rgba(25,135,84,.15)', fill: true, spanGaps: true, tension: 0.2 }] },
      options: { responsive: true, maintainAspectRatio: false, animation: false, scales: { y: { min: 0, max: 100 } } },
    });
  }
  var g = document.getElementById('gsm8k-chart');
  if (g) {
    var names = Object.keys(h.gsm8k);
    new window.Chart(g, {
      type: 'line',
      data: {
        labels: h.dates,
        datasets: names.map(function (n, i) {
          return { label: n, data: h.gsm8k[n], borderColor: window.CiDash.color(i), backgroundColor: window.CiDash.color(i), spanGaps: true, tension: 0.2 };
        }),
      },
      options: { responsive: true, maintainAspectRatio: false, animation: false, scales: { y: { suggestedMin: 70, suggestedMax: 100, title: { display: true, text: 'GSM8K (%)' } } } },
    });
  }
})();
