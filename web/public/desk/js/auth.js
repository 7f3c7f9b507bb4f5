// The CSR's token, acquired the way the /map page does today: from ?token= (then stripped
// from the address bar) or the sign-in box, kept in sessionStorage for this tab only.
// `acquireToken` is the one place to change when pages move to a sign-in session.

const KEY = 'nextjob.token';

export const token = () => sessionStorage.getItem(KEY);

export function signOut() {
  sessionStorage.removeItem(KEY);
}

/** A bearer token for this tab: from the URL, the tab's storage, or the sign-in box. */
export async function acquireToken(message = 'Paste a CSR token to open the desk.') {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(KEY, fromUrl.trim());
    url.searchParams.delete('token');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
  }
  if (token()) return token();
  const dialog = document.querySelector('#login');
  document.querySelector('#login-error').textContent = message;
  dialog.showModal();
  return new Promise((resolve) => {
    const form = document.querySelector('#login-form');
    form.addEventListener('submit', function onSubmit(event) {
      event.preventDefault();
      const value = document.querySelector('#login-token').value.trim().replace(/^Bearer\s+/i, '');
      if (!value) return;
      sessionStorage.setItem(KEY, value);
      dialog.close();
      form.removeEventListener('submit', onSubmit);
      resolve(value);
    });
  });
}
