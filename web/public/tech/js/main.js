// The technician's app: one screen, one job. State is the server's (the pushed job, the
// technician) with the taps still waiting in the queue applied on top.

import { getAccessToken, isSignedIn, signIn, signOut, subject } from './auth.js';
import { loadContract, run } from './contract.js';
import { jobCard, project, timeFormat } from './job.js';
import { positionReporter } from './position.js';
import { ActionQueue } from './queue.js';
import { openStreams } from './socket.js';
import { questions } from './asks.js';
import { calm, pendingBox, signInForm, thread } from './screens.js';
import { $, announce, button, h } from './ui.js';

const saved = (key, fallback) => JSON.parse(localStorage.getItem(`nextjob.tech.${key}`) ?? 'null') ?? fallback;
const save = (key, value) => localStorage.setItem(`nextjob.tech.${key}`, JSON.stringify(value));
const DUTY = { GoOnDuty: 'AVAILABLE', GoOffDuty: 'OFF_DUTY', StartBreak: 'ON_BREAK', EndBreak: 'AVAILABLE' };
const CONN = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', offline: 'Offline', 'signed-out': 'Signed out' };

const state = {
  me: saved('me', null),
  job: saved('job', null),
  messages: saved('messages', []),
  finished: new Set(saved('finished', [])),
  acked: new Set(saved('acked', [])),
  conn: 'connecting',
  heard: false,
  wasOffline: false,
  fmt: timeFormat(saved('timezone', null)),
};
let streams = null;
const queue = new ActionQueue(run, { changed: render, applied, rejected });
const reporter = positionReporter((lat, lon) => run('ReportLocation', { lat, lon }).catch(() => undefined));

const visibleJob = () => project(state.job, queue.items, state.finished, state.acked);

function techStatus() {
  return queue.items.reduce((status, action) => DUTY[action.name] ?? status, state.me?.status ?? 'OFF_DUTY');
}

function remember(set, key, id) {
  set.add(id);
  save(key, [...set].slice(-50));
}

const notices = [];

/** Show a notice above the job; the last three stay until dismissed. */
function notice(text) {
  notices.push(text);
  $('#notice-text').replaceChildren(...notices.slice(-3).map((line) => h('span', { class: 'line' }, line)));
  $('#notice').hidden = false;
}

// ---- what the server says ----------------------------------------------------------------

function onJob({ myJob }) {
  const before = visibleJob();
  state.job = myJob;
  save('job', myJob);
  const after = visibleJob();
  const lost = before && !state.finished.has(before.id) && before.id !== after?.id;
  if (lost) {
    const when = state.wasOffline ? ' while you were offline' : '';
    notice(after
      ? `Dispatch changed your job${when}: “${before.problem}” was replaced by this one.`
      : `Dispatch took “${before.problem}” off you${when}.`);
  }
  if (after && after.id !== before?.id) announce('New job', after.problem);
  state.wasOffline = false;
  render();
}

function onMessages({ myMessages }) {
  const known = new Set(state.messages.map((m) => m.id));
  const fresh = myMessages.filter((m) => m.toTechnician && !known.has(m.id));
  state.messages = myMessages.slice(-30);
  save('messages', state.messages);
  // The first thread of a fresh install is history, not news.
  const news = state.heard || localStorage.getItem('nextjob.tech.heard');
  state.heard = true;
  localStorage.setItem('nextjob.tech.heard', '1');
  if (fresh.length && news) {
    notice(`Dispatch: ${fresh.at(-1).text}`);
    announce('Dispatch', fresh.at(-1).text);
  }
  if (fresh.length) loadMe(); // dispatch may have asked for overtime: read it from the server
  render();
}

function onStatus(conn) {
  if (conn !== 'live' && conn !== 'connecting') state.wasOffline = true;
  state.conn = conn;
  if (conn === 'live') {
    loadMe();
    queue.flush();
  }
  if (conn === 'signed-out') showSignIn();
  else render();
}

async function loadMe() {
  try {
    const { me } = await run('Me');
    state.me = me.technician;
    save('me', state.me);
    render();
  } catch {
    // offline or refused: the last known state stays on screen
  }
}

function applied(action, data) {
  if (action.name === 'AcknowledgeJob') remember(state.acked, 'acked', action.variables.jobId);
  const field = Object.keys(data ?? {})[0];
  if (DUTY[action.name] && data[field]) {
    state.me = { ...state.me, ...data[field] };
    save('me', state.me);
  }
  if (action.name === 'AcceptOvertime') state.me = { ...state.me, overtimeAskedUntil: null }; // answered
  render();
}

function rejected(action, error) {
  if (state.finished.delete(action.variables?.jobId)) save('finished', [...state.finished]);
  notice(`“${action.label}” was not accepted: ${error.message}`);
  render();
}

// ---- what the technician does --------------------------------------------------------

let acting = false;

async function act(name, variables, label) {
  if (acting) return; // a double tap while the first is being stored
  acting = true;
  try {
    if (name === 'CompleteJob' || name === 'DeclineJob') remember(state.finished, 'finished', variables.jobId);
    await queue.add(name, variables, label);
  } finally {
    acting = false;
  }
}

const asks = questions(act, () => state);

function goOnDuty() {
  if (globalThis.Notification?.permission === 'default') Notification.requestPermission().catch(() => undefined);
  act('GoOnDuty', {}, 'On duty');
}

// ---- screens ------------------------------------------------------------------------------

// Offered when dispatch asked (the server's overtimeAskedUntil), or near the shift's end
// so a tech can offer to stay on before anyone asks.
function overtimeAsked() {
  const asked = Date.parse(state.me?.overtimeAskedUntil ?? '');
  const ends = Date.parse(state.me?.shiftEndsAt ?? '');
  return asked > Date.now() || (ends && ends - Date.now() < 90 * 60_000);
}

function screen() {
  const job = visibleJob();
  const extra = overtimeAsked() && button('Accept overtime', asks.overtime, 'secondary', { 'data-action': 'overtime' });
  const talk = thread(state.messages, state.fmt, asks.vent);
  if (job) return ['job', jobCard(job, state.fmt, act, asks), extra, talk];
  const status = techStatus();
  if (status === 'OFF_DUTY') {
    return ['off-duty', calm('You are off duty', 'Go on duty when you are ready for work.',
      button('Go on duty', goOnDuty, 'primary', { 'data-action': 'on-duty' }),
      h('button', { type: 'button', class: 'link', onclick: leave }, 'Sign out'))];
  }
  if (status === 'ON_BREAK') {
    return ['break', calm('On break', 'No jobs come while you are on break.',
      button('End break', () => act('EndBreak', {}, 'Back from break'), 'primary', { 'data-action': 'end-break' }))];
  }
  return ['waiting', calm('Waiting for your next job', 'It appears here by itself; keep the app open or nearby.',
    h('div', { class: 'more' },
      button('Start break', () => act('StartBreak', {}, 'Break'), 'secondary', { 'data-action': 'break' }),
      button('Go off duty', () => act('GoOffDuty', {}, 'Off duty'), 'secondary', { 'data-action': 'off-duty' })),
    extra), talk];
}

function render() {
  const n = queue.items.length;
  const conn = $('#conn');
  conn.dataset.state = state.conn;
  conn.dataset.pending = n;
  conn.textContent = CONN[state.conn] + (n ? ` · ${n} waiting` : '');
  $('#who').textContent = state.me?.name ?? '';
  if (!isSignedIn()) return;
  const [name, ...parts] = screen();
  const main = $('#app');
  main.dataset.screen = name;
  main.replaceChildren(...[pendingBox(queue.items), ...parts].filter(Boolean));
  if (visibleJob()?.status === 'EN_ROUTE') reporter.start();
  else reporter.stop();
}

function showSignIn(message = '') {
  reporter.stop();
  $('#app').dataset.screen = 'sign-in';
  $('#app').replaceChildren(signInForm(message, async (login, password) => {
    await signIn(login, password);
    start();
  }));
}

async function leave() {
  if (queue.items.length) {
    notice('Some taps are still waiting to be sent: connect before signing out.');
    return;
  }
  streams?.stop();
  streams = null;
  await signOut();
  for (const key of ['me', 'job', 'messages']) localStorage.removeItem(`nextjob.tech.${key}`);
  Object.assign(state, { me: null, job: null, messages: [] });
  showSignIn();
}

function start() {
  const who = subject(); // null offline before the first refresh: keep what we know
  if (state.me && who && state.me.id !== who) {
    // Another technician used this phone before: nothing of theirs stays on screen.
    for (const key of ['me', 'job', 'messages', 'heard']) localStorage.removeItem(`nextjob.tech.${key}`);
    Object.assign(state, { me: null, job: null, messages: [], heard: false });
  }
  streams?.stop();
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  streams = openStreams({
    url,
    streams: { MyJob: onJob, MyMessages: onMessages },
    onStatus,
    onError: (errors) => notice(errors.map((e) => e.message).join('; ')),
  });
  render();
}

async function loadConfig() {
  try {
    const config = await (await fetch('config.json')).json();
    save('timezone', config.timezone);
    state.fmt = timeFormat(config.timezone);
  } catch {
    // offline: the time zone from the last start
  }
}

async function boot() {
  $('#notice-close').addEventListener('click', () => {
    notices.length = 0;
    $('#notice').hidden = true;
  });
  loadConfig().then(render); // the time zone: known from the last start, else shortly
  await Promise.all([loadContract(), queue.open()]);
  // Signed in, even offline with only a refresh token: show what we know and reconnect.
  if (isSignedIn()) start();
  // Signed in at the shared /signin page: the session is the browser's cookie.
  else if (navigator.onLine && (await getAccessToken())) start();
  else showSignIn();
  // After the first screen: installing the worker fetches the whole shell.
  navigator.serviceWorker?.register('sw.js', { scope: './' }).catch(() => undefined);
}

boot().catch((error) => showSignIn(error.message));
