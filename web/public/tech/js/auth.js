// The technician's session, and the only module that knows how signing in works.
//
// The access token (a short-lived JWT) lives in memory only. The refresh token is kept in
// localStorage so the installed app stays signed in across days; each refresh rotates it.
// Contract (accounts): POST /auth/sign-in {login, password} -> {accessToken, refreshToken};
// POST /auth/refresh {refreshToken} -> the same, rotated; POST /auth/sign-out {refreshToken}.
// Everything else in the app asks only getAccessToken().

const REFRESH_KEY = 'nextjob.tech.refreshToken';
const EARLY_MS = 30_000; // refresh this long before the access token expires

let access = null; // { token, exp } with exp in ms
let refreshing = null;

/** Tests (and nothing else) may start the app from a token injected before any script runs. */
const injected = globalThis.__NEXTJOB_TECH_TEST_TOKEN__;
if (typeof injected === 'string' && injected) access = { token: injected, exp: expiry(injected) };

function expiry(jwt) {
  try {
    const part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(part));
    return typeof claims.exp === 'number' ? claims.exp * 1000 : Infinity;
  } catch {
    return 0;
  }
}

/** The technician id inside the current access token (`sub`), or null. */
export function subject() {
  try {
    const part = access.token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(part)).sub ?? null;
  } catch {
    return null;
  }
}

export function isSignedIn() {
  return Boolean((access && access.exp > Date.now()) || localStorage.getItem(REFRESH_KEY));
}

function keep(body) {
  const token = body.accessToken ?? body.access_token;
  if (typeof token !== 'string') throw new Error('the server sent no access token');
  access = { token, exp: expiry(token) };
  const refresh = body.refreshToken ?? body.refresh_token;
  if (typeof refresh === 'string') localStorage.setItem(REFRESH_KEY, refresh);
}

async function post(path, payload) {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(payload),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(body.error ?? body.message ?? `sign-in failed (HTTP ${response.status})`);
    error.status = response.status;
    throw error;
  }
  return body;
}

export async function signIn(login, password) {
  keep(await post('/auth/sign-in', { login, password }));
}

async function refresh() {
  const refreshToken = localStorage.getItem(REFRESH_KEY);
  if (!refreshToken) return null;
  try {
    keep(await post('/auth/refresh', { refreshToken }));
    return access.token;
  } catch (error) {
    // A refused refresh token is spent or revoked; a network error keeps it for later.
    if (error.status === 400 || error.status === 401) localStorage.removeItem(REFRESH_KEY);
    return null;
  }
}

/** A valid access token, refreshed when close to expiry; null when signed out or offline. */
export async function getAccessToken() {
  if (access && access.exp - EARLY_MS > Date.now()) return access.token;
  refreshing ??= refresh().finally(() => {
    refreshing = null;
  });
  const fresh = await refreshing;
  if (fresh) return fresh;
  return access && access.exp > Date.now() ? access.token : null;
}

/** The server refused the token: forget it, so the next call refreshes. */
export function tokenRefused() {
  if (access) access = { ...access, exp: 0 };
}

export async function signOut() {
  const refreshToken = localStorage.getItem(REFRESH_KEY);
  access = null;
  localStorage.removeItem(REFRESH_KEY);
  if (refreshToken) await post('/auth/sign-out', { refreshToken }).catch(() => undefined);
}
