//! Who is asking: passwords, session tokens, sync tickets and sign-in throttling.
//!
//! Tokens are 256-bit random values; only their SHA-256 is stored, so a copy of the database
//! cannot be used to sign in.

pub mod password;
pub mod rate_limit;
pub mod token;

use crate::error::ApiError;
use crate::store::{Session, Store, User};
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
}

impl SignedIn {
    /// Whether this user is an administrator.
    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }
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
    })
}

/// Resolves a session token (from the cookie) to the signed-in user; expired or unknown
/// tokens and disabled accounts are all simply "not signed in".
pub async fn from_session_token(store: &Arc<dyn Store>, token: &str) -> Result<SignedIn, ApiError> {
    let hash = token::hash(token).ok_or(ApiError::NotSignedIn)?;
    let Session {
        user_id,
        expires_at_ms,
    } = store.session(hash).await?.ok_or(ApiError::NotSignedIn)?;
    if expires_at_ms <= now_ms() {
        store.delete_session(hash).await?;
        return Err(ApiError::NotSignedIn);
    }
    let mut who = load_signed_in(store, &user_id).await?;
    who.session = Some(hash);
    Ok(who)
}

/// Redeems a single-use sync ticket: it is deleted whether or not it has expired.
pub async fn from_ticket(store: &Arc<dyn Store>, ticket: &str) -> Result<SignedIn, ApiError> {
    let hash = token::hash(ticket).ok_or(ApiError::NotSignedIn)?;
    let (user_id, expires_at_ms) = store
        .take_ticket(hash)
        .await?
        .ok_or(ApiError::NotSignedIn)?;
    if expires_at_ms <= now_ms() {
        return Err(ApiError::NotSignedIn);
    }
    load_signed_in(store, &user_id).await
}
