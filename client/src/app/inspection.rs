//! Hosts the Regulation 33 editor (`pages::inspection`, a pure view of a typed record): reads
//! the record when the document changes, and writes each edit back through the runtime.

use hearth_shared::ids::DocumentId;
use hearth_shared::model::{Inspection, Record};
use yew::prelude::*;

use super::typed_record::{self, LocalSaveIndicator, ReadCache};
use super::use_app;
use crate::pages::inspection::InspectionEditor;
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
#[function_component]
pub fn InspectionPage(props: &InspectionPageProps) -> Html {
    let app = use_app();
    let cache: ReadCache<Inspection> = use_mut_ref(|| None);
    let error = use_state(|| None::<String>);
    let id = props.id;
    let rt = app.rt.clone();
    let Some(actor) = rt.me().and_then(|m| m.actor()) else {
        return html! {};
    };
    let Some(record) = typed_record::read(&rt, &cache, id, |r| match r {
        Record::Inspection(i) => Some(i),
        _ => None,
    }) else {
        return html! { <p class="govuk-body">{ "This record cannot be read." }</p> };
    };
    let on_change = typed_record::write_callback(
        rt.clone(),
        error.clone(),
        actor.clone(),
        id,
        Record::Inspection,
    );
    let names = rt.me().map(|m| m.names()).unwrap_or_default();
    let rejection = rt.with_engine(|e| e.rejection(id).cloned());
    let on_discard = {
        let rt = rt.clone();
        Callback::from(move |_: MouseEvent| rt.discard_rejected(id))
    };
    html! {
        <>
            <a href={props.back.href()} class="govuk-back-link">{ "Back to records" }</a>
            <LocalSaveIndicator id={id} />
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
            <InspectionEditor record={record} on_change={on_change} actor={actor} names={names}
                document_id={id.to_string()} />
        </>
    }
}
