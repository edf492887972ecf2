//! Acting on what was recorded: the Regulation 33 report (HTML and a tagged PDF read back with
//! poppler's `pdftotext`/`pdfinfo`), its distribution, the officers' overview on a fixed clock,
//! the Panel summary and the exports with small-group suppression, and who may have which.
//! Every record is made over the sync protocol by the people who would make it.

use hearth_e2e::records::{
    Answers, child, draft_inspection, edit_consultation, manager_responds, open_consultation,
    signed_off_inspection, submit_responses, text,
};
use hearth_e2e::{Api, TestServer, server_bin};
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{
    Answer, CheckOutcome, Comparison, FollowUp, OpinionChoice, PreviousRecommendation, Priority,
    Question, QuestionType, Recommendation, RecommendationStatus, Record, YouSaidWeDid,
};
use hearth_shared::permissions::Role;
use serde_json::{Value, json};
use std::process::Command;

/// A GET returning the status, content type and body bytes.
async fn download(api: &Api, path: &str) -> (u16, String, Vec<u8>) {
    let res = api.raw(reqwest::Method::GET, path).await;
    let status = res.status().as_u16();
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (
        status,
        content_type,
        res.bytes().await.expect("a body").to_vec(),
    )
}

/// Runs a poppler tool on a PDF and returns what it printed, whitespace collapsed so that a
/// phrase wrapped across lines still reads as one.
fn poppler(tool: &str, pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, pdf).expect("the PDF is written");
    let mut command = Command::new(tool);
    command.arg(&path);
    if tool == "pdftotext" {
        command.arg("-");
    }
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("{tool} runs (poppler-utils; .ci/run installs it): {e}"));
    assert!(out.status.success(), "{tool} reads the PDF: {out:?}");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Collapses whitespace and strips tags from an HTML page, for phrase checks.
fn page_text(html: &[u8]) -> String {
    let html = String::from_utf8_lossy(html);
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&#39;", "'")
        .replace("&amp;", "&")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

async fn audit_count(server: &TestServer, action: &str) -> u64 {
    let admin = server.admin().await;
    let (status, audit) = admin
        .get(&format!("/api/admin/audit?action={action}"))
        .await;
    assert_eq!(status, 200, "{audit}");
    audit["total"].as_u64().expect("a total")
}

#[tokio::test]
async fn the_regulation_33_report_reads_as_a_provider_expects_in_html_and_pdf() {
    let server = TestServer::start(server_bin!()).await;
    let home = server.home("Synthetic House Report").await;
    let (member_api, member) = server.user(Role::Member, &[&home]).await;
    let (manager_api, _) = server.user(Role::Manager, &[&home]).await;
    let (officer_api, _) = server.user(Role::Officer, &[]).await;

    let id = signed_off_inspection(&member_api, &member.id, &home, "2026-11-03", |i| {
        i.announced = false;
        i.spoke_with.children.count = 3;
        i.spoke_with.children.entries = vec![child("AB", true), child("QX", false)];
        i.spoke_with.staff = vec!["Registered manager".into()];
        i.records_checked[0].outcome = CheckOutcome::Satisfactory;
        i.records_checked[0].comment = text("Complaints log kept up to date");
        i.premises = text("Kitchen refurbished and the garden tidy");
        i.children_views = text("AB said the food has improved");
        i.safeguarding_opinion.choice = OpinionChoice::Effective;
        i.safeguarding_opinion.text = text("Staff know the safeguarding procedures");
        i.wellbeing_opinion.choice = OpinionChoice::RequiresImprovement;
        i.wellbeing_opinion.text = text("Activities are limited at weekends");
        let mut recommendation = Recommendation::new(
            "rec-1",
            "Plan weekend activities with the children",
            Priority::High,
        );
        recommendation.due_by = Some("2026-12-31".into());
        i.recommendations = vec![recommendation];
        i.previous_recommendations = vec![PreviousRecommendation {
            text: text("Repaint the lounge"),
            progress: text("Repainted in October"),
        }];
    })
    .await;
    manager_responds(&manager_api, id, |i| {
        i.recommendations[0].manager_response = text("A weekend activity plan starts in December");
        i.recommendations[0].status = RecommendationStatus::InProgress;
    })
    .await;

    // The officer records where the report went; the report shows it.
    let path = format!("/api/reports/inspections/{id}");
    let (status, body) = officer_api
        .post(
            &format!("{path}/distribution"),
            &json!({ "recipient": "ofsted", "sentOn": "2026-11-05" }),
        )
        .await;
    assert!(status == 200 || status == 201, "{status} {body}");
    let (status, list) = officer_api.get(&format!("{path}/distribution")).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list[0]["recipient"], "ofsted", "{list}");
    assert_eq!(list[0]["sentOn"], "2026-11-05", "{list}");

    let expected = [
        "Synthetic House Report",
        "3 November 2026",
        "10:00",
        "12:30",
        "the visit was unannounced",
        &member.display_name,
        "AB",
        "Registered manager",
        "Complaints log kept up to date",
        "Kitchen refurbished and the garden tidy",
        "AB said the food has improved",
        "Staff know the safeguarding procedures",
        "Activities are limited at weekends",
        "Plan weekend activities with the children",
        "31 December 2026",
        "A weekend activity plan starts in December",
        "Repainted in October",
        "Ofsted",
        "5 November 2026",
    ];

    let (status, content_type, html) = download(&officer_api, &path).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&html));
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let html_text = page_text(&html);
    for phrase in expected {
        assert!(
            html_text.contains(phrase),
            "the HTML report has {phrase:?}: {html_text}"
        );
    }
    assert!(
        !html_text.contains("QX"),
        "a child who did not consent is not named by initials"
    );

    let (status, content_type, pdf) = download(&officer_api, &format!("{path}/pdf")).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&pdf));
    assert_eq!(content_type, "application/pdf");
    assert!(pdf.starts_with(b"%PDF-"), "a PDF");
    let pdf_text = poppler("pdftotext", &pdf);
    for phrase in expected {
        assert!(
            pdf_text.contains(phrase),
            "the PDF has {phrase:?}: {pdf_text}"
        );
    }
    assert!(
        !pdf_text.contains("QX"),
        "no unconsented initials in the PDF"
    );
    let info = poppler("pdfinfo", &pdf);
    assert!(info.contains("Tagged: yes"), "a tagged PDF: {info}");

    // The manager and the member read it too; every download is audited, never its content.
    for reader in [&manager_api, &member_api] {
        assert_eq!(download(reader, &path).await.0, 200);
    }
    assert_eq!(audit_count(&server, "report_downloaded").await, 4);
    let admin = server.admin().await;
    let (_, audit) = admin.get("/api/admin/audit?action=report_downloaded").await;
    assert!(
        !audit.to_string().contains("Kitchen"),
        "no content in the audit"
    );
    assert_eq!(audit["rows"][0]["documentId"], id.to_string(), "{audit}");
}

#[tokio::test]
async fn reports_refuse_drafts_strangers_and_young_people_with_stable_codes() {
    let server = TestServer::start(server_bin!()).await;
    let home = server.home("Synthetic House Mine").await;
    let other_home = server.home("Synthetic House Theirs").await;
    let (member_api, member) = server.user(Role::Member, &[&home]).await;
    let (stranger_api, _) = server.user(Role::Manager, &[&other_home]).await;
    let (member_two_api, _) = server.user(Role::Member, &[&other_home]).await;
    let (young_api, _) = server.user(Role::YoungPerson, &[]).await;
    let (officer_api, _) = server.user(Role::Officer, &[]).await;
    let (manager_api, _) = server.user(Role::Manager, &[&home]).await;

    let draft = draft_inspection(&member_api, &member.id, &home, "2026-11-10", |_| {}).await;
    let signed = signed_off_inspection(&member_api, &member.id, &home, "2026-11-02", |_| {}).await;

    let (status, body) = member_api
        .get(&format!("/api/reports/inspections/{draft}"))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("not_signed_off")),
        "{body}"
    );

    // Another home's manager, another home's member and an unknown id: the same 404, byte for byte.
    let unknown = DocumentId::random();
    let (_, _, unknown_body) = download(
        &stranger_api,
        &format!("/api/reports/inspections/{unknown}"),
    )
    .await;
    for (who, api) in [("manager", &stranger_api), ("member", &member_two_api)] {
        for suffix in ["", "/pdf", "/distribution"] {
            let (status, _, body) =
                download(api, &format!("/api/reports/inspections/{signed}{suffix}")).await;
            assert_eq!(status, 404, "another home's {who} on {suffix:?}");
            let (_, _, unknown_here) =
                download(api, &format!("/api/reports/inspections/{unknown}{suffix}")).await;
            assert_eq!(
                body, unknown_here,
                "forbidden reads like unknown for {suffix:?}"
            );
        }
    }
    assert_eq!(
        serde_json::from_slice::<Value>(&unknown_body).unwrap()["error"]["code"],
        "not_found"
    );

    // A young person gets no report or export at all; neither does a malformed id.
    for path in [
        format!("/api/reports/inspections/{signed}"),
        format!("/api/reports/inspections/{signed}/pdf"),
        "/api/exports/recommendations.csv".to_string(),
        "/api/overview".to_string(),
    ] {
        let (status, body) = young_api.get(&path).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (403, Some("forbidden")),
            "{path}: {body}"
        );
    }
    let (status, body) = officer_api.get("/api/reports/inspections/not-an-id").await;
    assert_eq!(status, 404, "{body}");

    // Only officers record distribution; the date is checked.
    let distribution = format!("/api/reports/inspections/{signed}/distribution");
    let (status, body) = manager_api
        .post(
            &distribution,
            &json!({ "recipient": "ofsted", "sentOn": "2026-11-05" }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );
    for bad in [
        json!({ "recipient": "the press", "sentOn": "2026-11-05" }),
        json!({ "recipient": "ofsted", "sentOn": "2026-02-30" }),
        json!({ "recipient": "ofsted", "sentOn": "2999-01-01" }),
        json!({ "recipient": "ofsted" }),
    ] {
        let (status, body) = officer_api.post(&distribution, &bad).await;
        assert_eq!(status, 400, "{bad} is refused: {body}");
        assert!(
            !body.to_string().contains("the press"),
            "no input echoed: {body}"
        );
    }
    let (status, list) = officer_api.get(&distribution).await;
    assert_eq!(
        (status, list.as_array().map(Vec::len)),
        (200, Some(0)),
        "{list}"
    );

    // Nothing was downloaded, so nothing is audited as read.
    assert_eq!(audit_count(&server, "report_downloaded").await, 0);
}

/// q1: yes/no/not sure, measured against the Pledge and the national survey; q2: free text.
fn survey_questions() -> Vec<Question> {
    let mut q1 = Question::new("q1", QuestionType::YesNoNotSure, "Do you feel listened to?");
    q1.pledge = Some("We will listen to you".into());
    q1.comparison = Some(Comparison {
        source: "National survey 2025".into(),
        option: "yes".into(),
        percent: 64,
    });
    let q2 = Question::new("q2", QuestionType::FreeText, "Anything else?");
    vec![q1, q2]
}

fn answered(home: &str, choice: &str) -> Answers {
    Answers::at(
        home,
        vec![
            Answer::choice("q1", choice),
            Answer::text("q2", "Synthetic remark that must stay private"),
        ],
    )
}

#[tokio::test]
async fn the_panel_summary_and_exports_count_by_hand_and_suppress_groups_under_five() {
    let server = TestServer::start(server_bin!()).await;
    let north = server.home("Synthetic House North").await;
    let south = server.home("Synthetic House South").await;
    let (worker_api, worker) = server.user(Role::ParticipationWorker, &[]).await;
    let (young_api, young) = server.user(Role::YoungPerson, &[]).await;
    let (officer_api, _) = server.user(Role::Officer, &[]).await;
    let (manager_api, _) = server.user(Role::Manager, &[&north]).await;

    // Spring: North 6 (yes ×5, no ×1), South 4 (yes ×2, no ×2), and one without consent.
    let spring = open_consultation(
        &worker_api,
        &worker.id,
        "Synthetic survey: being heard",
        survey_questions(),
        |c| {
            c.round_label = Some("Spring 2026".into());
        },
    )
    .await;
    let mut given = Vec::new();
    given.extend((0..5).map(|_| answered(&north, "yes")));
    given.push(answered(&north, "no"));
    given.extend([answered(&south, "yes"), answered(&south, "yes")]);
    given.extend([answered(&south, "no"), answered(&south, "no")]);
    let mut unconsented = answered(&north, "no");
    unconsented.consent = false;
    given.push(unconsented);
    submit_responses(&young_api, &young.id, spring, given).await;

    // Autumn, the same questions again: North 5 (yes ×5).
    let autumn = open_consultation(
        &worker_api,
        &worker.id,
        "Synthetic survey: being heard",
        survey_questions(),
        |c| {
            c.series_id = Some(spring.to_string());
            c.round_label = Some("Autumn 2026".into());
        },
    )
    .await;
    submit_responses(
        &young_api,
        &young.id,
        autumn,
        (0..5).map(|_| answered(&north, "yes")).collect(),
    )
    .await;
    edit_consultation(&worker_api, autumn, |c| {
        c.you_said_we_did = vec![YouSaidWeDid {
            id: "ysw-1".into(),
            you_said: text("You wanted a say in house meetings"),
            we_did: text("Young people now chair the monthly house meeting"),
        }];
    })
    .await;

    // A third, separate consultation with only 4 answers: suppressed everywhere.
    let small = open_consultation(
        &worker_api,
        &worker.id,
        "Synthetic small survey",
        survey_questions(),
        |_| {},
    )
    .await;
    // One of them asks to talk to someone.
    let mut small_answers: Vec<Answers> = (0..4).map(|_| answered(&north, "yes")).collect();
    small_answers[0].talk_to_someone = true;
    let asked = submit_responses(&young_api, &young.id, small, small_answers).await[0];

    // The Panel summary covers both rounds: hand counts, suppression, no free text.
    let summary = format!("/api/reports/consultations/{autumn}/summary");
    let (status, _, html) = download(&officer_api, &summary).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&html));
    let summary_text = page_text(&html);
    for phrase in [
        "Spring 2026",
        "Autumn 2026",
        "We will listen to you",
        "Do you feel listened to?",
        "National survey 2025",
        "64%",
        "70%",  // Spring: 7 of 10 said yes
        "100%", // Autumn: 5 of 5
        "fewer than 5",
        "You wanted a say in house meetings",
        "Young people now chair the monthly house meeting",
    ] {
        assert!(
            summary_text.contains(phrase),
            "the summary has {phrase:?}: {summary_text}"
        );
    }
    assert!(
        !summary_text.contains("Synthetic remark"),
        "no free text on a summary"
    );
    let (status, content_type, pdf) = download(&worker_api, &format!("{summary}/pdf")).await;
    assert_eq!((status, content_type.as_str()), (200, "application/pdf"));
    let pdf_text = poppler("pdftotext", &pdf);
    for phrase in [
        "Spring 2026",
        "Autumn 2026",
        "We will listen to you",
        "fewer than 5",
        "Young people now chair",
    ] {
        assert!(
            pdf_text.contains(phrase),
            "the summary PDF has {phrase:?}: {pdf_text}"
        );
    }
    assert!(!pdf_text.contains("Synthetic remark"));

    // The responses export: consented answers only; South's 4 are not told apart by home.
    let (status, _, csv) = download(
        &worker_api,
        &format!("/api/exports/consultations/{spring}/responses.csv"),
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&csv));
    let csv = String::from_utf8(csv).expect("UTF-8");
    let rows: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().skip(1).collect();
    assert_eq!(rows.len(), 10, "ten consented responses: {csv}");
    assert_eq!(
        rows.iter()
            .filter(|r| r.contains("Synthetic House North"))
            .count(),
        6,
        "{csv}"
    );
    assert!(
        !csv.contains("Synthetic House South"),
        "a home with 4 responses is not named: {csv}"
    );
    assert_eq!(
        rows.iter().filter(|r| r.contains("fewer than 5")).count(),
        4,
        "{csv}"
    );
    let (status, content_type, xlsx) = download(
        &officer_api,
        &format!("/api/exports/consultations/{spring}/responses.xlsx"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(content_type.contains("spreadsheetml"), "{content_type}");
    assert!(xlsx.starts_with(b"PK"), "an xlsx is a zip");

    let (status, body) = worker_api
        .get(&format!("/api/exports/consultations/{small}/responses.csv"))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("too_few_responses")),
        "{body}"
    );
    let (_, _, small_summary) = download(
        &officer_api,
        &format!("/api/reports/consultations/{small}/summary"),
    )
    .await;
    let small_text = page_text(&small_summary);
    assert!(small_text.contains("fewer than 5"), "{small_text}");
    assert!(
        !small_text.contains("100%"),
        "no percentage from 4 answers: {small_text}"
    );

    // Managers read no consultation results; the overview counts the same way.
    let (status, body) = manager_api
        .get(&format!(
            "/api/exports/consultations/{spring}/responses.csv"
        ))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );
    let (status, overview) = officer_api.get("/api/overview").await;
    assert_eq!(status, 200, "{overview}");
    let count_of = |id: DocumentId| {
        overview["consultations"]
            .as_array()
            .expect("consultations")
            .iter()
            .find(|c| c["id"] == id.to_string())
            .map(|c| c["responses"].clone())
            .unwrap_or_else(|| panic!("{id} in {overview}"))
    };
    assert_eq!(count_of(spring), json!({ "shown": 10 }));
    assert_eq!(count_of(autumn), json!({ "shown": 5 }));
    assert_eq!(count_of(small), json!("suppressed"));
    let waiting = |overview: &Value, id: DocumentId| {
        overview["consultations"]
            .as_array()
            .expect("consultations")
            .iter()
            .find(|c| c["id"] == id.to_string())
            .map(|c| c["awaitingFollowUp"].clone())
    };
    assert_eq!(waiting(&overview, small), Some(json!(1)), "{overview}");

    // The worker records the follow-up on the response, and the flag clears.
    let mut client = worker_api.sync().await;
    client
        .fetch(asked)
        .await
        .expect("the worker reads the response");
    let by = worker.id.clone();
    client.edit(asked, |r| {
        if let Record::ConsultationResponse(r) = r {
            r.follow_up = Some(FollowUp {
                done: true,
                by,
                at: hearth_e2e::now_ms(),
                note: text("Synthetic note: spoke with them the same day"),
            });
        }
    });
    client
        .sync_doc(asked)
        .await
        .expect("the follow-up is stored");
    client.close().await;
    let (_, overview) = officer_api.get("/api/overview").await;
    assert_eq!(waiting(&overview, small), Some(json!(0)), "{overview}");

    assert_eq!(audit_count(&server, "export_downloaded").await, 2);
    assert_eq!(audit_count(&server, "report_downloaded").await, 3);
}

/// 31 March 2026, noon UTC: the last day of a month.
const FIXED_NOW_MS: &str = "1774958400000";

#[tokio::test]
async fn the_overview_tells_done_due_and_overdue_visits_on_a_fixed_date() {
    let server =
        TestServer::start_with(server_bin!(), &[("HEARTH_E2E_NOW_MS", FIXED_NOW_MS)]).await;
    let north = server.home("Synthetic House North").await;
    let east = server.home("Synthetic House East").await;
    let west = server.home("Synthetic House West").await;
    let south = server.home("Synthetic House South").await;
    let (member_api, member) = server
        .user(Role::Member, &[&north, &east, &west, &south])
        .await;
    let (north_manager, _) = server.user(Role::Manager, &[&north]).await;
    let (east_manager, _) = server.user(Role::Manager, &[&east]).await;
    let (officer_api, _) = server.user(Role::Officer, &[]).await;

    let with = |id: &str, due_by: &str, status: RecommendationStatus| {
        let mut r = Recommendation::new(id, "Synthetic recommendation", Priority::Medium);
        r.due_by = Some(due_by.into());
        r.status = status;
        r
    };
    // North: visited this month; its recommendation's timescale has passed; no response yet.
    let north_visit = signed_off_inspection(&member_api, &member.id, &north, "2026-03-05", |i| {
        i.recommendations = vec![with("n1", "2026-03-20", RecommendationStatus::Open)];
    })
    .await;
    // East: visited last month, answered by its manager: this month's visit is due.
    let east_visit = signed_off_inspection(&member_api, &member.id, &east, "2026-02-20", |i| {
        i.recommendations = vec![with("e1", "2026-06-30", RecommendationStatus::Open)];
    })
    .await;
    manager_responds(&east_manager, east_visit, |i| {
        i.recommendations[0].manager_response = text("Synthetic response");
        i.recommendations[0].status = RecommendationStatus::Accepted;
    })
    .await;
    // West: last visited in January: February's visit was missed, so it is overdue.
    signed_off_inspection(&member_api, &member.id, &west, "2026-01-10", |i| {
        i.recommendations = vec![
            with("w1", "2026-12-31", RecommendationStatus::Open),
            with("w2", "2026-02-01", RecommendationStatus::Done),
        ];
    })
    .await;
    // South: never visited.

    let (status, overview) = officer_api.get("/api/overview").await;
    assert_eq!(status, 200, "{overview}");
    assert_eq!(overview["today"], "2026-03-31");
    let home = |id: &str| {
        overview["homes"]
            .as_array()
            .expect("homes")
            .iter()
            .find(|h| h["homeId"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} in {overview}"))
    };
    let (n, e, w, s) = (home(&north), home(&east), home(&west), home(&south));
    assert_eq!(n["thisMonth"], "done", "{n}");
    assert_eq!(n["lastVisit"], "2026-03-05");
    assert_eq!(n["lastVisitId"], north_visit.to_string());
    assert_eq!(e["thisMonth"], "due", "{e}");
    assert_eq!(e["dueBy"], "2026-03-31");
    assert_eq!(w["thisMonth"], "overdue", "{w}");
    assert_eq!(s["thisMonth"], "overdue", "{s}");
    assert_eq!(s["lastVisit"], Value::Null);

    assert_eq!(n["openRecommendations"]["underOneMonth"], 1, "{n}");
    assert_eq!(n["openRecommendations"]["pastTimescale"], 1, "{n}");
    assert_eq!(n["responsesOutstanding"], 1, "{n}");
    assert_eq!(e["openRecommendations"]["oneToThreeMonths"], 1, "{e}");
    assert_eq!(e["openRecommendations"]["pastTimescale"], 0, "{e}");
    assert_eq!(e["responsesOutstanding"], 0, "{e}");
    assert_eq!(
        w["openRecommendations"]["oneToThreeMonths"], 1,
        "done ones are not open: {w}"
    );

    // A manager sees only their home, and no consultations.
    let (status, theirs) = north_manager.get("/api/overview").await;
    assert_eq!(status, 200, "{theirs}");
    let homes: Vec<&Value> = theirs["homes"].as_array().expect("homes").iter().collect();
    assert_eq!(homes.len(), 1, "{theirs}");
    assert_eq!(homes[0]["homeId"], north.as_str());
    assert_eq!(theirs["consultations"], json!([]));

    // The manager's recommendations export holds only their home; the officer's every home.
    let (status, _, csv) = download(&north_manager, "/api/exports/recommendations.csv").await;
    assert_eq!(status, 200);
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.contains("Synthetic House North"), "{csv}");
    for other in ["East", "West", "South"] {
        assert!(
            !csv.contains(other),
            "a manager's export holds only their home: {csv}"
        );
    }
    let (_, _, all) = download(&officer_api, "/api/exports/recommendations.csv").await;
    let all = String::from_utf8(all).unwrap();
    let data_rows = all.trim_start_matches('\u{feff}').lines().skip(1).count();
    assert_eq!(
        data_rows, 4,
        "one row per recommendation of signed-off records: {all}"
    );
    let (status, content_type, xlsx) =
        download(&north_manager, "/api/exports/recommendations.xlsx").await;
    assert_eq!(status, 200);
    assert!(content_type.contains("spreadsheetml") && xlsx.starts_with(b"PK"));
}
