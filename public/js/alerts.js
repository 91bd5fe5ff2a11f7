/* /alerts — triage: POST /api/alerts/:id/state with the admin token (the shared control in lib.js). */
(function () {
  'use strict';
  var lib = window.CiDash;
  var statusLine = lib.byId('triage-status');
  var form = lib.byId('admin-form');
  if (!form) return;
  form.addEventListener('submit', function (ev) { ev.preventDefault(); });

  function say(text, ok) {
    statusLine.textContent = text;
    statusLine.className = 'col-sm-5 small ' + (ok ? 'text-success' : 'text-danger');
  }

  document.querySelectorAll('#alerts-table tbody tr').forEach(function (row) {
    var button = row.querySelector('.triage-save');
    button.addEventListener('click', function () {
      if (!lib.adminToken.get()) { say('Enter the admin token first.', false); lib.adminToken.ask(); return; }
      button.disabled = true;
      lib.postJson('/api/alerts/' + encodeURIComponent(row.dataset.id) + '/state', {
        state: row.querySelector('.triage-state').value,
        note: row.querySelector('.triage-note').value,
      }).then(function (body) {
        say('Saved alert ' + body.id + ': ' + body.state + '.', true);
      }).catch(function (err) {
        say('Not saved: ' + err.message, false);
      }).then(function () { button.disabled = false; });
    });
  });
})();
