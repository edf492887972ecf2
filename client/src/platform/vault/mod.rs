//! Encryption at rest: a lost tablet must not be a data breach.
//!
//! Key hierarchy, per user on the device:
//!
//! ```text
//! password ──PBKDF2-SHA-256 (600,000 iterations, 16-byte random salt)──▶ KEK (AES-KW-256,
//!   non-extractable, only ever in memory while signing in or unlocking)
//! KEK ──AES-KW──▶ wraps the data key (AES-GCM-256, random); the 40-byte wrapped key, the salt
//!   and the iteration count are stored in the `keys` store ([`WrappedKey`])
//! data key (non-extractable CryptoKey, in memory only while unlocked)
//!   ──AES-GCM, fresh 96-bit IV per write, AAD = store + key──▶ every value of the `documents`
//!   and `user` stores ([`Envelope`])
//! ```
//!
//! Changing the password re-wraps the same data key, so stored records never need re-encrypting.
//! This module is the pure part (formats, versions, AAD, the lock and sign-out policies), tested
//! natively; `webcrypto` is the thin browser edge that calls `crypto.subtle`.

#[cfg(target_arch = "wasm32")]
pub mod webcrypto;

use serde::{Deserialize, Serialize};

use crate::engine::{StoredDoc, StoredInfo};
use hearth_shared::ids::DocumentId;

/// PBKDF2-SHA-256 iterations for new wrapped keys: OWASP's 2023 figure for PBKDF2-HMAC-SHA256.
/// Stored with each wrapped key, so raising it later only affects keys wrapped afterwards.
pub const PBKDF2_ITERATIONS: u32 = 600_000;
/// The fewest iterations a stored wrapped key may claim (NIST SP 800-132's floor as the brief
/// sets it); anything lower is treated as corrupt rather than quietly accepted.
pub const MIN_PBKDF2_ITERATIONS: u32 = 310_000;
/// Bytes of random PBKDF2 salt per user.
pub const SALT_LEN: usize = 16;
/// Bytes of AES-GCM IV: the 96 bits GCM is designed for, random per write.
pub const IV_LEN: usize = 12;
/// AES-GCM's authentication tag, appended to the ciphertext by WebCrypto.
const TAG_LEN: usize = 16;
/// A 256-bit key wrapped with AES-KW (RFC 3394): 32 bytes plus the 8-byte integrity block.
pub const WRAPPED_KEY_LEN: usize = 40;
/// The first byte of every envelope: the format and algorithms (v1: AES-GCM-256, 12-byte IV).
const ENVELOPE_V1: u8 = 1;
/// Version of the wrapped-key record.
const WRAPPED_KEY_V1: u32 = 1;

/// After this long without a tap, click or keypress the app locks: the data key and the
/// decrypted records leave memory and the Unlock page asks for the password.
pub const AUTO_LOCK_AFTER_MS: i64 = 15 * 60 * 1000;

/// Why stored bytes are not a value this version can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// Too short to hold the header, IV and tag.
    #[error("the stored value is truncated")]
    Truncated,
    /// Written by a newer (or unknown) format.
    #[error("the stored value has unknown format version {0}")]
    UnknownVersion(u32),
    /// A wrapped-key record that does not parse or is out of bounds.
    #[error("the stored key record is not valid: {0}")]
    BadKeyRecord(&'static str),
    /// Decrypted bytes that are not a document.
    #[error("the decrypted value is not a stored document")]
    BadDocument,
}

/// One encrypted value as stored: `[version: 1 byte][IV: 12 bytes][AES-GCM ciphertext + tag]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The random IV this value was encrypted with.
    pub iv: [u8; IV_LEN],
    /// Ciphertext followed by the 16-byte tag, as WebCrypto returns it.
    pub ciphertext: Vec<u8>,
}

impl Envelope {
    /// The bytes written to IndexedDB.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + IV_LEN + self.ciphertext.len());
        out.push(ENVELOPE_V1);
        out.extend_from_slice(&self.iv);
        out.extend_from_slice(&self.ciphertext);
        out
    }

    /// Parses stored bytes; checks the version and length only (the tag is checked on decrypt).
    pub fn decode(bytes: &[u8]) -> Result<Envelope, FormatError> {
        let (&version, rest) = bytes.split_first().ok_or(FormatError::Truncated)?;
        if version != ENVELOPE_V1 {
            return Err(FormatError::UnknownVersion(version.into()));
        }
        if rest.len() < IV_LEN + TAG_LEN {
            return Err(FormatError::Truncated);
        }
        let (iv, ciphertext) = rest.split_at(IV_LEN);
        Ok(Envelope {
            iv: iv.try_into().expect("split at IV_LEN"),
            ciphertext: ciphertext.to_vec(),
        })
    }
}

/// The additional authenticated data for the value stored under `key` in `store`: a value copied
/// to another key (another user's, another document's) or another store fails to decrypt.
/// Length-prefixed, so no two (store, key) pairs give the same bytes; includes the envelope
/// version, so a value cannot be reinterpreted under a later format.
pub fn aad(store: &str, key: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 + store.len() + key.len());
    out.extend_from_slice(b"hearth-vault");
    out.push(ENVELOPE_V1);
    for part in [store, key] {
        let len = u32::try_from(part.len()).expect("store names and keys are short");
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(part.as_bytes());
    }
    out
}

/// A user's data key as kept on the device: wrapped under their password, with what is needed
/// to derive the wrapping key again. Stored in the clear (it is useless without the password).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrappedKey {
    /// PBKDF2 iterations used for this record.
    pub iterations: u32,
    /// PBKDF2 salt, [`SALT_LEN`] random bytes.
    pub salt: Vec<u8>,
    /// The AES-GCM data key wrapped with AES-KW, [`WRAPPED_KEY_LEN`] bytes.
    pub wrapped: Vec<u8>,
    /// The sign-in name, kept in the clear so the Unlock page can say whose records are locked.
    /// Not record content; the display name and homes stay encrypted.
    pub username: String,
}

/// The JSON shape of [`WrappedKey`], with its algorithms named so a reader knows what it holds.
#[derive(Serialize, Deserialize)]
struct WrappedKeyJson {
    v: u32,
    kdf: String,
    iterations: u32,
    salt: String,
    wrap: String,
    cipher: String,
    wrapped: String,
    username: String,
}

const KDF: &str = "PBKDF2-SHA-256";
const WRAP: &str = "AES-KW";
const CIPHER: &str = "AES-GCM-256";

impl WrappedKey {
    /// The JSON written to the `keys` store.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&WrappedKeyJson {
            v: WRAPPED_KEY_V1,
            kdf: KDF.into(),
            iterations: self.iterations,
            salt: hex(&self.salt),
            wrap: WRAP.into(),
            cipher: CIPHER.into(),
            wrapped: hex(&self.wrapped),
            username: self.username.clone(),
        })
        .expect("plain strings and numbers serialize")
    }

    /// Reads a stored record, refusing anything this version did not write.
    pub fn from_json(json: &str) -> Result<WrappedKey, FormatError> {
        let raw: WrappedKeyJson =
            serde_json::from_str(json).map_err(|_| FormatError::BadKeyRecord("not JSON"))?;
        if raw.v != WRAPPED_KEY_V1 {
            return Err(FormatError::UnknownVersion(raw.v));
        }
        if raw.kdf != KDF || raw.wrap != WRAP || raw.cipher != CIPHER {
            return Err(FormatError::BadKeyRecord("unknown algorithm"));
        }
        if raw.iterations < MIN_PBKDF2_ITERATIONS {
            return Err(FormatError::BadKeyRecord("too few PBKDF2 iterations"));
        }
        let salt = unhex(&raw.salt).ok_or(FormatError::BadKeyRecord("salt"))?;
        let wrapped = unhex(&raw.wrapped).ok_or(FormatError::BadKeyRecord("wrapped key"))?;
        if salt.len() != SALT_LEN {
            return Err(FormatError::BadKeyRecord("salt length"));
        }
        if wrapped.len() != WRAPPED_KEY_LEN {
            return Err(FormatError::BadKeyRecord("wrapped key length"));
        }
        Ok(WrappedKey {
            iterations: raw.iterations,
            salt,
            wrapped,
            username: raw.username,
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

/// The plaintext of a stored document: `[info length: u32 BE][info JSON][Automerge bytes]`.
/// Metadata (title, home, state), acknowledged heads and rejection are encrypted with the
/// content: a record's title alone can identify a child.
pub fn pack_document(doc: &StoredDoc) -> Vec<u8> {
    let info = serde_json::to_vec(&doc.info).expect("StoredInfo always serializes");
    let len = u32::try_from(info.len()).expect("document info is far below 4 GiB");
    let mut out = Vec::with_capacity(4 + info.len() + doc.bytes.len());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&info);
    out.extend_from_slice(&doc.bytes);
    out
}

/// Reads [`pack_document`]'s output back.
pub fn unpack_document(id: DocumentId, plain: &[u8]) -> Result<StoredDoc, FormatError> {
    let (len, rest) = plain
        .split_first_chunk::<4>()
        .ok_or(FormatError::BadDocument)?;
    let len = usize::try_from(u32::from_be_bytes(*len)).map_err(|_| FormatError::BadDocument)?;
    if rest.len() < len {
        return Err(FormatError::BadDocument);
    }
    let (info, bytes) = rest.split_at(len);
    let info: StoredInfo = serde_json::from_slice(info).map_err(|_| FormatError::BadDocument)?;
    Ok(StoredDoc {
        id,
        bytes: bytes.to_vec(),
        info,
    })
}

/// Whether the app should lock now: nobody has touched it for `after_ms`.
pub fn should_lock(last_activity_ms: i64, now_ms: i64, after_ms: i64) -> bool {
    now_ms.saturating_sub(last_activity_ms) >= after_ms
}

/// What pressing "Sign out" does, given how many records hold changes the server has not
/// acknowledged (or refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignOut {
    /// Nothing would be lost: end the session and delete this user's data from the device.
    DeleteNow,
    /// Deleting would lose work: warn, and only delete if the user insists.
    Warn {
        /// Records with unsent changes.
        unsent: usize,
    },
}

impl SignOut {
    /// The policy for `unsent` records with unsent changes.
    pub fn decide(unsent: usize) -> SignOut {
        if unsent == 0 {
            SignOut::DeleteNow
        } else {
            SignOut::Warn { unsent }
        }
    }
}

/// The sign-out warning, e.g. "3 changes have not reached the server yet — signing out now would
/// delete them".
pub fn unsent_warning(unsent: usize) -> String {
    let (count, verb) = if unsent == 1 {
        ("1 change".to_string(), "has")
    } else {
        (format!("{unsent} changes"), "have")
    };
    format!("{count} {verb} not reached the server yet — signing out now would delete them")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Rejected;

    fn wrapped() -> WrappedKey {
        WrappedKey {
            iterations: PBKDF2_ITERATIONS,
            salt: (0..16).collect(),
            wrapped: (100..140).collect(),
            username: "cllr.test".into(),
        }
    }

    #[test]
    fn an_envelope_round_trips_and_starts_with_its_version() {
        let envelope = Envelope {
            iv: [7; IV_LEN],
            ciphertext: vec![1; 40],
        };
        let bytes = envelope.encode();
        assert_eq!(bytes[0], 1);
        assert_eq!(&bytes[1..13], &[7; 12]);
        assert_eq!(Envelope::decode(&bytes), Ok(envelope));
    }

    #[test]
    fn an_envelope_from_an_unknown_version_or_truncated_is_refused() {
        let mut bytes = Envelope {
            iv: [0; IV_LEN],
            ciphertext: vec![0; TAG_LEN],
        }
        .encode();
        assert!(
            Envelope::decode(&bytes).is_ok(),
            "an empty plaintext is a tag only"
        );
        bytes.pop();
        assert_eq!(Envelope::decode(&bytes), Err(FormatError::Truncated));
        assert_eq!(Envelope::decode(&[]), Err(FormatError::Truncated));
        bytes[0] = 2;
        assert_eq!(
            Envelope::decode(&bytes),
            Err(FormatError::UnknownVersion(2))
        );
    }

    #[test]
    fn a_value_is_bound_to_its_store_and_key() {
        let a = aad("documents", "u1/doc");
        assert_ne!(a, aad("documents", "u2/doc"), "another user's key");
        assert_ne!(a, aad("user", "u1/doc"), "another store");
        // Length prefixes: moving a boundary between store and key changes the bytes.
        assert_ne!(aad("ab", "c"), aad("a", "bc"));
        assert_eq!(a, aad("documents", "u1/doc"), "deterministic");
    }

    #[test]
    fn a_wrapped_key_record_round_trips_and_names_its_algorithms() {
        let json = wrapped().to_json();
        assert!(json.contains(r#""kdf":"PBKDF2-SHA-256""#), "{json}");
        assert!(json.contains(r#""iterations":600000"#), "{json}");
        assert_eq!(WrappedKey::from_json(&json), Ok(wrapped()));
    }

    #[test]
    fn a_wrapped_key_record_with_weak_or_unknown_parameters_is_refused() {
        let weak = WrappedKey {
            iterations: 1_000,
            ..wrapped()
        };
        assert!(matches!(
            WrappedKey::from_json(&weak.to_json()),
            Err(FormatError::BadKeyRecord(_))
        ));
        let short_salt = WrappedKey {
            salt: vec![1; 8],
            ..wrapped()
        };
        assert!(WrappedKey::from_json(&short_salt.to_json()).is_err());
        let other_kdf = wrapped()
            .to_json()
            .replace("PBKDF2-SHA-256", "PBKDF2-SHA-1");
        assert!(WrappedKey::from_json(&other_kdf).is_err());
        let future = wrapped().to_json().replace(r#""v":1"#, r#""v":9"#);
        assert_eq!(
            WrappedKey::from_json(&future),
            Err(FormatError::UnknownVersion(9))
        );
        assert!(WrappedKey::from_json("not json").is_err());
    }

    #[test]
    fn new_keys_use_at_least_the_required_iterations() {
        const { assert!(PBKDF2_ITERATIONS >= MIN_PBKDF2_ITERATIONS) };
        const { assert!(MIN_PBKDF2_ITERATIONS >= 310_000) };
    }

    #[test]
    fn a_document_packs_metadata_heads_and_rejection_with_its_bytes() {
        let doc = StoredDoc {
            id: DocumentId::random(),
            bytes: b"automerge bytes".to_vec(),
            info: StoredInfo {
                meta: None,
                acked_heads: vec!["ab".repeat(32)],
                rejected: Some(Rejected {
                    code: "record_locked".into(),
                    message: "Signed off".into(),
                }),
            },
        };
        let plain = pack_document(&doc);
        assert_eq!(unpack_document(doc.id, &plain).unwrap(), doc);
        assert_eq!(
            unpack_document(doc.id, &plain[..3]),
            Err(FormatError::BadDocument)
        );
        let mut lying = plain.clone();
        lying[0] = 0xff;
        assert_eq!(
            unpack_document(doc.id, &lying),
            Err(FormatError::BadDocument)
        );
    }

    #[test]
    fn the_app_locks_after_fifteen_minutes_without_interaction() {
        let start = 1_000_000;
        assert!(!should_lock(
            start,
            start + 14 * 60 * 1000,
            AUTO_LOCK_AFTER_MS
        ));
        assert!(should_lock(
            start,
            start + 15 * 60 * 1000,
            AUTO_LOCK_AFTER_MS
        ));
        // A clock that went backwards never locks early.
        assert!(!should_lock(start, start - 5, AUTO_LOCK_AFTER_MS));
    }

    #[test]
    fn sign_out_deletes_at_once_only_when_nothing_is_unsent() {
        assert_eq!(SignOut::decide(0), SignOut::DeleteNow);
        assert_eq!(SignOut::decide(3), SignOut::Warn { unsent: 3 });
        assert_eq!(
            unsent_warning(3),
            "3 changes have not reached the server yet — signing out now would delete them"
        );
        assert_eq!(
            unsent_warning(1),
            "1 change has not reached the server yet — signing out now would delete them"
        );
    }
}
