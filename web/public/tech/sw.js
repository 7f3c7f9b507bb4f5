// The app shell, cached so the app opens in a van with no signal. Shell files are served
// from the cache at once and refreshed behind; the API (/graphql, /auth) is never cached.

const CACHE = 'nextjob-tech-v1';
const SHELL = [
  './', 'index.html', 'app.css', 'manifest.webmanifest', 'icon.svg', 'icon-192.png',
  'config.json', 'contract.json',
  'js/main.js', 'js/auth.js', 'js/contract.js', 'js/socket.js', 'js/queue.js',
  'js/position.js', 'js/job.js', 'js/ui.js', 'js/asks.js', 'js/screens.js',
];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== location.origin) return;
  if (!url.pathname.startsWith('/tech/') || url.pathname.endsWith('/sw.js')) return;
  event.respondWith(
    caches.open(CACHE).then(async (cache) => {
      const cached = await cache.match(event.request, { ignoreSearch: true });
      const fresh = fetch(event.request)
        .then((response) => {
          if (response.ok) cache.put(event.request, response.clone());
          return response;
        })
        .catch(() => cached ?? Response.error());
      if (cached) {
        event.waitUntil(fresh.then(() => undefined));
        return cached;
      }
      return fresh;
    }),
  );
});

// A tap on the "new job" notification brings the app forward.
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(
    self.clients.matchAll({ type: 'window' }).then((windows) =>
      windows.length ? windows[0].focus() : self.clients.openWindow('./'),
    ),
  );
});
