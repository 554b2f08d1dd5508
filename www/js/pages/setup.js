// First-run page: creates the first admin account, then opens Providers so the
// new admin can connect a provider straight away. Once setup has been done it
// sends a signed-in person to the chat page and everyone else to the login page.

import { get, post, page } from '../api.js';
import { $, replace } from '../dom.js';
import { errorBox, busy } from '../ui.js';

const notice = $('#notice');

get('api/auth/setup', null, { noRedirect: true }).then(async (r) => {
  if (!r || r.setup_required !== false) return;
  const me = await get('api/auth/session', null, { noRedirect: true }).catch(() => null);
  location.replace(page(me && me.authenticated ? 'index.html' : 'login.html'));
}).catch(() => {});

$('#username').focus();

function fail(message) {
  replace(notice, errorBox({ type: 'validation', message }, { compact: true }));
}

$('#setup-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const username = $('#username').value.trim();
  const password = $('#password').value;
  if (!/^[A-Za-z0-9_.@-]{1,64}$/.test(username)) return fail('Usernames are 1–64 letters, digits, or . _ - @.');
  if (password.length < 8) return fail('The password needs at least 8 characters.');
  if (password !== $('#password2').value) return fail('The two passwords differ.');
  await busy($('#setup-btn'), async () => {
    try {
      await post('api/auth/setup', { username, password }, { noRedirect: true });
      location.assign(page('providers.html?welcome=1'));
    } catch (err) {
      replace(notice, errorBox(err, { compact: true }));
      if (err.status === 409) setTimeout(() => location.assign(page('login.html')), 1500);
    }
  }, 'Creating…');
});
