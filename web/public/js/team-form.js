// The technician form on the Team page: skills as checkboxes, a weekly shift grid,
// read into a `TechnicianInput` and filled back from a technician for editing.

import { $, h } from './dom.js';

export const DAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'];
const DAY_NAMES = { MON: 'Mon', TUE: 'Tue', WED: 'Wed', THU: 'Thu', FRI: 'Fri', SAT: 'Sat', SUN: 'Sun' };
const WORKWEEK = new Set(['MON', 'TUE', 'WED', 'THU', 'FRI']);

/** Build the seven shift rows once: a day checkbox and its start and end times. */
export function buildShiftGrid() {
  const grid = $('#tech-shift');
  grid.replaceChildren(
    ...DAYS.flatMap((day) => [
      h('label', { class: 'day' },
        h('input', { type: 'checkbox', id: `day-${day}`, dataset: { day }, checked: WORKWEEK.has(day) }),
        DAY_NAMES[day]),
      h('input', { type: 'time', id: `start-${day}`, value: '08:00', 'aria-label': `${DAY_NAMES[day]} start` }),
      h('input', { type: 'time', id: `end-${day}`, value: '17:00', 'aria-label': `${DAY_NAMES[day]} end` }),
    ]),
  );
}

/** The catalogue's active skills as checkboxes (a tech's retired skills stay shown, checked). */
export function renderSkillChoices(skills, chosen = []) {
  const names = new Set([...skills.filter((s) => s.active).map((s) => s.name), ...chosen]);
  const labels = new Map(skills.map((s) => [s.name, s.label]));
  $('#tech-skills').replaceChildren(
    ...[...names].sort().map((name) =>
      h('label', {},
        h('input', { type: 'checkbox', name: 'skill', value: name, checked: chosen.includes(name) }),
        labels.get(name) ?? name)),
  );
}

/** The form as a `TechnicianInput`. */
export function readForm() {
  const shifts = DAYS.filter((day) => $(`#day-${day}`).checked).map((day) => ({
    day,
    start: $(`#start-${day}`).value,
    end: $(`#end-${day}`).value,
  }));
  return {
    name: $('#tech-name').value,
    phone: $('#tech-phone').value,
    skills: [...document.querySelectorAll('#tech-skills input:checked')].map((i) => i.value),
    weeklyShift: shifts,
    home: { lat: Number($('#tech-lat').value), lon: Number($('#tech-lon').value) },
  };
}

/** Fill the form from a technician (or clear it for a new one, at `home`). */
export function fillForm(tech, skills, home) {
  $('#tech-name').value = tech?.name ?? '';
  $('#tech-phone').value = tech?.phone ?? '';
  renderSkillChoices(skills, tech?.skills ?? []);
  const pattern = new Map((tech?.weeklyShift ?? []).map((s) => [s.day, s]));
  for (const day of DAYS) {
    const shift = pattern.get(day);
    $(`#day-${day}`).checked = tech ? Boolean(shift) : WORKWEEK.has(day);
    $(`#start-${day}`).value = shift?.start ?? tech?.shiftStart ?? '08:00';
    $(`#end-${day}`).value = shift?.end ?? tech?.shiftEnd ?? '17:00';
  }
  const at = tech?.home ?? home;
  $('#tech-lat').value = at ? at.lat.toFixed(5) : '';
  $('#tech-lon').value = at ? at.lon.toFixed(5) : '';
}

/** "Mon–Fri 08:00–17:00, Sat 09:00–13:00": days with the same hours run together. */
export function shiftSummary(tech) {
  const days = tech.weeklyShift ?? [];
  if (!days.length) return `${tech.shiftStart}–${tech.shiftEnd} (no weekly pattern)`;
  const groups = [];
  for (const s of days) {
    const last = groups.at(-1);
    const hours = `${s.start}–${s.end}`;
    const next = last && DAYS.indexOf(s.day) === DAYS.indexOf(last.to) + 1;
    if (last && next && last.hours === hours) last.to = s.day;
    else groups.push({ from: s.day, to: s.day, hours });
  }
  return groups
    .map((g) => `${DAY_NAMES[g.from]}${g.to !== g.from ? `–${DAY_NAMES[g.to]}` : ''} ${g.hours}`)
    .join(', ');
}
