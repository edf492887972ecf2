//! Who may read which record, enforced on every sync message. A forbidden record answers
//! exactly like one that does not exist.

use hearth_e2e::sync_client::open_socket;
use hearth_e2e::{SyncError, TestServer, now_ms, server_bin};
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{
    Consultation, ConsultationResponse, Inspection, Record, VisitNote, WorkflowState,
};
use hearth_shared::permissions::Role;
use hearth_shared::protocol::Message;

/// Swaps the document id inside a `doc-unavailable` reply so two replies can be compared byte
/// for byte.
fn with_document(message: &Message, id: DocumentId) -> Vec<u8> {
    match message.clone() {
        Message::DocUnavailable {
            sender_id,
            target_id,
            ..
        } => Message::DocUnavailable {
            sender_id,
            target_id,
            document_id: id.to_string(),
        }
        .encode(),
        other => panic!("expected doc-unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn forbidden_and_unknown_documents_get_byte_identical_answers() {
    let server = TestServer::start(server_bin!()).await;
    let home = server.home("Synthetic House Three").await;
    let (owner_api, owner) = server.user(Role::Member, &[&home]).await;
    let (other_api, _) = server.user(Role::Member, &[&home]).await;

    let mut owner_client = owner_api.sync().await;
    let secret = owner_client.create(&Record::VisitNote(VisitNote::new(
        &owner.id,
        &home,
        now_ms(),
    )));
    owner_client
        .sync_doc(secret)
        .await
        .expect("the owner's note is stored");

    let mut other = other_api.sync().await;
    let never = DocumentId::random();
    let empty_sync = automerge::sync::State::new();
    let data = {
        use automerge::sync::SyncDoc;
        let doc = automerge::Automerge::new();
        let mut state = empty_sync.clone();
        doc.generate_sync_message(&mut state)
            .expect("a first message")
            .encode()
    };
    let peer = other.server_peer().to_string();
    let me = other.peer_id().to_string();
    for id in [secret, never] {
        other
            .send(&Message::Request {
                sender_id: me.clone(),
                target_id: peer.clone(),
                document_id: id.to_string(),
                data: data.clone(),
            })
            .await
            .unwrap();
    }
    let forbidden_frame = other.next_frame().await.unwrap();
    let unknown_frame = other.next_frame().await.unwrap();
    let forbidden = Message::decode(&forbidden_frame).unwrap();
    assert!(
        matches!(forbidden, Message::DocUnavailable { .. }),
        "{forbidden:?}"
    );
    assert_eq!(with_document(&forbidden, never), unknown_frame);
    assert_eq!(
        forbidden_frame,
        with_document(&Message::decode(&unknown_frame).unwrap(), secret)
    );

    // A `sync` (as from a device that claims a copy) is answered as for an empty document too.
    for id in [secret, never] {
        other
            .send(&Message::Sync {
                sender_id: me.clone(),
                target_id: peer.clone(),
                document_id: id.to_string(),
                data: data.clone(),
            })
            .await
            .unwrap();
    }
    let a = Message::decode(&other.next_frame().await.unwrap()).unwrap();
    let b = Message::decode(&other.next_frame().await.unwrap()).unwrap();
    match (a, b) {
        (Message::Sync { data: da, .. }, Message::Sync { data: db, .. }) => assert_eq!(da, db),
        other => panic!("expected two sync replies, got {other:?}"),
    }
}

#[tokio::test]
async fn member_cannot_fetch_another_members_visit_note() {
    let server = TestServer::start(server_bin!()).await;
    let home = server.home("Synthetic House Four").await;
    let (owner_api, owner) = server.user(Role::Member, &[&home]).await;
    let (other_api, _) = server.user(Role::Member, &[&home]).await;
    let (officer_api, _) = server.user(Role::Officer, &[]).await;

    let mut c = owner_api.sync().await;
    let id = c.create(&Record::VisitNote(VisitNote::new(
        &owner.id,
        &home,
        now_ms(),
    )));
    c.sync_doc(id).await.unwrap();

    let mut other = other_api.sync().await;
    assert!(matches!(other.fetch(id).await, Err(SyncError::Unavailable)));
    let mut officer = officer_api.sync().await;
    assert!(
        officer.fetch(id).await.is_ok(),
        "officers read all visit notes"
    );

    let (status, list) = other_api.get("/api/documents").await;
    assert_eq!(status, 200);
    assert!(
        !list.to_string().contains(&id.to_string()),
        "not listed either"
    );
    let (_, list) = owner_api.get("/api/documents").await;
    assert!(
        list.to_string().contains(&id.to_string()),
        "listed for its owner"
    );
}

#[tokio::test]
async fn young_person_cannot_fetch_any_response() {
    let server = TestServer::start(server_bin!()).await;
    let (worker_api, worker) = server.user(Role::ParticipationWorker, &[]).await;
    let (kiosk_api, kiosk) = server.user(Role::YoungPerson, &[]).await;

    let mut w = worker_api.sync().await;
    let mut consultation = Consultation::new(&worker.id, "Synthetic survey about food", now_ms());
    consultation
        .questions
        .push(hearth_shared::model::Question::new(
            "q1",
            hearth_shared::model::QuestionType::EmojiScale,
            "How do you like the food?",
        ));
    let cid = w.create(&Record::Consultation(consultation));
    w.sync_doc(cid).await.unwrap();
    w.edit(cid, |r| {
        if let Record::Consultation(c) = r {
            c.state = WorkflowState::Open;
        }
    });
    w.sync_doc(cid)
        .await
        .expect("the worker opens the consultation");

    let mut k = kiosk_api.sync().await;
    let mut response = ConsultationResponse::new(&kiosk.id, &cid.to_string(), now_ms());
    response
        .answers
        .push(hearth_shared::model::Answer::scale("q1", 4));
    response.consent_given = true;
    response.talk_to_someone = true;
    response.state = WorkflowState::Submitted;
    response.submitted_at = Some(now_ms());
    let rid = k.create(&Record::ConsultationResponse(response));
    k.sync_doc(rid)
        .await
        .expect("the kiosk's response is stored");

    // A fresh connection (the next young person on the tablet) cannot read it back.
    let mut next = kiosk_api.sync().await;
    assert!(matches!(next.fetch(rid).await, Err(SyncError::Unavailable)));
    let (_, list) = kiosk_api.get("/api/documents").await;
    assert!(!list.to_string().contains(&rid.to_string()));

    // The participation worker sees it, with the "talk to someone" flag.
    let record = w.fetch(rid).await.expect("the worker reads responses");
    match record {
        Record::ConsultationResponse(r) => assert!(r.talk_to_someone),
        other => panic!("expected a response, got {other:?}"),
    }
}

#[tokio::test]
async fn manager_cannot_read_a_draft_of_their_homes_record() {
    let server = TestServer::start(server_bin!()).await;
    let home = server.home("Synthetic House Five").await;
    let (member_api, member) = server.user(Role::Member, &[&home]).await;
    let (manager_api, _) = server.user(Role::Manager, &[&home]).await;

    let mut m = member_api.sync().await;
    let id = m.create(&Record::Inspection(Inspection::new(
        &member.id,
        &home,
        now_ms(),
    )));
    m.sync_doc(id).await.unwrap();

    let mut mgr = manager_api.sync().await;
    assert!(matches!(mgr.fetch(id).await, Err(SyncError::Unavailable)));

    m.edit(id, |r| {
        if let Record::Inspection(i) = r {
            i.time_in = "10:00".into();
            i.time_out = "12:30".into();
            i.state = WorkflowState::Submitted;
        }
    });
    m.sync_doc(id).await.expect("the member submits");
    assert!(
        mgr.fetch(id).await.is_ok(),
        "once submitted the manager can read it"
    );
}

#[tokio::test]
async fn sync_without_a_valid_ticket_is_refused_before_the_upgrade() {
    let server = TestServer::start(server_bin!()).await;
    let (api, _) = server.user(Role::Member, &[]).await;
    assert_eq!(open_socket(&server.base, None).await.err(), Some(401));
    assert_eq!(
        open_socket(&server.base, Some("nonsense")).await.err(),
        Some(401)
    );
    let ticket = api.ticket().await;
    assert!(open_socket(&server.base, Some(&ticket)).await.is_ok());
    assert_eq!(
        open_socket(&server.base, Some(&ticket)).await.err(),
        Some(401),
        "a ticket works once"
    );
}
