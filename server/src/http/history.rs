//! `GET /api/documents/{id}/actors`: who made a record's changes, for its history.
//!
//! The record's changes (and so its history) are already on the reader's device; what only the
//! server knows is which signed-in user sent each Automerge actor's changes. This gives that
//! map, to exactly those who may read the record (the sync path's own rule), with names only
//! of people the reader may see. The client keeps it with the record for offline use and
//! derives the history itself (`hearth_shared::history`).

use std::collections::HashMap;
use std::sync::Arc;

use hearth_shared::history::ActorAuthor;
use hearth_shared::permissions::{self, Actor};
use warp::{Filter, Rejection, Reply};

use super::reporting;
use super::{signed_in, with_app};
use crate::auth::SignedIn;
use crate::error::ApiError;
use crate::state::App;
use crate::store::ActorClaim;

/// The history route.
pub fn routes(app: Arc<App>) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    warp::path!("api" / "documents" / String / "actors")
        .and(warp::get())
        .and(with_app(app.clone()))
        .and(signed_in(app))
        .and_then(|id: String, app: Arc<App>, who: SignedIn| async move {
            actors(&app, &who, &id)
                .await
                .map(|a| {
                    warp::reply::with_header(warp::reply::json(&a), "cache-control", "no-store")
                })
                .map_err(warp::reject::custom)
        })
}

/// The actor map of document `id` for `who`: 404 `not_found` for an unknown id and for one
/// they may not read alike, so a forbidden record cannot be told from a missing one.
async fn actors(app: &App, who: &SignedIn, id: &str) -> Result<Vec<ActorAuthor>, ApiError> {
    let id = reporting::path_id(id)?;
    let meta = app.store.document_meta(id).await?;
    match meta {
        Some(meta) if reporting::can_read(&who.actor, who.kiosk_consultation(), id, &meta) => {}
        _ => return Err(ApiError::NotFound),
    }
    let claims = app.store.document_actors(id).await?;
    let mut people: HashMap<String, Option<(Actor, String)>> = HashMap::new();
    for claim in &claims {
        if people.contains_key(&claim.user_id) {
            continue;
        }
        let person = match app.store.user(&claim.user_id).await? {
            Some(user) => Some((
                Actor {
                    homes: app.store.homes_of(&user.id).await?,
                    user_id: user.id,
                    role: user.role,
                },
                user.display_name,
            )),
            None => None,
        };
        people.insert(claim.user_id.clone(), person);
    }
    Ok(claims
        .iter()
        .map(|claim| {
            let person = people.get(&claim.user_id).and_then(Option::as_ref);
            author(&who.actor, claim, person)
        })
        .collect())
}

/// One claim as `reader` may see it: the name only of someone whose name records show them
/// ([`permissions::sees_name_of`]) or of the reader themself.
fn author(reader: &Actor, claim: &ActorClaim, person: Option<&(Actor, String)>) -> ActorAuthor {
    let display_name = person
        .filter(|(p, _)| p.user_id == reader.user_id || permissions::sees_name_of(reader, p))
        .map(|(_, name)| name.clone());
    ActorAuthor {
        actor: hex::encode(&claim.actor),
        user_id: claim.user_id.clone(),
        display_name,
        first_at_ms: claim.first_at_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_shared::permissions::Role;

    fn actor(id: &str, role: Role, homes: &[&str]) -> Actor {
        Actor {
            user_id: id.into(),
            role,
            homes: homes.iter().map(|h| h.to_string()).collect(),
        }
    }

    fn claim(user: &str) -> ActorClaim {
        ActorClaim {
            actor: vec![0xab, 0x01],
            user_id: user.into(),
            first_at_ms: 7,
        }
    }

    #[test]
    fn names_are_given_only_where_records_show_them() {
        let ann = (
            actor("u-ann", Role::Member, &["h1"]),
            "Cllr Ann".to_string(),
        );
        let same_home = actor("u-bea", Role::Member, &["h1"]);
        let other_home = actor("u-cat", Role::Member, &["h2"]);
        let officer = actor("u-off", Role::Officer, &[]);

        let seen = author(&same_home, &claim("u-ann"), Some(&ann));
        assert_eq!(seen.actor, "ab01");
        assert_eq!(seen.display_name.as_deref(), Some("Cllr Ann"));
        assert_eq!(seen.first_at_ms, 7);
        assert_eq!(
            author(&other_home, &claim("u-ann"), Some(&ann)).display_name,
            None
        );
        assert_eq!(
            author(&officer, &claim("u-ann"), Some(&ann))
                .display_name
                .as_deref(),
            Some("Cllr Ann")
        );
    }

    #[test]
    fn an_officer_or_worker_sees_their_own_name_but_nobody_else_does() {
        let worker = (
            actor("u-wrk", Role::ParticipationWorker, &[]),
            "Worker".to_string(),
        );
        assert_eq!(
            author(&worker.0, &claim("u-wrk"), Some(&worker))
                .display_name
                .as_deref(),
            Some("Worker")
        );
        let officer = actor("u-off", Role::Officer, &[]);
        assert_eq!(
            author(&officer, &claim("u-wrk"), Some(&worker)).display_name,
            None
        );
        assert_eq!(author(&officer, &claim("u-gone"), None).display_name, None);
    }
}
