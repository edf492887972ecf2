//! What the pages hosting a pure record editor (Reg 33, consultation) share: the record as last
//! read (re-read only when the document changed), the write path through the server's own check,
//! and the `#local-save` indicator every editor shows.

use std::cell::RefCell;
use std::rc::Rc;

use automerge::ChangeHash;
use hearth_shared::ids::DocumentId;
use hearth_shared::model::Record;
use hearth_shared::permissions::Actor;
use hearth_shared::rules;
use yew::prelude::*;

use super::use_app;
use crate::platform::{LocalSave, Runtime};

/// A typed record as the page last read it, and the heads it was read at (edits are written
/// relative to them).
pub struct Read<T> {
    id: DocumentId,
    heads: Vec<ChangeHash>,
    record: T,
}

/// The page's cache of its record between renders.
pub type ReadCache<T> = Rc<RefCell<Option<Read<T>>>>;

/// The record `id` as `extract` types it, re-read only when the document has changed since the
/// last render (an edit here or another device's). `None` when it is not that kind of record.
pub fn read<T: Clone>(
    rt: &Runtime,
    cache: &ReadCache<T>,
    id: DocumentId,
    extract: impl Fn(Record) -> Option<T>,
) -> Option<T> {
    let heads = rt.with_engine(|e| e.heads(id));
    let stale = cache
        .borrow()
        .as_ref()
        .is_none_or(|r| r.id != id || r.heads != heads);
    if stale {
        let record = rt.with_engine(|e| e.record(id).and_then(Result::ok).and_then(&extract))?;
        *cache.borrow_mut() = Some(Read { id, heads, record });
    }
    cache.borrow().as_ref().map(|r| r.record.clone())
}

/// The editor's `on_change`: checks the edit exactly as the server will (a change it would
/// refuse is not stored, so the record never stops syncing), then writes it relative to the
/// heads it was read at. Problems go to `error` for the page to show.
pub fn write_callback<T: Clone + 'static>(
    rt: Rc<Runtime>,
    cache: ReadCache<T>,
    error: UseStateHandle<Option<String>>,
    actor: Actor,
    id: DocumentId,
    wrap: fn(T) -> Record,
) -> Callback<T> {
    Callback::from(move |edited: T| {
        let Some((before, heads)) = cache
            .borrow()
            .as_ref()
            .map(|r| (r.record.clone(), r.heads.clone()))
        else {
            return;
        };
        let (before, after) = (wrap(before), wrap(edited));
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
}

/// Properties of [`LocalSaveIndicator`].
#[derive(Properties, PartialEq)]
pub struct LocalSaveProps {
    /// The record being edited.
    pub id: DocumentId,
}

/// "Saved on this device" once IndexedDB has the latest edit (`#local-save`, with `data-state`
/// `saved`, `saving` or `failed`).
#[function_component]
pub fn LocalSaveIndicator(props: &LocalSaveProps) -> Html {
    let app = use_app();
    let state = app.rt.local_save(props.id);
    let (text, data_state) = match state {
        LocalSave::Saved => ("Saved on this device", "saved"),
        LocalSave::Saving => ("Saving on this device…", "saving"),
        LocalSave::Failed => (
            "Not saved on this device: storage failed. Do not close this page.",
            "failed",
        ),
    };
    html! {
        <p id="local-save" class="govuk-body-s hearth-local-save" role="status" aria-live="polite"
            data-state={data_state}>
            { text }
        </p>
    }
}
