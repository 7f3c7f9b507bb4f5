// Small DOM helpers: elements built with text nodes only (nothing from the server is ever
// parsed as HTML), the bottom-sheet question, and the ways a new job gets attention.

export const $ = (selector) => document.querySelector(selector);

/** h('button', { class: 'btn', onclick }, 'text', child...) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value == null) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child != null && child !== false) el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export const button = (label, onclick, kind = 'secondary', attrs = {}) =>
  h('button', { type: 'button', class: `btn ${kind}`, onclick, ...attrs }, label);

/**
 * Ask for a few values in a bottom sheet. fields: [{ name, label, type, value, ... }].
 * Resolves to { name: value } or null when cancelled.
 */
export function ask(title, fields, ok = 'Send') {
  const dialog = $('#ask');
  $('#ask-title').textContent = title;
  $('#ask-ok').textContent = ok;
  const box = $('#ask-fields');
  box.replaceChildren();
  for (const { name, label, type = 'text', options, ...rest } of fields) {
    const id = `ask-${name}`;
    box.append(h('label', { for: id }, label));
    if (type === 'textarea') box.append(h('textarea', { id, name, required: true, maxlength: 500, ...rest }));
    else if (type === 'select') {
      box.append(h('select', { id, name, ...rest }, options.map(([value, text]) => h('option', { value }, text))));
    } else box.append(h('input', { id, name, type, required: true, ...rest }));
  }
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      if (dialog.returnValue !== 'ok') return resolve(null);
      const values = {};
      for (const { name } of fields) values[name] = box.querySelector(`[name="${name}"]`).value.trim();
      return resolve(values);
    }, { once: true });
  });
}

let audio = null;

/** Vibration, a short tone, and a notification when the app is in the background. */
export function announce(title, body) {
  navigator.vibrate?.([200, 100, 200]);
  try {
    audio ??= new AudioContext();
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    gain.gain.value = 0.15;
    tone.frequency.value = 880;
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.25);
  } catch {
    // no audio before the first tap: the vibration and the screen will do
  }
  if (document.hidden && globalThis.Notification?.permission === 'granted') {
    navigator.serviceWorker?.ready.then((sw) => sw.showNotification(title, { body, icon: 'icon-192.png', tag: 'job' }));
  }
}
