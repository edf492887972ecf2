//! `GET /sync`: authenticates before upgrading to a WebSocket. No credential, no upgrade (401).

use super::{session::sync_credential, with_app};
use crate::app::App;
use crate::auth::SESSION_COOKIE;
use crate::sync::connection::{Connection, Limits};
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
                .on_upgrade(move |socket| {
                    let connection = Connection::new(who, app.hub.clone(), limits);
                    crate::sync::socket::run(
                        socket,
                        connection,
                        app.hub.clone(),
                        app.config.idle_timeout(),
                    )
                })
        })
}
