//! The HTTP surface: the JSON API, the sync upgrade and the built client, behind one set of
//! security headers and one error mapping.

pub mod admin;
pub mod client_files;
pub mod devices;
pub mod documents;
pub mod exports;
pub mod history;
pub mod kiosk_setup;
pub mod origin;
pub mod overview;
pub mod reporting;
#[cfg(test)]
mod reporting_routes_tests;
pub mod reports;
pub mod session;
pub mod snapshot;
pub mod sync_route;
pub mod user_agent;

use crate::auth::{self, SESSION_COOKIE, SignedIn};
use crate::error::ApiError;
use crate::state::App;
use serde::Serialize;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use warp::http::{HeaderMap, HeaderValue, StatusCode};
use warp::{Filter, Rejection, Reply};

/// The peer address of a connection, put into each request by the accept loop.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub SocketAddr);

/// Largest JSON body the API accepts.
const MAX_JSON_BODY: u64 = 64 * 1024;

/// Every route the server answers, with security headers, request logging and error mapping.
pub fn routes(app: Arc<App>) -> impl Filter<Extract = (impl Reply,), Error = Infallible> + Clone {
    let api = session::routes(app.clone())
        .or(documents::routes(app.clone()))
        .or(history::routes(app.clone()))
        .or(snapshot::routes(app.clone()).boxed())
        .or(devices::routes(app.clone()))
        .or(kiosk_setup::routes(app.clone()))
        .or(admin::routes(app.clone()))
        .or(overview::routes(app.clone()))
        .or(reports::routes(app.clone()).boxed())
        .or(exports::routes(app.clone()).boxed())
        .or(warp::path!("healthz")
            .and(warp::get())
            .map(|| warp::reply::json(&serde_json::json!({"status": "ok"}))))
        .with(warp::reply::with::header("cache-control", "no-store"));
    // Before any route: a cross-site unsafe request is refused whatever it asks for.
    let all = origin::same_site_for_unsafe_methods().and(
        sync_route::route(app.clone())
            .or(api)
            .or(client_files::routes(app.config.client_dir.clone())),
    );
    all.recover(recover)
        .with(warp::reply::with::headers(security_headers(
            app.config.tls(),
        )))
        // Method, path and status only: never the query string (tickets) or bodies.
        .with(warp::log::custom(|info| {
            tracing::info!(
                method = %info.method(),
                path = info.path(),
                status = info.status().as_u16(),
                elapsed_ms = info.elapsed().as_millis() as u64,
                "request"
            );
        }))
}

/// Headers on every response: a strict CSP (the client needs only itself and wasm), no
/// framing, no sniffing, no referrer.
fn security_headers(tls: bool) -> HeaderMap {
    let mut h = HeaderMap::new();
    let csp = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
               img-src 'self' data:; font-src 'self'; connect-src 'self'; worker-src 'self'; \
               manifest-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
               frame-ancestors 'none'";
    h.insert("content-security-policy", HeaderValue::from_static(csp));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if tls {
        h.insert(
            "strict-transport-security",
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    h
}

/// Hands the shared application state to a handler.
pub fn with_app(app: Arc<App>) -> impl Filter<Extract = (Arc<App>,), Error = Infallible> + Clone {
    warp::any().map(move || app.clone())
}

/// The client's address (loopback when unknown, which only happens in-process).
pub fn client_ip() -> impl Filter<Extract = (IpAddr,), Error = Infallible> + Clone {
    warp::ext::optional::<ClientAddr>().map(|a: Option<ClientAddr>| {
        a.map(|a| a.0.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
    })
}

/// Requires a valid session cookie; rejects with `not_signed_in` otherwise.
pub fn signed_in(app: Arc<App>) -> impl Filter<Extract = (SignedIn,), Error = Rejection> + Clone {
    signed_in_to_change_password(app).and_then(|who: SignedIn| async move {
        if who.user.must_change_password {
            Err(warp::reject::custom(ApiError::PasswordChangeRequired))
        } else {
            Ok(who)
        }
    })
}

/// Requires a session, even one whose password must be changed first: only for reading
/// `/api/me` and changing the password.
pub fn signed_in_to_change_password(
    app: Arc<App>,
) -> impl Filter<Extract = (SignedIn,), Error = Rejection> + Clone {
    with_app(app)
        .and(warp::cookie::optional::<String>(SESSION_COOKIE))
        .and_then(|app: Arc<App>, token: Option<String>| async move {
            let token = token.ok_or_else(|| warp::reject::custom(ApiError::NotSignedIn))?;
            auth::from_session_token(&app.store, &token)
                .await
                .map_err(warp::reject::custom)
        })
}

/// Requires a signed-in administrator.
pub fn admin(app: Arc<App>) -> impl Filter<Extract = (SignedIn,), Error = Rejection> + Clone {
    signed_in(app).and_then(|who: SignedIn| async move {
        if who.is_admin() {
            Ok(who)
        } else {
            Err(warp::reject::custom(ApiError::Forbidden))
        }
    })
}

/// A bounded JSON body.
pub fn json_body<T: serde::de::DeserializeOwned + Send>()
-> impl Filter<Extract = (T,), Error = Rejection> + Clone {
    warp::body::content_length_limit(MAX_JSON_BODY).and(warp::body::json())
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
    message: String,
}

/// A JSON error reply with a stable code.
pub fn error_reply(status: StatusCode, code: &str, message: String) -> warp::reply::Response {
    let body = warp::reply::json(&ErrorBody {
        error: ErrorDetail { code, message },
    });
    let mut res = warp::reply::with_status(body, status).into_response();
    res.headers_mut()
        .insert("cache-control", HeaderValue::from_static("no-store"));
    res
}

/// The one place rejections become responses.
pub async fn recover(rejection: Rejection) -> Result<warp::reply::Response, Infallible> {
    use warp::reject::{MethodNotAllowed, PayloadTooLarge, UnsupportedMediaType};
    if let Some(e) = rejection.find::<ApiError>() {
        return Ok(error_reply(e.status(), e.code(), e.to_string()));
    }
    let (status, code, message) = if rejection.is_not_found() {
        (StatusCode::NOT_FOUND, "not_found", "Not found.".to_string())
    } else if rejection.find::<PayloadTooLarge>().is_some() {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "The request is too large.".into(),
        )
    } else if rejection
        .find::<warp::filters::body::BodyDeserializeError>()
        .is_some()
    {
        (
            StatusCode::BAD_REQUEST,
            "bad_request",
            "The request body is not valid JSON of the expected shape.".into(),
        )
    } else if rejection.find::<UnsupportedMediaType>().is_some() {
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "bad_request",
            "Send JSON with Content-Type: application/json.".into(),
        )
    } else if rejection.find::<MethodNotAllowed>().is_some() {
        (
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "That method is not allowed here.".into(),
        )
    } else {
        (
            StatusCode::BAD_REQUEST,
            "bad_request",
            "The request is not valid.".into(),
        )
    };
    Ok(error_reply(status, code, message))
}
