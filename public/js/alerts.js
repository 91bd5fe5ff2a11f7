/* /alerts — item triage: POST /api/alerts/items/state with every alert id of the item and the admin
   token (the shared control in lib.js). The controls exist only when the server has ADMIN_TOKEN. */
(function () {
  'use strict';
  var lib = window.CiDash;
  var form = lib.byId('admin-form');
  if (!form) return;
  var statusLine = lib.byId('triage-status');
  form.addEventListener('submit', function (ev) { ev.preventDefault(); });

  function say(text, ok) {
    statusLine.textContent = text;
    statusLine.className = 'col-lg-5 small ' + (ok ? 'text-success' : 'text-danger');
  }

  document.querySelectorAll('#alerts-table tr.alert-item').forEach(function (row) {
    var button = row.querySelector('.triage-save');
    var state = row.querySelector('.triage-state');
    var subject = row.querySelector('.item-subject').textContent;
    button.addEventListener('click', function () {
      if (!state.value) { say('Pick a status for ' + subject + ' first.', false); return; }
      if (!lib.adminToken.get()) { say('Enter the admin token first.', false); lib.adminToken.ask(); return; }
      button.disabled = true;
      lib.postJson('/api/alerts/items/state', {
        ids: row.dataset.ids.split(',').map(Number),
        state: state.value,
        note: row.querySelector('.triage-note').value,
      }).then(function (body) {
        say('Saved ' + subject + ': ' + body.state + ' (' + body.updated + ' alert' + (body.updated === 1 ? '' : 's') + ').', true);
      }).catch(function (err) {
        say('Not saved: ' + err.message, false);
      }).then(function () { button.disabled = false; });
    });
  });
})();
