//! Writing the engine's documents to IndexedDB (each with its metadata index entry, in one
//! transaction): which edits are not on disk yet, the debounced and the on-demand flush, and the
//! page events (hidden, closing, back online) that call for one.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use hearth_shared::ids::DocumentId;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;

use super::Runtime;
use crate::index::IndexEntry;
use crate::platform::store::IndexedDoc;

/// How long edits wait before being written to IndexedDB, so a burst of typing is one write.
/// "Saved on this device" only appears once the write has completed.
const PERSIST_DEBOUNCE_MS: u32 = 250;

/// How long no edit may be made before documents whose stored form has grown long are
/// rewritten as one full save ([`crate::engine::Engine::compact_stored`]): that save takes longer
/// than a frame for a long history, so it never runs while someone types.
const COMPACT_IDLE_MS: u32 = 5_000;

/// Whether a document's latest edit is in IndexedDB yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalSave {
    /// An edit is waiting to be written.
    Saving,
    /// Everything shown is in IndexedDB.
    Saved,
    /// The last write failed; the edit is only in memory.
    Failed,
}

/// Which documents have edits not yet on disk.
#[derive(Default)]
pub(super) struct Persistence {
    /// Edit generation per document, bumped on every `Persist` effect.
    pub(super) dirty: BTreeMap<DocumentId, u64>,
    /// Generation last written to disk.
    pub(super) written: BTreeMap<DocumentId, u64>,
    pub(super) failed: BTreeSet<DocumentId>,
    timer: Option<Timeout>,
    flushing: bool,
}

impl Runtime {
    /// Whether the document's latest edit is in IndexedDB.
    pub fn local_save(&self, id: DocumentId) -> LocalSave {
        let p = self.persistence.borrow();
        if p.failed.contains(&id) {
            return LocalSave::Failed;
        }
        match (p.dirty.get(&id), p.written.get(&id)) {
            (Some(d), Some(w)) if d == w => LocalSave::Saved,
            (Some(_), _) => LocalSave::Saving,
            (None, _) => LocalSave::Saved,
        }
    }

    // ----- persistence -----------------------------------------------------------------------

    pub(super) fn mark_dirty(self: &Rc<Self>, id: DocumentId) {
        let mut p = self.persistence.borrow_mut();
        *p.dirty.entry(id).or_insert(0) += 1;
        if p.timer.is_none() && !p.flushing {
            let rt = self.clone();
            p.timer = Some(Timeout::new(PERSIST_DEBOUNCE_MS, move || rt.flush_now()));
        }
    }

    /// Writes every document with unwritten edits, now.
    pub fn flush_now(self: &Rc<Self>) {
        let (batch, user) = {
            let mut p = self.persistence.borrow_mut();
            p.timer = None;
            if p.flushing {
                return;
            }
            let pending: Vec<(DocumentId, u64)> = p
                .dirty
                .iter()
                .filter(|(id, generation)| p.written.get(id) != Some(generation))
                .map(|(id, generation)| (*id, *generation))
                .collect();
            let Some(user) = self.me().map(|m| m.user.id) else {
                return;
            };
            // Locked or signed out: nothing is in memory to write.
            let Some(key) = self.key.borrow().clone() else {
                return;
            };
            if pending.is_empty() {
                return;
            }
            p.flushing = true;
            (pending, (user, key))
        };
        let (user, key) = user;
        let mut engine = self.engine.borrow_mut();
        let now = super::now_ms();
        // Each document goes with its index entry, in the same transaction.
        let docs: Vec<IndexedDoc> = batch
            .iter()
            .filter_map(|(id, _)| {
                let doc = engine.snapshot(*id)?;
                let entry = IndexEntry {
                    updated: now,
                    ..engine.index_entry(*id)?
                };
                Some(IndexedDoc { doc, entry })
            })
            .collect();
        drop(engine);
        let rt = self.clone();
        spawn_local(async move {
            let result = rt.store.put_documents(&user, &key, &docs).await;
            {
                let mut p = rt.persistence.borrow_mut();
                p.flushing = false;
                match &result {
                    Ok(()) => {
                        for (id, generation) in &batch {
                            p.written.insert(*id, *generation);
                            p.failed.remove(id);
                        }
                    }
                    Err(_) => {
                        for (id, _) in &batch {
                            p.failed.insert(*id);
                        }
                    }
                }
            }
            if result.is_ok() {
                rt.note_stored(&user, docs.iter().map(|d| d.doc.id));
            }
            *rt.storage_error.borrow_mut() = result.err();
            // Edits made while writing go out in the next batch.
            let more = {
                let p = rt.persistence.borrow();
                p.dirty.iter().any(|(id, g)| p.written.get(id) != Some(g))
                    && !p.failed.iter().any(|id| p.dirty.contains_key(id))
            };
            if more {
                rt.flush_now();
            } else {
                rt.compact_when_idle();
            }
            rt.notify();
        });
    }

    /// Compacts the stored form of long-appended documents once nothing has been edited for
    /// [`COMPACT_IDLE_MS`]; an edit meanwhile leaves it to the flush after that edit.
    fn compact_when_idle(self: &Rc<Self>) {
        let edits = self.persistence.borrow().dirty.clone();
        let rt = Rc::downgrade(self);
        Timeout::new(COMPACT_IDLE_MS, move || {
            let Some(rt) = rt.upgrade() else { return };
            if rt.persistence.borrow().dirty != edits {
                return;
            }
            let effects = rt.engine.borrow_mut().compact_stored();
            if !effects.is_empty() {
                rt.apply(effects);
            }
        })
        .forget();
    }

    /// Whether some unsent edit is not in IndexedDB yet (only in memory). An acknowledgement
    /// waiting to be written does not count: the next connection learns it again.
    fn edits_only_in_memory(&self) -> bool {
        let p = self.persistence.borrow();
        let engine = self.engine.borrow();
        p.dirty
            .iter()
            .any(|(id, g)| p.written.get(id) != Some(g) && engine.is_waiting(*id))
    }

    /// Writes every pending edit and waits until they are on disk (or a write failed: `false`).
    pub(super) async fn flush_all(self: &Rc<Self>) -> bool {
        let mut attempted = false;
        loop {
            let (flushing, pending, failed) = {
                let p = self.persistence.borrow();
                let pending = p.dirty.iter().any(|(id, g)| p.written.get(id) != Some(g));
                (p.flushing, pending, !p.failed.is_empty())
            };
            if flushing {
                // One write at a time keeps them in order (each writes whole documents); the
                // one running ends with its transaction.
                gloo_timers::future::TimeoutFuture::new(20).await;
                continue;
            }
            if !pending {
                return true;
            }
            if attempted && failed {
                return false;
            }
            self.flush_now();
            attempted = true;
            if !self.persistence.borrow().flushing {
                // Nothing could be started (no user or key): nothing more will be written.
                return !failed;
            }
        }
    }

    /// Writes pending edits when the page is hidden or closed, without waiting for the timer.
    pub(super) fn watch_page(self: &Rc<Self>) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let rt = Rc::downgrade(self);
        let on_hide = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            if let Some(rt) = rt.upgrade() {
                rt.flush_now();
            }
        });
        let _ =
            window.add_event_listener_with_callback("pagehide", on_hide.as_ref().unchecked_ref());
        if let Some(document) = window.document() {
            let _ = document.add_event_listener_with_callback(
                "visibilitychange",
                on_hide.as_ref().unchecked_ref(),
            );
        }
        on_hide.forget();
        let rt = Rc::downgrade(self);
        let on_before_unload =
            Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
                let Some(rt) = rt.upgrade() else { return };
                if rt.edits_only_in_memory() {
                    rt.flush_now();
                    // Writes are encrypted first and WebCrypto answers asynchronously, so a write
                    // started now cannot finish while the page unloads: ask before leaving.
                    event.prevent_default();
                    let _ = js_sys::Reflect::set(&event, &"returnValue".into(), &"unsaved".into());
                }
            });
        let _ = window.add_event_listener_with_callback(
            "beforeunload",
            on_before_unload.as_ref().unchecked_ref(),
        );
        on_before_unload.forget();
        let rt = Rc::downgrade(self);
        let on_online = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            if let Some(rt) = rt.upgrade() {
                // The network is back: try now rather than at the end of the backoff.
                rt.backoff.borrow_mut().reset();
                rt.connect();
                spawn_local(async move { rt.finish_server_sign_out().await });
            }
        });
        let _ =
            window.add_event_listener_with_callback("online", on_online.as_ref().unchecked_ref());
        on_online.forget();
    }
}
