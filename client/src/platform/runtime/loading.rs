//! Loading stored documents when they are needed rather than at start-up: when a view opens
//! one, when it holds unsent changes, when the server lists it changed; and keeping the
//! metadata index in step with the documents (entries rebuilt for documents that lack a usable
//! one, entries left without a document deleted, and a check after start-up that every entry
//! was written with the document stored now).

use std::collections::{BTreeMap, BTreeSet};
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

/// How many documents may be marked written since the stored checkpoint before a new one is
/// written: unlock reads each marked entry on its own, so this bounds that work (typing into one
/// record marks one document, however long).
const CHECKPOINT_AFTER_MARKS: usize = 64;

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
                match rt.store.delete_document(&user, id).await {
                    Ok(()) => rt.note_deleted(&user, id),
                    Err(e) => *rt.storage_error.borrow_mut() = Some(e),
                }
            }
        });
    }

    /// Notes documents `user` just wrote (each left a mark): once many are marked, a checkpoint
    /// is written, so the next unlock reads few entries on their own.
    pub(super) fn note_stored(self: &Rc<Self>, user: &str, ids: impl Iterator<Item = DocumentId>) {
        if self.me().is_none_or(|m| m.user.id != user) {
            return;
        }
        self.marked.borrow_mut().extend(ids);
        if self.marked.borrow().len() >= CHECKPOINT_AFTER_MARKS {
            let rt = self.clone();
            spawn_local(async move { rt.save_checkpoint(None).await });
        }
    }

    /// Notes a document (and its entry) `user` just deleted, as [`Self::note_stored`].
    pub(super) fn note_deleted(self: &Rc<Self>, user: &str, id: DocumentId) {
        self.note_stored(user, std::iter::once(id));
    }

    /// A little after start-up (off the way to an interactive list), checks the index against
    /// what is stored and, if the stored checkpoint is `behind` (or writes were marked since),
    /// writes a fresh one.
    pub(super) fn check_index_later(self: &Rc<Self>, behind: bool) {
        let rt = Rc::downgrade(self);
        let timer = Timeout::new(CHECK_INDEX_AFTER_MS, move || {
            if let Some(rt) = rt.upgrade() {
                spawn_local(async move {
                    let index = rt.check_index().await;
                    if behind || !rt.marked.borrow().is_empty() {
                        rt.save_checkpoint(index).await;
                    }
                });
            }
        });
        *self.index_check.borrow_mut() = Some(timer);
    }

    /// The check [`Self::check_index_later`] schedules: reads the index again (the checkpoint
    /// and the entries marked since, as unlock does) and compares it with the stored documents
    /// and entries (their envelope IVs; values read, nothing decrypted). A document without an
    /// entry, or whose entry was written for another version of it or is not the one stored
    /// now (a crash, an older version of the app), is loaded and written again with a fresh
    /// entry; an entry without its document is deleted. Returns the index as read.
    pub async fn check_index(self: &Rc<Self>) -> Option<Checkpoint> {
        let user = self.me()?.user.id;
        let key = self.key.borrow().clone()?;
        let read = async {
            let index = self.store.index(&user, &key).await?;
            Ok::<_, StoreError>((index, self.store.stored_ivs(&user).await?))
        };
        let ((index, repair, _), (documents, entries)) = match read.await {
            Ok(read) => read,
            Err(e) => {
                *self.storage_error.borrow_mut() = Some(e);
                return None;
            }
        };
        if self.me().is_none_or(|m| m.user.id != user) {
            return None;
        }
        let (stale, orphans) = {
            let engine = self.engine.borrow();
            let entries: BTreeMap<DocumentId, String> = entries.into_iter().collect();
            let on_disk: BTreeSet<DocumentId> = documents.iter().map(|(id, _)| *id).collect();
            let mut stale: Vec<DocumentId> = documents
                .into_iter()
                .filter(|(id, doc_iv)| {
                    index.entries.get(id).is_none_or(|(entry_iv, entry)| {
                        entry.doc_iv != *doc_iv || entries.get(id) != Some(entry_iv)
                    })
                })
                .map(|(id, _)| id)
                .chain(
                    repair
                        .rebuild
                        .iter()
                        .copied()
                        .filter(|id| on_disk.contains(id)),
                )
                .filter(|id| !engine.has(*id))
                .collect();
            stale.sort();
            stale.dedup();
            let orphans: Vec<DocumentId> = index
                .entries
                .keys()
                .chain(&repair.orphans)
                .filter(|id| !on_disk.contains(id) && !engine.has(**id))
                .copied()
                .collect();
            (stale, orphans)
        };
        if !stale.is_empty() {
            self.load_documents(stale.clone(), stale);
        }
        self.delete_orphan_entries(orphans);
        Some(index)
    }

    /// Writes a checkpoint of the entries as stored (`index` if just read, else read now) and
    /// clears the marks it covers, unless one is being written. Reading the index again here,
    /// rather than keeping a copy of every entry since unlock, keeps that copy off the way to
    /// the list.
    async fn save_checkpoint(self: &Rc<Self>, index: Option<Checkpoint>) {
        let Some(user) = self.me().map(|m| m.user.id) else {
            return;
        };
        let Some(key) = self.key.borrow().clone() else {
            return;
        };
        if self.checkpointing.replace(true) {
            return;
        }
        let covered = std::mem::take(&mut *self.marked.borrow_mut());
        let written = async {
            let index = match index {
                Some(index) => index,
                None => self.store.index(&user, &key).await?.0,
            };
            // Signed out (its data deleted) or locked and opened again meanwhile: nothing of
            // this session's is written any more.
            let same_session = || {
                self.me().is_some_and(|m| m.user.id == user)
                    && self
                        .key
                        .borrow()
                        .as_ref()
                        .is_some_and(|k| Rc::ptr_eq(k, &key))
            };
            self.store
                .save_checkpoint(&user, &key, Rc::new(index), same_session)
                .await
        };
        if let Err(e) = written.await {
            *self.storage_error.borrow_mut() = Some(e);
            self.marked.borrow_mut().extend(covered);
        }
        self.checkpointing.set(false);
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
        self.note_stored(&user, docs.iter().map(|d| d.doc.id));
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
