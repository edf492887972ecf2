//! The one-page summary of a consultation series for the Corporate Parenting Panel: how many
//! responded in each round, one headline figure per question and round, grouped by the Pledge
//! promise each question measures with national comparisons beside ours, and "You said, we
//! did". Never a young person's own words: free-text questions are summarised by how many
//! answered. The full answers, option by option, are on the results screen and in the exports.

use hearth_shared::reporting::results::{
    ConsultationResults, Count, QuestionResults, RoundOutcome, Tally,
};

use super::{Block, ReportDoc, Section};

/// The Panel summary of `results`, which must already be suppressed at `suppress_below` and
/// computed without free text (any texts in it are ignored all the same). A consultation the
/// size of the demo's fits on one A4 page; there are no charts, which would not fit with it.
///
/// A question's headline figure in a round: with a comparison, the share choosing the compared
/// option (the latest round's is the comparison's `ours`); otherwise the share answering "yes",
/// the share choosing 4 or 5 on the emoji scale, or the most chosen option and its share; for
/// free text, how many answered.
pub fn panel_summary(title: &str, results: &ConsultationResults, suppress_below: u32) -> ReportDoc {
    let t = suppress_below;
    // One section for the results, the promises' tables under it with the promise as their
    // caption: a heading per promise would not leave room on the page.
    let mut headline = vec![
        Block::Paragraph(responses_sentence(results, t)),
        Block::Paragraph(privacy_sentence(t)),
    ];
    let question = |id: &str| results.questions.iter().find(|q| q.question_id == id);
    headline.extend(results.promises.iter().filter_map(|group| {
        let questions: Vec<&QuestionResults> = group
            .question_ids
            .iter()
            .filter_map(|id| question(id))
            .collect();
        promise_table(
            format!("Promise: {}", group.promise),
            &questions,
            results,
            t,
        )
    }));
    let grouped = |id: &str| {
        results
            .promises
            .iter()
            .any(|g| g.question_ids.iter().any(|q| q == id))
    };
    let others: Vec<&QuestionResults> = results
        .questions
        .iter()
        .filter(|q| !grouped(&q.question_id))
        .collect();
    let others_caption = if results.promises.is_empty() {
        "Questions"
    } else {
        "Other questions"
    };
    headline.extend(promise_table(
        others_caption.to_string(),
        &others,
        results,
        t,
    ));
    let you_said_we_did = Section {
        heading: "You said, we did".to_string(),
        blocks: if results.you_said_we_did.is_empty() {
            vec![Block::Paragraph("Nothing recorded yet.".to_string())]
        } else {
            vec![Block::Table {
                caption: "What young people told us and what we did about it".to_string(),
                headers: vec!["You said".to_string(), "We did".to_string()],
                rows: results
                    .you_said_we_did
                    .iter()
                    .map(|e| vec![e.you_said.clone(), e.we_did.clone()])
                    .collect(),
            }]
        },
    };

    ReportDoc {
        title: title.to_string(),
        subtitle: Some("Summary for the Corporate Parenting Panel".to_string()),
        sections: vec![
            Section {
                heading: "Headline results".to_string(),
                blocks: headline,
            },
            you_said_we_did,
        ],
    }
}

/// "Responses counted: 24 in Spring 2026, 30 in Autumn 2026." (rounds oldest first).
fn responses_sentence(results: &ConsultationResults, t: u32) -> String {
    let rounds: Vec<String> = results
        .rounds
        .iter()
        .map(|r| format!("{} in {}", r.responses.text(t), r.label))
        .collect();
    if rounds.is_empty() {
        "No responses counted yet.".to_string()
    } else {
        format!("Responses counted: {}.", rounds.join(", "))
    }
}

/// What is withheld and why, in one sentence.
fn privacy_sentence(t: u32) -> String {
    if t <= 1 {
        return "Young people's written answers are never included in this summary.".to_string();
    }
    format!(
        "To protect privacy, counts under {t} are shown as \"fewer than {t}\" with no percentage, and written answers are never included."
    )
}

/// One promise's table: a row per question with its headline figure in each round and the
/// comparison figure, if any question has one. `None` for no questions.
fn promise_table(
    caption: String,
    questions: &[&QuestionResults],
    results: &ConsultationResults,
    t: u32,
) -> Option<Block> {
    if questions.is_empty() {
        return None;
    }
    let compared = questions.iter().any(|q| q.comparison.is_some());
    let mut headers = vec!["Question".to_string()];
    headers.extend(results.rounds.iter().map(|r| r.label.clone()));
    if compared {
        headers.push("Compared with".to_string());
    }
    let rows = questions
        .iter()
        .map(|q| {
            let measure = Measure::of(q);
            let mut row = vec![format!("{}\n{}", q.prompt, measure.describe())];
            row.extend(q.rounds.iter().map(|o| measure.figure(o, t)));
            if compared {
                row.push(q.comparison.as_ref().map_or_else(
                    || "none".to_string(),
                    |c| format!("{}: {}%", c.source, c.percent),
                ));
            }
            row
        })
        .collect();
    Some(Block::Table {
        caption,
        headers,
        rows,
    })
}

/// What a question's headline figure measures.
enum Measure {
    /// The share choosing any of these (value, label) options: "yes", "4 or 5", the compared
    /// option; `what` says so under the question.
    Share {
        options: Vec<(String, String)>,
        what: String,
    },
    /// The most chosen option and its share.
    MostChosen,
    /// Free text: only how many answered.
    Written,
}

impl Measure {
    /// With a comparison, the share choosing the compared option (so the latest round's figure
    /// is the comparison's "ours"); otherwise "yes", happy or very happy, or the favourite.
    fn of(q: &QuestionResults) -> Measure {
        if q.question_type == "freeText" {
            return Measure::Written;
        }
        let label = |value: &str| {
            q.rounds
                .iter()
                .flat_map(|o| &o.tallies)
                .find(|tally| tally.value == value)
                .map_or_else(|| value.to_string(), |tally| tally.label.clone())
        };
        let share = |values: &[&str]| {
            let options: Vec<(String, String)> =
                values.iter().map(|v| (v.to_string(), label(v))).collect();
            let labels: Vec<&str> = options.iter().map(|(_, l)| l.as_str()).collect();
            let what = match q.question_type.as_str() {
                // The scale's and yes/no's words read as a phrase: "% happy or very happy".
                "emojiScale" | "yesNoNotSure" => {
                    format!("% {}", labels.join(" or ").to_lowercase())
                }
                // An option's own text, as written: "% choosing Games room".
                _ => format!("% choosing {}", labels.join(" or ")),
            };
            Measure::Share { options, what }
        };
        if let Some(c) = &q.comparison {
            return share(&[&c.option]);
        }
        match q.question_type.as_str() {
            "yesNoNotSure" => share(&["yes"]),
            "emojiScale" => share(&["4", "5"]),
            _ => Measure::MostChosen,
        }
    }

    /// The line under the question saying what its figures are.
    fn describe(&self) -> String {
        match self {
            Measure::Share { what, .. } => what.clone(),
            Measure::MostChosen => "Most chosen".to_string(),
            Measure::Written => "Written answers (not shown)".to_string(),
        }
    }

    /// The figure for one round. A suppressed count is only ever "fewer than t", and no
    /// percentage is worked out from one.
    fn figure(&self, outcome: &RoundOutcome, t: u32) -> String {
        let options = match self {
            Measure::Written => return format!("{} answered", outcome.answered.text(t)),
            Measure::MostChosen => None,
            Measure::Share { options, .. } => Some(options),
        };
        // A round without the question has no tallies: nothing to show, not a zero.
        if outcome.tallies.is_empty() {
            return "not asked".to_string();
        }
        let base = match outcome.answered {
            Count::Suppressed => return format!("{} answered", outcome.answered.text(t)),
            Count::Shown(0) => return "no answers".to_string(),
            Count::Shown(n) => n,
        };
        let Some(options) = options else {
            return most_chosen(&outcome.tallies, t);
        };
        let chosen: Vec<(&str, Count)> = options
            .iter()
            .map(|(value, label)| {
                let count = outcome
                    .tallies
                    .iter()
                    .find(|tally| tally.value == *value)
                    .map_or(Count::Shown(0), |tally| tally.count);
                (label.as_str(), count)
            })
            .collect();
        let shown: Option<u32> = chosen.iter().map(|(_, c)| c.shown()).sum();
        match shown {
            Some(n) => format!("{}%", percent(n, base)),
            None if chosen.len() == 1 => chosen[0].1.text(t),
            // Adding a shown count to a suppressed one would give the latter away: each apart.
            None => chosen
                .iter()
                .map(|(label, count)| match count.shown() {
                    Some(n) => format!("{label} {}%", percent(n, base)),
                    None => format!("{label} {}", count.text(t)),
                })
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

/// "Games room 40%", or the options tied for most chosen with their share each. Any shown
/// count other than zero is at least `t`, so outnumbers every suppressed one.
fn most_chosen(tallies: &[Tally], t: u32) -> String {
    let top = tallies
        .iter()
        .filter_map(|tally| tally.count.shown())
        .max()
        .unwrap_or(0);
    if top == 0 {
        return if tallies.iter().any(|tally| tally.count.is_suppressed()) {
            format!("each option {}", Count::Suppressed.text(t))
        } else {
            "none chosen".to_string()
        };
    }
    let leaders: Vec<&Tally> = tallies
        .iter()
        .filter(|tally| tally.count == Count::Shown(top))
        .collect();
    let names = leaders
        .iter()
        .map(|tally| tally.label.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let share = leaders[0]
        .percent
        .map_or_else(|| leaders[0].count.text(t), |p| format!("{p}%"));
    if leaders.len() > 1 {
        format!("{names} {share} each")
    } else {
        format!("{names} {share}")
    }
}

/// `n` of `base` as a whole percentage, rounded half up as the results are.
fn percent(n: u32, base: u32) -> u32 {
    ((u64::from(n) * 200 + u64::from(base)) / (2 * u64::from(base))) as u32
}
