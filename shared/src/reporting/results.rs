//! Consultation results: per question, per round, with small-group suppression.
//!
//! One function, [`results`], feeds the results screen, the Panel summary (HTML and PDF) and the
//! exports, so a number suppressed on one is suppressed on all. The rule: a round whose group
//! (after the filters) has fewer than `suppress_below` counted responses shows no numbers at
//! all; otherwise any count from 1 to `suppress_below - 1` is shown as "fewer than 5", and a
//! percentage only where both its count and its base are shown. Where a question's counts add
//! up to its shown total (one answer each), a lone suppressed count takes the smallest other
//! count with it, so that it cannot be worked out by subtraction.
//!
//! What this does not stop: comparing two views of the same responses (all homes against all
//! but one) can still narrow a small group down. Councils should publish one view, and the
//! threshold is configurable (`--suppress-below`).

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
    let raw: Vec<(String, String, u32)> = answer_options(q)
        .into_iter()
        .map(|(value, label)| {
            let n = chosen.iter().filter(|c| c.contains(&value)).count() as u32;
            (value, label, n)
        })
        .collect();
    let mut counts: Vec<Count> = raw.iter().map(|(_, _, n)| Count::of(*n, t)).collect();
    if single_answer(q.question_type) && answered.shown().is_some() {
        suppress_complement(&mut counts, raw.iter().map(|(_, _, n)| *n));
    }
    let tallies = raw
        .into_iter()
        .zip(counts)
        .map(|((value, label, _), count)| {
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

/// Whether each answer picks exactly one option, so a question's counts add up to how many
/// answered it.
fn single_answer(kind: QuestionType) -> bool {
    matches!(
        kind,
        QuestionType::EmojiScale | QuestionType::YesNoNotSure | QuestionType::SingleChoice
    )
}

/// Secondary suppression: where the counts add up to a total that is shown, one suppressed
/// count alone could be worked out by subtraction ("6 answered, 5 said yes": the hidden "no"
/// is 1). So when exactly one count is suppressed, the smallest shown count is suppressed as
/// well (a zero included: "0" beside "fewer than 5" would give the other away too).
fn suppress_complement(counts: &mut [Count], raw: impl Iterator<Item = u32>) {
    if counts.iter().filter(|c| c.is_suppressed()).count() != 1 {
        return;
    }
    let smallest = raw
        .enumerate()
        .filter(|(i, _)| !counts[*i].is_suppressed())
        .min_by_key(|(_, n)| *n)
        .map(|(i, _)| i);
    if let Some(i) = smallest {
        counts[i] = Count::Suppressed;
    }
}

/// `n` of `base` as a whole percentage, rounded half up.
fn percent(n: u32, base: u32) -> u32 {
    ((u64::from(n) * 200 + u64::from(base)) / (2 * u64::from(base))) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Answer, Comparison, FollowUp, YouSaidWeDid};

    const T: u32 = DEFAULT_SUPPRESS_BELOW;

    fn spring() -> Consultation {
        let mut c = Consultation::new("pw1", "Food at home", 1);
        c.state = WorkflowState::Closed;
        c.round_label = Some("Spring 2026".into());
        c.questions = vec![
            Question {
                pledge: Some("We will help you be healthy".into()),
                ..Question::new("q1", QuestionType::EmojiScale, "How are meals?")
            },
            Question {
                pledge: Some("We will listen to you".into()),
                comparison: Some(Comparison {
                    source: "National survey 2025".into(),
                    option: "yes".into(),
                    percent: 70,
                }),
                ..Question::new("q2", QuestionType::YesNoNotSure, "Do you get a say?")
            },
            Question {
                options: vec!["Breakfast".into(), "Lunch".into(), "Tea".into()],
                pledge: Some("We will help you be healthy".into()),
                ..Question::new("q3", QuestionType::MultipleChoice, "Which meals?")
            },
            Question::new("q4", QuestionType::FreeText, "Anything else?"),
        ];
        c.you_said_we_did = vec![
            YouSaidWeDid::new("y1", "More say in the menu", "Monthly menu meetings"),
            YouSaidWeDid::new("y2", " ", ""),
        ];
        c
    }

    fn response(home: &str, submitted: &str, answers: Vec<Answer>) -> ConsultationResponse {
        let at = Day::parse(submitted).expect("a real date").start_unix_ms() + 3_600_000;
        let mut r = ConsultationResponse::new("kiosk-1", "spring", at);
        r.home_id = Some(home.into());
        r.answers = answers;
        r.consent_given = true;
        r.state = WorkflowState::Submitted;
        r.submitted_at = Some(at);
        r
    }

    /// Ten counted responses (five per home) plus two that must not count. Hand counts:
    /// q1: "4" ×5, "5" ×3, skipped ×2 (answered 8);
    /// q2: yes ×6, no ×4 (answered 10);
    /// q3: Breakfast ×6, Lunch ×0, Tea ×9 (answered 9, one skipped);
    /// q4: two written answers, one blank (answered 2).
    fn spring_responses() -> Vec<ConsultationResponse> {
        let mut out = Vec::new();
        for i in 0..10 {
            let home = if i < 5 { "home-a" } else { "home-b" };
            let submitted = format!("2026-03-{:02}", 10 + i);
            let mut answers = vec![Answer::choice("q2", if i < 6 { "yes" } else { "no" })];
            match i {
                0..5 => answers.push(Answer::scale("q1", 4)),
                5..8 => answers.push(Answer::scale("q1", 5)),
                _ => {}
            }
            match i {
                0..6 => answers.push(Answer::choices("q3", &["Breakfast", "Tea"])),
                6..9 => answers.push(Answer::choices("q3", &["Tea"])),
                _ => {}
            }
            match i {
                0 => answers.push(Answer::text("q4", "More fruit please")),
                1 => answers.push(Answer::text("q4", "  Later tea  ")),
                2 => answers.push(Answer::text("q4", "   ")),
                _ => {}
            }
            out.push(response(home, &submitted, answers));
        }
        let mut draft = response("home-a", "2026-03-10", vec![Answer::choice("q2", "yes")]);
        draft.state = WorkflowState::Draft;
        draft.submitted_at = None;
        let mut no_consent = response("home-a", "2026-03-10", vec![Answer::choice("q2", "yes")]);
        no_consent.consent_given = false;
        out.push(draft);
        out.push(no_consent);
        out
    }

    fn round<'a>(id: &str, c: &'a Consultation, rs: &'a [ConsultationResponse]) -> Round<'a> {
        Round {
            id: id.into(),
            consultation: c,
            responses: rs.iter().collect(),
        }
    }

    fn options(include_free_text: bool) -> ResultsOptions {
        ResultsOptions {
            suppress_below: T,
            include_free_text,
        }
    }

    fn counts(o: &RoundOutcome) -> Vec<Count> {
        o.tallies.iter().map(|t| t.count).collect()
    }

    fn percents(o: &RoundOutcome) -> Vec<Option<u32>> {
        o.tallies.iter().map(|t| t.percent).collect()
    }

    use Count::{Shown, Suppressed};

    #[test]
    fn counts_equal_a_hand_count_with_small_cells_suppressed() {
        let c = spring();
        let rs = spring_responses();
        let r = results(
            &[round("spring", &c, &rs)],
            &ResultsFilter::default(),
            options(false),
        );
        assert_eq!(r.rounds[0].responses, Shown(10));
        assert_eq!(r.rounds[0].label, "Spring 2026");

        let q1 = &r.questions[0].rounds[0];
        assert_eq!(q1.answered, Shown(8));
        assert_eq!(
            counts(q1),
            [Suppressed, Shown(0), Shown(0), Shown(5), Suppressed]
        );
        // 5 of 8 is 62.5%, rounded half up; no percentage for a suppressed count. The lone
        // small "Very happy" (3) would be 8 - 5 by subtraction, so a zero goes with it.
        assert_eq!(percents(q1), [None, Some(0), Some(0), Some(63), None]);
        let labels: Vec<&str> = q1.tallies.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["Very sad", "Sad", "OK", "Happy", "Very happy"]);

        let q2 = &r.questions[1].rounds[0];
        assert_eq!(q2.answered, Shown(10));
        assert_eq!(counts(q2), [Shown(6), Suppressed, Suppressed]);
        assert_eq!(percents(q2), [Some(60), None, None]);
        assert_eq!(q2.tallies[2].label, "Not sure");

        let q3 = &r.questions[2].rounds[0];
        assert_eq!(q3.answered, Shown(9));
        assert_eq!(counts(q3), [Shown(6), Shown(0), Shown(9)]);
        assert_eq!(percents(q3), [Some(67), Some(0), Some(100)]);

        let q4 = &r.questions[3].rounds[0];
        assert_eq!(q4.answered, Suppressed, "two written answers");
        assert!(q4.tallies.is_empty());
        assert_eq!(q4.texts, None, "no free text unless asked for");
    }

    #[test]
    fn a_lone_small_count_takes_the_smallest_other_with_it_where_counts_add_up() {
        let mut counts = [Shown(7), Suppressed, Shown(0)];
        suppress_complement(&mut counts, [7, 3, 0].into_iter());
        assert_eq!(counts, [Shown(7), Suppressed, Suppressed]);
        // Two suppressed already hide each other; none suppressed needs nothing.
        let mut two = [Shown(9), Suppressed, Suppressed];
        suppress_complement(&mut two, [9, 2, 1].into_iter());
        assert_eq!(two, [Shown(9), Suppressed, Suppressed]);
        let mut none = [Shown(9), Shown(6)];
        suppress_complement(&mut none, [9, 6].into_iter());
        assert_eq!(none, [Shown(9), Shown(6)]);
    }

    #[test]
    fn free_text_is_included_only_when_asked_for() {
        let c = spring();
        let rs = spring_responses();
        let r = results(
            &[round("spring", &c, &rs)],
            &ResultsFilter::default(),
            options(true),
        );
        assert_eq!(
            r.questions[3].rounds[0].texts,
            Some(vec!["More fruit please".into(), "Later tea".into()])
        );
        assert_eq!(
            r.questions[1].rounds[0].texts, None,
            "only free-text questions"
        );
    }

    #[test]
    fn a_group_of_four_is_suppressed_everywhere_and_a_group_of_five_is_not() {
        let c = spring();
        let rs = spring_responses();
        let rounds = [round("spring", &c, &rs)];
        // home-a: responses 0..5, submitted 10–14 March.
        let five = ResultsFilter {
            home_id: Some("home-a".into()),
            ..ResultsFilter::default()
        };
        let r = results(&rounds, &five, options(true));
        assert_eq!(r.rounds[0].responses, Shown(5));
        assert_eq!(r.questions[0].rounds[0].answered, Shown(5));
        assert_eq!(
            counts(&r.questions[0].rounds[0]),
            [Shown(0), Shown(0), Shown(0), Shown(5), Shown(0)]
        );
        assert_eq!(
            counts(&r.questions[1].rounds[0]),
            [Shown(5), Shown(0), Shown(0)]
        );
        assert_eq!(r.questions[1].comparison.as_ref().unwrap().ours, Some(100));

        let four = ResultsFilter {
            home_id: Some("home-a".into()),
            from: Some("2026-03-11".into()),
            to: None,
        };
        let r = results(&rounds, &four, options(true));
        assert_eq!(r.rounds[0].responses, Suppressed);
        for q in &r.questions {
            let o = &q.rounds[0];
            assert_eq!(o.answered, Suppressed, "{}", q.question_id);
            assert!(
                o.tallies
                    .iter()
                    .all(|t| t.count == Suppressed && t.percent.is_none())
            );
            assert_eq!(o.texts, None, "no free text from a small group");
        }
        assert_eq!(r.questions[1].comparison.as_ref().unwrap().ours, None);
        assert_eq!(r.questions[1].comparison.as_ref().unwrap().percent, 70);
    }

    #[test]
    fn dates_filter_on_the_utc_day_of_submission_inclusive() {
        let c = spring();
        let rs = spring_responses();
        let rounds = [round("spring", &c, &rs)];
        let between = |from: Option<&str>, to: Option<&str>| {
            let filter = ResultsFilter {
                home_id: None,
                from: from.map(str::to_string),
                to: to.map(str::to_string),
            };
            let r = results(
                &rounds,
                &filter,
                ResultsOptions {
                    suppress_below: 1,
                    ..options(false)
                },
            );
            r.rounds[0].responses
        };
        assert_eq!(between(Some("2026-03-10"), Some("2026-03-10")), Shown(1));
        assert_eq!(between(Some("2026-03-12"), Some("2026-03-16")), Shown(5));
        assert_eq!(between(None, Some("2026-03-11")), Shown(2));
        assert_eq!(between(Some("2026-03-19"), None), Shown(1));
        assert_eq!(between(Some("2026-03-20"), None), Shown(0));
        // A date that does not parse does not narrow.
        assert_eq!(between(Some("not a date"), None), Shown(10));
    }

    #[test]
    fn two_rounds_compare_side_by_side_question_by_question() {
        let first = spring();
        let spring_rs = spring_responses();
        let mut autumn = first.new_round("spring");
        autumn.round_label = Some("Autumn 2026".into());
        autumn.questions[1].comparison = Some(Comparison {
            source: "National survey 2026".into(),
            option: "yes".into(),
            percent: 75,
        });
        autumn.questions.remove(0); // q1 not asked again
        autumn.questions.push(Question::new(
            "q5",
            QuestionType::YesNoNotSure,
            "Do you feel safe?",
        ));
        autumn.you_said_we_did = vec![YouSaidWeDid::new("y3", "Later tea", "Tea at six")];
        let autumn_rs: Vec<ConsultationResponse> = (0..7)
            .map(|i| {
                let choice = if i < 5 { "yes" } else { "notSure" };
                response(
                    "home-a",
                    "2026-10-01",
                    vec![Answer::choice("q2", choice), Answer::choice("q5", "yes")],
                )
            })
            .collect();

        let r = results(
            &[
                round("spring", &first, &spring_rs),
                round("autumn", &autumn, &autumn_rs),
            ],
            &ResultsFilter::default(),
            options(false),
        );
        let labels: Vec<(&str, Count)> = r
            .rounds
            .iter()
            .map(|h| (h.label.as_str(), h.responses))
            .collect();
        assert_eq!(
            labels,
            [("Spring 2026", Shown(10)), ("Autumn 2026", Shown(7))]
        );

        let ids: Vec<&str> = r.questions.iter().map(|q| q.question_id.as_str()).collect();
        assert_eq!(ids, ["q1", "q2", "q3", "q4", "q5"]);
        let q2 = &r.questions[1];
        assert_eq!(q2.rounds.len(), 2);
        assert_eq!(counts(&q2.rounds[0]), [Shown(6), Suppressed, Suppressed]);
        assert_eq!(counts(&q2.rounds[1]), [Shown(5), Suppressed, Suppressed]);
        assert_eq!(percents(&q2.rounds[1]), [Some(71), None, None]);
        // The comparison is the latest round's, against the latest round's figure.
        assert_eq!(
            q2.comparison,
            Some(ComparisonView {
                source: "National survey 2026".into(),
                option: "yes".into(),
                percent: 75,
                ours: Some(71),
            })
        );
        // q1 was not asked in autumn; q5 not in spring.
        assert_eq!(r.questions[0].rounds[1].answered, Shown(0));
        assert!(r.questions[0].rounds[1].tallies.is_empty());
        assert_eq!(r.questions[4].rounds[0].answered, Shown(0));
        assert_eq!(
            counts(&r.questions[4].rounds[1]),
            [Shown(7), Shown(0), Shown(0)]
        );

        let said: Vec<&str> = r
            .you_said_we_did
            .iter()
            .map(|e| e.we_did.as_str())
            .collect();
        assert_eq!(
            said,
            ["Monthly menu meetings", "Tea at six"],
            "blank entries left out"
        );
    }

    #[test]
    fn questions_group_by_the_promise_they_measure_in_question_order() {
        let c = spring();
        let r = results(
            &[round("spring", &c, &[])],
            &ResultsFilter::default(),
            options(false),
        );
        assert_eq!(
            r.promises,
            [
                PromiseGroup {
                    promise: "We will help you be healthy".into(),
                    question_ids: vec!["q1".into(), "q3".into()],
                },
                PromiseGroup {
                    promise: "We will listen to you".into(),
                    question_ids: vec!["q2".into()],
                },
            ]
        );
        // No responses at all: the count is zero, every figure withheld.
        assert_eq!(r.rounds[0].responses, Shown(0));
        assert_eq!(r.questions[0].rounds[0].answered, Suppressed);
    }

    #[test]
    fn a_round_without_a_label_is_headed_by_its_title() {
        let mut c = spring();
        c.round_label = None;
        let r = results(
            &[round("spring", &c, &[])],
            &ResultsFilter::default(),
            options(false),
        );
        assert_eq!(r.rounds[0].label, "Food at home");
    }

    #[test]
    fn suppressed_counts_read_as_fewer_than_the_threshold() {
        assert_eq!(Count::of(0, 5), Shown(0));
        assert_eq!(Count::of(1, 5), Suppressed);
        assert_eq!(Count::of(4, 5), Suppressed);
        assert_eq!(Count::of(5, 5), Shown(5));
        assert_eq!(Suppressed.to_string(), "fewer than 5");
        assert_eq!(Suppressed.text(10), "fewer than 10");
        assert_eq!(Shown(12).to_string(), "12");
        assert_eq!(Shown(12).shown(), Some(12));
        assert!(Suppressed.is_suppressed() && Suppressed.shown().is_none());
    }

    #[test]
    fn talk_to_someone_is_listed_until_followed_up_oldest_first() {
        let mut later = response("home-a", "2026-03-20", vec![]);
        later.talk_to_someone = true;
        let mut earlier = response("home-a", "2026-03-10", vec![]);
        earlier.talk_to_someone = true;
        let mut handled = response("home-a", "2026-03-01", vec![]);
        handled.talk_to_someone = true;
        handled.follow_up = Some(FollowUp {
            done: true,
            by: "pw1".into(),
            at: 30,
            note: "Spoke with them".into(),
        });
        let quiet = response("home-a", "2026-03-02", vec![]);
        let responses = vec![later.clone(), earlier.clone(), handled, quiet];
        assert_eq!(needing_follow_up(&responses), [&earlier, &later]);
    }

    #[test]
    fn the_value_labels_are_the_kiosks() {
        assert_eq!(scale_labels()[0], (1, "Very sad"));
        assert_eq!(scale_labels()[4], (5, "Very happy"));
        assert_eq!(yes_no_labels()[2], ("notSure", "Not sure"));
    }
}
