//! Setting up a tablet for a consultation with a set-up code:
//! - the worker's side, `#/consultations/<id>/tablet`: a fresh single-use code, as large text
//!   and as a QR code, with when it expires and what to do;
//! - the tablet's side, `#/kiosk-setup/<code>` (what the QR code opens) or `#/kiosk-setup`
//!   ("Set up this tablet", from the sign-in page, to type the code): the tablet signs itself in
//!   as the kiosk account made for it and goes straight to the worker's PIN screen.

use gloo_timers::callback::Interval;
use hearth_shared::ids::DocumentId;
use hearth_shared::model::Record;
use yew::prelude::*;

use super::{clock_time, input_value, navigate, now_ms, use_app};
use crate::devices::{SetupCode, normalize_setup_code, svg_data_url, time_left};
use crate::platform::api::{self, ApiError};
use crate::route::Route;

/// Properties of [`TabletCode`].
#[derive(Properties, PartialEq)]
pub struct TabletCodeProps {
    /// The consultation the tablet will run.
    pub id: DocumentId,
}

#[derive(Clone, PartialEq)]
enum Issued {
    Asking,
    Code(SetupCode),
    Failed(String),
}

/// `#/consultations/<id>/tablet`: a set-up code for one tablet (participation workers).
#[function_component]
pub fn TabletCode(props: &TabletCodeProps) -> Html {
    let app = use_app();
    let issued = use_state(|| Issued::Asking);
    // Asking again for a new code.
    let round = use_state(|| 0u32);
    // Re-rendered every few seconds, so the time left and "expired" stay true.
    let now = use_state(now_ms);
    let id = props.id;
    {
        let issued = issued.clone();
        use_effect_with((id, *round), move |(id, _)| {
            issued.set(Issued::Asking);
            let id = id.to_string();
            wasm_bindgen_futures::spawn_local(async move {
                issued.set(match api::kiosk_setup_code(&id).await {
                    Ok(code) => Issued::Code(code),
                    Err(ApiError::Offline) => Issued::Failed(
                        "You are offline. A set-up code needs an internet connection.".into(),
                    ),
                    Err(e) => Issued::Failed(e.to_string()),
                });
            });
        });
    }
    {
        let now = now.clone();
        use_effect_with((), move |_| {
            let interval = Interval::new(5_000, move || now.set(now_ms()));
            move || drop(interval)
        });
    }
    let title = app.rt.with_engine(|e| match e.record(id) {
        Some(Ok(Record::Consultation(c))) if !c.title.trim().is_empty() => c.title,
        _ => "Consultation".to_string(),
    });
    let new_code = {
        let round = round.clone();
        Callback::from(move |_: MouseEvent| round.set(*round + 1))
    };
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    html! {
        <div class="govuk-grid-row">
            <div class="govuk-grid-column-two-thirds">
                <a href={Route::Consultation(id).href()} class="govuk-back-link">{ "Back to the consultation" }</a>
                <span class="govuk-caption-l">{ title.clone() }</span>
                <h1 class="govuk-heading-l">{ "Set up a tablet" }</h1>
                {
                    match &*issued {
                        Issued::Asking => html! {
                            <p class="govuk-body" role="status">{ "Getting a set-up code…" }</p>
                        },
                        Issued::Failed(message) => html! {
                            <>
                                <p class="govuk-error-message" role="alert" id="setup-code-problem">{ message.clone() }</p>
                                <button type="button" class="govuk-button" id="new-setup-code" onclick={new_code}>
                                    { "Try again" }
                                </button>
                            </>
                        },
                        Issued::Code(code) => {
                            let left = time_left(code.expires_at, *now);
                            html! {
                                <>
                                    <h2 class="govuk-heading-m">{ "Set-up code" }</h2>
                                    <p class="govuk-heading-xl hearth-setup-code" id="setup-code"
                                        data-url={code.url.clone()}>{ code.code.clone() }</p>
                                    <img id="setup-qr" src={svg_data_url(&code.qr_svg)} width="240" height="240"
                                        class="hearth-setup-qr"
                                        alt={format!("QR code that opens Hearth on the tablet with set-up code {}", code.code)} />
                                    if let Some(left) = left {
                                        <p class="govuk-body" id="setup-code-expiry">
                                            { format!("This code works once, until {} ({left} left).", clock_time(code.expires_at)) }
                                        </p>
                                    } else {
                                        <div class="govuk-warning-text" id="setup-code-expired">
                                            <span class="govuk-warning-text__icon" aria-hidden="true">{ "!" }</span>
                                            <strong class="govuk-warning-text__text">
                                                <span class="govuk-visually-hidden">{ "Warning" }</span>
                                                { "This code has expired. Get a new one." }
                                            </strong>
                                        </div>
                                    }
                                    <h2 class="govuk-heading-m">{ "On the tablet" }</h2>
                                    <ol class="govuk-list govuk-list--number">
                                        <li>{ "Scan the QR code with the tablet's camera and open the link. Or open " }
                                            <strong>{ origin }</strong>
                                            { ", choose \u{201c}Set up this tablet\u{201d} and type the code." }</li>
                                        <li>{ "The tablet signs itself in for this consultation. Nobody types a password." }</li>
                                        <li>{ "Set a PIN on the tablet. It is needed to leave kiosk mode, so keep it to yourself." }</li>
                                        <li>{ "Hand the tablet to a young person." }</li>
                                    </ol>
                                    <p class="govuk-body">
                                        { "The tablet appears in Devices, where it can be signed out. Answers it has not sent yet are lost if it is." }
                                    </p>
                                    <button type="button" class="govuk-button govuk-button--secondary" id="new-setup-code"
                                        onclick={new_code}>
                                        { "Get a new code" }
                                    </button>
                                </>
                            }
                        }
                    }
                }
            </div>
        </div>
    }
}

/// Properties of [`SetUpTablet`].
#[derive(Properties, PartialEq)]
pub struct SetUpTabletProps {
    /// The code from the address (`#/kiosk-setup/<code>`); `None` to type it.
    #[prop_or_default]
    pub code: Option<String>,
}

/// What the tablet's set-up page is doing.
#[derive(Clone, PartialEq)]
enum Progress {
    Idle,
    Working,
    Failed(String),
}

fn setup_problem(error: ApiError) -> String {
    match error {
        ApiError::Offline => {
            "You are offline. Setting up a tablet needs an internet connection.".into()
        }
        other => other.to_string(),
    }
}

/// `#/kiosk-setup/<code>` and `#/kiosk-setup`: this tablet signs in with a set-up code.
#[function_component]
pub fn SetUpTablet(props: &SetUpTabletProps) -> Html {
    let app = use_app();
    let progress = use_state(|| Progress::Idle);
    let input = use_node_ref();
    let set_up = {
        let (rt, progress) = (app.rt.clone(), progress.clone());
        Callback::from(move |code: String| {
            let (rt, progress) = (rt.clone(), progress.clone());
            progress.set(Progress::Working);
            wasm_bindgen_futures::spawn_local(async move {
                match rt.set_up_tablet(&code).await {
                    // The kiosk account's home page is the PIN screen for its consultation.
                    Ok(_) => navigate(&Route::Homes),
                    Err(e) => progress.set(Progress::Failed(setup_problem(e))),
                }
            });
        })
    };
    {
        // A code from the address (the QR code) is used at once, once.
        let set_up = set_up.clone();
        use_effect_with(props.code.clone(), move |code| {
            if let Some(code) = code {
                set_up.emit(code.clone());
            }
        });
    }
    let onsubmit = {
        let (input, progress, set_up) = (input.clone(), progress.clone(), set_up.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            match normalize_setup_code(&input_value(&input)) {
                Some(code) => set_up.emit(code),
                None => progress.set(Progress::Failed(
                    "Enter the 8-character code shown on the worker's screen, like ABCD-2345"
                        .into(),
                )),
            }
        })
    };
    let problem = match &*progress {
        Progress::Failed(message) => Some(message.clone()),
        _ => None,
    };
    let working = *progress == Progress::Working;
    html! {
        <div class="govuk-grid-row">
            <div class="govuk-grid-column-two-thirds">
                if let Some(message) = &problem {
                    <div class="govuk-error-summary" data-module="govuk-error-summary">
                        <div role="alert">
                            <h2 class="govuk-error-summary__title">{ "There is a problem" }</h2>
                            <div class="govuk-error-summary__body">
                                <ul class="govuk-list govuk-error-summary__list">
                                    <li><a href="#setup-code-input" id="setup-problem">{ message.clone() }</a></li>
                                </ul>
                            </div>
                        </div>
                    </div>
                }
                <h1 class="govuk-heading-l">{ "Set up this tablet" }</h1>
                if working {
                    <p class="govuk-body" role="status" id="setting-up">{ "Setting up this tablet…" }</p>
                } else {
                    <p class="govuk-body">
                        { "For a participation worker. On your own device, open the consultation and choose \
                           \u{201c}Set up a tablet\u{201d}. Then scan its QR code with this tablet, or type the code here." }
                    </p>
                    <form {onsubmit} novalidate=true>
                        <div class={classes!("govuk-form-group", problem.is_some().then_some("govuk-form-group--error"))}>
                            <label class="govuk-label govuk-label--s" for="setup-code-input">{ "Set-up code" }</label>
                            <div class="govuk-hint" id="setup-code-hint">{ "8 letters and numbers, like ABCD-2345" }</div>
                            if let Some(message) = &problem {
                                <p class="govuk-error-message" id="setup-code-error">
                                    <span class="govuk-visually-hidden">{ "Error: " }</span>{ message.clone() }
                                </p>
                            }
                            <input ref={input} id="setup-code-input" name="setup-code" type="text"
                                class={classes!("govuk-input", "govuk-input--width-10", problem.is_some().then_some("govuk-input--error"))}
                                value={props.code.clone().unwrap_or_default()}
                                autocomplete="off" spellcheck="false" autocapitalize="characters"
                                aria-describedby={if problem.is_some() { "setup-code-hint setup-code-error" } else { "setup-code-hint" }} />
                        </div>
                        <button type="submit" class="govuk-button" id="set-up-tablet">{ "Set up this tablet" }</button>
                    </form>
                    <p class="govuk-body"><a class="govuk-link" href={Route::SignIn.href()}>{ "Sign in with a username and password instead" }</a></p>
                }
            </div>
        </div>
    }
}
