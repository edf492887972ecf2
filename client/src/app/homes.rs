//! The homes this user may see (from `/api/me`, cached on the device, refreshed when online).

use yew::prelude::*;

use super::use_app;
use crate::route::Route;

/// The homes list.
#[function_component]
pub fn Homes() -> Html {
    let app = use_app();
    let Some(me) = app.rt.me() else {
        return html! {};
    };
    let counts = match me.actor() {
        Some(actor) => app.rt.with_engine(|e| e.readable_rows(&actor)),
        None => Vec::new(),
    };
    html! {
        <>
            <h1 class="govuk-heading-l">{ "Homes" }</h1>
            if me.homes.is_empty() {
                <p class="govuk-body">{ "You have no homes assigned. Ask an administrator to assign you to a home." }</p>
            } else {
                <ul class="govuk-list hearth-home-list">
                    { for me.homes.iter().map(|home| {
                        let n = counts.iter().filter(|r| r.home_id.as_deref() == Some(&home.id)).count();
                        html! {
                            <li class="hearth-home-list__item">
                                <a class="govuk-link home-link hearth-link-target" data-home-id={home.id.clone()}
                                    href={Route::Home(home.id.clone()).href()}>
                                    { &home.name }
                                </a>
                                <span class="govuk-body-s hearth-secondary">
                                    { if n == 1 { " — 1 record".to_string() } else { format!(" — {n} records") } }
                                </span>
                            </li>
                        }
                    }) }
                </ul>
            }
        </>
    }
}
