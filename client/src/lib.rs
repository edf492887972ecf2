//! Hearth's browser app: a Yew single-page app compiled to WebAssembly.
//!
//! For now it shows the service header and a sign-in form that is not yet connected; the offline
//! client issue adds the sync engine, IndexedDB and the pages. The crate also builds for the host
//! (as an rlib) so that `cargo check --workspace` and native unit tests work; only `start` is
//! browser-only.

pub mod engine;
mod header;
pub mod pages;
mod sign_in;

use yew::prelude::*;

pub use header::Header;
pub use sign_in::SignIn;

/// The app's root component: the page frame every screen sits in.
#[function_component]
pub fn App() -> Html {
    html! {
        <>
            <Header />
            <div class="govuk-width-container">
                <main class="govuk-main-wrapper" id="main-content">
                    <SignIn />
                </main>
            </div>
        </>
    }
}

/// Entry point run by the generated JS glue (`init()` in `boot.js`) once the module has loaded.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    yew::Renderer::<App>::new().render();
}
