// The one job on screen: the server's job with the taps still waiting applied on top, so a
// tap shows its effect at once, online or not; and the card that shows it.

import { button, h } from './ui.js';

const NEXT_STATUS = { StartTravel: 'EN_ROUTE', Arrive: 'ON_SITE' };
const GONE = new Set(['CompleteJob', 'DeclineJob']);
const LABEL = { ASSIGNED: 'New job', EN_ROUTE: 'Driving there', ON_SITE: 'On site' };

/** The job to show (null when none): `job` moved on by the pending actions for it. */
export function project(job, pending, finished, acked) {
  if (!job || finished.has(job.id)) return null;
  let { status } = job;
  let ack = acked.has(job.id);
  for (const action of pending) {
    if (action.variables?.jobId !== job.id) continue;
    if (GONE.has(action.name)) return null;
    status = NEXT_STATUS[action.name] ?? status;
    ack ||= action.name === 'AcknowledgeJob';
  }
  return { ...job, status, acknowledged: ack };
}

export function timeFormat(timezone) {
  const opts = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  try {
    return new Intl.DateTimeFormat(undefined, { ...opts, timeZone: timezone || undefined });
  } catch {
    return new Intl.DateTimeFormat(undefined, opts);
  }
}

function mapsUrl({ lat, lon }) {
  const ios = /iPhone|iPad|iPod/.test(navigator.userAgent);
  return ios
    ? `https://maps.apple.com/?daddr=${lat},${lon}`
    : `https://www.google.com/maps/dir/?api=1&destination=${lat},${lon}`;
}

function fact(label, value, link) {
  return h('div', { class: 'fact' }, h('div', {}, h('small', {}, label), value), link);
}

/** The primary lifecycle button for the job's status. */
function primary(job, act, asks) {
  if (job.status === 'ASSIGNED' && !job.acknowledged) {
    return button('Got it', () => act('AcknowledgeJob', { jobId: job.id, version: job.version }, 'Got it'), 'primary', { 'data-action': 'ack' });
  }
  if (job.status === 'ASSIGNED') {
    return button('Start driving', () => act('StartTravel', { jobId: job.id }, 'Started driving'), 'primary', { 'data-action': 'travel' });
  }
  if (job.status === 'EN_ROUTE') {
    return button('Arrived', () => act('Arrive', { jobId: job.id }, 'Arrived'), 'primary', { 'data-action': 'arrive' });
  }
  return button('Complete', () => asks.complete(job), 'primary', { 'data-action': 'complete' });
}

/** The job card: problem, customer, address, window, skills; the buttons that make sense now. */
export function jobCard(job, fmt, act, asks) {
  const first = job.customer.name.trim().split(/\s+/)[0];
  const window = `${fmt.format(new Date(job.arrivalWindow.start))}–${fmt.format(new Date(job.arrivalWindow.end))}`;
  const more = [
    job.status === 'ASSIGNED' && button('Decline', () => asks.decline(job), 'danger', { 'data-action': 'decline' }),
    job.status !== 'ON_SITE' && button('Running late', () => asks.late(job), 'secondary', { 'data-action': 'late' }),
    button('Late call', () => asks.lateCall(job), 'secondary', { 'data-action': 'late-call' }),
  ];
  return h('section', { class: 'card', id: 'job', 'data-job-id': job.id, 'data-status': job.status },
    h('div', {},
      h('span', { class: 'status' }, LABEL[job.status] ?? job.status), ' ',
      job.priority !== 'NORMAL' && h('span', { class: `tag ${job.priority === 'EMERGENCY' || job.priority === 'HIGH' ? 'urgent' : ''}` }, job.priority.toLowerCase()),
      h('span', { class: 'tag' }, job.kind.toLowerCase())),
    h('p', { class: 'problem' }, job.problem),
    fact('Customer', first, h('a', { class: 'btn secondary', href: `tel:${job.customer.phone}`, 'aria-label': `Call ${first}` }, 'Call')),
    fact('Address', job.address, h('a', { class: 'btn secondary', href: mapsUrl(job.location), target: '_blank', rel: 'noopener' }, 'Navigate')),
    fact('Arrival window', h('span', { 'data-field': 'window' }, window)),
    fact('Time on site', `about ${Math.round(job.durationMinutes)} min`),
    job.requiredSkills.length > 0 && fact('Skills', job.requiredSkills.join(', ')),
    h('div', { class: 'actions' }, primary(job, act, asks), h('div', { class: 'more' }, more)));
}
