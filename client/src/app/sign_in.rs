//! Sign in. Needs the network once per device; afterwards the user is remembered and the app
//! starts offline.

use yew::prelude::*;

use super::{input_value, navigate, use_app};
use crate::platform::api::ApiError;
use crate::route::Route;

/// The sign-in form.
#[function_component]
pub fn SignIn() -> Html {
    let app = use_app();
    let username = use_node_ref();
    let password = use_node_ref();
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let onsubmit = {
        let (rt, username, password) = (app.rt.clone(), username.clone(), password.clone());
        let (error, busy) = (error.clone(), busy.clone());
        Callback::from(move |event: SubmitEvent| {
            // Keep the page: a real submit would reload it.
            event.prevent_default();
            let (user, pass) = (input_value(&username), input_value(&password));
            if user.trim().is_empty() || pass.is_empty() {
                error.set(Some("Enter your username and password".into()));
                return;
            }
            let (rt, error, busy) = (rt.clone(), error.clone(), busy.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let result = rt.sign_in(user.trim(), &pass).await;
                busy.set(false);
                match result {
                    Ok(()) => {
                        error.set(None);
                        navigate(&Route::Homes);
                    }
                    Err(ApiError::Offline) => error.set(Some(
                        "You are offline. Signing in needs an internet connection the first time \
                         on each device."
                            .into(),
                    )),
                    Err(ApiError::Refused { code, .. }) if code == "too_many_attempts" => error
                        .set(Some(
                            "Too many attempts. Wait 15 minutes, then try again.".into(),
                        )),
                    Err(_) => error.set(Some("Enter a correct username and password".into())),
                }
            });
        })
    };
    let signed_out_with_work = app.rt.me().is_some();
    let notice = app.rt.notice();
    html! {
        <div class="govuk-grid-row">
            <div class="govuk-grid-column-two-thirds">
                if let Some(message) = &*error {
                    <div class="govuk-error-summary" data-module="govuk-error-summary">
                        <div role="alert">
                            <h2 class="govuk-error-summary__title">{ "There is a problem" }</h2>
                            <div class="govuk-error-summary__body">
                                <ul class="govuk-list govuk-error-summary__list">
                                    <li><a href="#username">{ message.clone() }</a></li>
                                </ul>
                            </div>
                        </div>
                    </div>
                }
                <h1 class="govuk-heading-l">{ "Sign in to Hearth" }</h1>
                if let Some(notice) = notice {
                    <p class="govuk-inset-text" id="sign-in-notice">{ notice }</p>
                }
                if signed_out_with_work {
                    <p class="govuk-inset-text">
                        { "Your changes are kept on this device. Sign in again to send them." }
                    </p>
                }
                <form {onsubmit} novalidate=true>
                    <div class="govuk-form-group">
                        <label class="govuk-label" for="username">{ "Username" }</label>
                        <input ref={username} class="govuk-input govuk-!-width-two-thirds" id="username"
                            name="username" type="text" autocomplete="username"
                            spellcheck="false" autocapitalize="none" />
                    </div>
                    <div class="govuk-form-group">
                        <label class="govuk-label" for="password">{ "Password" }</label>
                        <input ref={password} class="govuk-input govuk-!-width-two-thirds" id="password"
                            name="password" type="password" autocomplete="current-password" />
                    </div>
                    <button id="sign-in" type="submit" class="govuk-button" disabled={*busy}>
                        { "Sign in" }
                    </button>
                </form>
                <h2 class="govuk-heading-s">{ "A tablet for a consultation" }</h2>
                <p class="govuk-body">
                    <a class="govuk-link" id="set-up-this-tablet" href={Route::KioskSetupEntry.href()}>
                        { "Set up this tablet with a code" }
                    </a>
                </p>
            </div>
        </div>
    }
}
