//! The service header shown on every page.

use yew::prelude::*;

/// GOV.UK-style header: a skip link for keyboard and screen-reader users, then the service name.
#[function_component]
pub fn Header() -> Html {
    html! {
        <>
            <a href="#main-content" class="govuk-skip-link">{ "Skip to main content" }</a>
            <header class="govuk-header" role="banner">
                <div class="govuk-header__container govuk-width-container">
                    <a href="/" class="govuk-header__link govuk-header__service-name">{ "Hearth" }</a>
                </div>
            </header>
        </>
    }
}
