//! `#/overview`: the officers' overview (officers; managers for their homes; participation
//! workers for the consultations). Online only: the figures are the server's, computed from
//! every record the user may see, not only those on this device. The pure part (who sees
//! which parts, tags and words) is [`crate::overview`].

use hearth_shared::dates::long_date;
use hearth_shared::ids::DocumentId;
use hearth_shared::reporting::{ConsultationOverview, HomeOverview, OfficersOverview, VisitStatus};
use yew::prelude::*;

use super::use_app;
use crate::overview::{
    Parts, open_recommendations, parts, recommendation_rows, state_label, visit_tag,
    visits_headline,
};
use crate::platform::api::{self, ApiError};
use crate::route::Route;

/// The overview as far as the page has it.
#[derive(Clone, PartialEq)]
enum Load {
    Loading,
    Loaded(OfficersOverview),
    /// No connection: the retry is what helps.
    Offline,
    /// The server refused (its message).
    Failed(String),
}

/// `#/overview`.
#[function_component]
pub fn Overview() -> Html {
    let app = use_app();
    let load = use_state(|| Load::Loading);
    let reload = use_state(|| 0u32);
    let me = app.rt.me();
    let suppress_below = me
        .as_ref()
        .map_or(hearth_shared::reporting::DEFAULT_SUPPRESS_BELOW, |m| {
            m.suppress_below
        });
    let shown = me.and_then(|m| m.actor()).and_then(|a| parts(a.role));
    let online = app.rt.with_engine(|e| e.is_connected());
    {
        let load = load.clone();
        let wanted = shown.is_some();
        // Asked again when the connection comes back; losing it keeps what was shown.
        use_effect_with((*reload, online), move |(_, online)| {
            if wanted && (*online || !matches!(*load, Load::Loaded(_))) {
                load.set(Load::Loading);
                wasm_bindgen_futures::spawn_local(async move {
                    load.set(match api::overview().await {
                        Ok(overview) => Load::Loaded(overview),
                        Err(ApiError::Offline) => Load::Offline,
                        Err(e) => Load::Failed(e.to_string()),
                    });
                });
            }
        });
    }
    let Some(shown) = shown else {
        return html! {
            <>
                <h1 class="govuk-heading-l">{ "Page not found" }</h1>
                <p class="govuk-body">{ "The overview is for officers, home managers and participation workers." }</p>
                <p class="govuk-body"><a class="govuk-link" href="#/">{ "Go to your homes" }</a></p>
            </>
        };
    };
    let retry = {
        let reload = reload.clone();
        Callback::from(move |_: MouseEvent| reload.set(*reload + 1))
    };
    let body = match &*load {
        Load::Loading => html! { <p class="govuk-body" role="status">{ "Loading…" }</p> },
        Load::Offline => html! {
            <div class="govuk-inset-text" id="overview-offline">
                <p class="govuk-body">{ "You need a connection to see the overview." }</p>
                <button type="button" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0"
                    id="overview-retry" onclick={retry}>{ "Try again" }</button>
            </div>
        },
        Load::Failed(message) => html! {
            <div class="govuk-error-summary" data-module="govuk-error-summary" id="overview-error">
                <div role="alert">
                    <h2 class="govuk-error-summary__title">{ "There is a problem" }</h2>
                    <div class="govuk-error-summary__body">
                        <p class="govuk-body">{ message.clone() }</p>
                        <button type="button" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0"
                            id="overview-retry" onclick={retry}>{ "Try again" }</button>
                    </div>
                </div>
            </div>
        },
        Load::Loaded(overview) => loaded(overview, shown, suppress_below),
    };
    html! {
        <>
            <h1 class="govuk-heading-l">{ "Overview" }</h1>
            { body }
        </>
    }
}

/// The overview's sections for what the server sent.
fn loaded(overview: &OfficersOverview, shown: Parts, suppress_below: u32) -> Html {
    html! {
        <div id="overview" data-today={overview.today.clone()}>
            <p class="govuk-body-l">{ format!("As of {}.", long_date(&overview.today)) }</p>
            if shown.homes {
                { homes(&overview.homes) }
            }
            if shown.consultations {
                { consultations(&overview.consultations, suppress_below) }
            }
        </div>
    }
}

/// "Homes": one table row per home.
fn homes(homes: &[HomeOverview]) -> Html {
    html! {
        <section aria-labelledby="overview-homes-heading">
            <h2 class="govuk-heading-m" id="overview-homes-heading">{ "Homes" }</h2>
            if homes.is_empty() {
                <p class="govuk-body" id="overview-homes" data-count="0">{ "You have no homes to oversee." }</p>
            } else {
                <p class="govuk-body" id="overview-visits-headline">{ visits_headline(homes) }</p>
                <table class="govuk-table govuk-table--small-text-until-tablet" id="overview-homes"
                    data-count={homes.len().to_string()}>
                    <caption class="govuk-table__caption govuk-visually-hidden">
                        { "Regulation 33 visits, records and recommendations per home" }
                    </caption>
                    <thead class="govuk-table__head">
                        <tr class="govuk-table__row">
                            <th scope="col" class="govuk-table__header">{ "Home" }</th>
                            <th scope="col" class="govuk-table__header">{ "Last visit" }</th>
                            <th scope="col" class="govuk-table__header">{ "This month's visit" }</th>
                            <th scope="col" class="govuk-table__header">{ "Regulation 33 records" }</th>
                            <th scope="col" class="govuk-table__header">{ "Open recommendations" }</th>
                            <th scope="col" class="govuk-table__header govuk-table__header--numeric">{ "Manager responses outstanding" }</th>
                        </tr>
                    </thead>
                    <tbody class="govuk-table__body">
                        { for homes.iter().map(home_row) }
                    </tbody>
                </table>
            }
        </section>
    }
}

/// One home's row.
fn home_row(home: &HomeOverview) -> Html {
    let (tag, colour) = visit_tag(home.this_month);
    let last_visit = match (&home.last_visit, &home.last_visit_id) {
        (Some(date), Some(id)) => match id.parse::<DocumentId>() {
            Ok(doc) => html! {
                <a class="govuk-link" href={Route::Record(doc).href()} data-date={date.clone()}>
                    { long_date(date) }<span class="govuk-visually-hidden">{ format!(", {}", home.home_name) }</span>
                </a>
            },
            Err(_) => html! { { long_date(date) } },
        },
        (Some(date), None) => html! { { long_date(date) } },
        (None, _) => {
            html! { <span class="govuk-hint govuk-!-margin-0">{ "No visit recorded" }</span> }
        }
    };
    let records: Vec<_> = home
        .records_by_state
        .iter()
        .filter(|s| s.count > 0)
        .collect();
    let ages = &home.open_recommendations;
    let open = open_recommendations(ages);
    html! {
        <tr class="govuk-table__row" id={format!("overview-home-{}", home.home_id)}
            data-visit={tag.to_lowercase()}>
            <th scope="row" class="govuk-table__header">{ home.home_name.clone() }</th>
            <td class="govuk-table__cell overview-last-visit">{ last_visit }</td>
            <td class="govuk-table__cell overview-this-month">
                <strong class={classes!("govuk-tag", colour)}>{ tag }</strong>
                if home.this_month != VisitStatus::Done {
                    <br /><span class="govuk-body-s" data-due-by={home.due_by.clone()}>
                        { format!("due by {}", long_date(&home.due_by)) }
                    </span>
                }
            </td>
            <td class="govuk-table__cell overview-records">
                if records.is_empty() {
                    { "None" }
                } else {
                    <ul class="govuk-list govuk-!-margin-0">
                        { for records.iter().map(|s| html! {
                            <li data-state={s.state.clone()} data-count={s.count.to_string()}>
                                { format!("{}: {}", state_label(&s.state), s.count) }
                            </li>
                        }) }
                    </ul>
                }
            </td>
            <td class="govuk-table__cell overview-recommendations" data-open={open.to_string()}>
                if open == 0 {
                    { "None open" }
                } else {
                    <ul class="govuk-list govuk-!-margin-0">
                        { for recommendation_rows(ages).into_iter().filter(|(_, _, n)| *n > 0).map(|(label, key, n)| html! {
                            <li data-age={key} data-count={n.to_string()}>
                                if key == "past-timescale" {
                                    <strong>{ format!("{label}: {n}") }</strong>
                                } else {
                                    { format!("{label}: {n}") }
                                }
                            </li>
                        }) }
                    </ul>
                }
            </td>
            <td class="govuk-table__cell govuk-table__cell--numeric overview-responses-outstanding">
                { home.responses_outstanding }
            </td>
        </tr>
    }
}

/// "Consultations running": responses so far and "talk to someone" requests awaiting a
/// follow-up, with the way to the results where those are recorded.
fn consultations(list: &[ConsultationOverview], suppress_below: u32) -> Html {
    html! {
        <section aria-labelledby="overview-consultations-heading">
            <h2 class="govuk-heading-m" id="overview-consultations-heading">{ "Consultations running" }</h2>
            if list.is_empty() {
                <p class="govuk-body" id="overview-consultations" data-count="0">{ "No consultations are running." }</p>
            } else {
                <table class="govuk-table" id="overview-consultations" data-count={list.len().to_string()}>
                    <caption class="govuk-table__caption govuk-visually-hidden">
                        { "Consultations running, their responses and follow-ups" }
                    </caption>
                    <thead class="govuk-table__head">
                        <tr class="govuk-table__row">
                            <th scope="col" class="govuk-table__header">{ "Consultation" }</th>
                            <th scope="col" class="govuk-table__header">{ "Round" }</th>
                            <th scope="col" class="govuk-table__header">{ "State" }</th>
                            <th scope="col" class="govuk-table__header govuk-table__header--numeric">{ "Responses" }</th>
                            <th scope="col" class="govuk-table__header">{ "Awaiting follow-up" }</th>
                        </tr>
                    </thead>
                    <tbody class="govuk-table__body">
                        { for list.iter().map(|c| consultation_row(c, suppress_below)) }
                    </tbody>
                </table>
            }
        </section>
    }
}

/// One consultation's row.
fn consultation_row(c: &ConsultationOverview, suppress_below: u32) -> Html {
    let results =
        c.id.parse::<DocumentId>()
            .ok()
            .map(|doc| Route::ConsultationResults(doc).href());
    let follow_up = match (c.awaiting_follow_up, results) {
        (0, _) => html! { { "None" } },
        (n, Some(href)) => html! {
            <a class="govuk-link" {href}>
                { format!("{n} awaiting follow-up") }
                <span class="govuk-visually-hidden">{ format!(": {}", c.title) }</span>
            </a>
        },
        (n, None) => html! { { format!("{n} awaiting follow-up") } },
    };
    html! {
        <tr class="govuk-table__row" id={format!("overview-consultation-{}", c.id)}>
            <th scope="row" class="govuk-table__header">{ c.title.clone() }</th>
            <td class="govuk-table__cell">{ c.round_label.clone().unwrap_or_default() }</td>
            <td class="govuk-table__cell">{ state_label(&c.state) }</td>
            <td class="govuk-table__cell govuk-table__cell--numeric overview-responses"
                data-suppressed={c.responses.is_suppressed().to_string()}>
                { c.responses.text(suppress_below) }
            </td>
            <td class="govuk-table__cell overview-follow-up" data-count={c.awaiting_follow_up.to_string()}>
                { follow_up }
            </td>
        </tr>
    }
}
