//! `/api/admin/users`: the list with search, filters and pages, creating, editing, disabling
//! and enabling accounts, and resetting a password.

use super::{admin, audit, json_reply, rejected, validate};
use crate::auth::{SignedIn, password, token};
use crate::error::ApiError;
use crate::http::json_body;
use crate::state::App;
use crate::store::{NewAccount, NewUser, StoreError, User, UserChange, UserQuery};
use crate::sync::registry::Hangup;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::reply::Response;
use warp::{Filter, Rejection};

/// A user as the administration screens show them.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserAdminView {
    id: String,
    username: String,
    display_name: String,
    role: &'static str,
    disabled: bool,
    must_change_password: bool,
    homes: Vec<String>,
    last_sign_in_at: Option<i64>,
    created_at: i64,
    kiosk_consultation_id: Option<String>,
}

impl UserAdminView {
    fn new(user: User, homes: Vec<String>) -> Self {
        Self {
            id: user.id,
            username: user.username,
            display_name: user.display_name,
            role: user.role.as_str(),
            disabled: user.disabled,
            must_change_password: user.must_change_password,
            homes,
            last_sign_in_at: user.last_sign_in_at_ms,
            created_at: user.created_at_ms,
            kiosk_consultation_id: user.kiosk_consultation_id,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    q: Option<String>,
    role: Option<String>,
    status: Option<String>,
    page: Option<u64>,
    per_page: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewUserRequest {
    username: String,
    display_name: String,
    role: String,
    homes: Option<Vec<String>>,
    password: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserPatch {
    display_name: Option<String>,
    role: Option<String>,
    homes: Option<Vec<String>>,
}

/// An unknown home id in a request body is the caller's mistake (400), not a missing route.
fn unknown_home_is_bad_input(e: StoreError) -> Rejection {
    match e {
        StoreError::NotFound("home") => rejected(ApiError::BadRequest(
            "Choose homes from the list: one of them does not exist.".into(),
        )),
        other => rejected(other),
    }
}

/// Distinct home ids in the order given.
fn distinct(homes: Vec<String>) -> Vec<String> {
    let mut seen = Vec::with_capacity(homes.len());
    for home in homes {
        if !seen.contains(&home) {
            seen.push(home);
        }
    }
    seen
}

pub(super) fn routes(app: Arc<App>) -> BoxedFilter<(Response,)> {
    let list = warp::path!("api" / "admin" / "users")
        .and(warp::get())
        .and(admin(app.clone()))
        .and(warp::query::<ListQuery>())
        .and_then(list);
    let create = warp::path!("api" / "admin" / "users")
        .and(warp::post())
        .and(admin(app.clone()))
        .and(json_body())
        .and_then(create);
    let show = warp::path!("api" / "admin" / "users" / String)
        .and(warp::get())
        .and(admin(app.clone()))
        .and_then(show);
    let edit = warp::path!("api" / "admin" / "users" / String)
        .and(warp::patch())
        .and(admin(app.clone()))
        .and(json_body())
        .and_then(edit);
    let action = warp::path!("api" / "admin" / "users" / String / String)
        .and(warp::post())
        .and(admin(app))
        .and_then(action);
    list.or(create)
        .unify()
        .or(show)
        .unify()
        .or(edit)
        .unify()
        .or(action)
        .unify()
        .boxed()
}

async fn list(app: Arc<App>, _: SignedIn, query: ListQuery) -> Result<Response, Rejection> {
    let paging = validate::paging(query.page, query.per_page, 25).map_err(rejected)?;
    let role = match query.role.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(role) => Some(validate::role(role).map_err(rejected)?),
    };
    let disabled = validate::status(query.status.as_deref()).map_err(rejected)?;
    let page = app
        .store
        .find_users(UserQuery {
            text: query.q,
            role,
            disabled,
            offset: paging.offset(),
            limit: paging.per_page,
        })
        .await
        .map_err(rejected)?;
    let users: Vec<UserAdminView> = page
        .users
        .into_iter()
        .map(|u| UserAdminView::new(u.user, u.homes))
        .collect();
    Ok(json_reply(
        StatusCode::OK,
        &serde_json::json!({
            "users": users,
            "total": page.total,
            "page": paging.page,
            "perPage": paging.per_page,
        }),
    ))
}

async fn create(app: Arc<App>, who: SignedIn, req: NewUserRequest) -> Result<Response, Rejection> {
    let username = validate::username(&req.username).map_err(rejected)?;
    let display_name = validate::display_name(&req.display_name).map_err(rejected)?;
    let role = validate::role(&req.role).map_err(rejected)?;
    let homes = distinct(req.homes.unwrap_or_default());
    validate::homes_for_role(role, &homes).map_err(rejected)?;
    if let Some(given) = &req.password {
        validate::password(given).map_err(rejected)?;
    }
    let generated = req.password.is_none();
    let password = req.password.unwrap_or_else(token::generate_password);
    let user = app
        .store
        .create_account(NewAccount {
            user: NewUser {
                username,
                display_name,
                role,
                password_hash: password::hash(password.clone()).await,
                must_change_password: generated,
            },
            homes: homes.clone(),
            kiosk_consultation_id: None,
        })
        .await
        .map_err(unknown_home_is_bad_input)?;
    audit(&app, &who, "user_created", Some(&user.id), role.as_str()).await;
    let mut body = serde_json::json!({ "user": UserAdminView::new(user, homes) });
    if generated {
        // Shown once to the administrator; the owner must replace it at first sign-in.
        body["password"] = serde_json::Value::String(password);
    }
    Ok(json_reply(StatusCode::CREATED, &body))
}

async fn show(id: String, app: Arc<App>, _: SignedIn) -> Result<Response, Rejection> {
    let found = app
        .store
        .user_with_homes(&id)
        .await
        .map_err(rejected)?
        .ok_or_else(|| rejected(ApiError::NotFound))?;
    Ok(json_reply(
        StatusCode::OK,
        &UserAdminView::new(found.user, found.homes),
    ))
}

async fn edit(
    id: String,
    app: Arc<App>,
    who: SignedIn,
    patch: UserPatch,
) -> Result<Response, Rejection> {
    let display_name = patch
        .display_name
        .as_deref()
        .map(validate::display_name)
        .transpose()
        .map_err(rejected)?;
    let role = patch
        .role
        .as_deref()
        .map(validate::role)
        .transpose()
        .map_err(rejected)?;
    let homes = patch.homes.map(distinct);
    if let (Some(role), Some(homes)) = (role, &homes) {
        validate::homes_for_role(role, homes).map_err(rejected)?;
    }
    let mut changed = Vec::new();
    for (field, given) in [
        ("displayName", display_name.is_some()),
        ("role", role.is_some()),
        ("homes", homes.is_some()),
    ] {
        if given {
            changed.push(field);
        }
    }
    let access_changes = role.is_some() || homes.is_some();
    let updated = app
        .store
        .update_user(
            &id,
            UserChange {
                display_name,
                role,
                homes,
            },
        )
        .await
        .map_err(unknown_home_is_bad_input)?;
    if access_changes {
        // Open sync connections hold the old role and homes: they reconnect and are checked
        // against the new ones.
        app.connections
            .hang_up_user(&id, None, Hangup::AccessChanged);
    }
    audit(&app, &who, "user_updated", Some(&id), &changed.join(",")).await;
    Ok(json_reply(
        StatusCode::OK,
        &UserAdminView::new(updated.user, updated.homes),
    ))
}

async fn action(
    id: String,
    action: String,
    app: Arc<App>,
    who: SignedIn,
) -> Result<Response, Rejection> {
    match action.as_str() {
        "disable" | "enable" => set_disabled(&app, &who, &id, action == "disable").await,
        "reset-password" => reset_password(&app, &who, &id).await,
        _ => Err(warp::reject::not_found()),
    }
}

async fn set_disabled(
    app: &App,
    who: &SignedIn,
    id: &str,
    disabled: bool,
) -> Result<Response, Rejection> {
    if disabled && id == who.user.id {
        return Err(rejected(ApiError::BadRequest(
            "You cannot disable your own account.".into(),
        )));
    }
    app.store
        .set_user_disabled(id, disabled)
        .await
        .map_err(rejected)?;
    if disabled {
        app.connections.hang_up_user(id, None, Hangup::SignedOut);
    }
    let action = if disabled {
        "user_disabled"
    } else {
        "user_enabled"
    };
    audit(app, who, action, Some(id), "").await;
    Ok(json_reply(
        StatusCode::OK,
        &serde_json::json!({ "id": id, "disabled": disabled }),
    ))
}

async fn reset_password(app: &App, who: &SignedIn, id: &str) -> Result<Response, Rejection> {
    let password = token::generate_password();
    let hash = password::hash(password.clone()).await;
    app.store
        .reset_password(id, &hash)
        .await
        .map_err(rejected)?;
    // The store ended every session and ticket; now the open sockets.
    app.connections.hang_up_user(id, None, Hangup::SignedOut);
    audit(app, who, "password_reset", Some(id), "").await;
    Ok(json_reply(
        StatusCode::OK,
        &serde_json::json!({ "password": password }),
    ))
}

#[cfg(test)]
mod tests {
    use super::distinct;

    #[test]
    fn repeated_homes_count_once() {
        let homes = ["b", "a", "b"].map(String::from).to_vec();
        assert_eq!(distinct(homes), ["b", "a"]);
    }
}
