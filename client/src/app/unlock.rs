//! The password pages of encryption at rest: **Unlock** (the records on this device are
//! encrypted and the key is not in memory: after a reload, a browser restart or the auto-lock;
//! works offline) and **Enter your previous password** (the password was changed elsewhere, so
//! the new one does not open this device's key yet).

use std::rc::Rc;

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::use_app;
use crate::platform::Runtime;
use crate::platform::runtime::LockScreen;
use crate::platform::vault::webcrypto::VaultError;
use crate::route::Route;

/// The page that replaces every screen (the kiosk's included) while the app is locked, if any.
/// The Unlock page leaves `#/sign-in` (and setting up a tablet with a code) reachable, so
/// someone else can sign in on a shared tablet (the locked records stay encrypted on the device).
pub fn guard_page(rt: &Runtime, route: &Route) -> Option<Html> {
    match rt.lock_screen()? {
        LockScreen::Unlock { .. }
            if matches!(
                route,
                Route::SignIn | Route::KioskSetup(_) | Route::KioskSetupEntry
            ) =>
        {
            None
        }
        LockScreen::Unlock { username, idle } => Some(html! { <Unlock {username} {idle} /> }),
        LockScreen::PreviousPassword { username } => {
            Some(html! { <PreviousPassword {username} /> })
        }
    }
}

/// What the user is told when the password does not open the key.
fn message(error: &VaultError) -> String {
    match error {
        VaultError::WrongPassword => "The password is not correct".into(),
        VaultError::Corrupt => "The records on this device could not be opened. Sign in again \
                                when you have an internet connection."
            .into(),
        VaultError::Unavailable(_) => format!("{error}. Ask your IT service desk."),
    }
}

/// Properties of [`Unlock`].
#[derive(Properties, PartialEq)]
pub struct UnlockProps {
    /// Whose records are locked.
    pub username: String,
    /// Locked after inactivity.
    pub idle: bool,
}

/// One password field, its error and a submit button, as a GOV.UK form.
#[derive(Properties, PartialEq)]
struct PasswordFormProps {
    /// The input's id (the browser tests key on it).
    id: AttrValue,
    /// The submit button's id.
    button_id: AttrValue,
    label: AttrValue,
    button: AttrValue,
    /// Called with the password; answers with an error message, or `None` on success.
    on_submit: Callback<(String, Callback<Option<String>>)>,
}

#[function_component]
fn PasswordForm(props: &PasswordFormProps) -> Html {
    let input = use_node_ref();
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);
    {
        // A one-field page: the cursor starts in it.
        let input = input.clone();
        use_effect_with((), move |_| {
            if let Some(input) = input.cast::<HtmlInputElement>() {
                let _ = input.focus();
            }
        });
    }
    let onsubmit = {
        let (input, error, busy) = (input.clone(), error.clone(), busy.clone());
        let on_submit = props.on_submit.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            if *busy {
                return;
            }
            let Some(field) = input.cast::<HtmlInputElement>() else {
                return;
            };
            let password = field.value();
            if password.is_empty() {
                error.set(Some("Enter your password".into()));
                return;
            }
            busy.set(true);
            let (error, busy, field) = (error.clone(), busy.clone(), field.clone());
            on_submit.emit((
                password,
                Callback::from(move |result: Option<String>| {
                    busy.set(false);
                    if result.is_some() {
                        field.set_value("");
                        let _ = field.focus();
                    }
                    error.set(result);
                }),
            ));
        })
    };
    let error_id = format!("{}-error", props.id);
    html! {
        <>
            if let Some(message) = &*error {
                <div class="govuk-error-summary" data-module="govuk-error-summary">
                    <div role="alert">
                        <h2 class="govuk-error-summary__title">{ "There is a problem" }</h2>
                        <div class="govuk-error-summary__body">
                            <ul class="govuk-list govuk-error-summary__list">
                                <li><a href={format!("#{}", props.id)}>{ message.clone() }</a></li>
                            </ul>
                        </div>
                    </div>
                </div>
            }
            <form {onsubmit} novalidate=true>
                <div class={classes!("govuk-form-group", error.is_some().then_some("govuk-form-group--error"))}>
                    <label class="govuk-label" for={props.id.clone()}>{ props.label.clone() }</label>
                    if let Some(message) = &*error {
                        <p id={error_id.clone()} class="govuk-error-message">
                            <span class="govuk-visually-hidden">{ "Error: " }</span>{ message.clone() }
                        </p>
                    }
                    <input ref={input} id={props.id.clone()} name="password" type="password"
                        autocomplete="current-password"
                        class={classes!("govuk-input", "govuk-!-width-two-thirds",
                            error.is_some().then_some("govuk-input--error"))}
                        aria-describedby={error.is_some().then_some(error_id)} />
                </div>
                <button id={props.button_id.clone()} type="submit" class="govuk-button" disabled={*busy}>
                    { if *busy { AttrValue::from("Checking…") } else { props.button.clone() } }
                </button>
            </form>
        </>
    }
}

/// Runs `f` on the runtime and reports its error, if any, to the form.
fn submit_with<F, Fut>(rt: Rc<Runtime>, f: F) -> Callback<(String, Callback<Option<String>>)>
where
    F: Fn(Rc<Runtime>, String) -> Fut + 'static,
    Fut: std::future::Future<Output = Result<(), VaultError>> + 'static,
{
    Callback::from(
        move |(password, done): (String, Callback<Option<String>>)| {
            let future = f(rt.clone(), password);
            wasm_bindgen_futures::spawn_local(async move {
                done.emit(future.await.err().as_ref().map(message));
            });
        },
    )
}

/// `#unlock-password` and `#unlock`: opens the last user's records on this device.
#[function_component]
pub fn Unlock(props: &UnlockProps) -> Html {
    let app = use_app();
    let on_submit = submit_with(app.rt.clone(), |rt, password| async move {
        rt.unlock(&password).await
    });
    html! {
        <div class="govuk-grid-row">
            <div class="govuk-grid-column-two-thirds">
                <h1 class="govuk-heading-l">{ "Unlock Hearth" }</h1>
                if props.idle {
                    <p class="govuk-body">{ "Hearth locked itself because it was not used for 15 minutes." }</p>
                }
                <p class="govuk-body">
                    { "The records on this device are encrypted. Enter the password for " }
                    <strong>{ &props.username }</strong>
                    { " to open them. You do not need an internet connection." }
                </p>
                <PasswordForm id="unlock-password" button_id="unlock" label="Password"
                    button="Unlock" {on_submit} />
                <p class="govuk-body">
                    <a class="govuk-link" id="sign-in-as-someone-else" href={Route::SignIn.href()}>
                        { "Sign in as someone else" }
                    </a>
                </p>
            </div>
        </div>
    }
}

/// Properties of [`PreviousPassword`].
#[derive(Properties, PartialEq)]
pub struct PreviousPasswordProps {
    /// Whose records.
    pub username: String,
}

/// `#previous-password`: after a password change made elsewhere, the previous password opens
/// this device's key once, and it is re-wrapped under the new one.
#[function_component]
pub fn PreviousPassword(props: &PreviousPasswordProps) -> Html {
    let app = use_app();
    let on_submit = submit_with(app.rt.clone(), |rt, password| async move {
        rt.unlock_with_previous(&password).await
    });
    let afresh_error = use_state(|| None::<String>);
    let on_afresh = {
        let (rt, afresh_error) = (app.rt.clone(), afresh_error.clone());
        Callback::from(move |_: MouseEvent| {
            let (rt, afresh_error) = (rt.clone(), afresh_error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                afresh_error.set(rt.start_afresh().await.err().as_ref().map(message));
            });
        })
    };
    html! {
        <div class="govuk-grid-row">
            <div class="govuk-grid-column-two-thirds">
                <h1 class="govuk-heading-l">{ "Enter your previous password" }</h1>
                <p class="govuk-body">
                    { "The password for " }<strong>{ &props.username }</strong>
                    { " was changed since Hearth was last used on this device. The records on this \
                       device are still locked with the previous password." }
                </p>
                <p class="govuk-body">
                    { "Enter it once to open them. After that, your new password opens them." }
                </p>
                <PasswordForm id="previous-password" button_id="unlock-previous"
                    label="Previous password" button="Open records" {on_submit} />
                <details class="govuk-details">
                    <summary class="govuk-details__summary">
                        <span class="govuk-details__summary-text">{ "I cannot remember my previous password" }</span>
                    </summary>
                    <div class="govuk-details__text">
                        <div class="govuk-warning-text">
                            <span class="govuk-warning-text__icon" aria-hidden="true">{ "!" }</span>
                            <strong class="govuk-warning-text__text">
                                <span class="govuk-visually-hidden">{ "Warning" }</span>
                                { "Without it, the records on this device cannot be opened. You can \
                                   delete them and download your records from the server again, \
                                   but changes that had not reached the server will be lost." }
                            </strong>
                        </div>
                        if let Some(problem) = &*afresh_error {
                            <p class="govuk-error-message">{ problem.clone() }</p>
                        }
                        <button id="start-afresh" type="button" class="govuk-button govuk-button--warning"
                            onclick={on_afresh}>
                            { "Delete the records on this device and continue" }
                        </button>
                    </div>
                </details>
            </div>
        </div>
    }
}
