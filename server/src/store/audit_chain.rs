//! The audit trail's hash chain, the same for every backend, so that a trail copied from
//! SQLite to PostgreSQL (`hearth migrate`) verifies there exactly as it did before.
//!
//! Every row carries `prev_hash`, the `hash` of the row before it (by id; [`GENESIS`] for the
//! first), and `hash` = [`row_hash`] over its own content and `prev_hash`. Changing, deleting
//! or inserting a row anywhere but at the end breaks the chain at that row or the next, which
//! [`ChainWalk`] finds.

use hearth_shared::ids::DocumentId;
use sha2::{Digest, Sha256};

use super::{AuditChain, AuditEvent, BrokenAuditRow};

/// The `prev_hash` of the first row.
pub(crate) const GENESIS: [u8; 32] = [0; 32];

/// Versions the hashed encoding, so a later layout can never collide with this one.
const DOMAIN: &[u8] = b"hearth-audit-v1";

/// SHA-256 over `prev_hash` and the row's fields, each length-prefixed (absent and empty differ).
pub(crate) fn row_hash(id: i64, prev_hash: &[u8; 32], event: &AuditEvent) -> [u8; 32] {
    fn field(h: &mut Sha256, value: Option<&[u8]>) {
        match value {
            None => h.update([0]),
            Some(bytes) => {
                h.update([1]);
                h.update((bytes.len() as u64).to_be_bytes());
                h.update(bytes);
            }
        }
    }
    let mut h = Sha256::new();
    h.update(DOMAIN);
    h.update(prev_hash);
    h.update(id.to_be_bytes());
    h.update(event.at_ms.to_be_bytes());
    field(&mut h, event.user_id.as_deref().map(str::as_bytes));
    field(&mut h, Some(event.action.as_bytes()));
    field(
        &mut h,
        event
            .document_id
            .as_ref()
            .map(|d: &DocumentId| &d.as_bytes()[..]),
    );
    field(&mut h, event.subject.as_deref().map(str::as_bytes));
    field(&mut h, Some(event.detail.as_bytes()));
    h.finalize().into()
}

/// The hash a new row links to, given the last row's stored hash: a last row whose hash was
/// stripped or mangled is linked to as if it were [`GENESIS`]. Verification names that row as
/// broken whatever comes after it, and refusing every later row (every download, every change)
/// would not undo the tampering.
pub(crate) fn link_to(last_id: i64, stored_hash: Option<&[u8]>) -> [u8; 32] {
    stored_hash
        .and_then(|h| <[u8; 32]>::try_from(h).ok())
        .unwrap_or_else(|| {
            tracing::error!(
                row = last_id,
                "the last audit row has no hash: run `hearth audit verify`"
            );
            GENESIS
        })
}

/// Walks a trail row by row in id order, as read from any backend, and stops at the first row
/// whose link or hash does not hold.
#[derive(Debug)]
pub(crate) struct ChainWalk {
    prev: [u8; 32],
    checked: u64,
    broken: Option<BrokenAuditRow>,
}

impl ChainWalk {
    /// A walk from the first row.
    pub(crate) fn new() -> Self {
        Self {
            prev: GENESIS,
            checked: 0,
            broken: None,
        }
    }

    /// Checks the next row; `event` is `None` when its fields could not be read. `false` once
    /// the chain is broken (the caller may stop reading).
    pub(crate) fn row(
        &mut self,
        id: i64,
        event: Option<&AuditEvent>,
        stored_prev: Option<&[u8]>,
        stored_hash: Option<&[u8]>,
    ) -> bool {
        if self.broken.is_some() {
            return false;
        }
        let reason = match event {
            // A row whose fields no longer read as an event (a changed type) is broken too.
            None => Some("its fields cannot be read"),
            Some(_) if stored_prev != Some(&self.prev[..]) => {
                Some("its link to the previous row does not match")
            }
            Some(event) => {
                let hash = row_hash(id, &self.prev, event);
                if stored_hash == Some(&hash[..]) {
                    self.prev = hash;
                    self.checked += 1;
                    None
                } else {
                    Some("its content does not match its hash")
                }
            }
        };
        if let Some(reason) = reason {
            self.broken = Some(BrokenAuditRow {
                id,
                reason: reason.to_owned(),
            });
        }
        self.broken.is_none()
    }

    /// What the walk found.
    pub(crate) fn finish(self) -> AuditChain {
        AuditChain {
            rows: self.checked,
            head: self.prev,
            broken: self.broken,
        }
    }
}
