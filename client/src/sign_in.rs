//! The sign-in page. A placeholder until the server's session API exists: it shows the form a
//! worker will use but does not send anything.

use yew::prelude::*;

/// What the sign-in form is showing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    /// Waiting for the user to fill in the form.
    Idle,
    /// The user submitted, but there is no server to ask yet.
    NotConnected,
}

/// The sign-in form: username and password, then a start button.
#[function_component]
pub fn SignIn() -> Html {
    let status = use_state(|| Status::Idle);
    let onsubmit = {
        let status = status.clone();
        Callback::from(move |event: SubmitEvent| {
            // Keep the page: a real submit would reload it and lose any offline state.
            event.prevent_default();
            status.set(Status::NotConnected);
        })
    };

    html! {
        <>
            <h1 class="govuk-heading-l">{ "Sign in to Hearth" }</h1>
            if *status == Status::NotConnected {
                <div class="govuk-inset-text" role="status">
                    { "Signing in is not available yet. Nothing was sent." }
                </div>
            }
            <form {onsubmit} novalidate=true>
                <div class="govuk-form-group">
                    <label class="govuk-label" for="username">{ "Username" }</label>
                    <input class="govuk-input" id="username" name="username" type="text"
                        autocomplete="username" spellcheck="false" />
                </div>
                <div class="govuk-form-group">
                    <label class="govuk-label" for="password">{ "Password" }</label>
                    <input class="govuk-input" id="password" name="password" type="password"
                        autocomplete="current-password" />
                </div>
                <button type="submit" class="govuk-button">{ "Sign in" }</button>
            </form>
        </>
    }
}
