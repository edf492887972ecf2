//! What a commit of accepted changes carries besides their bytes: who made them (actor claims,
//! for the record's history) and the audit row of their acceptance. Both go into the same
//! transaction as the chunk, so a change is never stored without its author or its audit row,
//! nor the other way round.

use hearth_shared::ids::DocumentId;
use hearth_shared::model::DocMeta;
use hearth_shared::reporting::RecordFacts;

use super::AuditEvent;

/// That an Automerge actor's changes to one document are a user's. Clients take a random
/// actor each time they load a document, so an actor is one user's session on one record; the
/// server records the user who sent the actor's first change, and refuses that actor's changes
/// from anybody else, so the history cannot be forged by reusing another's actor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorClaim {
    /// The Automerge actor id's bytes.
    pub actor: Vec<u8>,
    /// The signed-in user who sent its first change.
    pub user_id: String,
    /// When that change was committed (Unix ms, the server's clock).
    pub first_at_ms: i64,
}

/// One accepted sync message's changes, made durable in one transaction.
#[derive(Debug, Clone)]
pub struct ChangeCommit {
    /// The document.
    pub id: DocumentId,
    /// The metadata of the record as it now stands.
    pub meta: DocMeta,
    /// The record's reporting facts as it now stands; `None` (only tests) leaves them unknown,
    /// for the start-up backfill.
    pub facts: Option<RecordFacts>,
    /// The changes in storage format, appended as one chunk.
    pub chunk: Vec<u8>,
    /// When (Unix ms, the server's clock).
    pub at_ms: i64,
    /// Actors whose first changes to this document these are.
    pub claims: Vec<ActorClaim>,
    /// The `change_accepted` row (who, which fields; never content).
    pub audit: Option<AuditEvent>,
}
