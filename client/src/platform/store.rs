//! Hearth's IndexedDB database: documents per user, the cached user, wrapped keys, and small
//! settings.
//!
//! Documents are keyed `"<userId>/<documentId>"` so two people sharing a tablet never load each
//! other's records, and one user's unsent edits wait for them even after another has signed in.
//!
//! Everything about records or the user is encrypted with that user's data key
//! ([`super::vault`]): a `documents` value is one envelope holding the Automerge bytes, the list
//! metadata, the acknowledged heads and any rejection; a `user` value is the encrypted `/api/me`
//! reply. Keys (user and document ids), the wrapped keys and the settings (the device's peer id,
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
use crate::session::Me;

const NAME: &str = "hearth";
/// 2: values encrypted, `keys` store added, `user` keyed by user id.
const VERSION: u32 = 2;
const DOCUMENTS: &str = "documents";
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
    for name in [DOCUMENTS, USER, SETTINGS, KEYS] {
        if !existing.contains(name) {
            db.create_object_store(name)?;
        }
    }
    Ok(())
}

fn doc_key(user_id: &str, id: DocumentId) -> String {
    format!("{user_id}/{id}")
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

    /// Every document stored for `user_id`, decrypted with their `key`; entries that do not
    /// decrypt or parse are skipped (and left in storage), not fatal.
    pub async fn documents(
        &self,
        user_id: &str,
        key: &DataKey,
    ) -> Result<Vec<StoredDoc>, StoreError> {
        let tx = self.db.read(&[DOCUMENTS])?;
        let store = tx.object_store(DOCUMENTS)?;
        let prefix = format!("{user_id}/");
        let range = IdbKeyRange::bound(
            &JsValue::from_str(&prefix),
            &JsValue::from_str(&format!("{prefix}\u{ffff}")),
        )?;
        let keys = store.get_all_keys_with_key(&range)?;
        let values = store.get_all_with_key(&range)?;
        idb::done(&tx).await?;
        let keys: js_sys::Array = idb::result(&keys)?.unchecked_into();
        let values: js_sys::Array = idb::result(&values)?.unchecked_into();
        let mut docs = Vec::new();
        for (stored_key, value) in keys.iter().zip(values.iter()) {
            let Some(stored_key) = stored_key.as_string() else {
                continue;
            };
            let Some(id) = stored_key
                .strip_prefix(&prefix)
                .and_then(|id| id.parse::<DocumentId>().ok())
            else {
                continue;
            };
            let Ok(bytes) = value.dyn_into::<Uint8Array>() else {
                continue;
            };
            let Ok(plain) = key.open(DOCUMENTS, &stored_key, &bytes.to_vec()).await else {
                continue;
            };
            if let Ok(doc) = unpack_document(id, &plain) {
                docs.push(doc);
            }
        }
        Ok(docs)
    }

    /// Encrypts and writes documents in one durable transaction; returns once they are on disk.
    pub async fn put_documents(
        &self,
        user_id: &str,
        key: &DataKey,
        docs: &[StoredDoc],
    ) -> Result<(), StoreError> {
        // Encrypt first: an IndexedDB transaction commits itself as soon as it has no pending
        // request, so it must not wait on WebCrypto.
        let mut sealed = Vec::with_capacity(docs.len());
        for doc in docs {
            let stored_key = doc_key(user_id, doc.id);
            let value = key
                .seal(DOCUMENTS, &stored_key, &pack_document(doc))
                .await?;
            sealed.push((stored_key, value));
        }
        let tx = self.db.write(&[DOCUMENTS])?;
        let store = tx.object_store(DOCUMENTS)?;
        for (stored_key, value) in &sealed {
            store.put_with_key(&Uint8Array::from(&value[..]), &stored_key.into())?;
        }
        idb::done(&tx).await?;
        Ok(())
    }

    /// Removes a document (a discarded, refused copy).
    pub async fn delete_document(&self, user_id: &str, id: DocumentId) -> Result<(), StoreError> {
        let tx = self.db.write(&[DOCUMENTS])?;
        tx.object_store(DOCUMENTS)?
            .delete(&doc_key(user_id, id).into())?;
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

    /// Deletes everything this device holds for `user_id`: their documents, cached user,
    /// wrapped key and any kiosk secret (one durable transaction). Used at sign-out and when
    /// the device was revoked.
    pub async fn forget_user(&self, user_id: &str) -> Result<(), StoreError> {
        let prefix = format!("{user_id}/");
        let range = IdbKeyRange::bound(
            &JsValue::from_str(&prefix),
            &JsValue::from_str(&format!("{prefix}\u{ffff}")),
        )?;
        let last = self.last_user().await?;
        let tx = self.db.write(&[DOCUMENTS, USER, KEYS, SETTINGS])?;
        tx.object_store(DOCUMENTS)?.delete(&range)?;
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
