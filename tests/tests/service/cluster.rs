//! Several servers, one service: two `hearth serve` processes on one PostgreSQL database, as a
//! council runs them behind a reverse proxy without sticky sessions. A change made through one
//! reaches devices connected to the other; tickets, sessions, revocations and sign-in throttling
//! hold across both; killing one loses nothing it acknowledged; and a forbidden record is
//! answered exactly as an unknown one, by either server.
//!
//! Each test makes its own database on the cluster `cargo xtask test` starts
//! (`HEARTH_TEST_DATABASE_URL`); without it they skip, except under `CI=true`. Synthetic data.

use automerge::transaction::Transactable;
use hearth_e2e::postgres::fresh_database_url;
use hearth_e2e::sync_client::open_socket;
use hearth_e2e::{
    Api, SyncClient, SyncError, TestServer, now_ms, read_root_text, root_text, server_bin,
};
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{Inspection, Record, VisitNote};
use hearth_shared::permissions::Role;
use hearth_shared::protocol::Message;

/// Two servers on one fresh database, the second started once the first has set it up.
async fn two_servers(env: &[(&str, &str)]) -> Option<(TestServer, TestServer)> {
    let url = fresh_database_url().await?;
    let mut env: Vec<(&str, &str)> = env.to_vec();
    env.push(("HEARTH_DATABASE_URL", &url));
    let first = TestServer::start_with(server_bin!(), &env).await;
    let second = first.another_server().await;
    Some((first, second))
}

/// `username` signed in on `server` (its own cookie there).
async fn signed_in(server: &TestServer, username: &str, password: &str) -> Api {
    let api = Api::new(&server.base);
    api.sign_in(username, password)
        .await
        .expect("an account made through either server signs in on both");
    api
}

/// Appends `text` to the record's `premises` and syncs it until acknowledged.
async fn add_to_premises(client: &mut SyncClient, id: DocumentId, text: &str) {
    let premises = root_text(client.doc(id), "premises");
    let end = read_root_text(client.doc(id), "premises").chars().count();
    client
        .doc(id)
        .splice_text(&premises, end, 0, text)
        .expect("a text splice");
    client.doc(id).commit();
    client.sync_doc(id).await.expect("the edit is accepted");
}

#[tokio::test]
async fn a_member_on_one_server_and_an_officer_on_the_other_see_each_others_edits() {
    let Some((a, b)) = two_servers(&[]).await else {
        return;
    };
    let home = a.home("Synthetic House One").await;
    let (member_api, member) = a.user(Role::Member, &[&home]).await;
    let (_, colleague) = a.user(Role::Member, &[&home]).await;
    let (_, officer) = a.user(Role::Officer, &[]).await;

    let mut on_a = member_api.sync().await;
    let id = on_a.create(&Record::Inspection(Inspection::new(
        &member.id,
        &home,
        now_ms(),
    )));
    add_to_premises(&mut on_a, id, "The kitchen is clean.").await;

    let officer_api = signed_in(&b, &officer.username, &officer.password).await;
    let mut officer_on_b = officer_api.sync().await;
    officer_on_b.fetch(id).await.expect("the officer reads it");
    let colleague_api = signed_in(&b, &colleague.username, &colleague.password).await;
    let mut colleague_on_b = colleague_api.sync().await;
    colleague_on_b
        .fetch(id)
        .await
        .expect("the colleague reads it");

    // Typed through A: pushed to both devices on B without their asking.
    add_to_premises(&mut on_a, id, " Visited at noon.").await;
    let heads = on_a.heads(id);
    officer_on_b
        .wait_for_heads(id, &heads)
        .await
        .expect("the officer on the other server is sent the edit");
    colleague_on_b
        .wait_for_heads(id, &heads)
        .await
        .expect("the colleague on the other server is sent the edit");
    assert_eq!(
        read_root_text(officer_on_b.doc(id), "premises"),
        "The kitchen is clean. Visited at noon."
    );

    // Typed through B: pushed to the member on A.
    add_to_premises(&mut colleague_on_b, id, " The garden needs work.").await;
    let heads = colleague_on_b.heads(id);
    on_a.wait_for_heads(id, &heads)
        .await
        .expect("the member on the first server is sent the edit");
    officer_on_b
        .wait_for_heads(id, &heads)
        .await
        .expect("and so is the officer beside the colleague");
    assert_eq!(
        read_root_text(on_a.doc(id), "premises"),
        "The kitchen is clean. Visited at noon. The garden needs work."
    );
}

#[tokio::test]
async fn a_ticket_works_once_whichever_server_it_is_used_on() {
    let Some((a, b)) = two_servers(&[]).await else {
        return;
    };
    let (member_api, _) = a.user(Role::Member, &[]).await;
    let used_on_a = member_api.ticket().await;
    let socket = open_socket(&a.base, Some(&used_on_a))
        .await
        .expect("a fresh ticket opens a connection");
    drop(socket);
    assert_eq!(
        open_socket(&b.base, Some(&used_on_a)).await.err(),
        Some(401),
        "a ticket used on one server is refused on the other"
    );
    let used_on_b = member_api.ticket().await;
    let socket = open_socket(&b.base, Some(&used_on_b))
        .await
        .expect("a ticket from one server opens a connection on the other");
    drop(socket);
    assert_eq!(
        open_socket(&a.base, Some(&used_on_b)).await.err(),
        Some(401)
    );
}

#[tokio::test]
async fn a_device_revoked_through_one_server_is_refused_and_hung_up_on_the_other_at_once() {
    let Some((a, b)) = two_servers(&[]).await else {
        return;
    };
    let (_, member) = a.user(Role::Member, &[]).await;
    let tablet = signed_in(&b, &member.username, &member.password).await;
    let mut socket = tablet.sync().await;
    let (_, devices) = tablet.get("/api/me/devices").await;
    let device_id = devices
        .as_array()
        .expect("a list")
        .iter()
        .find(|d| d["current"] == true)
        .expect("the current device")["id"]
        .as_str()
        .expect("an id")
        .to_string();

    let admin = a.admin().await;
    let (status, body) = admin
        .delete(&format!("/api/admin/devices/{device_id}"))
        .await;
    assert_eq!(status, 200, "{body}");

    match socket.next_message().await {
        Ok(Message::Error { code, .. }) => assert_eq!(code.as_deref(), Some("device_revoked")),
        other => panic!("the other server hangs up with device_revoked, got {other:?}"),
    }
    assert!(matches!(socket.next_frame().await, Err(SyncError::Closed)));
    let (status, body) = tablet.get("/api/me").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("device_revoked"))
    );
}

#[tokio::test]
async fn sign_in_failures_count_across_both_servers() {
    let Some((a, b)) = two_servers(&[("HEARTH_LOGIN_ATTEMPTS_PER_ACCOUNT", "4")]).await else {
        return;
    };
    let (_, member) = a.user(Role::Member, &[]).await;
    for attempt in 0..4 {
        let server = if attempt % 2 == 0 { &a } else { &b };
        let (status, _) = Api::new(&server.base)
            .sign_in(&member.username, "not-the-password")
            .await
            .expect_err("a wrong password is refused");
        assert_eq!(
            status, 401,
            "attempt {attempt} is counted, not yet throttled"
        );
    }
    for server in [&a, &b] {
        let (status, body) = Api::new(&server.base)
            .sign_in(&member.username, &member.password)
            .await
            .expect_err("four failures spread over two servers reach the limit of four");
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (429, Some("too_many_attempts"))
        );
    }
}

#[tokio::test]
async fn killing_one_server_mid_typing_loses_nothing_it_acknowledged() {
    let Some((mut a, b)) = two_servers(&[]).await else {
        return;
    };
    let home = a.home("Synthetic House Two").await;
    let (member_api, member) = a.user(Role::Member, &[&home]).await;
    let mut on_a = member_api.sync().await;
    let id = on_a.create(&Record::Inspection(Inspection::new(
        &member.id,
        &home,
        now_ms(),
    )));
    on_a.sync_doc(id).await.expect("the new record is accepted");

    // Typing through A, each change acknowledged before the next, until A is killed.
    let (acked_tx, mut acked_rx) = tokio::sync::mpsc::unbounded_channel();
    let typing = tokio::spawn(async move {
        for n in 0.. {
            let premises = root_text(on_a.doc(id), "premises");
            let end = read_root_text(on_a.doc(id), "premises").chars().count();
            on_a.doc(id)
                .splice_text(&premises, end, 0, &format!("{}", n % 10))
                .expect("a splice");
            on_a.doc(id).commit();
            if on_a.sync_doc(id).await.is_err() {
                break;
            }
            if acked_tx.send(on_a.heads(id)).is_err() {
                break;
            }
        }
    });
    let mut acknowledged = Vec::new();
    while acknowledged.len() < 40 {
        acknowledged.push(
            acked_rx
                .recv()
                .await
                .expect("typing goes on until A is killed"),
        );
    }
    a.kill9().await;
    typing.await.expect("the typing task ends");
    while let Ok(heads) = acked_rx.try_recv() {
        acknowledged.push(heads);
    }

    let (reader, _) = b.user(Role::Officer, &[]).await;
    let mut on_b = reader.sync().await;
    on_b.fetch(id)
        .await
        .expect("the other server still serves it");
    for heads in &acknowledged {
        for hash in heads {
            assert!(
                on_b.doc(id).get_change_by_hash(hash).is_some(),
                "an acknowledged change is kept"
            );
        }
    }
    assert!(
        read_root_text(on_b.doc(id), "premises").chars().count() >= acknowledged.len(),
        "every acknowledged character is there"
    );
}

#[tokio::test]
async fn a_forbidden_record_is_answered_as_an_unknown_one_byte_for_byte_by_both_servers() {
    let Some((a, b)) = two_servers(&[]).await else {
        return;
    };
    let home = a.home("Synthetic House Three").await;
    let other_home = a.home("Synthetic House Four").await;
    let (owner_api, owner) = a.user(Role::Member, &[&home]).await;
    let (_, outsider) = a.user(Role::Member, &[&other_home]).await;
    let mut owner_client = owner_api.sync().await;
    let secret = owner_client.create(&Record::VisitNote(VisitNote::new(
        &owner.id,
        &home,
        now_ms(),
    )));
    owner_client.sync_doc(secret).await.expect("stored");
    let never = DocumentId::random();

    let data = {
        use automerge::sync::SyncDoc;
        let mut state = automerge::sync::State::new();
        automerge::Automerge::new()
            .generate_sync_message(&mut state)
            .expect("a first message")
            .encode()
    };
    let mut answers: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    for server in [&a, &b] {
        let api = signed_in(server, &outsider.username, &outsider.password).await;
        let mut client = api.sync().await;
        let peer = client.server_peer().to_string();
        let me = client.peer_id().to_string();
        for id in [secret, never] {
            client
                .send(&Message::Request {
                    sender_id: me.clone(),
                    target_id: peer.clone(),
                    document_id: id.to_string(),
                    data: data.clone(),
                })
                .await
                .expect("sent");
        }
        let forbidden = client.next_frame().await.expect("an answer");
        let unknown = client.next_frame().await.expect("an answer");
        answers.push((forbidden, unknown));
    }
    for (forbidden, unknown) in &answers {
        let forbidden = Message::decode(forbidden).expect("a message");
        assert!(
            matches!(forbidden, Message::DocUnavailable { .. }),
            "{forbidden:?}"
        );
        let as_if_unknown = match forbidden {
            Message::DocUnavailable {
                sender_id,
                target_id,
                ..
            } => Message::DocUnavailable {
                sender_id,
                target_id,
                document_id: never.to_string(),
            },
            _ => unreachable!(),
        };
        assert_eq!(&as_if_unknown.encode(), unknown);
    }
}
