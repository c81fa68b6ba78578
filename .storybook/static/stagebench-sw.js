/*
 * The workbench's service worker: coi-serviceworker (npm, served beside this file, unchanged) adds
 * COOP/COEP to every response of its scope, so a static host that sends none still gives a
 * cross-origin isolated page. One addition: a page opened with the opt-out in its URL
 * (`?coi=0`, `off`, `false` or `no`) is passed through as the server sent it, so the opt-out works
 * at once, while the worker is still registered, without waiting on unregister() (which a browser
 * may hold back behind its other service-worker jobs for tens of seconds).
 */
const OFF_VALUES = new Set(['0', 'off', 'false', 'no']);

function optedOut(request) {
  if (request.mode !== 'navigate') return false;
  const value = new URL(request.url).searchParams.get('coi');
  return value !== null && OFF_VALUES.has(value.trim().toLowerCase());
}

// registered before the library's listener: an opted-out navigation goes to the network untouched
self.addEventListener('fetch', (event) => {
  if (!optedOut(event.request)) return;
  event.stopImmediatePropagation();
  event.respondWith(fetch(event.request));
});

importScripts('./coi-serviceworker.js');
