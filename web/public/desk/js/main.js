// The CSR's booking desk: find or create the caller, pin the address, describe the job,
// pick a window with room, book. Everything goes through the public GraphQL API.

import { GraphQLError, gql, setEndpoint } from './api.js';
import { acquireToken, signOut } from './auth.js';
import { initCaller } from './caller.js';
import { refreshFigures } from './figures.js';
import { clock, setTimeZone, titleCase } from './format.js';
import { createPinMap } from './pin.js';
import { loadWindows, renderWindows } from './windows.js';

const $ = (selector) => document.querySelector(selector);
const DEFAULTS = `{
  bookingDefaults { timezone kinds { kind value durationMinutes } serviceArea { lat lon radiusKm } }
  skills { name label }
}`;
const GEOCODE = `query($a: String!) { geocodeAddress(address: $a) { found message lat lon label source } }`;
const BOOK = `mutation($input: BookJobInput!) { bookJob(input: $input) { id status arrivalWindow { start end } } }`;

const state = { customerId: null, pin: null, windows: [], chosen: null, valueTouched: false, defaults: null };

function toast(message, kind = 'ok') {
  const box = $('#toast');
  box.textContent = message;
  box.className = `toast show ${kind}`;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => box.classList.remove('show'), kind === 'error' ? 8000 : 4000);
}

function note(element, text, kind = '') {
  element.textContent = text;
  element.dataset.kind = kind;
}

// ---- the caller ------------------------------------------------------------------------

function pickCaller(customer) {
  state.customerId = customer.id;
  const first = customer.addresses[0];
  if (first) {
    $('#address').value = first.address;
    pin.place(first.lat, first.lon, { zoom: true });
    note($('#geocode-msg'), 'Address on file: check it with the caller.', 'ok');
  }
}

// ---- the address and its pin ----------------------------------------------------------

let pin;

function showPin(lat, lon, how) {
  // Six decimals is about 10 cm: what is shown is exactly what is booked.
  state.pin = { lat: Number(lat.toFixed(6)), lon: Number(lon.toFixed(6)) };
  const coords = $('#pin-coords');
  coords.dataset.lat = lat.toFixed(6);
  coords.dataset.lon = lon.toFixed(6);
  coords.textContent = how === 'placed' || how === 'dragged' ? 'placed (drag to adjust)' : 'placed';
}

async function geocode() {
  const address = $('#address').value.trim();
  if (!address) {
    note($('#geocode-msg'), 'Type the address first.', 'error');
    return;
  }
  note($('#geocode-msg'), 'Looking it up…');
  try {
    const { geocodeAddress: a } = await gql(GEOCODE, { a: address });
    if (a.found) {
      pin.place(a.lat, a.lon, { zoom: true });
      note($('#geocode-msg'), `${a.message}${a.source === 'cache' ? ' (remembered)' : ''}`, 'ok');
    } else {
      note($('#geocode-msg'), `${a.message} Click the map where the job is.`, 'warn');
    }
  } catch (error) {
    note($('#geocode-msg'), error.message, 'error');
  }
}

// ---- the job --------------------------------------------------------------------------

function fillKinds(kinds) {
  const select = $('#kind');
  for (const k of kinds) {
    const option = document.createElement('option');
    option.value = k.kind;
    option.textContent = titleCase(k.kind);
    select.append(option);
  }
  select.addEventListener('change', () => {
    if (!state.valueTouched) setDefaultValue();
    refreshWindows();
  });
  $('#value').addEventListener('input', () => { state.valueTouched = true; });
  setDefaultValue();
}

function setDefaultValue() {
  const kind = state.defaults.kinds.find((k) => k.kind === $('#kind').value);
  $('#value').value = String(Math.round(kind?.value ?? 0));
}

function fillSkills(skills) {
  const box = $('#skills');
  for (const skill of skills) {
    const label = document.createElement('label');
    label.className = 'chip';
    const input = document.createElement('input');
    input.type = 'checkbox';
    input.name = 'skill';
    input.value = skill.name;
    input.addEventListener('change', refreshWindows);
    label.append(input, document.createTextNode(` ${skill.label}`));
    box.append(label);
  }
}

const chosenSkills = () => [...document.querySelectorAll('input[name="skill"]:checked')].map((i) => i.value);

// ---- windows and figures --------------------------------------------------------------

async function refreshWindows() {
  try {
    state.windows = await loadWindows(gql, { skills: chosenSkills(), kind: $('#kind').value });
  } catch (error) {
    toast(`Windows: ${error.message}`, 'error');
    return;
  }
  renderWindows($('#windows'), state.windows, state.chosen);
}

// ---- booking --------------------------------------------------------------------------

function bookingInput(confirmDuplicate) {
  const w = state.windows.find((x) => x.start === state.chosen);
  const input = {
    customer: { name: $('#cust-name').value.trim(), phone: $('#cust-phone').value.trim() },
    address: $('#address').value.trim(),
    lat: state.pin.lat,
    lon: state.pin.lon,
    problem: $('#problem').value.trim(),
    kind: $('#kind').value,
    priority: $('#priority').value,
    estimatedValue: Number($('#value').value || 0),
    requiredSkills: chosenSkills(),
    urgencyList: $('#urgency').checked,
    arrivalWindow: { start: w.start, end: w.end },
  };
  if (state.customerId) input.customerId = state.customerId;
  if (confirmDuplicate) input.confirmDuplicate = true;
  return input;
}

function missing() {
  if (!$('#cust-name').value.trim() || !$('#cust-phone').value.trim()) return 'the caller’s name and phone';
  if (!$('#address').value.trim()) return 'the address';
  if (!state.pin) return 'the pin on the map';
  if (!$('#problem').value.trim()) return 'the problem';
  if (!state.windows.some((x) => x.start === state.chosen)) return 'an arrival window';
  return null;
}

async function book(confirmDuplicate = false) {
  note($('#book-error'), '');
  note($('#book-result'), '');
  const lacking = missing();
  if (lacking) {
    note($('#book-error'), `Still needed: ${lacking}.`);
    return;
  }
  $('#book').disabled = true;
  try {
    const { bookJob: job } = await gql(BOOK, { input: bookingInput(confirmDuplicate) });
    $('#duplicate').hidden = true;
    const w = state.windows.find((x) => x.start === state.chosen);
    note($('#book-result'), `Booked ${job.id} for ${$('#cust-name').value.trim()}.`);
    $('#book-result').dataset.jobId = job.id;
    toast(`Booked ${job.id}`);
    state.chosen = w ? w.start : null;
    await Promise.all([refreshWindows(), refreshFigures(gql)]);
  } catch (error) {
    if (error instanceof GraphQLError && error.code === 'DUPLICATE_BOOKING') {
      $('#duplicate-msg').textContent = error.message;
      $('#duplicate').hidden = false;
    } else {
      note($('#book-error'), error instanceof GraphQLError ? `${error.code}: ${error.message}` : String(error));
    }
  } finally {
    $('#book').disabled = false;
  }
}

// ---- start ----------------------------------------------------------------------------

async function start() {
  const config = await (await fetch('config.json')).json();
  setEndpoint(config.graphql);
  setTimeZone(config.timezone);
  if (!window.L) {
    document.body.textContent = 'The map library is missing on the server: run `npm ci --prefix web`.';
    return;
  }
  $('#logout').addEventListener('click', () => signOut());
  await acquireToken();
  const loaded = await gql(DEFAULTS);
  const defaults = loaded.bookingDefaults;
  state.defaults = defaults;
  setTimeZone(defaults.timezone);
  pin = createPinMap($('#pin-map'), { tileUrl: config.tileUrl, serviceArea: defaults.serviceArea }, showPin);
  fillKinds(defaults.kinds);
  fillSkills(loaded.skills);

  initCaller({ onPick: pickCaller, onNew: () => { state.customerId = null; } });
  $('#geocode').addEventListener('click', geocode);
  $('#address').addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); geocode(); } });
  $('#windows').addEventListener('change', (e) => {
    const w = state.windows[Number(e.target.value)];
    state.chosen = w ? w.start : null;
  });
  $('#booking').addEventListener('submit', (e) => { e.preventDefault(); book(false); });
  $('#confirm-duplicate').addEventListener('click', () => book(true));

  const tick = () => { $('#clock').textContent = clock(); };
  tick();
  setInterval(tick, 15_000);
  // Other CSRs book too: the room shown follows within a minute (the choice is kept).
  setInterval(refreshWindows, 60_000);
  await Promise.all([refreshWindows(), refreshFigures(gql)]);
  $('#app').dataset.ready = 'true';
}

start().catch((error) => toast(`The desk could not start: ${error.message}`, 'error'));
