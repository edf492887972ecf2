//! `#/records/<id>/history`: who changed which field of a record, when, and what it said before
//! and after; and the record as it was after any entry or on a date, read-only.
//!
//! Everything is derived on the device from the record's own changes (`hearth_shared::history`)
//! with the actor map the runtime keeps beside the record, so the history of what is on the
//! device can be read offline. The derivation walks every change of the record, so it is redone
//! only when the record's heads or the map change.

use std::collections::BTreeMap;
use std::rc::Rc;

use automerge::ChangeHash;
use hearth_shared::dates::long_date;
use hearth_shared::history::{self, ActorAuthor, Entry, FieldValue, When, Who, diff};
use hearth_shared::ids::DocumentId;
use hearth_shared::model::RecordKind;
use js_sys::Date;
use wasm_bindgen::JsValue;
use yew::prelude::*;

use super::{input_value, use_app};
use crate::platform::runtime::AuthorsFrom;
use crate::route::Route;
use crate::session::Me;

/// The most entries the page shows (the latest); older ones are counted, not shown.
const SHOWN_ENTRIES: usize = 200;

/// Properties of [`HistoryPage`].
#[derive(Properties, PartialEq)]
pub struct HistoryPageProps {
    /// The record.
    pub id: DocumentId,
}

/// The record as it was at some point, shown instead of the list.
#[derive(Clone, PartialEq)]
struct AsItWas {
    /// "after the change by … on …" or "at the end of 3 November 2026".
    when: String,
    /// Its heads; empty when the record did not exist yet.
    heads: Vec<ChangeHash>,
}

/// The derived history, kept between renders with what it was derived from.
struct Derived {
    heads: Vec<ChangeHash>,
    authors: Rc<Vec<ActorAuthor>>,
    entries: Rc<Vec<Entry>>,
    total: usize,
}

/// A record's history.
#[function_component]
pub fn HistoryPage(props: &HistoryPageProps) -> Html {
    let app = use_app();
    let id = props.id;
    let authors = use_state(|| None::<(Rc<Vec<ActorAuthor>>, AuthorsFrom)>);
    let connected = app.rt.with_engine(|e| e.is_connected());
    {
        // Asked again when the connection comes back: the server may know more by then.
        let (rt, authors) = (app.rt.clone(), authors.clone());
        use_effect_with((id, connected), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let (got, from) = rt.record_authors(id).await;
                authors.set(Some((Rc::new(got), from)));
            });
        });
    }
    let as_it_was = use_state(|| None::<AsItWas>);
    let derived = use_mut_ref(|| None::<Derived>);
    let date_ref = use_node_ref();
    let date_problem = use_state(|| None::<&'static str>);
    let me = app.rt.me();
    let names = names_of(me.as_ref());
    // Back to where the record is opened: consultations have their own pages.
    let back = match app.rt.with_engine(|e| e.kind(id)) {
        Some(Ok(RecordKind::Consultation)) => Route::Consultation(id),
        Some(Ok(RecordKind::ConsultationResponse)) => Route::Consultations,
        _ => Route::Record(id),
    };

    let readable = app.rt.with_engine(|e| {
        let actor = me.as_ref().and_then(Me::actor);
        actor.is_some_and(|a| e.readable_rows(&a).iter().any(|r| r.id == id))
    });
    let heads = app.rt.with_engine(|e| e.heads(id));
    let loaded = readable && app.rt.with_engine(|e| e.document(id).is_some());
    let waiting = match (loaded, (*authors).clone()) {
        (false, _) if readable => Err("Opening this record…"),
        (false, _) => Err("This record is not on this device, or you do not have access to it."),
        (true, None) => Err("Reading who made each change…"),
        (true, Some(got)) => Ok(got),
    };
    let (known, from) = match waiting {
        Ok(got) => got,
        Err(notice) => {
            return html! {
                <>
                    <a href={back.href()} class="govuk-back-link">{ "Back" }</a>
                    <h1 class="govuk-heading-l">{ "History" }</h1>
                    <p class="govuk-body">{ notice }</p>
                </>
            };
        }
    };

    // This device's own edits since the record was loaded are the signed-in user's, whatever
    // the server has seen yet.
    let with_own = |own_actor: String| -> Rc<Vec<ActorAuthor>> {
        let Some(me) = me.as_ref() else {
            return known.clone();
        };
        if known.iter().any(|a| a.actor == own_actor) {
            return known.clone();
        }
        let mut all = (*known).clone();
        all.push(ActorAuthor {
            actor: own_actor,
            user_id: me.user.id.clone(),
            display_name: Some(me.user.display_name.clone()),
            first_at_ms: 0,
        });
        Rc::new(all)
    };

    if let Some(shown) = (*as_it_was).clone() {
        let fields = app.rt.with_engine(|e| {
            let (doc, _) = e.document(id)?;
            Some(if shown.heads.is_empty() {
                Vec::new()
            } else {
                history::fields_at(doc, &shown.heads, &names)
            })
        });
        let close = {
            let as_it_was = as_it_was.clone();
            Callback::from(move |_: MouseEvent| as_it_was.set(None))
        };
        return as_it_was_view(&shown, fields.unwrap_or_default(), close);
    }

    let (entries, total) = {
        let fresh = derived
            .borrow()
            .as_ref()
            .is_some_and(|d| d.heads == heads && Rc::ptr_eq(&d.authors, &known));
        if !fresh {
            let computed = app.rt.with_engine(|e| {
                let (doc, own_actor) = e.document(id)?;
                Some(history::history(
                    doc,
                    &with_own(own_actor),
                    &names,
                    SHOWN_ENTRIES,
                ))
            });
            if let Some(computed) = computed {
                *derived.borrow_mut() = Some(Derived {
                    heads: heads.clone(),
                    authors: known.clone(),
                    total: computed.entries.len() + computed.earlier,
                    entries: Rc::new(computed.entries),
                });
            }
        }
        derived
            .borrow()
            .as_ref()
            .map_or((Rc::new(Vec::new()), 0), |d| (d.entries.clone(), d.total))
    };

    let show_date = {
        let (rt, as_it_was, date_ref, date_problem, known) = (
            app.rt.clone(),
            as_it_was.clone(),
            date_ref.clone(),
            date_problem.clone(),
            known.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let value = input_value(&date_ref);
            let Some(cut_ms) = end_of_local_day(&value) else {
                date_problem.set(Some("Enter a date, for example 3 11 2026"));
                return;
            };
            date_problem.set(None);
            let heads = rt.with_engine(|e| {
                e.document(id)
                    .map(|(doc, _)| history::heads_at_time(doc, &known, cut_ms))
            });
            as_it_was.set(Some(AsItWas {
                when: format!("at the end of {}", long_date(&value)),
                heads: heads.unwrap_or_default(),
            }));
        })
    };
    let me_id = me.as_ref().map(|m| m.user.id.clone()).unwrap_or_default();
    let older = total.saturating_sub(entries.len());
    html! {
        <>
            <a href={back.href()} class="govuk-back-link">{ "Back" }</a>
            <h1 class="govuk-heading-l">{ "History" }</h1>
            <p class="govuk-body hearth-secondary" id="history-source">
                { match from {
                    AuthorsFrom::Server => "Who made each change is as the server recorded it.",
                    AuthorsFrom::Device => "You are offline: who made each change is as this device last heard from the server.",
                    AuthorsFrom::Nowhere => "Who made the changes is not known on this device yet: connect to the internet to find out.",
                } }
            </p>
            <form class="govuk-!-margin-bottom-6" onsubmit={show_date} novalidate=true>
                <div class={classes!("govuk-form-group", date_problem.is_some().then_some("govuk-form-group--error"))}>
                    <label class="govuk-label govuk-label--s" for="history-date">
                        { "Show the record as it was on a date" }
                    </label>
                    if let Some(problem) = *date_problem {
                        <p class="govuk-error-message" id="history-date-error">
                            <span class="govuk-visually-hidden">{ "Error: " }</span>{ problem }
                        </p>
                    }
                    <input class="govuk-input govuk-input--width-10" id="history-date" name="history-date"
                        type="date" ref={date_ref} />
                </div>
                <button type="submit" class="govuk-button govuk-button--secondary" id="history-date-show">
                    { "Show the record as it was" }
                </button>
            </form>
            if entries.is_empty() {
                <p class="govuk-body">{ "No changes to show." }</p>
            }
            <ol class="govuk-list" id="history-entries">
                { for entries.iter().rev().map(|entry| {
                    let shown = AsItWas {
                        when: format!("after the change by {} {}", who_text(&entry.who, &me_id), when_text(entry.when)),
                        heads: entry.heads.clone(),
                    };
                    let as_it_was = as_it_was.clone();
                    let view = Callback::from(move |_: MouseEvent| as_it_was.set(Some(shown.clone())));
                    entry_view(entry, &me_id, view)
                }) }
            </ol>
            if older > 0 {
                <p class="govuk-body">{ format!("{older} earlier changes are not listed; show the record as it was on a date to see it then.") }</p>
            }
        </>
    }
}

fn entry_view(entry: &Entry, me_id: &str, view: Callback<MouseEvent>) -> Html {
    let context = format!(
        ", after the change by {} {}",
        who_text(&entry.who, me_id),
        when_text(entry.when)
    );
    html! {
        <li class="hearth-history__entry">
            <h2 class="govuk-heading-s govuk-!-margin-bottom-1">
                <span class="hearth-history__who">{ who_text(&entry.who, me_id) }</span>
                { ", " }
                <span class="hearth-history__when">{ when_text(entry.when) }</span>
            </h2>
            if entry.changes > 1 {
                <p class="govuk-body-s hearth-secondary govuk-!-margin-bottom-2">
                    { format!("{} edits", entry.changes) }
                </p>
            }
            { for entry.fields.iter().map(|f| html! {
                <div class="hearth-history__field" data-field={f.key.clone()}>
                    <h3 class="govuk-heading-s govuk-!-margin-bottom-1">{ &f.label }</h3>
                    <p class="govuk-body hearth-diff">{ diff_view(&f.diff) }</p>
                </div>
            }) }
            <button type="button" class="govuk-button govuk-button--secondary hearth-history__then" onclick={view}>
                { "Show the record as it was then" }
                <span class="govuk-visually-hidden">{ context }</span>
            </button>
        </li>
    }
}

/// The record as it was, read-only: every field as the history renders it.
fn as_it_was_view(shown: &AsItWas, fields: Vec<FieldValue>, close: Callback<MouseEvent>) -> Html {
    html! {
        <div id="as-it-was">
            <h1 class="govuk-heading-l">{ format!("The record as it was {}", shown.when) }</h1>
            <div class="govuk-inset-text">
                { "This is how the record read then. It cannot be changed here." }
            </div>
            if fields.is_empty() {
                <p class="govuk-body">{ "The record did not exist yet." }</p>
            } else {
                <dl class="govuk-summary-list">
                    { for fields.iter().map(|f| html! {
                        <div class="govuk-summary-list__row" data-field={f.key.clone()}>
                            <dt class="govuk-summary-list__key">{ &f.label }</dt>
                            <dd class="govuk-summary-list__value hearth-diff">{ &f.text }</dd>
                        </div>
                    }) }
                </dl>
            }
            <button type="button" class="govuk-button" id="as-it-was-close" onclick={close}>
                { "Back to the history" }
            </button>
        </div>
    }
}

fn diff_view(segments: &[diff::Segment]) -> Html {
    if segments.iter().all(|s| s.change == diff::Change::Same) {
        return html! { <span class="hearth-secondary">{ "No visible change" }</span> };
    }
    segments
        .iter()
        .map(|s| match s.change {
            diff::Change::Same => html! { <span>{ &s.text }</span> },
            diff::Change::Removed => html! {
                <del><span class="govuk-visually-hidden">{ "[removed: " }</span>{ &s.text }<span class="govuk-visually-hidden">{ "]" }</span></del>
            },
            diff::Change::Added => html! {
                <ins><span class="govuk-visually-hidden">{ "[added: " }</span>{ &s.text }<span class="govuk-visually-hidden">{ "]" }</span></ins>
            },
        })
        .collect()
}

fn who_text(who: &Who, me_id: &str) -> String {
    match who {
        Who::User { user_id, name } => match (name, user_id == me_id) {
            (Some(name), true) => format!("{name} (you)"),
            (Some(name), false) => name.clone(),
            (None, true) => "You".into(),
            (None, false) => "Someone whose name you are not shown".into(),
        },
        Who::Unknown => "Someone not yet known to this device".into(),
    }
}

fn when_text(when: When) -> String {
    match when {
        When::Device(ms) => format!("on {}", local_date_time(ms)),
        When::Server(ms) => format!("reached the server on {}", local_date_time(ms)),
        When::Unknown => "at a time not known".into(),
    }
}

/// Unix ms as the device's local "3 November 2026 at 14:03".
fn local_date_time(ms: i64) -> String {
    let date = Date::new(&JsValue::from_f64(ms as f64));
    let day = format!(
        "{:04}-{:02}-{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date()
    );
    format!(
        "{} at {:02}:{:02}",
        long_date(&day),
        date.get_hours(),
        date.get_minutes()
    )
}

/// The last millisecond of the local day `YYYY-MM-DD` (what a date input gives), Unix ms.
fn end_of_local_day(value: &str) -> Option<i64> {
    if !hearth_shared::dates::is_date(value) {
        return None;
    }
    let year: u32 = value[0..4].parse().ok()?;
    let month: i32 = value[5..7].parse().ok()?;
    let day: i32 = value[8..10].parse().ok()?;
    let next = Date::new_with_year_month_day(year, month - 1, day + 1);
    Some(next.get_time() as i64 - 1)
}

/// The names this user may see, by user id (their own included), for user ids in values.
fn names_of(me: Option<&Me>) -> history::render::Names {
    let Some(me) = me else {
        return BTreeMap::new();
    };
    let mut names: BTreeMap<String, String> = me
        .people
        .iter()
        .map(|p| (p.id.clone(), p.display_name.clone()))
        .collect();
    names.insert(me.user.id.clone(), me.user.display_name.clone());
    names
}
