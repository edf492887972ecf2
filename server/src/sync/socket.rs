//! The WebSocket loop: moves frames between the socket and a [`Connection`], and hub events to
//! it. No protocol decisions are made here.

use super::connection::{Connection, Outcome};
use super::hub::Hub;
use super::registry::{Hangup, Registration};
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use warp::ws::{Message as WsMessage, WebSocket};

/// Runs one sync connection until the peer leaves, goes idle, a fatal protocol error, or the
/// server hangs up on it (its device signed out: `registration` fires). `hung_up` is a hangup
/// known before the loop starts (the device was signed out while the socket was opening).
pub async fn run(
    socket: WebSocket,
    mut connection: Connection,
    hub: Arc<Hub>,
    idle: Duration,
    mut registration: Registration,
    hung_up: Option<Hangup>,
) {
    let (mut tx, mut rx) = socket.split();
    let mut events = hub.subscribe();
    tracing::debug!(connection = connection.id(), "sync connection opened");
    if let Some(why) = hung_up {
        hang_up(&mut tx, &connection, why).await;
        return;
    }
    loop {
        let outcome = tokio::select! {
            why = &mut registration.hangup => {
                // Only `hang_up` removes the sender, and it sends first; an error cannot happen
                // while this loop holds the registration, but closing is the safe answer.
                hang_up(&mut tx, &connection, why.unwrap_or(Hangup::SignedOut)).await;
                break;
            },
            frame = tokio::time::timeout(idle, rx.next()) => match frame {
                Err(_) => {
                    let _ = tx.send(WsMessage::close_with(1000u16, "idle")).await;
                    break;
                }
                Ok(None) | Ok(Some(Err(_))) => break,
                Ok(Some(Ok(frame))) => {
                    if frame.is_binary() {
                        connection.on_frame(frame.as_bytes()).await
                    } else if frame.is_text() {
                        // automerge-repo speaks binary CBOR only; say so rather than guess.
                        connection.on_frame(&[]).await
                    } else if frame.is_close() {
                        break;
                    } else {
                        Outcome::default()
                    }
                }
            },
            event = events.recv() => match event {
                Ok(event) => connection.on_hub_event(event).await,
                Err(RecvError::Lagged(_)) => connection.resync_all().await,
                Err(RecvError::Closed) => break,
            },
        };
        for reply in outcome.replies {
            if tx.send(WsMessage::binary(reply.encode())).await.is_err() {
                return;
            }
        }
        if outcome.close {
            let _ = tx
                .send(WsMessage::close_with(1002u16, "protocol error"))
                .await;
            break;
        }
    }
    tracing::debug!(connection = connection.id(), "sync connection closed");
}

/// Tells the peer why the server is closing (a protocol `error` with a stable code, unless the
/// device should simply reconnect) and closes.
async fn hang_up(
    tx: &mut futures_util::stream::SplitSink<WebSocket, WsMessage>,
    connection: &Connection,
    why: Hangup,
) {
    tracing::info!(connection = connection.id(), reason = ?why, "server closed a sync connection");
    if let Some((code, message)) = why.error() {
        let error = connection.error_message(code, message);
        let _ = tx.send(WsMessage::binary(error.encode())).await;
    }
    let reason = match why {
        Hangup::AccessChanged => "access changed",
        Hangup::DeviceRevoked(_) | Hangup::SignedOut => "signed out",
    };
    // 1008: policy violation (the credential no longer holds); 1012: reconnect.
    let code = match why {
        Hangup::AccessChanged => 1012u16,
        _ => 1008u16,
    };
    let _ = tx.send(WsMessage::close_with(code, reason)).await;
}
