//! Loading stored documents when they are needed rather than at start-up: when a view opens
//! one, when it holds unsent changes, when the server lists it changed; and keeping the
//! metadata index in step with the documents (entries rebuilt for documents that lack a usable
//! one, entries left without a document deleted, and a check after start-up that every entry
//! was written with the document stored now).

use std::collections::BTreeSet;
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use hearth_shared::ids::DocumentId;
use wasm_bindgen_futures::spawn_local;

use super::Runtime;
use crate::index::Checkpoint;
use crate::platform::store::{IndexedDoc, StoreError};

/// How long after start-up the index is checked against the stored documents: late enough to
/// stay off the path to an interactive list.
const CHECK_INDEX_AFTER_MS: u32 = 3_000;

impl Runtime {
    /// Loads the shelved documents views asked for (through the engine) since the last call.
    pub(super) fn load_wanted(self: &Rc<Self>) {
        let wanted = self.engine.borrow_mut().take_wanted();
        if !wanted.is_empty() {
            self.load_documents(wanted, Vec::new());
        }
    }

    /// Decrypts and loads the stored documents `ids` into the engine, which starts syncing
    /// them. Those in `rebuild` (no usable index entry) are written again with a fresh entry.
    pub(super) fn load_documents(self: &Rc<Self>, ids: Vec<DocumentId>, rebuild: Vec<DocumentId>) {
        let ids: Vec<DocumentId> = {
            let mut loading = self.loading.borrow_mut();
            ids.into_iter().filter(|id| loading.insert(*id)).collect()
        };
        if ids.is_empty() {
            return;
        }
        let Some(user) = self.me().map(|m| m.user.id) else {
            self.loading.borrow_mut().clear();
            return;
        };
        let Some(key) = self.key.borrow().clone() else {
            self.loading.borrow_mut().clear();
            return;
        };
        let rt = self.clone();
        spawn_local(async move {
            let docs = rt.store.documents(&user, &key, &ids).await;
            {
                let mut loading = rt.loading.borrow_mut();
                for id in &ids {
                    loading.remove(id);
                }
            }
            // Locked, signed out or someone else signed in meanwhile: these are not theirs.
            let same_session = rt.me().is_some_and(|m| m.user.id == user)
                && rt
                    .key
                    .borrow()
                    .as_ref()
                    .is_some_and(|k| Rc::ptr_eq(k, &key));
            if !same_session {
                return;
            }
            let docs = match docs {
                Ok(docs) => docs,
                Err(e) => {
                    *rt.storage_error.borrow_mut() = Some(e);
                    rt.notify();
                    return;
                }
            };
            let rebuild: BTreeSet<DocumentId> = rebuild.into_iter().collect();
            for doc in docs {
                let id = doc.id;
                let opened = rt.engine.borrow_mut().open_stored(doc);
                // A document that no longer loads is left in storage, untouched, rather than
                // overwritten; it is simply not shown.
                if let Ok(effects) = opened {
                    rt.apply(effects);
                    if rebuild.contains(&id) {
                        rt.mark_dirty(id);
                    }
                }
            }
            rt.notify();
        });
    }

    /// Deletes index entries whose document is gone.
    pub(super) fn delete_orphan_entries(self: &Rc<Self>, orphans: Vec<DocumentId>) {
        let Some(user) = self.me().map(|m| m.user.id) else {
            return;
        };
        if orphans.is_empty() {
            return;
        }
        let rt = self.clone();
        spawn_local(async move {
            for id in orphans {
                if let Err(e) = rt.store.delete_document(&user, id).await {
                    *rt.storage_error.borrow_mut() = Some(e);
                }
            }
        });
    }

    /// A little after start-up, compares each shelved document's entry with the document stored
    /// now (the envelope IV the entry was written with; values read, nothing decrypted):
    /// a document rewritten without its entry, say by a crash between two writes of an older
    /// version, is loaded and written again with a fresh entry.
    /// A `checkpoint` the index read made fresh is stored then too.
    pub(super) fn check_index_later(self: &Rc<Self>, checkpoint: Option<Checkpoint>) {
        let rt = Rc::downgrade(self);
        let timer = Timeout::new(CHECK_INDEX_AFTER_MS, move || {
            if let Some(rt) = rt.upgrade() {
                spawn_local(async move {
                    rt.check_index().await;
                    if let Some(checkpoint) = checkpoint {
                        rt.save_checkpoint(&checkpoint).await;
                    }
                });
            }
        });
        *self.index_check.borrow_mut() = Some(timer);
    }

    /// The check [`Self::check_index_later`] schedules; also run by hand through
    /// `Runtime::check_index` for tests of a crash between two writes.
    pub async fn check_index(self: &Rc<Self>) {
        let Some(user) = self.me().map(|m| m.user.id) else {
            return;
        };
        let ivs = match self.store.document_ivs(&user).await {
            Ok(ivs) => ivs,
            Err(e) => {
                *self.storage_error.borrow_mut() = Some(e);
                return;
            }
        };
        if self.me().is_none_or(|m| m.user.id != user) {
            return;
        }
        let stale: Vec<DocumentId> = {
            let engine = self.engine.borrow();
            let shelved: std::collections::BTreeMap<_, _> = engine.shelved().collect();
            ivs.into_iter()
                .filter(|(id, iv)| {
                    shelved
                        .get(id)
                        .is_some_and(|e| iv.as_ref().is_some_and(|iv| *iv != e.doc_iv))
                })
                .map(|(id, _)| id)
                .collect()
        };
        if !stale.is_empty() {
            self.load_documents(stale.clone(), stale);
        }
    }

    /// Stores the index checkpoint for the next unlock, if the same user is still signed in.
    async fn save_checkpoint(self: &Rc<Self>, checkpoint: &Checkpoint) {
        let Some(user) = self.me().map(|m| m.user.id) else {
            return;
        };
        let Some(key) = self.key.borrow().clone() else {
            return;
        };
        if let Err(e) = self.store.save_checkpoint(&user, &key, checkpoint).await {
            *self.storage_error.borrow_mut() = Some(e);
        }
    }

    /// Stores documents downloaded in bulk (each with its index entry, all in one durable
    /// transaction) and lists them from their entries without loading them. Documents already
    /// in memory are left out: this device's copy may hold edits the download lacks.
    #[allow(dead_code)] // the first sync's bulk download calls it (issue 10, goal 4)
    pub async fn store_downloaded(
        self: &Rc<Self>,
        docs: Vec<IndexedDoc>,
    ) -> Result<(), StoreError> {
        let Some(user) = self.me().map(|m| m.user.id) else {
            return Ok(());
        };
        let Some(key) = self.key.borrow().clone() else {
            return Ok(());
        };
        let docs: Vec<IndexedDoc> = {
            let engine = self.engine.borrow();
            docs.into_iter()
                .filter(|d| {
                    let id = d.doc.id;
                    !engine.has(id) && !engine.is_waiting(id) && engine.rejection(id).is_none()
                })
                .collect()
        };
        self.store.put_documents(&user, &key, &docs).await?;
        if self.me().is_some_and(|m| m.user.id == user) {
            let mut engine = self.engine.borrow_mut();
            for d in docs {
                engine.shelve(d.doc.id, d.entry);
            }
        }
        self.notify();
        Ok(())
    }
}
