//! Administration over HTTP: users, homes, assignments and the audit log. Admins never see
//! record content; these routes touch none.

use super::{admin, json_body, session::UserView, with_app};
use crate::app::App;
use crate::auth::{SignedIn, now_ms, password, token};
use crate::error::ApiError;
use crate::store::{AuditEvent, NewUser};
use hearth_shared::permissions::Role;
use serde::Deserialize;
use std::sync::Arc;
use warp::{Filter, Rejection, Reply};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewUserRequest {
    username: String,
    display_name: String,
    role: String,
    password: Option<String>,
}

#[derive(Deserialize)]
struct NewHomeRequest {
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AssignmentRequest {
    user_id: String,
    home_id: String,
}

fn rejected(e: impl Into<ApiError>) -> Rejection {
    warp::reject::custom(e.into())
}

/// The `/api/admin/...` routes.
pub fn routes(app: Arc<App>) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    let base = warp::path("api").and(warp::path("admin"));
    let list_users = base
        .and(warp::path!("users"))
        .and(warp::get())
        .and(with_app(app.clone()))
        .and(admin(app.clone()))
        .and_then(|app: Arc<App>, _: SignedIn| async move {
            let users = app.store.list_users().await.map_err(rejected)?;
            let view: Vec<UserView> = users.iter().map(UserView::from).collect();
            Ok::<_, Rejection>(warp::reply::json(&view))
        });
    let add_user = base
        .and(warp::path!("users"))
        .and(warp::post())
        .and(with_app(app.clone()))
        .and(admin(app.clone()))
        .and(json_body())
        .and_then(add_user);
    let set_disabled = base
        .and(warp::path!("users" / String / String))
        .and(warp::post())
        .and(with_app(app.clone()))
        .and(admin(app.clone()))
        .and_then(
            |id: String, action: String, app: Arc<App>, who: SignedIn| async move {
                let disabled = match action.as_str() {
                    "disable" => true,
                    "enable" => false,
                    _ => return Err(warp::reject::not_found()),
                };
                if disabled && id == who.user.id {
                    return Err(rejected(ApiError::BadRequest(
                        "You cannot disable your own account.".into(),
                    )));
                }
                app.store
                    .set_user_disabled(&id, disabled)
                    .await
                    .map_err(rejected)?;
                audit(
                    &app,
                    &who,
                    if disabled {
                        "user_disabled"
                    } else {
                        "user_enabled"
                    },
                )
                .await;
                Ok(warp::reply::json(
                    &serde_json::json!({ "id": id, "disabled": disabled }),
                ))
            },
        );
    let list_homes = base
        .and(warp::path!("homes"))
        .and(warp::get())
        .and(with_app(app.clone()))
        .and(admin(app.clone()))
        .and_then(|app: Arc<App>, _: SignedIn| async move {
            let homes = app.store.list_homes().await.map_err(rejected)?;
            let view: Vec<_> = homes
                .into_iter()
                .map(|h| serde_json::json!({ "id": h.id, "name": h.name }))
                .collect();
            Ok::<_, Rejection>(warp::reply::json(&view))
        });
    let add_home = base
        .and(warp::path!("homes"))
        .and(warp::post())
        .and(with_app(app.clone()))
        .and(admin(app.clone()))
        .and(json_body())
        .and_then(
            |app: Arc<App>, who: SignedIn, req: NewHomeRequest| async move {
                let name = req.name.trim();
                if name.is_empty() || name.chars().count() > 200 {
                    return Err(rejected(ApiError::BadRequest(
                        "Give the home a name of up to 200 characters.".into(),
                    )));
                }
                let home = app.store.create_home(name).await.map_err(rejected)?;
                audit(&app, &who, "home_created").await;
                Ok(warp::reply::with_status(
                    warp::reply::json(&serde_json::json!({ "id": home.id, "name": home.name })),
                    warp::http::StatusCode::CREATED,
                ))
            },
        );
    let assign = base
        .and(warp::path!("assignments"))
        .and(warp::post())
        .and(with_app(app.clone()))
        .and(admin(app.clone()))
        .and(json_body())
        .and_then(
            |app: Arc<App>, who: SignedIn, req: AssignmentRequest| async move {
                let user = app
                    .store
                    .user(&req.user_id)
                    .await
                    .map_err(rejected)?
                    .ok_or_else(|| rejected(ApiError::NotFound))?;
                if !matches!(user.role, Role::Member | Role::Manager) {
                    return Err(rejected(ApiError::BadRequest(
                        "Only members and managers are assigned to homes.".into(),
                    )));
                }
                app.store
                    .assign(&req.user_id, &req.home_id)
                    .await
                    .map_err(rejected)?;
                audit(&app, &who, "assigned").await;
                Ok(warp::reply::json(
                    &serde_json::json!({ "userId": req.user_id, "homeId": req.home_id }),
                ))
            },
        );
    let audit_log = base
        .and(warp::path!("audit"))
        .and(warp::get())
        .and(with_app(app.clone()))
        .and(admin(app))
        .and_then(|app: Arc<App>, _: SignedIn| async move {
            let rows = app.store.recent_audit(200).await.map_err(rejected)?;
            let view: Vec<_> = rows
                .into_iter()
                .map(|r| {
                    serde_json::json!({
                        "at": r.at_ms,
                        "userId": r.user_id,
                        "action": r.action,
                        "documentId": r.document_id.map(|d| d.to_string()),
                        "detail": r.detail,
                    })
                })
                .collect();
            Ok::<_, Rejection>(warp::reply::json(&view))
        });
    list_users
        .or(add_user)
        .or(set_disabled)
        .or(list_homes)
        .or(add_home)
        .or(assign)
        .or(audit_log)
}

async fn add_user(
    app: Arc<App>,
    who: SignedIn,
    req: NewUserRequest,
) -> Result<impl Reply, Rejection> {
    let role = Role::parse(&req.role)
        .ok_or_else(|| rejected(ApiError::BadRequest("Unknown role.".into())))?;
    let username = req.username.trim().to_lowercase();
    if username.is_empty()
        || username.len() > 64
        || !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        return Err(rejected(ApiError::BadRequest(
            "Usernames are 1 to 64 letters, digits, dots, dashes or underscores.".into(),
        )));
    }
    let generated = req.password.is_none();
    let password = req.password.unwrap_or_else(token::generate_password);
    if password.chars().count() < 12 {
        return Err(rejected(ApiError::BadRequest(
            "Choose a password of at least 12 characters.".into(),
        )));
    }
    let user = app
        .store
        .create_user(NewUser {
            username,
            display_name: req.display_name.trim().to_string(),
            role,
            password_hash: password::hash(password.clone()).await,
            must_change_password: generated,
        })
        .await
        .map_err(rejected)?;
    audit(&app, &who, "user_created").await;
    let mut body = serde_json::json!({ "user": UserView::from(&user) });
    if generated {
        body["password"] = serde_json::Value::String(password);
    }
    Ok(warp::reply::with_status(
        warp::reply::json(&body),
        warp::http::StatusCode::CREATED,
    ))
}

async fn audit(app: &App, who: &SignedIn, action: &str) {
    let event = AuditEvent {
        at_ms: now_ms(),
        user_id: Some(who.user.id.clone()),
        action: action.into(),
        document_id: None,
        detail: String::new(),
    };
    if let Err(e) = app.store.audit(event).await {
        tracing::error!(error = %e, "could not write audit row");
    }
}
