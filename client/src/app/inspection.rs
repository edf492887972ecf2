//! Hosts the Regulation 33 editor (`pages::inspection`, a pure view of a typed record): reads
//! the record when the document changes, and writes each edit back through the runtime.

use std::cell::RefCell;
use std::rc::Rc;

use automerge::ChangeHash;
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{Inspection, Record};
use hearth_shared::rules;
use yew::prelude::*;

use super::use_app;
use crate::pages::inspection::InspectionEditor;
use crate::platform::LocalSave;
use crate::route::Route;

/// Properties of [`InspectionPage`].
#[derive(Properties, PartialEq)]
pub struct InspectionPageProps {
    /// The inspection's document.
    pub id: DocumentId,
    /// Where "Back" goes.
    pub back: Route,
}

/// The record as last read, and the heads it was read at (edits are written relative to them).
struct Read {
    id: DocumentId,
    heads: Vec<ChangeHash>,
    record: Inspection,
}

/// The Regulation 33 page.
#[function_component]
pub fn InspectionPage(props: &InspectionPageProps) -> Html {
    let app = use_app();
    let cache: Rc<RefCell<Option<Read>>> = use_mut_ref(|| None);
    let error = use_state(|| None::<String>);
    let id = props.id;
    let rt = app.rt.clone();
    let Some(actor) = rt.me().and_then(|m| m.actor()) else {
        return html! {};
    };

    // Re-read only when the document has changed since (an edit here or another device's).
    let heads = rt.with_engine(|e| e.heads(id));
    if cache
        .borrow()
        .as_ref()
        .is_none_or(|r| r.id != id || r.heads != heads)
    {
        let record = rt.with_engine(|e| match e.record(id) {
            Some(Ok(Record::Inspection(i))) => Some(i),
            _ => None,
        });
        let Some(record) = record else {
            return html! { <p class="govuk-body">{ "This record cannot be read." }</p> };
        };
        *cache.borrow_mut() = Some(Read { id, heads, record });
    }
    let record = cache
        .borrow()
        .as_ref()
        .map(|r| r.record.clone())
        .expect("read above");

    let on_change = {
        let (rt, cache, error, actor) = (rt.clone(), cache.clone(), error.clone(), actor.clone());
        Callback::from(move |edited: Inspection| {
            let Some((before, heads)) = cache
                .borrow()
                .as_ref()
                .map(|r| (r.record.clone(), r.heads.clone()))
            else {
                return;
            };
            let (before, after) = (Record::Inspection(before), Record::Inspection(edited));
            // The same check the server makes: a change it would refuse is not written, so the
            // record is not left unsyncable.
            if let Err(refused) = rules::check_change(Some(&before), &after, &actor) {
                error.set(Some(format!(
                    "This change cannot be made: {}",
                    refused.message()
                )));
                return;
            }
            match rt.write_record(id, &after, &heads) {
                Ok(()) => error.set(None),
                Err(e) => error.set(Some(e.to_string())),
            }
        })
    };
    let rejection = rt.with_engine(|e| e.rejection(id).cloned());
    let on_discard = {
        let rt = rt.clone();
        Callback::from(move |_: MouseEvent| rt.discard_rejected(id))
    };
    let local_save = match rt.local_save(id) {
        LocalSave::Saved => "Saved on this device",
        LocalSave::Saving => "Saving on this device…",
        LocalSave::Failed => "Not saved on this device: storage failed. Do not close this page.",
    };
    html! {
        <>
            <a href={props.back.href()} class="govuk-back-link">{ "Back to records" }</a>
            <p id="local-save" class="govuk-body-s hearth-local-save" role="status" aria-live="polite">
                { local_save }
            </p>
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
            <InspectionEditor record={record} on_change={on_change} actor={actor}
                document_id={id.to_string()} />
        </>
    }
}
