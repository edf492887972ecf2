//! The sync connection over a real SQLite store, driven frame by frame as a device would: what a
//! refused change leaves behind now that changes are applied to the document in place.
//! Synthetic data.

use std::sync::Arc;

use automerge::sync::{Message as AmMessage, State as SyncState, SyncDoc};
use automerge::transaction::Transactable as _;
use automerge::{AutoCommit, Automerge, ReadDoc as _};
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{Inspection, Record};
use hearth_shared::permissions::Role;
use hearth_shared::protocol::{ClientHandshake, Message, PeerMetadata};
use tempfile::TempDir;

use super::connection::{Connection, Limits};
use super::hub::{Hub, HubEvent};
use crate::store::sqlite::{SqliteOptions, SqliteStore};
use crate::store::{NewUser, Store};

/// The database file's name in the harness's folder.
const DATABASE: &str = "hearth.sqlite";

/// A member's device on one sync connection, holding one Regulation 33 record.
struct Device {
    connection: Connection,
    handshake: ClientHandshake,
    doc: AutoCommit,
    state: SyncState,
    /// What other connections tell this one (changes to pass on).
    events: tokio::sync::broadcast::Receiver<HubEvent>,
}

struct Harness {
    dir: TempDir,
    store: Arc<dyn Store>,
    hub: Arc<Hub>,
    member: String,
    home: String,
}

async fn harness() -> Harness {
    harness_with(SqliteOptions::default()).await
}

async fn harness_with(options: SqliteOptions) -> Harness {
    let dir = tempfile::tempdir().expect("temp dir");
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open(&dir.path().join(DATABASE), options).expect("open the store"));
    let hub = Arc::new(Hub::new(store.clone(), "test-storage".into(), 100, 64));
    let home = store.create_home("Synthetic Home").await.unwrap().id;
    let member = store
        .create_user(NewUser {
            username: "member".into(),
            display_name: "Test Member".into(),
            role: Role::Member,
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$dGVzdHNhbHQ$dGVzdGhhc2g".into(),
            must_change_password: false,
        })
        .await
        .unwrap()
        .id;
    store.assign(&member, &home).await.unwrap();
    Harness {
        dir,
        store,
        hub,
        member,
        home,
    }
}

impl Harness {
    async fn device(&self, doc: AutoCommit) -> Device {
        self.device_of(&self.member.clone(), doc).await
    }

    /// A device signed in as `user`.
    async fn device_of(&self, user: &str, doc: AutoCommit) -> Device {
        self.device_on(&self.hub, user, doc).await
    }

    /// A device signed in as `user` connected to `hub` (another server on the same store).
    async fn device_on(&self, hub: &Arc<Hub>, user: &str, doc: AutoCommit) -> Device {
        let who = crate::auth::load_signed_in(&self.store, user)
            .await
            .unwrap();
        let limits = Limits {
            max_message_bytes: 1 << 20,
            max_documents: 10,
        };
        let mut connection = Connection::new(who, hub.clone(), limits);
        let mut handshake = ClientHandshake::new(
            "test-device".into(),
            PeerMetadata {
                storage_id: None,
                is_ephemeral: true,
            },
        );
        let joined = connection.on_frame(&handshake.join().encode()).await;
        for reply in joined.replies {
            handshake.on_frame(&reply.encode());
        }
        Device {
            connection,
            handshake,
            doc,
            state: SyncState::new(),
            events: hub.subscribe(),
        }
    }

    /// Another member, assigned to no home: no claim on the record.
    async fn stranger(&self) -> String {
        self.store
            .create_user(NewUser {
                username: "stranger".into(),
                display_name: "Test Stranger".into(),
                role: Role::Member,
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$dGVzdHNhbHQ$dGVzdGhhc2g".into(),
                must_change_password: false,
            })
            .await
            .unwrap()
            .id
    }

    /// The document as the hub holds it in memory without applying pending typing: its saved
    /// bytes, and how many committed changes wait to be applied.
    async fn unsettled(&self, id: DocumentId) -> (Vec<u8>, usize) {
        let guard = self.hub.open_unsettled(id).await.unwrap();
        (guard.get().doc.save(), guard.get().pending())
    }

    /// The document as the hub holds it in memory, saved.
    async fn in_memory(&self, id: DocumentId) -> Vec<u8> {
        self.hub.open(id).await.unwrap().get().doc.save()
    }

    /// The stored chunks, and the document they load as, saved.
    async fn stored(&self, id: DocumentId) -> (Vec<Vec<u8>>, Vec<u8>) {
        let chunks = self.store.load_document(id).await.unwrap().unwrap().chunks;
        let doc = hearth_shared::sync::load_chunks(&chunks).unwrap();
        (chunks, doc.save())
    }
}

impl Device {
    /// Syncs until the server acknowledges every local change; the refusal's code if it
    /// refuses one.
    async fn sync(&mut self, id: DocumentId) -> Result<(), String> {
        for _ in 0..20 {
            let acked = self.state.their_heads.as_deref() == Some(&self.doc.get_heads()[..]);
            let Some(message) = self.doc.sync().generate_sync_message(&mut self.state) else {
                if acked {
                    return Ok(());
                }
                panic!("nothing to send and not acknowledged");
            };
            let frame = self.handshake.sync(id, message.encode()).unwrap().encode();
            for reply in self.connection.on_frame(&frame).await.replies {
                match reply {
                    Message::Sync { data, .. } => {
                        let message = AmMessage::decode(&data).unwrap();
                        self.doc
                            .sync()
                            .receive_sync_message(&mut self.state, message)
                            .unwrap();
                    }
                    Message::Error { code, .. } => return Err(code.unwrap_or_default()),
                    other => panic!("unexpected reply {other:?}"),
                }
            }
        }
        panic!("the exchange never settles")
    }

    /// Types `text` at the end of a top-level text field, one change per character, each
    /// synced (acknowledged) before the next, as a member typing does.
    async fn type_into(&mut self, id: DocumentId, field: &str, text: &str) {
        for character in text.chars() {
            let obj = text_of(&self.doc, field);
            let end = self.doc.length(&obj);
            self.doc
                .splice_text(&obj, end, 0, &character.to_string())
                .unwrap();
            self.doc.commit();
            self.sync(id).await.expect("typing is stored");
        }
    }

    /// Answers what other connections' changes make this connection send (the hub's events),
    /// until it has nothing more to say.
    async fn catch_up(&mut self, id: DocumentId) {
        while let Ok(event) = self.events.try_recv() {
            for reply in self.connection.on_hub_event(event).await.replies {
                if let Message::Sync { data, .. } = reply {
                    let message = AmMessage::decode(&data).unwrap();
                    self.doc
                        .sync()
                        .receive_sync_message(&mut self.state, message)
                        .unwrap();
                }
            }
        }
        self.sync(id).await.expect("catching up is acknowledged");
    }

    fn edit(&mut self, f: impl FnOnce(&mut Inspection)) {
        let mut record = Record::from_doc(self.doc.document()).unwrap();
        if let Record::Inspection(inspection) = &mut record {
            f(inspection);
        }
        record.write_to(&mut self.doc).unwrap();
        self.doc.commit();
    }
}

fn new_record(h: &Harness) -> AutoCommit {
    let mut inspection = Inspection::new(&h.member, &h.home, 1_796_040_000_000);
    inspection.time_in = "10:00".into();
    inspection.time_out = "12:30".into();
    let mut doc = AutoCommit::new();
    Record::Inspection(inspection).write_to(&mut doc).unwrap();
    doc.commit();
    doc
}

#[tokio::test]
async fn a_refused_change_leaves_the_stored_and_the_in_memory_document_exactly_as_before() {
    let h = harness().await;
    let id = DocumentId::random();
    let mut laptop = h.device(new_record(&h)).await;
    laptop.sync(id).await.expect("the draft is stored");
    laptop.edit(|i| i.premises = autosurgeon::Text::with_value("Tidy lounge."));
    laptop.sync(id).await.expect("an edit is stored");
    let memory_before = h.in_memory(id).await;
    let stored_before = h.stored(id).await;
    assert_eq!(stored_before.1, memory_before);

    laptop.edit(|i| i.visit_date = "2026-02-30".into());
    assert_eq!(laptop.sync(id).await, Err("invalid_record".into()));

    assert_eq!(h.stored(id).await, stored_before, "nothing stored");
    assert_eq!(
        h.in_memory(id).await,
        memory_before,
        "nothing kept in memory"
    );

    // Another device carries on from what the server holds.
    let mut phone = h.device(AutoCommit::load(&memory_before).unwrap()).await;
    phone.edit(|i| i.premises = autosurgeon::Text::with_value("Tidy lounge, new sofa."));
    phone.sync(id).await.expect("a later edit is stored");
    let (_, stored_after) = h.stored(id).await;
    assert_eq!(h.in_memory(id).await, stored_after);
    let record = Record::from_doc(&Automerge::load(&stored_after).unwrap()).unwrap();
    let Record::Inspection(inspection) = record else {
        panic!("an inspection")
    };
    assert_eq!(inspection.premises.as_str(), "Tidy lounge, new sofa.");
    assert_ne!(inspection.visit_date, "2026-02-30");
}

#[tokio::test]
async fn a_refused_new_record_leaves_nothing_anywhere() {
    let h = harness().await;
    let id = DocumentId::random();
    let mut doc = new_record(&h);
    let mut record = Record::from_doc(doc.document()).unwrap();
    if let Record::Inspection(i) = &mut record {
        i.visit_date = "not a date".into();
    }
    record.write_to(&mut doc).unwrap();
    doc.commit();
    let mut laptop = h.device(doc).await;
    assert_eq!(laptop.sync(id).await, Err("invalid_record".into()));
    assert!(h.store.load_document(id).await.unwrap().is_none());
    let guard = h.hub.open(id).await.unwrap();
    assert!(guard.get().meta.is_none());
    assert!(guard.get().doc.get_heads().is_empty());
}

#[tokio::test]
async fn compaction_keeps_every_acknowledged_change_and_loads_back() {
    let h = harness().await;
    let id = DocumentId::random();
    let mut laptop = h.device(new_record(&h)).await;
    laptop.sync(id).await.unwrap();
    for n in 0..70 {
        laptop.edit(|i| i.premises = autosurgeon::Text::with_value(format!("Visit note {n}")));
        laptop.sync(id).await.unwrap();
    }
    // Compaction runs after the acknowledgement, under the document's lock: run it again here
    // (a no-op if it has run) so the stored shape is settled before it is read.
    h.hub.compact_if_due(id).await;
    let (chunks, stored) = h.stored(id).await;
    assert!(chunks.len() < 70, "compacted: {} chunks", chunks.len());
    assert_eq!(stored, h.in_memory(id).await);
    assert_eq!(
        Automerge::load(&stored).unwrap().get_heads(),
        laptop.doc.get_heads()
    );
}

#[tokio::test]
async fn a_change_whose_commit_fails_leaves_memory_as_stored_and_can_be_sent_again() {
    // The store's writer gives up quickly when another connection holds the write lock: a
    // real failed commit, not a stand-in store.
    let h = harness_with(SqliteOptions {
        busy_timeout: std::time::Duration::from_millis(20),
        ..SqliteOptions::default()
    })
    .await;
    let id = DocumentId::random();
    let mut laptop = h.device(new_record(&h)).await;
    laptop.sync(id).await.expect("the draft is stored");
    let memory_before = h.in_memory(id).await;
    let stored_before = h.stored(id).await;

    let blocker = rusqlite::Connection::open(h.dir.path().join(DATABASE)).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    laptop.edit(|i| i.premises = autosurgeon::Text::with_value("Tidy lounge."));
    assert_eq!(laptop.sync(id).await, Err("internal".into()));
    blocker.execute_batch("ROLLBACK").unwrap();

    assert_eq!(h.stored(id).await, stored_before, "nothing stored");
    assert_eq!(
        h.in_memory(id).await,
        memory_before,
        "nothing kept in memory"
    );

    // The change is still on the device: on a new connection it goes through.
    let mut again = h.device(laptop.doc.fork()).await;
    again.sync(id).await.expect("sent again, stored");
    let (_, stored_after) = h.stored(id).await;
    assert_eq!(h.in_memory(id).await, stored_after);
    assert_eq!(
        Automerge::load(&stored_after).unwrap().get_heads(),
        laptop.doc.get_heads()
    );
}

/// An edit a test makes to a device's document.
type Edit = Box<dyn Fn(&mut AutoCommit)>;

/// The text object at a root key of a device's document.
pub(super) fn text_of(doc: &AutoCommit, field: &str) -> automerge::ObjId {
    match doc.get(automerge::ROOT, field).unwrap() {
        Some((automerge::Value::Object(automerge::ObjType::Text), id)) => id,
        other => panic!("{field} is not a text: {other:?}"),
    }
}

/// A record with some history, typed into so that typing is pending on the server.
async fn typed_record(h: &Harness, id: DocumentId) -> Device {
    let mut laptop = h.device(new_record(h)).await;
    laptop.sync(id).await.expect("the draft is stored");
    for n in 0..6 {
        laptop.edit(|i| i.children_views = autosurgeon::Text::with_value(format!("Said {n}")));
        laptop.sync(id).await.unwrap();
    }
    laptop.type_into(id, "premises", "Tidy lounge").await;
    let (_, pending) = h.unsettled(id).await;
    assert!(
        pending >= 10,
        "typing took the fast path: {pending} pending"
    );
    laptop
}

#[tokio::test]
async fn typing_is_stored_before_it_is_acknowledged_and_loads_back_after_a_restart() {
    let h = harness().await;
    let id = DocumentId::random();
    let mut laptop = typed_record(&h, id).await;
    // Every acknowledged keystroke is a stored chunk: what a restarted server loads.
    let (_, stored) = h.stored(id).await;
    let restarted = Hub::new(h.store.clone(), "test-storage".into(), 100, 64);
    let reloaded = restarted.open(id).await.unwrap().get().doc.save();
    assert_eq!(reloaded, stored);
    let stored = Automerge::load(&stored).unwrap();
    assert_eq!(stored.get_heads(), laptop.doc.get_heads());
    let Record::Inspection(inspection) = Record::from_doc(&stored).unwrap() else {
        panic!("an inspection")
    };
    assert_eq!(inspection.premises.as_str(), "Tidy lounge");
    // The hub's own copy, once the pending typing is applied, is exactly what is stored.
    assert_eq!(h.in_memory(id).await, h.stored(id).await.1);
    assert_eq!(h.unsettled(id).await.1, 0);
}

#[tokio::test]
async fn refused_changes_after_typing_leave_the_stored_and_in_memory_documents_as_before() {
    let h = harness().await;
    let id = DocumentId::random();
    let mut laptop = typed_record(&h, id).await;
    let base = laptop.doc.save();
    let stored_before = h.stored(id).await;
    assert_eq!(h.in_memory(id).await, stored_before.1);
    let stranger = h.stranger().await;

    // Each attempt on a fresh connection from the server's state (a refusal ends syncing that
    // record on its connection), each refused; nothing of any of them stays anywhere.
    let oversize = "x".repeat(hearth_shared::rules::schema::MAX_TEXT_CHARS);
    let attempts: Vec<(&str, Edit, &str)> = vec![
        (
            "a field that must stay valid",
            Box::new(|doc| {
                let mut record = Record::from_doc(doc.document()).unwrap();
                if let Record::Inspection(i) = &mut record {
                    i.visit_date = "2026-02-30".into();
                }
                record.write_to(doc).unwrap();
                doc.commit();
            }),
            "invalid_record",
        ),
        (
            "a text over its limit",
            Box::new(move |doc| {
                let obj = text_of(doc, "premises");
                let end = doc.length(&obj);
                doc.splice_text(&obj, end, 0, &oversize).unwrap();
                doc.commit();
            }),
            "invalid_record",
        ),
    ];
    for (why, edit, code) in attempts {
        let mut device = h.device(AutoCommit::load(&base).unwrap()).await;
        edit(&mut device.doc);
        assert_eq!(device.sync(id).await, Err(code.into()), "{why}");
        assert_eq!(h.stored(id).await, stored_before, "{why}: nothing stored");
        assert_eq!(
            h.in_memory(id).await,
            stored_before.1,
            "{why}: nothing in memory"
        );
    }

    // Typing by someone with no claim on the record.
    let mut other = h
        .device_of(&stranger, AutoCommit::load(&base).unwrap())
        .await;
    let obj = text_of(&other.doc, "premises");
    let end = other.doc.length(&obj);
    other.doc.splice_text(&obj, end, 0, "!").unwrap();
    other.doc.commit();
    assert!(
        other.sync(id).await.is_err(),
        "a stranger's typing is refused"
    );
    assert_eq!(h.stored(id).await, stored_before);
    assert_eq!(h.in_memory(id).await, stored_before.1);

    // Typing into a submitted (locked) inspection: the submission is stored, the typing is not.
    let mut laptop = h.device(AutoCommit::load(&base).unwrap()).await;
    laptop.edit(|i| i.state = hearth_shared::model::WorkflowState::Submitted);
    laptop.sync(id).await.expect("submitted");
    let submitted = h.stored(id).await;
    let obj = text_of(&laptop.doc, "premises");
    let end = laptop.doc.length(&obj);
    laptop.doc.splice_text(&obj, end, 0, "!").unwrap();
    laptop.doc.commit();
    assert_eq!(laptop.sync(id).await, Err("record_locked".into()));
    assert_eq!(h.stored(id).await, submitted);
    assert_eq!(h.in_memory(id).await, submitted.1);
}

#[tokio::test]
async fn a_change_naming_an_element_the_text_lacks_leaves_everything_as_before() {
    let h = harness().await;
    let id = DocumentId::random();
    let mut laptop = typed_record(&h, id).await;
    let stored_before = h.stored(id).await;

    let mut device = h
        .device(AutoCommit::load(&laptop.doc.save()).unwrap())
        .await;
    let obj = text_of(&device.doc, "premises");
    let end = device.doc.length(&obj);
    device.doc.splice_text(&obj, end, 0, "!").unwrap();
    let change = device.doc.get_last_local_change().unwrap();
    let mut forged = change.decode();
    forged.operations[0].key = automerge::legacy::Key::Seq(automerge::legacy::ElementId::Id(
        automerge::legacy::OpId(99_999, automerge::ActorId::random()),
    ));
    forged.hash = None;
    let forged = automerge::Change::from(forged);
    let message = AmMessage {
        heads: vec![forged.hash()],
        need: vec![],
        have: vec![],
        changes: vec![forged.raw_bytes().to_vec()].into(),
        flags: None,
        version: automerge::sync::MessageVersion::V1,
    };
    let frame = device
        .handshake
        .sync(id, message.encode())
        .unwrap()
        .encode();
    let replies = device.connection.on_frame(&frame).await.replies;
    // Automerge itself panics applying it; the server refuses it as corrupt.
    assert!(
        replies
            .iter()
            .any(|r| matches!(r, Message::Error { code: Some(code), .. }
            if code == "corrupt_sync_message")),
        "refused: {replies:?}"
    );
    assert_eq!(h.stored(id).await, stored_before);
    assert_eq!(h.in_memory(id).await, stored_before.1);
}

#[tokio::test]
async fn typing_and_other_edits_from_two_devices_are_stored_and_reach_each_other() {
    let h = harness().await;
    let id = DocumentId::random();
    let mut laptop = typed_record(&h, id).await;
    let mut phone = h
        .device(AutoCommit::load(&laptop.doc.save()).unwrap())
        .await;
    phone.sync(id).await.unwrap();
    for n in 0..12 {
        laptop.type_into(id, "premises", "ab").await;
        phone.catch_up(id).await;
        if n % 3 == 0 {
            phone.edit(|i| i.time_out = format!("12:{:02}", 30 + n));
            phone.sync(id).await.expect("an ordinary edit is stored");
        } else {
            phone.type_into(id, "childrenViews", "c").await;
        }
        laptop.catch_up(id).await;
    }
    assert_eq!(laptop.doc.get_heads(), phone.doc.get_heads());
    let (_, stored) = h.stored(id).await;
    let stored = Automerge::load(&stored).unwrap();
    assert_eq!(stored.get_heads(), laptop.doc.get_heads());
    let Record::Inspection(inspection) = Record::from_doc(&stored).unwrap() else {
        panic!("an inspection")
    };
    assert_eq!(
        inspection.premises.as_str(),
        format!("Tidy lounge{}", "ab".repeat(12))
    );
    assert!(inspection.children_views.as_str().ends_with(&"c".repeat(8)));
    assert_eq!(inspection.time_out, "12:39");
    assert_eq!(h.in_memory(id).await, h.stored(id).await.1);
}

/// Another member of the harness's home, who may write its records too.
async fn colleague(h: &Harness) -> String {
    let id = h
        .store
        .create_user(NewUser {
            username: "colleague".into(),
            display_name: "Test Colleague".into(),
            role: Role::Member,
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$dGVzdHNhbHQ$dGVzdGhhc2g".into(),
            must_change_password: false,
        })
        .await
        .unwrap()
        .id;
    h.store.assign(&id, &h.home).await.unwrap();
    id
}

#[tokio::test]
async fn every_accepted_change_is_audited_with_its_fields_and_its_actor_is_claimed_once() {
    let h = harness().await;
    let id = DocumentId::random();
    let mut laptop = typed_record(&h, id).await;
    laptop.edit(|i| i.time_out = "12:45".into());
    laptop.sync(id).await.unwrap();

    let claims = h.store.document_actors(id).await.unwrap();
    assert_eq!(claims.len(), 1, "one session, one actor: {claims:?}");
    assert_eq!(claims[0].user_id, h.member);
    assert_eq!(claims[0].actor, laptop.doc.get_actor().to_bytes());

    let accepted: Vec<_> = h
        .store
        .recent_audit(1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "change_accepted")
        .collect();
    // Creation, six edits of the children's views, eleven keystrokes, the time out.
    assert_eq!(accepted.len(), 1 + 6 + 11 + 1);
    assert!(
        accepted
            .iter()
            .all(|e| e.user_id.as_deref() == Some(h.member.as_str()) && e.document_id == Some(id))
    );
    // Newest first: the ordinary edit, then typing (the fast path names its text).
    assert_eq!(accepted[0].detail, "timeOut");
    assert_eq!(accepted[1].detail, "premises");
    assert_eq!(accepted[11].detail, "premises");
    assert_eq!(accepted[12].detail, "childrenViews");
    assert!(accepted[18].detail.contains("premises") && accepted[18].detail.contains("kind"));
}

#[tokio::test]
async fn changes_made_under_another_users_actor_are_refused_and_leave_nothing() {
    let h = harness().await;
    let id = DocumentId::random();
    let mut laptop = typed_record(&h, id).await;
    let colleague = colleague(&h).await;
    // The colleague's device takes the member's actor, so its changes would be recorded as
    // the member's.
    let borrowed = AutoCommit::load(&laptop.doc.save())
        .unwrap()
        .with_actor(laptop.doc.get_actor().clone());
    let mut forger = h.device_of(&colleague, borrowed).await;
    forger.sync(id).await.expect("reading is allowed");
    let before = h.stored(id).await;

    let text = text_of(&forger.doc, "premises");
    forger.doc.splice_text(&text, 0, 0, "X").unwrap();
    forger.doc.commit();
    assert_eq!(forger.sync(id).await, Err("forged_author".to_string()));
    forger.edit(|i| i.time_out = "13:00".into());
    assert!(
        forger.sync(id).await.is_err(),
        "nothing more from that device"
    );

    assert_eq!(h.stored(id).await, before);
    assert_eq!(h.in_memory(id).await, before.1);
    let claims = h.store.document_actors(id).await.unwrap();
    assert!(claims.iter().all(|c| c.user_id == h.member));
}

/// Two servers on one store, as several Hearth servers on one PostgreSQL are: what one commits
/// reaches the peers of the other once the store announces it (`Hub::changed_elsewhere`), in
/// both directions, typing included; before the announcement the other server's peers hear
/// nothing.
#[tokio::test]
async fn a_change_committed_through_another_server_reaches_peers_here_once_announced() {
    let h = harness().await;
    let id = DocumentId::random();
    let mut laptop = typed_record(&h, id).await;
    let other_server = Arc::new(Hub::new(h.store.clone(), "test-storage".into(), 100, 64));
    let member = h.member.clone();
    let mut phone = h
        .device_on(
            &other_server,
            &member,
            AutoCommit::load(&laptop.doc.save()).unwrap(),
        )
        .await;
    phone.sync(id).await.unwrap();

    laptop.type_into(id, "premises", "ab").await;
    laptop.edit(|i| i.time_out = "12:45".into());
    laptop.sync(id).await.unwrap();
    assert!(
        phone.events.try_recv().is_err(),
        "nothing announced yet: the other server's peers are not told"
    );
    other_server.changed_elsewhere(id).await;
    phone.catch_up(id).await;
    assert_eq!(phone.doc.get_heads(), laptop.doc.get_heads());

    phone.type_into(id, "childrenViews", "cd").await;
    h.hub.changed_elsewhere(id).await;
    laptop.catch_up(id).await;
    assert_eq!(laptop.doc.get_heads(), phone.doc.get_heads());
    let (_, stored) = h.stored(id).await;
    assert_eq!(
        Automerge::load(&stored).unwrap().get_heads(),
        laptop.doc.get_heads()
    );
    assert_eq!(h.in_memory(id).await, stored);
    let Record::Inspection(inspection) = Record::from_doc(&laptop.doc).unwrap() else {
        panic!("an inspection")
    };
    assert!(inspection.premises.as_str().ends_with("ab"));
    assert!(inspection.children_views.as_str().ends_with("cd"));
    assert_eq!(inspection.time_out, "12:45");
}

/// Each server writing the same record at once, each unaware of the other's change until it is
/// announced: both changes are stored (append-only chunks, merged on load) and reach both peers.
#[tokio::test]
async fn two_servers_writing_one_record_at_once_both_keep_their_changes() {
    let h = harness().await;
    let id = DocumentId::random();
    let mut laptop = typed_record(&h, id).await;
    let other_server = Arc::new(Hub::new(h.store.clone(), "test-storage".into(), 100, 64));
    let member = h.member.clone();
    let mut phone = h
        .device_on(
            &other_server,
            &member,
            AutoCommit::load(&laptop.doc.save()).unwrap(),
        )
        .await;
    phone.sync(id).await.unwrap();
    laptop.edit(|i| i.time_out = "12:50".into());
    laptop.sync(id).await.unwrap();
    phone.type_into(id, "premises", "xy").await;
    let (chunks, stored) = h.stored(id).await;
    assert!(chunks.len() >= 3, "each server appended its own chunk");
    let stored = Automerge::load(&stored).unwrap();
    let Record::Inspection(both) = Record::from_doc(&stored).unwrap() else {
        panic!("an inspection")
    };
    assert_eq!(both.time_out, "12:50");
    assert!(both.premises.as_str().ends_with("xy"));
    h.hub.changed_elsewhere(id).await;
    other_server.changed_elsewhere(id).await;
    laptop.catch_up(id).await;
    phone.catch_up(id).await;
    assert_eq!(laptop.doc.get_heads(), phone.doc.get_heads());
    assert_eq!(laptop.doc.get_heads(), stored.get_heads());
}

/// A record changed through one server is caught up on the other from the chunks appended
/// since the ones it holds, not read whole again: its copy then has the change and is exactly
/// what the store holds, its own pending typing included, and its peer is sent the change.
#[tokio::test]
async fn a_record_changed_through_another_server_is_caught_up_from_its_new_chunks_only() {
    let h = harness().await;
    let id = DocumentId::random();
    let mut laptop = typed_record(&h, id).await;
    let other_server = Arc::new(Hub::new(h.store.clone(), "test-storage".into(), 100, 64));
    let member = h.member.clone();
    let mut phone = h
        .device_on(
            &other_server,
            &member,
            AutoCommit::load(&laptop.doc.save()).unwrap(),
        )
        .await;
    phone.sync(id).await.unwrap();
    let held = h.stored(id).await.0.len();
    let loaded = other_server.load_counts();
    assert_eq!(loaded.whole, 1);

    // Typing through the phone's server (pending there), then edits through the laptop's.
    phone.type_into(id, "premises", "xy").await;
    laptop.edit(|i| i.time_out = "12:40".into());
    laptop.sync(id).await.unwrap();
    laptop.type_into(id, "childrenViews", "ab").await;
    other_server.changed_elsewhere(id).await;

    let (stored_chunks, stored) = h.stored(id).await;
    let counts = other_server.load_counts();
    assert_eq!(counts.whole, loaded.whole, "not read whole again");
    assert_eq!(counts.caught_up, 1);
    assert_eq!(
        counts.chunks_caught_up as usize,
        stored_chunks.len() - held,
        "only the chunks stored since it loaded ({held} of {} before)",
        stored_chunks.len()
    );
    let guard = other_server.open(id).await.unwrap();
    // Exactly the stored document's changes (applied in another order than a whole load's, so
    // `save()` bytes may differ), and the record as the store's chunks read.
    let stored = Automerge::load(&stored).unwrap();
    assert_eq!(guard.get().doc.get_heads(), stored.get_heads());
    assert_eq!(
        guard.get().doc.get_changes(&[]).len(),
        stored.get_changes(&[]).len()
    );
    assert_eq!(guard.get().record, Some(Record::from_doc(&stored).unwrap()));
    let Some(Record::Inspection(inspection)) = guard.get().record.clone() else {
        panic!("an inspection")
    };
    assert_eq!(inspection.time_out, "12:40");
    assert!(inspection.premises.as_str().ends_with("xy"));
    assert!(inspection.children_views.as_str().ends_with("ab"));
    drop(guard);

    phone.catch_up(id).await;
    assert_eq!(phone.doc.get_heads(), stored.get_heads());
    assert_eq!(
        other_server.load_counts().whole,
        loaded.whole,
        "pushing the change to the peer read nothing whole"
    );
}

/// Another server compacted the record, taking in chunks this server lacked: the catch-up
/// cannot read them alone, so it reads the record whole and loses nothing.
#[tokio::test]
async fn a_record_compacted_elsewhere_past_what_a_server_holds_is_read_whole_with_every_change() {
    let h = harness().await;
    let id = DocumentId::random();
    let mut laptop = typed_record(&h, id).await;
    let other_server = Arc::new(Hub::new(h.store.clone(), "test-storage".into(), 100, 64));
    let member = h.member.clone();
    let mut phone = h
        .device_on(
            &other_server,
            &member,
            AutoCommit::load(&laptop.doc.save()).unwrap(),
        )
        .await;
    phone.sync(id).await.unwrap();

    laptop.edit(|i| i.time_out = "12:55".into());
    laptop.sync(id).await.unwrap();
    // The laptop's server compacts (from a fresh load, as `Hub::compact_if_due` does) before
    // the phone's server hears of the edit.
    let stored = h.store.load_document(id).await.unwrap().unwrap();
    let snapshot = hearth_shared::sync::load_chunks(&stored.chunks)
        .unwrap()
        .save();
    h.store
        .compact(id, snapshot, stored.last_seq)
        .await
        .unwrap();
    laptop.type_into(id, "premises", "z").await;

    let before = other_server.load_counts();
    other_server.changed_elsewhere(id).await;
    let guard = other_server.open(id).await.unwrap();
    assert_eq!(other_server.load_counts().whole, before.whole + 1);
    assert_eq!(other_server.load_counts().caught_up, before.caught_up);
    assert_eq!(guard.get().doc.save(), h.stored(id).await.1, "read whole");
    let Some(Record::Inspection(inspection)) = guard.get().record.clone() else {
        panic!("an inspection")
    };
    assert_eq!(inspection.time_out, "12:55");
    assert!(inspection.premises.as_str().ends_with('z'));
    drop(guard);
    phone.catch_up(id).await;
    assert_eq!(phone.doc.get_heads(), laptop.doc.get_heads());

    // Caught up whole, it holds every chunk through the snapshot: the next change is read alone.
    laptop.edit(|i| i.time_out = "13:05".into());
    laptop.sync(id).await.unwrap();
    let before = other_server.load_counts();
    other_server.changed_elsewhere(id).await;
    let after = other_server.load_counts();
    assert_eq!(
        (after.whole, after.caught_up),
        (before.whole, before.caught_up + 1)
    );
    assert_eq!(after.chunks_caught_up - before.chunks_caught_up, 1);
}

/// What catching up on another server's commit costs against reading the record whole (what
/// `Hub::changed_elsewhere` did before, and `Hub::resync` still does): a record with 4,000
/// one-character changes stored as one snapshot, then, per round, one change appended to the
/// store as another server's commit, announced, and the record opened again. On SQLite, and on
/// PostgreSQL when `HEARTH_TEST_DATABASE_URL` is set. Prints figures, asserts nothing about time:
/// `cargo test -p hearth-server --release --lib catch_up_figures -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a check"]
async fn catch_up_figures() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&dir.path().join(DATABASE), SqliteOptions::default())
            .expect("open the store"),
    );
    catch_up_figures_on("SQLite", sqlite).await;
    if let Some(pg) = crate::store::test_pg::fresh_pg().await {
        catch_up_figures_on("PostgreSQL", Arc::new(pg)).await;
    }
}

async fn catch_up_figures_on(store_name: &str, store: Arc<dyn Store>) {
    const HISTORY: usize = 4_000;
    const ROUNDS: u32 = 100;
    let id = DocumentId::random();
    let mut inspection = Inspection::new("user-test-1", "home-test-1", 1_796_040_000_000);
    inspection.time_in = "10:00".into();
    let record = Record::Inspection(inspection);
    let meta = record.meta();
    let mut doc = AutoCommit::new();
    record.write_to(&mut doc).unwrap();
    doc.commit();
    for n in 0..HISTORY {
        let premises = text_of(&doc, "premises");
        let end = doc.length(&premises);
        doc.splice_text(&premises, end, 0, if n % 8 == 7 { " " } else { "a" })
            .unwrap();
        doc.commit();
    }
    store
        .append_chunk(id, meta.clone(), None, doc.save(), 1)
        .await
        .unwrap();
    let hub = Hub::new(store.clone(), "test-storage".into(), 100, usize::MAX);
    hub.open(id).await.unwrap();

    // One round: another server's commit of one keystroke, its announcement, the next open.
    let round = async |doc: &mut AutoCommit, whole: bool| {
        let heads = doc.get_heads();
        let premises = text_of(doc, "premises");
        let end = doc.length(&premises);
        doc.splice_text(&premises, end, 0, "b").unwrap();
        doc.commit();
        store
            .append_chunk(id, meta.clone(), None, doc.save_after(&heads), 2)
            .await
            .unwrap();
        let started = std::time::Instant::now();
        if whole {
            hub.resync().await;
        } else {
            hub.changed_elsewhere(id).await;
        }
        let guard = hub.open(id).await.unwrap();
        let took = started.elapsed();
        assert_eq!(guard.get().doc.get_heads(), doc.get_heads());
        took
    };
    let mut caught_up = std::time::Duration::ZERO;
    let mut read_whole = std::time::Duration::ZERO;
    for _ in 0..ROUNDS {
        caught_up += round(&mut doc, false).await;
        read_whole += round(&mut doc, true).await;
    }
    let (caught_up, read_whole) = (caught_up / ROUNDS, read_whole / ROUNDS);
    println!(
        "{store_name}: a change made elsewhere to a record of {HISTORY} changes, taken in and \
         opened: caught up {caught_up:?}, read whole {read_whole:?} (whole / caught up = {:.1})",
        read_whole.as_secs_f64() / caught_up.as_secs_f64()
    );
    let counts = hub.load_counts();
    assert_eq!(counts.caught_up, u64::from(ROUNDS));
    assert_eq!(counts.whole, 1 + u64::from(ROUNDS));
}
