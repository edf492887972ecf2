//! A question's results as an accessible SVG bar chart: one group of bars per answer, one bar
//! per round, and the comparison figure as a dashed line. The geometry and the words are plain
//! functions with native tests; the view only draws them.
//!
//! No `style=` anywhere (the CSP allows stylesheets only): colours and sizes are SVG attributes.

use hearth_shared::reporting::{Count, QuestionResults, RoundHeading};
use yew::prelude::*;

/// The chart's drawing width (the SVG scales to its column).
const WIDTH: u32 = 640;
/// Where the bars start; the answer labels end just left of it.
const BAR_X: u32 = 200;
/// The length of a 100% bar.
const BAR_FULL: u32 = 340;
const BAR_HEIGHT: u32 = 22;
const BAR_GAP: u32 = 4;
const GROUP_GAP: u32 = 14;
const LEGEND_ROW: u32 = 22;
/// Longest answer label drawn; the table beside the chart has it in full.
const LABEL_CHARS: usize = 26;
/// One colour per round (GOV.UK blue, orange, turquoise, purple), repeating after four.
const ROUND_FILLS: [&str; 4] = ["#1d70b8", "#f47738", "#28a197", "#912b88"];
const TEXT_FILL: &str = "#0b0c0c";

/// A tally as the chart and the table say it: "12 (60%)", "12" without a base, or
/// "fewer than 5".
pub fn tally_text(count: &Count, percent: Option<u32>, threshold: u32) -> String {
    match (count, percent) {
        (Count::Shown(n), Some(p)) => format!("{n} ({p}%)"),
        _ => count.text(threshold),
    }
}

/// The `data-count` of a bar or cell, for tests: the number or `suppressed`.
pub fn count_attr(count: &Count) -> String {
    match count {
        Count::Shown(n) => n.to_string(),
        Count::Suppressed => "suppressed".to_string(),
    }
}

/// The answers of a question across its rounds, in order of first appearance, as `(value,
/// label)`. Rounds normally ask the same options; one edited before it opened may add some.
pub fn answer_rows(q: &QuestionResults) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = Vec::new();
    for t in q.rounds.iter().flat_map(|r| r.tallies.iter()) {
        if !rows.iter().any(|(v, _)| *v == t.value) {
            rows.push((t.value.clone(), t.label.clone()));
        }
    }
    rows
}

/// The label of answer `value` in `q`, or the value itself.
pub fn answer_label(q: &QuestionResults, value: &str) -> String {
    answer_rows(q)
        .into_iter()
        .find(|(v, _)| v == value)
        .map_or_else(|| value.to_string(), |(_, label)| label)
}

/// The comparison as a sentence: "National survey 2025: 72% said Yes — ours: 64%".
pub fn comparison_text(q: &QuestionResults) -> Option<String> {
    let c = q.comparison.as_ref()?;
    let ours = c.ours.map_or_else(
        || "ours: too few answers to show".to_string(),
        |p| format!("ours: {p}%"),
    );
    Some(format!(
        "{}: {}% said {} — {ours}",
        c.source,
        c.percent,
        answer_label(q, &c.option)
    ))
}

/// The chart's text alternative: every number it draws, round by round.
pub fn describe(q: &QuestionResults, rounds: &[RoundHeading], threshold: u32) -> String {
    let mut parts: Vec<String> = q
        .rounds
        .iter()
        .zip(rounds)
        .map(|(outcome, heading)| {
            let tallies: Vec<String> = outcome
                .tallies
                .iter()
                .map(|t| format!("{} {}", t.label, tally_text(&t.count, t.percent, threshold)))
                .collect();
            format!(
                "{}, {} answered: {}.",
                heading.label,
                outcome.answered.text(threshold),
                tallies.join(", ")
            )
        })
        .collect();
    if let Some(c) = comparison_text(q) {
        parts.push(format!("{c}."));
    }
    parts.join(" ")
}

/// One bar as drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bar {
    /// Which round (index into the rounds), for its colour.
    pub round: usize,
    /// The answer value it counts.
    pub value: String,
    /// Top edge.
    pub y: u32,
    /// Length: the percentage of [`BAR_FULL`]; 0 when there is no percentage to draw.
    pub width: u32,
    /// The words after the bar.
    pub text: String,
    /// `data-count`.
    pub count: String,
    /// `data-percent`, when there is one.
    pub percent: Option<u32>,
}

/// Where everything goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Answer labels: `(y of the text baseline, label)`.
    pub labels: Vec<(u32, String)>,
    /// The bars, answer by answer, round by round.
    pub bars: Vec<Bar>,
    /// The comparison's dashed line: `(x, top, bottom)`.
    pub comparison: Option<(u32, u32, u32)>,
    /// The legend's rows: `(fill or None for the comparison's line, words)`.
    pub legend: Vec<(Option<&'static str>, String)>,
    /// The drawing's height.
    pub height: u32,
}

fn short(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        label.to_string()
    } else {
        let cut: String = label.chars().take(LABEL_CHARS - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

/// The chart's geometry for `q` over `rounds`.
pub fn layout(q: &QuestionResults, rounds: &[RoundHeading], threshold: u32) -> Layout {
    let mut legend: Vec<(Option<&'static str>, String)> = Vec::new();
    if rounds.len() > 1 {
        for (i, r) in rounds.iter().enumerate() {
            legend.push((Some(ROUND_FILLS[i % ROUND_FILLS.len()]), r.label.clone()));
        }
    }
    if let Some(c) = &q.comparison {
        legend.push((None, format!("{}: {}%", c.source, c.percent)));
    }
    let mut y = if legend.is_empty() {
        4
    } else {
        legend.len() as u32 * LEGEND_ROW + 10
    };
    let mut labels = Vec::new();
    let mut bars = Vec::new();
    let mut comparison = None;
    let per_group = q.rounds.len().max(1) as u32;
    let group_height = per_group * BAR_HEIGHT + (per_group - 1) * BAR_GAP;
    for (value, label) in answer_rows(q) {
        labels.push((y + group_height / 2 + 5, short(&label)));
        if let Some(c) = q.comparison.as_ref().filter(|c| c.option == value) {
            let x = BAR_X + c.percent.min(100) * BAR_FULL / 100;
            comparison = Some((x, y.saturating_sub(4), y + group_height + 4));
        }
        for (round, outcome) in q.rounds.iter().enumerate() {
            let bar_y = y + round as u32 * (BAR_HEIGHT + BAR_GAP);
            let (count, percent) = outcome
                .tallies
                .iter()
                .find(|t| t.value == value)
                .map_or((None, None), |t| (Some(&t.count), t.percent));
            bars.push(Bar {
                round,
                value: value.clone(),
                y: bar_y,
                width: percent.map_or(0, |p| p.min(100) * BAR_FULL / 100),
                text: count.map_or_else(
                    || "not asked".to_string(),
                    |c| tally_text(c, percent, threshold),
                ),
                count: count.map_or_else(|| "none".to_string(), count_attr),
                percent,
            });
        }
        y += group_height + GROUP_GAP;
    }
    Layout {
        labels,
        bars,
        comparison,
        legend,
        height: y.max(BAR_HEIGHT + 8),
    }
}

/// The chart for one question (`id` is the SVG's id; its `<title>` and `<desc>` label it).
pub fn bar_chart(id: &str, q: &QuestionResults, rounds: &[RoundHeading], threshold: u32) -> Html {
    let l = layout(q, rounds, threshold);
    let (title_id, desc_id) = (format!("{id}-title"), format!("{id}-desc"));
    let legend = l.legend.iter().enumerate().map(|(i, (fill, words))| {
        let y = 4 + i as u32 * LEGEND_ROW;
        let mark = match fill {
            Some(fill) => html! {
                <rect x="0" y={y.to_string()} width="14" height="14" fill={*fill} />
            },
            None => html! {
                <line x1="0" y1={(y + 7).to_string()} x2="14" y2={(y + 7).to_string()}
                    stroke={TEXT_FILL} stroke-width="3" stroke-dasharray="4 2" />
            },
        };
        html! {
            <g class="hearth-chart__legend">
                { mark }
                <text x="20" y={(y + 12).to_string()} font-size="14" fill={TEXT_FILL}>{ words.clone() }</text>
            </g>
        }
    });
    let labels = l.labels.iter().map(|(y, label)| {
        html! {
            <text x={(BAR_X - 8).to_string()} y={y.to_string()} text-anchor="end" font-size="14"
                fill={TEXT_FILL}>{ label.clone() }</text>
        }
    });
    let bars = l.bars.iter().map(|b| {
        let round_id = q
            .rounds
            .get(b.round)
            .and(rounds.get(b.round))
            .map(|r| r.id.clone());
        html! {
            <g class="hearth-chart__bar" data-round={round_id} data-option={b.value.clone()}
                data-count={b.count.clone()} data-percent={b.percent.map(|p| p.to_string())}>
                if b.width > 0 {
                    <rect x={BAR_X.to_string()} y={b.y.to_string()} width={b.width.to_string()}
                        height={BAR_HEIGHT.to_string()} fill={ROUND_FILLS[b.round % ROUND_FILLS.len()]} />
                }
                <text x={(BAR_X + b.width + 6).to_string()} y={(b.y + 16).to_string()} font-size="14"
                    fill={TEXT_FILL}>{ b.text.clone() }</text>
            </g>
        }
    });
    html! {
        <svg id={id.to_string()} class="hearth-chart" role="img" aria-labelledby={format!("{title_id} {desc_id}")}
            viewBox={format!("0 0 {WIDTH} {}", l.height)} width="100%" focusable="false">
            <title id={title_id}>{ q.prompt.clone() }</title>
            <desc id={desc_id}>{ describe(q, rounds, threshold) }</desc>
            { for legend }
            <line x1={BAR_X.to_string()} y1="0" x2={BAR_X.to_string()} y2={l.height.to_string()}
                stroke="#b1b4b6" stroke-width="1" />
            { for labels }
            { for bars }
            if let Some((x, top, bottom)) = l.comparison {
                <line class="hearth-chart__comparison" x1={x.to_string()} y1={top.to_string()}
                    x2={x.to_string()} y2={bottom.to_string()} stroke={TEXT_FILL} stroke-width="3"
                    stroke-dasharray="6 3" />
            }
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_shared::reporting::{ComparisonView, RoundOutcome, Tally};

    fn tally(value: &str, label: &str, count: Count, percent: Option<u32>) -> Tally {
        Tally {
            value: value.into(),
            label: label.into(),
            count,
            percent,
        }
    }

    fn heading(id: &str, label: &str) -> RoundHeading {
        RoundHeading {
            id: id.into(),
            label: label.into(),
            responses: Count::Shown(10),
        }
    }

    /// "Do you feel safe?" answered in spring (10: 6 yes, 4 no → suppressed) and autumn.
    fn question() -> QuestionResults {
        QuestionResults {
            question_id: "q1".into(),
            prompt: "Do you feel safe?".into(),
            question_type: "yesNoNotSure".into(),
            pledge: Some("We will keep you safe".into()),
            comparison: Some(ComparisonView {
                source: "National survey 2025".into(),
                option: "yes".into(),
                percent: 72,
                ours: Some(60),
            }),
            rounds: vec![
                RoundOutcome {
                    answered: Count::Shown(10),
                    tallies: vec![
                        tally("yes", "Yes", Count::Shown(6), Some(60)),
                        tally("no", "No", Count::Suppressed, None),
                    ],
                    texts: None,
                },
                RoundOutcome {
                    answered: Count::Shown(5),
                    tallies: vec![
                        tally("yes", "Yes", Count::Shown(5), Some(100)),
                        tally("no", "No", Count::Shown(0), Some(0)),
                    ],
                    texts: None,
                },
            ],
        }
    }

    fn rounds() -> Vec<RoundHeading> {
        vec![heading("r1", "Spring 2026"), heading("r2", "Autumn 2026")]
    }

    #[test]
    fn bars_are_as_long_as_their_percentage_and_suppressed_counts_have_none() {
        let l = layout(&question(), &rounds(), 5);
        let widths: Vec<(String, u32, String)> = l
            .bars
            .iter()
            .map(|b| (b.value.clone(), b.width, b.text.clone()))
            .collect();
        assert_eq!(
            widths,
            [
                ("yes".into(), 204, "6 (60%)".into()),
                ("yes".into(), 340, "5 (100%)".into()),
                ("no".into(), 0, "fewer than 5".into()),
                ("no".into(), 0, "0 (0%)".into()),
            ]
        );
        assert_eq!(l.bars[2].count, "suppressed");
        assert_eq!(l.labels.len(), 2);
    }

    #[test]
    fn rounds_sit_side_by_side_with_a_legend_and_the_comparison_line_on_its_answer() {
        let l = layout(&question(), &rounds(), 5);
        assert_eq!(
            l.legend,
            [
                (Some(ROUND_FILLS[0]), "Spring 2026".to_string()),
                (Some(ROUND_FILLS[1]), "Autumn 2026".to_string()),
                (None, "National survey 2025: 72%".to_string()),
            ]
        );
        assert_eq!(l.bars[1].y, l.bars[0].y + BAR_HEIGHT + BAR_GAP);
        let (x, top, bottom) = l.comparison.expect("a comparison line");
        assert_eq!(x, BAR_X + 72 * BAR_FULL / 100);
        assert!(top < l.bars[0].y && bottom > l.bars[1].y + BAR_HEIGHT);
        assert!(l.height > l.bars[3].y + BAR_HEIGHT);
    }

    #[test]
    fn the_text_alternative_says_every_number_and_the_comparison() {
        assert_eq!(
            describe(&question(), &rounds(), 5),
            "Spring 2026, 10 answered: Yes 6 (60%), No fewer than 5. \
             Autumn 2026, 5 answered: Yes 5 (100%), No 0 (0%). \
             National survey 2025: 72% said Yes — ours: 60%."
        );
    }

    #[test]
    fn long_answer_labels_are_shortened_in_the_drawing_only() {
        assert_eq!(short("Short"), "Short");
        let long = "Spending time with my friends after school";
        assert_eq!(short(long).chars().count(), LABEL_CHARS);
        assert!(short(long).ends_with('…'));
    }
}
