//! `GET /api/documents` (the records this user may see, no content), `GET /api/homes` and
//! `GET /api/people` (the names records refer to by user id).

use super::{signed_in, with_app};
use crate::auth::SignedIn;
use crate::error::ApiError;
use crate::state::App;
use hearth_shared::permissions::{self, Actor, Role};
use serde::Serialize;
use std::sync::Arc;
use warp::{Filter, Rejection, Reply};

/// One row of the records list.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DocumentView {
    id: String,
    url: String,
    kind: &'static str,
    title: String,
    home_id: Option<String>,
    state: &'static str,
    updated_at: i64,
}

/// A home as the API shows it to its users; `archived` homes take no new records.
#[derive(Serialize)]
pub struct HomeView {
    id: String,
    name: String,
    archived: bool,
}

/// A person records refer to by id (visiting members, who signed off), as the API shows them:
/// the name only, never the sign-in name or role.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PersonView {
    id: String,
    display_name: String,
}

/// The document and home listing routes.
pub fn routes(app: Arc<App>) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    let documents = warp::path!("api" / "documents")
        .and(warp::get())
        .and(with_app(app.clone()))
        .and(signed_in(app.clone()))
        .and_then(list_documents);
    let homes = warp::path!("api" / "homes")
        .and(warp::get())
        .and(with_app(app.clone()))
        .and(signed_in(app.clone()))
        .and_then(|app: Arc<App>, who: SignedIn| async move {
            visible_homes(&app, &who)
                .await
                .map(|h| warp::reply::json(&h))
                .map_err(warp::reject::custom)
        });
    let people = warp::path!("api" / "people")
        .and(warp::get())
        .and(with_app(app.clone()))
        .and(signed_in(app))
        .and_then(|app: Arc<App>, who: SignedIn| async move {
            visible_people(&app, &who)
                .await
                .map(|p| warp::reply::json(&p))
                .map_err(warp::reject::custom)
        });
    documents.or(homes).or(people)
}

/// The people whose names `who` may see ([`permissions::sees_name_of`]), disabled accounts
/// included: their names stay on the records they wrote.
async fn visible_people(app: &App, who: &SignedIn) -> Result<Vec<PersonView>, ApiError> {
    let mut people = Vec::new();
    for user in app.store.list_users().await? {
        if !matches!(user.role, Role::Member | Role::Manager) {
            continue;
        }
        let person = Actor {
            homes: app.store.homes_of(&user.id).await?,
            user_id: user.id,
            role: user.role,
        };
        if permissions::sees_name_of(&who.actor, &person) {
            people.push(PersonView {
                id: person.user_id,
                display_name: user.display_name,
            });
        }
    }
    Ok(people)
}

async fn list_documents(app: Arc<App>, who: SignedIn) -> Result<impl Reply, Rejection> {
    let all = app
        .store
        .list_documents()
        .await
        .map_err(|e| warp::reject::custom(ApiError::from(e)))?;
    let visible: Vec<DocumentView> = all
        .into_iter()
        .filter(|d| {
            let access = permissions::access(&who.actor, &d.meta);
            permissions::kiosk_access(who.kiosk_consultation(), d.id, &d.meta, access).can_read()
        })
        .map(|d| DocumentView {
            id: d.id.to_string(),
            url: d.id.to_url(),
            kind: d.meta.kind.as_str(),
            title: d.meta.title,
            home_id: d.meta.home_id,
            state: d.meta.state.as_str(),
            updated_at: d.updated_at_ms,
        })
        .collect();
    Ok(warp::reply::json(&visible))
}

/// The homes a user may see: their assigned homes for members and managers, all for others.
pub async fn visible_homes(app: &App, who: &SignedIn) -> Result<Vec<HomeView>, ApiError> {
    let homes = app.store.list_homes().await?;
    Ok(homes
        .into_iter()
        .filter(|h| match who.user.role {
            Role::Member | Role::Manager => who.actor.homes.contains(&h.id),
            Role::YoungPerson => false,
            _ => true,
        })
        .map(|h| HomeView {
            id: h.id,
            name: h.name,
            archived: h.archived,
        })
        .collect())
}
