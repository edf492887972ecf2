//! A new device's first sync: one bulk download of every record the user may read
//! (`GET /api/documents/snapshot`), stored encrypted with its index entries in one IndexedDB
//! transaction, before the sync socket opens.
//!
//! Why: over the sync protocol alone a new device asks for each record in turn (one exchange
//! per document, 3.2 s for 500). The download gives each document with the heads the server
//! holds, so its entry says "every change acknowledged": nothing shows as unsent, no document is
//! loaded to list it, and when the socket opens sync only exchanges what changed since. Any
//! failure (offline, refused, cut short) falls back to today's path: what arrived whole is
//! kept and sync fetches the rest.

use std::rc::Rc;

use hearth_shared::snapshot::{self, SnapshotEntry};
use wasm_bindgen_futures::spawn_local;

use super::Runtime;
use crate::engine::{StoredDoc, StoredInfo};
use crate::index::IndexEntry;
use crate::platform::api;
use crate::platform::store::IndexedDoc;

impl Runtime {
    /// Opens the sync socket; on a device that holds nothing of this user yet, only once the
    /// bulk download is stored, so sync does not ask for every record one by one meanwhile.
    ///
    /// Not while the user must still replace a password someone else was shown: the server
    /// refuses the download then, as it refuses sync; the password change calls this again.
    pub(super) fn connect_after_first_sync(self: &Rc<Self>) {
        let must_change_password = self.me().is_some_and(|me| me.user.must_change_password);
        if must_change_password || !self.holds_nothing() {
            self.connect();
            return;
        }
        let rt = self.clone();
        spawn_local(async move {
            rt.first_sync().await;
            rt.connect();
        });
    }

    /// Whether no document of the signed-in user is on this device (stored or in memory).
    fn holds_nothing(&self) -> bool {
        let engine = self.engine.borrow();
        engine.shelved().next().is_none() && engine.rows().is_empty()
    }

    /// Downloads and stores every record the user may read. Never fatal: whatever is not
    /// stored here, sync fetches.
    async fn first_sync(self: &Rc<Self>) {
        let Some(user) = self.me().map(|m| m.user.id) else {
            return;
        };
        let Ok(body) = api::documents_snapshot().await else {
            return;
        };
        // A reply cut short still holds whole entries before the cut: keep them.
        let entries = match snapshot::decode_all(&body) {
            Ok((entries, _complete)) => entries,
            Err(_) => return,
        };
        if self.me().is_none_or(|m| m.user.id != user) {
            // Signed out (or someone else signed in) while it downloaded.
            return;
        }
        let now = js_sys::Date::now() as i64;
        let docs = entries
            .into_iter()
            .map(|entry| downloaded(entry, now))
            .collect();
        if let Err(e) = self.store_downloaded(docs).await {
            *self.storage_error.borrow_mut() = Some(e);
            self.notify();
        }
    }
}

/// A downloaded document as stored: the server holds every change of it, so its heads are
/// also its acknowledged heads.
fn downloaded(entry: SnapshotEntry, now: i64) -> IndexedDoc {
    IndexedDoc {
        doc: StoredDoc {
            id: entry.id,
            bytes: entry.doc,
            info: StoredInfo {
                meta: Some(entry.meta.clone()),
                acked_heads: entry.heads.clone(),
                rejected: None,
            },
        },
        entry: IndexEntry::downloaded(Some(entry.meta), entry.heads, now),
    }
}
