// The van's position while it drives to a job: watchPosition, reported at most once per
// ~100 m moved or ~15 s, and stopped on arrival or off duty, to spare the battery.

const MIN_METRES = 100;
const MIN_MS = 15_000;

function metres(a, b) {
  const rad = Math.PI / 180;
  const h = Math.sin(((b.lat - a.lat) * rad) / 2) ** 2
    + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(((b.lon - a.lon) * rad) / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.sqrt(h));
}

/** report(lat, lon) is called for the fixes worth sending; start() and stop() are idempotent. */
export function positionReporter(report) {
  let watch = null;
  let last = null; // { lat, lon, at } of the last report

  function onFix(position) {
    const fix = { lat: position.coords.latitude, lon: position.coords.longitude, at: Date.now() };
    const due = !last || metres(last, fix) >= MIN_METRES || (fix.at - last.at >= MIN_MS && metres(last, fix) > 1);
    if (!due || !navigator.onLine) return;
    last = fix;
    report(fix.lat, fix.lon);
  }

  return {
    get active() {
      return watch !== null;
    },
    start() {
      if (watch !== null || !('geolocation' in navigator)) return;
      watch = navigator.geolocation.watchPosition(onFix, () => undefined, {
        enableHighAccuracy: true,
        maximumAge: 10_000,
      });
    },
    stop() {
      if (watch === null) return;
      navigator.geolocation.clearWatch(watch);
      watch = null;
      last = null;
    },
  };
}
