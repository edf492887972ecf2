//! Who is asking: passwords, session tokens, sync tickets and sign-in throttling.
//!
//! Tokens are 256-bit random values; only their SHA-256 is stored, so a copy of the database
//! cannot be used to sign in.

pub mod password;
pub mod rate_limit;
pub mod setup_code;
pub mod throttle;
pub mod token;

use crate::error::ApiError;
use crate::store::{Store, User};
use hearth_shared::permissions::{Actor, Role};
use std::sync::Arc;

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "hearth_session";

/// A signed-in user, resolved from a session cookie or a sync ticket.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The account.
    pub user: User,
    /// The account as the permission rules see it (role and assigned homes).
    pub actor: Actor,
    /// The session (its token's SHA-256) this request came with; `None` for a sync ticket.
    pub session: Option<[u8; 32]>,
    /// The device (session id) this request or connection belongs to: the cookie's session,
    /// or the session a sync ticket was made from.
    pub device_id: Option<String>,
}

impl SignedIn {
    /// Whether this user is an administrator.
    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }

    /// For a kiosk tablet's account: the one consultation it may read and answer.
    pub fn kiosk_consultation(&self) -> Option<&str> {
        self.user.kiosk_consultation_id.as_deref()
    }
}

/// A device's last-seen time is written at most this often, to spare the writer.
pub const TOUCH_EVERY_MS: i64 = 60_000;

/// Whether a session last seen at `last_seen_ms` should have its last-seen time refreshed.
pub fn needs_touch(last_seen_ms: i64, now_ms: i64) -> bool {
    now_ms - last_seen_ms >= TOUCH_EVERY_MS
}

/// Milliseconds since the Unix epoch, from the system clock.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Loads an enabled user and their homes as a [`SignedIn`].
pub async fn load_signed_in(store: &Arc<dyn Store>, user_id: &str) -> Result<SignedIn, ApiError> {
    let user = store.user(user_id).await?.ok_or(ApiError::NotSignedIn)?;
    if user.disabled {
        return Err(ApiError::NotSignedIn);
    }
    let homes = store.homes_of(&user.id).await?;
    let actor = Actor {
        user_id: user.id.clone(),
        role: user.role,
        homes,
    };
    Ok(SignedIn {
        user,
        actor,
        session: None,
        device_id: None,
    })
}

/// Resolves a session token (from the cookie) to the signed-in user; expired or unknown
/// tokens and disabled accounts are all simply "not signed in", a device that was signed out
/// by someone is `device_revoked` (so the app can say why).
pub async fn from_session_token(store: &Arc<dyn Store>, token: &str) -> Result<SignedIn, ApiError> {
    let hash = token::hash(token).ok_or(ApiError::NotSignedIn)?;
    let session = store.session(hash).await?.ok_or(ApiError::NotSignedIn)?;
    let now = now_ms();
    if session.expires_at_ms <= now {
        store.delete_session(hash).await?;
        return Err(ApiError::NotSignedIn);
    }
    if let Some(by) = session.revoked {
        return Err(ApiError::DeviceRevoked(by));
    }
    let mut who = load_signed_in(store, &session.user_id).await?;
    if needs_touch(session.last_seen_at_ms, now) {
        // Off the request's path: a last-seen time is worth no one's wait.
        let store = Arc::clone(store);
        let device = session.device_id.clone();
        tokio::spawn(async move {
            if let Err(e) = store.touch_session(&device, now).await {
                tracing::warn!(error = %e, "could not refresh a device's last-seen time");
            }
        });
    }
    who.session = Some(hash);
    who.device_id = Some(session.device_id);
    Ok(who)
}

/// Redeems a single-use sync ticket: it is deleted whether or not it has expired. The
/// connection belongs to the device (session) the ticket was made from.
pub async fn from_ticket(store: &Arc<dyn Store>, ticket: &str) -> Result<SignedIn, ApiError> {
    let hash = token::hash(ticket).ok_or(ApiError::NotSignedIn)?;
    let ticket = store
        .take_ticket(hash)
        .await?
        .ok_or(ApiError::NotSignedIn)?;
    if ticket.expires_at_ms <= now_ms() {
        return Err(ApiError::NotSignedIn);
    }
    let mut who = load_signed_in(store, &ticket.user_id).await?;
    who.device_id = Some(ticket.device_id);
    Ok(who)
}

/// Whether the device `device_id` is still signed in (not revoked, not ended, not expired).
/// A sync connection asks once more after registering, so a revocation that landed between its
/// authentication and its registration still closes it.
pub async fn device_still_signed_in(
    store: &Arc<dyn Store>,
    device_id: &str,
) -> Result<(), ApiError> {
    match store.session_by_device(device_id).await? {
        Some(s) if s.expires_at_ms <= now_ms() => Err(ApiError::NotSignedIn),
        Some(s) => match s.revoked {
            Some(by) => Err(ApiError::DeviceRevoked(by)),
            None => Ok(()),
        },
        None => Err(ApiError::NotSignedIn),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_seen_is_written_at_most_once_a_minute() {
        assert!(!needs_touch(1_000, 1_000 + TOUCH_EVERY_MS - 1));
        assert!(needs_touch(1_000, 1_000 + TOUCH_EVERY_MS));
    }
}
