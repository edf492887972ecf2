//! Administration over HTTP: the overview, users, homes and their people, devices and the audit
//! log. Every route needs a signed-in administrator (401 `not_signed_in` signed out, 403
//! `forbidden` otherwise), and every change is audited: who, which action, on what (an id),
//! never a password or a name. Admins never see record content; these routes touch none.

mod audit;
mod devices;
mod erasure;
mod homes;
mod users;
pub mod validate;

use super::with_app;
use crate::auth::{SignedIn, now_ms};
use crate::error::ApiError;
use crate::state::App;
use crate::store::AuditEvent;
use serde::Serialize;
use std::sync::Arc;
use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::reply::Response;
use warp::{Filter, Rejection, Reply};

/// The `/api/admin/...` routes.
pub fn routes(app: Arc<App>) -> BoxedFilter<(Response,)> {
    audit::routes(app.clone())
        .or(users::routes(app.clone()))
        .unify()
        .or(homes::routes(app.clone()))
        .unify()
        .or(devices::routes(app.clone()))
        .unify()
        .or(erasure::routes(app))
        .unify()
        .boxed()
}

/// The app and the signed-in administrator, for chaining after a path and a method.
/// Authentication comes before any body is read, so a signed-out or non-admin caller always
/// gets 401/403 whatever they sent.
fn admin(app: Arc<App>) -> impl Filter<Extract = (Arc<App>, SignedIn), Error = Rejection> + Clone {
    with_app(app.clone()).and(super::admin(app))
}

/// A handler's error as a rejection for [`crate::http::recover`].
fn rejected(e: impl Into<ApiError>) -> Rejection {
    warp::reject::custom(e.into())
}

/// A JSON reply with a status.
fn json_reply<T: Serialize>(status: StatusCode, body: &T) -> Response {
    warp::reply::with_status(warp::reply::json(body), status).into_response()
}

/// Writes an audit row for an administrator's action: who (`who`), what (`action`), on what
/// (`subject`, an id) and a short code-like `detail`; never a password or a name. A failure is
/// logged, not reported: the action itself has already happened.
async fn audit(app: &App, who: &SignedIn, action: &str, subject: Option<&str>, detail: &str) {
    let event = AuditEvent {
        at_ms: now_ms(),
        user_id: Some(who.user.id.clone()),
        action: action.into(),
        document_id: None,
        subject: subject.map(str::to_owned),
        detail: detail.into(),
    };
    if let Err(e) = app.store.audit(event).await {
        tracing::error!(error = %e, action, "could not write audit row");
    }
}
