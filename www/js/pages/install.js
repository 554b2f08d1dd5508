// The web installer: shown while the site has no config file. It tests the
// database a hosting panel gives, then installs (tables, master key, config
// file) and goes on to the setup page, which creates the first administrator.
// Once installed, /api/install is gone and this page sends people on.

import { get, post, page } from '../api.js';
import { $, replace } from '../dom.js';
import { errorBox, busy } from '../ui.js';

const notice = $('#notice');

function body() {
  return {
    token: $('#token').value.trim(),
    database: {
      host: $('#db-host').value.trim(),
      port: Number($('#db-port').value) || 3306,
      name: $('#db-name').value.trim(),
      user: $('#db-user').value.trim(),
      password: $('#db-password').value,
    },
  };
}

function say(text) {
  const box = document.createElement('div');
  box.className = 'alert alert-ok';
  box.setAttribute('role', 'status');
  const body = document.createElement('div');
  body.className = 'alert-body';
  body.textContent = text;
  box.appendChild(body);
  replace(notice, box);
}

get('api/install', null, { noRedirect: true }).then((s) => {
  if (!s) return;
  $('#token-file').textContent = s.token_file;
  $('#config-where').textContent = 'The config file will be written to ' + s.config_path +
    (s.token_ready ? '.' : ' — but its folder cannot be written: create it (writable) with your file manager, then reload.');
  $('#token').focus();
}).catch((err) => {
  // Installed already (no installer any more): go on to the app.
  if (err.status === 404) location.replace(page('setup.html'));
  else replace(notice, errorBox(err, { compact: true }));
});

$('#check-btn').addEventListener('click', () => busy($('#check-btn'), async () => {
  try {
    const r = await post('api/install/check', body(), { noRedirect: true });
    say(r.message);
  } catch (err) {
    replace(notice, errorBox(err, { compact: true }));
  }
}, 'Testing…'));

$('#install-form').addEventListener('submit', (e) => {
  e.preventDefault();
  busy($('#install-btn'), async () => {
    try {
      const r = await post('api/install', body(), { noRedirect: true });
      say(r.message);
      location.assign(page(r.next || 'setup.html'));
    } catch (err) {
      replace(notice, errorBox(err, { compact: true }));
    }
  }, 'Installing…');
});
