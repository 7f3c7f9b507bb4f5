// The desk signs in like every page: the shared session (refresh token in an httpOnly
// cookie, access token in memory), from /static/js/auth.js.

import { requireSession, token } from '/static/js/auth.js';

export { signOut, token } from '/static/js/auth.js';

const DESK_ROLES = new Set(['CSR', 'DISPATCHER', 'MANAGER']);

/** The signed-in caller's access token, once a CSR, dispatcher or manager is signed in. */
export async function acquireToken() {
  const me = await requireSession();
  if (!DESK_ROLES.has(me.role)) {
    document.body.textContent = 'The booking desk is for CSRs, dispatchers and managers.';
    return new Promise(() => {});
  }
  return token();
}
