//! The reporting benchmark: how long the server takes to write the PDF of a full Regulation 33
//! record, and to answer `GET /api/overview` over 50 homes × 5 years of monthly records
//! (3,000 signed-off records). Prints figures; asserts nothing about speed.
//!
//! The 3,000 records are written straight into the store of a stopped server (the way
//! `hearth demo` seeds one), each with the reporting facts a sync commit would store, then the
//! real server process is started on that folder and asked over HTTP as an officer would ask.

use std::sync::Arc;
use std::time::{Duration, Instant};

use automerge::AutoCommit;
use autosurgeon::Text;
use hearth_server::report::{self, DistributionLine, InspectionContext};
use hearth_server::store::Store;
use hearth_server::store::sqlite::{SqliteOptions, SqliteStore};
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{
    CheckOutcome, ChildSpokenWith, Inspection, OpinionChoice, PreviousRecommendation, Priority,
    Recommendation, RecommendationStatus, Record, SignOff, WorkflowState,
};
use hearth_shared::permissions::Role;
use hearth_shared::reporting::{Day, facts_of};

use crate::TestServer;
use crate::bench::percentile;

/// What the bench measures, and how often.
#[derive(Debug, Clone)]
pub struct ReportBenchConfig {
    /// Homes in the overview.
    pub homes: usize,
    /// Monthly records per home.
    pub months: usize,
    /// Timed repetitions of each measurement.
    pub runs: usize,
}

impl Default for ReportBenchConfig {
    fn default() -> Self {
        ReportBenchConfig {
            homes: 50,
            months: 60,
            runs: 20,
        }
    }
}

impl ReportBenchConfig {
    /// A smaller run that still exercises every path (for `--quick`).
    pub fn quick() -> Self {
        ReportBenchConfig {
            homes: 10,
            months: 12,
            runs: 5,
        }
    }
}

/// The figures.
#[derive(Debug, Clone)]
pub struct ReportBenchReport {
    /// The configuration measured.
    pub config: ReportBenchConfig,
    /// Median time to build and write the PDF of a full record, in process.
    pub pdf_median: Duration,
    /// Its size in bytes.
    pub pdf_bytes: usize,
    /// Median time to build and write the HTML report, in process.
    pub html_median: Duration,
    /// Median time of `GET /api/reports/inspections/{id}/pdf` over loopback.
    pub pdf_http_median: Duration,
    /// Median and 95th percentile of `GET /api/overview` as an officer.
    pub overview_median: Duration,
    /// 95th percentile of the same.
    pub overview_p95: Duration,
    /// Median of `GET /api/overview` as a manager of one home.
    pub overview_manager_median: Duration,
    /// How long writing the records took (not part of the figures that matter).
    pub seeded_in: Duration,
}

impl ReportBenchReport {
    /// A table for people.
    pub fn table(&self) -> String {
        let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
        let c = &self.config;
        format!(
            "Reporting ({} homes x {} months = {} signed-off records; {} runs each)\n\
             PDF of a full Regulation 33 record, in process   median {} ({} KiB)\n\
             HTML of the same record, in process              median {}\n\
             PDF over HTTP (GET .../pdf)                      median {}\n\
             GET /api/overview as an officer (every home)     median {}, p95 {}\n\
             GET /api/overview as a manager (one home)        median {}\n\
             (records written in {:.1} s)\n",
            c.homes,
            c.months,
            c.homes * c.months,
            c.runs,
            ms(self.pdf_median),
            self.pdf_bytes / 1024,
            ms(self.html_median),
            ms(self.pdf_http_median),
            ms(self.overview_median),
            ms(self.overview_p95),
            ms(self.overview_manager_median),
            self.seeded_in.as_secs_f64(),
        )
    }
}

/// A paragraph of `words` synthetic words.
fn words(prefix: &str, words: usize) -> Text {
    let text: Vec<String> = (0..words).map(|n| format!("{prefix}{}", n % 17)).collect();
    Text::with_value(text.join(" "))
}

/// A Regulation 33 record with every section full: long paragraphs, nine areas commented, ten
/// recommendations with responses, five earlier ones.
pub fn full_record(member: &str, home: &str, visit: Day) -> Inspection {
    let mut i = Inspection::new(member, home, 1_767_225_600_000);
    i.visit_date = visit.to_string();
    i.time_in = "09:30".into();
    i.time_out = "13:15".into();
    i.spoke_with.children.count = 4;
    i.spoke_with.children.entries = ["AB", "CD", "EF"]
        .iter()
        .map(|initials| ChildSpokenWith {
            initials: (*initials).into(),
            consent: true,
        })
        .collect();
    i.spoke_with.staff = vec!["Registered manager".into(), "Team leader".into()];
    i.spoke_with.parents_relatives = vec!["Parent".into()];
    for check in &mut i.records_checked {
        check.outcome = CheckOutcome::Satisfactory;
        check.comment = words("checked", 40);
    }
    i.premises = words("premises", 300);
    i.children_views = words("views", 300);
    i.safeguarding_opinion.choice = OpinionChoice::Effective;
    i.safeguarding_opinion.text = words("safeguarding", 200);
    i.wellbeing_opinion.choice = OpinionChoice::RequiresImprovement;
    i.wellbeing_opinion.text = words("wellbeing", 200);
    i.recommendations = (0..10)
        .map(|n| {
            let mut r = Recommendation::new(&format!("rec-{n}"), "", Priority::Medium);
            r.text = words("recommend", 40);
            r.manager_response = words("response", 60);
            r.status = RecommendationStatus::InProgress;
            r.due_by = Some(visit.add_months(1).to_string());
            r
        })
        .collect();
    i.previous_recommendations = (0..5)
        .map(|_| PreviousRecommendation {
            text: words("earlier", 30),
            progress: words("progress", 30),
        })
        .collect();
    i
}

/// The median of `runs` timings of `f`.
fn median_of(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs.max(1))
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    percentile(&times, 50.0)
}

/// Everything that can stop the bench.
#[derive(Debug, thiserror::Error)]
pub enum ReportBenchError {
    /// Storage failed while seeding.
    #[error("seeding the store: {0}")]
    Store(#[from] hearth_server::store::StoreError),
    /// The report could not be written.
    #[error("writing the report: {0}")]
    Report(#[from] hearth_server::report::ReportError),
    /// The server answered something other than 200.
    #[error("{0} answered {1}")]
    Http(String, u16),
}

/// Runs the bench against the server binary `server_bin`.
pub async fn run(
    config: ReportBenchConfig,
    server_bin: &str,
) -> Result<ReportBenchReport, ReportBenchError> {
    // In process: the report of one full record.
    let today = Day::parse("2026-11-30").expect("a date");
    let record = full_record("member-1", "home-1", today);
    let ctx = InspectionContext {
        home_name: "Synthetic House Bench".into(),
        names: [("member-1".to_string(), "Test Member".to_string())]
            .into_iter()
            .collect(),
        distribution: vec![DistributionLine {
            recipient: "ofsted".into(),
            sent_on: "2026-11-30".into(),
            recorded_by: "Test Officer".into(),
        }],
    };
    let mut pdf_bytes = 0;
    let mut failed = None;
    let pdf_median = median_of(config.runs, || {
        match report::pdf(&report::inspection_report(&record, &ctx)) {
            Ok(bytes) => pdf_bytes = bytes.len(),
            Err(e) => failed = Some(e),
        }
    });
    if let Some(e) = failed {
        return Err(e.into());
    }
    let html_median = median_of(config.runs, || {
        std::hint::black_box(report::html(&report::inspection_report(&record, &ctx)));
    });

    // The server: accounts through its API, then records straight into its stopped store.
    let mut server = TestServer::start(server_bin).await;
    let (officer_api, officer) = server.user(Role::Officer, &[]).await;
    drop(officer_api);
    let (member_api, member) = server.user(Role::Member, &[]).await;
    drop(member_api);
    let mut homes = Vec::new();
    for n in 0..config.homes {
        homes.push(server.home(&format!("Synthetic House {n:03}")).await);
    }
    let (manager_api, manager) = server.user(Role::Manager, &[&homes[0]]).await;
    drop(manager_api);
    server.stop().await;
    let seeded = Instant::now();
    let first_record = seed(&server, &member.id, &homes, config.months, today).await?;
    let seeded_in = seeded.elapsed();
    server.start_again().await;
    let officer = sign_in_again(&server, &officer).await;
    let manager = sign_in_again(&server, &manager).await;

    let pdf_path = format!("/api/reports/inspections/{first_record}/pdf");
    let pdf_http_median = timed_gets(&officer, &pdf_path, config.runs).await?[config.runs / 2];
    let officer_times = timed_gets(&officer, "/api/overview", config.runs).await?;
    let manager_times = timed_gets(&manager, "/api/overview", config.runs).await?;
    server.stop().await;
    Ok(ReportBenchReport {
        overview_median: percentile(&officer_times, 50.0),
        overview_p95: percentile(&officer_times, 95.0),
        overview_manager_median: percentile(&manager_times, 50.0),
        pdf_http_median,
        pdf_median,
        pdf_bytes,
        html_median,
        seeded_in,
        config,
    })
}

/// The same person signed in again on the restarted server.
async fn sign_in_again(server: &TestServer, user: &crate::server::TestUser) -> crate::Api {
    let api = crate::Api::new(&server.base);
    api.sign_in(&user.username, &user.password)
        .await
        .expect("the account signs in again");
    api
}

/// `runs` timed GETs of `path`, sorted; fails on anything but 200.
async fn timed_gets(
    api: &crate::Api,
    path: &str,
    runs: usize,
) -> Result<Vec<Duration>, ReportBenchError> {
    let mut times = Vec::new();
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        let res = api.raw(reqwest::Method::GET, path).await;
        let status = res.status().as_u16();
        let _ = res.bytes().await;
        times.push(start.elapsed());
        if status != 200 {
            return Err(ReportBenchError::Http(path.to_string(), status));
        }
    }
    times.sort();
    Ok(times)
}

/// Writes `months` monthly signed-off records for every home into the stopped server's store,
/// the newest last month, and returns the id of one of them.
async fn seed(
    server: &TestServer,
    member: &str,
    homes: &[String],
    months: usize,
    today: Day,
) -> Result<DocumentId, ReportBenchError> {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(
        &server.data_dir().join("hearth.sqlite3"),
        SqliteOptions::default(),
    )?);
    let mut first = None;
    for home in homes {
        // One home's records concurrently, so the store's group commit writes them together.
        let mut writes = Vec::new();
        for month in 1..=months {
            let visit = today.add_months(-(month as i32)).first_of_month();
            let mut record = full_record(member, home, visit);
            record.state = WorkflowState::Responded;
            record.sign_off = Some(SignOff {
                by: member.to_string(),
                at: 1_767_225_600_000,
            });
            // Older recommendations are done; the last few months' are still open.
            if month > 3 {
                for r in &mut record.recommendations {
                    r.status = RecommendationStatus::Done;
                }
            }
            let record = Record::Inspection(record);
            let mut doc = AutoCommit::new();
            record
                .write_to(&mut doc)
                .expect("a model record reconciles");
            let id = DocumentId::random();
            first.get_or_insert(id);
            let store = store.clone();
            writes.push(async move {
                store
                    .append_chunk(
                        id,
                        record.meta(),
                        Some(facts_of(&record)),
                        doc.save(),
                        1_767_225_600_000,
                    )
                    .await
            });
        }
        for result in futures_util::future::join_all(writes).await {
            result?;
        }
    }
    drop(store);
    Ok(first.expect("at least one record"))
}
