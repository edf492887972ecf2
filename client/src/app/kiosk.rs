//! Kiosk mode on a shared tablet signed in with a young-person account: the open consultations
//! with "Start kiosk", the worker's PIN setup, and the page hosting [`crate::pages::kiosk::Kiosk`].
//!
//! While the lock ([`KioskLock`], in the device's settings) exists, the app shows only the kiosk:
//! no menu, no sign-out, and any other address leads back to it, across reloads. Only the
//! worker's PIN removes the lock.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::callback::Interval;
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{ConsultationResponse, Record, RecordKind, WorkflowState};
use hearth_shared::permissions::Role;
use hearth_shared::rules;
use yew::prelude::*;

use super::{input_value, navigate, now_ms, use_app};
use crate::kiosk_lock::{self, Attempt, KioskLock, check_new_pin};
use crate::pages::kiosk::Kiosk;
use crate::route::Route;

/// Whether this device is in kiosk mode.
#[derive(Clone, Debug, PartialEq)]
pub enum KioskMode {
    /// The stored lock has not been read yet: show nothing that could leak out of kiosk mode.
    Loading,
    /// Not in kiosk mode.
    Off,
    /// In kiosk mode for this consultation.
    On(DocumentId),
}

/// Kiosk mode for the whole app, with a way for pages to change it.
#[derive(Clone, PartialEq)]
pub struct KioskContext {
    /// The current mode.
    pub mode: KioskMode,
    /// Sets the mode (after the lock has been stored or removed).
    pub set: Callback<KioskMode>,
}

/// The mode a stored lock (setting value) means.
pub fn mode_of(stored: Option<&str>) -> KioskMode {
    stored
        .and_then(KioskLock::from_json)
        .and_then(|lock| lock.consultation_id.parse().ok())
        .map_or(KioskMode::Off, KioskMode::On)
}

#[hook]
fn use_kiosk() -> KioskContext {
    use_context::<KioskContext>().expect("kiosk pages are rendered inside App")
}

/// The open consultations this tablet can run, by title.
fn open_consultations(app: &super::AppContext) -> Vec<(DocumentId, String, Option<WorkflowState>)> {
    let Some(actor) = app.rt.me().and_then(|m| m.actor()) else {
        return Vec::new();
    };
    let mut rows: Vec<_> = app
        .rt
        .with_engine(|e| e.readable_rows(&actor))
        .into_iter()
        .filter(|r| r.kind == Some(RecordKind::Consultation))
        .filter(|r| r.state == Some(WorkflowState::Open))
        .map(|r| (r.id, r.title, r.state))
        .collect();
    rows.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    rows
}

/// The young-person account's home page: open consultations, "Start kiosk", then the PIN form.
#[function_component]
pub fn KioskStart() -> Html {
    let app = use_app();
    let kiosk = use_kiosk();
    // A tablet set up with a code runs one consultation: straight to its PIN form.
    let bound = app
        .rt
        .me()
        .and_then(|m| m.user.kiosk_consultation_id)
        .and_then(|id| id.parse::<DocumentId>().ok());
    let chosen = use_state(|| bound);
    let pin = use_node_ref();
    let again = use_node_ref();
    let problem = use_state(|| None::<String>);
    let saving = use_state(|| false);
    let Some(me) = app.rt.me() else {
        return html! {};
    };
    let rows = open_consultations(&app);

    if let Some(id) = *chosen {
        let title = rows
            .iter()
            .find(|r| r.0 == id)
            .map_or_else(|| "Consultation".to_string(), |r| r.1.clone());
        let onsubmit = {
            let (rt, pin, again, problem, saving, set) = (
                app.rt.clone(),
                pin.clone(),
                again.clone(),
                problem.clone(),
                saving.clone(),
                kiosk.set.clone(),
            );
            let user = me.user.id.clone();
            Callback::from(move |e: SubmitEvent| {
                e.prevent_default();
                if *saving {
                    return;
                }
                let (first, second) = (input_value(&pin), input_value(&again));
                if let Err(p) = check_new_pin(&first, &second) {
                    problem.set(Some(p.message().to_string()));
                    return;
                }
                let mut salt = [0u8; kiosk_lock::SALT_LEN];
                if getrandom_02::getrandom(&mut salt).is_err() {
                    problem.set(Some(
                        "This device could not make a secure PIN. Try again.".into(),
                    ));
                    return;
                }
                let lock = KioskLock::new(&id.to_string(), &user, &first, salt);
                saving.set(true);
                let (rt, problem, saving, set) =
                    (rt.clone(), problem.clone(), saving.clone(), set.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    // On disk before kiosk mode starts: a reload must not escape it.
                    match rt.set_setting(kiosk_lock::SETTING, &lock.to_json()).await {
                        Ok(()) => {
                            set.emit(KioskMode::On(id));
                            navigate(&Route::Kiosk(id));
                        }
                        Err(e) => {
                            problem.set(Some(format!("Kiosk mode could not start: {e}.")));
                            saving.set(false);
                        }
                    }
                });
            })
        };
        let cancel = {
            let chosen = chosen.clone();
            Callback::from(move |_: MouseEvent| chosen.set(None))
        };
        let error = (*problem).clone();
        let input_class = classes!(
            "govuk-input",
            "govuk-input--width-10",
            error.is_some().then_some("govuk-input--error")
        );
        return html! {
            <>
                if let Some(message) = &error {
                    <div class="govuk-error-summary" role="alert">
                        <h2 class="govuk-error-summary__title">{ "There is a problem" }</h2>
                        <div class="govuk-error-summary__body">
                            <ul class="govuk-list govuk-error-summary__list">
                                <li><a href="#kiosk-pin-new">{ message.clone() }</a></li>
                            </ul>
                        </div>
                    </div>
                }
                <span class="govuk-caption-l">{ title }</span>
                <h1 class="govuk-heading-l">{ "Set a PIN to leave kiosk mode" }</h1>
                <p class="govuk-body">
                    { "For the participation worker. The young person will not be able to leave kiosk mode, \
                       sign out or see other screens without this PIN. It is stored on this tablet only, scrambled." }
                </p>
                <form onsubmit={onsubmit} novalidate=true>
                    <div class={classes!("govuk-form-group", error.is_some().then_some("govuk-form-group--error"))}>
                        <label class="govuk-label govuk-label--s" for="kiosk-pin-new">{ "PIN" }</label>
                        <div class="govuk-hint" id="kiosk-pin-new-hint">{ "4 to 8 digits" }</div>
                        if let Some(message) = &error {
                            <p class="govuk-error-message" id="kiosk-pin-error">
                                <span class="govuk-visually-hidden">{ "Error: " }</span>{ message.clone() }
                            </p>
                        }
                        <input class={input_class.clone()} id="kiosk-pin-new" name="kiosk-pin-new"
                            type="password" inputmode="numeric" autocomplete="off" ref={pin}
                            aria-describedby="kiosk-pin-new-hint" />
                    </div>
                    <div class="govuk-form-group">
                        <label class="govuk-label govuk-label--s" for="kiosk-pin-confirm">{ "Type the PIN again" }</label>
                        <input class={input_class} id="kiosk-pin-confirm" name="kiosk-pin-confirm"
                            type="password" inputmode="numeric" autocomplete="off" ref={again} />
                    </div>
                    <div class="govuk-button-group">
                        <button type="submit" class="govuk-button" id="kiosk-pin-save" disabled={*saving}>
                            { "Save PIN and start kiosk mode" }
                        </button>
                        <button type="button" class="govuk-button govuk-button--secondary" onclick={cancel}>
                            { "Cancel" }
                        </button>
                    </div>
                </form>
            </>
        };
    }

    html! {
        <>
            <h1 class="govuk-heading-l">{ "Consultations for kiosk mode" }</h1>
            <p class="govuk-body">
                { "Choose a consultation, then hand the tablet to a young person. \
                   A participation worker sets a PIN first; it is needed to leave kiosk mode." }
            </p>
            if rows.is_empty() {
                <p class="govuk-body" id="no-open-consultations">
                    { "There are no open consultations. A participation worker opens one from their own device; \
                       it appears here when this tablet is online." }
                </p>
            } else {
                <table class="govuk-table">
                    <caption class="govuk-table__caption govuk-visually-hidden">{ "Open consultations" }</caption>
                    <thead class="govuk-table__head">
                        <tr class="govuk-table__row">
                            <th scope="col" class="govuk-table__header">{ "Consultation" }</th>
                            <th scope="col" class="govuk-table__header">{ "Kiosk" }</th>
                        </tr>
                    </thead>
                    <tbody class="govuk-table__body">
                        { for rows.into_iter().map(|(id, title, state)| {
                            let chosen = chosen.clone();
                            let problem = problem.clone();
                            let start = Callback::from(move |_: MouseEvent| {
                                problem.set(None);
                                chosen.set(Some(id));
                            });
                            html! {
                                <tr class="govuk-table__row consultation-row" data-document-id={id.to_string()}
                                    data-state={state.map_or("unknown", WorkflowState::as_str)}>
                                    <td class="govuk-table__cell">{ title.clone() }</td>
                                    <td class="govuk-table__cell">
                                        <button type="button" id="start-kiosk" data-document-id={id.to_string()}
                                            class="govuk-button govuk-!-margin-bottom-0" onclick={start}
                                            aria-label={format!("Start kiosk: {title}")}>
                                            { "Start kiosk" }
                                        </button>
                                    </td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
            }
        </>
    }
}

/// Properties of [`KioskPage`].
#[derive(Properties, PartialEq)]
pub struct KioskPageProps {
    /// The consultation's document.
    pub id: DocumentId,
}

/// `#/kiosk/<id>`: the kiosk itself, its PIN check, and where each response goes.
#[function_component]
pub fn KioskPage(props: &KioskPageProps) -> Html {
    let app = use_app();
    let kiosk = use_kiosk();
    let id = props.id;
    // The stored lock, read once; wrong PINs update it here and on disk.
    let lock: Rc<RefCell<Option<KioskLock>>> = use_mut_ref(|| None);
    let loaded = use_state(|| false);
    let pause = use_state(|| None::<u64>);
    let tries_left = use_state(|| None::<u32>);
    let save_error = use_state(|| None::<String>);
    {
        let (rt, lock, loaded, pause) =
            (app.rt.clone(), lock.clone(), loaded.clone(), pause.clone());
        use_effect_with(id, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let stored = rt.setting(kiosk_lock::SETTING).await.ok().flatten();
                let read = stored.as_deref().and_then(KioskLock::from_json);
                pause.set(read.as_ref().and_then(|l| l.pause_seconds(now_ms())));
                *lock.borrow_mut() = read;
                loaded.set(true);
            });
        });
    }
    // While a pause runs, count it down once a second so the worker sees how long is left.
    {
        let (lock, pause) = (lock.clone(), pause.clone());
        use_effect_with(pause.is_some(), move |running| {
            let interval = running.then(|| {
                Interval::new(1_000, move || {
                    let left = lock
                        .borrow()
                        .as_ref()
                        .and_then(|l| l.pause_seconds(now_ms()));
                    pause.set(left);
                })
            });
            move || drop(interval)
        });
    }

    let Some(me) = app.rt.me() else {
        return html! {};
    };
    let record = app.rt.with_engine(|e| match e.record(id) {
        Some(Ok(Record::Consultation(c))) => Some(c),
        _ => None,
    });
    let connected = app.rt.with_engine(|e| e.is_connected());

    let pin_ok = {
        let (rt, lock, pause, tries_left) = (
            app.rt.clone(),
            lock.clone(),
            pause.clone(),
            tries_left.clone(),
        );
        Callback::from(move |typed: String| {
            let mut guard = lock.borrow_mut();
            // No lock stored (it was removed elsewhere): nothing holds the tablet here.
            let Some(l) = guard.as_mut() else {
                return true;
            };
            let now = now_ms();
            let verdict = l.attempt(&typed, now);
            let json = l.to_json();
            drop(guard);
            let (rt2, json) = (rt.clone(), json);
            // The count of wrong PINs outlives a reload.
            wasm_bindgen_futures::spawn_local(async move {
                let _ = rt2.set_setting(kiosk_lock::SETTING, &json).await;
            });
            match verdict {
                Attempt::Right => {
                    tries_left.set(None);
                    true
                }
                Attempt::Wrong { left } => {
                    tries_left.set((left > 0).then_some(left));
                    pause.set(lock.borrow().as_ref().and_then(|l| l.pause_seconds(now)));
                    false
                }
                Attempt::Wait { seconds } => {
                    pause.set(Some(seconds));
                    false
                }
            }
        })
    };
    let on_exit = {
        let (rt, set) = (app.rt.clone(), kiosk.set.clone());
        Callback::from(move |()| {
            let (rt, set) = (rt.clone(), set.clone());
            wasm_bindgen_futures::spawn_local(async move {
                if rt.delete_setting(kiosk_lock::SETTING).await.is_ok() {
                    set.emit(KioskMode::Off);
                    navigate(&Route::Homes);
                }
            });
        })
    };
    let on_submit = {
        let (rt, save_error) = (app.rt.clone(), save_error.clone());
        let consultation = record.clone();
        let actor = me.actor();
        Callback::from(move |response: ConsultationResponse| {
            let record = Record::ConsultationResponse(response);
            // The server's own checks, so answers it would refuse are not kept on the tablet.
            let verdict = match (&actor, &consultation) {
                (Some(actor), Some(c)) => {
                    rules::check_change(None, &record, actor).and_then(|()| match &record {
                        Record::ConsultationResponse(r) => rules::check_response_fits(None, r, c),
                        _ => Ok(()),
                    })
                }
                _ => Ok(()),
            };
            if let Err(refused) = verdict {
                save_error.set(Some(refused.message().to_string()));
                return;
            }
            match rt.create(&record) {
                Ok(_) => save_error.set(None),
                Err(e) => save_error.set(Some(e.to_string())),
            }
        })
    };

    let staff_notes = html! {
        <>
            if let Some(seconds) = *pause {
                <div class="govuk-error-summary" role="alert" id="kiosk-pin-wait">
                    <h2 class="govuk-error-summary__title">{ "Too many wrong PINs" }</h2>
                    <div class="govuk-error-summary__body">
                        <p class="govuk-body">{ format!("Wait {seconds} {} before trying again.",
                            if seconds == 1 { "second" } else { "seconds" }) }</p>
                    </div>
                </div>
            } else if let Some(left) = *tries_left {
                <p class="govuk-body" id="kiosk-pin-tries" role="status">
                    { format!("{left} {} left before a one-minute pause.", if left == 1 { "try" } else { "tries" }) }
                </p>
            }
            if let Some(message) = &*save_error {
                <div class="govuk-warning-text" role="alert" id="kiosk-save-error">
                    <span class="govuk-warning-text__icon" aria-hidden="true">{ "!" }</span>
                    <strong class="govuk-warning-text__text">
                        <span class="govuk-visually-hidden">{ "Warning" }</span>
                        { format!("For staff: the last answers could not be saved ({message}).") }
                    </strong>
                </div>
            }
        </>
    };

    if !*loaded {
        return html! {};
    }
    let Some(consultation) = record else {
        return html! {
            <div id="kiosk" class="hearth-kiosk" data-screen="loading">
                { staff_notes }
                <h1 class="govuk-heading-l">{ "Getting the survey ready" }</h1>
                <p class="govuk-body-l">
                    if connected {
                        { "Downloading the survey. This takes a moment." }
                    } else {
                        { "This tablet needs the internet once to download the survey. Please give it back to the adult who gave it to you." }
                    }
                </p>
            </div>
        };
    };
    html! {
        <>
            { staff_notes }
            // Keyed by consultation, so another consultation starts a fresh flow.
            <Kiosk key={id.to_string()} consultation={consultation} consultation_id={id.to_string()}
                young_person_id={me.user.id.clone()} on_submit={on_submit} on_exit={on_exit} pin_ok={pin_ok} />
        </>
    }
}

/// Whether this account's home page is the kiosk start page.
pub fn runs_kiosk(role: Option<Role>) -> bool {
    role == Some(Role::YoungPerson)
}
