//! Several Hearth servers on one store: acting here on what the others commit.
//!
//! The store announces each change another server commits ([`RemoteEvent`]); this task turns
//! them into what a change made here would have done. A document changed elsewhere is caught
//! up from the store (only the chunks it lacks) and pushed to the peers syncing it here, after
//! the access check every push makes; an erasure elsewhere reaches the peers that could read the
//! record; a user whose sessions or access changed elsewhere has each open connection here
//! checked against the store and closed with the reason a local change would have given (a
//! revoked device is refused on every server at once). With the embedded SQLite nothing is announced and nothing runs.

use crate::state::App;
use crate::store::remote::RemoteEvent;
use crate::sync::registry::Hangup;
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::watch;

/// Starts acting on other servers' announcements until `stopped`, if the store has any.
pub fn spawn(app: Arc<App>, mut stopped: watch::Receiver<bool>) {
    let Some(mut events) = app.store.remote_events() else {
        return;
    };
    tokio::spawn(async move {
        loop {
            let event = tokio::select! {
                _ = stopped.changed() => break,
                event = events.recv() => event,
            };
            match event {
                Ok(event) => act(&app, event).await,
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "fell behind other servers' announcements");
                    act(&app, RemoteEvent::Resync).await;
                }
                Err(RecvError::Closed) => break,
            }
        }
    });
}

/// Does here what the announced change calls for.
pub async fn act(app: &App, event: RemoteEvent) {
    match event {
        RemoteEvent::Document(id) => app.hub.changed_elsewhere(id).await,
        RemoteEvent::Erased(id) => app.hub.erased_elsewhere(id).await,
        RemoteEvent::User(user_id) => recheck_user(app, &user_id).await,
        RemoteEvent::Resync => {
            app.hub.resync().await;
            // A missed revocation must not leave a device syncing: every device reconnects
            // and is checked as it does.
            app.connections.hang_up_all(Hangup::AccessChanged);
        }
    }
}

/// Checks each open connection of `user_id` against the store and closes it: with the reason a
/// local change gives when its session or account no longer lets it sync, otherwise so that it
/// reconnects and is checked against what it may now read.
async fn recheck_user(app: &App, user_id: &str) {
    let connections = &app.connections;
    match app.store.user(user_id).await {
        Ok(Some(user)) if !user.disabled => {}
        Ok(_) => {
            connections.hang_up_user(user_id, None, Hangup::SignedOut);
            return;
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not read an account changed elsewhere");
            connections.hang_up_user(user_id, None, Hangup::AccessChanged);
            return;
        }
    }
    let now_ms = crate::auth::now_ms();
    for device in connections.devices_of(user_id) {
        let Some(device) = device else {
            connections.hang_up_sessionless(user_id, Hangup::AccessChanged);
            continue;
        };
        let why = match app.store.session_by_device(&device).await {
            Ok(Some(session)) => match session.revoked {
                Some(by) => Hangup::DeviceRevoked(by),
                None if session.expires_at_ms <= now_ms => Hangup::SignedOut,
                None => Hangup::AccessChanged,
            },
            Ok(None) => Hangup::SignedOut,
            Err(e) => {
                tracing::warn!(error = %e, "could not read a session changed elsewhere");
                Hangup::AccessChanged
            }
        };
        connections.hang_up_device(&device, why);
    }
}
