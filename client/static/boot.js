// Loads the wasm-bindgen glue and starts the app. A separate file rather than an inline script
// because the server's Content-Security-Policy allows scripts only from 'self'.
import init from "./hearth_client.js";

try {
  // Fetches and instantiates the wasm, then runs the Rust `start` function (which mounts the app).
  await init({ module_or_path: new URL("hearth_client_bg.wasm", import.meta.url) });
} catch (error) {
  console.error("Hearth failed to start", error);
  const message = document.createElement("p");
  message.className = "hearth-boot-message";
  message.setAttribute("role", "alert");
  message.textContent =
    "Hearth could not start in this browser. Reload the page; if that does not help, " +
    "use an up-to-date Chrome, Edge, Firefox or Safari, or ask your IT service desk.";
  document.body.append(message);
}
