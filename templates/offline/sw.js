// backcare's service worker: keeps the pages a person needs most for when there is no
// signal. Served by backcare.offline.views.service_worker, which fills in CONFIG.
// See docs/offline.md. No eval, no imports: it runs under the site's strict CSP.
"use strict";

const CONFIG = {{ config|safe }};
const CACHE = "backcare-" + CONFIG.version;
// With a weak signal, a kept copy is shown after this long; the fresh one still replaces it.
const NETWORK_WAIT_MS = 4000;
// Set by the server on public pages answered to a request without a session, and on
// nothing else: only such a page may be kept. Its value is the content version.
const KEEPABLE = "X-Content-Version";

self.addEventListener("install", (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      // A new version replaces the old copies entirely: nothing re-published stays behind.
      for (const name of await caches.keys()) {
        if (name.startsWith("backcare-") && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const navigation = request.mode === "navigate";
  if (CONFIG.never.some((prefix) => url.pathname.startsWith(prefix))) {
    // Never stored. With no signal, the offline page (which holds nothing of them).
    if (navigation) event.respondWith(fetch(request).catch(offlinePage));
    return;
  }
  if (url.pathname.startsWith(CONFIG.static)) {
    event.respondWith(fromCacheFirst(request));
  } else if (navigation || (kept(url) && !request.headers.has("HX-Request"))) {
    event.respondWith(fromNetworkFirst(event, url, navigation));
  }
  // Anything else (htmx's requests, searches) goes to the network as if we were not here.
});

// With the phone's data saver on, only the offline page, "My plan" and the files they
// use are fetched ahead; other pages are still kept as they are read.
function toFetchAhead() {
  if (!(self.navigator.connection && self.navigator.connection.saveData)) return CONFIG.precache;
  return CONFIG.precache.filter(
    (path) => path.startsWith(CONFIG.static) || path === CONFIG.offline || path === CONFIG.plan,
  );
}

async function precache() {
  const cache = await caches.open(CACHE);
  const paths = toFetchAhead();
  const results = await Promise.allSettled(
    paths.map(async (path) => {
      // Pages: fresh, and with no cookies, so what is kept is what anyone would get, with no
      // session behind it. Static files: their names change with their content, so the
      // copies the page has just loaded will do.
      const options = path.startsWith(CONFIG.static)
        ? {}
        : { credentials: "omit", cache: "reload" };
      const response = await fetch(path, options);
      if (!keepable(new URL(response.url), response)) throw new Error("not keepable: " + path);
      await cache.put(path, response);
    }),
  );
  // The offline page is the one thing that must be there; the rest is kept as it comes.
  if (results[paths.indexOf(CONFIG.offline)].status === "rejected") {
    throw new Error("the offline page could not be stored");
  }
}

function kept(url) {
  return url.search === "" && CONFIG.precache.includes(url.pathname);
}

function keepable(url, response) {
  if (!response.ok || response.type !== "basic" || response.redirected) return false;
  if (url.origin !== self.location.origin || url.search !== "") return false;
  if (CONFIG.never.some((prefix) => url.pathname.startsWith(prefix))) return false;
  const control = response.headers.get("Cache-Control") || "";
  const vary = response.headers.get("Vary") || "";
  if (/no-store|private/i.test(control) || /cookie|\*/i.test(vary)) return false;
  return url.pathname.startsWith(CONFIG.static) || response.headers.has(KEEPABLE);
}

async function fromCacheFirst(request) {
  const cached = await caches.match(request, { ignoreVary: true });
  return cached || fetch(request);
}

async function fromNetworkFirst(event, url, navigation) {
  const cache = await caches.open(CACHE);
  const network = fetch(event.request).then((response) => {
    if (keepable(url, response)) {
      event.waitUntil(cache.put(url.href, response.clone()));
      checkVersion(response);
    }
    return response;
  });
  network.catch(() => {}); // when the kept copy was shown, a late failure is no news
  const cached = await cache.match(url.href, { ignoreVary: true });
  try {
    if (!cached) return await network;
    return await Promise.race([network, wait(NETWORK_WAIT_MS).then(() => cached)]);
  } catch {
    if (cached) return cached;
    if (navigation) return offlinePage();
    return Response.error();
  }
}

// A page from a newer publish than this worker knows: fetch the new worker, which
// stores every page afresh. Once is enough; the browser does the rest.
let updating = false;
function checkVersion(response) {
  const version = response.headers.get(KEEPABLE);
  if (!updating && version && version !== CONFIG.content) {
    updating = true;
    self.registration.update().catch(() => {
      updating = false;
    });
  }
}

async function offlinePage() {
  const page = await caches.match(CONFIG.offline, { ignoreVary: true });
  return (
    page ||
    new Response("You are offline. " + CONFIG.call + " if it is an emergency.", {
      status: 503,
      headers: { "Content-Type": "text/plain; charset=utf-8" },
    })
  );
}

function wait(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
