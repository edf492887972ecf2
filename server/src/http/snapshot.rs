//! `GET /api/documents/snapshot` and `POST /api/documents/snapshot`: the bulk download a new
//! device's first sync starts with — every record (or the asked ones) the user may read, as
//! compacted Automerge documents with their heads, in one streamed reply.
//!
//! Syncing a caseload one document at a time costs one protocol exchange per record; this
//! costs one request. The rule is the sync path's own: [`permissions::access`] narrowed by
//! [`permissions::kiosk_access`], and only `Read`/`ReadWrite` documents are sent (write-only
//! kiosks' answers and everything unreadable are never included). A forbidden id asked for is
//! left out exactly like an unknown one, so the two replies are byte-identical. The body's
//! format is [`hearth_shared::snapshot`]; afterwards the device syncs as usual and only what
//! changed since the download travels.

use super::{json_body, signed_in, with_app};
use crate::auth::SignedIn;
use crate::error::ApiError;
use crate::state::App;
use crate::store::{AuditEvent, DocumentSummary};
use bytes::Bytes;
use hearth_shared::ids::DocumentId;
use hearth_shared::permissions::{self, Access};
use hearth_shared::snapshot::{self, SnapshotEntry};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use tokio::sync::mpsc;
use warp::{Filter, Rejection, Reply};

/// Documents read from the store and encoded per step: bounds the server's memory to a page of
/// records (plus the two pages the channel holds) whatever the caseload.
const PAGE: usize = 64;

/// Most ids one `POST` may ask for.
const MAX_IDS: usize = 1_000;

/// The body of `POST /api/documents/snapshot`.
#[derive(Deserialize)]
struct Wanted {
    ids: Vec<String>,
}

/// The bulk download routes.
pub fn routes(app: Arc<App>) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    let all = warp::path!("api" / "documents" / "snapshot")
        .and(warp::get())
        .and(with_app(app.clone()))
        .and(signed_in(app.clone()))
        .and_then(|app: Arc<App>, who: SignedIn| download(app, who, None));
    let some = warp::path!("api" / "documents" / "snapshot")
        .and(warp::post())
        .and(with_app(app.clone()))
        .and(signed_in(app))
        .and(json_body::<Wanted>())
        .and_then(|app: Arc<App>, who: SignedIn, wanted: Wanted| download(app, who, Some(wanted)));
    all.or(some)
}

/// What `who` may read of a document: the sync connection's rule, kiosk binding included.
fn may_read(who: &SignedIn, id: DocumentId, meta: &hearth_shared::model::DocMeta) -> bool {
    let access = permissions::access(&who.actor, meta);
    matches!(
        permissions::kiosk_access(who.kiosk_consultation(), id, meta, access),
        Access::Read | Access::ReadWrite
    )
}

async fn download(
    app: Arc<App>,
    who: SignedIn,
    wanted: Option<Wanted>,
) -> Result<warp::reply::Response, Rejection> {
    let asked = match wanted {
        Some(w) => Some(parse_ids(w).map_err(warp::reject::custom)?),
        None => None,
    };
    let summaries = app
        .store
        .list_documents()
        .await
        .map_err(|e| warp::reject::custom(ApiError::from(e)))?;
    let offered = offered(&who, summaries, asked);
    // Audited before anything is sent, in one transaction: no audit rows, no download. The
    // download's count, then each record as read (`record_read`, detail `download`), so "who
    // has read this record" finds a new device's bulk download as it finds a sync.
    let at_ms = app.clock.now_ms();
    let read = |document_id: Option<DocumentId>, action: &str, detail: String| AuditEvent {
        at_ms,
        user_id: Some(who.user.id.clone()),
        action: action.into(),
        document_id,
        subject: who.device_id.clone(),
        detail,
    };
    let rows = std::iter::once(read(
        None,
        "documents_downloaded",
        offered.len().to_string(),
    ))
    .chain(
        offered
            .iter()
            .map(|(id, _)| read(Some(*id), "record_read", "download".into())),
    )
    .collect();
    app.store
        .audit_all(rows)
        .await
        .map_err(|e| warp::reject::custom(ApiError::from(e)))?;
    let (tx, mut rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(2);
    tokio::spawn(send_pages(app, who, offered, tx));
    let body = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    let reply = warp::reply::with_header(
        warp::reply::stream(body),
        "content-type",
        snapshot::CONTENT_TYPE,
    );
    Ok(reply.into_response())
}

/// The asked ids, once each; a malformed one is a bad request (it names no document at all).
fn parse_ids(wanted: Wanted) -> Result<Vec<DocumentId>, ApiError> {
    if wanted.ids.len() > MAX_IDS {
        return Err(ApiError::BadRequest(format!(
            "Ask for at most {MAX_IDS} records at a time."
        )));
    }
    let mut seen = HashSet::new();
    let mut ids = Vec::with_capacity(wanted.ids.len());
    for raw in &wanted.ids {
        let id = raw
            .parse::<DocumentId>()
            .map_err(|_| ApiError::BadRequest("A record id is not valid.".into()))?;
        if seen.insert(id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// The documents to send, in the listing's order (most recently changed first) or in the order
/// asked: only those `who` may read. An unknown id and a forbidden one are both simply absent.
fn offered(
    who: &SignedIn,
    summaries: Vec<DocumentSummary>,
    asked: Option<Vec<DocumentId>>,
) -> Vec<(DocumentId, i64)> {
    let readable = summaries
        .into_iter()
        .filter(|s| may_read(who, s.id, &s.meta))
        .map(|s| (s.id, s.updated_at_ms));
    match asked {
        None => readable.collect(),
        Some(ids) => {
            let readable: HashMap<DocumentId, i64> = readable.collect();
            ids.into_iter()
                .filter_map(|id| readable.get(&id).map(|at| (id, *at)))
                .collect()
        }
    }
}

/// Reads, checks and encodes the documents a page at a time and sends the frames, then the end
/// frame. A store failure ends the body without the end frame (the client keeps what arrived);
/// a client that went away stops the reading.
async fn send_pages(
    app: Arc<App>,
    who: SignedIn,
    offered: Vec<(DocumentId, i64)>,
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
) {
    for page in offered.chunks(PAGE) {
        let updated: HashMap<DocumentId, i64> = page.iter().copied().collect();
        let ids = page.iter().map(|(id, _)| *id).collect();
        let stored = match app.store.load_documents(ids).await {
            Ok(stored) => stored,
            Err(e) => {
                tracing::error!(error = %e, "bulk download: reading documents failed");
                let _ = tx.send(Err(std::io::Error::other("storage failed"))).await;
                return;
            }
        };
        // Checked again on the metadata read with the bytes: a record may have moved home or
        // changed state since the listing.
        let stored: Vec<_> = stored
            .into_iter()
            .filter(|(id, doc)| may_read(&who, *id, &doc.meta))
            .collect();
        let frames = tokio::task::spawn_blocking(move || {
            let mut out = Vec::new();
            for (id, doc) in stored {
                let at = updated.get(&id).copied().unwrap_or_default();
                match SnapshotEntry::from_chunks(id, doc.meta, at, &doc.chunks) {
                    Ok(entry) => out.extend_from_slice(&entry.to_frame()),
                    // Left out: the device gets it over sync, which reports the fault.
                    Err(e) => tracing::error!(document = %id, error = %e, "bulk download"),
                }
            }
            out
        })
        .await;
        let Ok(frames) = frames else {
            let _ = tx.send(Err(std::io::Error::other("encoding failed"))).await;
            return;
        };
        if tx.send(Ok(Bytes::from(frames))).await.is_err() {
            return;
        }
    }
    let _ = tx.send(Ok(Bytes::from_static(&snapshot::END))).await;
}
