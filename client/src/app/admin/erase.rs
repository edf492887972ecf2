//! `#/admin/erase`: an administrator erases one record everywhere, with a reason, after a
//! confirmation. The record goes from the server at once and from every device at its next
//! sync; the audit keeps who erased it and why, never its content. Administrators cannot read
//! records, so the record is named by its id (an officer copies it from the record's address).

use yew::prelude::*;

use super::{ErrorSummary, Problem, SuccessBanner, problem};
use crate::platform::api;
use crate::route::Route;

/// Where the form is.
#[derive(Clone, PartialEq)]
enum Step {
    /// Filling in the id and the reason.
    Form,
    /// "Are you sure?", with what was entered.
    Confirm,
    /// Asked the server.
    Sending,
}

/// The erase-a-record page.
#[function_component]
pub fn ErasePage() -> Html {
    let id = use_state(String::new);
    let reason = use_state(String::new);
    let step = use_state(|| Step::Form);
    let refused = use_state(|| None::<Problem>);
    let done = use_state(|| None::<String>);

    let on_id = {
        let id = id.clone();
        Callback::from(move |e: InputEvent| {
            id.set(
                e.target_unchecked_into::<web_sys::HtmlInputElement>()
                    .value(),
            )
        })
    };
    let on_reason = {
        let reason = reason.clone();
        Callback::from(move |e: InputEvent| {
            reason.set(
                e.target_unchecked_into::<web_sys::HtmlTextAreaElement>()
                    .value(),
            )
        })
    };
    let on_continue = {
        let (id, reason, step, refused) =
            (id.clone(), reason.clone(), step.clone(), refused.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let missing = if id.trim().is_empty() {
                Some("Enter the record's id")
            } else if reason.trim().is_empty() {
                Some("Enter why the record is being erased")
            } else {
                None
            };
            match missing {
                Some(message) => refused.set(Some(Problem::local(message))),
                None => {
                    refused.set(None);
                    step.set(Step::Confirm);
                }
            }
        })
    };
    let on_cancel = {
        let step = step.clone();
        Callback::from(move |_: MouseEvent| step.set(Step::Form))
    };
    let on_erase = {
        let (id, reason, step, refused, done) = (
            id.clone(),
            reason.clone(),
            step.clone(),
            refused.clone(),
            done.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let (id, reason, step, refused, done) = (
                id.clone(),
                reason.clone(),
                step.clone(),
                refused.clone(),
                done.clone(),
            );
            step.set(Step::Sending);
            wasm_bindgen_futures::spawn_local(async move {
                match api::admin_erase_record(id.trim(), reason.trim()).await {
                    Ok(()) => {
                        done.set(Some(id.trim().to_string()));
                        id.set(String::new());
                        reason.set(String::new());
                        refused.set(None);
                    }
                    Err(e) => refused.set(Some(problem(&e))),
                }
                step.set(Step::Form);
            });
        })
    };

    html! {
        <>
            <a class="govuk-back-link" href={Route::Admin.href()}>{ "Administration" }</a>
            if let Some(erased) = &*done {
                <SuccessBanner message={format!("Record {erased} erased. Devices holding it drop it at their next sync.")} />
            }
            if let Some(p) = &*refused {
                <ErrorSummary problem={p.clone()} />
            }
            <h1 class="govuk-heading-l">{ "Erase a record" }</h1>
            if *step == Step::Form {
                <p class="govuk-body">{ "Erasing deletes the record from the server and, at their next sync, from every device that holds it. It cannot be undone. The audit keeps that it was erased, by you, and your reason." }</p>
                <form id="erase-form" novalidate=true onsubmit={on_continue}>
                    <div class="govuk-form-group">
                        <label class="govuk-label" for="erase-id">{ "Record id" }</label>
                        <div class="govuk-hint">{ "As shown at the end of the record's address" }</div>
                        <input class="govuk-input" id="erase-id" type="text" spellcheck="false"
                            autocomplete="off" value={(*id).clone()} oninput={on_id} />
                    </div>
                    <div class="govuk-form-group">
                        <label class="govuk-label" for="erase-reason">{ "Reason" }</label>
                        <div class="govuk-hint">{ "For the audit. Do not write a child's name or anything from the record." }</div>
                        <textarea class="govuk-textarea" id="erase-reason" rows="3" maxlength="500"
                            value={(*reason).clone()} oninput={on_reason} />
                    </div>
                    <button type="submit" class="govuk-button govuk-button--warning" id="erase-continue">{ "Erase record" }</button>
                </form>
            } else {
                <div class="govuk-warning-text">
                    <span class="govuk-warning-text__icon" aria-hidden="true">{ "!" }</span>
                    <strong class="govuk-warning-text__text" id="erase-confirm-text">
                        { format!("Erase record {} everywhere? This cannot be undone.", id.trim()) }
                    </strong>
                </div>
                <div class="govuk-button-group">
                    <button type="button" class="govuk-button govuk-button--warning" id="erase-confirm"
                        disabled={*step == Step::Sending} onclick={on_erase}>{ "Yes, erase it" }</button>
                    <button type="button" class="govuk-button govuk-button--secondary" id="erase-cancel"
                        disabled={*step == Step::Sending} onclick={on_cancel}>{ "Cancel" }</button>
                </div>
            }
        </>
    }
}
