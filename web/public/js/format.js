// Formatting helpers: money, durations and clock times in the company's time zone.

let zone = 'America/Chicago';
export function setTimeZone(tz) {
  zone = tz;
}

const money0 = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });
export const money = (value) => (value === null || value === undefined ? '—' : money0.format(value));
export const percent = (ratio) => (ratio === null || ratio === undefined ? '—' : `${Math.round(ratio * 100)}%`);
export const number1 = (value) => (value === null || value === undefined ? '—' : value.toFixed(1));

export function clock(iso) {
  if (!iso) return '—';
  return new Intl.DateTimeFormat('en-US', { timeZone: zone, hour: '2-digit', minute: '2-digit', hour12: false })
    .format(new Date(iso));
}

/** "Mon, Nov 23" for a date that is not today, else "today". */
export function day(iso) {
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', month: 'short', day: 'numeric' });
  const date = fmt.format(new Date(iso));
  return date === fmt.format(new Date()) ? 'today' : date;
}

/** "1h 05m" / "12m" for a number of minutes. */
export function duration(minutes) {
  const m = Math.max(0, Math.round(minutes));
  return m >= 60 ? `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m` : `${m}m`;
}

export const minutesSince = (iso, now = Date.now()) => (now - new Date(iso).getTime()) / 60000;

export function arrival(win) {
  return `${clock(win.start)}–${clock(win.end)}`;
}

/** Milliseconds to add to UTC to get the wall clock in the company's zone at `date`. */
function zoneOffset(date) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    }).formatToParts(date).map((p) => [p.type, Number(p.value)]),
  );
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return wall - Math.floor(date.getTime() / 1000) * 1000;
}

/** [start, end) of today in the company's time zone, as Dates. */
export function today(now = new Date()) {
  const local = new Date(now.getTime() + zoneOffset(now));
  const midnightWall = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
  const start = new Date(midnightWall - zoneOffset(new Date(midnightWall)));
  const nextWall = midnightWall + 24 * 3600 * 1000;
  return [start, new Date(nextWall - zoneOffset(new Date(nextWall)))];
}

/** A datetime-local input value ("2026-05-14T14:00") in the company zone, and back. */
export function toLocalInput(date) {
  return new Date(date.getTime() + zoneOffset(date)).toISOString().slice(0, 16);
}
export function fromLocalInput(value) {
  const wall = new Date(`${value}:00Z`).getTime();
  return new Date(wall - zoneOffset(new Date(wall)));
}

export const initials = (name) => name.split(/\s+/).map((w) => w[0]).join('').slice(0, 2).toUpperCase();
export const titleCase = (enumValue) => enumValue.charAt(0) + enumValue.slice(1).toLowerCase().replaceAll('_', ' ');
