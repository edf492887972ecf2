//! `/api/admin/devices`: everyone's signed-in devices, and signing one out.

use super::{admin, audit, json_reply, rejected};
use crate::auth::{SignedIn, now_ms};
use crate::http::devices::{DeviceView, revoke};
use crate::state::App;
use crate::store::RevokedBy;
use serde::Deserialize;
use std::sync::Arc;
use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::reply::Response;
use warp::{Filter, Rejection};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeviceFilter {
    user_id: Option<String>,
}

pub(super) fn routes(app: Arc<App>) -> BoxedFilter<(Response,)> {
    let list = warp::path!("api" / "admin" / "devices")
        .and(warp::get())
        .and(admin(app.clone()))
        .and(warp::query::<DeviceFilter>())
        .and_then(
            |app: Arc<App>, who: SignedIn, filter: DeviceFilter| async move {
                let user = filter.user_id.filter(|u| !u.trim().is_empty());
                let devices = app
                    .store
                    .devices(user.as_deref(), now_ms())
                    .await
                    .map_err(rejected)?;
                let view: Vec<DeviceView> = devices
                    .into_iter()
                    .map(|d| DeviceView::new(d, who.device_id.as_deref()))
                    .collect();
                Ok::<_, Rejection>(json_reply(StatusCode::OK, &view))
            },
        );
    let revoke_any = warp::path!("api" / "admin" / "devices" / String)
        .and(warp::delete())
        .and(admin(app))
        .and_then(|id: String, app: Arc<App>, who: SignedIn| async move {
            revoke(&app, &id, RevokedBy::Admin, None).await?;
            audit(
                &app,
                &who,
                "device_revoked",
                Some(&id),
                RevokedBy::Admin.as_str(),
            )
            .await;
            Ok::<_, Rejection>(json_reply(
                StatusCode::OK,
                &serde_json::json!({ "revoked": true }),
            ))
        });
    list.or(revoke_any).unify().boxed()
}
