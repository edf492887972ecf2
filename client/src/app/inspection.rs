//! Hosts the Regulation 33 editor (`pages::inspection`, a pure view of a typed record): reads
//! the record when the document changes, and writes each edit back through the runtime. From
//! sign-off on it also hosts the report section (`pages::inspection::report`), reading and
//! adding the report's distribution through the API (online only).

use std::rc::Rc;

use hearth_shared::ids::DocumentId;
use hearth_shared::model::{Inspection, Record};
use hearth_shared::permissions::{Actor, Role};
use hearth_shared::rules;
use wasm_bindgen::JsValue;
use yew::prelude::*;

use super::typed_record::{self, LocalSaveIndicator, ReadCache, SavePoke};
use super::use_app;
use crate::pages::Version;
use crate::pages::inspection::report::{
    Field, FormProblem, Listing, NewDistribution, ReportPanel, has_report,
};
use crate::pages::inspection::{InspectionEditor, Typed};
use crate::platform::Runtime;
use crate::platform::api::{self, ApiError};
use crate::route::Route;

/// Properties of [`InspectionPage`].
#[derive(Properties, PartialEq)]
pub struct InspectionPageProps {
    /// The inspection's document.
    pub id: DocumentId,
    /// Where "Back" goes.
    pub back: Route,
}

/// The Regulation 33 page.
///
/// Its callbacks are made once per record and user, so a re-render that changes nothing the
/// editor shows (the server acknowledging a keystroke, the status bar) does not re-render it.
#[function_component]
pub fn InspectionPage(props: &InspectionPageProps) -> Html {
    let app = use_app();
    let cache: ReadCache<Inspection> = use_mut_ref(|| None);
    // Set only when it changes: a keystroke must not re-render the page.
    let error = use_state_eq(|| None::<String>);
    let poke = use_memo((), |()| SavePoke::default());
    let id = props.id;
    let rt = app.rt.clone();
    let actor = rt.me().and_then(|m| m.actor());
    let callbacks = {
        let (rt, error, cache, poke) = (rt.clone(), error.clone(), cache.clone(), poke.clone());
        use_memo((id, actor.clone()), move |(id, actor)| {
            let actor = actor.clone()?;
            let on_change = typed_record::write_callback(
                rt.clone(),
                error.clone(),
                actor.clone(),
                *id,
                Record::Inspection,
            );
            let on_text = type_callback(rt, error, actor, *id, cache, (*poke).clone());
            Some((on_change, on_text))
        })
    };
    let (Some(actor), Some((on_change, on_text))) = (actor, (*callbacks).clone()) else {
        return html! {};
    };
    let Some(record) = typed_record::read(&rt, &cache, id, |r| match r {
        Record::Inspection(i) => Some(i),
        _ => None,
    }) else {
        return html! { <p class="govuk-body">{ "This record cannot be read." }</p> };
    };
    let names = rt.me().map(|m| m.names()).unwrap_or_default();
    let rejection = rt.with_engine(|e| e.rejection(id).cloned());
    let report =
        if has_report(record.state) && !matches!(actor.role, Role::YoungPerson | Role::Admin) {
            html! { <ReportSection id={id} can_record={actor.role == Role::Officer} /> }
        } else {
            Html::default()
        };
    let on_discard = {
        let rt = rt.clone();
        Callback::from(move |_: MouseEvent| rt.discard_rejected(id))
    };
    html! {
        <>
            <a href={props.back.href()} class="govuk-back-link">{ "Back to records" }</a>
            <LocalSaveIndicator id={id} poke={(*poke).clone()} />
            if rejection.is_some() {
                <div class="govuk-inset-text">
                    { "Your text below is exactly as you left it on this device. It has not been sent." }
                </div>
                <button id="discard-local-copy" type="button" class="govuk-button govuk-button--warning"
                    onclick={on_discard}>
                    { "Discard my copy and show the server's version" }
                </button>
            }
            if let Some(message) = &*error {
                <p class="govuk-error-message" role="alert">{ message.clone() }</p>
            }
            <InspectionEditor record={record} on_change={on_change} on_text={on_text} actor={actor} names={names}
                document_id={id.to_string()} report={report} />
        </>
    }
}

/// The editor's `on_text`: a keystroke in a long text, checked as the server will check it
/// (the record as the page last read it, with that text as typed), then written as one splice
/// from what the box showed ([`Runtime::type_text`]). The save indicator is told at once, the
/// rest of the page after the frame.
fn type_callback(
    rt: Rc<Runtime>,
    error: UseStateHandle<Option<String>>,
    actor: Actor,
    id: DocumentId,
    cache: ReadCache<Inspection>,
    poke: SavePoke,
) -> Callback<Typed, Option<Version>> {
    Callback::from(move |typed: Typed| {
        let before = cache.borrow().as_ref()?.1.rc().clone();
        let mut after = (*before).clone();
        typed.field.set(&mut after, &typed.new);
        let (before, after) = (
            Record::Inspection((*before).clone()),
            Record::Inspection(after),
        );
        if let Err(refused) = rules::check_change(Some(&before), &after, &actor) {
            error.set(Some(format!(
                "This change cannot be made: {}",
                refused.message()
            )));
            return None;
        }
        let prop = typed.field.prop();
        match rt.type_text(id, prop, typed.from.heads(), &typed.old, &typed.new) {
            Ok(heads) => {
                error.set(None);
                poke.poke();
                Some(Version::new(heads))
            }
            Err(e) => {
                error.set(Some(e.to_string()));
                None
            }
        }
    })
}

/// Properties of [`ReportSection`].
#[derive(Properties, PartialEq)]
struct ReportSectionProps {
    /// The signed-off inspection.
    id: DocumentId,
    /// Officers record where the report was sent.
    can_record: bool,
}

/// The report's links and distribution: reads the list when it opens and whenever the
/// connection comes back, and adds entries for officers (the reply is the list with it).
#[function_component]
fn ReportSection(props: &ReportSectionProps) -> Html {
    let app = use_app();
    let (online, sent) = app
        .rt
        .with_engine(|e| (e.is_connected(), !e.is_waiting(props.id)));
    let listing = use_state(|| Listing::Loading);
    // The server answers for a signed-off record only (409 before): online, the list is asked
    // for once the server has acknowledged this device's changes, the sign-off among them (and
    // not again as later typing is acknowledged).
    let ready = sent || matches!(*listing, Listing::Loaded(_));
    let reload = use_state(|| 0u32);
    let added = use_state(|| 0u32);
    let busy = use_state(|| false);
    let problem = use_state(|| None::<FormProblem>);
    let id = props.id;
    {
        let listing = listing.clone();
        // Read again when the connection comes back; losing it keeps the list shown.
        use_effect_with(
            (id, *reload, online, ready),
            move |(_, _, online, ready)| {
                if !*online && matches!(*listing, Listing::Loaded(_)) || *online && !*ready {
                    return;
                }
                wasm_bindgen_futures::spawn_local(async move {
                    listing.set(match api::distribution(&id.to_string()).await {
                        Ok(entries) => Listing::Loaded(entries),
                        Err(ApiError::Offline) => Listing::Failed {
                            offline: true,
                            message: String::new(),
                        },
                        Err(e) => Listing::Failed {
                            offline: false,
                            message: e.to_string(),
                        },
                    });
                });
            },
        );
    }
    let on_retry = {
        let reload = reload.clone();
        Callback::from(move |()| reload.set(*reload + 1))
    };
    let on_add = {
        let (listing, added, busy, problem) = (
            listing.clone(),
            added.clone(),
            busy.clone(),
            problem.clone(),
        );
        Callback::from(move |entry: NewDistribution| {
            let (listing, added, busy, problem) = (
                listing.clone(),
                added.clone(),
                busy.clone(),
                problem.clone(),
            );
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let result = api::add_distribution(&id.to_string(), &entry).await;
                busy.set(false);
                match result {
                    Ok(entries) => {
                        problem.set(None);
                        added.set(*added + 1);
                        listing.set(Listing::Loaded(entries));
                    }
                    Err(e) => problem.set(Some(refusal(&e))),
                }
            });
        })
    };
    html! {
        <ReportPanel document_id={id.to_string()} online={online} listing={(*listing).clone()}
            can_record={props.can_record} today={Some(AttrValue::from(local_today()))}
            problem={(*problem).clone()} busy={*busy} added={*added}
            on_add={on_add} on_retry={on_retry} />
    }
}

/// What the distribution form shows when the server did not take an entry. Only the date can
/// be invalid (the recipient comes from the list), so `invalid` points at the date.
fn refusal(error: &ApiError) -> FormProblem {
    match error {
        ApiError::Offline => FormProblem {
            field: None,
            message: "You need a connection to record where the report was sent. Try again when you are online.".into(),
        },
        ApiError::Refused { code, message } if code == "invalid" => FormProblem {
            field: Some(Field::Date),
            message: message.clone(),
        },
        other => FormProblem {
            field: None,
            message: other.to_string(),
        },
    }
}

/// The device's day, `YYYY-MM-DD`: the latest "date sent" the form offers.
fn local_today() -> String {
    let date = js_sys::Date::new(&JsValue::from_f64(js_sys::Date::now()));
    format!(
        "{:04}-{:02}-{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date()
    )
}
