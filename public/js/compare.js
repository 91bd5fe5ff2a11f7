// Compare page pickers: per hardware, the date input is bounded by the nights that exist and the
// machine suggestions follow the hardware; "A ⇄ B" swaps the runs; submitting goes straight to the
// canonical permalink /compare?a=hw:date[:machine]&b=… (the server also accepts the raw form fields).
(function () {
  'use strict';
  var lib = window.CiDash;
  var form = document.querySelector('form.compare-picker');
  if (!form) return;
  var dates = JSON.parse(form.getAttribute('data-dates') || '{}');
  var machines = JSON.parse(form.getAttribute('data-machines') || '{}');
  var pickers = Array.prototype.slice.call(form.querySelectorAll('.picker'));

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
    var available = (dates[p.hw.value] || []).map(lib.dashed);
    if (available.length) {
      p.date.min = available[available.length - 1];
      p.date.max = available[0];
    }
    lib.clear(p.list);
    (machines[p.hw.value] || []).forEach(function (m) { p.list.appendChild(lib.el('option', null, null, { value: m })); });
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

  lib.byId('swap-runs').addEventListener('click', function () {
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
