//! Per-question results and the follow-up list, from the responses a worker can read: pure,
//! unit-tested.

use hearth_shared::model::{Consultation, ConsultationResponse, QuestionType, WorkflowState};

use crate::pages::kiosk::{FACES, YES_NO_NOT_SURE};

/// One answer option and how many chose it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tally {
    /// The option as shown (e.g. "Happy", "Not sure", "Pizza").
    pub label: String,
    /// How many responses chose it.
    pub count: usize,
}

/// What a question's answers add up to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Counts per option, in the question's order (scale 1→5, yes/no/not sure, the options).
    Counts(Vec<Tally>),
    /// Every non-blank written answer, in response order.
    Texts(Vec<String>),
}

/// The results for one question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuestionResult {
    /// The question's id.
    pub question_id: String,
    /// The question as asked.
    pub prompt: String,
    /// How many counted responses answered it (not skipped).
    pub answered: usize,
    /// The counts or the texts.
    pub outcome: Outcome,
}

/// Whether a response counts: handed in (submitted or closed) with consent. Drafts are still
/// being written; without consent the answers may not be used.
pub fn counts(r: &ConsultationResponse) -> bool {
    matches!(r.state, WorkflowState::Submitted | WorkflowState::Closed) && r.consent_given
}

/// Adds up the counted responses, question by question.
pub fn aggregate(c: &Consultation, responses: &[ConsultationResponse]) -> Vec<QuestionResult> {
    let counted: Vec<&ConsultationResponse> = responses.iter().filter(|r| counts(r)).collect();
    c.questions
        .iter()
        .map(|q| {
            let answers = counted
                .iter()
                .filter_map(|r| r.answers.iter().find(|a| a.question_id == q.id))
                .filter(|a| a.values_set() > 0);
            let tally = |options: Vec<(String, String)>, answers: Vec<Vec<String>>| {
                let answered = answers.iter().filter(|chosen| !chosen.is_empty()).count();
                let tallies = options
                    .into_iter()
                    .map(|(value, label)| Tally {
                        count: answers
                            .iter()
                            .filter(|chosen| chosen.contains(&value))
                            .count(),
                        label,
                    })
                    .collect();
                (answered, Outcome::Counts(tallies))
            };
            let own = |o: &String| (o.clone(), o.clone());
            let (answered, outcome) = match q.question_type {
                QuestionType::EmojiScale => tally(
                    FACES
                        .iter()
                        .map(|(v, _, l)| (v.to_string(), l.to_string()))
                        .collect(),
                    answers
                        .map(|a| a.scale.map(|s| s.to_string()).into_iter().collect())
                        .collect(),
                ),
                QuestionType::YesNoNotSure => tally(
                    YES_NO_NOT_SURE
                        .iter()
                        .map(|(v, l)| (v.to_string(), l.to_string()))
                        .collect(),
                    answers
                        .map(|a| a.choice.clone().into_iter().collect())
                        .collect(),
                ),
                QuestionType::SingleChoice => tally(
                    q.options.iter().map(own).collect(),
                    answers
                        .map(|a| a.choice.clone().into_iter().collect())
                        .collect(),
                ),
                QuestionType::MultipleChoice => tally(
                    q.options.iter().map(own).collect(),
                    answers
                        .map(|a| a.choices.clone().unwrap_or_default())
                        .collect(),
                ),
                QuestionType::FreeText => {
                    let texts: Vec<String> = answers
                        .filter_map(|a| a.text.as_ref().map(|t| t.as_str().trim().to_string()))
                        .filter(|t| !t.is_empty())
                        .collect();
                    (texts.len(), Outcome::Texts(texts))
                }
            };
            QuestionResult {
                question_id: q.id.clone(),
                prompt: q.prompt.clone(),
                answered,
                outcome,
            }
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_shared::model::{Answer, FollowUp, Question};

    fn consultation() -> Consultation {
        let mut c = Consultation::new("worker-1", "Food at home", 1_790_000_000_000);
        c.questions = vec![
            Question::new(
                "q1",
                QuestionType::EmojiScale,
                "How do you feel about meals?",
            ),
            Question::new(
                "q2",
                QuestionType::YesNoNotSure,
                "Do you help choose the menu?",
            ),
            Question {
                options: vec!["Pizza".into(), "Curry".into()],
                ..Question::new("q3", QuestionType::SingleChoice, "Favourite tea?")
            },
            Question {
                options: vec!["Breakfast".into(), "Lunch".into(), "Tea".into()],
                ..Question::new("q4", QuestionType::MultipleChoice, "Which meals?")
            },
            Question::new("q5", QuestionType::FreeText, "Anything else?"),
        ];
        c
    }

    fn response(at: i64, answers: Vec<Answer>) -> ConsultationResponse {
        let mut r = ConsultationResponse::new("kiosk-1", "consultation-1", at);
        r.answers = answers;
        r.consent_given = true;
        r.state = WorkflowState::Submitted;
        r.submitted_at = Some(at);
        r
    }

    fn counts_of(result: &QuestionResult) -> Vec<usize> {
        match &result.outcome {
            Outcome::Counts(t) => t.iter().map(|t| t.count).collect(),
            Outcome::Texts(_) => panic!("expected counts"),
        }
    }

    #[test]
    fn answers_are_counted_per_scale_value_and_option() {
        let responses = vec![
            response(
                1,
                vec![
                    Answer::scale("q1", 4),
                    Answer::choice("q2", "yes"),
                    Answer::choice("q3", "Curry"),
                    Answer::choices("q4", &["Breakfast", "Tea"]),
                    Answer::text("q5", "More fruit please"),
                ],
            ),
            response(
                2,
                vec![
                    Answer::scale("q1", 4),
                    Answer::choice("q2", "notSure"),
                    Answer::choices("q4", &["Tea"]),
                    Answer::text("q5", "  "),
                ],
            ),
            response(3, vec![Answer::scale("q1", 1)]),
        ];
        let results = aggregate(&consultation(), &responses);
        assert_eq!(counts_of(&results[0]), [1, 0, 0, 2, 0]);
        assert_eq!(results[0].answered, 3);
        assert_eq!(counts_of(&results[1]), [1, 0, 1]);
        assert_eq!(counts_of(&results[2]), [0, 1]);
        assert_eq!(
            results[2].answered, 1,
            "a skipped question is not an answer"
        );
        assert_eq!(counts_of(&results[3]), [1, 0, 2]);
        assert_eq!(
            results[4].outcome,
            Outcome::Texts(vec!["More fruit please".to_string()])
        );
    }

    #[test]
    fn drafts_and_responses_without_consent_are_not_counted() {
        let mut draft = response(1, vec![Answer::scale("q1", 5)]);
        draft.state = WorkflowState::Draft;
        let mut no_consent = response(2, vec![Answer::scale("q1", 5)]);
        no_consent.consent_given = false;
        let results = aggregate(&consultation(), &[draft, no_consent]);
        assert_eq!(results[0].answered, 0);
        assert_eq!(counts_of(&results[0]), [0, 0, 0, 0, 0]);
    }

    #[test]
    fn talk_to_someone_is_listed_until_followed_up() {
        let mut later = response(20, vec![]);
        later.talk_to_someone = true;
        let mut earlier = response(10, vec![]);
        earlier.talk_to_someone = true;
        let mut handled = response(5, vec![]);
        handled.talk_to_someone = true;
        handled.follow_up = Some(FollowUp {
            done: true,
            by: "worker-1".into(),
            at: 30,
            note: "Spoke with them".into(),
        });
        let quiet = response(1, vec![]);
        let responses = vec![later, earlier, handled, quiet];
        let waiting: Vec<i64> = needing_follow_up(&responses)
            .iter()
            .map(|r| r.created_at)
            .collect();
        assert_eq!(waiting, [10, 20]);
    }
}
