//! Hearth's IndexedDB database: documents per user, the signed-in user, and small settings.
//!
//! Documents are keyed `"<userId>/<documentId>"` so two people sharing a tablet never load each
//! other's records, and one user's unsent edits wait for them even after another has signed in.

use hearth_shared::ids::DocumentId;
use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{IdbDatabase, IdbKeyRange};

use super::idb::{self, Db};
use crate::engine::{StoredDoc, StoredInfo};
use crate::session::Me;

const NAME: &str = "hearth";
const VERSION: u32 = 1;
const DOCUMENTS: &str = "documents";
const USER: &str = "user";
const SETTINGS: &str = "settings";
/// The key of the signed-in user in the `user` store.
const ME: &str = "me";

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

/// The open database.
#[derive(Clone)]
pub struct Store {
    db: Db,
}

fn upgrade(db: &IdbDatabase) -> Result<(), JsValue> {
    let existing = db.object_store_names();
    for name in [DOCUMENTS, USER, SETTINGS] {
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
    /// Opens (or creates) the database.
    pub async fn open() -> Result<Store, StoreError> {
        Ok(Store {
            db: Db::open(NAME, VERSION, upgrade).await?,
        })
    }

    /// Every document stored for `user_id`; unreadable entries are skipped, not fatal.
    pub async fn documents(&self, user_id: &str) -> Result<Vec<StoredDoc>, StoreError> {
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
        Ok(keys
            .iter()
            .zip(values.iter())
            .filter_map(|(key, value)| {
                let id = key.as_string()?.strip_prefix(&prefix)?.parse().ok()?;
                let bytes = Reflect::get(&value, &"bytes".into()).ok()?;
                let info = Reflect::get(&value, &"info".into()).ok()?.as_string()?;
                Some(StoredDoc {
                    id,
                    bytes: bytes.dyn_into::<Uint8Array>().ok()?.to_vec(),
                    info: serde_json::from_str::<StoredInfo>(&info).ok()?,
                })
            })
            .collect())
    }

    /// Writes documents in one durable transaction; returns once they are on disk.
    pub async fn put_documents(&self, user_id: &str, docs: &[StoredDoc]) -> Result<(), StoreError> {
        let tx = self.db.write(&[DOCUMENTS])?;
        let store = tx.object_store(DOCUMENTS)?;
        for doc in docs {
            let value = Object::new();
            Reflect::set(&value, &"bytes".into(), &Uint8Array::from(&doc.bytes[..]))?;
            let info = serde_json::to_string(&doc.info).expect("StoredInfo always serializes");
            Reflect::set(&value, &"info".into(), &info.into())?;
            store.put_with_key(&value, &doc_key(user_id, doc.id).into())?;
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

    /// The signed-in user as last confirmed by the server, if any.
    pub async fn me(&self) -> Result<Option<Me>, StoreError> {
        let tx = self.db.read(&[USER])?;
        let request = tx.object_store(USER)?.get(&ME.into())?;
        idb::done(&tx).await?;
        Ok(idb::result(&request)?
            .as_string()
            .and_then(|json| serde_json::from_str(&json).ok()))
    }

    /// Remembers the signed-in user, so the app starts offline without signing in.
    pub async fn set_me(&self, me: Option<&Me>) -> Result<(), StoreError> {
        let tx = self.db.write(&[USER])?;
        let store = tx.object_store(USER)?;
        match me {
            Some(me) => {
                let json = serde_json::to_string(me).expect("Me always serializes");
                store.put_with_key(&json.into(), &ME.into())?;
            }
            None => {
                store.delete(&ME.into())?;
            }
        }
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
