//! One sync connection's protocol logic: what to answer to each frame, with every document
//! message checked against the signed-in user's access.
//!
//! This module sees no socket: it takes bytes and hub events and returns the messages to send,
//! so its rules are tested by driving it directly.

use super::hub::{Authorship, DocGuard, Hub, HubEvent};
use crate::auth::{SignedIn, now_ms};
use crate::store::AuditEvent;
use automerge::Automerge;
use automerge::sync::State as SyncState;
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{ConsultationResponse, DocMeta, Record};
use hearth_shared::permissions::{self, Access};
use hearth_shared::protocol::{DocumentMessage, HandshakeEvent, Message, ServerHandshake};
use hearth_shared::rules::{self, Rejection};
use hearth_shared::sync;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT_CONNECTION: AtomicU64 = AtomicU64::new(1);

/// The `error` code that tells a peer a record it holds was erased and must be dropped.
pub const RECORD_ERASED: &str = "record_erased";

/// Limits that protect the server from one connection.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest frame accepted; larger ones get a `too_large` error.
    pub max_message_bytes: usize,
    /// Most documents one connection may sync.
    pub max_documents: usize,
}

/// The connection's view of one document it syncs.
struct PeerDoc {
    /// Our sync state with this peer for the document.
    state: SyncState,
    /// For a document the user may not read: an empty stand-in, so the replies are exactly
    /// those for a document that does not exist (no existence leak).
    stand_in: Option<Automerge>,
    /// The code of a change refused on this connection. Automerge never resends a change within
    /// one sync session, so every later change from this peer depends on the refused one and
    /// can never apply: the document stays refused until the peer reconnects.
    refused: Option<Rejection>,
    /// This connection's read of the document is in the audit (or needs none: the peer created
    /// it here). A read is audited once per connection, at its first sync.
    read_audited: bool,
}

impl PeerDoc {
    fn new(stand_in: Option<Automerge>) -> Self {
        Self {
            state: SyncState::new(),
            stand_in,
            refused: None,
            read_audited: false,
        }
    }
}

/// What the socket loop should do after a frame.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Messages to send, in order.
    pub replies: Vec<Message>,
    /// Close the connection after sending them.
    pub close: bool,
}

/// One signed-in peer's sync session.
pub struct Connection {
    id: u64,
    who: SignedIn,
    hub: Arc<Hub>,
    handshake: ServerHandshake,
    docs: HashMap<DocumentId, PeerDoc>,
    limits: Limits,
}

impl Connection {
    /// A new connection for a signed-in user.
    pub fn new(who: SignedIn, hub: Arc<Hub>, limits: Limits) -> Self {
        let handshake = ServerHandshake::new(hub.peer_id.clone(), hub.storage_id.clone());
        Self {
            id: NEXT_CONNECTION.fetch_add(1, Ordering::Relaxed),
            who,
            hub,
            handshake,
            docs: HashMap::new(),
            limits,
        }
    }

    /// This connection's id (for hub events).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Handles one binary frame from the peer.
    pub async fn on_frame(&mut self, frame: &[u8]) -> Outcome {
        if frame.len() > self.limits.max_message_bytes {
            return self.error(
                None,
                "too_large",
                "That message is larger than the server accepts.",
            );
        }
        let message = match Message::decode(frame) {
            Ok(m) => m,
            Err(e) => return self.error(None, e.code(), &e.to_string()),
        };
        match self.handshake.on_message(message) {
            HandshakeEvent::Joined { reply, .. } => Outcome {
                replies: vec![reply],
                close: false,
            },
            HandshakeEvent::Fatal { reply } => Outcome {
                replies: vec![reply],
                close: true,
            },
            HandshakeEvent::Reject { reply } => Outcome {
                replies: vec![reply],
                close: false,
            },
            HandshakeEvent::Ignored => Outcome::default(),
            HandshakeEvent::Document(message) => self.on_document(message).await,
        }
    }

    /// Handles a change or an ephemeral message from another connection.
    pub async fn on_hub_event(&mut self, event: HubEvent) -> Outcome {
        match event {
            HubEvent::Changed {
                document,
                by_connection,
            } if by_connection != self.id => self.push_heads(document).await,
            HubEvent::Ephemeral {
                document,
                from_connection,
                message,
            } if from_connection != self.id => {
                let readable = self
                    .docs
                    .get(&document)
                    .is_some_and(|d| d.stand_in.is_none());
                if !readable || !self.access(document).await.can_read() {
                    return Outcome::default();
                }
                let message = match message {
                    Message::Ephemeral {
                        sender_id,
                        document_id,
                        session_id,
                        count,
                        data,
                        ..
                    } => Message::Ephemeral {
                        sender_id,
                        target_id: self.remote(),
                        document_id,
                        session_id,
                        count,
                        data,
                    },
                    _ => return Outcome::default(),
                };
                Outcome {
                    replies: vec![message],
                    close: false,
                }
            }
            HubEvent::Erased { document } => {
                // Only a peer syncing it, that could read it, is told; the access was checked
                // when it opened the document on this connection.
                match self.docs.remove(&document) {
                    Some(peer) if peer.stand_in.is_none() => self.erased(document),
                    _ => Outcome::default(),
                }
            }
            _ => Outcome::default(),
        }
    }

    /// After missed hub events: offer every readable document again.
    pub async fn resync_all(&mut self) -> Outcome {
        let ids: Vec<DocumentId> = self.docs.keys().copied().collect();
        let mut out = Outcome::default();
        for id in ids {
            out.replies.extend(self.push_heads(id).await.replies);
        }
        out
    }

    async fn access(&self, id: DocumentId) -> Access {
        match self.hub.meta(id).await {
            Ok(Some(meta)) => self.access_of(id, &meta),
            _ => Access::None,
        }
    }

    /// The user's access to a stored document: the role rules, narrowed to one consultation
    /// for a kiosk tablet's account.
    fn access_of(&self, id: DocumentId, meta: &DocMeta) -> Access {
        let access = permissions::access(&self.who.actor, meta);
        permissions::kiosk_access(self.who.kiosk_consultation(), id, meta, access)
    }

    /// The protocol `error` (not about any one document) the server sends before it closes
    /// the connection on its own initiative (the device was signed out).
    pub fn error_message(&self, code: &str, message: &str) -> Message {
        let mut outcome = self.error(None, code, message);
        outcome.replies.remove(0)
    }

    /// Sends the peer what it lacks of a document that changed elsewhere, if it may see it.
    async fn push_heads(&mut self, id: DocumentId) -> Outcome {
        if !self
            .docs
            .get(&id)
            .is_some_and(|d| d.stand_in.is_none() && d.refused.is_none())
        {
            return Outcome::default();
        }
        let guard = match self.hub.open(id).await {
            Ok(g) => g,
            Err(_) => return Outcome::default(),
        };
        let access = guard
            .get()
            .meta
            .as_ref()
            .map(|m| self.access_of(id, m))
            .unwrap_or(Access::None);
        let peer = self.docs.get_mut(&id).expect("checked above");
        let reply = match access {
            Access::Read | Access::ReadWrite => sync::outgoing(&guard.get().doc, &mut peer.state),
            Access::WriteOnly => sync::outgoing_without_content(&guard.get().doc, &mut peer.state),
            Access::None => None,
        };
        drop(guard);
        Outcome {
            replies: reply
                .map(|data| self.sync_message(id, data))
                .into_iter()
                .collect(),
            close: false,
        }
    }

    async fn on_document(&mut self, message: DocumentMessage) -> Outcome {
        match message {
            DocumentMessage::Request { document_id, data } => {
                self.on_sync(document_id, data, true).await
            }
            DocumentMessage::Sync { document_id, data } => {
                self.on_sync(document_id, data, false).await
            }
            DocumentMessage::Ephemeral {
                document_id,
                session_id,
                count,
                data,
            } => {
                if !self.access(document_id).await.can_read() {
                    return self.unavailable(document_id);
                }
                self.hub.publish(HubEvent::Ephemeral {
                    document: document_id,
                    from_connection: self.id,
                    message: Message::Ephemeral {
                        sender_id: self.remote(),
                        target_id: self.hub.peer_id.clone(),
                        document_id: document_id.to_string(),
                        session_id,
                        count,
                        data,
                    },
                });
                Outcome::default()
            }
        }
    }

    /// A `sync` (or `request`: the peer has nothing yet) for one document.
    async fn on_sync(&mut self, id: DocumentId, data: Vec<u8>, is_request: bool) -> Outcome {
        if !self.docs.contains_key(&id) && self.docs.len() >= self.limits.max_documents {
            return self.error(
                Some(id),
                "too_many_documents",
                "This connection has too many documents open; reconnect to sync the rest.",
            );
        }
        // Unsettled: typing may be taken without applying the typing before it (see `apply`).
        let mut guard = match self.hub.open_unsettled(id).await {
            Ok(g) => g,
            Err(e) => {
                tracing::error!(document = %id, error = %e, "could not open document");
                return self.error(
                    Some(id),
                    "internal",
                    "The server could not open that record.",
                );
            }
        };
        if let Some(tombstone) = guard.get().erased.as_ref() {
            let could_read = self.access_of(id, tombstone).can_read();
            drop(guard);
            self.docs.remove(&id);
            return match (could_read, is_request) {
                (true, _) => self.erased(id),
                // Never readable by this user: exactly the replies for an unknown id, and any
                // change refused, so an old copy can never bring the record back.
                (false, true) => self.unavailable(id),
                (false, false) => self.on_stand_in_sync(id, &data),
            };
        }
        let access = guard.get().meta.as_ref().map(|m| self.access_of(id, m));
        match (access, is_request) {
            // Asking for a document one may not read, may only write, or that does not exist:
            // the same answer in every case.
            (None | Some(Access::None | Access::WriteOnly), true) => {
                self.docs.remove(&id);
                self.unavailable(id)
            }
            (Some(Access::None), false) => {
                drop(guard);
                self.on_stand_in_sync(id, &data)
            }
            (_, _) => {
                let creating = access.is_none();
                self.apply(id, &mut guard, &data, creating).await
            }
        }
    }

    /// Applies a peer's message to a stored (or not yet stored) document it may use.
    async fn apply(
        &mut self,
        id: DocumentId,
        guard: &mut DocGuard,
        data: &[u8],
        creating: bool,
    ) -> Outcome {
        let peer = self.docs.entry(id).or_insert_with(|| PeerDoc::new(None));
        if peer.stand_in.is_some() {
            // The document was unreadable earlier on this connection; start over honestly.
            *peer = PeerDoc::new(None);
        }
        if let Some(rejection) = peer.refused.clone() {
            return self.error(Some(id), rejection.code(), &rejection.to_string());
        }
        // Applied to the document itself, not a copy (a copy costs time in proportion to the
        // history on every message): every way out below that does not commit the changes
        // discards the document, so memory again holds only what the store holds.
        let message = match sync::decode(data) {
            Ok(m) => m,
            Err(e) => return self.error(Some(id), e.code(), &e.to_string()),
        };
        if !creating && let Some(outcome) = self.take_typing(id, guard, &message).await {
            return outcome;
        }
        if let Err(e) = guard.settle() {
            tracing::error!(document = %id, error = %e, "pending typing does not apply");
            return self.error(
                Some(id),
                "internal",
                "The server could not open that record.",
            );
        }
        let peer = self.docs.get_mut(&id).expect("inserted above");
        let received = match sync::receive_in_place(guard.doc_mut(), &peer.state, message) {
            Ok(r) => r,
            Err(e) => {
                guard.discard();
                return self.error(Some(id), e.code(), &e.to_string());
            }
        };
        let mut compaction_due = false;
        if let Some(chunk) = received.new_chunk {
            let checked = self.check(id, guard, creating).await.and_then(|record| {
                let authorship = self.authorship(id, guard, &received.new_changes, None)?;
                Ok((record, authorship))
            });
            let (record, authorship) = match checked {
                Ok(checked) => checked,
                Err(rejection) => {
                    guard.discard();
                    if let Some(peer) = self.docs.get_mut(&id) {
                        peer.refused = Some(rejection.clone());
                    }
                    return self.reject(id, rejection).await;
                }
            };
            match self
                .hub
                .commit(id, guard, chunk, record, now_ms(), authorship)
                .await
            {
                Ok(due) => compaction_due = due,
                // The hub has discarded the uncommitted document.
                Err(e) => return self.commit_failed(id, &e),
            }
            self.publish_changed(id);
        }
        if received.waiting
            && let Err(e) = self.hub.reload(id, guard).await
        {
            // Changes waiting for dependencies are not kept between messages, committed or not
            // (another peer's message could complete them, and they would be checked as that
            // peer's): reloading drops them, and the reply below asks this peer to send them
            // again with what they lack.
            tracing::error!(document = %id, error = %e, "could not reload document");
            return self.error(
                Some(id),
                "internal",
                "The server could not open that record.",
            );
        }
        if compaction_due {
            // After the acknowledgement below is sent: the task waits for this document's lock.
            let hub = self.hub.clone();
            tokio::spawn(async move { hub.compact_if_due(id).await });
        }
        let access = guard.get().meta.as_ref().map(|m| self.access_of(id, m));
        self.audit_first_read(id, creating, access);
        let peer = self.docs.get_mut(&id).expect("inserted above");
        peer.state = received.state;
        // Changes left waiting were dropped by the reload above.
        let dropped = received.waiting;
        let reply = match access {
            Some(Access::WriteOnly) => {
                // The same reset, without naming changes the peer may not know of.
                peer.state.needs_reset |= dropped;
                sync::outgoing_without_content(&guard.get().doc, &mut peer.state)
            }
            // Just created by this peer (whatever it may do next), or readable.
            _ if dropped => {
                sync::outgoing_after_dropping(&guard.get().doc, &mut peer.state, &received.missing)
            }
            _ => sync::outgoing(&guard.get().doc, &mut peer.state),
        };
        Outcome {
            replies: reply
                .map(|d| self.sync_message(id, d))
                .into_iter()
                .collect(),
            close: false,
        }
    }

    /// The fast path for typing (`sync::typing`): a message that only types into texts the user
    /// may rewrite freely in the record's current state is checked from its ops, committed and
    /// acknowledged without being applied to the document (applying one keystroke costs time in
    /// proportion to the text's history in automerge 0.12). `None`: not typing, or not this
    /// user's to type; take the ordinary path, which settles pending typing first.
    async fn take_typing(
        &mut self,
        id: DocumentId,
        guard: &mut DocGuard,
        message: &automerge::sync::Message,
    ) -> Option<Outcome> {
        if self.who.kiosk_consultation().is_some() {
            return None;
        }
        let loaded = guard.get();
        let (meta, record) = (loaded.meta.as_ref()?, loaded.record.as_ref()?);
        if self.access_of(id, meta) != Access::ReadWrite {
            return None;
        }
        let editable = rules::workflow::freely_edited_texts(record, &self.who.actor);
        if editable.is_empty() {
            return None;
        }
        let peer = self.docs.get(&id)?;
        let accepted = guard.check_typing(editable, &peer.state, message)?;
        // Changes under another user's actor: the ordinary path refuses them.
        let authorship = self
            .authorship(id, guard, accepted.changes(), Some(&accepted.fields))
            .ok()?;
        let state = accepted.state.clone();
        let reply = accepted.reply.clone();
        let due = match self
            .hub
            .commit_typing(id, guard, accepted, now_ms(), authorship)
            .await
        {
            Ok(due) => due,
            // Nothing was kept in memory: the store and the document are as before.
            Err(e) => return Some(self.commit_failed(id, &e)),
        };
        self.publish_changed(id);
        if due {
            let hub = self.hub.clone();
            tokio::spawn(async move { hub.compact_if_due(id).await });
        }
        self.docs.get_mut(&id).expect("checked above").state = state;
        self.audit_first_read(id, false, Some(Access::ReadWrite));
        Some(Outcome {
            replies: reply
                .map(|data| self.sync_message(id, data))
                .into_iter()
                .collect(),
            close: false,
        })
    }

    /// What the store keeps about who sent `changes` (in the guard's document, unless typing
    /// names the `fields` it types into): the actors they claim for this user, refused if one
    /// is another user's, and the `change_accepted` audit row naming the fields they touch.
    fn authorship(
        &self,
        id: DocumentId,
        guard: &DocGuard,
        changes: &[automerge::Change],
        fields: Option<&[String]>,
    ) -> Result<Authorship, Rejection> {
        let at_ms = now_ms();
        let claims =
            guard
                .get()
                .claims_for(&self.who.user.id, &sync::changes::actors(changes), at_ms)?;
        let fields = match fields {
            Some(fields) => fields.join(","),
            None => sync::changes::touched_fields(&guard.get().doc, changes).join(","),
        };
        Ok(Authorship {
            claims,
            audit: AuditEvent {
                at_ms,
                user_id: Some(self.who.user.id.clone()),
                action: "change_accepted".into(),
                document_id: Some(id),
                subject: None,
                detail: fields,
            },
        })
    }

    /// Schema, workflow and role checks of the guard's document, which holds the peer's
    /// changes (not yet committed), against the record as last committed.
    async fn check(
        &self,
        id: DocumentId,
        guard: &DocGuard,
        creating: bool,
    ) -> Result<Record, Rejection> {
        let record = rules::validate(&guard.get().doc)?;
        let before = if creating {
            None
        } else {
            guard.get().record.as_ref()
        };
        rules::check_change(before, &record, &self.who.actor)?;
        let meta = record.meta();
        if let Some(bound) = self.who.kiosk_consultation()
            && !permissions::within_kiosk_binding(bound, id, &meta)
        {
            return Err(Rejection::Forbidden(
                "This tablet is set up for another consultation.".into(),
            ));
        }
        if creating && let Some(home) = &meta.home_id {
            let archived = self.hub.home_archived(home).await.map_err(|e| {
                tracing::error!(document = %id, error = %e, "could not look up a home");
                Rejection::Forbidden("The server could not check that home. Try again.".into())
            })?;
            rules::check_home_takes_records(creating, archived)?;
        }
        if let Record::ConsultationResponse(response) = &record {
            let before = match before {
                Some(Record::ConsultationResponse(b)) => Some(b),
                _ => None,
            };
            self.check_fits_consultation(id, before, response).await?;
        }
        Ok(record)
    }

    /// A response must answer an open consultation, and each answer must fit its question.
    /// The consultation is another document: loaded here, checked by the shared rule.
    async fn check_fits_consultation(
        &self,
        response_id: DocumentId,
        before: Option<&ConsultationResponse>,
        response: &ConsultationResponse,
    ) -> Result<(), Rejection> {
        let closed =
            || Rejection::ConsultationClosed("That consultation is not taking answers.".into());
        let id = DocumentId::from_url(&response.consultation_id).map_err(|_| closed())?;
        if id == response_id {
            // Its own lock is held: opening it again would wait forever.
            return Err(closed());
        }
        let guard = self.hub.open(id).await.map_err(|_| closed())?;
        match &guard.get().record {
            Some(Record::Consultation(consultation)) => {
                rules::check_response_fits(before, response, consultation)
            }
            _ => Err(closed()),
        }
    }

    /// A `sync` for a stored document the user may not read: answered against an empty
    /// stand-in, exactly as for a document that does not exist; any change is refused.
    fn on_stand_in_sync(&mut self, id: DocumentId, data: &[u8]) -> Outcome {
        let peer = self
            .docs
            .entry(id)
            .or_insert_with(|| PeerDoc::new(Some(Automerge::new())));
        let stand_in = peer.stand_in.get_or_insert_with(Automerge::new);
        let proposal = match sync::receive(stand_in, &peer.state, data) {
            Ok(p) => p,
            Err(e) => return self.error(Some(id), e.code(), &e.to_string()),
        };
        if proposal.new_chunk.is_some() {
            let rejection = match rules::validate(&proposal.doc)
                .and_then(|r| rules::check_change(None, &r, &self.who.actor))
            {
                Err(r) => r,
                Ok(()) => {
                    Rejection::Forbidden("You do not have permission to change that record.".into())
                }
            };
            return self.error(Some(id), rejection.code(), &rejection.to_string());
        }
        peer.state = proposal.state;
        let reply = sync::outgoing(stand_in, &mut peer.state);
        Outcome {
            replies: reply
                .map(|d| self.sync_message(id, d))
                .into_iter()
                .collect(),
            close: false,
        }
    }

    /// Audits this connection's first sync of a stored document the user may read
    /// (`record_read`, detail `sync`): every read of a record is in the audit. A document the
    /// peer has just created is its own, not a read. The row is written beside the reply, not
    /// before it: a peer syncs each of its records at connect, one after another, and waiting
    /// for a durable write each time would hold that up by an fsync per record.
    fn audit_first_read(&mut self, id: DocumentId, creating: bool, access: Option<Access>) {
        let Some(peer) = self.docs.get_mut(&id) else {
            return;
        };
        if peer.read_audited {
            return;
        }
        peer.read_audited = true;
        if creating || !matches!(access, Some(Access::Read | Access::ReadWrite)) {
            return;
        }
        let event = AuditEvent {
            at_ms: now_ms(),
            user_id: Some(self.who.user.id.clone()),
            action: "record_read".into(),
            document_id: Some(id),
            subject: self.who.device_id.clone(),
            detail: "sync".into(),
        };
        let hub = self.hub.clone();
        tokio::spawn(async move {
            if let Err(e) = hub.audit(event).await {
                tracing::error!(error = %e, "could not write audit row");
            }
        });
    }

    /// Records a refused change in the audit log and tells the peer why.
    async fn reject(&self, id: DocumentId, rejection: Rejection) -> Outcome {
        let event = AuditEvent {
            at_ms: now_ms(),
            user_id: Some(self.who.user.id.clone()),
            action: "change_rejected".into(),
            document_id: Some(id),
            subject: None,
            detail: rejection.code().into(),
        };
        if let Err(e) = self.hub.audit(event).await {
            tracing::error!(error = %e, "could not write audit row");
        }
        tracing::info!(document = %id, user = %self.who.user.id, code = rejection.code(), "change rejected");
        self.error(Some(id), rejection.code(), &rejection.to_string())
    }

    fn remote(&self) -> String {
        self.handshake
            .remote_peer_id()
            .unwrap_or_default()
            .to_string()
    }

    fn sync_message(&self, id: DocumentId, data: Vec<u8>) -> Message {
        Message::Sync {
            sender_id: self.hub.peer_id.clone(),
            target_id: self.remote(),
            document_id: id.to_string(),
            data,
        }
    }

    /// The tombstone a peer that could read `id` is given: Hearth's `error` with the code
    /// `record_erased`. Current clients drop their copy; older ones show it as refused, as for
    /// any refused record, and never send it again.
    fn erased(&self, id: DocumentId) -> Outcome {
        self.error(
            Some(id),
            RECORD_ERASED,
            "This record has been erased and is no longer held anywhere.",
        )
    }

    fn unavailable(&self, id: DocumentId) -> Outcome {
        Outcome {
            replies: vec![Message::DocUnavailable {
                sender_id: self.hub.peer_id.clone(),
                target_id: self.remote(),
                document_id: id.to_string(),
            }],
            close: false,
        }
    }

    /// The reply when a checked change could not be stored: the device keeps it and resends.
    fn commit_failed(&self, id: DocumentId, error: &dyn std::fmt::Display) -> Outcome {
        tracing::error!(document = %id, %error, "commit failed");
        self.error(
            Some(id),
            "internal",
            "The server could not save that change. It is still on your device; try again.",
        )
    }

    /// Tells the other connections syncing `id` that it gained committed changes.
    fn publish_changed(&self, id: DocumentId) {
        self.hub.publish(HubEvent::Changed {
            document: id,
            by_connection: self.id,
        });
    }

    fn error(&self, id: Option<DocumentId>, code: &str, message: &str) -> Outcome {
        Outcome {
            replies: vec![Message::Error {
                sender_id: Some(self.hub.peer_id.clone()),
                target_id: self.handshake.remote_peer_id().map(str::to_string),
                message: message.to_string(),
                document_id: id.map(|i| i.to_string()),
                code: Some(code.to_string()),
            }],
            close: false,
        }
    }
}
