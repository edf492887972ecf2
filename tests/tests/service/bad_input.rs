//! Bad input on the sync socket gets a clear error, stores nothing, and leaves the connection
//! and every other document working.

use automerge::transaction::Transactable;
use hearth_e2e::{Api, SyncClient, SyncError, TestServer, now_ms, server_bin};
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{Inspection, Record, VisitNote, WorkflowState};
use hearth_shared::permissions::Role;
use hearth_shared::protocol::Message;

/// Expects the next message to be an `error` with `code`.
async fn expect_error(client: &mut SyncClient, code: &str) {
    match client.next_message().await.expect("the server answers") {
        Message::Error {
            code: got, message, ..
        } => {
            assert_eq!(got.as_deref(), Some(code), "error message: {message}");
            assert!(!message.is_empty(), "errors carry a human message");
        }
        other => panic!("expected an error {code}, got {other:?}"),
    }
}

/// Proves the connection still works: a new visit note syncs.
async fn still_syncs(client: &mut SyncClient, user_id: &str, home: &str) {
    let id = client.create(&Record::VisitNote(VisitNote::new(user_id, home, now_ms())));
    client
        .sync_doc(id)
        .await
        .expect("other documents keep syncing");
}

fn cbor(value: &ciborium::Value) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).unwrap();
    out
}

#[tokio::test]
async fn malformed_unknown_oversized_and_corrupt_frames_are_answered_and_harmless() {
    let server =
        TestServer::start_with(server_bin!(), &[("HEARTH_MAX_MESSAGE_BYTES", "65536")]).await;
    let home = server.home("Synthetic House Six").await;
    let (api, member) = server.user(Role::Member, &[&home]).await;
    let mut c = api.sync().await;

    // Not CBOR at all.
    c.send_frame(b"\xff\x00 definitely not cbor".to_vec())
        .await
        .unwrap();
    expect_error(&mut c, "malformed_message").await;
    still_syncs(&mut c, &member.id, &home).await;

    // Well-formed CBOR, unknown message type.
    use ciborium::Value as V;
    let unknown = V::Map(vec![
        (V::Text("type".into()), V::Text("teleport".into())),
        (V::Text("senderId".into()), V::Text(c.peer_id().into())),
    ]);
    c.send_frame(cbor(&unknown)).await.unwrap();
    expect_error(&mut c, "unknown_message_type").await;
    still_syncs(&mut c, &member.id, &home).await;

    // Larger than the configured limit.
    c.send_frame(vec![0u8; 70_000]).await.unwrap();
    expect_error(&mut c, "too_large").await;
    still_syncs(&mut c, &member.id, &home).await;

    // A sync message whose payload is not an Automerge sync message.
    let corrupt = Message::Sync {
        sender_id: c.peer_id().into(),
        target_id: c.server_peer().into(),
        document_id: DocumentId::random().to_string(),
        data: vec![0x42, 0x13, 0x37, 0x00, 0xff],
    };
    c.send(&corrupt).await.unwrap();
    expect_error(&mut c, "corrupt_sync_message").await;
    still_syncs(&mut c, &member.id, &home).await;
}

#[tokio::test]
async fn unsupported_protocol_version_is_refused_and_others_keep_working() {
    let server = TestServer::start(server_bin!()).await;
    let home = server.home("Synthetic House Seven").await;
    let (api, member) = server.user(Role::Member, &[&home]).await;
    let mut good = api.sync().await;

    let ticket = api.ticket().await;
    let mut socket = hearth_e2e::sync_client::open_socket(&server.base, Some(&ticket))
        .await
        .unwrap();
    use futures_util::{SinkExt, StreamExt};
    let join = Message::Join {
        sender_id: "old-peer".into(),
        peer_metadata: None,
        supported_protocol_versions: vec!["0".into()],
    };
    socket
        .send(tokio_tungstenite::tungstenite::Message::binary(
            join.encode(),
        ))
        .await
        .unwrap();
    let reply = socket.next().await.expect("a reply").expect("a frame");
    match Message::decode(&reply.into_data()).unwrap() {
        Message::Error { code, .. } => {
            assert_eq!(code.as_deref(), Some("unsupported_protocol_version"))
        }
        other => panic!("expected an error, got {other:?}"),
    }
    still_syncs(&mut good, &member.id, &home).await;
}

#[tokio::test]
async fn invalid_and_forbidden_changes_are_rejected_audited_and_not_stored() {
    let server = TestServer::start(server_bin!()).await;
    let home = server.home("Synthetic House Eight").await;
    let (api, member) = server.user(Role::Member, &[&home]).await;
    let (_, other_member) = server.user(Role::Member, &[&home]).await;
    let (officer_api, _) = server.user(Role::Officer, &[]).await;
    let mut c = api.sync().await;

    // A change that removes a required field.
    let note = c.create(&Record::VisitNote(VisitNote::new(
        &member.id,
        &home,
        now_ms(),
    )));
    c.sync_doc(note).await.unwrap();
    let stored_heads = c.heads(note);
    c.doc(note).delete(automerge::ROOT, "createdBy").unwrap();
    c.doc(note).commit();
    match c.sync_doc(note).await {
        Err(SyncError::Rejected { code, .. }) => assert_eq!(code, "invalid_record"),
        other => panic!("expected a rejection, got {other:?}"),
    }
    still_syncs(&mut c, &member.id, &home).await;

    // A forged author: a note claiming to be another member's.
    let forged = c.create(&Record::VisitNote(VisitNote::new(
        &other_member.id,
        &home,
        now_ms(),
    )));
    match c.sync_doc(forged).await {
        Err(SyncError::Rejected { code, .. }) => assert_eq!(code, "forged_author"),
        other => panic!("expected a rejection, got {other:?}"),
    }
    still_syncs(&mut c, &member.id, &home).await;

    // Editing a signed-off record.
    let inspection = c.create(&Record::Inspection(Inspection::new(
        &member.id,
        &home,
        now_ms(),
    )));
    c.sync_doc(inspection).await.unwrap();
    c.edit(inspection, |r| {
        if let Record::Inspection(i) = r {
            i.time_in = "10:00".into();
            i.time_out = "12:30".into();
            i.state = WorkflowState::Submitted;
        }
    });
    c.sync_doc(inspection).await.expect("submitted");
    let member_id = member.id.clone();
    c.edit(inspection, |r| {
        if let Record::Inspection(i) = r {
            i.state = WorkflowState::SignedOff;
            i.sign_off = Some(hearth_shared::model::SignOff {
                by: member_id,
                at: now_ms(),
            });
        }
    });
    c.sync_doc(inspection).await.expect("signed off");
    let signed_heads = c.heads(inspection);
    let premises = hearth_e2e::root_text(c.doc(inspection), "premises");
    c.doc(inspection)
        .splice_text(&premises, 0, 0, "Late edit.")
        .unwrap();
    c.doc(inspection).commit();
    match c.sync_doc(inspection).await {
        Err(SyncError::Rejected { code, .. }) => assert_eq!(code, "record_locked"),
        other => panic!("expected a rejection, got {other:?}"),
    }
    still_syncs(&mut c, &member.id, &home).await;

    // Nothing of the rejected changes reached the server.
    let mut officer = officer_api.sync().await;
    officer.fetch(note).await.expect("the note is readable");
    assert_eq!(officer.heads(note), stored_heads);
    officer
        .fetch(inspection)
        .await
        .expect("the inspection is readable");
    assert_eq!(officer.heads(inspection), signed_heads);
    assert!(matches!(
        officer.fetch(forged).await,
        Err(SyncError::Unavailable)
    ));

    // And each rejection is in the audit log, without content.
    let admin: Api = server.admin().await;
    let (status, audit) = admin
        .get("/api/admin/audit?action=change_rejected&perPage=200")
        .await;
    assert_eq!(status, 200);
    let rejected: Vec<_> = audit["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "change_rejected")
        .map(|r| r["detail"].as_str().unwrap().to_string())
        .collect();
    for code in ["invalid_record", "forged_author", "record_locked"] {
        assert!(
            rejected.iter().any(|d| d == code),
            "{code} audited: {rejected:?}"
        );
    }
}
