//! The WebSocket loop: moves frames between the socket and a [`Connection`], and hub events to
//! it. No protocol decisions are made here.

use super::connection::{Connection, Outcome};
use super::hub::Hub;
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use warp::ws::{Message as WsMessage, WebSocket};

/// Runs one sync connection until the peer leaves, goes idle, or a fatal protocol error.
pub async fn run(socket: WebSocket, mut connection: Connection, hub: Arc<Hub>, idle: Duration) {
    let (mut tx, mut rx) = socket.split();
    let mut events = hub.subscribe();
    tracing::debug!(connection = connection.id(), "sync connection opened");
    loop {
        let outcome = tokio::select! {
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
