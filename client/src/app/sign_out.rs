//! The sign-out warning: signing out deletes this user's records from the device, so with
//! changes the server has not got yet, the user chooses (staying signed in is the default).

use yew::prelude::*;

use super::{navigate, use_app};
use crate::platform::vault::unsent_warning;
use crate::route::Route;

/// Properties of [`ConfirmSignOut`].
#[derive(Properties, PartialEq)]
pub struct ConfirmSignOutProps {
    /// Records with unsent changes.
    pub unsent: usize,
}

/// "3 changes have not reached the server yet — signing out now would delete them".
#[function_component]
pub fn ConfirmSignOut(props: &ConfirmSignOutProps) -> Html {
    let app = use_app();
    let stay = use_node_ref();
    {
        // The safe choice has the focus, so Enter keeps the work.
        let stay = stay.clone();
        use_effect_with((), move |_| {
            if let Some(button) = stay.cast::<web_sys::HtmlElement>() {
                let _ = button.focus();
            }
        });
    }
    let on_stay = {
        let rt = app.rt.clone();
        Callback::from(move |_: MouseEvent| rt.cancel_sign_out())
    };
    let on_delete = {
        let rt = app.rt.clone();
        Callback::from(move |_: MouseEvent| {
            let rt = rt.clone();
            wasm_bindgen_futures::spawn_local(async move {
                rt.sign_out(true).await;
                navigate(&Route::SignIn);
            });
        })
    };
    html! {
        <div class="govuk-grid-row">
            <div class="govuk-grid-column-two-thirds">
                <h1 class="govuk-heading-l">{ "Your changes have not been sent" }</h1>
                <div class="govuk-warning-text">
                    <span class="govuk-warning-text__icon" aria-hidden="true">{ "!" }</span>
                    <strong class="govuk-warning-text__text" id="unsent-warning">
                        <span class="govuk-visually-hidden">{ "Warning" }</span>
                        { unsent_warning(props.unsent) }
                    </strong>
                </div>
                <p class="govuk-body">
                    { "Signing out removes your records from this device. Stay signed in and \
                       connect to the internet: once the status says all changes are saved to the \
                       server, you can sign out safely." }
                </p>
                <div class="govuk-button-group">
                    <button ref={stay} id="stay-signed-in" type="button" class="govuk-button"
                        onclick={on_stay}>
                        { "Stay signed in" }
                    </button>
                    <button id="sign-out-delete" type="button" class="govuk-button govuk-button--warning"
                        onclick={on_delete}>
                        { "Sign out and delete them" }
                    </button>
                </div>
            </div>
        </div>
    }
}
