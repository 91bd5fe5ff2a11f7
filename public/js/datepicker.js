// Date picker shared by the dated pages: navigates to ?date=YYYYMMDD (keeping other filters) when the
// chosen day has data, otherwise says so. The machine switcher reloads with ?machine=.
(function () {
  'use strict';
  var form = document.querySelector('form.date-picker');
  if (form) {
    var input = form.querySelector('input[type=date]');
    var hint = form.querySelector('.date-hint');
    var available = JSON.parse(form.getAttribute('data-dates') || '[]');
    form.addEventListener('submit', function (ev) { ev.preventDefault(); });
    input.addEventListener('change', function () {
      var value = input.value;
      if (!value) return;
      if (available.indexOf(value) < 0) {
        hint.textContent = 'No data for ' + value + '. Pick one of the available dates (use the arrows).';
        hint.classList.add('text-danger');
        return;
      }
      var params = new URLSearchParams(window.location.search);
      params.set('date', value.replace(/-/g, ''));
      params.delete('machine');
      window.location.search = params.toString();
    });
  }
  var machine = document.getElementById('machine-select');
  if (machine) {
    machine.addEventListener('change', function () {
      var params = new URLSearchParams(window.location.search);
      var date = machine.form.querySelector('input[name=date]');
      if (date && date.value) params.set('date', date.value);
      params.set('machine', machine.value);
      window.location.search = params.toString();
    });
  }
})();
