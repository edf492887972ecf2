//! A record's actor map for its history: asked of the server when it answers, kept encrypted
//! on the device with the record, and read back from there when it does not, so the history
//! of what is on the device can be shown offline.

use hearth_shared::history::ActorAuthor;
use hearth_shared::ids::DocumentId;

use super::Runtime;
use crate::platform::api::{self, ApiError};

/// Where a record's actor map came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorsFrom {
    /// The server, just now (and it is now kept on the device).
    Server,
    /// The copy kept on this device (the server could not be asked).
    Device,
    /// Neither: the server has not got the record yet, or could not be asked and the device
    /// has no copy. Every change is shown without its author.
    Nowhere,
}

impl Runtime {
    /// Who made record `id`'s changes ([`ActorAuthor`]s, names only of people this user may
    /// see), from the server when it answers (kept on the device for next time), else the
    /// device's copy.
    pub async fn record_authors(&self, id: DocumentId) -> (Vec<ActorAuthor>, AuthorsFrom) {
        let user = self.me().map(|m| m.user.id);
        let key = self.key.borrow().clone();
        let (Some(user), Some(key)) = (user, key) else {
            return (Vec::new(), AuthorsFrom::Nowhere);
        };
        match api::document_actors(id).await {
            Ok(authors) => {
                // A failed write only costs the offline copy; the history is shown all the same.
                let _ = self.store.set_actors(&user, &key, id, &authors).await;
                (authors, AuthorsFrom::Server)
            }
            // Unknown to the server (created here, not yet synced) or no longer readable: the
            // server has no authors to give, and any kept copy is all there is.
            Err(ApiError::Refused { .. }) | Err(ApiError::Offline) | Err(ApiError::SignedOut) => {
                match self.store.actors(&user, &key, id).await {
                    Ok(Some(authors)) => (authors, AuthorsFrom::Device),
                    _ => (Vec::new(), AuthorsFrom::Nowhere),
                }
            }
        }
    }
}
