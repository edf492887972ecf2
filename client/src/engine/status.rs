//! What the header says about sync, as a value the UI renders and tests compare.

use hearth_shared::ids::DocumentId;

/// The sync state shown to the user at all times (`#sync-status`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncStatus {
    /// Not connected to the server; `waiting` records hold changes it has not acknowledged.
    Offline {
        /// Records with changes the server has not acknowledged.
        waiting: usize,
    },
    /// The session expired (or the user signed out): edits stay on the device and are sent after
    /// the next sign-in.
    SignedOut {
        /// Records with changes the server has not acknowledged.
        waiting: usize,
    },
    /// Connected and exchanging changes.
    Syncing,
    /// Connected, and the server has acknowledged every local change (it is on its disk).
    Saved {
        /// When that became true, unix milliseconds.
        at: i64,
    },
    /// The server refused a change to `document`; the local copy is kept for the user to copy.
    Rejected {
        /// The refused record.
        document: DocumentId,
        /// The server's stable code, e.g. `record_locked`.
        code: String,
        /// The server's human message.
        message: String,
    },
}

impl SyncStatus {
    /// The `data-state` attribute value the browser tests and styles key on.
    pub fn data_state(&self) -> &'static str {
        match self {
            SyncStatus::Offline { .. } => "offline",
            SyncStatus::SignedOut { .. } => "signed-out",
            SyncStatus::Syncing => "syncing",
            SyncStatus::Saved { .. } => "saved",
            SyncStatus::Rejected { .. } => "rejected",
        }
    }

    /// The status line, given a formatter for times (the engine has no clock or time zone).
    pub fn text(&self, clock_time: impl Fn(i64) -> String) -> String {
        match self {
            SyncStatus::Offline { waiting: 0 } => "Offline — all changes are on this device".into(),
            SyncStatus::Offline { waiting } => format!("Offline — {}", changes_waiting(*waiting)),
            SyncStatus::SignedOut { waiting: 0 } => "Sign in again to sync".into(),
            SyncStatus::SignedOut { waiting } => format!(
                "Sign in again to send your changes — {}",
                changes_waiting(*waiting)
            ),
            SyncStatus::Syncing => "Syncing…".into(),
            SyncStatus::Saved { at } => {
                format!("All changes saved to the server at {}", clock_time(*at))
            }
            SyncStatus::Rejected { .. } => "The server did not accept a change".into(),
        }
    }
}

/// "1 change waiting" / "3 changes waiting". A "change" here is a record with unsent edits:
/// a count of keystrokes would mean nothing to the user.
fn changes_waiting(n: usize) -> String {
    if n == 1 {
        "1 change waiting".into()
    } else {
        format!("{n} changes waiting")
    }
}

/// What to tell the user to do about a refused change, by the server's stable code.
pub fn rejection_advice(code: &str) -> &'static str {
    match code {
        "record_locked" => {
            "This record was signed off or closed on the server before your change arrived. \
             Your text is kept below: copy it into a new note."
        }
        "forbidden" | "forged_author" => {
            "You are not allowed to change this record. Your text is kept below: copy it \
             into a new note, or ask an officer for help."
        }
        "invalid_record" | "invalid_transition" => {
            "The server could not accept this record as it is. Your text is kept below: copy it \
             into a new note, and tell your IT service desk."
        }
        "too_large" => {
            "This record is too large to send. Your text is kept below: split it into \
             several notes."
        }
        _ => {
            "Your change could not be saved on the server. Your text is kept below: copy it \
             into a new note."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_line_reads_like_the_requirement() {
        let at = |_| "14:03".to_string();
        assert_eq!(
            SyncStatus::Offline { waiting: 3 }.text(at),
            "Offline — 3 changes waiting"
        );
        assert_eq!(
            SyncStatus::Offline { waiting: 1 }.text(at),
            "Offline — 1 change waiting"
        );
        assert_eq!(SyncStatus::Syncing.text(at), "Syncing…");
        assert_eq!(
            SyncStatus::Saved { at: 0 }.text(at),
            "All changes saved to the server at 14:03"
        );
        assert!(
            SyncStatus::SignedOut { waiting: 2 }
                .text(at)
                .starts_with("Sign in again to send your changes")
        );
    }

    #[test]
    fn a_locked_record_tells_the_user_to_copy_their_text() {
        assert!(rejection_advice("record_locked").contains("copy it into a new note"));
    }
}
