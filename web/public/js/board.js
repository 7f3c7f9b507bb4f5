// The board beside the map: alerts, unassigned jobs by priority and age, and each
// technician's current job, status, time on it, shift end and utilization.
// Lists are rebuilt only when what they show changed, so keyboard focus is not lost.

import { h, $ } from './dom.js';
import { board, unassignedJobs, jobOf, statusSince } from './store.js';
import { arrival, clock, duration, minutesSince, money, percent, titleCase } from './format.js';
import { alertActions } from './actions.js';

const SHIFT_WARNING_MINUTES = 30;
const ALERT_LABELS = {
  VENT: 'Vent', LATE_CALL: 'Late call', RUNNING_LATE: 'Running late', DECLINED: 'Declined',
  UNACKNOWLEDGED: 'Not acknowledged', SHIFT_END: 'Shift end',
};
const rendered = { alerts: '', unassigned: '', techs: '' };

export function renderBoard(onSelectJob) {
  const minute = Math.floor(Date.now() / 60000);
  const alerts = [...board.alerts.values(), ...shiftAlerts()];
  const pending = unassignedJobs();
  const techs = [...board.techs.values()];
  renderIf('alerts', `${minute}|${alerts.map((a) => `${a.id}:${a.version}:${a.status}`)}`, () => {
    alerts.sort((a, b) => (a.status === 'OPEN' ? 0 : 1) - (b.status === 'OPEN' ? 0 : 1) || b.createdAt.localeCompare(a.createdAt));
    $('#alerts').replaceChildren(...alerts.map((a) => alertItem(a, onSelectJob)));
    $('#alerts-count').textContent = String(alerts.filter((a) => a.status === 'OPEN').length);
    $('#alerts-empty').hidden = alerts.length > 0;
  });
  renderIf('unassigned', `${minute}|${board.selectedJobId}|${pending.map((j) => `${j.id}:${j.version}`)}`, () => {
    $('#unassigned').replaceChildren(...pending.map((j) => jobItem(j, onSelectJob)));
    $('#unassigned-count').textContent = String(pending.length);
  });
  const techKey = techs.map((t) => `${t.id}:${t.status}:${t.currentJobId}:${jobOf(t)?.version}:${t.shiftEndsAt}`);
  renderIf('techs', `${minute}|${techKey}|${JSON.stringify(board.kpis?.technicians ?? [])}`, () => {
    const order = { BUSY: 0, AVAILABLE: 1, ON_BREAK: 2, OFF_DUTY: 3, INACTIVE: 4 };
    techs.sort((a, b) => order[a.status] - order[b.status] || a.name.localeCompare(b.name));
    $('#techs').replaceChildren(...techs.map((t) => techRow(t, onSelectJob)));
    $('#techs-count').textContent = `${techs.filter((t) => t.status !== 'OFF_DUTY' && t.status !== 'INACTIVE').length} on duty`;
  });
}

function renderIf(part, key, render) {
  if (rendered[part] === key) return;
  rendered[part] = key;
  render();
}

function alertItem(alert, onSelectJob) {
  const tech = board.techs.get(alert.technicianId);
  const job = alert.jobId ? board.jobs.get(alert.jobId) : null;
  return h('li', { class: `alert kind-${alert.kind} status-${alert.status}`, dataset: { alertId: alert.id, kind: alert.kind } },
    h('div', { class: 'alert-head' },
      h('span', { class: 'chip' }, ALERT_LABELS[alert.kind] ?? titleCase(alert.kind)),
      h('strong', {}, tech?.name ?? alert.technicianId),
      h('time', { datetime: alert.createdAt, class: 'muted' }, `${duration(minutesSince(alert.createdAt))} ago`)),
    h('p', { class: 'alert-text' }, alert.text, alert.minutes ? h('span', { class: 'muted' }, ` · ${alert.minutes} min late`) : null),
    job ? h('button', { type: 'button', class: 'link', onclick: () => onSelectJob(job.id) }, `${job.problem} · ${job.address}`) : null,
    alertActions(alert));
}

function jobItem(job, onSelectJob) {
  const selected = job.id === board.selectedJobId;
  return h('li', {},
    h('button', { type: 'button', class: `job-row${selected ? ' selected' : ''}`, 'aria-pressed': String(selected), dataset: { jobId: job.id }, onclick: () => onSelectJob(job.id) },
      h('span', { class: `prio prio-${job.priority}` }, titleCase(job.priority)),
      h('span', { class: 'job-main' },
        h('span', { class: 'job-problem' }, job.problem, job.urgencyList ? h('span', { class: 'badge-urgent', title: 'Urgency list: the customer asked to be moved up' }, 'Urgency list') : null),
        h('span', { class: 'muted' }, `${job.address.replace(/, Austin, TX$/, '')} · ${arrival(job.arrivalWindow)}`)),
      h('span', { class: 'job-side' },
        h('span', {}, money(job.estimatedValue)),
        h('span', { class: 'muted', title: 'Waiting since booked' }, duration(minutesSince(job.bookedAt))))));
}

function techRow(tech, onSelectJob) {
  const job = jobOf(tech);
  const kpi = board.kpis?.technicians.find((k) => k.technicianId === tech.id);
  return h('tr', { dataset: { techId: tech.id } },
    h('th', { scope: 'row' }, h('span', { class: 'tech-name' }, tech.name), h('span', { class: 'muted small' }, tech.skills.join(', '))),
    h('td', {}, h('span', { class: `pill status-${tech.status}` }, titleCase(tech.status))),
    h('td', { class: 'current' }, job
      ? h('button', { type: 'button', class: 'link', onclick: () => onSelectJob(job.id) },
        h('span', { class: `prio-dot prio-${job.priority}`, 'aria-hidden': 'true' }), `${job.problem}`)
      : h('span', { class: 'muted' }, tech.currentJobId ? 'loading…' : '—')),
    h('td', { class: 'nowrap' }, job ? `${titleCase(job.status)} ${duration(minutesSince(statusSince(job)))}` : ''),
    h('td', { class: 'nowrap' }, shiftCell(tech)),
    h('td', {}, utilization(kpi)));
}

function shiftCell(tech) {
  if (tech.status === 'OFF_DUTY' || !tech.shiftEndsAt) return h('span', { class: 'muted' }, `${tech.shiftStart}–${tech.shiftEnd}`);
  const left = -minutesSince(tech.shiftEndsAt);
  if (left < 0) return h('span', { class: 'danger-text' }, `over ${duration(-left)}`);
  if (left <= SHIFT_WARNING_MINUTES) return h('span', { class: 'warn-text' }, `ends in ${duration(left)}`);
  return h('span', {}, `to ${clock(tech.shiftEndsAt)}`);
}

function utilization(kpi) {
  if (!kpi || kpi.utilization === null) return h('span', { class: 'muted' }, '—');
  const target = board.kpis.utilizationTarget;
  const title = `Billable utilization ${percent(kpi.utilization)} (target ${percent(target)}${kpi.overworked ? '; above 95%: check overwork or the numbers' : ''})`;
  return h('div', { class: `util${kpi.overworked ? ' over' : ''}`, title, role: 'img', 'aria-label': title },
    h('span', { class: 'util-bar' },
      h('span', { class: 'util-fill', style: `width:${Math.min(100, kpi.utilization * 100)}%` }),
      h('span', { class: 'util-target', style: `left:${target * 100}%` })),
    h('span', { class: 'util-text' }, percent(kpi.utilization)));
}

/** Techs near or past the end of their shift, as alerts computed on the page. */
function shiftAlerts() {
  const out = [];
  for (const tech of board.techs.values()) {
    if (tech.status === 'OFF_DUTY' || !tech.shiftEndsAt) continue;
    const left = -minutesSince(tech.shiftEndsAt);
    if (left > SHIFT_WARNING_MINUTES) continue;
    const job = jobOf(tech);
    out.push({
      id: `shift-${tech.id}`, kind: 'SHIFT_END', status: 'OPEN', derived: true, version: 0,
      technicianId: tech.id, jobId: job?.id ?? null, minutes: null, createdAt: tech.shiftEndsAt,
      text: left < 0 ? `Past shift end by ${duration(-left)}${job ? ', still on a job' : ''}` : `Shift ends in ${duration(left)} (${clock(tech.shiftEndsAt)})`,
    });
  }
  return out;
}
