// Sign-in page: sends first-run visitors to setup, posts the login form, shows
// throttling and bad-credential errors, then returns to the page the person
// was on (?next=, same folder only).

import { get, post, page, safeNext, ApiError } from '../api.js';
import { $, replace } from '../dom.js';
import { errorBox, busy } from '../ui.js';

const params = new URLSearchParams(location.search);
const next = safeNext(params.get('next'));
const notice = $('#notice');

get('api/auth/setup', null, { noRedirect: true }).then((r) => {
  if (r && r.setup_required) location.replace(page('setup.html'));
}).catch(() => {});

if (params.has('next') && params.get('next') !== 'index.html') {
  replace(notice, errorBox({ type: 'auth', message: 'Please sign in to continue.', code: 'session' }, { compact: true }));
  notice.firstChild.classList.replace('alert-error', 'alert-info');
  notice.querySelector('.alert-hint').textContent = 'You will return to where you were.';
}

$('#username').focus();

$('#login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const username = $('#username').value.trim();
  const password = $('#password').value;
  if (!username || !password) {
    replace(notice, errorBox({ type: 'validation', message: 'Enter your username and password.' }, { compact: true }));
    return;
  }
  await busy($('#login-btn'), async () => {
    try {
      await post('api/auth/login', { username, password }, { noRedirect: true });
      location.assign(page(next));
    } catch (err) {
      let shown = err;
      if (err instanceof ApiError && err.status === 401) shown = { type: 'auth', message: 'Wrong username or password.', code: 'bad_credentials' };
      replace(notice, errorBox(shown, { compact: true }));
      if (err instanceof ApiError && err.status === 401) notice.querySelector('.alert-hint').textContent = 'Check both fields and try again.';
      $('#password').select();
    }
  }, 'Signing in…');
});
