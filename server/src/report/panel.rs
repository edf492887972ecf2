//! The summary of a consultation series for the Corporate Parenting Panel: responses per round,
//! results grouped by the Pledge promise each question measures with national comparisons
//! beside ours, and "You said, we did". Never a young person's own words: free-text questions
//! are summarised by how many answered.

use hearth_shared::reporting::results::{ConsultationResults, QuestionResults};

use super::{Block, Chart, ReportDoc, Section};

/// The Panel summary of `results`, which must already be suppressed at `suppress_below` and
/// computed without free text (any texts in it are ignored all the same).
pub fn panel_summary(title: &str, results: &ConsultationResults, suppress_below: u32) -> ReportDoc {
    let t = suppress_below;
    let rounds = &results.rounds;
    let mut headline = vec![Block::Paragraph(format!(
        "{} of this consultation{}, {} in all. Results are grouped by the Pledge promise each question measures.",
        plural(rounds.len(), "round", "rounds"),
        if rounds.len() > 1 {
            " (shown side by side, oldest first)"
        } else {
            ""
        },
        plural(results.questions.len(), "question", "questions"),
    ))];
    headline.push(Block::Paragraph(format!(
        "To protect young people's privacy, any number from fewer than {t} responses is shown as \"fewer than {t}\", and a round with fewer than {t} responses shows no numbers. Written answers are never included in this summary."
    )));
    headline.push(Block::Table {
        caption: "Responses counted in each round".to_string(),
        headers: vec!["Round".to_string(), "Responses counted".to_string()],
        rows: rounds
            .iter()
            .map(|r| vec![r.label.clone(), r.responses.text(t)])
            .collect(),
    });
    let mut sections = vec![Section {
        heading: "Headline".to_string(),
        blocks: headline,
    }];

    let question = |id: &str| results.questions.iter().find(|q| q.question_id == id);
    for group in &results.promises {
        let blocks: Vec<Block> = group
            .question_ids
            .iter()
            .filter_map(|id| question(id))
            .flat_map(|q| question_blocks(q, results, t))
            .collect();
        if !blocks.is_empty() {
            sections.push(Section {
                heading: format!("Promise: {}", group.promise),
                blocks,
            });
        }
    }
    let grouped = |id: &str| {
        results
            .promises
            .iter()
            .any(|g| g.question_ids.iter().any(|q| q == id))
    };
    let others: Vec<Block> = results
        .questions
        .iter()
        .filter(|q| !grouped(&q.question_id))
        .flat_map(|q| question_blocks(q, results, t))
        .collect();
    if !others.is_empty() {
        sections.push(Section {
            heading: "Other questions".to_string(),
            blocks: others,
        });
    }

    sections.push(Section {
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
    });

    ReportDoc {
        title: title.to_string(),
        subtitle: Some("Summary for the Corporate Parenting Panel".to_string()),
        sections,
    }
}

/// One question: a chart of its answers, rounds side by side within each answer, how many
/// answered, and the comparison figure beside ours. A free-text question gets only how many
/// answered.
fn question_blocks(q: &QuestionResults, results: &ConsultationResults, t: u32) -> Vec<Block> {
    let rounds = &results.rounds;
    let several = rounds.len() > 1;
    let answered = rounds
        .iter()
        .zip(&q.rounds)
        .map(|(r, o)| {
            if several {
                format!("{} in {}", o.answered.text(t), r.label)
            } else {
                o.answered.text(t)
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    if q.question_type == "freeText" {
        return vec![Block::Paragraph(format!(
            "{}\nAnswered: {answered}. Written answers are not shown in this summary.",
            q.prompt
        ))];
    }

    // Answer options in the order they first appear across the rounds.
    let mut options: Vec<(&str, &str)> = Vec::new();
    for o in &q.rounds {
        for tally in &o.tallies {
            if !options.iter().any(|(v, _)| *v == tally.value) {
                options.push((&tally.value, &tally.label));
            }
        }
    }
    let mut bars = Vec::new();
    for (value, label) in &options {
        for (round, outcome) in rounds.iter().zip(&q.rounds) {
            // A round that did not ask the question has no tallies: no bar, not a zero.
            if let Some(tally) = outcome.tallies.iter().find(|x| x.value == *value) {
                let label = if several {
                    format!("{label} ({})", round.label)
                } else {
                    label.to_string()
                };
                bars.push((label, tally.count, tally.percent));
            }
        }
    }
    let comparison_label = |c: &hearth_shared::reporting::results::ComparisonView| {
        let option = options
            .iter()
            .find(|(v, _)| *v == c.option)
            .map_or(c.option.as_str(), |(_, l)| l);
        format!("{}: {option}", c.source)
    };
    let mut blocks = vec![Block::BarChart(Chart {
        title: q.prompt.clone(),
        bars,
        comparison: q
            .comparison
            .as_ref()
            .map(|c| (comparison_label(c), c.percent)),
        suppress_below: t,
    })];
    let mut said = format!("Answered: {answered}.");
    if let Some(c) = &q.comparison {
        let latest = rounds.last().map_or("", |r| r.label.as_str());
        let ours = match c.ours {
            Some(p) => format!("ours{} is {p}%", round_suffix(several, latest)),
            None => format!(
                "ours{} cannot be shown (too few answers)",
                round_suffix(several, latest)
            ),
        };
        said.push_str(&format!(
            " {} is {}%; {ours}.",
            comparison_label(c),
            c.percent
        ));
    }
    blocks.push(Block::Paragraph(said));
    blocks
}

fn round_suffix(several: bool, latest: &str) -> String {
    if several {
        format!(" ({latest})")
    } else {
        String::new()
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
