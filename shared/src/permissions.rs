//! Who may read and write which record: the table in the README, as one pure function.
//!
//! The server calls [`access`] on every `request`, `sync` and `ephemeral` message; the client
//! uses the same function only to hide buttons, never as a safeguard.
//!
//! Access answers "may this person read, or send changes to, this document at all". *Which*
//! changes they may send (fields, state moves) is [`crate::rules::check_change`].
//!
//! | role | visit note | inspection | consultation | response |
//! |---|---|---|---|---|
//! | member | own: read/write | assigned home or own: read/write | read when open | none |
//! | manager | none | own home: read once submitted, write when signedOff/responded | none | none |
//! | officer | read | read | read | read |
//! | participationWorker | none | none | read/write | read; write when submitted |
//! | youngPerson | none | none | read when open | own draft: write-only |
//! | admin | none | none | none | none |
//!
//! A closed record is read-only for everyone who could read it.

use serde::{Deserialize, Serialize};

use crate::model::{DocMeta, RecordKind, WorkflowState};

/// A user's role. One role per account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Role {
    /// An elected member (councillor) on the Corporate Parenting Panel.
    Member,
    /// A children's home manager.
    Manager,
    /// A service manager or other officer who reads everything.
    Officer,
    /// A participation worker who runs consultations.
    ParticipationWorker,
    /// A young person's kiosk account on a shared tablet.
    YoungPerson,
    /// Runs the server: users, homes, devices; never record content.
    Admin,
}

impl Role {
    /// The role's name as stored and shown in the API (`"member"`, `"participationWorker"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Manager => "manager",
            Role::Officer => "officer",
            Role::ParticipationWorker => "participationWorker",
            Role::YoungPerson => "youngPerson",
            Role::Admin => "admin",
        }
    }

    /// The role named by `s` (the forms `as_str` gives, plus `participation-worker`/`young-person`).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "member" => Role::Member,
            "manager" => Role::Manager,
            "officer" => Role::Officer,
            "participationWorker" | "participation-worker" | "participation_worker" => {
                Role::ParticipationWorker
            }
            "youngPerson" | "young-person" | "young_person" => Role::YoungPerson,
            "admin" => Role::Admin,
            _ => return None,
        })
    }
}

/// The signed-in user as the rules see them: id, role and the homes they are assigned to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    /// The user's stable id (the value written to `createdBy`).
    pub user_id: String,
    /// The user's role.
    pub role: Role,
    /// Home ids this user is assigned to (members and managers).
    pub homes: Vec<String>,
}

/// What a user may do with one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Nothing: the document is not even acknowledged to exist.
    None,
    /// Read it, send no changes.
    Read,
    /// Read it and send changes (which [`crate::rules::check_change`] then judges).
    ReadWrite,
    /// Send changes but never receive the document: a young person's response on a shared
    /// tablet, so the next young person cannot read the last one's answers.
    WriteOnly,
}

impl Access {
    /// Whether the server may send this document to the user.
    pub fn can_read(self) -> bool {
        matches!(self, Access::Read | Access::ReadWrite)
    }

    /// Whether the server may accept changes to this document from the user.
    pub fn can_write(self) -> bool {
        matches!(self, Access::ReadWrite | Access::WriteOnly)
    }
}

/// What `actor` may do with an existing document described by `meta`, given its current state.
pub fn access(actor: &Actor, meta: &DocMeta) -> Access {
    use WorkflowState as S;
    let base = relation(actor, meta);
    if base == Access::None {
        return Access::None;
    }
    let state = meta.state;
    match (meta.kind, actor.role) {
        // Closed is final: whoever could read it still can, nobody writes.
        (_, _) if state == S::Closed => {
            if base.can_read() {
                Access::Read
            } else {
                Access::None
            }
        }
        (RecordKind::Inspection, Role::Manager) => match state {
            // A draft is the members' working copy; the manager sees it once handed in.
            S::Draft => Access::None,
            S::Submitted => Access::Read,
            _ => Access::ReadWrite,
        },
        (RecordKind::Consultation, Role::Member | Role::YoungPerson) => {
            if state == S::Open {
                Access::Read
            } else {
                Access::None
            }
        }
        (RecordKind::ConsultationResponse, Role::YoungPerson) => {
            if state == S::Draft {
                Access::WriteOnly
            } else {
                Access::None
            }
        }
        (RecordKind::ConsultationResponse, Role::ParticipationWorker) => {
            // Follow-up is recorded on submitted responses; a draft is still being written.
            if state == S::Submitted {
                Access::ReadWrite
            } else {
                Access::Read
            }
        }
        _ => base,
    }
}

/// Whether `actor` may create a document the server has never seen, described by `meta`.
///
/// Only ever for themselves: `createdBy` must be the actor (a creation in someone else's name
/// is a forgery, not a permission question, and `check_change` reports it as such).
pub fn may_create(actor: &Actor, meta: &DocMeta) -> bool {
    if meta.created_by != actor.user_id {
        return false;
    }
    match meta.kind {
        RecordKind::VisitNote => actor.role == Role::Member,
        RecordKind::Inspection => actor.role == Role::Member && assigned(actor, meta),
        RecordKind::Consultation => actor.role == Role::ParticipationWorker,
        RecordKind::ConsultationResponse => actor.role == Role::YoungPerson,
    }
}

/// The most `actor` could ever do with this document, whatever its workflow state: who they
/// are to it (author, assigned member, the home's manager, a reader by role).
///
/// [`crate::rules::check_change`] uses this to tell "not yours" (forbidden) from "yours, but
/// locked in this state" (record_locked).
pub(crate) fn relation(actor: &Actor, meta: &DocMeta) -> Access {
    let own = meta.created_by == actor.user_id;
    match (meta.kind, actor.role) {
        (_, Role::Officer) => Access::Read,
        (_, Role::Admin) => Access::None,
        (RecordKind::VisitNote, Role::Member) if own => Access::ReadWrite,
        (RecordKind::Inspection, Role::Member) if own || assigned(actor, meta) => Access::ReadWrite,
        (RecordKind::Inspection, Role::Manager) if assigned(actor, meta) => Access::ReadWrite,
        (RecordKind::Consultation, Role::ParticipationWorker) => Access::ReadWrite,
        (RecordKind::Consultation, Role::Member | Role::YoungPerson) => Access::Read,
        (RecordKind::ConsultationResponse, Role::ParticipationWorker) => Access::ReadWrite,
        (RecordKind::ConsultationResponse, Role::YoungPerson) if own => Access::WriteOnly,
        _ => Access::None,
    }
}

/// Whether the record's home is one of the actor's assigned homes.
pub(crate) fn assigned(actor: &Actor, meta: &DocMeta) -> bool {
    meta.home_id
        .as_ref()
        .is_some_and(|home| actor.homes.iter().any(|h| h == home))
}
