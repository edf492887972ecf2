//! Signing in and out, who am I, and single-use sync tickets for non-browser clients.

use super::{client_ip, json_body, signed_in, signed_in_to_change_password, with_app};
use crate::auth::{self, SESSION_COOKIE, SignedIn, now_ms, password, token};
use crate::error::ApiError;
use crate::state::App;
use crate::store::{AuditEvent, NewSession};
use crate::sync::registry::Hangup;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::sync::Arc;
use warp::{Filter, Rejection, Reply};

/// How long a sync ticket is valid.
pub const TICKET_SECONDS: i64 = 60;

#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PasswordChange {
    current_password: String,
    new_password: String,
}

/// A user as the API shows them.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    id: String,
    username: String,
    display_name: String,
    role: &'static str,
    disabled: bool,
    must_change_password: bool,
    /// For a kiosk tablet's account: the one consultation it is set up for.
    kiosk_consultation_id: Option<String>,
}

impl From<&crate::store::User> for UserView {
    fn from(u: &crate::store::User) -> Self {
        Self {
            id: u.id.clone(),
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role.as_str(),
            disabled: u.disabled,
            must_change_password: u.must_change_password,
            kiosk_consultation_id: u.kiosk_consultation_id.clone(),
        }
    }
}

/// `POST/DELETE /api/session`, `GET /api/me`, `POST /api/me/password`, `POST /api/sync-tickets`.
pub fn routes(app: Arc<App>) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    let login = warp::path!("api" / "session")
        .and(warp::post())
        .and(with_app(app.clone()))
        .and(client_ip())
        .and(warp::header::optional::<String>("user-agent"))
        .and(json_body())
        .and_then(login);
    let logout = warp::path!("api" / "session")
        .and(warp::delete())
        .and(with_app(app.clone()))
        .and(warp::cookie::optional::<String>(SESSION_COOKIE))
        .and_then(logout);
    let me = warp::path!("api" / "me")
        .and(warp::get())
        .and(with_app(app.clone()))
        .and(signed_in_to_change_password(app.clone()))
        .and_then(me);
    let password = warp::path!("api" / "me" / "password")
        .and(warp::post())
        .and(with_app(app.clone()))
        .and(signed_in_to_change_password(app.clone()))
        .and(json_body())
        .and_then(change_password);
    let ticket = warp::path!("api" / "sync-tickets")
        .and(warp::post())
        .and(with_app(app.clone()))
        .and(signed_in(app))
        .and_then(ticket);
    login.or(logout).or(me).or(password).or(ticket)
}

async fn login(
    app: Arc<App>,
    ip: IpAddr,
    user_agent: Option<String>,
    creds: Credentials,
) -> Result<warp::reply::Response, Rejection> {
    let now = now_ms();
    let account = creds.username.trim().to_lowercase();
    let ip = ip.to_string();
    if app.ip_failures.is_blocked(&ip, now).await
        || app.account_failures.is_blocked(&account, now).await
    {
        // No lookup of the account: a throttled caller gets no work done on its behalf.
        audit_sign_in(
            &app,
            now,
            None,
            "login_failed",
            SignInFailure::TooManyAttempts.code(),
        )
        .await;
        return Err(warp::reject::custom(ApiError::TooManyAttempts));
    }
    let user = app
        .store
        .user_by_username(&account)
        .await
        .map_err(|e| warp::reject::custom(ApiError::from(e)))?;
    let ok = password::verify(
        creds.password,
        user.as_ref().map(|u| u.password_hash.clone()),
    )
    .await;
    let user = match SignInFailure::of(user.as_ref(), ok) {
        None => user.expect("no failure means a known account"),
        Some(failure) => {
            app.ip_failures.record_failure(&ip, now).await;
            app.account_failures.record_failure(&account, now).await;
            // The reason is for the audit only: the caller gets one answer for all of them.
            let user_id = user.map(|u| u.id);
            audit_sign_in(&app, now, user_id, "login_failed", failure.code()).await;
            return Err(warp::reject::custom(ApiError::BadCredentials));
        }
    };
    app.account_failures.clear(&account).await;
    let session_token = token::generate();
    let lifetime = app.config.session_lifetime();
    let hash = token::hash(&session_token).expect("a generated token is well-formed");
    let session = app
        .store
        .create_session(
            hash,
            NewSession {
                user_id: user.id.clone(),
                label: super::user_agent::device_label(user_agent.as_deref()),
                created_at_ms: now,
                expires_at_ms: now + lifetime.as_millis() as i64,
            },
        )
        .await
        .map_err(|e| warp::reject::custom(ApiError::from(e)))?;
    audit(
        &app,
        AuditEvent {
            at_ms: now,
            user_id: Some(user.id.clone()),
            action: "signed_in".into(),
            document_id: None,
            subject: Some(session.device_id),
            detail: String::new(),
        },
    )
    .await;
    tracing::info!(user = %user.id, "signed in");
    let cookie = format!(
        "{SESSION_COOKIE}={session_token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        lifetime.as_secs(),
        if app.config.tls() { "; Secure" } else { "" }
    );
    let body = warp::reply::json(&serde_json::json!({ "user": UserView::from(&user) }));
    Ok(warp::reply::with_header(body, "set-cookie", cookie).into_response())
}

async fn logout(app: Arc<App>, token: Option<String>) -> Result<warp::reply::Response, Rejection> {
    if let Some(hash) = token.as_deref().and_then(token::hash) {
        let session = app
            .store
            .session(hash)
            .await
            .map_err(|e| warp::reject::custom(ApiError::from(e)))?;
        app.store
            .delete_session(hash)
            .await
            .map_err(|e| warp::reject::custom(ApiError::from(e)))?;
        if let Some(session) = session {
            app.connections
                .hang_up_device(&session.device_id, Hangup::SignedOut);
            audit(
                &app,
                AuditEvent {
                    at_ms: now_ms(),
                    user_id: Some(session.user_id),
                    action: "signed_out".into(),
                    document_id: None,
                    subject: Some(session.device_id),
                    detail: String::new(),
                },
            )
            .await;
        }
    }
    let cookie = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    let body = warp::reply::json(&serde_json::json!({ "signedOut": true }));
    Ok(warp::reply::with_header(body, "set-cookie", cookie).into_response())
}

async fn me(app: Arc<App>, who: SignedIn) -> Result<impl Reply, Rejection> {
    let homes = super::documents::visible_homes(&app, &who)
        .await
        .map_err(warp::reject::custom)?;
    Ok(warp::reply::json(&serde_json::json!({
        "user": UserView::from(&who.user),
        "homes": homes,
        // The small-group threshold, so the screens suppress exactly as reports and exports do.
        "suppressBelow": app.config.suppress_below,
    })))
}

async fn change_password(
    app: Arc<App>,
    who: SignedIn,
    change: PasswordChange,
) -> Result<impl Reply, Rejection> {
    if change.new_password.chars().count() < 12 {
        return Err(warp::reject::custom(ApiError::BadRequest(
            "Choose a password of at least 12 characters.".into(),
        )));
    }
    if !password::verify(
        change.current_password,
        Some(who.user.password_hash.clone()),
    )
    .await
    {
        audit(
            &app,
            password_event(&who, "password_change_failed", "wrong_password"),
        )
        .await;
        return Err(warp::reject::custom(ApiError::BadCredentials));
    }
    let hash = password::hash(change.new_password).await;
    app.store
        .set_password_hash(&who.user.id, &hash, who.session)
        .await
        .map_err(|e| warp::reject::custom(ApiError::from(e)))?;
    // Every other device was signed out by the store: close their open sync connections too.
    app.connections
        .hang_up_user(&who.user.id, who.device_id.as_deref(), Hangup::SignedOut);
    audit(&app, password_event(&who, "password_changed", "")).await;
    Ok(warp::reply::json(&serde_json::json!({ "changed": true })))
}

/// Why a sign-in failed, as the audit records it (`login_failed` with this code). The caller is
/// always told the same (`bad_credentials`), so these never help someone guess accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SignInFailure {
    /// No account has that username.
    UnknownUser,
    /// The account exists; the password is wrong.
    WrongPassword,
    /// The account exists and the password is right, but it is disabled.
    Disabled,
    /// Too many recent failures from this address or for this account.
    TooManyAttempts,
}

impl SignInFailure {
    /// The failure for a looked-up account and whether the password matched; `None` signs in.
    fn of(user: Option<&crate::store::User>, password_ok: bool) -> Option<Self> {
        match user {
            None => Some(Self::UnknownUser),
            Some(_) if !password_ok => Some(Self::WrongPassword),
            Some(u) if u.disabled => Some(Self::Disabled),
            Some(_) => None,
        }
    }

    /// The stable reason code in the audit row's detail.
    fn code(self) -> &'static str {
        match self {
            Self::UnknownUser => "unknown_user",
            Self::WrongPassword => "wrong_password",
            Self::Disabled => "disabled",
            Self::TooManyAttempts => "too_many_attempts",
        }
    }
}

/// A sign-in attempt's audit row. Never the username typed (it may be a password typed in the
/// wrong box) nor the password.
async fn audit_sign_in(app: &App, now: i64, user_id: Option<String>, action: &str, reason: &str) {
    let event = AuditEvent {
        at_ms: now,
        user_id,
        action: action.into(),
        document_id: None,
        subject: None,
        detail: reason.into(),
    };
    audit(app, event).await;
}

/// A password change's audit row: the account and the device it was made from.
fn password_event(who: &SignedIn, action: &str, detail: &str) -> AuditEvent {
    AuditEvent {
        at_ms: now_ms(),
        user_id: Some(who.user.id.clone()),
        action: action.into(),
        document_id: None,
        subject: who.device_id.clone(),
        detail: detail.into(),
    }
}

/// Writes an account event's audit row. A failure is logged, not reported: the sign-in, sign-out
/// or change has happened (or been refused) either way, and refusing a sign-out would be worse.
async fn audit(app: &App, event: AuditEvent) {
    if let Err(e) = app.store.audit(event).await {
        tracing::error!(error = %e, "could not write audit row");
    }
}

async fn ticket(app: Arc<App>, who: SignedIn) -> Result<impl Reply, Rejection> {
    let device = who
        .device_id
        .as_deref()
        .ok_or_else(|| warp::reject::custom(ApiError::NotSignedIn))?;
    let ticket = token::generate();
    let hash = token::hash(&ticket).expect("a generated token is well-formed");
    app.store
        .create_ticket(hash, device, now_ms() + TICKET_SECONDS * 1000)
        .await
        .map_err(|e| warp::reject::custom(ApiError::from(e)))?;
    Ok(warp::reply::json(&serde_json::json!({
        "ticket": ticket,
        "expiresInSeconds": TICKET_SECONDS,
    })))
}

/// Resolves the credential for a sync upgrade: a ticket if given, else the session cookie.
pub async fn sync_credential(
    app: &App,
    ticket: Option<String>,
    cookie: Option<String>,
) -> Result<SignedIn, ApiError> {
    match (ticket, cookie) {
        (Some(t), _) => auth::from_ticket(&app.store, &t).await,
        (None, Some(c)) => match auth::from_session_token(&app.store, &c).await? {
            who if who.user.must_change_password => Err(ApiError::PasswordChangeRequired),
            who => Ok(who),
        },
        (None, None) => Err(ApiError::NotSignedIn),
    }
}
