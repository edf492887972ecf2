//! Consultations: the list (`#/consultations`), one consultation hosting the builder
//! (`#/consultations/<id>`, read-only unless the user may write it; "Run again as a new round")
//! and its results (`#/consultations/<id>/results`, participation workers and officers),
//! computed on this device from the synced documents of every round of its series, offline too.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use automerge::ChangeHash;
use autosurgeon::Text;
use gloo_timers::callback::Interval;
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{
    Consultation, ConsultationResponse, DocMeta, FollowUp, Record, RecordKind, WorkflowState,
};
use hearth_shared::permissions::{Actor, Role, access, may_create};
use hearth_shared::reporting::{ResultsFilter, ResultsOptions, Round, needing_follow_up, results};
use hearth_shared::rules;
use yew::prelude::*;

use super::records::state_tag;
use super::typed_record::{self, LocalSaveIndicator, ReadCache};
use super::{AppContext, navigate, now_ms, use_app};
use crate::pages::consultation::{ConsultationBuilder, FollowUpItem, ResultsView, series_rounds};
use crate::pages::inspection::form::TextInput;
use crate::platform::Runtime;
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
    // Rounds of one consultation share its title: the round label tells them apart (read
    // without hydrating the record; a consultation not downloaded yet has none to show).
    let labels: Vec<(DocumentId, String)> = app.rt.with_engine(|e| {
        rows.iter()
            .filter(|r| r.local)
            .filter_map(|r| {
                let label = e.text(r.id, "roundLabel")?;
                (!label.trim().is_empty()).then_some((r.id, label))
            })
            .collect()
    });
    let round_label = |id: DocumentId| labels.iter().find(|(l, _)| *l == id).map(|(_, l)| l);
    rows.sort_by(|a, b| {
        a.title
            .cmp(&b.title)
            .then(round_label(a.id).cmp(&round_label(b.id)))
            .then(a.id.cmp(&b.id))
    });
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
                                        if let Some(round) = round_label(r.id) {
                                            <span class="govuk-caption-s round-label">{ round.clone() }</span>
                                        }
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
                                                    { "Results" }<span class="govuk-visually-hidden">{ format!(" for {title}{}",
                                                        round_label(r.id).map(|l| format!(", {l}")).unwrap_or_default()) }</span>
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
fn not_here(app: &AppContext, id: DocumentId) -> Html {
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
    let new_round = actor.role == Role::ParticipationWorker
        && matches!(record.state, WorkflowState::Open | WorkflowState::Closed);
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
            <ConsultationBuilder record={record.clone()} on_change={on_change} actor={actor} />
            if new_round {
                <NewRound id={id} record={(**record.rc()).clone()} />
            }
            <p class="govuk-body govuk-!-margin-top-6">
                <a class="govuk-link" id="record-history" href={Route::RecordHistory(id).href()}>
                    { "History of this consultation" }
                </a>
            </p>
        </>
    }
}

/// Properties of [`NewRound`].
#[derive(Properties, PartialEq)]
struct NewRoundProps {
    id: DocumentId,
    record: Consultation,
}

/// "Run again as a new round" (`#new-round`): asks what the new round is called
/// (`#round-label`), then creates it (`#new-round-create`) as a draft with the same questions
/// and opens it.
#[function_component]
fn NewRound(props: &NewRoundProps) -> Html {
    let app = use_app();
    let asking = use_state(|| false);
    let label = use_state(String::new);
    let problem = use_state(|| None::<String>);
    let on_ask = {
        let asking = asking.clone();
        Callback::from(move |_: MouseEvent| asking.set(true))
    };
    let on_label = {
        let label = label.clone();
        Callback::from(move |v: String| label.set(v))
    };
    let on_create = {
        let (rt, label, problem) = (app.rt.clone(), label.clone(), problem.clone());
        let (id, source) = (props.id, props.record.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let name = label.trim();
            if name.is_empty() {
                problem.set(Some("Enter what the new round is called".into()));
                return;
            }
            let Some(me) = rt.me() else { return };
            let Some(actor) = me.actor() else { return };
            let mut next = source.new_round(&id.to_string());
            next.created_by = me.user.id;
            next.created_at = now_ms();
            next.round_label = Some(name.to_string());
            let next = Record::Consultation(next);
            // The server's own check first: a round it would refuse is never created.
            if let Err(refused) = rules::check_change(None, &next, &actor) {
                problem.set(Some(format!(
                    "The new round cannot be made: {}",
                    refused.message()
                )));
                return;
            }
            match rt.create(&next) {
                Ok(new_id) => navigate(&Route::Consultation(new_id)),
                Err(e) => problem.set(Some(e.to_string())),
            }
        })
    };
    html! {
        <section class="govuk-!-margin-top-8" id="new-round-section">
            <h2 class="govuk-heading-m">{ "Run it again" }</h2>
            if *asking {
                <form onsubmit={on_create} novalidate=true>
                    <TextInput id="round-label" label="What is the new round called?"
                        hint="The results compare rounds side by side. For example, Autumn 2026"
                        value={(*label).clone()} on_input={on_label}
                        error={(*problem).clone().map(AttrValue::from)} class={classes!("govuk-input--width-20")} />
                    <button type="submit" class="govuk-button" id="new-round-create">{ "Create the new round" }</button>
                </form>
            } else {
                <p class="govuk-body">{ "A new round asks the same questions again, for example in the autumn after the spring, so the results can be compared." }</p>
                <button type="button" class="govuk-button govuk-button--secondary" id="new-round" onclick={on_ask}>
                    { "Run again as a new round" }
                </button>
            }
        </section>
    }
}

/// Hydrated records (the rounds and their responses), each re-read only when its document
/// changes. One map of [`Record`]s rather than one per type keeps the wasm smaller.
#[derive(Default)]
struct Hydrated {
    read: BTreeMap<DocumentId, (Vec<ChangeHash>, Record)>,
}

impl Hydrated {
    /// Re-reads those of `ids` that changed, and forgets all others.
    fn refresh(&mut self, e: &mut crate::engine::Engine, ids: &[DocumentId]) {
        self.read.retain(|k, _| ids.contains(k));
        for &id in ids {
            let heads = e.heads(id);
            if self.read.get(&id).is_some_and(|(h, _)| *h == heads) {
                continue;
            }
            if let Some(Ok(record)) = e.record(id) {
                self.read.insert(id, (heads, record));
            }
        }
    }

    fn consultation(&self, id: DocumentId) -> Option<&Consultation> {
        match self.read.get(&id) {
            Some((_, Record::Consultation(c))) => Some(c),
            _ => None,
        }
    }

    fn response(&self, id: DocumentId) -> Option<(&[ChangeHash], &ConsultationResponse)> {
        match self.read.get(&id) {
            Some((heads, Record::ConsultationResponse(r))) => Some((heads, r)),
            _ => None,
        }
    }
}

/// The other rounds of `series` on this device: local consultations whose `seriesId` (or own id,
/// for a first round) is it. Read without hydrating the others.
fn series_members(e: &mut crate::engine::Engine, series: &str) -> Vec<DocumentId> {
    let consultations: Vec<DocumentId> = e
        .rows()
        .into_iter()
        .filter(|r| r.local && r.kind == Some(RecordKind::Consultation))
        .map(|r| r.id)
        .collect();
    consultations
        .into_iter()
        .filter(|&id| {
            let own = id.to_string();
            own == series || e.text(id, "seriesId").is_some_and(|s| s == series)
        })
        .collect()
}

/// Writes a follow-up to response `response` as read at `heads`, after the same check the
/// server makes.
fn record_follow_up(
    rt: &Rc<Runtime>,
    actor: &Actor,
    response: DocumentId,
    (heads, before): (&[ChangeHash], &ConsultationResponse),
    note: String,
) -> Result<(), String> {
    let mut after = before.clone();
    after.follow_up = Some(FollowUp {
        done: true,
        by: actor.user_id.clone(),
        at: now_ms(),
        note: Text::with_value(note),
    });
    let (before, after) = (
        Record::ConsultationResponse(before.clone()),
        Record::ConsultationResponse(after),
    );
    rules::check_change(Some(&before), &after, actor)
        .map_err(|r| format!("The follow-up cannot be recorded: {}", r.message()))?;
    rt.write_record(response, &after, heads)
        .map_err(|e| e.to_string())
}

/// `#/consultations/<id>/results`: the results of this consultation and the other rounds of
/// its series on this device, refreshed from the server while open and online.
#[function_component]
pub fn ResultsPage(props: &ConsultationProps) -> Html {
    let app = use_app();
    let hydrated: Rc<RefCell<Hydrated>> = use_mut_ref(Hydrated::default);
    let cache: ReadCache<Consultation> = use_mut_ref(|| None);
    let filter = use_state(ResultsFilter::default);
    let error = use_state(|| None::<String>);
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
    let Some(me) = app.rt.me() else {
        return html! {};
    };
    let Some(actor) = me.actor() else {
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
    let Some(record) = typed_record::read(&app.rt, &cache, id, |r| match r {
        Record::Consultation(c) => Some(c),
        _ => None,
    }) else {
        return not_here(&app, id);
    };
    let own = id.to_string();
    let series = record.series_of(&own);
    let (ids, per_round) = app.rt.with_engine(|e| {
        let mut ids = series_members(e, &series);
        if !ids.contains(&id) {
            ids.push(id);
        }
        let per_round: Vec<Vec<DocumentId>> = ids
            .iter()
            .map(|rid| e.responses_to(&rid.to_string()))
            .collect();
        let wanted: Vec<DocumentId> = ids
            .iter()
            .chain(per_round.iter().flatten())
            .copied()
            .collect();
        hydrated.borrow_mut().refresh(e, &wanted);
        (ids, per_round)
    });
    let read = hydrated.borrow();
    let all: Vec<(String, &Consultation)> = ids
        .iter()
        .filter_map(|&rid| Some((rid.to_string(), read.consultation(rid)?)))
        .collect();
    let of_round = |rid: &str| -> Vec<(DocumentId, &ConsultationResponse)> {
        ids.iter()
            .position(|i| i.to_string() == rid)
            .map(|i| &per_round[i])
            .into_iter()
            .flatten()
            .filter_map(|&r| Some((r, read.response(r)?.1)))
            .collect()
    };
    let shown = series_rounds(&own, &series, &all);
    let rounds: Vec<Round> = shown
        .iter()
        .map(|(rid, c)| Round {
            id: rid.clone(),
            consultation: c,
            responses: of_round(rid).into_iter().map(|(_, r)| r).collect(),
        })
        .collect();
    let options = ResultsOptions {
        suppress_below: me.suppress_below,
        // Only these roles reach this page, and only they hold response documents.
        include_free_text: true,
    };
    let computed = Rc::new(results(&rounds, &filter, options));

    // This round's young people waiting to talk to someone, with the documents to write to.
    let (mine_ids, mine): (Vec<DocumentId>, Vec<ConsultationResponse>) = of_round(&own)
        .into_iter()
        .map(|(rid, r)| (rid, r.clone()))
        .unzip();
    let waiting: Vec<FollowUpItem> = needing_follow_up(&mine)
        .into_iter()
        .filter_map(|r| {
            let i = mine.iter().position(|m| std::ptr::eq(m, r))?;
            Some(FollowUpItem {
                id: mine_ids[i].to_string(),
                at: r.submitted_at.unwrap_or(r.created_at),
                home: r.home_id.as_deref().map(|h| {
                    me.home_name(h)
                        .unwrap_or("a home not on this device")
                        .to_string()
                }),
                age_band: r.age_band.map(|b| b.as_str().to_string()),
            })
        })
        .collect();
    let worker = actor.role == Role::ParticipationWorker;
    let on_follow_up = worker.then(|| {
        let (rt, actor, cache, error) = (
            app.rt.clone(),
            actor.clone(),
            hydrated.clone(),
            error.clone(),
        );
        Callback::from(move |(response, note): (String, String)| {
            let Ok(rid) = response.parse::<DocumentId>() else {
                return;
            };
            let cache = cache.borrow();
            let Some(read) = cache.response(rid) else {
                return;
            };
            match record_follow_up(&rt, &actor, rid, read, note) {
                Ok(()) => error.set(None),
                Err(message) => error.set(Some(message)),
            }
        })
    });
    let on_change = worker.then(|| {
        typed_record::write_callback(
            app.rt.clone(),
            error.clone(),
            actor.clone(),
            id,
            Record::Consultation,
        )
    });
    let on_filter = {
        let filter = filter.clone();
        Callback::from(move |f: ResultsFilter| filter.set(f))
    };
    let homes: Rc<Vec<(String, String)>> = Rc::new(
        me.homes
            .iter()
            .map(|h| (h.id.clone(), h.name.clone()))
            .collect(),
    );
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
            if let Some(message) = &*error {
                <p class="govuk-error-message" role="alert">{ message.clone() }</p>
            }
            <ResultsView id={own.clone()} consultation={record} results={computed}
                suppress_below={me.suppress_below} homes={homes} filter={(*filter).clone()}
                on_filter={on_filter} waiting={waiting} on_follow_up={on_follow_up}
                on_change={on_change} />
        </>
    }
}
