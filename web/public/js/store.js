// The page's copy of the board. Every object carries a version; an older copy never
// replaces a newer one, whichever arrives first (a reload or a live update).

import { OPEN_JOB_STATUSES } from './queries.js';

export const board = {
  techs: new Map(),
  jobs: new Map(), // open jobs only
  alerts: new Map(),
  kpis: null,
  selectedJobId: null,
};

const latest = new Map(); // `${kind}:${id}` -> { version, at }, closed objects included
const listeners = new Set();
let scheduled = false;

export function onChange(listener) {
  listeners.add(listener);
}

export function changed() {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    for (const listener of listeners) listener(board);
  });
}

function put(map, kind, item, isOpen = () => true) {
  const key = `${kind}:${item.id}`;
  if ((latest.get(key)?.version ?? -1) > item.version) return false;
  latest.set(key, { version: item.version, at: performance.now() });
  if (isOpen(item)) map.set(item.id, item);
  else map.delete(item.id);
  return true;
}

// A deactivated technician leaves the board and the map (the Team page still lists them).
export const putTech = (tech) => put(board.techs, 'tech', tech, (t) => t.status !== 'INACTIVE');
export const putJob = (job) => put(board.jobs, 'job', job, (j) => OPEN_JOB_STATUSES.includes(j.status));
export const putAlert = (alert) => put(board.alerts, 'alert', alert, (a) => a.status !== 'RESOLVED');

/** Merge a full reload started at `startedAt`: objects it no longer lists are gone,
 * unless a live update touched them after the reload was asked for. */
export function replaceAll({ technicians, jobs, alerts }, startedAt) {
  const sync = (map, kind, items, putOne) => {
    const listed = new Set(items.map((item) => item.id));
    for (const id of [...map.keys()]) {
      if (!listed.has(id) && (latest.get(`${kind}:${id}`)?.at ?? 0) < startedAt) map.delete(id);
    }
    items.forEach(putOne);
  };
  sync(board.techs, 'tech', technicians, putTech);
  sync(board.jobs, 'job', jobs, putJob);
  sync(board.alerts, 'alert', alerts, putAlert);
  changed();
}

export const byPriority = { EMERGENCY: 0, HIGH: 1, NORMAL: 2, LOW: 3 };

/** Unassigned jobs: most urgent first, then the longest waiting. */
export function unassignedJobs() {
  return [...board.jobs.values()]
    .filter((j) => j.status === 'BOOKED')
    .sort((a, b) => byPriority[a.priority] - byPriority[b.priority] || a.bookedAt.localeCompare(b.bookedAt));
}

export function jobOf(tech) {
  return tech.currentJobId ? board.jobs.get(tech.currentJobId) ?? null : null;
}

/** When the job entered its current status. */
export function statusSince(job) {
  return { ASSIGNED: job.assignedAt, EN_ROUTE: job.travelStartedAt, ON_SITE: job.arrivedAt }[job.status] ?? job.bookedAt;
}
