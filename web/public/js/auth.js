// The signed-in session, shared by every page. The refresh token lives in an httpOnly
// cookie (scoped to /auth) that no script can read; the short-lived access token lives only
// in this module's memory and is renewed before it expires. Nothing goes in URLs or storage.

const JSON_HEADERS = { 'Content-Type': 'application/json', 'X-Nextjob-CSRF': '1' };
const LANDING = { MANAGER: '/map/', DISPATCHER: '/map/', CSR: '/console/desk/', TECHNICIAN: '/tech/' };

let access = null;
let who = null;
let timer = null;
let pending = null;

export const token = () => access;
export const session = () => who;

export class AuthError extends Error {
  constructor(status, error, retryAfter) {
    super(error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = error?.code ?? 'ERROR';
    this.retryAfter = retryAfter;
  }
}

async function post(path, body, bearer) {
  const headers = { ...JSON_HEADERS };
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  let response;
  try {
    response = await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers,
      body: JSON.stringify(body ?? {}),
    });
  } catch {
    throw new AuthError(0, { code: 'NETWORK', message: 'the server cannot be reached' });
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new AuthError(response.status, data.error, Number(response.headers.get('Retry-After')) || 0);
  }
  return data;
}

function keep(data) {
  access = data.accessToken;
  who = {
    role: data.role,
    subject: data.subject,
    displayName: data.displayName,
    login: data.login,
    mustChangePassword: data.mustChangePassword,
  };
  clearTimeout(timer);
  // Renew at 80% of the lifetime, so requests never carry an expired token.
  timer = setTimeout(() => refresh().catch(() => {}), data.expiresIn * 800);
  return who;
}

function forget() {
  access = null;
  who = null;
  clearTimeout(timer);
}

/** Sign in with a name and password; throws AuthError (401, 429 with retryAfter...). */
export async function signIn(login, password) {
  return keep(await post('/auth/sign-in', { login, password }));
}

/** A fresh access token from the cookie; null when not signed in. One at a time. */
export function refresh() {
  pending ??= post('/auth/refresh')
    .then(keep)
    .catch((error) => {
      if (error.status === 401 || error.status === 403) {
        forget();
        return null;
      }
      throw error;
    })
    .finally(() => {
      pending = null;
    });
  return pending;
}

export async function changePassword(currentPassword, newPassword) {
  return keep(await post('/auth/password', { currentPassword, newPassword }, access));
}

// Set while this page signs itself out: the server then closes our live socket, and
// that close must not race the sign-out to a "sign in again" redirect.
let leaving = false;

export async function signOut() {
  leaving = true;
  try {
    await post('/auth/sign-out', {}, access);
  } finally {
    forget();
    location.assign('/signin');
  }
}

export async function signOutEverywhere() {
  leaving = true;
  try {
    await post('/auth/sign-out-everywhere', {}, access);
  } finally {
    forget();
    location.assign('/signin');
  }
}

/** Where a role starts. */
export async function landingFor(role) {
  return LANDING[role] ?? '/signin';
}

/** Send the browser to the sign-in page, to come back here afterwards. */
export function goToSignIn() {
  if (leaving) return;
  forget();
  const next = location.pathname;
  location.assign(`/signin?next=${encodeURIComponent(next)}`);
}

/** The session for a page, or off to sign in (a temporary password is changed there). */
export async function requireSession() {
  const me = await refresh();
  if (!me || me.mustChangePassword) {
    goToSignIn();
    return new Promise(() => {}); // the page is being left
  }
  return me;
}
