//! Hearth's browser app. The offline client issue fills this in; for now it shows who it is.

use wasm_bindgen::prelude::*;
use yew::prelude::*;

/// The app's root component.
#[function_component(App)]
fn app() -> Html {
    html! { <main class="govuk-main-wrapper"><h1 class="govuk-heading-l">{ "Hearth" }</h1></main> }
}

/// Entry point called by the generated JS glue once the wasm module has loaded.
#[wasm_bindgen(start)]
pub fn start() {
    yew::Renderer::<App>::new().render();
}
