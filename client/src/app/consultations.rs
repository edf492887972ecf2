//! Consultations: the list (`#/consultations`), one consultation hosting the builder
//! (`#/consultations/<id>`, read-only unless the user may write it) and its results
//! (`#/consultations/<id>/results`, participation workers and officers).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use automerge::ChangeHash;
use gloo_timers::callback::Interval;
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{
    Consultation, ConsultationResponse, DocMeta, Record, RecordKind, WorkflowState,
};
use hearth_shared::permissions::{Actor, Role, access, may_create};
use yew::prelude::*;

use super::records::state_tag;
use super::typed_record::{self, LocalSaveIndicator, ReadCache};
use super::{navigate, now_ms, use_app};
use crate::pages::consultation::{ConsultationBuilder, ResultsView};
use crate::route::Route;

/// How often the results page asks the server for new responses while it is open and online.
const RESULTS_REFRESH_MS: u32 = 15_000;

/// Whether this user's menu offers "Consultations": those who may read some consultation
/// (a young person's tablet reaches them from its home page instead).
pub fn shows_consultations(actor: &Actor) -> bool {
    actor.role != Role::YoungPerson && access(actor, &sample(actor)).can_read()
}

/// Whether this user sees consultations' results (they may read responses).
pub fn sees_results(actor: &Actor) -> bool {
    matches!(actor.role, Role::ParticipationWorker | Role::Officer)
}

/// An open consultation by someone else: what "may read consultations" is judged on.
fn sample(actor: &Actor) -> DocMeta {
    DocMeta {
        kind: RecordKind::Consultation,
        home_id: None,
        created_by: format!("not-{}", actor.user_id),
        state: WorkflowState::Open,
        title: String::new(),
        consultation_id: None,
    }
}

/// `#/consultations`.
#[function_component]
pub fn ConsultationList() -> Html {
    let app = use_app();
    let error = use_state(|| None::<String>);
    let Some(me) = app.rt.me() else {
        return html! {};
    };
    let Some(actor) = me.actor() else {
        return html! {};
    };
    let mut rows = app.rt.with_engine(|e| e.readable_rows(&actor));
    rows.retain(|r| r.kind == Some(RecordKind::Consultation));
    rows.sort_by(|a, b| a.title.cmp(&b.title).then(a.id.cmp(&b.id)));
    let can_create = may_create(
        &actor,
        &DocMeta {
            created_by: actor.user_id.clone(),
            state: WorkflowState::Draft,
            ..sample(&actor)
        },
    );
    let on_new = {
        let (rt, user, error) = (app.rt.clone(), me.user.id.clone(), error.clone());
        Callback::from(move |_: MouseEvent| {
            let record = Record::Consultation(Consultation::new(&user, "", now_ms()));
            match rt.create(&record) {
                Ok(id) => navigate(&Route::Consultation(id)),
                Err(e) => error.set(Some(e.to_string())),
            }
        })
    };
    let results = sees_results(&actor);
    html! {
        <>
            <h1 class="govuk-heading-l">{ "Consultations" }</h1>
            if let Some(message) = &*error {
                <p class="govuk-error-message" role="alert">{ message.clone() }</p>
            }
            if can_create {
                <button id="new-consultation" type="button" class="govuk-button" onclick={on_new}>
                    { "New consultation" }
                </button>
            }
            if rows.is_empty() {
                <p class="govuk-body">{ "There are no consultations you can see yet." }</p>
            } else {
                <table class="govuk-table">
                    <caption class="govuk-table__caption govuk-visually-hidden">{ "Consultations" }</caption>
                    <thead class="govuk-table__head">
                        <tr class="govuk-table__row">
                            <th scope="col" class="govuk-table__header">{ "Consultation" }</th>
                            <th scope="col" class="govuk-table__header">{ "Status" }</th>
                            if results {
                                <th scope="col" class="govuk-table__header">{ "Results" }</th>
                            }
                        </tr>
                    </thead>
                    <tbody class="govuk-table__body">
                        { for rows.iter().map(|r| {
                            let (label, colour) = state_tag(r.state);
                            let title = if r.title.trim().is_empty() { "Untitled consultation".to_string() } else { r.title.clone() };
                            html! {
                                <tr class="govuk-table__row consultation-row" data-document-id={r.id.to_string()}
                                    data-state={r.state.map_or("unknown", WorkflowState::as_str)}>
                                    <td class="govuk-table__cell">
                                        <a class="govuk-link hearth-link-target" href={Route::Consultation(r.id).href()}>{ title.clone() }</a>
                                    </td>
                                    <td class="govuk-table__cell">
                                        <strong class={classes!("govuk-tag", colour)}>{ label }</strong>
                                        if r.waiting {
                                            { " " }<strong class="govuk-tag govuk-tag--yellow">{ "Not sent yet" }</strong>
                                        } else if !r.local {
                                            { " " }<strong class="govuk-tag govuk-tag--light-blue">{ "Downloading" }</strong>
                                        }
                                    </td>
                                    if results {
                                        <td class="govuk-table__cell">
                                            if r.state != Some(WorkflowState::Draft) {
                                                <a class="govuk-link hearth-link-target results-link"
                                                    href={Route::ConsultationResults(r.id).href()}>
                                                    { "Results" }<span class="govuk-visually-hidden">{ format!(" for {title}") }</span>
                                                </a>
                                            }
                                        </td>
                                    }
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
            }
        </>
    }
}

/// Properties of the consultation pages.
#[derive(Properties, PartialEq)]
pub struct ConsultationProps {
    /// The consultation's document.
    pub id: DocumentId,
}

/// What to show when the consultation is not on this device.
fn not_here(app: &super::AppContext, id: DocumentId) -> Html {
    let connected = app.rt.with_engine(|e| e.is_connected());
    let listed = app
        .rt
        .with_engine(|e| e.rows().into_iter().any(|r| r.id == id));
    html! {
        <>
            <a href={Route::Consultations.href()} class="govuk-back-link">{ "All consultations" }</a>
            if listed {
                <h1 class="govuk-heading-l">{ "Consultation" }</h1>
                <p class="govuk-body">
                    if connected {
                        { "Downloading this consultation from the server…" }
                    } else {
                        { "This consultation is not on this device yet. Connect to the internet to download it." }
                    }
                </p>
            } else {
                <h1 class="govuk-heading-l">{ "Consultation not found" }</h1>
                <p class="govuk-body">{ "This consultation is not on this device, or you do not have access to it." }</p>
            }
        </>
    }
}

/// `#/consultations/<id>`: the builder (which is read-only for those who may not write).
#[function_component]
pub fn ConsultationPage(props: &ConsultationProps) -> Html {
    let app = use_app();
    let cache: ReadCache<Consultation> = use_mut_ref(|| None);
    let error = use_state(|| None::<String>);
    let id = props.id;
    let rt = app.rt.clone();
    let Some(actor) = rt.me().and_then(|m| m.actor()) else {
        return html! {};
    };
    let Some(record) = typed_record::read(&rt, &cache, id, |r| match r {
        Record::Consultation(c) => Some(c),
        _ => None,
    }) else {
        return not_here(&app, id);
    };
    let on_change = typed_record::write_callback(
        rt.clone(),
        error.clone(),
        actor.clone(),
        id,
        Record::Consultation,
    );
    let show_results = sees_results(&actor) && record.state != WorkflowState::Draft;
    // A tablet runs only an open consultation, and only its worker sets one up.
    let tablets = actor.role == Role::ParticipationWorker && record.state == WorkflowState::Open;
    html! {
        <>
            <a href={Route::Consultations.href()} class="govuk-back-link">{ "All consultations" }</a>
            <LocalSaveIndicator id={id} />
            if let Some(message) = &*error {
                <p class="govuk-error-message" role="alert">{ message.clone() }</p>
            }
            if show_results {
                <p class="govuk-body">
                    <a class="govuk-link" id="consultation-results-link" href={Route::ConsultationResults(id).href()}>
                        { "See the results" }
                    </a>
                </p>
            }
            if tablets {
                <a class="govuk-button govuk-button--secondary" id="set-up-a-tablet" role="button"
                    draggable="false" href={Route::ConsultationTablet(id).href()}>
                    { "Set up a tablet" }
                </a>
            }
            <ConsultationBuilder record={record} on_change={on_change} actor={actor} />
        </>
    }
}

/// Hydrated responses, re-read only when a response's document changes.
#[derive(Default)]
struct ResponseCache {
    read: BTreeMap<DocumentId, (Vec<ChangeHash>, ConsultationResponse)>,
}

/// `#/consultations/<id>/results`: the responses on this device, refreshed from the server.
#[function_component]
pub fn ResultsPage(props: &ConsultationProps) -> Html {
    let app = use_app();
    let cache: Rc<RefCell<ResponseCache>> = use_mut_ref(ResponseCache::default);
    let id = props.id;
    let connected = app.rt.with_engine(|e| e.is_connected());
    // New responses: ask the server's list now and every few seconds while this page is open;
    // the engine fetches every listed document it does not have yet.
    {
        let rt = app.rt.clone();
        use_effect_with((id, connected), move |(_, connected)| {
            let interval = connected.then(|| {
                rt.refresh_remote();
                Interval::new(RESULTS_REFRESH_MS, move || rt.refresh_remote())
            });
            move || drop(interval)
        });
    }
    let Some(actor) = app.rt.me().and_then(|m| m.actor()) else {
        return html! {};
    };
    if !sees_results(&actor) {
        return html! {
            <>
                <a href={Route::Consultations.href()} class="govuk-back-link">{ "All consultations" }</a>
                <h1 class="govuk-heading-l">{ "Results" }</h1>
                <p class="govuk-body">{ "Only participation workers and officers can see results." }</p>
            </>
        };
    }
    let consultation = app.rt.with_engine(|e| match e.record(id) {
        Some(Ok(Record::Consultation(c))) => Some(c),
        _ => None,
    });
    let Some(consultation) = consultation else {
        return not_here(&app, id);
    };
    let responses: Vec<ConsultationResponse> = app.rt.with_engine(|e| {
        let ids = e.responses_to(&id.to_string());
        let mut cache = cache.borrow_mut();
        cache.read.retain(|k, _| ids.contains(k));
        for rid in ids {
            let heads = e.heads(rid);
            if cache.read.get(&rid).is_some_and(|(h, _)| *h == heads) {
                continue;
            }
            if let Some(Ok(Record::ConsultationResponse(r))) = e.record(rid) {
                cache.read.insert(rid, (heads, r));
            }
        }
        cache.read.values().map(|(_, r)| r.clone()).collect()
    });
    let downloading = app.rt.with_engine(|e| {
        e.rows()
            .iter()
            .filter(|r| r.kind == Some(RecordKind::ConsultationResponse) && !r.local)
            .count()
    });
    html! {
        <>
            <a href={Route::Consultation(id).href()} class="govuk-back-link">{ "Back to the consultation" }</a>
            <p class="govuk-body-s hearth-secondary" id="results-freshness" role="status">
                if !connected {
                    { "Offline: showing the responses on this device. New ones arrive when you are back online." }
                } else if downloading > 0 {
                    { format!("Downloading {downloading} new {}…", if downloading == 1 { "response" } else { "responses" }) }
                } else {
                    { "Up to date with the server. New responses appear here as they arrive." }
                }
            </p>
            <ResultsView consultation={consultation} responses={responses} />
        </>
    }
}
