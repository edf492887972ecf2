//! The report, export and overview routes in-process: the real filters (with the error mapping
//! and headers) over a real SQLite store, records written as a device would write them, and a
//! fixed clock. The end-to-end tests in `tests/` cover the same ground over real sockets; these
//! pin the wiring (which check comes first, what is audited) close to the code. Synthetic data.

use std::sync::Arc;

use automerge::AutoCommit;
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{
    Answer, Consultation, ConsultationResponse, Inspection, Priority, Question, QuestionType,
    Recommendation, Record, SignOff, WorkflowState,
};
use hearth_shared::permissions::Role;
use hearth_shared::reporting::facts_of;
use tempfile::TempDir;
use warp::http::StatusCode;

use crate::auth::throttle::Throttle;
use crate::auth::token;
use crate::config::ServeConfig;
use crate::state::App;
use crate::store::sqlite::{SqliteOptions, SqliteStore};
use crate::store::{AuditQuery, NewSession, NewUser, Store};
use crate::sync::hub::Hub;
use crate::sync::registry::Connections;

/// 2026-11-30T12:00:00Z: the fixed "now" of every test here.
const NOW_MS: i64 = 1_796_040_000_000;

#[derive(clap::Parser)]
struct Flags {
    #[command(flatten)]
    config: ServeConfig,
}

struct Harness {
    _dir: TempDir,
    app: Arc<App>,
    store: Arc<dyn Store>,
    home_a: String,
    home_b: String,
}

async fn harness() -> Harness {
    use clap::Parser;
    let dir = tempfile::tempdir().expect("temp dir");
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&dir.path().join("hearth.sqlite"), SqliteOptions::default())
            .expect("open the store"),
    );
    let mut config = Flags::parse_from(["hearth", "--suppress-below", "5"]).config;
    config.fixed_now_ms = Some(NOW_MS);
    let app = Arc::new(App {
        store: store.clone(),
        hub: Arc::new(Hub::new(store.clone(), "test-storage".into(), 100, 64)),
        ip_failures: Throttle::new("ip", 100, 60_000, store.clone()),
        account_failures: Throttle::new("account", 100, 60_000, store.clone()),
        setup_failures: Throttle::new("setup", 100, 60_000, store.clone()),
        connections: Connections::new(),
        clock: config.clock(),
        config,
    });
    let home_a = store.create_home("Demo Home A").await.unwrap().id;
    let home_b = store.create_home("Demo Home B").await.unwrap().id;
    Harness {
        _dir: dir,
        app,
        store,
        home_a,
        home_b,
    }
}

impl Harness {
    /// A signed-in account: its user id and the cookie header to send.
    async fn person(&self, username: &str, role: Role, homes: &[&str]) -> (String, String) {
        let user = self
            .store
            .create_user(NewUser {
                username: username.into(),
                display_name: format!("Test {username}"),
                role,
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$dGVzdHNhbHQ$dGVzdGhhc2g".into(),
                must_change_password: false,
            })
            .await
            .unwrap();
        for home in homes {
            self.store.assign(&user.id, home).await.unwrap();
        }
        let session = token::generate();
        self.store
            .create_session(
                token::hash(&session).unwrap(),
                NewSession {
                    user_id: user.id.clone(),
                    label: "Test browser".into(),
                    created_at_ms: crate::auth::now_ms(),
                    expires_at_ms: crate::auth::now_ms() + 3_600_000,
                },
            )
            .await
            .unwrap();
        (
            user.id,
            format!("{}={session}", crate::auth::SESSION_COOKIE),
        )
    }

    /// Stores `record` as one committed change, facts and all.
    async fn put(&self, record: &Record) -> DocumentId {
        let id = DocumentId::random();
        let mut doc = AutoCommit::new();
        record.write_to(&mut doc).unwrap();
        self.store
            .append_chunk(id, record.meta(), Some(facts_of(record)), doc.save(), 1)
            .await
            .unwrap();
        id
    }

    async fn request(
        &self,
        method: &str,
        path: &str,
        cookie: &str,
        body: Option<&str>,
    ) -> warp::http::Response<bytes::Bytes> {
        let mut request = warp::test::request()
            .method(method)
            .path(path)
            .header("cookie", cookie);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        request.reply(&super::routes(self.app.clone())).await
    }

    async fn get(&self, path: &str, cookie: &str) -> warp::http::Response<bytes::Bytes> {
        self.request("GET", path, cookie, None).await
    }

    /// The audit rows of `action`, oldest first.
    async fn audited(&self, action: &str) -> Vec<crate::store::AuditEvent> {
        let mut rows: Vec<_> = self
            .store
            .audit_page(AuditQuery {
                action: Some(action.into()),
                limit: 100,
                ..AuditQuery::default()
            })
            .await
            .unwrap()
            .rows
            .into_iter()
            .map(|r| r.event)
            .collect();
        rows.reverse();
        rows
    }
}

fn inspection(member: &str, home: &str, state: WorkflowState, text: &str) -> Record {
    let mut i = Inspection::new(member, home, NOW_MS - 30 * 86_400_000);
    i.visit_date = "2026-11-03".into();
    i.state = state;
    i.recommendations = vec![Recommendation::new("r1", text, Priority::High)];
    if !matches!(state, WorkflowState::Draft | WorkflowState::Submitted) {
        i.sign_off = Some(SignOff {
            by: member.into(),
            at: NOW_MS - 20 * 86_400_000,
        });
    }
    Record::Inspection(i)
}

fn consultation(worker: &str) -> Record {
    let mut c = Consultation::new(worker, "Demo consultation", NOW_MS - 10 * 86_400_000);
    c.state = WorkflowState::Open;
    c.round_label = Some("Spring 2026".into());
    c.questions = vec![
        Question::new("q1", QuestionType::YesNoNotSure, "Do you feel safe?"),
        Question::new("q2", QuestionType::FreeText, "Anything else?"),
    ];
    Record::Consultation(c)
}

fn response(kiosk: &str, consultation: DocumentId, home: &str) -> Record {
    let mut r = ConsultationResponse::new(kiosk, &consultation.to_url(), NOW_MS - 86_400_000);
    r.state = WorkflowState::Submitted;
    r.consent_given = true;
    r.home_id = Some(home.into());
    r.submitted_at = Some(NOW_MS - 86_400_000);
    r.answers = vec![
        Answer::choice("q1", "yes"),
        Answer::text("q2", "Synthetic free text answer"),
    ];
    Record::ConsultationResponse(r)
}

fn error_code(body: &[u8]) -> String {
    let json: serde_json::Value = serde_json::from_slice(body).unwrap();
    json["error"]["code"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_signed_off_record_gives_an_html_and_a_pdf_report_and_each_download_is_audited() {
    let h = harness().await;
    let (member, _) = h.person("member.a", Role::Member, &[&h.home_a]).await;
    let (_, officer) = h.person("officer.one", Role::Officer, &[]).await;
    let record = inspection(
        &member,
        &h.home_a,
        WorkflowState::SignedOff,
        "Fix the fence",
    );
    let id = h.put(&record).await;

    let page = h
        .get(&format!("/api/reports/inspections/{id}"), &officer)
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(page.headers()["cache-control"], "no-store");
    let html = String::from_utf8(page.body().to_vec()).unwrap();
    assert!(
        html.contains("/api/reports/report.css"),
        "links its stylesheet"
    );
    assert!(html.contains("Fix the fence"));

    let pdf = h
        .get(&format!("/api/reports/inspections/{id}/pdf"), &officer)
        .await;
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert_eq!(
        pdf.headers()["content-disposition"],
        "attachment; filename=\"regulation-33-report-2026-11-03.pdf\""
    );
    assert!(pdf.body().starts_with(b"%PDF"));

    let rows = h.audited("report_downloaded").await;
    let seen: Vec<(Option<DocumentId>, &str, i64)> = rows
        .iter()
        .map(|e| (e.document_id, e.detail.as_str(), e.at_ms))
        .collect();
    assert_eq!(
        seen,
        vec![
            (Some(id), "html inspectionReport", NOW_MS),
            (Some(id), "pdf inspectionReport", NOW_MS),
        ]
    );

    let css = h.get("/api/reports/report.css", "").await;
    assert_eq!(css.status(), StatusCode::OK);
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
}

#[tokio::test]
async fn another_homes_record_and_an_unknown_id_get_the_same_404_and_a_draft_409() {
    let h = harness().await;
    let (member, member_cookie) = h.person("member.a", Role::Member, &[&h.home_a]).await;
    let (_, manager_b) = h.person("manager.b", Role::Manager, &[&h.home_b]).await;
    let (_, young) = h.person("young.one", Role::YoungPerson, &[]).await;
    let signed_off = h
        .put(&inspection(
            &member,
            &h.home_a,
            WorkflowState::SignedOff,
            "Fix",
        ))
        .await;
    let draft = h
        .put(&inspection(&member, &h.home_a, WorkflowState::Draft, "Fix"))
        .await;

    let other_home = h
        .get(
            &format!("/api/reports/inspections/{signed_off}"),
            &manager_b,
        )
        .await;
    let unknown = h
        .get(
            &format!("/api/reports/inspections/{}", DocumentId::random()),
            &manager_b,
        )
        .await;
    assert_eq!(other_home.status(), StatusCode::NOT_FOUND);
    assert_eq!(other_home.body(), unknown.body(), "indistinguishable");
    assert_eq!(error_code(unknown.body()), "not_found");

    let not_yet = h
        .get(
            &format!("/api/reports/inspections/{draft}/pdf"),
            &member_cookie,
        )
        .await;
    assert_eq!(not_yet.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(not_yet.body()), "not_signed_off");

    let refused = h
        .get(&format!("/api/reports/inspections/{signed_off}"), &young)
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(refused.body()), "forbidden");
    assert!(h.audited("report_downloaded").await.is_empty());
}

#[tokio::test]
async fn only_officers_record_a_distribution_and_never_for_a_day_still_to_come() {
    let h = harness().await;
    let (member, _) = h.person("member.a", Role::Member, &[&h.home_a]).await;
    let (_, manager) = h.person("manager.a", Role::Manager, &[&h.home_a]).await;
    let (_, officer) = h.person("officer.one", Role::Officer, &[]).await;
    let id = h
        .put(&inspection(
            &member,
            &h.home_a,
            WorkflowState::Responded,
            "Fix",
        ))
        .await;
    let path = format!("/api/reports/inspections/{id}/distribution");

    let by_manager = h
        .request("POST", &path, &manager, Some("not even json"))
        .await;
    assert_eq!(
        by_manager.status(),
        StatusCode::FORBIDDEN,
        "before the body"
    );
    let tomorrow = h
        .request(
            "POST",
            &path,
            &officer,
            Some(r#"{"recipient":"ofsted","sentOn":"2026-12-01"}"#),
        )
        .await;
    assert_eq!(tomorrow.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(tomorrow.body()), "invalid");
    let today = h
        .request(
            "POST",
            &path,
            &officer,
            Some(r#"{"recipient":"ofsted","sentOn":"2026-11-30"}"#),
        )
        .await;
    assert_eq!(today.status(), StatusCode::CREATED);

    let listed = h.get(&path, &manager).await;
    assert_eq!(listed.status(), StatusCode::OK);
    let list: serde_json::Value = serde_json::from_slice(listed.body()).unwrap();
    assert_eq!(
        list,
        serde_json::json!([{
            "recipient": "ofsted",
            "sentOn": "2026-11-30",
            "recordedBy": "Test officer.one",
            "recordedAt": NOW_MS,
        }])
    );
}

#[tokio::test]
async fn four_responses_are_too_few_to_export_five_are_enough_and_no_summary_holds_free_text() {
    let h = harness().await;
    let (worker, worker_cookie) = h.person("worker.one", Role::ParticipationWorker, &[]).await;
    let (_, manager) = h.person("manager.a", Role::Manager, &[&h.home_a]).await;
    let consultation_id = h.put(&consultation(&worker)).await;
    for n in 0..4 {
        h.put(&response(&format!("kiosk-{n}"), consultation_id, &h.home_a))
            .await;
    }
    let csv = format!("/api/exports/consultations/{consultation_id}/responses.csv");

    let refused = h.get(&csv, &manager).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let too_few = h.get(&csv, &worker_cookie).await;
    assert_eq!(too_few.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(too_few.body()), "too_few_responses");

    h.put(&response("kiosk-4", consultation_id, &h.home_a))
        .await;
    let export = h.get(&csv, &worker_cookie).await;
    assert_eq!(export.status(), StatusCode::OK);
    assert_eq!(export.headers()["cache-control"], "no-store");
    assert_eq!(
        export.headers()["content-disposition"],
        "attachment; filename=\"consultation-responses-2026-11-30.csv\""
    );
    let xlsx = h
        .get(
            &format!("/api/exports/consultations/{consultation_id}/responses.xlsx"),
            &worker_cookie,
        )
        .await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert!(xlsx.body().starts_with(b"PK"), "a zip, as .xlsx files are");
    let details: Vec<String> = h
        .audited("export_downloaded")
        .await
        .into_iter()
        .map(|e| e.detail)
        .collect();
    assert_eq!(details, vec!["csv responses", "xlsx responses"]);

    // A second round of the same questions: asked from either round, the summary has both.
    let Record::Consultation(first) = consultation(&worker) else {
        unreachable!("a consultation")
    };
    let mut second = first.new_round(&consultation_id.to_string());
    second.state = WorkflowState::Open;
    second.round_label = Some("Autumn 2026".into());
    second.created_at = NOW_MS;
    let second_id = h.put(&Record::Consultation(second)).await;
    for n in 5..10 {
        h.put(&response(&format!("kiosk-{n}"), second_id, &h.home_b))
            .await;
    }
    let summary = h
        .get(
            &format!("/api/reports/consultations/{second_id}/summary"),
            &worker_cookie,
        )
        .await;
    assert_eq!(summary.status(), StatusCode::OK);
    let html = String::from_utf8(summary.body().to_vec()).unwrap();
    assert!(html.contains("Spring 2026"), "the first round's heading");
    assert!(html.contains("Autumn 2026"), "the second round's heading");
    assert!(!html.contains("Synthetic free text answer"));
    let pdf = h
        .get(
            &format!("/api/reports/consultations/{consultation_id}/summary/pdf"),
            &worker_cookie,
        )
        .await;
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(
        pdf.headers()["content-disposition"],
        "attachment; filename=\"panel-summary-2026-11-30.pdf\""
    );
}

#[tokio::test]
async fn a_managers_recommendations_export_holds_only_their_homes() {
    let h = harness().await;
    let (member_a, _) = h.person("member.a", Role::Member, &[&h.home_a]).await;
    let (member_b, _) = h.person("member.b", Role::Member, &[&h.home_b]).await;
    let (_, manager) = h.person("manager.a", Role::Manager, &[&h.home_a]).await;
    let (_, officer) = h.person("officer.one", Role::Officer, &[]).await;
    h.put(&inspection(
        &member_a,
        &h.home_a,
        WorkflowState::SignedOff,
        "Recommendation at home A",
    ))
    .await;
    h.put(&inspection(
        &member_b,
        &h.home_b,
        WorkflowState::Closed,
        "Recommendation at home B",
    ))
    .await;
    h.put(&inspection(
        &member_a,
        &h.home_a,
        WorkflowState::Submitted,
        "Not yet signed off",
    ))
    .await;

    let text = |body: &[u8]| String::from_utf8(body.to_vec()).unwrap();
    let theirs = h.get("/api/exports/recommendations.csv", &manager).await;
    assert_eq!(theirs.status(), StatusCode::OK);
    let theirs = text(theirs.body());
    assert!(theirs.contains("Recommendation at home A"));
    assert!(!theirs.contains("Recommendation at home B"));
    assert!(!theirs.contains("Not yet signed off"));
    let all = text(
        h.get("/api/exports/recommendations.csv", &officer)
            .await
            .body(),
    );
    assert!(all.contains("Recommendation at home A") && all.contains("Recommendation at home B"));
}

#[tokio::test]
async fn the_overview_is_for_the_fixed_today_and_a_manager_sees_only_their_homes() {
    let h = harness().await;
    let (member, _) = h.person("member.a", Role::Member, &[&h.home_a]).await;
    let (_, manager) = h.person("manager.a", Role::Manager, &[&h.home_a]).await;
    let (_, officer) = h.person("officer.one", Role::Officer, &[]).await;
    let (_, member_cookie) = h.person("member.b", Role::Member, &[&h.home_b]).await;
    h.put(&inspection(
        &member,
        &h.home_a,
        WorkflowState::SignedOff,
        "Fix",
    ))
    .await;

    let json = |body: &[u8]| serde_json::from_slice::<serde_json::Value>(body).unwrap();
    let officers = json(h.get("/api/overview", &officer).await.body());
    assert_eq!(officers["today"], "2026-11-30");
    assert_eq!(officers["homes"].as_array().unwrap().len(), 2);
    let managers = json(h.get("/api/overview", &manager).await.body());
    let homes = managers["homes"].as_array().unwrap();
    assert_eq!(homes.len(), 1);
    assert_eq!(homes[0]["homeName"], "Demo Home A");
    assert_eq!(homes[0]["thisMonth"], "done");
    assert_eq!(managers["consultations"], serde_json::json!([]));
    let refused = h.get("/api/overview", &member_cookie).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}
