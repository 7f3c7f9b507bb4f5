// The parts of a screen around the job card: what is waiting to be sent, the thread with
// dispatch, the calm screens with no job, and the sign-in form.

import { button, h } from './ui.js';

export function pendingBox(items) {
  if (!items.length) return null;
  return h('section', { class: 'pending', id: 'pending', 'data-count': items.length },
    h('strong', {}, `${items.length} waiting to send`),
    h('ol', {}, items.map((a) => h('li', { 'data-name': a.name }, a.label, ' · pending'))));
}

export function thread(messages, fmt, onVent) {
  const items = messages.slice(-8).map((m) => h('li', { class: m.toTechnician ? '' : 'mine' },
    h('time', {}, `${m.toTechnician ? 'Dispatch' : 'You'} · ${fmt.format(new Date(m.at))}`), m.text));
  return h('section', { class: 'card', id: 'thread' }, h('h2', {}, 'Dispatch'),
    items.length ? h('ul', { class: 'thread' }, items) : h('p', {}, 'No messages yet.'),
    h('div', { class: 'row' }, button('Message dispatch', onVent, 'secondary', { 'data-action': 'vent' })));
}

export function calm(title, text, ...buttons) {
  return h('section', { class: 'calm' }, h('div', { class: 'pulse', 'aria-hidden': 'true' }), h('h1', {}, title),
    h('p', {}, text), h('div', { class: 'actions' }, buttons));
}

/** onSubmit(login, password) signs in or throws an Error whose message is shown. */
export function signInForm(message, onSubmit) {
  const error = h('p', { class: 'error', role: 'alert' }, message);
  const form = h('form', { class: 'card', id: 'sign-in' },
    h('h1', {}, 'Sign in'),
    h('label', { for: 'login' }, 'Login'), h('input', { id: 'login', name: 'login', autocomplete: 'username', required: true }),
    h('label', { for: 'password' }, 'Password'),
    h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
    error, h('div', { class: 'row' }, h('button', { class: 'btn primary', type: 'submit' }, 'Sign in')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await onSubmit(form.login.value.trim(), form.password.value);
    } catch (e) {
      error.textContent = e.message;
    }
  });
  return form;
}
