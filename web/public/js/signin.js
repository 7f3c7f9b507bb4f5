// The sign-in page shared by the console and the phone app: name and password, then
// (with a temporary password) a new password, then each role's own page.

import { AuthError, changePassword, landingFor, refresh, session, signIn, signOut } from './auth.js';

const $ = (selector) => document.querySelector(selector);

/** Where to go after signing in: a same-site path asked for by the page that sent us here. */
async function destination(role) {
  const next = new URLSearchParams(location.search).get('next');
  const sameSite = next && next.startsWith('/') && !next.startsWith('//') && next !== '/signin';
  if (sameSite && role !== 'TECHNICIAN') return next;
  return landingFor(role);
}

async function proceed(me) {
  if (me.mustChangePassword) {
    show('change');
    $('#current').focus();
    return;
  }
  location.replace(await destination(me.role));
}

function show(which) {
  $('#signin-form').hidden = which !== 'signin';
  $('#change-form').hidden = which !== 'change';
  $('#card').dataset.state = which;
}

function describe(error) {
  if (!(error instanceof AuthError)) return 'Something went wrong; try again.';
  if (error.status === 401) return 'Wrong email/username or password.';
  if (error.status === 429) return `Too many attempts. Try again in ${error.retryAfter || 30} seconds.`;
  if (error.code === 'NETWORK') return 'The server cannot be reached. Check the connection and try again.';
  return error.message;
}

async function onSignIn(event) {
  event.preventDefault();
  const login = $('#login').value.trim();
  const password = $('#password').value;
  const error = $('#signin-error');
  if (!login || !password) {
    error.textContent = 'Enter your email or username and your password.';
    return;
  }
  const button = $('#signin-btn');
  button.disabled = true;
  error.textContent = '';
  try {
    const me = await signIn(login, password);
    $('#password').value = '';
    await proceed(me);
  } catch (failure) {
    error.textContent = describe(failure);
    $('#password').select();
  } finally {
    button.disabled = false;
  }
}

async function onChange(event) {
  event.preventDefault();
  const error = $('#change-error');
  const current = $('#current').value;
  const next = $('#new-password').value;
  if (next.length < 10) {
    error.textContent = 'The new password needs at least 10 characters.';
    return;
  }
  if (next !== $('#again').value) {
    error.textContent = 'The two new passwords differ.';
    return;
  }
  $('#change-btn').disabled = true;
  error.textContent = '';
  try {
    await proceed(await changePassword(current, next));
  } catch (failure) {
    error.textContent = failure instanceof AuthError && failure.status === 401
      ? `The ${$('#current-label').textContent.toLowerCase()} is wrong.`
      : describe(failure);
  } finally {
    $('#change-btn').disabled = false;
  }
}

async function start() {
  $('#signin-form').addEventListener('submit', onSignIn);
  $('#change-form').addEventListener('submit', onChange);
  $('#change-signout').addEventListener('click', () => signOut());
  // Already signed in (the cookie's session is live)? Go straight on.
  const me = await refresh().catch(() => null);
  if (me && new URLSearchParams(location.search).has('change')) {
    // A signed-in person chose to change their password.
    $('#change-title').textContent = 'Change your password';
    $('#change-why').textContent = `Signed in as ${me.login}.`;
    $('#current-label').textContent = 'Current password';
    show('change');
    $('#current').focus();
    return;
  }
  if (me) {
    await proceed(session());
    return;
  }
  show('signin');
  $('#login').focus();
}

start();
