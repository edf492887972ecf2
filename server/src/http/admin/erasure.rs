//! `POST /api/admin/erasures`: an administrator erases one record everywhere, giving a reason.
//!
//! The record goes from the store (chunks, metadata, reporting facts, distribution) and from the
//! server's memory; devices holding it drop it at their next sync. The audit row (who, which
//! record, why) is written in the same transaction as the deletion; nothing of the content is
//! kept. The id travels in the body, not the URL.

use super::{admin, json_reply, rejected};
use crate::auth::{SignedIn, now_ms};
use crate::error::ApiError;
use crate::http::json_body;
use crate::state::App;
use crate::store::erasure::{Erasure, ErasureCause, MAX_REASON_CHARS};
use hearth_shared::ids::DocumentId;
use serde::Deserialize;
use std::sync::Arc;
use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::reply::Response;
use warp::{Filter, Rejection};

/// The request: which record (an id or an `automerge:` URL) and why.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EraseRequest {
    document_id: String,
    reason: String,
}

/// The reason as it will be kept: trimmed, present, not too long. Pure.
fn reason(raw: &str) -> Result<String, ApiError> {
    let reason = raw.trim();
    if reason.is_empty() {
        return Err(ApiError::Invalid(
            "Enter why the record is being erased.".into(),
        ));
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(ApiError::Invalid(format!(
            "The reason must be {MAX_REASON_CHARS} characters or fewer."
        )));
    }
    Ok(reason.to_owned())
}

pub(super) fn routes(app: Arc<App>) -> BoxedFilter<(Response,)> {
    warp::path!("api" / "admin" / "erasures")
        .and(warp::post())
        .and(admin(app))
        .and(json_body::<EraseRequest>())
        .and_then(
            |app: Arc<App>, who: SignedIn, request: EraseRequest| async move {
                let id = DocumentId::from_url(request.document_id.trim()).map_err(|_| {
                    rejected(ApiError::Invalid(
                        "Enter the record's id as shown in its address.".into(),
                    ))
                })?;
                let reason = reason(&request.reason).map_err(rejected)?;
                app.hub
                    .erase(Erasure {
                        id,
                        cause: ErasureCause::Admin {
                            by: who.user.id.clone(),
                            reason,
                        },
                        at_ms: now_ms(),
                    })
                    .await
                    .map_err(rejected)?;
                Ok::<_, Rejection>(json_reply(
                    StatusCode::OK,
                    &serde_json::json!({ "erased": true }),
                ))
            },
        )
        .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_required_trimmed_and_bounded() {
        assert!(reason("   ").is_err());
        assert_eq!(
            reason("  asked by the young person  ").unwrap(),
            "asked by the young person"
        );
        assert!(reason(&"x".repeat(MAX_REASON_CHARS)).is_ok());
        assert!(reason(&"x".repeat(MAX_REASON_CHARS + 1)).is_err());
    }
}
