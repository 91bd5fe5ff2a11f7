// Compare page pickers: per hardware, the date input is bounded by the nights that exist and the
// machine suggestions follow the hardware; "A ⇄ B" swaps the runs; submitting goes straight to the
// canonical permalink /compare?a=hw:date[:machine]&b=… (the server also accepts the raw form fields).
(function () {
  'use strict';
  var form = document.querySelector('form.compare-picker');
  if (!form) return;
  var dates = JSON.parse(form.getAttribute('data-dates') || '{}');
  var machines = JSON.parse(form.getAttribute('data-machines') || '{}');
  var pickers = Array.prototype.slice.call(form.querySelectorAll('.picker'));

  function dashed(d) { return d.slice(0, 4) + '-' + d.slice(4, 6) + '-' + d.slice(6, 8); }

  function parts(picker) {
    return {
      hw: picker.querySelector('.picker-hw'),
      date: picker.querySelector('.picker-date'),
      machine: picker.querySelector('.picker-machine'),
      list: picker.querySelector('datalist'),
      hint: picker.querySelector('.picker-hint'),
    };
  }

  function refresh(picker) {
    var p = parts(picker);
    var available = (dates[p.hw.value] || []).map(dashed);
    if (available.length) {
      p.date.min = available[available.length - 1];
      p.date.max = available[0];
    }
    while (p.list.firstChild) p.list.removeChild(p.list.firstChild);
    (machines[p.hw.value] || []).forEach(function (m) {
      var option = document.createElement('option');
      option.value = m;
      p.list.appendChild(option);
    });
    var ok = !p.date.value || available.indexOf(p.date.value) >= 0;
    p.hint.textContent = ok ? '\u00a0' : 'No ' + p.hw.value.toUpperCase() + ' run on ' + p.date.value + '.';
    p.hint.classList.toggle('text-danger', !ok);
    return ok;
  }

  pickers.forEach(function (picker) {
    var p = parts(picker);
    p.hw.addEventListener('change', function () { refresh(picker); });
    p.date.addEventListener('change', function () { refresh(picker); });
    refresh(picker);
  });

  document.getElementById('swap-runs').addEventListener('click', function () {
    var a = parts(pickers[0]);
    var b = parts(pickers[1]);
    ['hw', 'date', 'machine'].forEach(function (k) {
      var v = a[k].value;
      a[k].value = b[k].value;
      b[k].value = v;
    });
    pickers.forEach(refresh);
  });

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    if (!pickers.map(refresh).every(Boolean)) return;
    var params = new URLSearchParams();
    pickers.forEach(function (picker) {
      var p = parts(picker);
      var ref = p.hw.value + ':' + p.date.value.replace(/-/g, '') + (p.machine.value ? ':' + p.machine.value.trim() : '');
      params.set(picker.getAttribute('data-side'), ref);
    });
    window.location.href = '/compare?' + params.toString();
  });
})();
