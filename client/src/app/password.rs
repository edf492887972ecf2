//! `#/password`: change your password. Online only (the server checks the current one); the
//! device's data key is re-wrapped with the new one, and every other device is signed out.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::{input_value, use_app};
use crate::platform::api::ApiError;
use crate::session::new_password_problem;

/// What the page shows after a submit.
#[derive(Clone, PartialEq)]
enum Outcome {
    /// A problem, and the field it is about.
    Problem(&'static str, String),
    /// Changed.
    Changed,
}

/// The change-password form.
#[function_component]
pub fn ChangePassword() -> Html {
    let app = use_app();
    let current = use_node_ref();
    let new = use_node_ref();
    let confirm = use_node_ref();
    let outcome = use_state(|| None::<Outcome>);
    let busy = use_state(|| false);
    let onsubmit = {
        let rt = app.rt.clone();
        let (current, new, confirm) = (current.clone(), new.clone(), confirm.clone());
        let (outcome, busy) = (outcome.clone(), busy.clone());
        Callback::from(move |event: SubmitEvent| {
            // Keep the page: a real submit would reload it.
            event.prevent_default();
            let (now, next, again) = (
                input_value(&current),
                input_value(&new),
                input_value(&confirm),
            );
            if now.is_empty() {
                outcome.set(Some(Outcome::Problem(
                    "current-password",
                    "Enter your current password".into(),
                )));
                return;
            }
            if let Some(problem) = new_password_problem(&next, &again) {
                outcome.set(Some(Outcome::Problem("new-password", problem.into())));
                return;
            }
            let (rt, outcome, busy) = (rt.clone(), outcome.clone(), busy.clone());
            let fields = [current.clone(), new.clone(), confirm.clone()];
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let result = rt.change_password(&now, &next).await;
                busy.set(false);
                outcome.set(Some(match result {
                    Ok(()) => {
                        // Passwords do not stay in the page once used.
                        for field in &fields {
                            if let Some(input) = field.cast::<HtmlInputElement>() {
                                input.set_value("");
                            }
                        }
                        Outcome::Changed
                    }
                    Err(ApiError::Offline) => Outcome::Problem(
                        "current-password",
                        "You are offline. Changing your password needs an internet connection."
                            .into(),
                    ),
                    Err(ApiError::SignedOut) => Outcome::Problem(
                        "current-password",
                        "Your session has ended. Sign in again, then change your password.".into(),
                    ),
                    Err(ApiError::Refused { code, .. }) if code == "bad_credentials" => {
                        Outcome::Problem(
                            "current-password",
                            "Your current password is not right".into(),
                        )
                    }
                    Err(ApiError::Refused { message, .. }) => {
                        Outcome::Problem("new-password", message)
                    }
                }));
            });
        })
    };
    let forced = app.rt.me().is_some_and(|m| m.user.must_change_password);
    let problem = match &*outcome {
        Some(Outcome::Problem(field, message)) => Some((*field, message.clone())),
        _ => None,
    };
    let field = |id: &'static str, label: &'static str, autocomplete: &'static str, r: &NodeRef| {
        let error = problem
            .as_ref()
            .filter(|(f, _)| *f == id)
            .map(|(_, m)| m.clone());
        html! {
            <div class={classes!("govuk-form-group", error.is_some().then_some("govuk-form-group--error"))}>
                <label class="govuk-label" for={id}>{ label }</label>
                if let Some(message) = &error {
                    <p id={format!("{id}-error")} class="govuk-error-message">
                        <span class="govuk-visually-hidden">{ "Error: " }</span>{ message.clone() }
                    </p>
                }
                <input ref={r.clone()} id={id} name={id} type="password" autocomplete={autocomplete}
                    class={classes!("govuk-input", "govuk-!-width-two-thirds", error.is_some().then_some("govuk-input--error"))}
                    aria-describedby={error.is_some().then(|| format!("{id}-error"))} />
            </div>
        }
    };
    html! {
        <div class="govuk-grid-row">
            <div class="govuk-grid-column-two-thirds">
                if let Some((field_id, message)) = &problem {
                    <div class="govuk-error-summary" data-module="govuk-error-summary">
                        <div role="alert">
                            <h2 class="govuk-error-summary__title">{ "There is a problem" }</h2>
                            <div class="govuk-error-summary__body">
                                <ul class="govuk-list govuk-error-summary__list">
                                    <li><a href={format!("#{field_id}")}>{ message.clone() }</a></li>
                                </ul>
                            </div>
                        </div>
                    </div>
                }
                if *outcome == Some(Outcome::Changed) {
                    <div class="govuk-notification-banner govuk-notification-banner--success" role="alert"
                        id="password-changed" aria-labelledby="password-changed-title">
                        <div class="govuk-notification-banner__header">
                            <h2 class="govuk-notification-banner__title" id="password-changed-title">{ "Success" }</h2>
                        </div>
                        <div class="govuk-notification-banner__content">
                            <p class="govuk-notification-banner__heading">
                                { "Your password has been changed. Any other device you were signed in on has been signed out." }
                            </p>
                        </div>
                    </div>
                }
                if forced {
                    <h1 class="govuk-heading-l">{ "Choose your own password" }</h1>
                    <p class="govuk-body" id="password-must-change">
                        { "You signed in with a password you were given. Choose your own before you start: nothing else works until you do." }
                    </p>
                } else {
                    <h1 class="govuk-heading-l">{ "Change your password" }</h1>
                }
                <p class="govuk-body">
                    { "You need an internet connection. On this device, use your new password from now on, including to unlock Hearth." }
                </p>
                <form {onsubmit} novalidate=true>
                    { field("current-password", "Current password", "current-password", &current) }
                    { field("new-password", "New password (12 characters or more)", "new-password", &new) }
                    { field("confirm-password", "Type your new password again", "new-password", &confirm) }
                    <button id="change-password" type="submit" class="govuk-button" disabled={*busy}>
                        { "Change password" }
                    </button>
                </form>
            </div>
        </div>
    }
}
