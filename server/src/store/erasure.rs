//! What the store needs to know to erase a record, and what it keeps afterwards: a tombstone.
//!
//! A tombstone holds only what the sync path's access check needs (kind, home, creator,
//! consultation, state: the record's `DocMeta` without its title) and when and why it was
//! erased. It is what lets a device that still holds the record be told to drop it, without
//! telling anyone who could never read it that it existed, and what stops a device's old copy
//! from bringing the record back.

use hearth_shared::ids::DocumentId;
use hearth_shared::model::DocMeta;

/// Why a record was erased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErasureCause {
    /// Its retention period ended (`hearth retention run` or the server's daily job).
    Retention,
    /// An administrator erased it, giving this reason (kept in the audit, never content).
    Admin {
        /// The administrator's user id.
        by: String,
        /// What they said, trimmed and at most [`MAX_REASON_CHARS`].
        reason: String,
    },
}

impl ErasureCause {
    /// The code stored in the tombstone: `retention` or `admin`.
    pub fn code(&self) -> &'static str {
        match self {
            ErasureCause::Retention => "retention",
            ErasureCause::Admin { .. } => "admin",
        }
    }
}

/// The longest reason an administrator may give (characters).
pub const MAX_REASON_CHARS: usize = 500;

/// One record to erase.
#[derive(Debug, Clone)]
pub struct Erasure {
    /// The record.
    pub id: DocumentId,
    /// Why.
    pub cause: ErasureCause,
    /// Unix milliseconds.
    pub at_ms: i64,
}

/// What is kept of an erased record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tombstone {
    /// The record's metadata as last committed, with its title blanked: only for access checks.
    pub access: DocMeta,
    /// When it was erased (Unix ms).
    pub erased_at_ms: i64,
    /// `retention` or `admin`.
    pub cause: String,
}

impl Tombstone {
    /// The metadata a tombstone keeps of a record: everything the access rules read, no title.
    pub fn access_of(meta: &DocMeta) -> DocMeta {
        DocMeta {
            title: String::new(),
            ..meta.clone()
        }
    }
}
