// Times in the company's time zone, as a CSR says them on the phone: "Thu, Dec 3", "8 AM–12 PM".

let zone = 'America/Chicago';
export function setTimeZone(tz) {
  zone = tz;
}

const dayFmt = () => new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', month: 'short', day: 'numeric' });

export function dayLabel(iso) {
  const fmt = dayFmt();
  const date = fmt.format(new Date(iso));
  const today = fmt.format(new Date());
  const tomorrow = fmt.format(new Date(Date.now() + 24 * 3600 * 1000));
  if (date === today) return `Today, ${date}`;
  if (date === tomorrow) return `Tomorrow, ${date}`;
  return date;
}

function hour(iso) {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hour: 'numeric', minute: '2-digit', hour12: true })
    .formatToParts(new Date(iso));
  const get = (type) => parts.find((p) => p.type === type)?.value ?? '';
  const minutes = get('minute') === '00' ? '' : `:${get('minute')}`;
  return `${get('hour')}${minutes} ${get('dayPeriod')}`;
}

export const windowLabel = (start, end) => `${hour(start)}–${hour(end)}`;

export function clock(date = new Date()) {
  return new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', hour: 'numeric', minute: '2-digit' }).format(date);
}

const money0 = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });
export const money = (value) => money0.format(value ?? 0);
export const titleCase = (enumValue) => enumValue.charAt(0) + enumValue.slice(1).toLowerCase().replaceAll('_', ' ');

