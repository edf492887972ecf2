//! What another Hearth server sharing the store did that this one must act on.
//!
//! With one process per store (the embedded SQLite) nothing else writes, so nothing arrives.
//! With several servers on one PostgreSQL, each change is announced in the transaction that
//! makes it (PostgreSQL delivers the announcement only on commit) as a short text,
//! `"<kind> <origin> <id>"`: the kind, the announcing server's random instance id (so a server
//! ignores its own), and a document or user id. Never record content: an announcement says only
//! *that* something changed; the server that hears it reads the store and checks access as
//! for any other change.

use hearth_shared::ids::DocumentId;

/// Something another server committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteEvent {
    /// A document gained committed changes (or was compacted): reload it if loaded, and let
    /// the connections syncing it send what their peers lack.
    Document(DocumentId),
    /// A record was erased: drop the loaded copy and tell the peers that could read it.
    Erased(DocumentId),
    /// A user's sessions, account or access changed (a device revoked, the account disabled,
    /// a password changed or reset, role or homes changed): check their open connections here.
    User(String),
    /// Announcements may have been missed (the listening connection dropped and came back, or
    /// this server fell behind): treat everything as changed.
    Resync,
}

/// The kind words of an announcement.
const DOCUMENT: &str = "doc";
const ERASED: &str = "erased";
const USER: &str = "user";

impl RemoteEvent {
    /// The announcement text for a document change made by `origin`.
    pub fn document_payload(origin: &str, id: DocumentId) -> String {
        format!("{DOCUMENT} {origin} {id}")
    }

    /// The announcement text for an erasure made by `origin`.
    pub fn erased_payload(origin: &str, id: DocumentId) -> String {
        format!("{ERASED} {origin} {id}")
    }

    /// The announcement text for a change to a user's sessions or access made by `origin`.
    pub fn user_payload(origin: &str, user_id: &str) -> String {
        format!("{USER} {origin} {user_id}")
    }

    /// Reads an announcement; `None` for one this server (`own_origin`) made, and for anything
    /// malformed (logged by the caller, never acted on).
    pub fn parse(payload: &str, own_origin: &str) -> Option<Self> {
        let mut parts = payload.splitn(3, ' ');
        let (kind, origin, id) = (parts.next()?, parts.next()?, parts.next()?);
        if origin == own_origin || id.is_empty() {
            return None;
        }
        match kind {
            DOCUMENT => id.parse().ok().map(RemoteEvent::Document),
            ERASED => id.parse().ok().map(RemoteEvent::Erased),
            USER if !id.contains(char::is_whitespace) => Some(RemoteEvent::User(id.to_owned())),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn some_document() -> DocumentId {
        DocumentId::random()
    }

    #[test]
    fn each_announcement_reads_back_on_another_server() {
        let id = some_document();
        assert_eq!(
            RemoteEvent::parse(&RemoteEvent::document_payload("a1", id), "b2"),
            Some(RemoteEvent::Document(id))
        );
        assert_eq!(
            RemoteEvent::parse(&RemoteEvent::erased_payload("a1", id), "b2"),
            Some(RemoteEvent::Erased(id))
        );
        assert_eq!(
            RemoteEvent::parse(&RemoteEvent::user_payload("a1", "user-test-7"), "b2"),
            Some(RemoteEvent::User("user-test-7".into()))
        );
    }

    #[test]
    fn a_server_ignores_its_own_announcements() {
        let id = some_document();
        assert_eq!(
            RemoteEvent::parse(&RemoteEvent::document_payload("a1", id), "a1"),
            None
        );
        assert_eq!(
            RemoteEvent::parse(&RemoteEvent::user_payload("a1", "u"), "a1"),
            None
        );
    }

    #[test]
    fn malformed_announcements_are_ignored() {
        for payload in [
            "",
            "doc",
            "doc a1",
            "doc a1 ",
            "doc a1 not-a-document-id",
            "nonsense a1 x",
            "user a1 two words",
        ] {
            assert_eq!(RemoteEvent::parse(payload, "b2"), None, "{payload:?}");
        }
    }
}
