//! Consultation results: per question, per round, with small-group suppression.
//!
//! One function, [`results`], feeds the results screen, the Panel summary (HTML and PDF) and the
//! exports, so a number suppressed on one is suppressed on all. The rule: a round whose group
//! (after the filters) has fewer than `suppress_below` counted responses shows no numbers at
//! all; otherwise any count from 1 to `suppress_below - 1` is shown as "fewer than 5", and a
//! percentage only where both its count and its base are shown.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::DEFAULT_SUPPRESS_BELOW;
use super::calendar::Day;
use crate::model::{Consultation, ConsultationResponse, Question, QuestionType, WorkflowState};

/// A count as it may be shown: the number, or "fewer than t" when it is too small to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Count {
    /// Shown as it is.
    Shown(u32),
    /// Too small to show without risking picking someone out.
    Suppressed,
}

impl Count {
    /// `n` as shown under threshold `suppress_below`: zero and counts of at least the threshold
    /// are shown, anything between is suppressed.
    pub fn of(n: u32, suppress_below: u32) -> Count {
        if n == 0 || n >= suppress_below {
            Count::Shown(n)
        } else {
            Count::Suppressed
        }
    }

    /// The number, if it may be shown.
    pub fn shown(self) -> Option<u32> {
        match self {
            Count::Shown(n) => Some(n),
            Count::Suppressed => None,
        }
    }

    /// Whether the number is withheld.
    pub fn is_suppressed(self) -> bool {
        self == Count::Suppressed
    }

    /// The words for a screen or report: the number, or "fewer than {suppress_below}".
    pub fn text(self, suppress_below: u32) -> String {
        match self {
            Count::Shown(n) => n.to_string(),
            Count::Suppressed => format!("fewer than {suppress_below}"),
        }
    }
}

impl fmt::Display for Count {
    /// The number, or "fewer than 5" with the default threshold; use [`Count::text`] where the
    /// threshold is configured.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text(DEFAULT_SUPPRESS_BELOW))
    }
}

/// Which responses to count: one home, and/or a range of submission days (inclusive, UTC
/// days, `YYYY-MM-DD`). `None` (or a date that does not parse) does not narrow.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultsFilter {
    /// Only responses recorded at this home.
    pub home_id: Option<String>,
    /// Only responses submitted on or after this day.
    pub from: Option<String>,
    /// Only responses submitted on or before this day.
    pub to: Option<String>,
}

impl ResultsFilter {
    /// Whether `r` passes the filter.
    pub fn admits(&self, r: &ConsultationResponse) -> bool {
        if let Some(home) = &self.home_id
            && r.home_id.as_ref() != Some(home)
        {
            return false;
        }
        let from = self.from.as_deref().and_then(Day::parse);
        let to = self.to.as_deref().and_then(Day::parse);
        if from.is_none() && to.is_none() {
            return true;
        }
        let Some(day) = r.submitted_at.map(Day::from_unix_ms) else {
            return false;
        };
        from.is_none_or(|f| f <= day) && to.is_none_or(|t| day <= t)
    }
}

/// One round of a consultation series with the responses the viewer may read (any state: the
/// uncounted ones are left out here).
#[derive(Debug, Clone, PartialEq)]
pub struct Round<'a> {
    /// The round's consultation document id.
    pub id: String,
    /// The round's consultation.
    pub consultation: &'a Consultation,
    /// Its responses.
    pub responses: Vec<&'a ConsultationResponse>,
}

/// The results of a consultation series, rounds side by side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsultationResults {
    /// The rounds, in the order given (oldest first).
    pub rounds: Vec<RoundHeading>,
    /// Every question of any round, in the first round's order, later rounds' new questions after.
    pub questions: Vec<QuestionResults>,
    /// The Pledge promises the questions measure, in question order.
    pub promises: Vec<PromiseGroup>,
    /// The "You said, we did" entries of all rounds, in round order.
    pub you_said_we_did: Vec<YouSaidWeDidEntry>,
}

/// A round's column heading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoundHeading {
    /// The round's consultation document id.
    pub id: String,
    /// Its round label, or its title when it has none.
    pub label: String,
    /// How many counted responses (after the filter) it has.
    pub responses: Count,
}

/// One question's results across the rounds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuestionResults {
    /// The question's id (the same in every round).
    pub question_id: String,
    /// The question as asked (in the latest round that has it).
    pub prompt: String,
    /// Its type ([`QuestionType::as_str`]).
    pub question_type: String,
    /// The Pledge promise it measures, if tagged.
    pub pledge: Option<String>,
    /// The published figure to show beside ours, if any.
    pub comparison: Option<ComparisonView>,
    /// One outcome per round, in the order of [`ConsultationResults::rounds`].
    pub rounds: Vec<RoundOutcome>,
}

/// What one question's answers add up to in one round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoundOutcome {
    /// How many counted responses answered it (did not skip it).
    pub answered: Count,
    /// Counts per answer option, in the question's order; empty for free text.
    pub tallies: Vec<Tally>,
    /// The non-blank written answers, only for free text, only when asked for and the group is
    /// large enough.
    pub texts: Option<Vec<String>>,
}

/// One answer option and how many chose it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tally {
    /// The stored value ("4", "notSure", an option's text).
    pub value: String,
    /// The words for people ("Happy", "Not sure", the option's text).
    pub label: String,
    /// How many chose it.
    pub count: Count,
    /// Its share of those who answered, rounded, when both numbers are shown.
    pub percent: Option<u32>,
}

/// A published figure beside ours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComparisonView {
    /// Where the figure comes from.
    pub source: String,
    /// The answer value compared on.
    pub option: String,
    /// The published percentage.
    pub percent: u32,
    /// Our percentage choosing `option` in the latest round, when it may be shown.
    pub ours: Option<u32>,
}

/// A Pledge promise and the questions that measure it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PromiseGroup {
    /// The promise, as tagged.
    pub promise: String,
    /// Its questions' ids, in question order.
    pub question_ids: Vec<String>,
}

/// One "You said, we did" entry, as plain text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct YouSaidWeDidEntry {
    /// What young people said.
    pub you_said: String,
    /// What was done.
    pub we_did: String,
}

/// How results are computed for a viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultsOptions {
    /// The suppression threshold (see the module documentation).
    pub suppress_below: u32,
    /// Whether to include free-text answers: only for roles allowed to read responses, never on
    /// a summary.
    pub include_free_text: bool,
}

impl Default for ResultsOptions {
    fn default() -> Self {
        ResultsOptions {
            suppress_below: DEFAULT_SUPPRESS_BELOW,
            include_free_text: false,
        }
    }
}

/// The emoji scale's values and the words for them, saddest first (the kiosk shows a face above
/// each).
pub fn scale_labels() -> [(i64, &'static str); 5] {
    [
        (1, "Very sad"),
        (2, "Sad"),
        (3, "OK"),
        (4, "Happy"),
        (5, "Very happy"),
    ]
}

/// The `yesNoNotSure` values and the words for them.
pub fn yes_no_labels() -> [(&'static str, &'static str); 3] {
    [("yes", "Yes"), ("no", "No"), ("notSure", "Not sure")]
}

/// The (value, label) pairs a question is tallied over, in order; empty for free text.
pub fn answer_options(q: &Question) -> Vec<(String, String)> {
    match q.question_type {
        QuestionType::EmojiScale => scale_labels()
            .iter()
            .map(|(v, l)| (v.to_string(), l.to_string()))
            .collect(),
        QuestionType::YesNoNotSure => yes_no_labels()
            .iter()
            .map(|(v, l)| (v.to_string(), l.to_string()))
            .collect(),
        QuestionType::SingleChoice | QuestionType::MultipleChoice => {
            q.options.iter().map(|o| (o.clone(), o.clone())).collect()
        }
        QuestionType::FreeText => Vec::new(),
    }
}

/// Whether a response counts: handed in (submitted or closed) with consent. Drafts are still
/// being written; without consent the answers may not be used.
pub fn counted(r: &ConsultationResponse) -> bool {
    matches!(r.state, WorkflowState::Submitted | WorkflowState::Closed) && r.consent_given
}

/// The responses whose young person asked to talk to someone and who has not yet been followed
/// up, oldest first: the list a participation worker must act on.
pub fn needing_follow_up(responses: &[ConsultationResponse]) -> Vec<&ConsultationResponse> {
    let mut waiting: Vec<&ConsultationResponse> = responses
        .iter()
        .filter(|r| r.state != WorkflowState::Draft && r.talk_to_someone)
        .filter(|r| !r.follow_up.as_ref().is_some_and(|f| f.done))
        .collect();
    waiting.sort_by_key(|r| r.submitted_at.unwrap_or(r.created_at));
    waiting
}

/// The results of `rounds` (oldest first) under `filter`, suppressed as `options` says.
pub fn results(
    rounds: &[Round<'_>],
    filter: &ResultsFilter,
    options: ResultsOptions,
) -> ConsultationResults {
    let t = options.suppress_below;
    // The counted, filtered responses of each round.
    let groups: Vec<Vec<&ConsultationResponse>> = rounds
        .iter()
        .map(|round| {
            round
                .responses
                .iter()
                .copied()
                .filter(|r| counted(r) && filter.admits(r))
                .collect()
        })
        .collect();

    let headings = rounds
        .iter()
        .zip(&groups)
        .map(|(round, group)| RoundHeading {
            id: round.id.clone(),
            label: round
                .consultation
                .round_label
                .clone()
                .filter(|l| !l.trim().is_empty())
                .unwrap_or_else(|| round.consultation.title.clone()),
            responses: Count::of(group.len() as u32, t),
        })
        .collect();

    // Question ids in first-appearance order across the rounds.
    let mut ids: Vec<&str> = Vec::new();
    for round in rounds {
        for q in &round.consultation.questions {
            if !ids.contains(&q.id.as_str()) {
                ids.push(&q.id);
            }
        }
    }

    let questions: Vec<QuestionResults> = ids
        .iter()
        .map(|id| {
            let latest = rounds
                .iter()
                .rev()
                .find_map(|r| r.consultation.question(id))
                .expect("every id comes from some round's questions");
            let outcomes: Vec<RoundOutcome> = rounds
                .iter()
                .zip(&groups)
                .map(|(round, group)| match round.consultation.question(id) {
                    Some(q) => outcome(q, group, options),
                    None => RoundOutcome {
                        answered: Count::Shown(0),
                        tallies: Vec::new(),
                        texts: None,
                    },
                })
                .collect();
            let comparison = latest.comparison.as_ref().map(|c| ComparisonView {
                source: c.source.clone(),
                option: c.option.clone(),
                percent: c.percent,
                ours: outcomes.last().and_then(|o| {
                    o.tallies
                        .iter()
                        .find(|tally| tally.value == c.option)
                        .and_then(|tally| tally.percent)
                }),
            });
            QuestionResults {
                question_id: id.to_string(),
                prompt: latest.prompt.clone(),
                question_type: latest.question_type.as_str().to_string(),
                pledge: latest.pledge.clone().filter(|p| !p.trim().is_empty()),
                comparison,
                rounds: outcomes,
            }
        })
        .collect();

    let mut promises: Vec<PromiseGroup> = Vec::new();
    for q in &questions {
        let Some(promise) = &q.pledge else { continue };
        match promises.iter_mut().find(|g| &g.promise == promise) {
            Some(group) => group.question_ids.push(q.question_id.clone()),
            None => promises.push(PromiseGroup {
                promise: promise.clone(),
                question_ids: vec![q.question_id.clone()],
            }),
        }
    }

    let you_said_we_did = rounds
        .iter()
        .flat_map(|r| &r.consultation.you_said_we_did)
        .map(|e| YouSaidWeDidEntry {
            you_said: e.you_said.as_str().trim().to_string(),
            we_did: e.we_did.as_str().trim().to_string(),
        })
        .filter(|e| !(e.you_said.is_empty() && e.we_did.is_empty()))
        .collect();

    ConsultationResults {
        rounds: headings,
        questions,
        promises,
        you_said_we_did,
    }
}

/// One question's outcome over one round's counted, filtered responses.
fn outcome(q: &Question, group: &[&ConsultationResponse], options: ResultsOptions) -> RoundOutcome {
    let t = options.suppress_below;
    let small_group = (group.len() as u32) < t;
    let answers: Vec<_> = group
        .iter()
        .filter_map(|r| r.answers.iter().find(|a| a.question_id == q.id))
        .filter(|a| a.values_set() > 0)
        .collect();
    // What each answer chose, as values comparable with `answer_options`.
    let chosen: Vec<Vec<String>> = answers
        .iter()
        .map(|a| match q.question_type {
            QuestionType::EmojiScale => a.scale.map(|s| s.to_string()).into_iter().collect(),
            QuestionType::YesNoNotSure | QuestionType::SingleChoice => {
                a.choice.clone().into_iter().collect()
            }
            QuestionType::MultipleChoice => a.choices.clone().unwrap_or_default(),
            QuestionType::FreeText => a
                .text
                .as_ref()
                .map(|t| t.as_str().trim().to_string())
                .filter(|t| !t.is_empty())
                .into_iter()
                .collect(),
        })
        .collect();
    let answered_n = chosen.iter().filter(|c| !c.is_empty()).count() as u32;

    if small_group {
        return RoundOutcome {
            answered: Count::Suppressed,
            tallies: answer_options(q)
                .into_iter()
                .map(|(value, label)| Tally {
                    value,
                    label,
                    count: Count::Suppressed,
                    percent: None,
                })
                .collect(),
            texts: None,
        };
    }

    let answered = Count::of(answered_n, t);
    let tallies = answer_options(q)
        .into_iter()
        .map(|(value, label)| {
            let n = chosen.iter().filter(|c| c.contains(&value)).count() as u32;
            let count = Count::of(n, t);
            let percent = match (count, answered) {
                (Count::Shown(n), Count::Shown(base)) if base > 0 => Some(percent(n, base)),
                _ => None,
            };
            Tally {
                value,
                label,
                count,
                percent,
            }
        })
        .collect();
    let texts = (options.include_free_text && q.question_type == QuestionType::FreeText)
        .then(|| chosen.into_iter().flatten().collect());
    RoundOutcome {
        answered,
        tallies,
        texts,
    }
}

/// `n` of `base` as a whole percentage, rounded half up.
fn percent(n: u32, base: u32) -> u32 {
    ((u64::from(n) * 200 + u64::from(base)) / (2 * u64::from(base))) as u32
}
