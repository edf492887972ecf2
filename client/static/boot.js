// Starts the app and keeps it available offline. A separate file rather than an inline script
// because the server's Content-Security-Policy allows scripts only from 'self'.
import init from "./hearth_client.js";

registerServiceWorker();

try {
  // Fetches and instantiates the wasm, then runs the Rust `start` function (which mounts the app).
  await init({ module_or_path: new URL("hearth_client_bg.wasm", import.meta.url) });
} catch (error) {
  console.error("Hearth failed to start", error);
  showMessage(
    "Hearth could not start in this browser. Reload the page; if that does not help, " +
    "use an up-to-date Chrome, Edge, Firefox or Safari, or ask your IT service desk.",
  );
}

// Registers sw.js under this build's id (`sw.js?v=<buildId>`, from build.json). A new build has a
// new id, so the browser installs the new worker, which precaches the new files under a new cache
// name and removes the old one. Offline, build.json cannot be fetched and the installed worker
// carries on serving the cached app.
async function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  const hadController = Boolean(navigator.serviceWorker.controller);
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    // The first install is not an update; later ones are announced, not forced: reloading under
    // someone's typing is the service worker's decision to avoid.
    if (hadController) announceUpdate();
  });
  try {
    const response = await fetch("build.json", { cache: "no-store" });
    if (!response.ok) return;
    const build = await response.json();
    const id = encodeURIComponent(build.build_id ?? build.buildId ?? "dev");
    await navigator.serviceWorker.register(`sw.js?v=${id}`, { scope: "./" });
  } catch {
    // Offline or the server is down: the installed worker (if any) keeps serving the app.
  }
}

function announceUpdate() {
  if (document.getElementById("hearth-update")) return;
  const banner = document.createElement("div");
  banner.id = "hearth-update";
  banner.className = "govuk-notification-banner hearth-update";
  banner.setAttribute("role", "region");
  banner.setAttribute("aria-label", "Update");
  const content = document.createElement("div");
  content.className = "govuk-notification-banner__content";
  const text = document.createElement("p");
  text.className = "govuk-notification-banner__heading";
  text.textContent = "A new version of Hearth is ready. Your work is saved on this device. ";
  const reload = document.createElement("button");
  reload.type = "button";
  reload.className = "govuk-button govuk-!-margin-bottom-0";
  reload.textContent = "Use the new version";
  reload.addEventListener("click", () => location.reload());
  content.append(text, reload);
  banner.append(content);
  document.body.prepend(banner);
}

function showMessage(textContent) {
  const message = document.createElement("p");
  message.className = "hearth-boot-message";
  message.setAttribute("role", "alert");
  message.textContent = textContent;
  document.body.append(message);
}
