//! Hearth's browser app: a Yew single-page app compiled to WebAssembly that works offline.
//!
//! - [`engine`]: the sync engine, a plain type with no IO (unit-tested natively).
//! - [`index`]: the metadata index entries the lists start from, pure.
//! - `platform` (wasm32): IndexedDB, HTTP, the WebSocket, timers and WebCrypto that drive the
//!   engine; natively only its pure `vault` formats build (for their tests).
//! - `app` (wasm32): the shell, routing and pages that use the platform through a context.
//! - [`pages`]: record editors as pure views of typed records (no IO).
//! - [`route`], [`session`]: hash routes and the signed-in user, pure.
//! - [`kiosk_lock`]: kiosk mode's PIN (a salted hash) and wrong-PIN pause, pure.
//! - [`devices`]: devices (sessions) and tablet set-up codes as the API gives them, pure.
//! - [`admin`]: the administration screens' replies, labels, queries and pagination, pure.
//! - [`overview`]: the officers' overview's parts per role, tags and words, pure.

pub mod admin;
#[cfg(target_arch = "wasm32")]
mod app;
pub mod devices;
pub mod engine;
pub mod index;
pub mod kiosk_lock;
pub mod overview;
pub mod pages;
mod platform;
pub mod route;
pub mod session;

/// Entry point run by the generated JS glue (`init()` in `boot.js`) once the module has loaded:
/// opens local storage, restores the signed-in user and their records, then mounts the app.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    wasm_bindgen_futures::spawn_local(async {
        match platform::Runtime::boot().await {
            Ok(rt) => {
                yew::Renderer::<app::App>::with_props(app::AppProps { rt }).render();
            }
            Err(e) => show_boot_failure(&e.to_string()),
        }
    });
}

/// Without local storage nothing typed would be safe, so the app does not start; it says why.
#[cfg(target_arch = "wasm32")]
fn show_boot_failure(reason: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let (Ok(p), Some(body)) = (document.create_element("p"), document.body()) {
        p.set_class_name("hearth-boot-message");
        let _ = p.set_attribute("role", "alert");
        p.set_text_content(Some(&format!(
            "Hearth cannot store records on this device, so it has not started ({reason}). \
             Private browsing blocks storage: open Hearth in a normal window, or ask your IT \
             service desk."
        )));
        let _ = body.append_child(&p);
    }
}
