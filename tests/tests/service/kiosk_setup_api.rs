//! Setting up a tablet for one consultation: a participation worker's single-use, short-lived
//! code; the tablet redeems it for a kiosk account that reads and answers only that
//! consultation. Bad, used, expired and guessed codes are refused.

use hearth_e2e::{Api, SyncError, TestServer, now_ms, server_bin};
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{
    Answer, Consultation, ConsultationResponse, Question, QuestionType, Record, WorkflowState,
};
use hearth_shared::permissions::Role;
use serde_json::{Value, json};

/// A consultation with one question, created by `worker` and left in `state`.
async fn consultation(worker: &Api, worker_id: &str, title: &str, open: bool) -> DocumentId {
    let mut client = worker.sync().await;
    let mut consultation = Consultation::new(worker_id, title, now_ms());
    consultation.questions.push(Question::new(
        "q1",
        QuestionType::EmojiScale,
        "How do you like the food?",
    ));
    let id = client.create(&Record::Consultation(consultation));
    client
        .sync_doc(id)
        .await
        .expect("the worker's consultation");
    if open {
        client.edit(id, |r| {
            if let Record::Consultation(c) = r {
                c.state = WorkflowState::Open;
            }
        });
        client.sync_doc(id).await.expect("the worker opens it");
    }
    id
}

/// A submitted answer by `author` to `consultation`.
fn response(author: &str, consultation: DocumentId) -> Record {
    let mut response = ConsultationResponse::new(author, &consultation.to_url(), now_ms());
    response.answers.push(Answer::scale("q1", 4));
    response.consent_given = true;
    response.state = WorkflowState::Submitted;
    response.submitted_at = Some(now_ms());
    Record::ConsultationResponse(response)
}

async fn issue(worker: &Api, consultation: DocumentId) -> Value {
    let (status, body) = worker
        .post(
            "/api/kiosk-setup-codes",
            &json!({ "consultationId": consultation.to_url() }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body
}

async fn redeem(server: &TestServer, code: &str) -> (u16, Value) {
    Api::new(&server.base)
        .post("/api/kiosk-setup", &json!({ "code": code }))
        .await
}

#[tokio::test]
async fn a_set_up_tablet_answers_its_consultation_and_nothing_else() {
    let server = TestServer::start(server_bin!()).await;
    let (worker, worker_user) = server.user(Role::ParticipationWorker, &[]).await;
    let food = consultation(&worker, &worker_user.id, "Food at home (test)", true).await;
    let other = consultation(&worker, &worker_user.id, "Bedtimes (test)", true).await;

    let issued = issue(&worker, food).await;
    let code = issued["code"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 9, "{code}");
    assert_eq!(&code[4..5], "-");
    assert_eq!(issued["expiresInSeconds"], 600);
    let expires = issued["expiresAt"].as_i64().unwrap();
    assert!(expires > now_ms() + 590_000 && expires <= now_ms() + 600_000);
    assert_eq!(
        issued["url"],
        format!("{}/#/kiosk-setup/{code}", server.base).as_str()
    );
    assert!(issued["qrSvg"].as_str().unwrap().starts_with("<svg"));

    // Typed on the tablet in lower case without the dash: still the code.
    let typed = code.replace('-', "").to_lowercase();
    let (status, account) = redeem(&server, &typed).await;
    assert_eq!(status, 201, "{account}");
    assert_eq!(account["consultationId"], food.to_string());
    let username = account["username"].as_str().unwrap();
    let password = account["password"].as_str().unwrap();

    let tablet = Api::new(&server.base);
    let signed_in = tablet
        .sign_in(username, password)
        .await
        .expect("the tablet signs in");
    assert_eq!(signed_in["user"]["role"], "youngPerson");
    assert_eq!(signed_in["user"]["mustChangePassword"], false);
    assert!(
        signed_in["user"]["displayName"]
            .as_str()
            .unwrap()
            .starts_with("Kiosk tablet ")
    );
    let (_, me) = tablet.get("/api/me").await;
    assert_eq!(me["user"]["kioskConsultationId"], food.to_string());

    // It sees its consultation only, and answers only it.
    let (_, list) = tablet.get("/api/documents").await;
    let ids: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].clone())
        .collect();
    assert_eq!(ids, vec![Value::String(food.to_string())]);
    let mut device = tablet.sync().await;
    device.fetch(food).await.expect("its own consultation");
    assert!(matches!(
        device.fetch(other).await,
        Err(SyncError::Unavailable)
    ));
    let answer = device.create(&response(signed_in["user"]["id"].as_str().unwrap(), food));
    device
        .sync_doc(answer)
        .await
        .expect("an answer to its consultation is stored");
    let elsewhere = device.create(&response(signed_in["user"]["id"].as_str().unwrap(), other));
    match device.sync_doc(elsewhere).await {
        Err(SyncError::Rejected { code, .. }) => assert_eq!(code, "forbidden"),
        other => panic!("expected forbidden, got {other:?}"),
    }
    let mut worker_device = worker.sync().await;
    worker_device
        .fetch(answer)
        .await
        .expect("the worker reads the answer");
    assert!(matches!(
        worker_device.fetch(elsewhere).await,
        Err(SyncError::Unavailable)
    ));

    // The tablet shows among the devices as a kiosk.
    let admin = server.admin().await;
    let (_, devices) = admin.get("/api/admin/devices").await;
    assert!(
        devices
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["username"] == username && d["kiosk"] == true),
        "{devices}"
    );

    // A code works once.
    let (status, body) = redeem(&server, &code).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "setup_code_invalid");
    assert_eq!(
        body["error"]["message"],
        "This set-up code has expired or has already been used. Ask for a new one."
    );

    let (_, audit) = admin.get("/api/admin/audit?perPage=200").await;
    let rows = audit["rows"].as_array().unwrap();
    let issued_row = rows
        .iter()
        .find(|r| r["action"] == "kiosk_setup_code_issued")
        .unwrap();
    assert_eq!(issued_row["userId"], worker_user.id.as_str());
    assert_eq!(issued_row["subject"], food.to_string());
    assert!(rows.iter().any(|r| r["action"] == "kiosk_device_set_up"));
    let code_plain = code.replace('-', "");
    assert!(
        !audit.to_string().contains(&code_plain),
        "never the code in the audit"
    );
    assert!(
        !audit.to_string().contains(password),
        "never a password in the audit"
    );
}

#[tokio::test]
async fn only_a_participation_worker_gets_codes_and_only_for_an_open_consultation() {
    let server = TestServer::start(server_bin!()).await;
    let (worker, worker_user) = server.user(Role::ParticipationWorker, &[]).await;
    let (member, _) = server.user(Role::Member, &[]).await;
    let admin = server.admin().await;
    let open = consultation(&worker, &worker_user.id, "Food at home (test)", true).await;
    let draft = consultation(&worker, &worker_user.id, "Bedtimes (test)", false).await;

    let body = json!({ "consultationId": open.to_url() });
    let (status, reply) = Api::new(&server.base)
        .post("/api/kiosk-setup-codes", &body)
        .await;
    assert_eq!(
        (status, reply["error"]["code"].as_str()),
        (401, Some("not_signed_in"))
    );
    for caller in [&member, &admin] {
        let (status, reply) = caller.post("/api/kiosk-setup-codes", &body).await;
        assert_eq!(
            (status, reply["error"]["code"].as_str()),
            (403, Some("forbidden"))
        );
    }
    let cases = [
        (
            json!({ "consultationId": draft.to_url() }),
            400,
            "bad_request",
        ),
        (json!({ "consultationId": "not an id" }), 400, "bad_request"),
        (
            json!({ "consultationId": DocumentId::random().to_url() }),
            404,
            "not_found",
        ),
    ];
    for (body, status, code) in cases {
        let (got, reply) = worker.post("/api/kiosk-setup-codes", &body).await;
        assert_eq!(
            (got, reply["error"]["code"].as_str()),
            (status, Some(code)),
            "{body}"
        );
    }
    let (_, audit) = admin
        .get("/api/admin/audit?action=kiosk_setup_code_issued")
        .await;
    assert_eq!(audit["total"], 0, "nothing was issued");
}

#[tokio::test]
async fn an_expired_code_sets_nothing_up() {
    let server = TestServer::start_with(server_bin!(), &[("HEARTH_KIOSK_SETUP_SECS", "0")]).await;
    let (worker, worker_user) = server.user(Role::ParticipationWorker, &[]).await;
    let open = consultation(&worker, &worker_user.id, "Food at home (test)", true).await;
    let issued = issue(&worker, open).await;
    assert_eq!(issued["expiresInSeconds"], 0);
    let (status, body) = redeem(&server, issued["code"].as_str().unwrap()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("setup_code_invalid"))
    );
    let admin = server.admin().await;
    let (_, young) = admin.get("/api/admin/users?role=youngPerson").await;
    assert_eq!(young["total"], 0);
}

#[tokio::test]
async fn guessing_codes_is_throttled_per_address() {
    let server =
        TestServer::start_with(server_bin!(), &[("HEARTH_LOGIN_ATTEMPTS_PER_IP", "3")]).await;
    let (worker, worker_user) = server.user(Role::ParticipationWorker, &[]).await;
    let open = consultation(&worker, &worker_user.id, "Food at home (test)", true).await;
    for guess in ["ABCD-2345", "not a code", "WXYZ-6789"] {
        let (status, body) = redeem(&server, guess).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some("setup_code_invalid"))
        );
    }
    let issued = issue(&worker, open).await;
    let (status, body) = redeem(&server, issued["code"].as_str().unwrap()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (429, Some("too_many_attempts")),
        "even a good code waits once the address has guessed too often"
    );
}
