// Hearth's service worker: keeps the app shell (HTML, JS, wasm, CSS, fonts, images) so the app
// starts with no network after one online visit. Records never pass through here: /api/ and
// /sync always go to the network, and the records themselves live in IndexedDB.
//
// Versioned by the build id in the registration URL (`sw.js?v=<buildId>`, see boot.js): each
// build gets its own cache, installed in full before it takes over, and older caches are deleted.

const VERSION = new URL(self.location.href).searchParams.get("v") || "dev";
const PREFIX = "hearth-shell-";
const CACHE = PREFIX + VERSION;
// Always cached, whatever build.json lists.
const CORE = ["./", "index.html", "boot.js", "hearth_client.js", "hearth_client_bg.wasm"];

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    let listed = [];
    try {
      // xtask writes every shipped file into build.json (`files`).
      const response = await fetch("build.json", { cache: "no-store" });
      listed = (await response.json()).files ?? [];
    } catch {
      // Fall back to the core files; anything else is cached the first time it is used.
    }
    const files = [...new Set([...CORE, ...listed])].filter((f) => !f.startsWith("sw.js"));
    // `reload` skips the HTTP cache, so a new build never precaches an old file.
    await cache.addAll(files.map((f) => new Request(f, { cache: "reload" })));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(
      names.filter((n) => n.startsWith(PREFIX) && n !== CACHE).map((n) => caches.delete(n)),
    );
    await self.clients.claim();
  })());
});

function networkOnly(url) {
  const path = url.pathname;
  return path.startsWith("/api/") || path === "/sync" || path === "/healthz" ||
    path.endsWith("/build.json") || path.endsWith("/sw.js");
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || networkOnly(url)) return;
  if (request.mode === "navigate") {
    // Every screen is a hash route of the one page.
    event.respondWith(fromCache("index.html", request));
    return;
  }
  event.respondWith(fromCache(request, request));
});

// Cache first; on a miss, the network, keeping a copy of same-origin successes.
async function fromCache(key, request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(key);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok && response.type === "basic") {
    await cache.put(request, response.clone());
  }
  return response;
}
