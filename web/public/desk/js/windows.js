// The arrival windows with the room left in each, grouped by day; a full window can still
// be picked (the board is the dispatcher's job), it is only marked full.

import { dayLabel, windowLabel } from './format.js';

const QUERY = `query($days: Int, $skills: [String!], $kind: JobKind) {
  bookingWindows(days: $days, skills: $skills, kind: $kind) {
    start end capacityMinutes bookedMinutes roomMinutes roomCalls jobsBooked full
  }
}`;

export async function loadWindows(gql, { skills, kind, days = 5 }) {
  const data = await gql(QUERY, { days, skills, kind });
  return data.bookingWindows;
}

function roomText(w) {
  if (w.full) return 'Full: book only if promised';
  if (w.roomCalls === 0) return 'Less than one call of room';
  return `Room for ${w.roomCalls} call${w.roomCalls === 1 ? '' : 's'}`;
}

/** Render the windows as radio choices; keeps the chosen one if it is still offered. */
export function renderWindows(element, windows, chosen) {
  element.replaceChildren();
  let lastDay = null;
  let group = null;
  windows.forEach((w, i) => {
    const day = dayLabel(w.start);
    if (day !== lastDay) {
      group = document.createElement('div');
      group.className = 'window-day';
      const title = document.createElement('h3');
      title.textContent = day;
      group.append(title);
      element.append(group);
      lastDay = day;
    }
    const label = document.createElement('label');
    label.className = `window${w.full ? ' full' : ''}`;
    label.dataset.start = w.start;
    label.dataset.room = String(w.roomCalls);
    const input = document.createElement('input');
    input.type = 'radio';
    input.name = 'window';
    input.value = String(i);
    input.checked = chosen === w.start;
    const when = document.createElement('span');
    when.className = 'when';
    when.textContent = windowLabel(w.start, w.end);
    const room = document.createElement('span');
    room.className = 'room';
    room.textContent = roomText(w);
    const meter = document.createElement('span');
    meter.className = 'meter';
    const used = w.capacityMinutes > 0 ? Math.round((100 * w.bookedMinutes) / w.capacityMinutes) : 100;
    meter.style.setProperty('--used', `${Math.min(100, Math.max(0, used))}%`);
    label.append(input, when, room, meter);
    group.append(label);
  });
}
