//! The HTTP API, same origin, cookie-authenticated. Nothing here logs bodies or URLs with
//! secrets; a sync ticket only ever goes into the WebSocket URL.

use gloo_net::http::{Request, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::engine::Listed;
use crate::session::{Home, Me};

/// Why an API call failed, in the terms the app acts on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// No network (or the server is down): carry on offline.
    #[error("You are offline. Connect to the internet to sign in.")]
    Offline,
    /// The session is missing or expired: sign in again.
    #[error("Your session has ended. Sign in again.")]
    SignedOut,
    /// The server refused, with its stable code and a message for the user.
    #[error("{message}")]
    Refused {
        /// e.g. `bad_credentials`, `too_many_attempts`.
        code: String,
        /// The server's human message.
        message: String,
    },
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    code: String,
    message: String,
}

async fn check(response: Result<Response, gloo_net::Error>) -> Result<Response, ApiError> {
    let response = response.map_err(|_| ApiError::Offline)?;
    if response.ok() {
        return Ok(response);
    }
    let detail = response.json::<ErrorBody>().await.ok().map(|b| b.error);
    match detail {
        Some(d) if d.code == "not_signed_in" => Err(ApiError::SignedOut),
        Some(d) => Err(ApiError::Refused {
            code: d.code,
            message: d.message,
        }),
        None if response.status() == 401 => Err(ApiError::SignedOut),
        // A proxy's or captive portal's page: as good as offline.
        None => Err(ApiError::Offline),
    }
}

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    let response = check(Request::get(path).send().await).await?;
    response.json().await.map_err(|_| ApiError::Offline)
}

/// `POST /api/session`: signs in (the server sets the session cookie).
pub async fn sign_in(username: &str, password: &str) -> Result<(), ApiError> {
    let body = serde_json::json!({ "username": username, "password": password });
    let request = Request::post("/api/session")
        .json(&body)
        .map_err(|_| ApiError::Offline)?;
    check(request.send().await).await.map(drop)
}

/// `POST /api/me/password`: the server checks `current`, stores `new`, and ends the user's
/// other sessions.
pub async fn change_password(current: &str, new: &str) -> Result<(), ApiError> {
    let body = serde_json::json!({ "currentPassword": current, "newPassword": new });
    let request = Request::post("/api/me/password")
        .json(&body)
        .map_err(|_| ApiError::Offline)?;
    check(request.send().await).await.map(drop)
}

/// `DELETE /api/session`: ends the session on the server.
pub async fn sign_out() -> Result<(), ApiError> {
    check(Request::delete("/api/session").send().await)
        .await
        .map(drop)
}

/// `GET /api/people`.
pub async fn people() -> Result<Vec<crate::session::Person>, ApiError> {
    get("/api/people").await
}

/// `GET /api/me`.
pub async fn me() -> Result<Me, ApiError> {
    get("/api/me").await
}

/// `GET /api/homes`.
pub async fn homes() -> Result<Vec<Home>, ApiError> {
    get("/api/homes").await
}

/// `GET /api/documents`: the records this user may read (no content).
pub async fn documents() -> Result<Vec<Listed>, ApiError> {
    get("/api/documents").await
}

/// `POST /api/sync-tickets`: a single-use ticket for one WebSocket connection.
pub async fn sync_ticket() -> Result<String, ApiError> {
    #[derive(Deserialize)]
    struct Ticket {
        ticket: String,
    }
    let response = check(Request::post("/api/sync-tickets").send().await).await?;
    let ticket: Ticket = response.json().await.map_err(|_| ApiError::Offline)?;
    Ok(ticket.ticket)
}
