//! Who may read and write which record: the table in the README, as one pure function.
//!
//! The server calls [`access`] on every `request`, `sync` and `ephemeral` message; the client
//! uses the same function only to hide buttons, never as a safeguard.

use serde::{Deserialize, Serialize};

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
