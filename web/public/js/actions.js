// What a dispatcher does from the page: assign or reassign a job, unassign, cancel,
// reschedule; acknowledge, answer and resolve alerts. Every failure is shown, with the
// server's reason (a CONFLICT means the board moved on: the live update follows).

import { $, h, toast } from './dom.js';
import { gql } from './api.js';
import { board, changed, putAlert, putJob } from './store.js';
import { arrival, clock, day, duration, fromLocalInput, minutesSince, money, titleCase, toLocalInput } from './format.js';
import * as Q from './queries.js';

let select = () => {};

export function initActions({ onSelect }) {
  select = onSelect;
  $('#detail-close').addEventListener('click', () => onSelect(null));
  $('#assign-form').addEventListener('submit', (e) => { e.preventDefault(); assign(); });
  $('#assign-tech').addEventListener('change', showSkillsOverride);
  $('#unassign-btn').addEventListener('click', () => withReason('Unassign', 'unassignJob', Q.UNASSIGN, 'back in the pool'));
  $('#cancel-btn').addEventListener('click', () => withReason('Cancel', 'cancelJob', Q.CANCEL, 'cancelled'));
  $('#reschedule-form').addEventListener('submit', (e) => { e.preventDefault(); reschedule(); });
  $('#reply-form').addEventListener('submit', (e) => { e.preventDefault(); sendReply(); });
  $('#reply-cancel').addEventListener('click', () => $('#reply').close());
}

let shown = { id: null, version: null, techs: '' };

export function renderDetail() {
  const job = board.jobs.get(board.selectedJobId);
  const card = $('#detail');
  card.hidden = !job;
  if (!job) {
    shown = { id: null, version: null, techs: '' };
    return;
  }
  const fresh = shown.id !== job.id;
  if (fresh) {
    $('#detail-error').textContent = '';
    $('#action-reason').value = '';
    const next = (iso) => new Date(new Date(iso).getTime() + 24 * 3600 * 1000);
    $('#resched-start').value = toLocalInput(next(job.arrivalWindow.start));
    $('#resched-end').value = toLocalInput(next(job.arrivalWindow.end));
  }
  if (fresh || shown.version !== job.version) renderInfo(job);
  renderTechOptions(job, fresh);
  shown.id = job.id;
  shown.version = job.version;
}

function renderInfo(job) {
  const tech = job.technicianId ? board.techs.get(job.technicianId) : null;
  const active = Q.ACTIVE_JOB_STATUSES.includes(job.status);
  $('#detail-title').textContent = job.problem;
  $('#detail').dataset.jobId = job.id;
  $('#detail').dataset.status = job.status;
  $('#detail-info').replaceChildren(
    h('p', { class: 'chips' },
      h('span', { class: `prio prio-${job.priority}` }, titleCase(job.priority)),
      h('span', { class: `pill job-status status-${job.status}` }, titleCase(job.status)),
      h('span', { class: 'pill' }, titleCase(job.kind)),
      job.urgencyList ? h('span', { class: 'badge-urgent' }, 'Urgency list') : null),
    h('dl', {},
      h('dt', {}, 'Customer'), h('dd', {}, job.customer.name),
      h('dt', {}, 'Address'), h('dd', {}, job.address),
      h('dt', {}, 'Window'), h('dd', {}, `${day(job.arrivalWindow.start)} ${arrival(job.arrivalWindow)}${job.eta ? ` · ETA ${clock(job.eta)}` : ''}`),
      h('dt', {}, 'Value'), h('dd', {}, `${money(job.estimatedValue)} · ${duration(job.durationMinutes)} on site`),
      h('dt', {}, 'Skills'), h('dd', {}, job.requiredSkills.join(', ') || '—'),
      h('dt', {}, 'Technician'), h('dd', { id: 'detail-tech' }, tech ? `${tech.name} (${titleCase(job.status)})` : 'Unassigned'),
      h('dt', {}, 'Booked'), h('dd', {}, `${duration(minutesSince(job.bookedAt))} ago`)));
  $('#assign-btn').textContent = active ? 'Reassign' : 'Assign';
  $('#force-row').hidden = job.status !== 'EN_ROUTE';
  $('#unassign-btn').disabled = !['ASSIGNED', 'EN_ROUTE'].includes(job.status);
  $('#reschedule-form').hidden = !['BOOKED', 'ASSIGNED'].includes(job.status);
}

function renderTechOptions(job, fresh) {
  const techs = [...board.techs.values()].filter((t) => !['OFF_DUTY', 'INACTIVE'].includes(t.status) && t.id !== job.technicianId);
  const key = `${job.id}|${techs.map((t) => `${t.id}:${t.status}`)}`;
  if (key === shown.techs) return;
  shown.techs = key;
  const selectEl = $('#assign-tech');
  const previous = fresh ? '' : selectEl.value;
  const fits = (t) => job.requiredSkills.every((s) => t.skills.includes(s));
  const option = (t) => h('option', { value: t.id }, `${t.name} · ${titleCase(t.status)}${fits(t) ? '' : ' · lacks skill'}`);
  const byName = (a, b) => a.name.localeCompare(b.name);
  const available = techs.filter((t) => t.status === 'AVAILABLE').sort(byName);
  const others = techs.filter((t) => t.status !== 'AVAILABLE').sort(byName);
  selectEl.replaceChildren(
    h('option', { value: '' }, techs.length ? 'Choose a technician…' : 'No technician on duty'),
    available.length ? h('optgroup', { label: 'Available' }, available.map(option)) : null,
    others.length ? h('optgroup', { label: 'Busy or on break' }, others.map(option)) : null);
  if (techs.some((t) => t.id === previous)) selectEl.value = previous;
  showSkillsOverride();
}

// A tech without the job's skills needs an explicit tick: the server refuses otherwise,
// and the dispatcher sees which skill is missing before sending the wrong trade.
function showSkillsOverride() {
  const job = board.jobs.get(board.selectedJobId);
  const tech = board.techs.get($('#assign-tech').value);
  const missing = job && tech ? job.requiredSkills.filter((s) => !tech.skills.includes(s)) : [];
  $('#skills-row').hidden = missing.length === 0;
  if (missing.length === 0) $('#assign-skills').checked = false;
  $('#skills-text').textContent = `${tech?.name ?? 'This tech'} lacks ${missing.join(', ')}`;
}

async function run(label, work) {
  const card = $('#detail');
  $('#detail-error').textContent = '';
  card.setAttribute('aria-busy', 'true');
  card.querySelectorAll('button').forEach((b) => { b.disabled = true; });
  try {
    const message = await work();
    toast(message);
  } catch (error) {
    const text = `${label} failed${error.code ? ` (${error.code})` : ''}: ${error.message}`;
    $('#detail-error').textContent = text;
    toast(text, 'error');
  } finally {
    card.removeAttribute('aria-busy');
    card.querySelectorAll('button').forEach((b) => { b.disabled = false; });
    shown.version = null; // re-apply which actions this job allows
    changed();
  }
}

function assign() {
  const job = board.jobs.get(board.selectedJobId);
  const techId = $('#assign-tech').value;
  if (!job) return;
  if (!techId) {
    $('#detail-error').textContent = 'Choose a technician first.';
    $('#assign-tech').focus();
    return;
  }
  const name = board.techs.get(techId)?.name ?? techId;
  const reassign = Q.ACTIVE_JOB_STATUSES.includes(job.status);
  run(reassign ? 'Reassign' : 'Assign', async () => {
    const overrideSkills = $('#assign-skills').checked;
    const data = reassign
      ? await gql(Q.REASSIGN, { jobId: job.id, technicianId: techId, force: $('#assign-force').checked, overrideSkills })
      : await gql(Q.ASSIGN, { jobId: job.id, technicianId: techId, overrideSkills });
    putJob(data.reassignJob ?? data.assignJob);
    return `${job.problem}: ${reassign ? 'reassigned' : 'assigned'} to ${name}`;
  });
}

function reason() {
  const value = $('#action-reason').value.trim();
  if (!value) {
    $('#detail-error').textContent = 'Give a reason first (the technician and the log see it).';
    $('#action-reason').focus();
  }
  return value;
}

function withReason(label, field, query, done) {
  const job = board.jobs.get(board.selectedJobId);
  const why = job && reason();
  if (!why) return;
  run(label, async () => {
    const data = await gql(query, { jobId: job.id, reason: why });
    putJob(data[field]);
    if (field === 'cancelJob') select(null);
    return `${job.problem}: ${done}`;
  });
}

function reschedule() {
  const job = board.jobs.get(board.selectedJobId);
  const why = job && reason();
  if (!why) return;
  const window = { start: fromLocalInput($('#resched-start').value).toISOString(), end: fromLocalInput($('#resched-end').value).toISOString() };
  run('Reschedule', async () => {
    const data = await gql(Q.RESCHEDULE, { jobId: job.id, window, reason: why });
    putJob(data.rescheduleJob);
    select(data.rescheduleJob.id);
    return `${job.problem}: rescheduled to ${day(window.start)} ${arrival(window)}`;
  });
}

// ---- alerts ------------------------------------------------------------------------------

export function alertActions(alert) {
  const buttons = [];
  const act = (text, work, cls = '') => buttons.push(h('button', { type: 'button', class: `small ${cls}`, onclick: (e) => alertRun(e.currentTarget, work) }, text));
  if (alert.kind === 'LATE_CALL' && alert.status !== 'RESOLVED') {
    act('Keep (overtime)', () => gql(Q.RESOLVE_LATE_CALL, { alertId: alert.id, outcome: 'KEEP_WITH_OVERTIME' }).then((d) => d.resolveLateCall), 'primary');
    act('Reassign', () => gql(Q.RESOLVE_LATE_CALL, { alertId: alert.id, outcome: 'REASSIGN' }).then((d) => d.resolveLateCall));
  }
  if (alert.kind === 'SHIFT_END') {
    // An hour past the shift's end (or from now, when it has passed): the tech's app
    // offers "Accept overtime" with that time first; the answer shows as overtime.
    const until = new Date(Math.max(Date.parse(board.techs.get(alert.technicianId)?.shiftEndsAt ?? '') || 0, Date.now()) + 3_600_000);
    act(`Ask to stay until ${clock(until.toISOString())}`, () => gql(Q.ASK_OVERTIME, { technicianId: alert.technicianId, until: until.toISOString() })
      .then(() => { toast(`Asked ${board.techs.get(alert.technicianId)?.name ?? 'the technician'} to stay until ${clock(until.toISOString())}`); return null; }));
  }
  if (alert.derived) return h('div', { class: 'alert-actions' }, buttons); // the page's own: nothing to answer
  if (alert.status === 'OPEN') act('Acknowledge', () => gql(Q.ACKNOWLEDGE, { alertId: alert.id }).then((d) => d.acknowledgeAlert));
  buttons.push(h('button', { type: 'button', class: 'small', onclick: () => openReply(alert) }, 'Reply'));
  return h('div', { class: 'alert-actions' }, buttons);
}

async function alertRun(button, work) {
  button.disabled = true;
  try {
    const alert = await work();
    if (alert) putAlert(alert);
    changed();
  } catch (error) {
    toast(`Alert action failed (${error.code}): ${error.message}`, 'error');
    button.disabled = false;
  }
}

let replying = null;

function openReply(alert) {
  replying = alert;
  const tech = board.techs.get(alert.technicianId);
  $('#reply-title').textContent = `Reply to ${tech?.name ?? alert.technicianId}`;
  $('#reply-quote').textContent = alert.text;
  $('#reply-text').value = '';
  $('#reply').showModal();
}

async function sendReply() {
  const text = $('#reply-text').value.trim();
  if (!text || !replying) return;
  try {
    await gql(Q.REPLY, { technicianId: replying.technicianId, text, alertId: replying.id });
    $('#reply').close();
    toast('Reply sent');
  } catch (error) {
    toast(`Reply failed (${error.code}): ${error.message}`, 'error');
  }
}
