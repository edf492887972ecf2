//! The GOV.UK error summary shown on every page while the server has refused a change: what
//! happened, to which record, and what to do. The local copy is never dropped silently.

use hearth_shared::ids::DocumentId;
use yew::prelude::*;

use super::use_app;
use crate::engine::SyncStatus;
use crate::engine::status::rejection_advice;
use crate::route::Route;

/// Properties of [`RejectionSummary`].
#[derive(Properties, PartialEq)]
pub struct RejectionSummaryProps {
    /// The record open on this page, if any: its editor holds the kept text, so no link to it.
    pub current: Option<DocumentId>,
}

/// Renders nothing unless a change was refused.
#[function_component]
pub fn RejectionSummary(props: &RejectionSummaryProps) -> Html {
    let app = use_app();
    let SyncStatus::Rejected {
        document,
        code,
        message,
    } = app.rt.status()
    else {
        return html! {};
    };
    let title = app.rt.with_engine(|e| {
        e.rows()
            .into_iter()
            .find(|r| r.id == document)
            .map(|r| r.title)
            .unwrap_or_else(|| "a record".into())
    });
    html! {
        <div class="govuk-error-summary" data-module="govuk-error-summary">
            <div role="alert">
                <h2 class="govuk-error-summary__title">
                    { "The server did not accept your change" }
                </h2>
                <div class="govuk-error-summary__body">
                    <p class="govuk-body">
                        { format!("Your change to {title} was not saved on the server: {message}.") }
                    </p>
                    <p class="govuk-body">{ rejection_advice(&code) }</p>
                    if props.current != Some(document) {
                        <ul class="govuk-list govuk-error-summary__list">
                            <li>
                                <a href={Route::Record(document).href()}>
                                    { format!("Open {title} to copy your text") }
                                </a>
                            </li>
                        </ul>
                    }
                </div>
            </div>
        </div>
    }
}
