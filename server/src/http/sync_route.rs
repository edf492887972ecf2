//! `GET /sync`: authenticates before upgrading to a WebSocket. No credential, no upgrade (401).

use super::{session::sync_credential, with_app};
use crate::auth::SESSION_COOKIE;
use crate::state::App;
use crate::sync::connection::{Connection, Limits};
use crate::sync::registry::Hangup;
use serde::Deserialize;
use std::sync::Arc;
use warp::{Filter, Rejection, Reply};

#[derive(Deserialize)]
struct SyncQuery {
    ticket: Option<String>,
}

/// The sync upgrade route.
pub fn route(app: Arc<App>) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    warp::path!("sync")
        .and(warp::get())
        .and(with_app(app))
        .and(warp::query::<SyncQuery>())
        .and(warp::cookie::optional::<String>(SESSION_COOKIE))
        .and(warp::header::optional::<String>("origin"))
        .and(warp::header::optional::<String>("host"))
        .and_then(
            |app: Arc<App>,
             q: SyncQuery,
             cookie: Option<String>,
             origin: Option<String>,
             host: Option<String>| async move {
                // A browser page from another site must not ride on the cookie.
                if let (Some(origin), Some(host)) = (&origin, &host) {
                    let origin_host = origin.split("://").nth(1).unwrap_or("");
                    if origin_host != host {
                        return Err(warp::reject::custom(crate::error::ApiError::Forbidden));
                    }
                }
                let who = sync_credential(&app, q.ticket, cookie)
                    .await
                    .map_err(warp::reject::custom)?;
                Ok::<_, Rejection>((app, who))
            },
        )
        .untuple_one()
        .and(warp::ws())
        .map(|app: Arc<App>, who, ws: warp::ws::Ws| {
            let limits = Limits {
                max_message_bytes: app.config.max_message_bytes,
                max_documents: app.config.max_docs_per_connection,
            };
            // The socket layer allows twice our limit so that an oversized message can still be
            // answered with a clear error instead of a dropped connection.
            let ceiling = app.config.max_message_bytes.saturating_mul(2);
            ws.max_message_size(ceiling)
                .max_frame_size(ceiling)
                .on_upgrade(move |socket| async move {
                    let who: crate::auth::SignedIn = who;
                    let user_id = who.user.id.clone();
                    let device_id = who.device_id.clone();
                    let connection = Connection::new(who, app.hub.clone(), limits);
                    let registration =
                        app.connections
                            .register(connection.id(), &user_id, device_id.as_deref());
                    // Registered first, then checked once more: a device signed out between
                    // the credential check above and the registration is closed all the same.
                    let hung_up = match &device_id {
                        Some(device) => {
                            match crate::auth::device_still_signed_in(&app.store, device).await {
                                Ok(()) => None,
                                Err(crate::error::ApiError::DeviceRevoked(by)) => {
                                    Some(Hangup::DeviceRevoked(by))
                                }
                                Err(_) => Some(Hangup::SignedOut),
                            }
                        }
                        None => None,
                    };
                    crate::sync::socket::run(
                        socket,
                        connection,
                        app.hub.clone(),
                        app.config.idle_timeout(),
                        registration,
                        hung_up,
                    )
                    .await
                })
        })
}
