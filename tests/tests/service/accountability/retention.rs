//! Retention and erasure end to end: a real server process, real SQLite, Rust sync clients.
//! An erased record is gone from the server and every device that syncs it is told to drop
//! it; nobody who could never read it learns that it existed.

use hearth_e2e::{SyncError, TestServer, WAIT, now_ms, server_bin};
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{
    Answer, Consultation, ConsultationResponse, Question, QuestionType, Record, VisitNote,
    WorkflowState,
};
use hearth_shared::permissions::Role;
use hearth_shared::protocol::Message;
use serde_json::{Value, json};

/// A year and a bit ahead: past a 12-month period from today whatever the month.
const AHEAD_MS: i64 = 400 * 86_400_000;

fn is_erased(result: Result<(), SyncError>) -> bool {
    matches!(result, Err(SyncError::Rejected { code, .. }) if code == "record_erased")
}

async fn erased_rows(admin: &hearth_e2e::api::Api) -> Vec<Value> {
    let (status, body) = admin
        .get("/api/admin/audit?action=record_erased&perPage=100")
        .await;
    assert_eq!(status, 200, "{body}");
    body["rows"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn an_admin_erases_one_record_everywhere_with_a_reason() {
    let server = TestServer::start(server_bin!()).await;
    let home = server.home("Synthetic House Erase").await;
    let other_home = server.home("Synthetic House Elsewhere").await;
    let (owner_api, owner) = server.user(Role::Member, &[&home]).await;
    let (other_api, _) = server.user(Role::Member, &[&other_home]).await;
    let admin = server.admin().await;

    let mut device = owner_api.sync().await;
    let id = device.create(&Record::VisitNote(VisitNote::new(
        &owner.id,
        &home,
        now_ms(),
    )));
    device.sync_doc(id).await.unwrap();
    let kept = device.create(&Record::VisitNote(VisitNote::new(
        &owner.id,
        &home,
        now_ms(),
    )));
    device.sync_doc(kept).await.unwrap();
    let old_copy = device.doc(id).clone();

    // A reason is required; an unknown record is 404.
    let (status, _) = admin
        .post(
            "/api/admin/erasures",
            &json!({ "documentId": id.to_string(), "reason": " " }),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = admin
        .post(
            "/api/admin/erasures",
            &json!({ "documentId": DocumentId::random().to_string(), "reason": "test" }),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = owner_api
        .post(
            "/api/admin/erasures",
            &json!({ "documentId": id.to_string(), "reason": "x" }),
        )
        .await;
    assert_eq!(status, 403, "only administrators erase");

    let (status, body) = admin
        .post(
            "/api/admin/erasures",
            &json!({ "documentId": format!("automerge:{id}"), "reason": "Entered on the wrong home" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    // The device that was syncing it is told at once, and an edit is refused the same way.
    device.edit(id, |r| {
        if let Record::VisitNote(n) = r {
            n.visit_date = "2026-01-02".into();
        }
    });
    assert!(is_erased(device.sync_doc(id).await));
    device
        .sync_doc(kept)
        .await
        .expect("the other record syncs as before");

    // A device coming back later with its old copy is told to drop it; the copy never brings
    // the record back.
    let mut later = owner_api.sync().await;
    later.insert(id, old_copy.clone());
    assert!(is_erased(later.sync_doc(id).await));
    let mut asking = owner_api.sync().await;
    assert!(matches!(
        asking.fetch(id).await,
        Err(SyncError::Rejected { code, .. }) if code == "record_erased"
    ));
    let (_, list) = owner_api.get("/api/documents").await;
    assert!(!list.to_string().contains(&id.to_string()), "not listed");
    assert!(list.to_string().contains(&kept.to_string()));

    // Someone who could never read it learns nothing: the replies of an unknown id.
    let mut stranger = other_api.sync().await;
    assert!(matches!(
        stranger.fetch(id).await,
        Err(SyncError::Unavailable)
    ));
    assert!(matches!(
        stranger.fetch(DocumentId::random()).await,
        Err(SyncError::Unavailable)
    ));
    // Byte for byte: a `request` for the erased record and for an id never used, from the
    // stranger, get the same `doc-unavailable` (ids swapped).
    let mut raw = other_api.sync().await;
    let (peer, me) = (raw.server_peer().to_string(), raw.peer_id().to_string());
    let data = {
        use automerge::sync::SyncDoc;
        let mut state = automerge::sync::State::new();
        automerge::Automerge::new()
            .generate_sync_message(&mut state)
            .expect("a first message")
            .encode()
    };
    let never = DocumentId::random();
    for asked in [id, never] {
        raw.send(&Message::Request {
            sender_id: me.clone(),
            target_id: peer.clone(),
            document_id: asked.to_string(),
            data: data.clone(),
        })
        .await
        .unwrap();
    }
    let erased_frame = raw.next_frame().await.unwrap();
    let unknown_frame = raw.next_frame().await.unwrap();
    let swapped = match Message::decode(&erased_frame).unwrap() {
        Message::DocUnavailable {
            sender_id,
            target_id,
            ..
        } => Message::DocUnavailable {
            sender_id,
            target_id,
            document_id: never.to_string(),
        },
        other => panic!("expected doc-unavailable, got {other:?}"),
    };
    assert_eq!(swapped.encode(), unknown_frame);

    let mut pushing = other_api.sync().await;
    pushing.insert(id, old_copy);
    match pushing.sync_doc(id).await {
        Err(SyncError::Rejected { code, .. }) => assert_ne!(code, "record_erased"),
        other => panic!("an old copy pushed by someone else is refused: {other:?}"),
    }

    // Erasing twice finds nothing; the audit keeps who, which and why, once.
    let (status, _) = admin
        .post(
            "/api/admin/erasures",
            &json!({ "documentId": id.to_string(), "reason": "again" }),
        )
        .await;
    assert_eq!(status, 404);
    let rows = erased_rows(&admin).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["documentId"], json!(id.to_string()));
    assert_eq!(rows[0]["detail"], json!("Entered on the wrong home"));
    assert_eq!(rows[0]["username"], json!("admin"));
    assert_eq!(rows[0]["subject"], json!("admin"));
}

/// A closed consultation with `responses` answers and an open one with one, as a participation
/// worker and a tablet would make them. Returns (closed responses, open response, consultations).
async fn consultations_with_answers(
    server: &TestServer,
) -> (
    hearth_e2e::sync_client::SyncClient,
    hearth_e2e::server::TestUser,
    Vec<DocumentId>,
    DocumentId,
    [DocumentId; 2],
) {
    let (worker_api, worker) = server.user(Role::ParticipationWorker, &[]).await;
    let (kiosk_api, kiosk) = server.user(Role::YoungPerson, &[]).await;
    let mut w = worker_api.sync().await;
    let mut k = kiosk_api.sync().await;
    let mut made = Vec::new();
    for title in ["Synthetic survey closed", "Synthetic survey still open"] {
        let mut c = Consultation::new(&worker.id, title, now_ms());
        c.questions.push(Question::new(
            "q1",
            QuestionType::EmojiScale,
            "How is the food?",
        ));
        let cid = w.create(&Record::Consultation(c));
        w.sync_doc(cid).await.unwrap();
        w.edit(cid, |r| {
            if let Record::Consultation(c) = r {
                c.state = WorkflowState::Open;
            }
        });
        w.sync_doc(cid).await.unwrap();
        made.push(cid);
    }
    let mut answer = |cid: DocumentId| {
        let mut response = ConsultationResponse::new(&kiosk.id, &cid.to_string(), now_ms());
        response.answers.push(Answer::scale("q1", 4));
        response.consent_given = true;
        response.state = WorkflowState::Submitted;
        response.submitted_at = Some(now_ms());
        k.create(&Record::ConsultationResponse(response))
    };
    let closed_answers = vec![answer(made[0]), answer(made[0])];
    let open_answer = answer(made[1]);
    for id in closed_answers.iter().chain([&open_answer]) {
        k.sync_doc(*id)
            .await
            .expect("the tablet's answer is stored");
    }
    w.edit(made[0], |r| {
        if let Record::Consultation(c) = r {
            c.state = WorkflowState::Closed;
        }
    });
    w.sync_doc(made[0]).await.expect("the worker closes it");
    for id in closed_answers.iter().chain([&open_answer]) {
        w.fetch(*id)
            .await
            .expect("the worker's device holds the answers");
    }
    (w, worker, closed_answers, open_answer, [made[0], made[1]])
}

async fn retention_cli(server: &TestServer, now: i64, args: &[&str]) -> String {
    let out = server
        .hearth()
        .args(["retention", "run"])
        .args(args)
        .env("HEARTH_E2E_NOW_MS", now.to_string())
        .env("HEARTH_RETAIN_CONSULTATION_RESPONSES", "12")
        .env("RUST_LOG", "warn")
        .output()
        .await
        .expect("the command runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn the_daily_job_erases_exactly_the_expired_records_and_devices_drop_them() {
    let ahead = now_ms() + AHEAD_MS;
    let mut server = TestServer::start_with(
        server_bin!(),
        &[
            ("HEARTH_E2E_NOW_MS", &ahead.to_string()),
            ("HEARTH_RETAIN_CONSULTATION_RESPONSES", "12"),
        ],
    )
    .await;
    let (mut worker, worker_user, expired, kept, consultations) =
        consultations_with_answers(&server).await;
    let copies: Vec<_> = expired.iter().map(|id| worker.doc(*id).clone()).collect();

    // The preview: nothing today; in a year and a bit, exactly the closed survey's answers,
    // listed by id, kind and dates, never content.
    let today = retention_cli(&server, now_ms(), &["--dry-run"]).await;
    assert!(today.ends_with("0 record(s) would be erased\n"), "{today}");
    let preview = retention_cli(&server, ahead, &["--dry-run"]).await;
    assert!(
        preview.ends_with("2 record(s) would be erased\n"),
        "{preview}"
    );
    for id in &expired {
        assert!(preview.contains(&format!("{id}\tconsultationResponse\tfinished ")));
    }
    assert!(!preview.contains(&kept.to_string()));
    assert!(
        !preview.contains("Synthetic survey"),
        "no content in the listing"
    );
    worker
        .fetch(expired[0])
        .await
        .expect("a dry run changes nothing");

    // The server's job runs at start-up (then daily) on the server's clock.
    server.restart().await;
    let admin = server.admin().await;
    tokio::time::timeout(WAIT, async {
        while erased_rows(&admin).await.len() < 2 {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the job erases the expired answers");
    let rows = erased_rows(&admin).await;
    assert_eq!(rows.len(), 2, "exactly the expired ones: {rows:?}");
    for row in &rows {
        assert_eq!(row["detail"], json!("retention:consultationResponse"));
        assert_eq!(row["userId"], Value::Null);
    }

    // The worker's device, at its next sync, is told to drop each; the rest syncs as before.
    let worker_api = hearth_e2e::api::Api::new(&server.base);
    worker_api
        .sign_in(&worker_user.username, &worker_user.password)
        .await
        .unwrap();
    let mut again = worker_api.sync().await;
    for (id, copy) in expired.iter().zip(copies) {
        again.insert(*id, copy);
        assert!(is_erased(again.sync_doc(*id).await), "{id}");
    }
    again
        .fetch(kept)
        .await
        .expect("the open survey's answer stays");
    for c in consultations {
        again
            .fetch(c)
            .await
            .expect("consultations are kept by default");
    }
    let after = retention_cli(&server, ahead, &["--dry-run"]).await;
    assert!(after.ends_with("0 record(s) would be erased\n"), "{after}");
}

#[tokio::test]
async fn hearth_retention_run_erases_what_the_dry_run_listed() {
    let mut server = TestServer::start(server_bin!()).await;
    let home = server.home("Synthetic House Retention").await;
    let (api, member) = server.user(Role::Member, &[&home]).await;
    let mut device = api.sync().await;
    let closed = device.create(&Record::VisitNote(VisitNote::new(
        &member.id,
        &home,
        now_ms(),
    )));
    device.sync_doc(closed).await.unwrap();
    device.edit(closed, |r| {
        if let Record::VisitNote(n) = r {
            n.state = WorkflowState::Closed;
        }
    });
    device
        .sync_doc(closed)
        .await
        .expect("the member closes the note");
    let draft = device.create(&Record::VisitNote(VisitNote::new(
        &member.id,
        &home,
        now_ms(),
    )));
    device.sync_doc(draft).await.unwrap();
    let copy = device.doc(closed).clone();
    device.close().await;

    // With the server stopped, visit notes kept no months at all: the closed one goes.
    server.stop().await;
    let run = |args: Vec<&'static str>| {
        let mut command = server.hearth();
        async move {
            let out = command
                .args(["retention", "run", "--retain-visit-notes", "0"])
                .args(args)
                .env("RUST_LOG", "warn")
                .output()
                .await
                .expect("the command runs");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout).unwrap()
        }
    };
    let preview = run(vec!["--dry-run"]).await;
    assert!(
        preview.starts_with(&format!("{closed}\tvisitNote\tfinished ")),
        "{preview}"
    );
    assert!(
        preview.ends_with("1 record(s) would be erased\n"),
        "{preview}"
    );
    let done = run(vec![]).await;
    assert_eq!(
        done.replace("erased\n", "would be erased\n"),
        preview,
        "it erases exactly what the preview listed"
    );
    assert!(
        run(vec!["--dry-run"])
            .await
            .ends_with("0 record(s) would be erased\n")
    );

    server.start_again().await;
    let api = hearth_e2e::api::Api::new(&server.base);
    api.sign_in(&member.username, &member.password)
        .await
        .unwrap();
    let mut device = api.sync().await;
    device.insert(closed, copy);
    assert!(is_erased(device.sync_doc(closed).await));
    device.fetch(draft).await.expect("the draft is kept");
    let rows = erased_rows(&server.admin().await).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["detail"], json!("retention:visitNote"));
}
