//! The engine against an in-memory server that follows Hearth's rules: changes are applied to a
//! copy, checked with the shared workflow rules, kept only if allowed, and acknowledged after.

use std::collections::{HashMap, HashSet};

use automerge::Automerge;
use hearth_shared::model::{Inspection, VisitNote};
use hearth_shared::permissions::{Actor, Role};
use hearth_shared::protocol::{DocumentMessage, HandshakeEvent, ServerHandshake};
use hearth_shared::rules;

use super::*;

const NOW: i64 = 1_780_000_000_000;

fn member() -> Actor {
    Actor {
        user_id: "u-member".into(),
        role: Role::Member,
        homes: vec!["home-1".into()],
    }
}

/// The server's stored documents, shared by all connections.
#[derive(Default)]
struct Server {
    docs: HashMap<DocumentId, Automerge>,
    /// Records erased on the server: a sync about one gets the tombstone.
    erased: HashSet<DocumentId>,
}

/// One connection's server side.
struct Conn {
    handshake: ServerHandshake,
    actor: Actor,
    states: HashMap<DocumentId, sync::State>,
    refused: HashSet<DocumentId>,
}

impl Conn {
    fn new(actor: Actor) -> Self {
        Self {
            handshake: ServerHandshake::new("server".into(), "storage".into()),
            actor,
            states: HashMap::new(),
            refused: HashSet::new(),
        }
    }

    fn handle(&mut self, server: &mut Server, frame: &[u8]) -> Vec<Vec<u8>> {
        match self.handshake.on_frame(frame) {
            HandshakeEvent::Joined { reply, .. } => vec![reply.encode()],
            HandshakeEvent::Reject { reply } | HandshakeEvent::Fatal { reply } => {
                vec![reply.encode()]
            }
            HandshakeEvent::Ignored => vec![],
            HandshakeEvent::Document(message) => match message {
                DocumentMessage::Sync { document_id, data } => {
                    self.on_sync(server, document_id, &data, false)
                }
                DocumentMessage::Request { document_id, data } => {
                    self.on_sync(server, document_id, &data, true)
                }
                DocumentMessage::Ephemeral { .. } => vec![],
            },
        }
    }

    fn on_sync(
        &mut self,
        server: &mut Server,
        id: DocumentId,
        data: &[u8],
        request: bool,
    ) -> Vec<Vec<u8>> {
        if self.refused.contains(&id) {
            return vec![];
        }
        if server.erased.contains(&id) {
            let error =
                self.handshake
                    .error_with_code(RECORD_ERASED, "erased", Some(&id.to_string()));
            return vec![error.encode()];
        }
        if request && !server.docs.contains_key(&id) {
            return vec![self.handshake.doc_unavailable(id).unwrap().encode()];
        }
        let doc = server.docs.get(&id).cloned().unwrap_or_default();
        let state = self.states.entry(id).or_default();
        let proposal = hearth_shared::sync::receive(&doc, state, data).unwrap();
        if proposal.changed() {
            let before = rules::validate(&doc).ok();
            let verdict = rules::validate(&proposal.doc)
                .and_then(|after| rules::check_change(before.as_ref(), &after, &self.actor));
            if let Err(rejection) = verdict {
                self.refused.insert(id);
                let error = self.handshake.error_with_code(
                    rejection.code(),
                    rejection.message(),
                    Some(&id.to_string()),
                );
                return vec![error.encode()];
            }
        }
        server.docs.insert(id, proposal.doc);
        *state = proposal.state;
        let doc = &server.docs[&id];
        hearth_shared::sync::outgoing(doc, state)
            .map(|m| vec![self.handshake.sync(id, m).unwrap().encode()])
            .unwrap_or_default()
    }
}

/// Delivers `effects`' frames to the server and the replies back, until both sides are quiet.
/// Returns every effect the engine produced along the way.
fn pump(
    engine: &mut Engine,
    server: &mut Server,
    conn: &mut Conn,
    effects: Vec<Effect>,
) -> Vec<Effect> {
    let mut all = Vec::new();
    let mut queue = effects;
    for _ in 0..1000 {
        let frames: Vec<Vec<u8>> = queue
            .iter()
            .filter_map(|e| match e {
                Effect::Send(f) => Some(f.clone()),
                _ => None,
            })
            .collect();
        all.append(&mut queue);
        if frames.is_empty() {
            return all;
        }
        for frame in frames {
            for reply in conn.handle(server, &frame) {
                queue.extend(engine.on_frame(&reply, NOW));
            }
        }
    }
    panic!("the engine and the server never settled");
}

fn connect(engine: &mut Engine, server: &mut Server, actor: Actor) -> (Conn, Vec<Effect>) {
    let mut conn = Conn::new(actor);
    let effects = engine.on_open();
    let all = pump(engine, server, &mut conn, effects);
    (conn, all)
}

fn new_note(engine: &mut Engine) -> DocumentId {
    let note = VisitNote::new("u-member", "home-1", NOW);
    engine.create(&Record::VisitNote(note)).unwrap().0
}

fn body_of(engine: &mut Engine, id: DocumentId) -> String {
    engine.text(id, "body").unwrap()
}

#[test]
fn an_offline_edit_is_persisted_and_counted_as_waiting() {
    let mut engine = Engine::new("device".into());
    let (id, effects) = engine
        .create(&Record::VisitNote(VisitNote::new(
            "u-member", "home-1", NOW,
        )))
        .unwrap();
    assert!(effects.contains(&Effect::Persist(id)));
    assert!(!effects.iter().any(|e| matches!(e, Effect::Send(_))));
    let effects = engine.set_text(id, "body", "Spoke with staff").unwrap();
    assert!(effects.contains(&Effect::Persist(id)));
    assert_eq!(engine.status(), SyncStatus::Offline { waiting: 1 });
    new_note(&mut engine);
    assert_eq!(engine.status(), SyncStatus::Offline { waiting: 2 });
}

#[test]
fn changes_count_as_saved_only_once_the_server_has_acknowledged_them() {
    let mut engine = Engine::new("device".into());
    let id = new_note(&mut engine);
    engine.set_text(id, "body", "Garden tidy").unwrap();
    let mut server = Server::default();

    // Joining alone (before any reply) is not saved.
    let join = engine.on_open();
    assert_eq!(engine.status(), SyncStatus::Offline { waiting: 1 });
    let mut conn = Conn::new(member());
    let effects = pump(&mut engine, &mut server, &mut conn, join);

    assert!(effects.contains(&Effect::Status(SyncStatus::Syncing)));
    assert_eq!(engine.status(), SyncStatus::Saved { at: NOW });
    let on_server = Record::from_doc(&server.docs[&id]).unwrap();
    let Record::VisitNote(note) = on_server else {
        panic!("a visit note")
    };
    assert_eq!(note.body.as_str(), "Garden tidy");
}

#[test]
fn an_edit_while_connected_is_sent_at_once() {
    let mut engine = Engine::new("device".into());
    let mut server = Server::default();
    let (mut conn, _) = connect(&mut engine, &mut server, member());
    assert!(matches!(engine.status(), SyncStatus::Saved { .. }));
    let id = new_note(&mut engine);
    let effects = engine.set_text(id, "body", "Hello").unwrap();
    assert_eq!(engine.status(), SyncStatus::Syncing);
    pump(&mut engine, &mut server, &mut conn, effects);
    assert_eq!(engine.status(), SyncStatus::Saved { at: NOW });
    assert!(!engine.is_waiting(id));
}

#[test]
fn acknowledged_heads_survive_a_reload() {
    let mut engine = Engine::new("device".into());
    let mut server = Server::default();
    let id = new_note(&mut engine);
    let other = new_note(&mut engine);
    connect(&mut engine, &mut server, member());
    engine.on_closed();
    engine.set_text(other, "body", "offline words").unwrap();

    let mut reloaded = Engine::new("device-2".into());
    reloaded.load(engine.snapshot(id).unwrap()).unwrap();
    reloaded.load(engine.snapshot(other).unwrap()).unwrap();
    assert_eq!(reloaded.status(), SyncStatus::Offline { waiting: 1 });
    assert!(reloaded.is_waiting(other));
    assert_eq!(body_of(&mut reloaded, other), "offline words");
}

#[test]
fn a_lost_connection_resends_waiting_changes_on_reconnect() {
    let mut engine = Engine::new("device".into());
    let mut server = Server::default();
    let id = new_note(&mut engine);
    let (mut conn, _) = connect(&mut engine, &mut server, member());
    // The edit's frame is lost with the connection.
    let _lost = engine
        .set_text(id, "body", "typed as the signal went")
        .unwrap();
    engine.on_closed();
    assert_eq!(engine.status(), SyncStatus::Offline { waiting: 1 });
    drop(conn);
    (conn, _) = connect(&mut engine, &mut server, member());
    let _ = conn;
    assert_eq!(engine.status(), SyncStatus::Saved { at: NOW });
    let Record::VisitNote(note) = Record::from_doc(&server.docs[&id]).unwrap() else {
        panic!()
    };
    assert_eq!(note.body.as_str(), "typed as the signal went");
}

#[test]
fn a_refused_change_is_reported_and_the_local_text_is_kept() {
    let mut server = Server::default();
    // The member's Reg 33 record, signed off on the server from another device.
    let mut engine = Engine::new("device".into());
    let record = Record::Inspection(Inspection::new("u-member", "home-1", NOW));
    let (id, _) = engine.create(&record).unwrap();
    connect(&mut engine, &mut server, member());
    engine.on_closed();
    {
        let mut doc = automerge::AutoCommit::load(&server.docs[&id].save()).unwrap();
        let mut rec = Record::from_doc(doc.document()).unwrap();
        let Record::Inspection(i) = &mut rec else {
            panic!()
        };
        i.state = WorkflowState::SignedOff;
        i.time_in = "10:00".into();
        i.time_out = "11:30".into();
        i.sign_off = Some(hearth_shared::model::SignOff {
            by: "u-member".into(),
            at: NOW,
        });
        rec.write_to(&mut doc).unwrap();
        doc.commit();
        server.docs.insert(id, doc.document().clone());
    }
    // Meanwhile, offline on this device, the stale copy is edited.
    engine
        .set_text(id, "premises", "Kitchen needs repair")
        .unwrap();

    let (_, effects) = connect(&mut engine, &mut server, member());

    let SyncStatus::Rejected { document, code, .. } = engine.status() else {
        panic!("expected a rejection, got {:?}", engine.status());
    };
    assert_eq!(
        (document, code.as_str()),
        (id, "record_locked"),
        "{:?}",
        engine.rejection(id)
    );
    assert!(effects.contains(&Effect::Persist(id)));
    assert_eq!(engine.text(id, "premises").unwrap(), "Kitchen needs repair");
    assert_eq!(
        engine.rejection(id).map(|r| r.code.as_str()),
        Some("record_locked")
    );
    // The refusal is kept across a reload, and the copy is not offered to the server again.
    let mut reloaded = Engine::new("device-2".into());
    reloaded.load(engine.snapshot(id).unwrap()).unwrap();
    assert!(matches!(reloaded.status(), SyncStatus::Rejected { .. }));
    let (_, effects) = connect(&mut reloaded, &mut server, member());
    let offered = effects.iter().any(|e| match e {
        Effect::Send(frame) => matches!(
            hearth_shared::protocol::Message::decode(frame),
            Ok(hearth_shared::protocol::Message::Sync { document_id, .. })
                if document_id == id.to_string()
        ),
        _ => false,
    });
    assert!(!offered, "the refused copy must not be offered again");
    assert!(matches!(
        reloaded.edit(id, |_| Ok(())),
        Err(EditError::Rejected)
    ));
}

#[test]
fn discarding_a_refused_copy_fetches_the_servers_version() {
    let mut server = Server::default();
    let mut engine = Engine::new("device".into());
    let id = new_note(&mut engine);
    connect(&mut engine, &mut server, member());
    engine.on_closed();
    // The server closed the note; the stale copy's edit is refused.
    {
        let mut doc = automerge::AutoCommit::load(&server.docs[&id].save()).unwrap();
        autosurgeon::reconcile_prop(&mut doc, ROOT, "state", "closed").unwrap();
        doc.commit();
        server.docs.insert(id, doc.document().clone());
    }
    engine.set_text(id, "body", "late words").unwrap();
    connect(&mut engine, &mut server, member());
    assert!(matches!(engine.status(), SyncStatus::Rejected { .. }));

    let effects = engine.discard_rejected(id);
    assert!(effects.contains(&Effect::Forget(id)));
    assert!(effects.contains(&Effect::Close));
    engine.on_closed();
    connect(&mut engine, &mut server, member());
    assert_eq!(engine.status(), SyncStatus::Saved { at: NOW });
    assert_eq!(body_of(&mut engine, id), "");
    assert_eq!(
        engine.record(id).unwrap().unwrap().state(),
        WorkflowState::Closed
    );
}

#[test]
fn records_listed_by_the_server_are_fetched_with_request() {
    let mut server = Server::default();
    let mut author = Engine::new("author".into());
    let id = new_note(&mut author);
    author
        .set_text(id, "body", "from the other device")
        .unwrap();
    connect(&mut author, &mut server, member());

    let mut reader = Engine::new("reader".into());
    let (mut conn, _) = connect(&mut reader, &mut server, member());
    let listed = Listed {
        id: id.to_string(),
        kind: "visitNote".into(),
        title: "Visit note".into(),
        home_id: Some("home-1".into()),
        state: "draft".into(),
    };
    let unknown = DocumentId::random();
    let ghost = Listed {
        id: unknown.to_string(),
        ..listed.clone()
    };
    let effects = reader.set_listing(vec![listed, ghost]);
    assert_eq!(reader.rows().len(), 2);
    let effects = pump(&mut reader, &mut server, &mut conn, effects);

    assert!(effects.contains(&Effect::Persist(id)));
    assert!(effects.contains(&Effect::Updated(id)));
    assert!(reader.has(id));
    assert_eq!(body_of(&mut reader, id), "from the other device");
    // The one the server would not admit to is dropped, not shown forever as "on its way".
    assert!(!reader.has(unknown));
    assert_eq!(reader.rows().len(), 1);
    assert_eq!(reader.status(), SyncStatus::Saved { at: NOW });
}

#[test]
fn two_devices_typing_in_the_same_text_both_keep_their_words() {
    let mut server = Server::default();
    let mut a = Engine::new("a".into());
    let id = new_note(&mut a);
    a.set_text(id, "body", "Visited. ").unwrap();
    connect(&mut a, &mut server, member());
    let mut b = Engine::new("b".into());
    b.load(a.snapshot(id).unwrap()).unwrap();
    a.on_closed();

    // Both edit offline.
    a.set_text(id, "body", "Visited. Garden tidy.").unwrap();
    b.set_text(id, "body", "Bedrooms warm. Visited. ").unwrap();
    connect(&mut a, &mut server, member());
    connect(&mut b, &mut server, member());
    a.on_closed();
    connect(&mut a, &mut server, member());

    let expected = "Bedrooms warm. Visited. Garden tidy.";
    assert_eq!(body_of(&mut a, id), expected);
    assert_eq!(body_of(&mut b, id), expected);
}

#[test]
fn an_edit_on_a_stale_record_is_merged_not_lost() {
    let mut engine = Engine::new("device".into());
    let id = new_note(&mut engine);
    let heads = engine.heads(id);
    let Ok(Record::VisitNote(mut note)) = engine.record(id).unwrap() else {
        panic!()
    };
    // Another change lands after the editor read the record.
    engine.set_text(id, "body", "typed meanwhile").unwrap();
    note.attendees = vec!["Deputy manager".into()];
    engine
        .write_record(id, &Record::VisitNote(note), &heads)
        .unwrap();
    let Ok(Record::VisitNote(merged)) = engine.record(id).unwrap() else {
        panic!()
    };
    assert_eq!(merged.attendees, ["Deputy manager"]);
    assert_eq!(merged.body.as_str(), "typed meanwhile");
}

#[test]
fn an_expired_session_keeps_edits_waiting_for_the_next_sign_in() {
    let mut engine = Engine::new("device".into());
    let id = new_note(&mut engine);
    let effects = engine.set_signed_out(true);
    assert!(effects.contains(&Effect::Status(SyncStatus::SignedOut { waiting: 1 })));
    engine.set_signed_out(false);
    let mut server = Server::default();
    connect(&mut engine, &mut server, member());
    assert!(server.docs.contains_key(&id));
    assert!(matches!(engine.status(), SyncStatus::Saved { .. }));
}

#[test]
fn status_changes_are_reported_once() {
    let mut engine = Engine::new("device".into());
    let id = new_note(&mut engine);
    let effects = engine.set_text(id, "body", "a").unwrap();
    assert!(!effects.iter().any(|e| matches!(e, Effect::Status(_))));
}

#[test]
fn a_typed_record_edit_keeps_non_ascii_text_intact() {
    let mut engine = Engine::new("device".into());
    let id = new_note(&mut engine);
    engine.set_text(id, "body", "Café visit 👍🏽").unwrap();
    let heads = engine.heads(id);
    let Ok(Record::VisitNote(mut note)) = engine.record(id).unwrap() else {
        panic!()
    };
    note.body.update("Café visit 👍🏽 — tea with staff");
    engine
        .write_record(id, &Record::VisitNote(note), &heads)
        .unwrap();
    assert_eq!(body_of(&mut engine, id), "Café visit 👍🏽 — tea with staff");
    engine.set_text(id, "body", "Café: visit 👍🏽 — tea").unwrap();
    assert_eq!(body_of(&mut engine, id), "Café: visit 👍🏽 — tea");
}

#[test]
fn a_burst_of_typing_while_connected_is_all_acknowledged() {
    let mut engine = Engine::new("device".into());
    let mut server = Server::default();
    let id = new_note(&mut engine);
    let (mut conn, _) = connect(&mut engine, &mut server, member());
    let mut text = "Spoke with staff about the garden. ".repeat(50);
    let mut pending = engine.set_text(id, "body", &text).unwrap();
    // Keystrokes arrive faster than the server answers: every frame is queued first.
    for i in 0..200 {
        text.insert(100 + i, 'x');
        pending.extend(engine.set_text(id, "body", &text).unwrap());
    }
    pump(&mut engine, &mut server, &mut conn, pending);
    assert_eq!(engine.status(), SyncStatus::Saved { at: NOW });
    let Record::VisitNote(note) = Record::from_doc(&server.docs[&id]).unwrap() else {
        panic!()
    };
    assert_eq!(note.body.as_str(), text);
}

fn young_person() -> Actor {
    Actor {
        user_id: "u-kiosk".into(),
        role: Role::YoungPerson,
        homes: vec![],
    }
}

fn submitted_response(engine: &mut Engine) -> DocumentId {
    let mut response =
        hearth_shared::model::ConsultationResponse::new("u-kiosk", "consultation-1", NOW);
    response
        .answers
        .push(hearth_shared::model::Answer::scale("q1", 2));
    response.consent_given = true;
    response.talk_to_someone = true;
    response.state = WorkflowState::Submitted;
    response.submitted_at = Some(NOW);
    engine
        .create(&Record::ConsultationResponse(response))
        .unwrap()
        .0
}

#[test]
fn kiosk_answers_are_unreadable_after_submit() {
    let mut engine = Engine::new("tablet".into());
    let id = submitted_response(&mut engine);

    // Offline: the only copy is on the tablet, so it is kept (and counted as waiting).
    assert!(
        engine
            .forget_acknowledged_unreadable(&young_person())
            .is_empty()
    );
    assert!(engine.has(id));
    assert_eq!(engine.status(), SyncStatus::Offline { waiting: 1 });
    // Even unsent, the answers are in no list on the tablet.
    assert!(engine.readable_rows(&young_person()).is_empty());
    assert_eq!(engine.rows().len(), 1);

    let mut server = Server::default();
    connect(&mut engine, &mut server, young_person());
    assert!(server.docs.contains_key(&id), "the server has the answers");
    assert!(engine.is_acknowledged(id));

    let effects = engine.forget_acknowledged_unreadable(&young_person());
    assert!(effects.contains(&Effect::Forget(id)));
    assert!(effects.contains(&Effect::ListChanged));
    assert!(!engine.has(id));
    assert!(engine.record(id).is_none());
    assert!(engine.snapshot(id).is_none());
    assert!(engine.rows().is_empty());
    assert_eq!(engine.status(), SyncStatus::Saved { at: NOW });
}

#[test]
fn a_forgotten_document_is_never_fetched_or_listed_again() {
    let mut engine = Engine::new("tablet".into());
    let mut server = Server::default();
    let id = submitted_response(&mut engine);
    let (mut conn, _) = connect(&mut engine, &mut server, young_person());
    engine.forget(id);

    let listed = Listed {
        id: id.to_string(),
        kind: "consultationResponse".into(),
        title: "Response".into(),
        home_id: None,
        state: "submitted".into(),
    };
    let effects = engine.set_listing(vec![listed]);
    assert!(!effects.iter().any(|e| matches!(e, Effect::Send(_))));
    assert!(engine.rows().is_empty());
    // A late refusal about it does not end the connection.
    let error = conn
        .handshake
        .error_with_code("forbidden", "no", Some(&id.to_string()))
        .encode();
    assert!(!engine.on_frame(&error, NOW).contains(&Effect::Close));
    let _ = pump(&mut engine, &mut server, &mut conn, effects);
    assert!(!engine.has(id));
}

#[test]
fn a_readable_acknowledged_record_is_kept_on_the_device() {
    let mut engine = Engine::new("device".into());
    let mut server = Server::default();
    let id = new_note(&mut engine);
    connect(&mut engine, &mut server, member());
    assert!(engine.is_acknowledged(id));
    assert!(engine.forget_acknowledged_unreadable(&member()).is_empty());
    assert!(engine.has(id));
}

#[test]
fn responses_are_found_by_their_consultation() {
    let mut engine = Engine::new("tablet".into());
    let id = submitted_response(&mut engine);
    assert_eq!(engine.responses_to("consultation-1"), [id]);
    assert!(engine.responses_to("consultation-2").is_empty());
}

/// Two input events before the view re-renders: both edits are derived from the same old
/// record, the second one already containing the first one's text. It must not be inserted
/// twice (this corrupted fast typing in the Reg 33 editor).
#[test]
fn two_edits_from_the_same_stale_view_keep_exactly_what_was_typed() {
    let mut engine = Engine::new("device".into());
    let inspection = hearth_shared::model::Inspection::new("u-member", "home-1", NOW);
    let id = engine.create(&Record::Inspection(inspection)).unwrap().0;
    let heads = engine.heads(id);
    let Ok(Record::Inspection(rendered)) = engine.record(id).unwrap() else {
        panic!()
    };
    let mut typed = String::new();
    for word in [
        "Two ",
        "synthetic ",
        "MAR ",
        "entries ",
        "were ",
        "unsigned.",
    ] {
        typed.push_str(word);
        let mut edited = rendered.clone();
        edited.premises.update(&typed);
        engine
            .write_record(id, &Record::Inspection(edited), &heads)
            .unwrap();
    }
    let Ok(Record::Inspection(now)) = engine.record(id).unwrap() else {
        panic!()
    };
    assert_eq!(
        now.premises.as_str(),
        "Two synthetic MAR entries were unsigned."
    );
}

/// Another device's words arrive between two keystrokes the view has not caught up with: the
/// second keystroke's edit (made from the old view, its text without those words) adds only what
/// was typed and keeps the other device's words.
#[test]
fn a_remote_edit_between_two_stale_keystrokes_is_kept() {
    let mut server = Server::default();
    let mut a = Engine::new("a".into());
    let inspection = hearth_shared::model::Inspection::new("u-member", "home-1", NOW);
    let id = a.create(&Record::Inspection(inspection)).unwrap().0;
    a.set_text(id, "premises", "Checked: ").unwrap();
    connect(&mut a, &mut server, member());
    let mut b = Engine::new("b".into());
    b.load(a.snapshot(id).unwrap()).unwrap();
    a.on_closed();

    // A's view of the record, and its first keystrokes from it.
    let version = a.heads(id);
    let Ok(Record::Inspection(shown)) = a.record(id).unwrap() else {
        panic!()
    };
    let typed = |text: &str| {
        let mut edited = shown.clone();
        edited.premises.update(text);
        Record::Inspection(edited)
    };
    a.write_record(id, &typed("Checked: fire doors"), &version)
        .unwrap();
    // B's words reach A before A's view re-renders.
    b.set_text(id, "premises", "Kitchen clean. Checked: ")
        .unwrap();
    connect(&mut b, &mut server, member());
    connect(&mut a, &mut server, member());
    assert_eq!(
        a.text(id, "premises").unwrap(),
        "Kitchen clean. Checked: fire doors"
    );
    // The next keystroke, still from the old view.
    a.write_record(id, &typed("Checked: fire doors."), &version)
        .unwrap();
    assert_eq!(
        a.text(id, "premises").unwrap(),
        "Kitchen clean. Checked: fire doors."
    );
}

#[test]
fn a_revoked_device_is_told_so_and_the_connection_closes() {
    let mut engine = Engine::new("device".into());
    let mut server = Server::default();
    let (conn, _) = connect(&mut engine, &mut server, member());
    let message = "This device was signed out by an administrator.";
    let error = conn
        .handshake
        .error_with_code(DEVICE_REVOKED, message, None)
        .encode();
    let effects = engine.on_frame(&error, NOW);
    assert!(effects.contains(&Effect::DeviceRevoked(message.into())));
    assert!(effects.contains(&Effect::Close));
}

#[test]
fn another_connection_error_only_closes() {
    let mut engine = Engine::new("device".into());
    let mut server = Server::default();
    let (conn, _) = connect(&mut engine, &mut server, member());
    let error = conn
        .handshake
        .error_with_code("internal", "Try again later.", None)
        .encode();
    let effects = engine.on_frame(&error, NOW);
    assert!(effects.contains(&Effect::Close));
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::DeviceRevoked(_)))
    );
}

fn new_inspection(engine: &mut Engine) -> DocumentId {
    let inspection = Inspection::new("u-member", "home-1", NOW);
    engine.create(&Record::Inspection(inspection)).unwrap().0
}

/// Typing as the Regulation 33 editor's paragraph box does: each keystroke from the version and
/// text the box last had, the frame's work (the splice) apart from sending it afterwards.
struct Box {
    version: Vec<ChangeHash>,
    text: String,
}

impl Box {
    fn open(engine: &mut Engine, id: DocumentId) -> Box {
        Box {
            version: engine.heads(id),
            text: engine.text(id, "premises").unwrap_or_default(),
        }
    }

    /// Types `new` (the whole text the box then shows); returns the keystroke's effects.
    fn type_in(&mut self, engine: &mut Engine, id: DocumentId, new: &str) -> Vec<Effect> {
        let (version, effects) = engine
            .type_text(id, "premises", &self.version, &self.text, new)
            .unwrap();
        self.version = version;
        self.text = new.to_string();
        effects
    }
}

#[test]
fn a_keystroke_is_stored_at_once_and_sent_after_its_frame() {
    let mut engine = Engine::new("device".into());
    let mut server = Server::default();
    let id = new_inspection(&mut engine);
    let (mut conn, _) = connect(&mut engine, &mut server, member());
    let mut text = Box::open(&mut engine, id);
    let effects = text.type_in(&mut engine, id, "Garden tidy.");
    assert!(effects.contains(&Effect::Persist(id)), "{effects:?}");
    assert!(!effects.iter().any(|e| matches!(e, Effect::Send(_))));
    assert_eq!(engine.text(id, "premises").unwrap(), "Garden tidy.");
    assert!(engine.is_waiting(id));

    let sent = engine.send_document(id);
    assert!(sent.iter().any(|e| matches!(e, Effect::Send(_))));
    pump(&mut engine, &mut server, &mut conn, sent);
    assert_eq!(engine.status(), SyncStatus::Saved { at: NOW });
    let Record::Inspection(stored) = Record::from_doc(&server.docs[&id]).unwrap() else {
        panic!()
    };
    assert_eq!(stored.premises.as_str(), "Garden tidy.");
}

#[test]
fn text_typed_in_bursts_with_acknowledgements_between_is_all_on_the_server() {
    let mut engine = Engine::new("device".into());
    let mut server = Server::default();
    let id = new_inspection(&mut engine);
    let (mut conn, _) = connect(&mut engine, &mut server, member());
    let mut text = Box::open(&mut engine, id);
    let mut typed = String::new();
    for burst in [
        "Fire doors closed. ",
        "Two bedrooms seen; ",
        "café menu on the wall 👍🏽.",
    ] {
        // Several keystrokes before the frame, then one send, then the server's replies.
        for c in burst.chars() {
            typed.push(c);
            text.type_in(&mut engine, id, &typed);
        }
        let sent = engine.send_document(id);
        pump(&mut engine, &mut server, &mut conn, sent);
        // A keystroke in the middle, answered one by one.
        typed.insert_str(0, "* ");
        text.type_in(&mut engine, id, &typed);
        let sent = engine.send_document(id);
        pump(&mut engine, &mut server, &mut conn, sent);
    }
    assert_eq!(engine.status(), SyncStatus::Saved { at: NOW });
    assert!(!engine.is_waiting(id));
    let Record::Inspection(stored) = Record::from_doc(&server.docs[&id]).unwrap() else {
        panic!()
    };
    assert_eq!(stored.premises.as_str(), typed);
    // And a reload from what the device stored has it all, acknowledged.
    let mut reloaded = Engine::new("device".into());
    reloaded.load(engine.snapshot(id).unwrap()).unwrap();
    assert_eq!(reloaded.text(id, "premises").unwrap(), typed);
    assert!(!reloaded.is_waiting(id));
}

/// Another device's words arrive before the box shows them: the keystrokes made from the box's
/// older version add what was typed and keep those words.
#[test]
fn keystrokes_from_a_box_behind_another_devices_words_keep_them() {
    let mut server = Server::default();
    let mut a = Engine::new("a".into());
    let id = new_inspection(&mut a);
    a.set_text(id, "premises", "Checked: ").unwrap();
    connect(&mut a, &mut server, member());
    let mut b = Engine::new("b".into());
    b.load(a.snapshot(id).unwrap()).unwrap();
    a.on_closed();

    let mut text = Box::open(&mut a, id);
    text.type_in(&mut a, id, "Checked: fire");
    b.set_text(id, "premises", "Kitchen clean. Checked: ")
        .unwrap();
    connect(&mut b, &mut server, member());
    connect(&mut a, &mut server, member());
    assert_eq!(
        a.text(id, "premises").unwrap(),
        "Kitchen clean. Checked: fire"
    );
    // The box has not re-rendered: its next keystrokes start from its own version.
    text.type_in(&mut a, id, "Checked: fire doors");
    text.type_in(&mut a, id, "Checked: fire doors.");
    assert_eq!(
        a.text(id, "premises").unwrap(),
        "Kitchen clean. Checked: fire doors."
    );
    assert_ne!(text.version, a.heads(id), "the box is still behind");
}

#[test]
fn a_box_whose_text_is_not_the_documents_is_spliced_against_the_document() {
    let mut engine = Engine::new("device".into());
    let id = new_inspection(&mut engine);
    engine.set_text(id, "premises", "Lounge warm.").unwrap();
    let heads = engine.heads(id);
    // A box that wrongly believes the text is empty: the result is still what it shows.
    engine
        .type_text(id, "premises", &heads, "", "Lounge warm and tidy.")
        .unwrap();
    assert_eq!(
        engine.text(id, "premises").unwrap(),
        "Lounge warm and tidy."
    );
}

#[test]
fn an_erased_record_is_dropped_from_the_device_at_its_next_sync() {
    let mut server = Server::default();
    let mut device = Engine::new("device".into());
    let id = new_note(&mut device);
    device.set_text(id, "body", "unsent words").unwrap();
    let kept = new_note(&mut device);
    connect(&mut device, &mut server, member());
    assert!(device.is_acknowledged(id));
    device.on_closed();
    // Erased on the server while this device was away; an edit made offline goes too.
    server.docs.remove(&id);
    server.erased.insert(id);
    device.set_text(id, "body", "typed offline").unwrap();

    let (_, effects) = connect(&mut device, &mut server, member());
    assert!(effects.contains(&Effect::Forget(id)), "{effects:?}");
    assert!(!device.has(id));
    assert!(
        !effects.contains(&Effect::Close),
        "the connection carries on"
    );
    let rows: Vec<DocumentId> = device.rows().iter().map(|r| r.id).collect();
    assert_eq!(rows, vec![kept]);
    assert!(device.is_acknowledged(kept));
}

#[test]
fn a_shelved_record_the_server_no_longer_lists_is_loaded_so_it_syncs() {
    let mut server = Server::default();
    let mut author = Engine::new("author".into());
    let (gone, listed) = (new_note(&mut author), new_note(&mut author));
    connect(&mut author, &mut server, member());
    let mut entry = |id| author.index_entry(id).expect("an entry");
    let mut device = Engine::new("device".into());
    device.shelve(gone, entry(gone));
    device.shelve(listed, entry(listed));
    let row = Listed {
        id: listed.to_string(),
        kind: "visitNote".into(),
        title: entry(listed).meta.unwrap().title,
        home_id: Some("home-1".into()),
        state: "draft".into(),
    };
    let _ = device.set_listing(vec![row]);
    assert_eq!(device.take_wanted(), vec![gone], "only the unlisted one");
}
