// The dispatcher's token: from ?token= (then stripped from the address bar) or the sign-in box,
// kept in sessionStorage for this tab only.

import { $ } from './dom.js';

const KEY = 'nextjob.token';

export const token = () => sessionStorage.getItem(KEY);

export function takeTokenFromUrl() {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(KEY, fromUrl.trim());
    url.searchParams.delete('token');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
  }
  return token();
}

export function signOut() {
  sessionStorage.removeItem(KEY);
}

/** Show the sign-in box; resolves once a token was entered. */
export function askForToken(message = '') {
  const dialog = $('#login');
  $('#login-error').textContent = message;
  dialog.showModal();
  return new Promise((resolve) => {
    $('#login-form').addEventListener('submit', function onSubmit(event) {
      event.preventDefault();
      const value = $('#login-token').value.trim().replace(/^Bearer\s+/i, '');
      if (!value) return;
      sessionStorage.setItem(KEY, value);
      dialog.close();
      $('#login-form').removeEventListener('submit', onSubmit);
      resolve(value);
    });
  });
}
