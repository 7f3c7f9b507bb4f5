// Today's KPIs (the `kpis` query for today in the company's time zone), in the top bar.

import { h, $ } from './dom.js';
import { gql } from './api.js';
import { board, changed } from './store.js';
import { money, number1, percent, today } from './format.js';
import { KPIS } from './queries.js';

let timer = null;

export async function refreshKpis() {
  const [from, to] = today();
  try {
    const data = await gql(KPIS, { from: from.toISOString(), to: to.toISOString() });
    board.kpis = data.kpis;
    renderKpis(data.kpis);
    changed();
  } catch (error) {
    $('#kpis').replaceChildren(h('p', { class: 'muted' }, `KPIs unavailable: ${error.message}`));
  }
}

/** Several completions in a burst cost one reload. */
export function refreshKpisSoon() {
  clearTimeout(timer);
  timer = setTimeout(refreshKpis, 1500);
}

function renderKpis(k) {
  const utils = k.technicians.map((t) => t.utilization).filter((u) => u !== null);
  const fleet = utils.length ? utils.reduce((a, b) => a + b, 0) / utils.length : null;
  const overworked = k.technicians.filter((t) => t.overworked).length;
  const csrs = k.callsBookedPerCsr.map((c) => `${c.csr} ${c.calls}`).join(' · ') || 'none yet';
  const utilClass = overworked ? 'warn' : fleet !== null && fleet >= k.utilizationTarget ? 'good' : '';
  $('#kpis').replaceChildren(
    kpi('Revenue today', money(k.revenue), `${k.jobsCompleted} completed`),
    kpi('Avg per call', money(k.avgRevenuePerCall), 'completed calls'),
    kpi('Jobs per tech', number1(k.jobsPerTech), 'working techs'),
    kpi('Calls booked', String(k.jobsBooked), csrs, 'kpi-csr'),
    kpi('Billable utilization', percent(fleet), overworked ? `${overworked} above 95%: check` : `target ${percent(k.utilizationTarget)}`, utilClass),
    kpi('On-time arrival', percent(k.onTimeRate), 'within the window'),
    kpi('Drive share', percent(k.driveShare), 'of working time'));
}

function kpi(label, value, note, cls = '') {
  return h('div', { class: `kpi ${cls}`, role: 'group', 'aria-label': label },
    h('span', { class: 'kpi-label' }, label),
    h('span', { class: 'kpi-value' }, value),
    h('span', { class: 'kpi-note', title: note }, note));
}
