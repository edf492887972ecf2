//! Reports and exports from synthetic records ("Demo Home", "Test Member", initials "AB").

use std::collections::HashMap;
use std::process::Command;

use autosurgeon::Text;
use hearth_shared::model::{
    AgeBand, Answer, CheckArea, CheckOutcome, ChildSpokenWith, Comparison, Consultation,
    ConsultationResponse, Inspection, OpinionChoice, PreviousRecommendation, Priority, Question,
    QuestionType, Recommendation, RecommendationStatus, SCHEMA_VERSION, SignOff, WorkflowState,
    YouSaidWeDid,
};
use hearth_shared::reporting::results::{
    Count, ResultsFilter, ResultsOptions, Round, results as compute_results,
};

use super::*;

/// 3 November 2026, 10:00 UTC.
const VISIT_MS: i64 = 1_793_700_000_000;

fn inspection() -> Inspection {
    let mut i = Inspection::new("member-1", "home-1", VISIT_MS);
    i.state = WorkflowState::SignedOff;
    i.visit_date = "2026-11-03".to_string();
    i.time_in = "10:00".to_string();
    i.time_out = "12:30".to_string();
    i.announced = false;
    i.visiting_members = vec!["member-1".to_string(), "member-2".to_string()];
    i.spoke_with.children.count = 4;
    i.spoke_with.children.entries = vec![
        ChildSpokenWith {
            initials: "AB".to_string(),
            consent: true,
        },
        ChildSpokenWith {
            initials: "QX".to_string(),
            consent: false,
        },
        ChildSpokenWith {
            initials: "EF".to_string(),
            consent: true,
        },
    ];
    i.spoke_with.staff = vec!["Registered manager".to_string(), "Night worker".to_string()];
    i.spoke_with.parents_relatives = vec!["Grandparent".to_string()];
    for check in &mut i.records_checked {
        if check.area == CheckArea::Medication {
            check.outcome = CheckOutcome::Concern;
            check.comment = Text::with_value("Two signatures missing on the medication chart.");
        } else if check.area == CheckArea::Complaints {
            check.outcome = CheckOutcome::Satisfactory;
        }
    }
    i.premises = Text::with_value("Warm, clean and homely; the garden fence needs repair.");
    i.children_views = Text::with_value("They enjoy the new games room.");
    i.safeguarding_opinion.choice = OpinionChoice::Effective;
    i.safeguarding_opinion.text = Text::with_value("Staff know the safeguarding procedures.");
    i.wellbeing_opinion.choice = OpinionChoice::RequiresImprovement;
    i.wellbeing_opinion.text = Text::with_value("Activities are limited at weekends.");
    let mut r = Recommendation::new("rec-1", "Repair the garden fence.", Priority::High);
    r.due_by = Some("2026-12-01".to_string());
    r.manager_response = Text::with_value("Contractor booked for next week.");
    r.status = RecommendationStatus::Accepted;
    i.recommendations = vec![
        r,
        Recommendation::new("rec-2", "Plan weekend outings.", Priority::Low),
    ];
    i.previous_recommendations = vec![PreviousRecommendation {
        text: Text::with_value("Update the fire risk assessment."),
        progress: Text::with_value("Done in October."),
    }];
    i.sign_off = Some(SignOff {
        by: "member-1".to_string(),
        at: VISIT_MS + 86_400_000,
    });
    i
}

fn context(distribution: bool) -> InspectionContext {
    InspectionContext {
        home_name: "Demo Home".to_string(),
        names: HashMap::from([
            ("member-1".to_string(), "Test Member".to_string()),
            ("member-2".to_string(), "Second Member".to_string()),
        ]),
        distribution: if distribution {
            vec![DistributionLine {
                recipient: "ofsted".to_string(),
                sent_on: "2026-11-10".to_string(),
                recorded_by: "Test Officer".to_string(),
            }]
        } else {
            Vec::new()
        },
    }
}

/// Every string a report holds, one per line.
fn all_text(doc: &ReportDoc) -> String {
    let mut out = vec![doc.title.clone()];
    out.extend(doc.subtitle.clone());
    for s in &doc.sections {
        out.push(s.heading.clone());
        for b in &s.blocks {
            match b {
                Block::Paragraph(p) => out.push(p.clone()),
                Block::Facts(f) => {
                    for (k, v) in f {
                        out.push(format!("{k}: {v}"));
                    }
                }
                Block::Table {
                    caption,
                    headers,
                    rows,
                } => {
                    out.push(caption.clone());
                    out.push(headers.join(" | "));
                    for r in rows {
                        out.push(r.join(" | "));
                    }
                }
                Block::BarChart(c) => out.push(chart_description(c)),
            }
        }
    }
    out.join("\n")
}

const EXPECTED_INSPECTION_TEXT: &[&str] = &[
    "Regulation 33 monthly visit report",
    "Demo Home",
    "3 November 2026",
    "10:00",
    "12:30",
    "unannounced",
    "Test Member, Second Member",
    "Who we spoke with",
    "AB, EF",
    "2 other children (not recorded)",
    "Registered manager, Night worker",
    "Grandparent",
    "Records checked",
    "Medication",
    "Concern",
    "Two signatures missing on the medication chart.",
    "Premises",
    "the garden fence needs repair",
    "Children's views",
    "They enjoy the new games room.",
    "Are children effectively safeguarded?",
    "Yes: children are effectively safeguarded",
    "Staff know the safeguarding procedures.",
    "Does the home promote children's wellbeing?",
    "Requires improvement",
    "Activities are limited at weekends.",
    "Recommendations",
    "Repair the garden fence.",
    "High",
    "Respond by 1 December 2026",
    "Accepted",
    "Contractor booked for next week.",
    "No timescale set",
    "No response yet",
    "Progress on previous recommendations",
    "Update the fire risk assessment.",
    "Done in October.",
    "Sign-off",
    "4 November 2026",
    "Distribution",
];

#[test]
fn inspection_report_holds_every_section_and_children_only_by_consented_initials() {
    let doc = inspection_report(&inspection(), &context(true));
    let text = all_text(&doc);
    for expected in EXPECTED_INSPECTION_TEXT {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert!(text.contains("Ofsted (HMCI)") && text.contains("10 November 2026"));
    assert!(text.contains("Test Officer"));
    // The child who did not agree to be recorded is only counted.
    assert!(!text.contains("QX"), "{text}");
    // Members by name, never by id.
    assert!(!text.contains("member-1"));
    assert!(!text.contains("Not yet sent"));
}

#[test]
fn an_unsent_report_says_not_yet_sent() {
    let doc = inspection_report(&inspection(), &context(false));
    assert!(all_text(&doc).contains("Not yet sent"));
}

#[test]
fn html_report_is_one_accessible_page_with_no_inline_styles() {
    let page = html(&inspection_report(&inspection(), &context(true)));
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<html lang=\"en-GB\">"));
    assert_eq!(page.matches("<h1>").count(), 1);
    assert_eq!(page.matches("<h2 ").count(), 11);
    assert!(page.contains("<title>Regulation 33 monthly visit report</title>"));
    assert!(page.contains("<link rel=\"stylesheet\" href=\"/api/reports/report.css\">"));
    assert!(page.contains("<caption>"));
    assert!(page.contains("<th scope=\"col\">Records</th>"));
    assert!(page.contains("<th scope=\"row\">Medication</th>"));
    assert!(page.contains("<dt>Visiting members</dt><dd>Test Member, Second Member</dd>"));
    assert!(!page.contains("style="), "the CSP forbids inline styles");
    assert!(!page.contains("<style"));
    assert!(!page.contains("QX"));
}

#[test]
fn html_escapes_everything_from_the_record() {
    let doc = ReportDoc {
        title: "<script>alert('t')</script>".to_string(),
        subtitle: Some("Tom & \"Jerry\"".to_string()),
        sections: vec![Section {
            heading: "<b>h</b>".to_string(),
            blocks: vec![
                Block::Paragraph("<script>alert(1)</script>".to_string()),
                Block::Facts(vec![(
                    "<i>".to_string(),
                    "<img src=x onerror=alert(1)>".to_string(),
                )]),
                Block::Table {
                    caption: "<c>".to_string(),
                    headers: vec!["<h>".to_string()],
                    rows: vec![vec!["</td><script>".to_string()]],
                },
                Block::BarChart(Chart {
                    title: "</title><script>".to_string(),
                    bars: vec![("<bar>".to_string(), Count::Shown(5), Some(100))],
                    comparison: Some(("<cmp>".to_string(), 50)),
                    suppress_below: 5,
                }),
            ],
        }],
    };
    let page = html(&doc);
    assert!(!page.contains("<script>"), "{page}");
    assert!(!page.contains("<img"));
    assert!(!page.contains("<b>") && !page.contains("<bar>") && !page.contains("<cmp>"));
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.contains("Tom &amp; &quot;Jerry&quot;"));
}

#[test]
fn html_charts_have_a_text_alternative_and_their_numbers_in_a_table() {
    let doc = ReportDoc {
        title: "Results".to_string(),
        subtitle: None,
        sections: vec![Section {
            heading: "Feeling safe".to_string(),
            blocks: vec![Block::BarChart(Chart {
                title: "Do you feel safe?".to_string(),
                bars: vec![
                    ("Yes".to_string(), Count::Shown(12), Some(80)),
                    ("No".to_string(), Count::Suppressed, None),
                ],
                comparison: Some(("National survey: Yes".to_string(), 72)),
                suppress_below: 5,
            })],
        }],
    };
    let page = html(&doc);
    assert!(page.contains("role=\"img\""));
    assert!(page.contains("<title id=\"chart-1-title\">Do you feel safe?</title>"));
    assert!(page.contains(
        "<desc id=\"chart-1-desc\">Yes: 12 (80%); No: fewer than 5; National survey: Yes: 72%.</desc>"
    ));
    assert!(
        page.contains("<th scope=\"row\">No</th><td class=\"report-number\">fewer than 5</td>")
    );
    assert!(page.contains("<td class=\"report-number\">72%</td>"));
}

fn pdftotext(pdf: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().ok()?;
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, pdf).ok()?;
    let out = Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn pdfinfo(pdf: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().ok()?;
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, pdf).ok()?;
    let out = Command::new("pdfinfo").arg(&path).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn pdf_reports_pass_krillas_pdf_ua_checks() {
    let doc = inspection_report(&inspection(), &context(true));
    assert!(super::pdf::render(&doc, true).is_ok());
    let odd = ReportDoc {
        title: "Emoji 😀 and 漢字 and \u{E000}".to_string(),
        subtitle: None,
        sections: vec![Section {
            heading: "Text no font has".to_string(),
            blocks: vec![Block::Paragraph("🦄 漢字 \u{1F9FF} \u{0007}".to_string())],
        }],
    };
    assert!(super::pdf::render(&odd, true).is_ok());
}

#[test]
fn pdf_report_is_a_tagged_pdf_with_every_section() {
    let bytes = pdf(&inspection_report(&inspection(), &context(true))).expect("pdf");
    assert!(bytes.starts_with(b"%PDF-"));
    // Where poppler is installed (CI has it), read the PDF back.
    let Some(text) = pdftotext(&bytes) else {
        return;
    };
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in EXPECTED_INSPECTION_TEXT {
        let expected = expected.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains(&expected), "missing {expected:?} in:\n{text}");
    }
    assert!(!flat.contains("QX"));
    assert!(flat.contains("Page 1 of"));
    let info = pdfinfo(&bytes).expect("pdfinfo is there when pdftotext is");
    assert!(
        info.contains("Tagged:")
            && info
                .lines()
                .any(|l| l.starts_with("Tagged:") && l.ends_with("yes")),
        "{info}"
    );
    assert!(
        info.contains("Regulation 33 monthly visit report"),
        "{info}"
    );
}

#[test]
fn pdf_flows_long_text_and_tables_over_pages_and_survives_emoji() {
    let long = "A long paragraph about the visit. ".repeat(400);
    let rows: Vec<Vec<String>> = (0..120)
        .map(|i| {
            vec![
                format!("Row {i}"),
                format!("Value {i} 😀 with text"),
                "x".repeat(90),
            ]
        })
        .collect();
    let doc = ReportDoc {
        title: "Flow test 🙂".to_string(),
        subtitle: Some("Tabs\tand\u{200B}invisible\u{FEFF} characters".to_string()),
        sections: vec![Section {
            heading: "Long".to_string(),
            blocks: vec![
                Block::Paragraph(long),
                Block::Table {
                    caption: "Many rows".to_string(),
                    headers: vec!["Name".to_string(), "Value".to_string(), "Wide".to_string()],
                    rows,
                },
                Block::Facts(vec![("Long value".to_string(), "word ".repeat(3000))]),
                Block::BarChart(Chart {
                    title: "A chart".to_string(),
                    bars: (0..60)
                        .map(|i| (format!("Answer {i}"), Count::Shown(10), Some(i)))
                        .collect(),
                    comparison: Some(("National".to_string(), 40)),
                    suppress_below: 5,
                }),
            ],
        }],
    };
    assert!(
        super::pdf::render(&doc, true).is_ok(),
        "passes PDF/UA checks"
    );
    let bytes = pdf(&doc).expect("pdf");
    assert!(bytes.starts_with(b"%PDF-"));
    if let Some(info) = pdfinfo(&bytes) {
        let pages: u32 = info
            .lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
            .expect("pdfinfo gives the page count");
        assert!(pages > 5, "{info}");
    }
    if let Some(text) = pdftotext(&bytes) {
        assert!(text.contains("Value 119"));
        assert!(text.contains("Value 0"));
        assert!(text.contains("Answer 59"));
    }
}

#[test]
fn csv_quotes_as_rfc_4180_and_defuses_formulas() {
    let table = Table {
        sheet: "Test".to_string(),
        headers: vec!["A".to_string(), "B".to_string()],
        rows: vec![
            vec!["plain".to_string(), "with, comma".to_string()],
            vec!["say \"hi\"".to_string(), "two\nlines".to_string()],
            vec!["=SUM(A1:A2)".to_string(), "+1".to_string()],
            vec!["-2".to_string(), "@cmd".to_string()],
            vec!["café".to_string(), String::new()],
        ],
    };
    let bytes = csv(&table);
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert_eq!(
        text,
        "A,B\r\nplain,\"with, comma\"\r\n\"say \"\"hi\"\"\",\"two\nlines\"\r\n'=SUM(A1:A2),'+1\r\n'-2,'@cmd\r\ncafé,\r\n"
    );
}

#[test]
fn xlsx_is_a_zip_workbook() {
    let table = Table {
        sheet: "Responses: [all]".to_string(),
        headers: vec!["Home".to_string(), "Answer".to_string()],
        rows: vec![vec!["Demo Home".to_string(), "=1+1".to_string()]],
    };
    let bytes = xlsx(&table).expect("xlsx");
    assert!(bytes.starts_with(b"PK"));
    assert!(bytes.len() > 1000);
}

fn consultation() -> Consultation {
    let mut c = Consultation::new("worker-1", "Living here", VISIT_MS);
    c.state = WorkflowState::Closed;
    c.round_label = Some("Autumn 2026".to_string());
    let mut safe = Question::new("q1", QuestionType::YesNoNotSure, "Do you feel safe?");
    safe.pledge = Some("We will keep you safe".to_string());
    safe.comparison = Some(Comparison {
        source: "National survey".to_string(),
        option: "yes".to_string(),
        percent: 72,
    });
    let mood = Question::new("q2", QuestionType::EmojiScale, "How do you feel today?");
    let said = Question::new("q3", QuestionType::FreeText, "Anything else?");
    c.questions = vec![safe, mood, said];
    c.you_said_we_did = vec![YouSaidWeDid::new(
        "y1",
        "More trips out",
        "Booked two trips a month",
    )];
    c
}

fn response(
    home: Option<&str>,
    band: Option<AgeBand>,
    answers: Vec<Answer>,
) -> ConsultationResponse {
    ConsultationResponse {
        schema_version: SCHEMA_VERSION,
        consultation_id: "consultation-1".to_string(),
        created_by: "kiosk-1".to_string(),
        created_at: VISIT_MS,
        state: WorkflowState::Submitted,
        answers,
        age_band: band,
        home_id: home.map(str::to_string),
        anonymous: false,
        consent_given: true,
        talk_to_someone: false,
        submitted_at: Some(VISIT_MS + 1000),
        follow_up: None,
    }
}

fn responses() -> Vec<ConsultationResponse> {
    let mut rs: Vec<ConsultationResponse> = (0..5)
        .map(|_| {
            response(
                Some("home-1"),
                Some(AgeBand::Ages13To15),
                vec![
                    Answer::choice("q1", "yes"),
                    Answer::scale("q2", 4),
                    Answer::text("q3", "=HYPERLINK(\"x\") my own words"),
                ],
            )
        })
        .collect();
    rs.push(response(
        Some("home-2"),
        Some(AgeBand::Ages8To12),
        vec![Answer::choice("q1", "notSure")],
    ));
    let mut refused = response(Some("home-3"), None, vec![Answer::choice("q1", "no")]);
    refused.consent_given = false;
    rs.push(refused);
    rs
}

#[test]
fn responses_table_holds_counted_responses_with_small_groups_folded_into_other() {
    let c = consultation();
    let rs = responses();
    let round = Round {
        id: "consultation-1".to_string(),
        consultation: &c,
        responses: rs.iter().collect(),
    };
    let names = HashMap::from([
        ("home-1".to_string(), "Demo Home".to_string()),
        ("home-2".to_string(), "Small Home".to_string()),
    ]);
    let table = responses_table(&round, 5, &names);
    assert_eq!(
        table.headers,
        [
            "Response",
            "Round",
            "Home",
            "Age band",
            "Do you feel safe?",
            "How do you feel today?",
            "Anything else?"
        ]
    );
    // Six counted (the one without consent is left out).
    assert_eq!(table.rows.len(), 6);
    let text = format!("{:?}", table.rows);
    assert!(!text.contains("Small Home"), "a home of one is not named");
    assert!(!text.contains("8 to 12"), "an age band of one is not named");
    assert_eq!(
        table
            .rows
            .iter()
            .filter(|r| r[2] == "Other (fewer than 5)" && r[3] == "Other (fewer than 5)")
            .count(),
        1
    );
    assert_eq!(table.rows.iter().filter(|r| r[2] == "Demo Home").count(), 5);
    assert!(table.rows.iter().all(|r| r[1] == "Autumn 2026"));
    assert!(text.contains("4 (Happy)"));
    assert!(text.contains("Not sure"));
    // Free text is in the export, and cannot run as a formula in the CSV.
    let csv_text = String::from_utf8(csv(&table)).unwrap();
    assert!(csv_text.contains("\"'=HYPERLINK(\"\"x\"\") my own words\""));
}

#[test]
fn panel_summary_gives_one_headline_figure_per_question_grouped_by_promise_without_free_text() {
    let c = consultation();
    let rs = responses();
    let round = Round {
        id: "consultation-1".to_string(),
        consultation: &c,
        responses: rs.iter().collect(),
    };
    let results = compute_results(
        &[round],
        &ResultsFilter::default(),
        ResultsOptions {
            suppress_below: 5,
            // Even if asked for, the summary never shows written answers.
            include_free_text: true,
        },
    );
    // The latest round's figure beside a comparison is the comparison's own "ours".
    assert_eq!(
        results.questions[0].comparison.as_ref().unwrap().ours,
        Some(83)
    );
    let doc = panel_summary("Living here", &results, 5);
    let text = all_text(&doc);
    assert!(text.contains("Summary for the Corporate Parenting Panel"));
    // The one without consent is not counted.
    assert!(
        text.contains("Responses counted: 6 in Autumn 2026."),
        "{text}"
    );
    assert!(
        text.contains("\"fewer than 5\""),
        "the privacy note: {text}"
    );
    assert!(text.contains("Promise: We will keep you safe"));
    assert!(
        text.contains("Question | Autumn 2026 | Compared with"),
        "{text}"
    );
    // 5 of the 6 said yes; the national figure beside it.
    assert!(
        text.contains("Do you feel safe?\n% yes | 83% | National survey: 72%"),
        "{text}"
    );
    assert!(text.contains("Other questions"));
    // All 5 who answered chose 4 (happy).
    assert!(
        text.contains("How do you feel today?\n% happy or very happy | 100%"),
        "{text}"
    );
    assert!(
        text.contains("Anything else?\nWritten answers (not shown) | 5 answered"),
        "{text}"
    );
    // One figure per question, not a row per answer option.
    assert!(!text.contains("Not sure"), "{text}");
    assert!(text.contains("You said, we did"));
    assert!(text.contains("More trips out | Booked two trips a month"));
    assert!(!text.contains("my own words"), "no free text on a summary");
    let page = html(&doc);
    assert!(!page.contains("my own words"));
    assert!(pdf(&doc).expect("pdf").starts_with(b"%PDF-"));
}

#[test]
fn panel_summary_figures_never_come_from_a_suppressed_count() {
    let mut spring = consultation();
    spring.round_label = Some("Spring 2026".to_string());
    let mut autumn = consultation();
    let mut place = Question::new("q4", QuestionType::SingleChoice, "Favourite place?");
    place.options = vec![
        "Garden".to_string(),
        "Kitchen".to_string(),
        "Loft".to_string(),
    ];
    let mut trip = Question::new("q5", QuestionType::SingleChoice, "Next trip?");
    trip.options = vec!["Beach".to_string(), "Zoo".to_string(), "Park".to_string()];
    let mut clubs = Question::new("q6", QuestionType::MultipleChoice, "Which clubs?");
    clubs.options = vec!["Art".to_string(), "Music".to_string(), "Sport".to_string()];
    let mut meal = Question::new("q7", QuestionType::SingleChoice, "Favourite meal?");
    meal.options = vec!["Pasta".to_string(), "Curry".to_string()];
    meal.comparison = Some(Comparison {
        source: "Meal survey".to_string(),
        option: "Pasta".to_string(),
        percent: 40,
    });
    autumn.questions.extend([place, trip, clubs, meal]);
    // Spring: 4 responses, too few to show anything.
    let spring_answers: Vec<ConsultationResponse> = (0..4)
        .map(|_| {
            response(
                Some("home-1"),
                None,
                vec![Answer::choice("q1", "yes"), Answer::scale("q2", 5)],
            )
        })
        .collect();
    // Autumn: 8 responses.
    let autumn_answers: Vec<ConsultationResponse> = (0..8)
        .map(|n| {
            response(
                Some("home-1"),
                None,
                vec![
                    // yes ×2 (too few), no ×6.
                    Answer::choice("q1", if n < 2 { "yes" } else { "no" }),
                    // Happy ×2 (too few), very happy ×6.
                    Answer::scale("q2", if n < 2 { 4 } else { 5 }),
                    // Garden ×5, Kitchen ×3 (too few).
                    Answer::choice("q4", if n < 5 { "Garden" } else { "Kitchen" }),
                    // Beach ×3, Zoo ×3, Park ×2: every one too few.
                    Answer::choice("q5", ["Beach", "Zoo", "Park"][n % 3]),
                    // Art and Music ×6 each, Sport ×2.
                    if n < 6 {
                        Answer::choices("q6", &["Art", "Music"])
                    } else {
                        Answer::choices("q6", &["Sport"])
                    },
                    // Pasta ×3 (too few), Curry ×5.
                    Answer::choice("q7", if n < 3 { "Pasta" } else { "Curry" }),
                ],
            )
        })
        .collect();
    let rounds = [
        Round {
            id: "spring".to_string(),
            consultation: &spring,
            responses: spring_answers.iter().collect(),
        },
        Round {
            id: "autumn".to_string(),
            consultation: &autumn,
            responses: autumn_answers.iter().collect(),
        },
    ];
    let results = compute_results(
        &rounds,
        &ResultsFilter::default(),
        ResultsOptions::default(),
    );
    let text = all_text(&panel_summary("Living here", &results, 5));
    for row in [
        "Responses counted: fewer than 5 in Spring 2026, 8 in Autumn 2026.",
        // Not "25%": no percentage from a suppressed count.
        "Do you feel safe?\n% yes | fewer than 5 answered | fewer than 5 | National survey: 72%",
        // Happy and very happy are not added up: that would give the hidden count away.
        "How do you feel today?\n% happy or very happy | fewer than 5 answered | Happy fewer than 5, Very happy 75%",
        "Favourite place?\nMost chosen | not asked | Garden 63%",
        "Next trip?\nMost chosen | not asked | each option fewer than 5",
        "Which clubs?\nMost chosen | not asked | Art, Music 75% each",
        // With a comparison, the compared option rather than the favourite.
        "Favourite meal?\n% choosing Pasta | not asked | fewer than 5 | Meal survey: 40%",
        "Anything else?\nWritten answers (not shown) | fewer than 5 answered | 0 answered",
    ] {
        assert!(text.contains(row), "missing {row:?} in:\n{text}");
    }
}

#[test]
fn recommendations_table_has_one_row_per_recommendation() {
    let i = inspection();
    let table = recommendations_table(&[("Demo Home".to_string(), &i)]);
    assert_eq!(table.rows.len(), 2);
    assert_eq!(
        table.rows[0],
        [
            "Demo Home",
            "2026-11-03",
            "Repair the garden fence.",
            "High",
            "2026-12-01",
            "Accepted",
            "Contractor booked for next week.",
            "Signed off"
        ]
    );
    assert_eq!(table.rows[1][4], "");
    assert_eq!(table.rows[1][5], "Open");
}

/// A consultation the size of the demo's: an emoji scale, a yes/no/not sure with a national
/// figure, a single choice of three and a free-text question; two long promise names; two
/// rounds; two "You said, we did" entries of about fifteen words each.
fn demo_sized_round(label: &str, with_you_said: bool) -> Consultation {
    let mut c = Consultation::new("worker-1", "Synthetic consultation: life at home", VISIT_MS);
    c.state = WorkflowState::Closed;
    c.round_label = Some(label.to_string());
    let home = "We will make sure you live somewhere you feel safe and happy (synthetic promise)";
    let heard = "We will listen to you and act on what you say (synthetic promise)";
    let mut feel = Question::new(
        "q1",
        QuestionType::EmojiScale,
        "How do you feel about where you live?",
    );
    feel.pledge = Some(home.to_string());
    let mut menu = Question::new(
        "q2",
        QuestionType::YesNoNotSure,
        "Do you get a say in the menu?",
    );
    menu.pledge = Some(heard.to_string());
    menu.comparison = Some(Comparison {
        source: "National survey (synthetic figure)".to_string(),
        option: "yes".to_string(),
        percent: 58,
    });
    let mut place = Question::new(
        "q3",
        QuestionType::SingleChoice,
        "Your favourite place at home?",
    );
    place.options = vec![
        "Games room".to_string(),
        "Garden".to_string(),
        "My bedroom".to_string(),
    ];
    place.pledge = Some(home.to_string());
    let more = Question::new(
        "q4",
        QuestionType::FreeText,
        "Anything else you want to tell us?",
    );
    c.questions = vec![feel, menu, place, more];
    if with_you_said {
        c.you_said_we_did = vec![
            YouSaidWeDid::new(
                "y1",
                "You told us you wanted much more say in what is cooked at home each week.",
                "Each home now plans one week's menu every month together with the young people living there.",
            ),
            YouSaidWeDid::new(
                "y2",
                "You asked us for more trips out at weekends and in the school holidays.",
                "We agreed a monthly trip budget for every home, and young people choose where to go.",
            ),
        ];
    }
    c
}

/// `count` counted answers spread over every option, a few written answers among them.
fn demo_sized_responses(count: usize, shift: usize) -> Vec<ConsultationResponse> {
    let choices = ["yes", "no", "notSure"];
    let places = ["Games room", "Garden", "My bedroom"];
    (0..count)
        .map(|n| {
            let mut answers = vec![
                Answer::scale("q1", 1 + ((n * 7 + shift) % 5) as i64),
                Answer::choice("q2", choices[(n + shift) % 3]),
                Answer::choice("q3", places[n * 5 % 3]),
            ];
            if n % 4 == 0 {
                answers.push(Answer::text("q4", "Synthetic written answer, never shown"));
            }
            response(Some("home-1"), None, answers)
        })
        .collect()
}

/// The number of pages `pdfinfo` reads in `bytes`.
fn pdf_pages(bytes: &[u8]) -> u32 {
    let info = pdfinfo(bytes).expect("pdfinfo (poppler-utils) is installed");
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("pdfinfo gives the page count: {info}"))
}

#[test]
fn panel_summary_of_a_demo_sized_consultation_is_one_page() {
    let spring = demo_sized_round("Spring round 2026", true);
    let autumn = demo_sized_round("Autumn round 2026", false);
    let spring_answers = demo_sized_responses(24, 2);
    let autumn_answers = demo_sized_responses(30, 0);
    let rounds = [
        Round {
            id: "spring".to_string(),
            consultation: &spring,
            responses: spring_answers.iter().collect(),
        },
        Round {
            id: "autumn".to_string(),
            consultation: &autumn,
            responses: autumn_answers.iter().collect(),
        },
    ];
    let results = compute_results(
        &rounds,
        &ResultsFilter::default(),
        ResultsOptions::default(),
    );
    let doc = panel_summary(&autumn.title, &results, 5);
    let text = all_text(&doc);
    assert!(!text.contains("never shown"), "no free text: {text}");
    // The layout's own count, then the PDF as a reader opens it.
    assert_eq!(super::pdf::page_count(&doc), 1, "{text}");
    let bytes = pdf(&doc).expect("pdf");
    assert_eq!(pdf_pages(&bytes), 1, "{text}");
}
