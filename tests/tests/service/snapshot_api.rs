//! The bulk download a new device starts with (`/api/documents/snapshot`): only what the user
//! may read, the same bytes and heads sync would give, a forbidden id refused exactly like an
//! unknown one, and afterwards sync carries only what changed since.

use std::collections::BTreeSet;

use automerge::sync::SyncDoc;
use automerge::{AutoCommit, Automerge, ReadDoc};
use hearth_e2e::records::{Answers, open_consultation, submit_responses};
use hearth_e2e::{Api, TestServer, now_ms, server_bin};
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{Answer, Question, QuestionType, Record, VisitNote};
use hearth_shared::permissions::Role;
use hearth_shared::protocol::Message;
use hearth_shared::snapshot::{self, SnapshotEntry};
use serde_json::{Value, json};

const PATH: &str = "/api/documents/snapshot";

/// The whole download of everything `api`'s user may read; asserts it is complete.
async fn download_all(api: &Api) -> Vec<SnapshotEntry> {
    let res = api.raw(reqwest::Method::GET, PATH).await;
    entries_of(res).await
}

/// The download of the records `ids` asks for.
async fn download_ids(api: &Api, ids: &[String]) -> Vec<u8> {
    let res = api.post_raw(PATH, &json!({ "ids": ids })).await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        snapshot::CONTENT_TYPE
    );
    res.bytes().await.unwrap().to_vec()
}

async fn entries_of(res: reqwest::Response) -> Vec<SnapshotEntry> {
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        snapshot::CONTENT_TYPE
    );
    assert_eq!(res.headers()["cache-control"].to_str().unwrap(), "no-store");
    let body = res.bytes().await.unwrap();
    let (entries, complete) = snapshot::decode_all(&body).expect("well-formed frames");
    assert!(complete, "the reply ends with the end frame");
    entries
}

fn ids(entries: &[SnapshotEntry]) -> BTreeSet<DocumentId> {
    entries.iter().map(|e| e.id).collect()
}

/// What `/api/documents` lists for this user (the same rule, already tested on its own).
async fn listed(api: &Api) -> BTreeSet<DocumentId> {
    let (status, list) = api.get("/api/documents").await;
    assert_eq!(status, 200);
    list.as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().parse().unwrap())
        .collect()
}

/// A visit note stored by its author over sync.
async fn visit_note(api: &Api, author: &str, home: &str) -> DocumentId {
    let mut client = api.sync().await;
    let id = client.create(&Record::VisitNote(VisitNote::new(author, home, now_ms())));
    client.sync_doc(id).await.expect("the note is stored");
    client.close().await;
    id
}

fn sorted(mut heads: Vec<automerge::ChangeHash>) -> Vec<String> {
    heads.sort();
    heads.iter().map(|h| h.to_string()).collect()
}

#[tokio::test]
async fn the_download_holds_exactly_what_each_user_may_read() {
    let server = TestServer::start(server_bin!()).await;
    let oak = server.home("Synthetic Oak House").await;
    let elm = server.home("Synthetic Elm House").await;
    let (member, member_user) = server.user(Role::Member, &[&oak]).await;
    let (colleague, colleague_user) = server.user(Role::Member, &[&oak]).await;
    let (elsewhere, elsewhere_user) = server.user(Role::Member, &[&elm]).await;
    let (worker, worker_user) = server.user(Role::ParticipationWorker, &[]).await;
    let (young, young_user) = server.user(Role::YoungPerson, &[]).await;

    let own = visit_note(&member, &member_user.id, &oak).await;
    let colleagues = visit_note(&colleague, &colleague_user.id, &oak).await;
    let other_home = visit_note(&elsewhere, &elsewhere_user.id, &elm).await;
    let consultation = open_consultation(
        &worker,
        &worker_user.id,
        "Synthetic survey about food",
        vec![Question::new(
            "q1",
            QuestionType::EmojiScale,
            "How is the food?",
        )],
        |_| {},
    )
    .await;
    let responses = submit_responses(
        &young,
        &young_user.id,
        consultation,
        vec![Answers::at(&oak, vec![Answer::scale("q1", 4)])],
    )
    .await;

    let got = download_all(&member).await;
    assert!(ids(&got).contains(&own));
    for never in [colleagues, other_home, responses[0]] {
        assert!(
            !ids(&got).contains(&never),
            "a member's download never holds another member's note, another home's record \
             or a young person's answers"
        );
    }
    assert_eq!(ids(&got), listed(&member).await);

    // Each entry is the stored document: its bytes load to its heads, the heads sync gives.
    let mut device = member.sync().await;
    for entry in &got {
        let doc = Automerge::load(&entry.doc).expect("the bytes load");
        assert_eq!(sorted(doc.get_heads()), {
            let mut h = entry.heads.clone();
            h.sort();
            h
        });
        device.fetch(entry.id).await.expect("sync gives it too");
        assert_eq!(sorted(device.heads(entry.id)), sorted(doc.get_heads()));
        let record = Record::from_doc(&doc).expect("a valid record");
        assert_eq!(record.meta(), entry.meta);
    }

    // A young person writes answers but never reads them back, in bulk either.
    let theirs = download_all(&young).await;
    assert!(!ids(&theirs).contains(&responses[0]));
    assert_eq!(ids(&theirs), listed(&young).await);

    // The participation worker reads the consultation and its answers.
    let workers = download_all(&worker).await;
    assert!(ids(&workers).contains(&consultation));
    assert!(ids(&workers).contains(&responses[0]));
    assert_eq!(ids(&workers), listed(&worker).await);
}

#[tokio::test]
async fn a_set_up_tablet_downloads_its_consultation_and_nothing_else() {
    let server = TestServer::start(server_bin!()).await;
    let oak = server.home("Synthetic Oak House").await;
    let (worker, worker_user) = server.user(Role::ParticipationWorker, &[]).await;
    let questions = || vec![Question::new("q1", QuestionType::EmojiScale, "How is it?")];
    let food =
        open_consultation(&worker, &worker_user.id, "Food (test)", questions(), |_| {}).await;
    let bedtimes = open_consultation(
        &worker,
        &worker_user.id,
        "Bedtimes (test)",
        questions(),
        |_| {},
    )
    .await;
    let (status, issued) = worker
        .post(
            "/api/kiosk-setup-codes",
            &json!({ "consultationId": food.to_url() }),
        )
        .await;
    assert_eq!(status, 201, "{issued}");
    let (status, account) = Api::new(&server.base)
        .post("/api/kiosk-setup", &json!({ "code": issued["code"] }))
        .await;
    assert_eq!(status, 201, "{account}");
    let tablet = Api::new(&server.base);
    let signed_in = tablet
        .sign_in(
            account["username"].as_str().unwrap(),
            account["password"].as_str().unwrap(),
        )
        .await
        .expect("the tablet signs in");
    let kiosk_id = signed_in["user"]["id"].as_str().unwrap().to_string();
    let answered = submit_responses(
        &tablet,
        &kiosk_id,
        food,
        vec![Answers::at(&oak, vec![Answer::scale("q1", 5)])],
    )
    .await;

    let got = download_all(&tablet).await;
    assert_eq!(ids(&got), BTreeSet::from([food]));
    let asked = download_ids(
        &tablet,
        &[
            bedtimes.to_string(),
            answered[0].to_string(),
            food.to_string(),
        ],
    )
    .await;
    let (entries, complete) = snapshot::decode_all(&asked).unwrap();
    assert!(complete);
    assert_eq!(ids(&entries), BTreeSet::from([food]));
}

#[tokio::test]
async fn a_forbidden_id_is_refused_byte_for_byte_like_an_unknown_one() {
    let server = TestServer::start(server_bin!()).await;
    let oak = server.home("Synthetic Oak House").await;
    let (member, member_user) = server.user(Role::Member, &[&oak]).await;
    let (colleague, colleague_user) = server.user(Role::Member, &[&oak]).await;
    let own = visit_note(&member, &member_user.id, &oak).await;
    let secret = visit_note(&colleague, &colleague_user.id, &oak).await;
    let never = DocumentId::random();

    let forbidden = download_ids(&member, &[secret.to_string()]).await;
    let unknown = download_ids(&member, &[never.to_string()]).await;
    assert_eq!(forbidden, unknown);
    assert_eq!(forbidden, snapshot::END, "nothing but the end frame");

    // Asked with a readable one, the forbidden one is still simply absent.
    let mixed = download_ids(&member, &[secret.to_string(), own.to_string()]).await;
    let alone = download_ids(&member, &[own.to_string()]).await;
    assert_eq!(mixed, alone);
    let (entries, _) = snapshot::decode_all(&mixed).unwrap();
    assert_eq!(ids(&entries), BTreeSet::from([own]));

    let (status, body) = member.post(PATH, &json!({ "ids": ["not an id"] })).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "bad_request");
}

#[tokio::test]
async fn without_a_session_nothing_is_downloaded() {
    let server = TestServer::start(server_bin!()).await;
    let oak = server.home("Synthetic Oak House").await;
    let (member, member_user) = server.user(Role::Member, &[&oak]).await;
    let own = visit_note(&member, &member_user.id, &oak).await;

    let stranger = Api::new(&server.base);
    let (status, body) = stranger.get(PATH).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "not_signed_in");
    let (status, body) = stranger
        .post(PATH, &json!({ "ids": [own.to_string()] }))
        .await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "not_signed_in");
}

#[tokio::test]
async fn each_download_is_audited_with_a_count_and_no_ids() {
    let server = TestServer::start(server_bin!()).await;
    let oak = server.home("Synthetic Oak House").await;
    let (member, member_user) = server.user(Role::Member, &[&oak]).await;
    let own = visit_note(&member, &member_user.id, &oak).await;
    let second = visit_note(&member, &member_user.id, &oak).await;

    assert_eq!(download_all(&member).await.len(), 2);
    let admin = server.admin().await;
    let (_, audit) = admin
        .get("/api/admin/audit?action=documents_downloaded")
        .await;
    assert_eq!(audit["total"], 1, "{audit}");
    let row = &audit["rows"][0];
    assert_eq!(row["userId"], member_user.id.as_str());
    assert_eq!(row["detail"], "2");
    assert_eq!(row["documentId"], Value::Null);
    let text = audit.to_string();
    assert!(!text.contains(&own.to_string()) && !text.contains(&second.to_string()));
}

#[tokio::test]
async fn a_caseload_of_many_pages_arrives_whole() {
    let server = TestServer::start(server_bin!()).await;
    let oak = server.home("Synthetic Oak House").await;
    let (member, member_user) = server.user(Role::Member, &[&oak]).await;
    let mut client = member.sync().await;
    let mut made = BTreeSet::new();
    for _ in 0..150 {
        let id = client.create(&Record::VisitNote(VisitNote::new(
            &member_user.id,
            &oak,
            now_ms(),
        )));
        client.sync_doc(id).await.expect("stored");
        made.insert(id);
    }
    client.close().await;
    assert_eq!(ids(&download_all(&member).await), made);
}

/// One raw sync exchange for `id` from `doc`'s side: sends our message, returns the server's.
async fn exchange(
    device: &mut hearth_e2e::SyncClient,
    id: DocumentId,
    doc: &mut AutoCommit,
    state: &mut automerge::sync::State,
) -> Option<automerge::sync::Message> {
    let ours = doc.sync().generate_sync_message(state)?;
    let message = Message::Sync {
        sender_id: device.peer_id().to_string(),
        target_id: device.server_peer().to_string(),
        document_id: id.to_string(),
        data: ours.encode(),
    };
    device.send(&message).await.unwrap();
    loop {
        match device.next_message().await.unwrap() {
            Message::Sync {
                document_id, data, ..
            } if document_id == id.to_string() => {
                let theirs = automerge::sync::Message::decode(&data).unwrap();
                doc.sync()
                    .receive_sync_message(state, theirs.clone())
                    .unwrap();
                return Some(theirs);
            }
            _ => continue,
        }
    }
}

#[tokio::test]
async fn after_the_download_sync_brings_only_what_changed_since() {
    let server = TestServer::start(server_bin!()).await;
    let oak = server.home("Synthetic Oak House").await;
    let (member, member_user) = server.user(Role::Member, &[&oak]).await;
    let mut laptop = member.sync().await;
    let id = laptop.create(&Record::VisitNote(VisitNote::new(
        &member_user.id,
        &oak,
        now_ms(),
    )));
    laptop.sync_doc(id).await.expect("stored");
    for line in ["First synthetic line", "Second synthetic line"] {
        laptop.edit(id, |r| {
            if let Record::VisitNote(n) = r {
                n.body = hearth_e2e::records::text(line);
            }
        });
        laptop.sync_doc(id).await.expect("stored");
    }

    // A new device signs in: the download, then sync as usual.
    let tablet = Api::new(&server.base);
    tablet
        .sign_in(&member_user.username, &member_user.password)
        .await
        .expect("signs in");
    let got = download_all(&tablet).await;
    let entry = got.iter().find(|e| e.id == id).expect("the note is in it");
    let mut doc = AutoCommit::load(&entry.doc).unwrap();
    let mut state = automerge::sync::State::new();
    let mut device = tablet.sync().await;
    let first = exchange(&mut device, id, &mut doc, &mut state)
        .await
        .expect("the server answers the first message");
    assert!(
        first.changes.is_empty(),
        "nothing the download already gave travels again"
    );
    assert_eq!(sorted(first.heads.clone()), sorted(doc.get_heads()));

    // A change made after the download arrives over sync (the server pushes it to a device
    // syncing the record), and only it: what arrived lacks exactly what the download gave.
    let downloaded = doc.get_heads();
    laptop.edit(id, |r| {
        if let Record::VisitNote(n) = r {
            n.body = hearth_e2e::records::text("Third synthetic line");
        }
    });
    laptop.sync_doc(id).await.expect("stored");
    let want = sorted(laptop.heads(id));
    let mut arrived = Automerge::new();
    while sorted(doc.get_heads()) != want {
        let data = match device.next_message().await.unwrap() {
            Message::Sync {
                document_id, data, ..
            } if document_id == id.to_string() => data,
            _ => continue,
        };
        let theirs = automerge::sync::Message::decode(&data).unwrap();
        for chunk in theirs.changes.iter() {
            arrived.load_incremental(chunk).unwrap();
        }
        doc.sync().receive_sync_message(&mut state, theirs).unwrap();
        if let Some(reply) = doc.sync().generate_sync_message(&mut state) {
            let message = Message::Sync {
                sender_id: device.peer_id().to_string(),
                target_id: device.server_peer().to_string(),
                document_id: id.to_string(),
                data: reply.encode(),
            };
            device.send(&message).await.unwrap();
        }
    }
    assert_eq!(
        sorted(arrived.get_missing_deps(&[])),
        sorted(downloaded),
        "only the change made since the download travelled"
    );
}
