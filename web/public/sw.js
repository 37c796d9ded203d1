// The service worker of the installed app: pages come from the network; when it is unreachable, the
// last app shell is shown (it tells the user it is offline on its first API call). The API is never
// cached: balances, statuses and personal data must always be fresh and never linger on a device.
const SHELL = 'smsgate-shell-v1';

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(SHELL)
      .then((cache) => cache.add('/index.html'))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== SHELL).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || request.mode !== 'navigate') return;
  event.respondWith(
    fetch(request).catch(() => caches.match('/index.html').then((shell) => shell ?? Response.error())),
  );
});
