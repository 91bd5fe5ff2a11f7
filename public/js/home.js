// Home: the Hardware Comparison bar chart (data from #comparison-data) and tab state in the URL hash.
(function () {
  'use strict';
  var dataEl = document.getElementById('comparison-data');
  var canvas = document.getElementById('comparison-chart');
  if (dataEl && canvas && window.Chart) {
    var data = JSON.parse(dataEl.textContent);
    new window.Chart(canvas, {
      type: 'bar',
      data: {
        // One bar per task state (issue 16.5): a hardware's bars sum to its task count.
        labels: data.labels,
        datasets: [
          { label: 'MI30X', data: data.mi30x, backgroundColor: 'rgba(13,110,253,.7)', borderColor: 'rgba(13,110,253,1)', borderWidth: 1 },
          { label: 'MI35X', data: data.mi35x, backgroundColor: 'rgba(25,135,84,.7)', borderColor: 'rgba(25,135,84,1)', borderWidth: 1 },
        ],
      },
      options: { responsive: true, maintainAspectRatio: false, animation: false, scales: { y: { beginAtZero: true, ticks: { stepSize: 1 } } } },
    });
  }
  // Keep the chosen tab in the URL so the Status tab can be linked.
  var statusTab = document.getElementById('status-tab');
  if (statusTab && window.bootstrap) {
    if (window.location.hash === '#status') window.bootstrap.Tab.getOrCreateInstance(statusTab).show();
    document.querySelectorAll('button[data-bs-toggle="tab"]').forEach(function (btn) {
      btn.addEventListener('shown.bs.tab', function () {
        history.replaceState(null, '', btn.id === 'status-tab' ? '#status' : window.location.pathname + window.location.search);
      });
    });
  }
})();
