/* /alerts — triage: POST /api/alerts/:id/state with the admin token (sessionStorage, sent as Bearer). */
(function () {
  'use strict';
  var tokenInput = document.getElementById('admin-token');
  var statusLine = document.getElementById('triage-status');
  var KEY = 'ciDashAdminToken';
  if (!tokenInput) return;
  tokenInput.value = sessionStorage.getItem(KEY) || '';
  document.getElementById('admin-form').addEventListener('submit', function (ev) { ev.preventDefault(); });
  tokenInput.addEventListener('change', function () {
    if (tokenInput.value) sessionStorage.setItem(KEY, tokenInput.value);
    else sessionStorage.removeItem(KEY);
  });

  function say(text, ok) {
    statusLine.textContent = text;
    statusLine.className = 'col-sm-7 small ' + (ok ? 'text-success' : 'text-danger');
  }

  document.querySelectorAll('#alerts-table tbody tr').forEach(function (row) {
    var button = row.querySelector('.triage-save');
    button.addEventListener('click', function () {
      var token = tokenInput.value || sessionStorage.getItem(KEY);
      if (!token) { say('Enter the admin token first.', false); tokenInput.focus(); return; }
      button.disabled = true;
      fetch('/api/alerts/' + encodeURIComponent(row.dataset.id) + '/state', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + token },
        body: JSON.stringify({ state: row.querySelector('.triage-state').value, note: row.querySelector('.triage-note').value })
      }).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (body) {
          if (!r.ok) throw new Error(body.error || ('HTTP ' + r.status));
          say('Saved alert ' + body.id + ': ' + body.state + '.', true);
        });
      }).catch(function (err) {
        say('Not saved: ' + err.message, false);
      }).then(function () { button.disabled = false; });
    });
  });
})();
