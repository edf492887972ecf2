//! `/api/me/devices`: the devices (sessions) a user is signed in on, and signing one out.
//! Also the device view and the revocation the admin routes share.

use super::{signed_in, with_app};
use crate::auth::{SignedIn, now_ms};
use crate::error::ApiError;
use crate::state::App;
use crate::store::{AuditEvent, Device, RevokedBy};
use crate::sync::registry::Hangup;
use serde::Serialize;
use std::sync::Arc;
use warp::{Filter, Rejection, Reply};

/// A device as the devices lists show it. No token or hash, ever.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceView {
    id: String,
    user_id: String,
    username: String,
    display_name: String,
    label: String,
    kiosk: bool,
    created_at: i64,
    last_seen_at: i64,
    /// The session making this request.
    current: bool,
}

impl DeviceView {
    /// The view of `device`, marked `current` when it is the session `current_device`.
    pub fn new(device: Device, current_device: Option<&str>) -> Self {
        Self {
            current: current_device == Some(device.id.as_str()),
            id: device.id,
            user_id: device.user_id,
            username: device.username,
            display_name: device.display_name,
            label: device.label,
            kiosk: device.kiosk,
            created_at: device.created_at_ms,
            last_seen_at: device.last_seen_at_ms,
        }
    }
}

/// Signs a device out (only one of `owner`'s when given: anyone else's answers 404) and closes
/// its open sync connections at once.
pub async fn revoke(
    app: &App,
    device_id: &str,
    by: RevokedBy,
    owner: Option<&str>,
) -> Result<(), Rejection> {
    app.store
        .revoke_device(device_id, by, owner, now_ms())
        .await
        .map_err(|e| warp::reject::custom(ApiError::from(e)))?;
    app.connections
        .hang_up_device(device_id, Hangup::DeviceRevoked(by));
    Ok(())
}

/// `GET /api/me/devices`, `DELETE /api/me/devices/{id}`.
pub fn routes(app: Arc<App>) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    let list = warp::path!("api" / "me" / "devices")
        .and(warp::get())
        .and(with_app(app.clone()))
        .and(signed_in(app.clone()))
        .and_then(|app: Arc<App>, who: SignedIn| async move {
            let devices = app
                .store
                .devices(Some(&who.user.id), now_ms())
                .await
                .map_err(|e| warp::reject::custom(ApiError::from(e)))?;
            let view: Vec<DeviceView> = devices
                .into_iter()
                .map(|d| DeviceView::new(d, who.device_id.as_deref()))
                .collect();
            Ok::<_, Rejection>(warp::reply::json(&view))
        });
    let sign_out = warp::path!("api" / "me" / "devices" / String)
        .and(warp::delete())
        .and(with_app(app.clone()))
        .and(signed_in(app))
        .and_then(|id: String, app: Arc<App>, who: SignedIn| async move {
            revoke(&app, &id, RevokedBy::Owner, Some(&who.user.id)).await?;
            let event = AuditEvent {
                at_ms: now_ms(),
                user_id: Some(who.user.id.clone()),
                action: "device_revoked".into(),
                document_id: None,
                subject: Some(id),
                detail: RevokedBy::Owner.as_str().into(),
            };
            if let Err(e) = app.store.audit(event).await {
                tracing::error!(error = %e, "could not write audit row");
            }
            Ok::<_, Rejection>(warp::reply::json(&serde_json::json!({ "revoked": true })))
        });
    list.or(sign_out)
}
