//! The Regulation 33 report of one visit, laid out as a provider or Ofsted reads it: the visit,
//! who was spoken with, records checked, premises, children's views, the two opinions,
//! recommendations with timescales and the manager's responses, previous recommendations,
//! sign-off and distribution.

use std::collections::HashMap;

use hearth_shared::dates::long_date;
use hearth_shared::model::{Inspection, Opinion, OpinionChoice};
use hearth_shared::reporting::Day;

use super::{Block, ReportDoc, Section};
use hearth_shared::labels;

/// What the report needs besides the record: names the record holds only as ids, and the
/// distribution the server keeps beside it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InspectionContext {
    /// The home's name.
    pub home_name: String,
    /// User id → display name, for the visiting members and the signer.
    pub names: HashMap<String, String>,
    /// To whom and when the report was sent, oldest first.
    pub distribution: Vec<DistributionLine>,
}

/// One sending of the report, as recorded by an officer.
#[derive(Debug, Clone, PartialEq)]
pub struct DistributionLine {
    /// The recipient code, e.g. `ofsted` (see [`recipient_label`]).
    pub recipient: String,
    /// The day it was sent, `YYYY-MM-DD`.
    pub sent_on: String,
    /// The display name of the officer who recorded it.
    pub recorded_by: String,
}

/// The words for a distribution recipient code; an unknown code is shown as it is.
pub fn recipient_label(code: &str) -> &str {
    match code {
        "ofsted" => "Ofsted (HMCI)",
        "registeredProvider" => "Registered provider",
        "registeredManager" => "Registered manager",
        "responsibleIndividual" => "Responsible individual",
        "placingAuthority" => "Placing authority",
        other => other,
    }
}

/// The report of `inspection`. Children appear only by the initials of those who agreed to be
/// recorded; the others are only counted. Members appear by display name, staff and relatives
/// by role.
pub fn inspection_report(inspection: &Inspection, ctx: &InspectionContext) -> ReportDoc {
    let date = long_date(&inspection.visit_date);
    let name = |id: &str| {
        ctx.names
            .get(id)
            .cloned()
            .unwrap_or_else(|| "Unknown member".to_string())
    };
    let or_none = |s: &str, none: &str| {
        let s = s.trim();
        if s.is_empty() {
            none.to_string()
        } else {
            s.to_string()
        }
    };

    let members = if inspection.visiting_members.is_empty() {
        "None recorded".to_string()
    } else {
        inspection
            .visiting_members
            .iter()
            .map(|id| name(id))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let visit = Section {
        heading: "The visit".to_string(),
        blocks: vec![Block::Facts(vec![
            ("Home".to_string(), ctx.home_name.clone()),
            ("Date of visit".to_string(), date.clone()),
            (
                "Time in".to_string(),
                or_none(&inspection.time_in, "Not recorded"),
            ),
            (
                "Time out".to_string(),
                or_none(&inspection.time_out, "Not recorded"),
            ),
            (
                "Announced".to_string(),
                if inspection.announced {
                    "Yes, the home knew of the visit in advance"
                } else {
                    "No, the visit was unannounced"
                }
                .to_string(),
            ),
            ("Visiting members".to_string(), members),
            (
                "Report status".to_string(),
                labels::state(inspection.state).to_string(),
            ),
        ])],
    };

    let spoke = &inspection.spoke_with;
    let visit_people = Section {
        heading: "Who we spoke with".to_string(),
        blocks: vec![Block::Facts(vec![
            ("Children".to_string(), children_spoken_with(inspection)),
            (
                "Staff (by role)".to_string(),
                list_or(&spoke.staff, "None recorded"),
            ),
            (
                "Parents and relatives (by relationship)".to_string(),
                list_or(&spoke.parents_relatives, "None recorded"),
            ),
        ])],
    };

    let records = Section {
        heading: "Records checked".to_string(),
        blocks: if inspection.records_checked.is_empty() {
            vec![Block::Paragraph("No records were checked.".to_string())]
        } else {
            vec![Block::Table {
                caption: "The home's records we checked and what we found".to_string(),
                headers: vec![
                    "Records".to_string(),
                    "Outcome".to_string(),
                    "Comments".to_string(),
                ],
                rows: inspection
                    .records_checked
                    .iter()
                    .map(|c| {
                        vec![
                            labels::area(c.area).to_string(),
                            labels::outcome(c.outcome).to_string(),
                            or_none(c.comment.as_str(), "None"),
                        ]
                    })
                    .collect(),
            }]
        },
    };

    let premises = Section {
        heading: "Premises".to_string(),
        blocks: vec![Block::Paragraph(or_none(
            inspection.premises.as_str(),
            "No observations recorded.",
        ))],
    };
    let views = Section {
        heading: "Children's views".to_string(),
        blocks: vec![Block::Paragraph(or_none(
            inspection.children_views.as_str(),
            "No views recorded.",
        ))],
    };
    let safeguarding = opinion_section(
        "Are children effectively safeguarded?",
        &inspection.safeguarding_opinion,
        [
            "Yes: children are effectively safeguarded",
            "Requires improvement",
            "No: children are not effectively safeguarded",
        ],
    );
    let wellbeing = opinion_section(
        "Does the home promote children's wellbeing?",
        &inspection.wellbeing_opinion,
        [
            "Yes: the home promotes children's wellbeing",
            "Requires improvement",
            "No: the home does not promote children's wellbeing",
        ],
    );

    let recommendations = Section {
        heading: "Recommendations".to_string(),
        blocks: if inspection.recommendations.is_empty() {
            vec![Block::Paragraph(
                "No recommendations were made on this visit.".to_string(),
            )]
        } else {
            inspection
                .recommendations
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    Block::Facts(vec![
                        (
                            format!("Recommendation {}", i + 1),
                            or_none(r.text.as_str(), "No text"),
                        ),
                        (
                            "Priority".to_string(),
                            labels::priority(r.priority).to_string(),
                        ),
                        (
                            "Timescale".to_string(),
                            r.due_by
                                .as_deref()
                                .filter(|d| !d.trim().is_empty())
                                .map_or_else(
                                    || "No timescale set".to_string(),
                                    |d| format!("Respond by {}", long_date(d)),
                                ),
                        ),
                        ("Status".to_string(), labels::status(r.status).to_string()),
                        (
                            "Manager's response".to_string(),
                            or_none(r.manager_response.as_str(), "No response yet"),
                        ),
                    ])
                })
                .collect()
        },
    };

    let previous = Section {
        heading: "Progress on previous recommendations".to_string(),
        blocks: if inspection.previous_recommendations.is_empty() {
            vec![Block::Paragraph(
                "No previous recommendations were reviewed.".to_string(),
            )]
        } else {
            vec![Block::Table {
                caption: "Recommendations from earlier visits and the progress we saw".to_string(),
                headers: vec!["Recommendation".to_string(), "Progress".to_string()],
                rows: inspection
                    .previous_recommendations
                    .iter()
                    .map(|p| {
                        vec![
                            or_none(p.text.as_str(), "No text"),
                            or_none(p.progress.as_str(), "Not recorded"),
                        ]
                    })
                    .collect(),
            }]
        },
    };

    let sign_off = Section {
        heading: "Sign-off".to_string(),
        blocks: vec![match &inspection.sign_off {
            Some(s) => Block::Facts(vec![
                ("Signed off by".to_string(), name(&s.by)),
                (
                    "Date".to_string(),
                    long_date(&Day::from_unix_ms(s.at).to_string()),
                ),
            ]),
            None => Block::Paragraph("Not yet signed off.".to_string()),
        }],
    };

    let distribution = Section {
        heading: "Distribution".to_string(),
        blocks: if ctx.distribution.is_empty() {
            vec![Block::Paragraph("Not yet sent".to_string())]
        } else {
            vec![Block::Table {
                caption: "To whom and when this report was sent".to_string(),
                headers: vec![
                    "Sent to".to_string(),
                    "Date sent".to_string(),
                    "Recorded by".to_string(),
                ],
                rows: ctx
                    .distribution
                    .iter()
                    .map(|d| {
                        vec![
                            recipient_label(&d.recipient).to_string(),
                            long_date(&d.sent_on),
                            d.recorded_by.clone(),
                        ]
                    })
                    .collect(),
            }]
        },
    };

    ReportDoc {
        title: "Regulation 33 monthly visit report".to_string(),
        subtitle: Some(format!("{}, visited {date}", ctx.home_name)),
        sections: vec![
            visit,
            visit_people,
            records,
            premises,
            views,
            safeguarding,
            wellbeing,
            recommendations,
            previous,
            sign_off,
            distribution,
        ],
    }
}

/// "3 children: AB and CD, and 1 other child (not recorded)": initials only of the children
/// who agreed to be recorded; everyone else only counted.
fn children_spoken_with(inspection: &Inspection) -> String {
    let children = &inspection.spoke_with.children;
    let recorded: Vec<&str> = children
        .entries
        .iter()
        .filter(|c| c.consent)
        .map(|c| c.initials.trim())
        .filter(|i| !i.is_empty())
        .collect();
    let total = (children.count as usize).max(children.entries.len());
    if total == 0 {
        return "None".to_string();
    }
    let others = total.saturating_sub(recorded.len());
    let mut parts: Vec<String> = Vec::new();
    if !recorded.is_empty() {
        parts.push(recorded.join(", "));
    }
    if others > 0 {
        parts.push(format!(
            "{others} other {} (not recorded)",
            if others == 1 { "child" } else { "children" }
        ));
    }
    format!(
        "{total} {}: {}",
        if total == 1 { "child" } else { "children" },
        parts.join("; ")
    )
}

fn list_or(items: &[String], none: &str) -> String {
    let items: Vec<&str> = items
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    if items.is_empty() {
        none.to_string()
    } else {
        items.join(", ")
    }
}

/// A judgement section; `words` are the effective, requires-improvement and ineffective
/// answers to this section's question.
fn opinion_section(question: &str, opinion: &Opinion, words: [&str; 3]) -> Section {
    let choice = match opinion.choice {
        OpinionChoice::Effective => words[0],
        OpinionChoice::RequiresImprovement => words[1],
        OpinionChoice::Ineffective => words[2],
        OpinionChoice::NotAssessed => "Not assessed on this visit",
    };
    let reasons = opinion.text.as_str().trim();
    Section {
        heading: question.to_string(),
        blocks: vec![Block::Facts(vec![
            ("Our opinion".to_string(), choice.to_string()),
            (
                "Reasons".to_string(),
                if reasons.is_empty() {
                    "None given".to_string()
                } else {
                    reasons.to_string()
                },
            ),
        ])],
    }
}
