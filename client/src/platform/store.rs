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
//! lists can start from the small entries without decrypting or loading any document; a `user`
//! value is the encrypted `/api/me` reply. Keys (user and document ids), the wrapped keys and the settings (the device's peer id,
//! the last user's id) are in the clear, except two settings of a tablet set up with a code: the
//! device's own key (a non-extractable `CryptoKey`) and the kiosk password sealed under it.

use std::cell::Cell;
use std::rc::Rc;

use hearth_shared::ids::DocumentId;
use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{IdbDatabase, IdbKeyRange};

use super::idb::{self, Db};
use super::vault::webcrypto::DataKey;
use super::vault::{WrappedKey, pack_document, unpack_document};
use crate::engine::StoredDoc;
use crate::index::{Checkpoint, IndexEntry, Repair, envelope_iv, reconcile};
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

    /// The metadata index for `user_id`: every stored document's entry, decrypted with their
    /// `key`, matched with the documents' keys (not their values: nothing of a document is read
    /// or decrypted). Documents with no usable entry come back in [`Repair::rebuild`], entries
    /// without a document in [`Repair::orphans`]. Entries unchanged since the last
    /// [`Checkpoint`] come from it (one decryption); only those written since are decrypted one
    /// by one, and then a fresh checkpoint is returned for [`Store::save_checkpoint`].
    pub async fn index(
        &self,
        user_id: &str,
        key: &DataKey,
    ) -> Result<(Repair, Option<Checkpoint>), StoreError> {
        let tx = self.db.read(&[DOCUMENTS, INDEX])?;
        let range = user_range(user_id)?;
        let doc_keys = tx.object_store(DOCUMENTS)?.get_all_keys_with_key(&range)?;
        let index = tx.object_store(INDEX)?;
        let entry_keys = index.get_all_keys_with_key(&range)?;
        let entry_values = index.get_all_with_key(&range)?;
        let checkpoint = index.get(&checkpoint_key(user_id).into())?;
        idb::done(&tx).await?;
        let doc_keys: js_sys::Array = idb::result(&doc_keys)?.unchecked_into();
        let entry_keys: js_sys::Array = idb::result(&entry_keys)?.unchecked_into();
        let entry_values: js_sys::Array = idb::result(&entry_values)?.unchecked_into();
        let checkpoint = match idb::result(&checkpoint)?.dyn_into::<Uint8Array>() {
            Ok(bytes) => key
                .open(INDEX, &checkpoint_key(user_id), &bytes.to_vec())
                .await
                .map(|plain| Checkpoint::decode(&plain))
                .unwrap_or_default(),
            Err(_) => Checkpoint::default(),
        };
        let documents: Vec<(DocumentId, Option<String>)> = doc_keys
            .iter()
            .filter_map(|k| key_id(user_id, &k))
            .map(|id| (id, None))
            .collect();
        let mut read: Vec<(DocumentId, String, Option<IndexEntry>)> = Vec::new();
        let mut sealed: Vec<(DocumentId, String, Vec<u8>)> = Vec::new();
        for (stored_key, value) in entry_keys.iter().zip(entry_values.iter()) {
            let Some(id) = key_id(user_id, &stored_key) else {
                continue;
            };
            let Ok(bytes) = value.dyn_into::<Uint8Array>() else {
                read.push((id, String::new(), None));
                continue;
            };
            let bytes = bytes.to_vec();
            let iv = envelope_iv(&bytes);
            match checkpoint.entry(id, &iv) {
                Some(entry) => read.push((id, iv, Some(entry.clone()))),
                None => sealed.push((id, iv, bytes)),
            }
        }
        let stale = !sealed.is_empty() || read.len() != checkpoint.entries.len();
        // All at once: WebCrypto answers each asynchronously, and entries awaited one after
        // another would cost a task hop each.
        let opened =
            futures::future::join_all(sealed.into_iter().map(|(id, iv, bytes)| async move {
                let plain = key.open(INDEX, &doc_key(user_id, id), &bytes).await.ok();
                (id, iv, plain.and_then(|p| IndexEntry::decode(&p)))
            }))
            .await;
        read.extend(opened);
        let fresh = stale.then(|| Checkpoint {
            entries: read
                .iter()
                .filter_map(|(id, iv, e)| Some((id.to_string(), (iv.clone(), e.clone()?))))
                .collect(),
        });
        let entries = read.into_iter().map(|(id, _, e)| (id, e)).collect();
        Ok((reconcile(&documents, entries), fresh))
    }

    /// Stores `user_id`'s index [`Checkpoint`] (encrypted), so the next unlock decrypts one
    /// value instead of one per record.
    pub async fn save_checkpoint(
        &self,
        user_id: &str,
        key: &DataKey,
        checkpoint: &Checkpoint,
    ) -> Result<(), StoreError> {
        let stored_key = checkpoint_key(user_id);
        let value = key.seal(INDEX, &stored_key, &checkpoint.encode()).await?;
        let tx = self.db.write(&[INDEX])?;
        tx.object_store(INDEX)?
            .put_with_key(&Uint8Array::from(&value[..]), &stored_key.into())?;
        idb::done(&tx).await?;
        Ok(())
    }

    /// The envelope IV of each of `user_id`'s stored documents (values read, nothing decrypted):
    /// for checking, after start-up, that each entry describes the document stored now.
    pub async fn document_ivs(
        &self,
        user_id: &str,
    ) -> Result<Vec<(DocumentId, Option<String>)>, StoreError> {
        let tx = self.db.read(&[DOCUMENTS])?;
        let store = tx.object_store(DOCUMENTS)?;
        let range = user_range(user_id)?;
        let keys = store.get_all_keys_with_key(&range)?;
        let values = store.get_all_with_key(&range)?;
        idb::done(&tx).await?;
        let keys: js_sys::Array = idb::result(&keys)?.unchecked_into();
        let values: js_sys::Array = idb::result(&values)?.unchecked_into();
        Ok(keys
            .iter()
            .zip(values.iter())
            .filter_map(|(k, v)| {
                let id = key_id(user_id, &k)?;
                let iv = v
                    .dyn_into::<Uint8Array>()
                    .ok()
                    .map(|bytes| envelope_iv(&bytes.to_vec()));
                Some((id, iv))
            })
            .collect())
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

    /// Encrypts and writes documents with their index entries, all in one durable
    /// transaction; returns once they are on disk. Each entry records the IV of its document's
    /// envelope, so a document later rewritten without its entry is noticed.
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
            let entry = key.seal(INDEX, &stored_key, &entry.encode()).await?;
            Ok::<_, StoreError>((stored_key, doc, entry))
        }))
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
        let tx = self.db.write(&[DOCUMENTS, INDEX])?;
        let documents = tx.object_store(DOCUMENTS)?;
        let index = tx.object_store(INDEX)?;
        for (stored_key, doc, entry) in &sealed {
            documents.put_with_key(&Uint8Array::from(&doc[..]), &stored_key.into())?;
            index.put_with_key(&Uint8Array::from(&entry[..]), &stored_key.into())?;
        }
        idb::done(&tx).await?;
        Ok(())
    }

    /// Removes a document and its index entry (a discarded, refused copy), or an entry left
    /// without its document.
    pub async fn delete_document(&self, user_id: &str, id: DocumentId) -> Result<(), StoreError> {
        let tx = self.db.write(&[DOCUMENTS, INDEX])?;
        let stored_key: JsValue = doc_key(user_id, id).into();
        tx.object_store(DOCUMENTS)?.delete(&stored_key)?;
        tx.object_store(INDEX)?.delete(&stored_key)?;
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
