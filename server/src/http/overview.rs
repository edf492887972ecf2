//! `GET /api/overview`: the officers' overview (visits done, due or overdue; records by state;
//! open recommendations by age; consultations running and follow-ups waiting).
//!
//! Computed from the reporting facts the store keeps beside each document, so no document is
//! loaded; only the facts of records the viewer may read go in, so a manager's overview is
//! made of exactly what the sync rules let them see. "Today" comes from the app's clock.

use super::reporting::{self, Asked};
use super::{signed_in, with_app};
use crate::auth::SignedIn;
use crate::error::ApiError;
use crate::state::App;
use hearth_shared::permissions::Role;
use hearth_shared::reporting::{Day, HomeRef, OfficersOverview, overview};
use std::sync::Arc;
use warp::{Filter, Rejection, Reply};

/// The overview route.
pub fn routes(app: Arc<App>) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    warp::path!("api" / "overview")
        .and(warp::get())
        .and(with_app(app.clone()))
        .and(signed_in(app))
        .and_then(|app: Arc<App>, who: SignedIn| async move {
            officers_overview(&app, &who)
                .await
                .map(|o| warp::reply::json(&o))
                .map_err(warp::reject::custom)
        })
}

/// Which homes and whether consultations a role's overview shows: an officer every home and
/// the consultations, a manager their homes only, a participation worker the consultations
/// only. Archived homes take no visits, so they are not listed as due.
fn scope(who: &SignedIn, homes: Vec<crate::store::Home>) -> (Vec<HomeRef>, bool) {
    let listed = |home: &crate::store::Home| match who.user.role {
        Role::Officer => true,
        Role::Manager => who.actor.homes.contains(&home.id),
        _ => false,
    };
    let refs = homes
        .into_iter()
        .filter(|h| !h.archived && listed(h))
        .map(|h| HomeRef {
            id: h.id,
            name: h.name,
        })
        .collect();
    let consultations = matches!(who.user.role, Role::Officer | Role::ParticipationWorker);
    (refs, consultations)
}

async fn officers_overview(app: &App, who: &SignedIn) -> Result<OfficersOverview, ApiError> {
    reporting::check_role(who.user.role, Asked::Overview)?;
    let (homes, include_consultations) = scope(who, app.store.list_homes().await?);
    let records: Vec<(String, hearth_shared::reporting::RecordFacts)> = app
        .store
        .document_facts()
        .await?
        .into_iter()
        .filter(|(id, meta, _)| {
            reporting::can_read(&who.actor, who.kiosk_consultation(), *id, meta)
        })
        .filter_map(|(id, _, facts)| facts.map(|f| (id.to_string(), f)))
        .collect();
    let today = Day::from_unix_ms(app.clock.now_ms());
    Ok(overview(
        &homes,
        &records,
        today,
        include_consultations,
        app.config.suppress_below,
    ))
}
