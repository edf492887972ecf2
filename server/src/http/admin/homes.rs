//! `/api/admin/homes`: homes with the members and managers assigned to them, adding, renaming,
//! archiving, and assigning or unassigning people (`/api/admin/assignments` is kept for the
//! CLI-era clients and tests).

use super::{admin, audit, json_reply, rejected, validate};
use crate::auth::SignedIn;
use crate::error::ApiError;
use crate::http::json_body;
use crate::state::App;
use crate::store::{Home, HomePerson};
use crate::sync::registry::Hangup;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::reply::Response;
use warp::{Filter, Rejection};

/// A member or manager assigned to a home.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PersonView {
    id: String,
    display_name: String,
    role: &'static str,
}

/// A home as the administration screens show it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HomeView {
    id: String,
    name: String,
    archived: bool,
    people: Vec<PersonView>,
}

/// `home` with the people among `people` assigned to it.
fn home_view(home: Home, people: &[HomePerson]) -> HomeView {
    HomeView {
        people: people
            .iter()
            .filter(|p| p.home_id == home.id)
            .map(|p| PersonView {
                id: p.user_id.clone(),
                display_name: p.display_name.clone(),
                role: p.role.as_str(),
            })
            .collect(),
        id: home.id,
        name: home.name,
        archived: home.archived,
    }
}

async fn one_home(app: &App, id: &str) -> Result<HomeView, Rejection> {
    let home = app
        .store
        .home(id)
        .await
        .map_err(rejected)?
        .ok_or_else(|| rejected(ApiError::NotFound))?;
    let people = app.store.home_people().await.map_err(rejected)?;
    Ok(home_view(home, &people))
}

#[derive(Deserialize)]
struct NewHomeRequest {
    name: String,
}

#[derive(Deserialize)]
struct HomePatch {
    name: Option<String>,
    archived: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AssignmentRequest {
    user_id: String,
    home_id: String,
}

pub(super) fn routes(app: Arc<App>) -> BoxedFilter<(Response,)> {
    let list = warp::path!("api" / "admin" / "homes")
        .and(warp::get())
        .and(admin(app.clone()))
        .and_then(list);
    let create = warp::path!("api" / "admin" / "homes")
        .and(warp::post())
        .and(admin(app.clone()))
        .and(json_body())
        .and_then(create);
    let edit = warp::path!("api" / "admin" / "homes" / String)
        .and(warp::patch())
        .and(admin(app.clone()))
        .and(json_body())
        .and_then(edit);
    let put_person = warp::path!("api" / "admin" / "homes" / String / "people" / String)
        .and(warp::put())
        .and(admin(app.clone()))
        .and_then(
            |home: String, user: String, app: Arc<App>, who: SignedIn| async move {
                assign(&app, &who, &user, &home).await?;
                Ok::<_, Rejection>(json_reply(StatusCode::OK, &one_home(&app, &home).await?))
            },
        );
    let unassign = warp::path!("api" / "admin" / "homes" / String / "people" / String)
        .and(warp::delete())
        .and(admin(app.clone()))
        .and_then(unassign);
    let assignments = warp::path!("api" / "admin" / "assignments")
        .and(warp::post())
        .and(admin(app))
        .and(json_body())
        .and_then(
            |app: Arc<App>, who: SignedIn, req: AssignmentRequest| async move {
                assign(&app, &who, &req.user_id, &req.home_id).await?;
                Ok::<_, Rejection>(json_reply(
                    StatusCode::OK,
                    &serde_json::json!({ "userId": req.user_id, "homeId": req.home_id }),
                ))
            },
        );
    list.or(create)
        .unify()
        .or(edit)
        .unify()
        .or(put_person)
        .unify()
        .or(unassign)
        .unify()
        .or(assignments)
        .unify()
        .boxed()
}

async fn list(app: Arc<App>, _: SignedIn) -> Result<Response, Rejection> {
    let homes = app.store.list_homes().await.map_err(rejected)?;
    let people = app.store.home_people().await.map_err(rejected)?;
    let view: Vec<HomeView> = homes.into_iter().map(|h| home_view(h, &people)).collect();
    Ok(json_reply(StatusCode::OK, &view))
}

async fn create(app: Arc<App>, who: SignedIn, req: NewHomeRequest) -> Result<Response, Rejection> {
    let name = validate::home_name(&req.name).map_err(rejected)?;
    let home = app.store.create_home(&name).await.map_err(rejected)?;
    audit(&app, &who, "home_created", Some(&home.id), "").await;
    Ok(json_reply(StatusCode::CREATED, &home_view(home, &[])))
}

async fn edit(
    id: String,
    app: Arc<App>,
    who: SignedIn,
    patch: HomePatch,
) -> Result<Response, Rejection> {
    let name = patch
        .name
        .as_deref()
        .map(validate::home_name)
        .transpose()
        .map_err(rejected)?;
    let before = app
        .store
        .home(&id)
        .await
        .map_err(rejected)?
        .ok_or_else(|| rejected(ApiError::NotFound))?;
    let after = app
        .store
        .update_home(&id, name, patch.archived)
        .await
        .map_err(rejected)?;
    if after.name != before.name {
        audit(&app, &who, "home_renamed", Some(&id), "").await;
    }
    if after.archived != before.archived {
        let action = if after.archived {
            "home_archived"
        } else {
            "home_unarchived"
        };
        audit(&app, &who, action, Some(&id), "").await;
    }
    Ok(json_reply(StatusCode::OK, &one_home(&app, &id).await?))
}

/// Assigns a member or manager to a home (400 for any other role, 404 for an unknown user or
/// home) and makes their open sync connections reconnect with the new homes.
async fn assign(app: &App, who: &SignedIn, user_id: &str, home_id: &str) -> Result<(), Rejection> {
    app.store.assign(user_id, home_id).await.map_err(rejected)?;
    app.connections
        .hang_up_user(user_id, None, Hangup::AccessChanged);
    audit(app, who, "assigned", Some(user_id), home_id).await;
    Ok(())
}

async fn unassign(
    home_id: String,
    user_id: String,
    app: Arc<App>,
    who: SignedIn,
) -> Result<Response, Rejection> {
    app.store
        .unassign(&user_id, &home_id)
        .await
        .map_err(rejected)?;
    app.connections
        .hang_up_user(&user_id, None, Hangup::AccessChanged);
    audit(&app, &who, "unassigned", Some(&user_id), &home_id).await;
    Ok(json_reply(StatusCode::OK, &one_home(&app, &home_id).await?))
}
