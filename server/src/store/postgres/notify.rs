//! Hearing what other servers commit: one connection of its own that `LISTEN`s on
//! [`CHANNEL`] and passes each announcement on as a [`RemoteEvent`].
//!
//! The announcing side is the committing transaction's own `pg_notify` ([`announce`]):
//! PostgreSQL delivers it only if and when that transaction commits, so no server hears of a
//! change it cannot read yet, nor of one rolled back. Announcements are not stored: a listener
//! that was disconnected may have missed some, so after every reconnection it passes on
//! [`RemoteEvent::Resync`] and the server treats everything as changed.

use std::time::Duration;

use futures_util::StreamExt as _;
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio_postgres::AsyncMessage;

use super::connect::ConnectSettings;
use crate::store::remote::RemoteEvent;

/// The one channel every announcement goes through.
pub(super) const CHANNEL: &str = "hearth_events";

/// Announcements buffered for a server that falls behind before it is told it lagged (and
/// then resyncs).
const BUFFER: usize = 4096;

/// The longest pause between attempts to listen again after the connection dropped.
const MOST_BACKOFF: Duration = Duration::from_secs(5);

/// Announces `payload` (see [`RemoteEvent`]) from inside the caller's transaction.
pub(super) async fn announce(
    client: &impl tokio_postgres::GenericClient,
    payload: &str,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &payload])
        .await
        .map(|_| ())
}

/// A running listener; dropping it stops the task and closes its connection.
pub(super) struct Listener {
    events: broadcast::Sender<RemoteEvent>,
    _stop: oneshot::Sender<()>,
}

impl Listener {
    /// Starts listening with `connect` (the store's own connection settings and TLS
    /// connector), ignoring the announcements of `instance` (this process). Must run inside
    /// the tokio runtime.
    pub(super) fn start(connect: ConnectSettings, instance: String) -> Self {
        let (events, _) = broadcast::channel(BUFFER);
        let (stop, mut stopped) = oneshot::channel();
        let sender = events.clone();
        tokio::spawn(async move {
            let mut backoff = Duration::from_millis(100);
            let mut reconnecting = false;
            loop {
                tokio::select! {
                    _ = &mut stopped => return,
                    ended = listen(&connect, &instance, &sender, reconnecting) => {
                        if let Err(e) = ended {
                            tracing::warn!(error = %super::describe(&e), "listening for other servers' changes failed; retrying");
                        }
                    }
                }
                reconnecting = true;
                tokio::select! {
                    _ = &mut stopped => return,
                    _ = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(MOST_BACKOFF);
            }
        });
        Self {
            events,
            _stop: stop,
        }
    }

    /// A new receiver of what other servers commit from now on.
    pub(super) fn subscribe(&self) -> broadcast::Receiver<RemoteEvent> {
        self.events.subscribe()
    }
}

/// One listening connection's life: until it drops (`Ok`) or fails to start (`Err`).
async fn listen(
    connect: &ConnectSettings,
    instance: &str,
    sender: &broadcast::Sender<RemoteEvent>,
    reconnected: bool,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = connect.connect().await?;
    let (payloads, mut received) = mpsc::unbounded_channel::<String>();
    // The connection delivers notifications only while polled; this drives it.
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(n)) => {
                    if payloads.send(n.payload().to_owned()).is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    });
    client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
    if reconnected {
        // Whatever was announced while no connection listened is lost.
        let _ = sender.send(RemoteEvent::Resync);
    }
    while let Some(payload) = received.recv().await {
        match RemoteEvent::parse(&payload, instance) {
            Some(event) => {
                let _ = sender.send(event);
            }
            None => tracing::trace!("announcement ignored (this server's own, or unknown)"),
        }
    }
    drop(client);
    match driver.await {
        Ok(result) => result,
        Err(_) => Ok(()),
    }
}
