//! Hearth's IndexedDB database: documents per user, the cached user, wrapped keys, and small
//! settings.
//!
//! Documents are keyed `"<userId>/<documentId>"` so two people sharing a tablet never load each
//! other's records, and one user's unsent edits wait for them even after another has signed in.
//!
//! Everything about records or the user is encrypted with that user's data key
//! ([`super::vault`]): a `documents` value is one envelope holding the Automerge bytes, the list
//! metadata, the acknowledged heads and any rejection; an `index` value (same key) is that
//! document's [`IndexEntry`], encrypted the same way and written in the same transaction, so the
//! lists can start from the small entries without decrypting or loading any document. The
//! `index` store also holds, per user, one encrypted [`Checkpoint`] of every entry, and a
//! cleartext *mark* per document written since it (the document's key and its envelope's IV,
//! put in the same transaction as the document): unlock reads the checkpoint and the marked
//! entries only. The `index` store also keeps each record's actor map for its history offline
//! (`<userId>/~actors/<id>`, encrypted). A `user` value is the encrypted `/api/me` reply. Keys (user and document ids),
//! the marks, the wrapped keys and the settings (the device's peer id, the last user's id) are in
//! the clear, except two settings of a tablet set up with a code: the device's own key (a
//! non-extractable `CryptoKey`) and the kiosk password sealed under it.

use std::cell::Cell;
use std::rc::Rc;

use hearth_shared::history::ActorAuthor;
use hearth_shared::ids::DocumentId;
use js_sys::Uint8Array;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{IdbDatabase, IdbKeyRange};

use super::idb::{self, Db};
use super::vault::webcrypto::DataKey;
use super::vault::{WrappedKey, pack_document, unpack_document};
use crate::engine::StoredDoc;
use crate::index::{Checkpoint, IndexEntry, Repair, StoredEntry, envelope_iv, reconcile};
use crate::session::Me;

const NAME: &str = "hearth";
/// 2: values encrypted, `keys` store added, `user` keyed by user id. 3: the `index` store
/// (documents stored before it get their entries rebuilt at the next unlock).
const VERSION: u32 = 3;
const DOCUMENTS: &str = "documents";
/// Each document's metadata index entry, under the document's key.
const INDEX: &str = "index";
const USER: &str = "user";
const SETTINGS: &str = "settings";
/// Wrapped data keys, by user id ([`WrappedKey`] as JSON).
const KEYS: &str = "keys";
/// The settings key of the user whose records the Unlock page opens.
const LAST_USER: &str = "lastUser";
/// The settings key of this device's own key (a non-extractable `CryptoKey`), which seals a
/// set-up tablet's kiosk secret.
const DEVICE_KEY: &str = "deviceKey";

/// The settings key of `user_id`'s kiosk secret (a set-up tablet's account password, sealed).
fn kiosk_secret_key(user_id: &str) -> String {
    format!("kioskSecret/{user_id}")
}

/// Why local storage failed. Shown to the user: their edits are not safe until it works.
#[derive(Debug, Clone, thiserror::Error)]
#[error("this device could not store the change ({0})")]
pub struct StoreError(String);

impl From<JsValue> for StoreError {
    fn from(value: JsValue) -> Self {
        let text = value
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .or_else(|| {
                value
                    .dyn_ref::<web_sys::DomException>()
                    .map(|e| e.message())
            })
            .or_else(|| value.as_string())
            .unwrap_or_else(|| "unknown storage error".into());
        StoreError(text)
    }
}

impl From<super::vault::webcrypto::VaultError> for StoreError {
    fn from(value: super::vault::webcrypto::VaultError) -> Self {
        StoreError(value.to_string())
    }
}

/// The open database.
#[derive(Clone)]
pub struct Store {
    db: Db,
    discarded_clear_text: bool,
}

/// Creates the stores. A version 1 database (before encryption at rest; development devices
/// only) held records and the user in the clear: those two stores are dropped and made again
/// empty, rather than encrypted in place, so no clear-text copy survives in them. Records
/// already on the server come back on the next sign-in; unsent edits from that version are lost,
/// and the sign-in page says so.
fn upgrade(db: &IdbDatabase, discarded: &Cell<bool>) -> Result<(), JsValue> {
    let existing = db.object_store_names();
    if existing.contains(DOCUMENTS) && !existing.contains(KEYS) {
        for name in [DOCUMENTS, USER] {
            if existing.contains(name) {
                db.delete_object_store(name)?;
            }
        }
        discarded.set(true);
    }
    let existing = db.object_store_names();
    for name in [DOCUMENTS, USER, SETTINGS, KEYS, INDEX] {
        if !existing.contains(name) {
            db.create_object_store(name)?;
        }
    }
    Ok(())
}

fn doc_key(user_id: &str, id: DocumentId) -> String {
    format!("{user_id}/{id}")
}

/// Every key of `user_id`'s (documents and index entries are keyed `"<userId>/<id>"`).
fn user_range(user_id: &str) -> Result<IdbKeyRange, JsValue> {
    let prefix = format!("{user_id}/");
    IdbKeyRange::bound(
        &JsValue::from_str(&prefix),
        &JsValue::from_str(&format!("{prefix}\u{ffff}")),
    )
}

/// The key of `user_id`'s index checkpoint: in the `index` store, inside the user's key range (so
/// it goes at sign-out with the rest) but not a document id.
fn checkpoint_key(user_id: &str) -> String {
    format!("{user_id}/~checkpoint")
}

/// The key of the mark a write of `user_id`'s document `id` leaves ([`Checkpoint`]): in the
/// `index` store, inside the user's range (it goes at sign-out with the rest), in the clear:
/// its value is the IV of the document envelope written, which that envelope shows anyway.
fn mark_key(user_id: &str, id: DocumentId) -> String {
    format!("{user_id}/~marked/{id}")
}

/// The key of the copy of document `id`'s actor map ([`ActorAuthor`]s, for its history
/// offline): in the `index` store inside the user's range, so it goes at sign-out with the rest;
/// not a document id, so the index reads pass it by.
fn actors_key(user_id: &str, id: DocumentId) -> String {
    format!("{user_id}/~actors/{id}")
}

/// Every mark of `user_id`'s.
fn mark_range(user_id: &str) -> Result<IdbKeyRange, JsValue> {
    let prefix = format!("{user_id}/~marked/");
    IdbKeyRange::bound(
        &JsValue::from_str(&prefix),
        &JsValue::from_str(&format!("{prefix}\u{ffff}")),
    )
}

/// The document id in a mark's key of `user_id`'s.
fn mark_id(user_id: &str, stored_key: &JsValue) -> Option<DocumentId> {
    stored_key
        .as_string()?
        .strip_prefix(user_id)?
        .strip_prefix("/~marked/")?
        .parse()
        .ok()
}

/// The document id in a stored key of `user_id`'s.
fn key_id(user_id: &str, stored_key: &JsValue) -> Option<DocumentId> {
    stored_key
        .as_string()?
        .strip_prefix(user_id)?
        .strip_prefix('/')?
        .parse()
        .ok()
}

/// A document and its index entry, written together ([`Store::put_documents`]).
#[derive(Debug, Clone)]
pub struct IndexedDoc {
    /// The document as the engine snapshots it.
    pub doc: StoredDoc,
    /// Its entry; `doc_iv` is filled in by the store.
    pub entry: IndexEntry,
}

impl Store {
    /// Opens (or creates, or upgrades) the database.
    pub async fn open() -> Result<Store, StoreError> {
        let discarded = Rc::new(Cell::new(false));
        let flag = discarded.clone();
        let db = Db::open(NAME, VERSION, move |db| upgrade(db, &flag)).await?;
        Ok(Store {
            db,
            discarded_clear_text: discarded.get(),
        })
    }

    /// Whether opening dropped clear-text records left by a version before encryption at rest.
    pub fn discarded_clear_text(&self) -> bool {
        self.discarded_clear_text
    }

    /// The metadata index for `user_id`, decrypted with their `key`, as unlock needs it: the
    /// stored [`Checkpoint`] brought up to date with the entries marked written since (one
    /// decryption, plus one per marked entry: the same whatever the caseload, and nothing of a
    /// document is read), and what to repair. Without a readable checkpoint (none yet, or an
    /// earlier version's) every entry is read instead and matched with the documents' keys.
    /// The flag says whether the stored checkpoint is behind (marks, or none): it is then
    /// rewritten after start-up ([`Store::save_checkpoint`]).
    pub async fn index(
        &self,
        user_id: &str,
        key: &DataKey,
    ) -> Result<(Checkpoint, Repair, bool), StoreError> {
        let tx = self.db.read(&[INDEX])?;
        let index = tx.object_store(INDEX)?;
        let stored = index.get(&checkpoint_key(user_id).into())?;
        let range = mark_range(user_id)?;
        let mark_keys = index.get_all_keys_with_key(&range)?;
        let mark_values = index.get_all_with_key(&range)?;
        idb::done(&tx).await?;
        let checkpoint = match idb::result(&stored)?.dyn_into::<Uint8Array>() {
            Ok(bytes) => key
                .open(INDEX, &checkpoint_key(user_id), &bytes.to_vec())
                .await
                .ok()
                .and_then(|plain| Checkpoint::decode(&plain)),
            Err(_) => None,
        };
        let Some(mut checkpoint) = checkpoint else {
            let (entries, repair) = self.every_entry(user_id, key).await?;
            return Ok((entries, repair, true));
        };
        let mark_keys: js_sys::Array = idb::result(&mark_keys)?.unchecked_into();
        let mark_values: js_sys::Array = idb::result(&mark_values)?.unchecked_into();
        let marks: Vec<(DocumentId, String)> = mark_keys
            .iter()
            .zip(mark_values.iter())
            .filter_map(|(k, v)| Some((mark_id(user_id, &k)?, v.as_string().unwrap_or_default())))
            .collect();
        let behind = !marks.is_empty();
        let written: Vec<DocumentId> = marks
            .iter()
            .filter(|(_, iv)| !iv.is_empty())
            .map(|(id, _)| *id)
            .collect();
        let mut entries = self.entries(user_id, key, &written).await?.into_iter();
        let marked = marks
            .into_iter()
            .map(|(id, iv)| {
                let entry = if iv.is_empty() {
                    None
                } else {
                    entries.next().flatten()
                };
                (id, iv, entry)
            })
            .collect();
        let rebuild = checkpoint.catch_up(marked);
        let repair = Repair {
            rebuild,
            orphans: Vec::new(),
        };
        Ok((checkpoint, repair, behind))
    }

    /// The stored entries of `ids`, decrypted, each after its envelope's IV, in order (`None`:
    /// missing or unreadable).
    async fn entries(
        &self,
        user_id: &str,
        key: &DataKey,
        ids: &[DocumentId],
    ) -> Result<Vec<Option<StoredEntry>>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let tx = self.db.read(&[INDEX])?;
        let index = tx.object_store(INDEX)?;
        let requests = ids
            .iter()
            .map(|id| index.get(&doc_key(user_id, *id).into()))
            .collect::<Result<Vec<_>, JsValue>>()?;
        idb::done(&tx).await?;
        let sealed = requests
            .iter()
            .map(|r| {
                Ok(idb::result(r)?
                    .dyn_into::<Uint8Array>()
                    .ok()
                    .map(|b| b.to_vec()))
            })
            .collect::<Result<Vec<_>, JsValue>>()?;
        // All at once: WebCrypto answers each asynchronously, and entries awaited one after
        // another would cost a task hop each.
        Ok(
            futures::future::join_all(ids.iter().zip(sealed).map(|(id, sealed)| async move {
                let sealed = sealed?;
                let plain = key
                    .open(INDEX, &doc_key(user_id, *id), &sealed)
                    .await
                    .ok()?;
                Some((envelope_iv(&sealed), IndexEntry::decode(&plain)?))
            }))
            .await,
        )
    }

    /// Every entry of `user_id`'s, each decrypted on its own, matched with the documents' keys
    /// (not their values): unlock's way when there is no readable checkpoint.
    async fn every_entry(
        &self,
        user_id: &str,
        key: &DataKey,
    ) -> Result<(Checkpoint, Repair), StoreError> {
        let tx = self.db.read(&[DOCUMENTS, INDEX])?;
        let range = user_range(user_id)?;
        let doc_keys = tx.object_store(DOCUMENTS)?.get_all_keys_with_key(&range)?;
        let index = tx.object_store(INDEX)?;
        let entry_keys = index.get_all_keys_with_key(&range)?;
        let entry_values = index.get_all_with_key(&range)?;
        idb::done(&tx).await?;
        let doc_keys: js_sys::Array = idb::result(&doc_keys)?.unchecked_into();
        let entry_keys: js_sys::Array = idb::result(&entry_keys)?.unchecked_into();
        let entry_values: js_sys::Array = idb::result(&entry_values)?.unchecked_into();
        let documents: Vec<(DocumentId, Option<String>)> = doc_keys
            .iter()
            .filter_map(|k| key_id(user_id, &k))
            .map(|id| (id, None))
            .collect();
        let sealed: Vec<(DocumentId, Option<Vec<u8>>)> = entry_keys
            .iter()
            .zip(entry_values.iter())
            .filter_map(|(k, v)| {
                let bytes = v.dyn_into::<Uint8Array>().ok().map(|b| b.to_vec());
                Some((key_id(user_id, &k)?, bytes))
            })
            .collect();
        let opened = futures::future::join_all(sealed.into_iter().map(|(id, bytes)| async move {
            let entry = async {
                let bytes = bytes?;
                let plain = key.open(INDEX, &doc_key(user_id, id), &bytes).await.ok()?;
                Some((envelope_iv(&bytes), IndexEntry::decode(&plain)?))
            };
            (id, entry.await)
        }))
        .await;
        Ok(reconcile(&documents, opened))
    }

    /// Stores `user_id`'s index [`Checkpoint`] (encrypted) and, in the same transaction, clears
    /// the marks it covers: a write that lands meanwhile keeps its mark, so the next unlock
    /// still reads that entry. Writes nothing unless `wanted()` still holds once it is sealed
    /// (checked with no await before the transaction, so a sign-out's deletion queued first is
    /// never followed by this write).
    pub async fn save_checkpoint(
        &self,
        user_id: &str,
        key: &DataKey,
        checkpoint: Rc<Checkpoint>,
        wanted: impl Fn() -> bool,
    ) -> Result<(), StoreError> {
        let stored_key = checkpoint_key(user_id);
        let value = key.seal(INDEX, &stored_key, &checkpoint.encode()).await?;
        if !wanted() {
            return Ok(());
        }
        let tx = self.db.write(&[INDEX])?;
        let index = tx.object_store(INDEX)?;
        index.put_with_key(&Uint8Array::from(&value[..]), &stored_key.into())?;
        let range = mark_range(user_id)?;
        let keys = index.get_all_keys_with_key(&range)?;
        let values = index.get_all_with_key(&range)?;
        // The marks are compared as they are read, inside this transaction (an await would let
        // it commit): a document write queued meanwhile runs after it, and its mark stays.
        let user = user_id.to_string();
        let (store, read_keys, read_values) = (index.clone(), keys.clone(), values.clone());
        let clear = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            let (Ok(keys), Ok(values)) = (read_keys.result(), read_values.result()) else {
                return;
            };
            let keys: js_sys::Array = keys.unchecked_into();
            let values: js_sys::Array = values.unchecked_into();
            for (k, v) in keys.iter().zip(values.iter()) {
                let written = v.as_string().unwrap_or_default();
                if mark_id(&user, &k).is_some_and(|id| checkpoint.covers(id, &written)) {
                    let _ = store.delete(&k);
                }
            }
        });
        values.set_onsuccess(Some(clear.as_ref().unchecked_ref()));
        let done = idb::done(&tx).await;
        values.set_onsuccess(None);
        drop(clear);
        done?;
        Ok(())
    }

    /// The envelope IVs of `user_id`'s stored documents and of their entries (values read,
    /// nothing decrypted), by document: for checking, after start-up, that the entries and the
    /// checkpoint describe what is stored now.
    pub async fn stored_ivs(
        &self,
        user_id: &str,
    ) -> Result<(Vec<(DocumentId, String)>, Vec<(DocumentId, String)>), StoreError> {
        let tx = self.db.read(&[DOCUMENTS, INDEX])?;
        let range = user_range(user_id)?;
        let read = |name: &str| -> Result<_, JsValue> {
            let store = tx.object_store(name)?;
            Ok((
                store.get_all_keys_with_key(&range)?,
                store.get_all_with_key(&range)?,
            ))
        };
        let (documents, entries) = (read(DOCUMENTS)?, read(INDEX)?);
        idb::done(&tx).await?;
        let ivs = |(keys, values): (web_sys::IdbRequest, web_sys::IdbRequest)| {
            let keys: js_sys::Array = idb::result(&keys)?.unchecked_into();
            let values: js_sys::Array = idb::result(&values)?.unchecked_into();
            Ok::<_, JsValue>(
                keys.iter()
                    .zip(values.iter())
                    .filter_map(|(k, v)| {
                        // The envelope's head only: documents are not copied whole.
                        let head = v.dyn_into::<Uint8Array>().ok()?.subarray(0, 13).to_vec();
                        Some((key_id(user_id, &k)?, envelope_iv(&head)))
                    })
                    .collect(),
            )
        };
        Ok((ivs(documents)?, ivs(entries)?))
    }

    /// The stored documents `ids` of `user_id`'s, decrypted with their `key`; ids not stored,
    /// or whose value does not decrypt or parse, are left out (and left in storage).
    pub async fn documents(
        &self,
        user_id: &str,
        key: &DataKey,
        ids: &[DocumentId],
    ) -> Result<Vec<StoredDoc>, StoreError> {
        let tx = self.db.read(&[DOCUMENTS])?;
        let store = tx.object_store(DOCUMENTS)?;
        let requests = ids
            .iter()
            .map(|id| Ok((*id, store.get(&doc_key(user_id, *id).into())?)))
            .collect::<Result<Vec<_>, JsValue>>()?;
        idb::done(&tx).await?;
        let mut sealed = Vec::with_capacity(requests.len());
        for (id, request) in requests {
            if let Ok(bytes) = idb::result(&request)?.dyn_into::<Uint8Array>() {
                sealed.push((id, bytes.to_vec()));
            }
        }
        let opened = futures::future::join_all(sealed.iter().map(|(id, bytes)| async move {
            let plain = key
                .open(DOCUMENTS, &doc_key(user_id, *id), bytes)
                .await
                .ok()?;
            unpack_document(*id, &plain).ok()
        }))
        .await;
        Ok(opened.into_iter().flatten().collect())
    }

    /// Encrypts and writes documents with their index entries and marks ([`Checkpoint`]), all
    /// in one durable transaction; returns once they are on disk. Each entry records the IV of
    /// its document's envelope, so a document later rewritten without its entry is noticed.
    pub async fn put_documents(
        &self,
        user_id: &str,
        key: &DataKey,
        docs: &[IndexedDoc],
    ) -> Result<(), StoreError> {
        // Encrypt first: an IndexedDB transaction commits itself as soon as it has no pending
        // request, so it must not wait on WebCrypto.
        let sealed = futures::future::join_all(docs.iter().map(|d| async move {
            let stored_key = doc_key(user_id, d.doc.id);
            let doc = key
                .seal(DOCUMENTS, &stored_key, &pack_document(&d.doc))
                .await?;
            let entry = IndexEntry {
                doc_iv: envelope_iv(&doc),
                ..d.entry.clone()
            };
            let sealed_entry = key.seal(INDEX, &stored_key, &entry.encode()).await?;
            Ok::<_, StoreError>((d.doc.id, doc, sealed_entry, entry.doc_iv))
        }))
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
        let tx = self.db.write(&[DOCUMENTS, INDEX])?;
        let documents = tx.object_store(DOCUMENTS)?;
        let index = tx.object_store(INDEX)?;
        for (id, doc, sealed_entry, doc_iv) in &sealed {
            let stored_key: JsValue = doc_key(user_id, *id).into();
            documents.put_with_key(&Uint8Array::from(&doc[..]), &stored_key)?;
            index.put_with_key(&Uint8Array::from(&sealed_entry[..]), &stored_key)?;
            index.put_with_key(&doc_iv.as_str().into(), &mark_key(user_id, *id).into())?;
        }
        idb::done(&tx).await?;
        Ok(())
    }

    /// Removes a document and its index entry (a discarded, refused copy), or an entry left
    /// without its document, and marks it gone for the next unlock ([`Checkpoint`]).
    pub async fn delete_document(&self, user_id: &str, id: DocumentId) -> Result<(), StoreError> {
        let tx = self.db.write(&[DOCUMENTS, INDEX])?;
        let stored_key: JsValue = doc_key(user_id, id).into();
        tx.object_store(DOCUMENTS)?.delete(&stored_key)?;
        let index = tx.object_store(INDEX)?;
        index.delete(&stored_key)?;
        index.delete(&actors_key(user_id, id).into())?;
        index.put_with_key(&"".into(), &mark_key(user_id, id).into())?;
        idb::done(&tx).await?;
        Ok(())
    }

    /// The copy of document `id`'s actor map kept for its history offline, decrypted with
    /// `user_id`'s `key`; `None` when there is none (or it does not decrypt or parse).
    pub async fn actors(
        &self,
        user_id: &str,
        key: &DataKey,
        id: DocumentId,
    ) -> Result<Option<Vec<ActorAuthor>>, StoreError> {
        let stored_key = actors_key(user_id, id);
        let tx = self.db.read(&[INDEX])?;
        let request = tx.object_store(INDEX)?.get(&stored_key.as_str().into())?;
        idb::done(&tx).await?;
        let Ok(bytes) = idb::result(&request)?.dyn_into::<Uint8Array>() else {
            return Ok(None);
        };
        let Ok(plain) = key.open(INDEX, &stored_key, &bytes.to_vec()).await else {
            return Ok(None);
        };
        // As text, like the API's reply: one JSON reader for the type in the wasm, not two.
        let text = std::str::from_utf8(&plain).ok();
        Ok(text.and_then(|t| serde_json::from_str(t).ok()))
    }

    /// Keeps document `id`'s actor map (names only of people the user may see, as the server
    /// gave them), encrypted like the documents, for its history offline.
    pub async fn set_actors(
        &self,
        user_id: &str,
        key: &DataKey,
        id: DocumentId,
        actors: &[ActorAuthor],
    ) -> Result<(), StoreError> {
        let stored_key = actors_key(user_id, id);
        let json = serde_json::to_vec(actors).expect("actor maps always serialize");
        let sealed = key.seal(INDEX, &stored_key, &json).await?;
        let tx = self.db.write(&[INDEX])?;
        tx.object_store(INDEX)?
            .put_with_key(&Uint8Array::from(&sealed[..]), &stored_key.as_str().into())?;
        idb::done(&tx).await?;
        Ok(())
    }

    /// The user `user_id` as last confirmed by the server, decrypted with their `key`.
    pub async fn me(&self, user_id: &str, key: &DataKey) -> Result<Option<Me>, StoreError> {
        let tx = self.db.read(&[USER])?;
        let request = tx.object_store(USER)?.get(&user_id.into())?;
        idb::done(&tx).await?;
        let Ok(bytes) = idb::result(&request)?.dyn_into::<Uint8Array>() else {
            return Ok(None);
        };
        let plain = key.open(USER, user_id, &bytes.to_vec()).await?;
        Ok(serde_json::from_slice(&plain).ok())
    }

    /// Remembers the signed-in user (encrypted), so the app can be unlocked offline.
    pub async fn set_me(&self, me: &Me, key: &DataKey) -> Result<(), StoreError> {
        let json = serde_json::to_vec(me).expect("Me always serializes");
        let value = key.seal(USER, &me.user.id, &json).await?;
        let tx = self.db.write(&[USER])?;
        tx.object_store(USER)?
            .put_with_key(&Uint8Array::from(&value[..]), &me.user.id.as_str().into())?;
        idb::done(&tx).await?;
        Ok(())
    }

    /// `user_id`'s wrapped data key, if this device has one. A record this version cannot read
    /// is treated as none (the user signs in online and gets a new key).
    pub async fn wrapped_key(&self, user_id: &str) -> Result<Option<WrappedKey>, StoreError> {
        let tx = self.db.read(&[KEYS])?;
        let request = tx.object_store(KEYS)?.get(&user_id.into())?;
        idb::done(&tx).await?;
        Ok(idb::result(&request)?
            .as_string()
            .and_then(|json| WrappedKey::from_json(&json).ok()))
    }

    /// Stores `user_id`'s wrapped data key and makes them the user the Unlock page opens, in one
    /// durable transaction.
    pub async fn set_wrapped_key(
        &self,
        user_id: &str,
        record: &WrappedKey,
    ) -> Result<(), StoreError> {
        let tx = self.db.write(&[KEYS, SETTINGS])?;
        tx.object_store(KEYS)?
            .put_with_key(&record.to_json().into(), &user_id.into())?;
        tx.object_store(SETTINGS)?
            .put_with_key(&user_id.into(), &LAST_USER.into())?;
        idb::done(&tx).await?;
        Ok(())
    }

    /// The user whose records the Unlock page opens, if any.
    pub async fn last_user(&self) -> Result<Option<String>, StoreError> {
        self.setting(LAST_USER).await
    }

    /// Deletes everything this device holds for `user_id`: their documents and index entries,
    /// cached user, wrapped key and any kiosk secret (one durable transaction). Used at
    /// sign-out and when the device was revoked.
    pub async fn forget_user(&self, user_id: &str) -> Result<(), StoreError> {
        let range = user_range(user_id)?;
        let last = self.last_user().await?;
        let tx = self.db.write(&[DOCUMENTS, INDEX, USER, KEYS, SETTINGS])?;
        tx.object_store(DOCUMENTS)?.delete(&range)?;
        tx.object_store(INDEX)?.delete(&range)?;
        tx.object_store(USER)?.delete(&user_id.into())?;
        tx.object_store(KEYS)?.delete(&user_id.into())?;
        tx.object_store(SETTINGS)?
            .delete(&kiosk_secret_key(user_id).into())?;
        if last.as_deref() == Some(user_id) {
            tx.object_store(SETTINGS)?.delete(&LAST_USER.into())?;
        }
        idb::done(&tx).await?;
        Ok(())
    }

    /// This device's own key, made on first use ([`DataKey::device`]).
    pub async fn device_key(&self) -> Result<DataKey, StoreError> {
        let tx = self.db.read(&[SETTINGS])?;
        let request = tx.object_store(SETTINGS)?.get(&DEVICE_KEY.into())?;
        idb::done(&tx).await?;
        if let Some(key) = DataKey::from_stored(idb::result(&request)?) {
            return Ok(key);
        }
        let key = DataKey::device().await?;
        let tx = self.db.write(&[SETTINGS])?;
        tx.object_store(SETTINGS)?
            .put_with_key(key.crypto_key(), &DEVICE_KEY.into())?;
        idb::done(&tx).await?;
        Ok(key)
    }

    /// `user_id`'s kiosk secret as stored (sealed with the device key), if any.
    pub async fn kiosk_secret(&self, user_id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let tx = self.db.read(&[SETTINGS])?;
        let request = tx
            .object_store(SETTINGS)?
            .get(&kiosk_secret_key(user_id).into())?;
        idb::done(&tx).await?;
        Ok(idb::result(&request)?
            .dyn_into::<Uint8Array>()
            .ok()
            .map(|b| b.to_vec()))
    }

    /// Stores `user_id`'s sealed kiosk secret.
    pub async fn set_kiosk_secret(&self, user_id: &str, sealed: &[u8]) -> Result<(), StoreError> {
        let tx = self.db.write(&[SETTINGS])?;
        tx.object_store(SETTINGS)?
            .put_with_key(&Uint8Array::from(sealed), &kiosk_secret_key(user_id).into())?;
        idb::done(&tx).await?;
        Ok(())
    }

    /// A small setting (a string), if set.
    pub async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        let tx = self.db.read(&[SETTINGS])?;
        let request = tx.object_store(SETTINGS)?.get(&key.into())?;
        idb::done(&tx).await?;
        Ok(idb::result(&request)?.as_string())
    }

    /// Removes a small setting.
    pub async fn delete_setting(&self, key: &str) -> Result<(), StoreError> {
        let tx = self.db.write(&[SETTINGS])?;
        tx.object_store(SETTINGS)?.delete(&key.into())?;
        idb::done(&tx).await?;
        Ok(())
    }

    /// Stores a small setting.
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let tx = self.db.write(&[SETTINGS])?;
        tx.object_store(SETTINGS)?
            .put_with_key(&value.into(), &key.into())?;
        idb::done(&tx).await?;
        Ok(())
    }
}
