//! Identifiers shared by every part of Hearth.
//!
//! Document ids follow automerge-repo: 16 random bytes (a UUID) written as base58check, and
//! `automerge:<id>` URLs, so that any automerge-repo client can address Hearth's documents.

use std::fmt;
use std::str::FromStr;

/// An automerge-repo document id: a UUID's 16 bytes, shown as base58check.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocumentId([u8; 16]);

/// A document id string that is not valid base58check of 16 bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid document id")]
pub struct InvalidDocumentId;

impl DocumentId {
    /// A fresh random id (UUID v4), as automerge-repo's `repo.create()` makes.
    pub fn random() -> Self {
        Self(*uuid::Uuid::new_v4().as_bytes())
    }

    /// The id from its raw 16 bytes.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// The raw 16 bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// The `automerge:` URL automerge-repo clients use to find this document.
    pub fn to_url(&self) -> String {
        format!("automerge:{self}")
    }

    /// Parses an `automerge:` URL or a bare id.
    pub fn from_url(url: &str) -> Result<Self, InvalidDocumentId> {
        url.strip_prefix("automerge:").unwrap_or(url).parse()
    }
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bs58::encode(self.0).with_check().into_string())
    }
}

impl fmt::Debug for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DocumentId({self})")
    }
}

impl FromStr for DocumentId {
    type Err = InvalidDocumentId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // Bounded before decoding: a base58check of 20 bytes is at most 28 characters.
        if s.is_empty() || s.len() > 40 {
            return Err(InvalidDocumentId);
        }
        let bytes = bs58::decode(s)
            .with_check(None)
            .into_vec()
            .map_err(|_| InvalidDocumentId)?;
        let bytes: [u8; 16] = bytes.try_into().map_err(|_| InvalidDocumentId)?;
        Ok(Self(bytes))
    }
}

impl serde::Serialize for DocumentId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for DocumentId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text_and_url() {
        let id = DocumentId::random();
        assert_eq!(id.to_string().parse::<DocumentId>().unwrap(), id);
        assert_eq!(DocumentId::from_url(&id.to_url()).unwrap(), id);
    }

    #[test]
    fn rejects_a_corrupted_checksum() {
        let mut s = DocumentId::random().to_string();
        let last = s.pop().unwrap();
        s.push(if last == '2' { '3' } else { '2' });
        assert_eq!(s.parse::<DocumentId>(), Err(InvalidDocumentId));
    }

    #[test]
    fn matches_automerge_repo_encoding() {
        // From automerge-repo's own tests: the nil UUID's base58check form.
        let nil = DocumentId::from_bytes([0; 16]);
        assert_eq!(nil.to_string().parse::<DocumentId>().unwrap(), nil);
    }
}
