//! The browser's WebCrypto (`crypto.subtle`) behind the vault: PBKDF2, AES-KW and AES-GCM.
//!
//! Why WebCrypto rather than a Rust crate compiled to wasm: the data key can be held as a
//! non-extractable `CryptoKey`, so not even a script running in the page can read its bytes;
//! the primitives are the browser's audited, constant-time native code; and it adds nothing to
//! the wasm download. Only available in a secure context (HTTPS, or `localhost`/`127.0.0.1`).

use js_sys::{Array, ArrayBuffer, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, SubtleCrypto};

use super::{Envelope, FormatError, IV_LEN, PBKDF2_ITERATIONS, SALT_LEN, WrappedKey, aad};

/// Why a vault operation failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum VaultError {
    /// The password does not unwrap this user's data key (AES-KW's integrity check failed).
    #[error("the password is not correct")]
    WrongPassword,
    /// A stored value failed its authentication tag, or is not in a known format.
    #[error("a stored value could not be decrypted")]
    Corrupt,
    /// WebCrypto is missing (not a secure context) or failed.
    #[error("this browser cannot encrypt records ({0})")]
    Unavailable(String),
}

impl From<FormatError> for VaultError {
    fn from(_: FormatError) -> Self {
        VaultError::Corrupt
    }
}

fn unavailable(value: JsValue) -> VaultError {
    let text = value
        .dyn_ref::<web_sys::DomException>()
        .map(|e| e.message())
        .or_else(|| value.as_string())
        .unwrap_or_else(|| "WebCrypto error".into());
    VaultError::Unavailable(text)
}

fn subtle() -> Result<SubtleCrypto, VaultError> {
    let crypto = web_sys::window()
        .ok_or_else(|| VaultError::Unavailable("no window".into()))?
        .crypto()
        .map_err(unavailable)?;
    // `crypto.subtle` is undefined outside a secure context; web-sys would hand back undefined.
    let subtle = Reflect::get(&crypto, &"subtle".into()).map_err(unavailable)?;
    if subtle.is_undefined() {
        return Err(VaultError::Unavailable(
            "open Hearth over HTTPS: encryption needs a secure connection".into(),
        ));
    }
    Ok(subtle.unchecked_into())
}

/// Whether WebCrypto is usable here (checked at boot: without it nothing may be stored).
pub fn check_available() -> Result<(), VaultError> {
    subtle().map(drop)
}

/// `N` bytes from the browser's CSPRNG.
fn random<const N: usize>() -> Result<[u8; N], VaultError> {
    let crypto = web_sys::window()
        .ok_or_else(|| VaultError::Unavailable("no window".into()))?
        .crypto()
        .map_err(unavailable)?;
    let mut bytes = [0u8; N];
    crypto
        .get_random_values_with_u8_array(&mut bytes)
        .map_err(unavailable)?;
    Ok(bytes)
}

fn object(fields: &[(&str, JsValue)]) -> Object {
    let object = Object::new();
    for (name, value) in fields {
        Reflect::set(&object, &(*name).into(), value).expect("setting a field on a new object");
    }
    object
}

fn usages(names: &[&str]) -> JsValue {
    names
        .iter()
        .map(|n| JsValue::from_str(n))
        .collect::<Array>()
        .into()
}

async fn call(promise: Result<js_sys::Promise, JsValue>) -> Result<JsValue, VaultError> {
    JsFuture::from(promise.map_err(unavailable)?)
        .await
        .map_err(unavailable)
}

fn bytes_of(buffer: &JsValue) -> Vec<u8> {
    Uint8Array::new(buffer.unchecked_ref::<ArrayBuffer>()).to_vec()
}

/// A key-encryption key derived from a password, with the salt and iterations that made it.
/// Non-extractable; used only to wrap and unwrap the data key.
pub struct Kek {
    key: CryptoKey,
    salt: Vec<u8>,
    iterations: u32,
}

impl Kek {
    /// Derives the KEK for `password` with a stored record's salt and iterations.
    pub async fn for_record(password: &str, record: &WrappedKey) -> Result<Kek, VaultError> {
        Kek::derive(password, record.salt.clone(), record.iterations).await
    }

    /// Derives a KEK for `password` with a fresh random salt (a new or re-wrapped key).
    pub async fn fresh(password: &str) -> Result<Kek, VaultError> {
        let salt = random::<SALT_LEN>()?.to_vec();
        Kek::derive(password, salt, PBKDF2_ITERATIONS).await
    }

    async fn derive(password: &str, salt: Vec<u8>, iterations: u32) -> Result<Kek, VaultError> {
        let subtle = subtle()?;
        let secret = Uint8Array::from(password.as_bytes());
        let base: CryptoKey = call(subtle.import_key_with_str(
            "raw",
            &secret,
            "PBKDF2",
            false,
            &usages(&["deriveKey"]),
        ))
        .await?
        .unchecked_into();
        let params = object(&[
            ("name", "PBKDF2".into()),
            ("hash", "SHA-256".into()),
            ("salt", Uint8Array::from(&salt[..]).into()),
            ("iterations", iterations.into()),
        ]);
        let kind = object(&[("name", "AES-KW".into()), ("length", 256.into())]);
        let key: CryptoKey = call(subtle.derive_key_with_object_and_object(
            &params,
            &base,
            &kind,
            false,
            &usages(&["wrapKey", "unwrapKey"]),
        ))
        .await?
        .unchecked_into();
        Ok(Kek {
            key,
            salt,
            iterations,
        })
    }

    /// Wraps `data_key` (which must be extractable) into a storable record.
    async fn wrap(&self, data_key: &CryptoKey, username: &str) -> Result<WrappedKey, VaultError> {
        let wrapped =
            call(subtle()?.wrap_key_with_str("raw", data_key, &self.key, "AES-KW")).await?;
        Ok(WrappedKey {
            iterations: self.iterations,
            salt: self.salt.clone(),
            wrapped: bytes_of(&wrapped),
            username: username.into(),
        })
    }

    /// Unwraps a stored data key; a wrong password fails AES-KW's integrity check.
    async fn unwrap(
        &self,
        record: &WrappedKey,
        extractable: bool,
    ) -> Result<CryptoKey, VaultError> {
        let promise = subtle()?.unwrap_key_with_js_u8_array_and_str_and_str(
            "raw",
            &Uint8Array::from(&record.wrapped[..]),
            &self.key,
            "AES-KW",
            "AES-GCM",
            extractable,
            &usages(&["encrypt", "decrypt"]),
        );
        let promise = promise.map_err(unavailable)?;
        match JsFuture::from(promise).await {
            Ok(key) => Ok(key.unchecked_into()),
            // OperationError is what AES-KW's failed integrity check raises.
            Err(e)
                if e.dyn_ref::<web_sys::DomException>()
                    .is_some_and(|d| d.name() == "OperationError") =>
            {
                Err(VaultError::WrongPassword)
            }
            Err(e) => Err(unavailable(e)),
        }
    }
}

/// A user's data key, unwrapped: non-extractable, in memory only while the app is unlocked.
pub struct DataKey {
    key: CryptoKey,
}

impl DataKey {
    /// A new random data key, and its record wrapped under `kek`. The extractable copy needed
    /// for wrapping is dropped at once; the key kept is unwrapped again as non-extractable.
    pub async fn generate(kek: &Kek, username: &str) -> Result<(DataKey, WrappedKey), VaultError> {
        let params = object(&[("name", "AES-GCM".into()), ("length", 256.into())]);
        let extractable: CryptoKey = call(subtle()?.generate_key_with_object(
            &params,
            true,
            &usages(&["encrypt", "decrypt"]),
        ))
        .await?
        .unchecked_into();
        let record = kek.wrap(&extractable, username).await?;
        drop(extractable);
        let key = kek.unwrap(&record, false).await?;
        Ok((DataKey { key }, record))
    }

    /// Opens a stored record with `kek` (the password's KEK for that record's salt).
    pub async fn unwrap(kek: &Kek, record: &WrappedKey) -> Result<DataKey, VaultError> {
        Ok(DataKey {
            key: kek.unwrap(record, false).await?,
        })
    }

    /// Re-wraps the same data key from `old` (the previous password) to `new`, after the
    /// password changed on the server; records stay as they are.
    pub async fn rewrap(
        old: &Kek,
        new: &Kek,
        record: &WrappedKey,
    ) -> Result<(DataKey, WrappedKey), VaultError> {
        let extractable = old.unwrap(record, true).await?;
        let rewrapped = new.wrap(&extractable, &record.username).await?;
        drop(extractable);
        let key = new.unwrap(&rewrapped, false).await?;
        Ok((DataKey { key }, rewrapped))
    }

    /// A new random key that never leaves this device: non-extractable, so it can be kept in
    /// IndexedDB (as a `CryptoKey`) and used there, but its bytes cannot be read out by a
    /// script. It seals a set-up tablet's kiosk secret (`platform::runtime::tablet`).
    pub async fn device() -> Result<DataKey, VaultError> {
        let params = object(&[("name", "AES-GCM".into()), ("length", 256.into())]);
        let key: CryptoKey = call(subtle()?.generate_key_with_object(
            &params,
            false,
            &usages(&["encrypt", "decrypt"]),
        ))
        .await?
        .unchecked_into();
        Ok(DataKey { key })
    }

    /// A key read back from IndexedDB ([`DataKey::crypto_key`]); `None` if it is not one.
    pub fn from_stored(value: JsValue) -> Option<DataKey> {
        value
            .dyn_into::<CryptoKey>()
            .ok()
            .map(|key| DataKey { key })
    }

    /// The `CryptoKey` itself, for storing a [`DataKey::device`] key.
    pub fn crypto_key(&self) -> &CryptoKey {
        &self.key
    }

    /// Encrypts `plain` for `key` in `store`: a fresh random IV, the (store, key) pair as AAD.
    pub async fn seal(&self, store: &str, key: &str, plain: &[u8]) -> Result<Vec<u8>, VaultError> {
        let iv = random::<IV_LEN>()?;
        let ciphertext = call(subtle()?.encrypt_with_object_and_js_u8_array(
            &self.params(&iv, store, key),
            &self.key,
            &Uint8Array::from(plain),
        ))
        .await?;
        Ok(Envelope {
            iv,
            ciphertext: bytes_of(&ciphertext),
        }
        .encode())
    }

    /// Decrypts a value [`seal`](Self::seal)ed for the same `store` and `key`.
    pub async fn open(&self, store: &str, key: &str, stored: &[u8]) -> Result<Vec<u8>, VaultError> {
        let envelope = Envelope::decode(stored)?;
        let promise = subtle()?
            .decrypt_with_object_and_js_u8_array(
                &self.params(&envelope.iv, store, key),
                &self.key,
                &Uint8Array::from(&envelope.ciphertext[..]),
            )
            .map_err(unavailable)?;
        // A failed tag (tampered, moved to another key, another user's key) is OperationError.
        let plain = JsFuture::from(promise)
            .await
            .map_err(|_| VaultError::Corrupt)?;
        Ok(bytes_of(&plain))
    }

    fn params(&self, iv: &[u8], store: &str, key: &str) -> Object {
        object(&[
            ("name", "AES-GCM".into()),
            ("iv", Uint8Array::from(iv).into()),
            (
                "additionalData",
                Uint8Array::from(&aad(store, key)[..]).into(),
            ),
            ("tagLength", 128.into()),
        ])
    }
}
