//! Which sync connections are open for which user and device, so that signing a device out
//! (or disabling a user, or resetting their password) closes their open sockets at once instead
//! of letting them sync until they next reconnect.
//!
//! Plain data and channels, no socket: the socket loop holds a [`Registration`] and waits on it
//! next to its frames; the HTTP handlers call [`Connections::hang_up_device`] or
//! [`Connections::hang_up_user`] after the store has committed the change.

use crate::error::device_revoked_message;
use crate::store::RevokedBy;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

/// Why the server is closing a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hangup {
    /// Its device (session) was signed out: the peer gets `device_revoked`.
    DeviceRevoked(RevokedBy),
    /// The account was disabled or its password reset: the peer gets `not_signed_in`.
    SignedOut,
    /// The account's role or homes changed: the connection closes without an error so the
    /// device reconnects and is checked against what it may now do.
    AccessChanged,
}

impl Hangup {
    /// The protocol `error` to send before closing (`None`: close without one).
    pub fn error(self) -> Option<(&'static str, &'static str)> {
        match self {
            Hangup::DeviceRevoked(by) => Some(("device_revoked", device_revoked_message(by))),
            Hangup::SignedOut => Some(("not_signed_in", "You need to sign in.")),
            Hangup::AccessChanged => None,
        }
    }
}

struct Entry {
    user_id: String,
    device_id: Option<String>,
    hangup: oneshot::Sender<Hangup>,
}

/// The open sync connections, by connection id.
#[derive(Default)]
pub struct Connections {
    open: Mutex<HashMap<u64, Entry>>,
}

/// A connection's place in [`Connections`]; dropping it (the socket loop ending) removes it.
pub struct Registration {
    id: u64,
    connections: Arc<Connections>,
    /// Fires once if the server hangs up on this connection.
    pub hangup: oneshot::Receiver<Hangup>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.connections.lock().remove(&self.id);
    }
}

impl Connections {
    /// An empty registry.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Entry>> {
        // Nothing panics while holding it; a poisoned map is still a consistent map.
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records an open connection of `user_id`, made with the session `device_id`.
    pub fn register(
        self: &Arc<Self>,
        connection_id: u64,
        user_id: &str,
        device_id: Option<&str>,
    ) -> Registration {
        let (hangup, rx) = oneshot::channel();
        self.lock().insert(
            connection_id,
            Entry {
                user_id: user_id.to_owned(),
                device_id: device_id.map(str::to_owned),
                hangup,
            },
        );
        Registration {
            id: connection_id,
            connections: Arc::clone(self),
            hangup: rx,
        }
    }

    /// Closes every connection made with the session `device_id`; how many there were.
    pub fn hang_up_device(&self, device_id: &str, why: Hangup) -> usize {
        self.hang_up(|e| e.device_id.as_deref() == Some(device_id), why)
    }

    /// Closes every connection of `user_id` except those of the session `except_device`.
    pub fn hang_up_user(&self, user_id: &str, except_device: Option<&str>, why: Hangup) -> usize {
        self.hang_up(
            |e| {
                e.user_id == user_id
                    && (except_device.is_none() || e.device_id.as_deref() != except_device)
            },
            why,
        )
    }

    /// The sessions (devices) of `user_id`'s open connections, each once; `None` stands for
    /// connections made without one.
    pub fn devices_of(&self, user_id: &str) -> Vec<Option<String>> {
        let mut devices: Vec<Option<String>> = self
            .lock()
            .values()
            .filter(|e| e.user_id == user_id)
            .map(|e| e.device_id.clone())
            .collect();
        devices.sort();
        devices.dedup();
        devices
    }

    /// Closes every connection of `user_id` made without a session.
    pub fn hang_up_sessionless(&self, user_id: &str, why: Hangup) -> usize {
        self.hang_up(|e| e.user_id == user_id && e.device_id.is_none(), why)
    }

    /// Closes every open connection; how many there were.
    pub fn hang_up_all(&self, why: Hangup) -> usize {
        self.hang_up(|_| true, why)
    }

    /// How many connections are open (for tests and metrics).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no connection is open.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn hang_up(&self, matches: impl Fn(&Entry) -> bool, why: Hangup) -> usize {
        let mut open = self.lock();
        let ids: Vec<u64> = open
            .iter()
            .filter(|(_, e)| matches(e))
            .map(|(id, _)| *id)
            .collect();
        for id in &ids {
            if let Some(entry) = open.remove(id) {
                // The loop may have ended already; then there is nothing left to close.
                let _ = entry.hangup.send(why);
            }
        }
        ids.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revoked_device_hangs_up_only_its_own_connections() {
        let connections = Connections::new();
        let mut phone = connections.register(1, "u1", Some("d1"));
        let mut laptop = connections.register(2, "u1", Some("d2"));
        let why = Hangup::DeviceRevoked(RevokedBy::Admin);
        assert_eq!(connections.hang_up_device("d1", why), 1);
        assert_eq!(phone.hangup.try_recv(), Ok(why));
        assert!(laptop.hangup.try_recv().is_err(), "the other device stays");
        assert_eq!(connections.len(), 1);
        assert_eq!(connections.hang_up_device("d1", why), 0, "once only");
    }

    #[test]
    fn a_user_hangup_spares_the_device_that_asked_and_other_users() {
        let connections = Connections::new();
        let mut here = connections.register(1, "u1", Some("d1"));
        let mut elsewhere = connections.register(2, "u1", Some("d2"));
        let mut someone = connections.register(3, "u2", Some("d3"));
        assert_eq!(
            connections.hang_up_user("u1", Some("d1"), Hangup::SignedOut),
            1
        );
        assert!(here.hangup.try_recv().is_err());
        assert_eq!(elsewhere.hangup.try_recv(), Ok(Hangup::SignedOut));
        assert!(someone.hangup.try_recv().is_err());
        assert_eq!(connections.hang_up_user("u1", None, Hangup::SignedOut), 1);
        assert_eq!(here.hangup.try_recv(), Ok(Hangup::SignedOut));
    }

    #[test]
    fn a_users_devices_are_listed_once_each_and_only_theirs() {
        let connections = Connections::new();
        let _a = connections.register(1, "u1", Some("d1"));
        let _b = connections.register(2, "u1", Some("d1"));
        let _c = connections.register(3, "u1", None);
        let _d = connections.register(4, "u2", Some("d2"));
        assert_eq!(
            connections.devices_of("u1"),
            vec![None, Some("d1".to_string())]
        );
        assert!(connections.devices_of("u3").is_empty());
    }

    #[test]
    fn sessionless_and_all_hangups_reach_exactly_those_connections() {
        let connections = Connections::new();
        let mut with_session = connections.register(1, "u1", Some("d1"));
        let mut without = connections.register(2, "u1", None);
        let mut other = connections.register(3, "u2", None);
        assert_eq!(
            connections.hang_up_sessionless("u1", Hangup::AccessChanged),
            1
        );
        assert_eq!(without.hangup.try_recv(), Ok(Hangup::AccessChanged));
        assert!(with_session.hangup.try_recv().is_err());
        assert!(other.hangup.try_recv().is_err());
        assert_eq!(connections.hang_up_all(Hangup::AccessChanged), 2);
        assert_eq!(with_session.hangup.try_recv(), Ok(Hangup::AccessChanged));
        assert_eq!(other.hangup.try_recv(), Ok(Hangup::AccessChanged));
    }

    #[test]
    fn a_closed_connection_leaves_the_registry() {
        let connections = Connections::new();
        let registration = connections.register(7, "u1", None);
        assert_eq!(connections.len(), 1);
        drop(registration);
        assert!(connections.is_empty());
    }

    #[test]
    fn each_hangup_says_why_with_a_stable_code() {
        assert_eq!(
            Hangup::DeviceRevoked(RevokedBy::Owner).error().map(|e| e.0),
            Some("device_revoked")
        );
        assert_eq!(
            Hangup::SignedOut.error().map(|e| e.0),
            Some("not_signed_in")
        );
        assert_eq!(Hangup::AccessChanged.error(), None);
    }
}
