//! What the pages hosting a pure record editor (Reg 33, consultation) share: the record as last
//! read (re-read only when the document changed), the write path through the server's own check
//! (each edit written relative to the version it was made from), and the `#local-save`
//! indicator every editor shows.

use std::cell::RefCell;
use std::rc::Rc;

use hearth_shared::ids::DocumentId;
use hearth_shared::model::Record;
use hearth_shared::permissions::Actor;
use hearth_shared::rules;
use yew::prelude::*;

use super::use_app;
use crate::pages::{Edit, Shown, Version};
use crate::platform::{LocalSave, Runtime};

/// The page's cache of its record between renders: the document and the record as last read.
pub type ReadCache<T> = Rc<RefCell<Option<(DocumentId, Shown<T>)>>>;

/// The record `id` as `extract` types it, with the version it was read at; re-read only when
/// the document has changed since the last render (an edit here or another device's). `None`
/// when it is not that kind of record.
pub fn read<T: Clone>(
    rt: &Runtime,
    cache: &ReadCache<T>,
    id: DocumentId,
    extract: impl Fn(Record) -> Option<T>,
) -> Option<Shown<T>> {
    let version = Version::new(rt.with_engine(|e| e.heads(id)));
    let stale = cache
        .borrow()
        .as_ref()
        .is_none_or(|(read, shown)| *read != id || *shown.version() != version);
    if stale {
        let record = rt.with_engine(|e| e.record(id).and_then(Result::ok).and_then(&extract))?;
        *cache.borrow_mut() = Some((id, Shown::new(record, version)));
    }
    cache.borrow().as_ref().map(|(_, shown)| shown.clone())
}

/// The editor's `on_change`: checks the edit exactly as the server will (a change it would
/// refuse is not stored, so the record never stops syncing), then writes it relative to the
/// version of the record it was made from. That is the form's own copy, which can be older than
/// the page's last read (see [`Shown`]). Problems go to `error` for the page to show.
pub fn write_callback<T: Clone + 'static>(
    rt: Rc<Runtime>,
    error: UseStateHandle<Option<String>>,
    actor: Actor,
    id: DocumentId,
    wrap: fn(T) -> Record,
) -> Callback<Edit<T>> {
    Callback::from(move |edit: Edit<T>| {
        let before = wrap((**edit.from.rc()).clone());
        let after = wrap(edit.to);
        if let Err(refused) = rules::check_change(Some(&before), &after, &actor) {
            error.set(Some(format!(
                "This change cannot be made: {}",
                refused.message()
            )));
            return;
        }
        match rt.write_record(id, &after, edit.from.version().heads()) {
            Ok(()) => error.set(None),
            Err(e) => error.set(Some(e.to_string())),
        }
    })
}

/// Lets a keystroke re-render the page's [`LocalSaveIndicator`] alone: typing in a long text
/// does not re-render the page on the keystroke's frame, but the indicator must not say
/// "Saved" on a frame that shows an edit IndexedDB does not have yet.
#[derive(Clone, Default)]
pub struct SavePoke(Rc<RefCell<Option<UseForceUpdateHandle>>>);

impl SavePoke {
    /// Re-renders the indicator, which reads the save state again.
    pub fn poke(&self) {
        let handle = self.0.borrow().clone();
        if let Some(handle) = handle {
            handle.force_update();
        }
    }
}

impl PartialEq for SavePoke {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// Properties of [`LocalSaveIndicator`].
#[derive(Properties, PartialEq)]
pub struct LocalSaveProps {
    /// The record being edited.
    pub id: DocumentId,
    /// For a page whose keystrokes do not re-render it (see [`SavePoke`]).
    #[prop_or_default]
    pub poke: SavePoke,
}

/// "Saved on this device" once IndexedDB has the latest edit (`#local-save`, with `data-state`
/// `saved`, `saving` or `failed`).
#[function_component]
pub fn LocalSaveIndicator(props: &LocalSaveProps) -> Html {
    let app = use_app();
    *props.poke.0.borrow_mut() = Some(use_force_update());
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
