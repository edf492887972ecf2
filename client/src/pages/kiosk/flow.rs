//! The kiosk's flow as a plain state machine: actions in, at most one effect out.
//!
//! No browser, no clock, no timers: time and the timers' firings arrive as actions, so every
//! rule (consent first, one question per screen, answers wiped on send) is a native unit test.

use std::collections::BTreeMap;

use hearth_shared::model::{
    Answer, Consultation, ConsultationResponse, QuestionType, WorkflowState,
};

/// The emoji scale, saddest first: the stored value, the face, and the words under it.
pub const FACES: [(i64, &str, &str); 5] = [
    (1, "😢", "Very sad"),
    (2, "🙁", "Sad"),
    (3, "😐", "OK"),
    (4, "🙂", "Happy"),
    (5, "😄", "Very happy"),
];

/// The `yesNoNotSure` answers: the stored value and the words on the button.
pub const YES_NO_NOT_SURE: [(&str, &str); 3] =
    [("yes", "Yes"), ("no", "No"), ("notSure", "Not sure")];

/// A young person's reply to one question, before it becomes an [`Answer`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// A face on the emoji scale, 1–5.
    Scale(i64),
    /// "yes" / "no" / "notSure", or one option of a single-choice question.
    Choice(String),
    /// The options ticked on a multiple-choice question, in the order ticked.
    Choices(Vec<String>),
    /// What they wrote.
    Text(String),
}

impl Reply {
    /// The answer to store, or `None` for a reply that says nothing (nothing ticked, blank text).
    fn into_answer(self, question_id: &str) -> Option<Answer> {
        match self {
            Reply::Scale(v) => Some(Answer::scale(question_id, v)),
            Reply::Choice(c) => Some(Answer::choice(question_id, &c)),
            Reply::Choices(cs) if cs.is_empty() => None,
            Reply::Choices(cs) => {
                let refs: Vec<&str> = cs.iter().map(String::as_str).collect();
                Some(Answer::choices(question_id, &refs))
            }
            Reply::Text(t) if t.trim().is_empty() => None,
            Reply::Text(t) => Some(Answer::text(question_id, t.trim())),
        }
    }
}

/// Which screen the kiosk shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    /// The consultation's title and purpose, and "Is it OK for us to use your answers?".
    Consent,
    /// They said no: nothing will be sent.
    NoConsent,
    /// Question `n` (from 0).
    Question(usize),
    /// Sent. The answers are already gone from the device.
    ThankYou,
}

/// Something the young person (or a worker) did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Answered the consent question.
    Consent(bool),
    /// Chose a face or a single option (replaces any earlier choice for this question).
    Reply(Reply),
    /// Ticked or unticked an option of a multiple-choice question.
    ToggleOption(String),
    /// Ticked or unticked "I'd like to talk to someone".
    TalkToSomeone(bool),
    /// Next question.
    Next,
    /// Previous question (or back to the consent question).
    Back,
    /// Send the answers (from the last question).
    Submit {
        /// The time now, unix milliseconds.
        now_ms: i64,
    },
    /// Ready for the next young person (from the thank-you or no-consent screen).
    StartAgain,
    /// The thank-you screen timed out; `round` says which submission it was for.
    ThankYouOver {
        /// The round the timer was started in.
        round: u64,
    },
    /// The idle timer fired; `activity` is the activity count when it was set.
    Idle {
        /// The activity count the timer was started at.
        activity: u64,
    },
    /// A worker pressed "leave kiosk mode".
    AskToExit,
    /// The worker typed in the PIN box.
    PinInput(String),
    /// The worker cancelled leaving.
    CancelExit,
    /// The PIN was checked (by the caller's `pin_ok`).
    PinChecked(bool),
}

/// What the component must do after an action.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Hand this response to the caller to store and sync.
    Submit(Box<ConsultationResponse>),
    /// Leave kiosk mode.
    Exit,
}

/// Who and what the flow is answering: fixed for a kiosk session, passed in on each action.
pub struct Session<'a> {
    /// The consultation being answered.
    pub consultation: &'a Consultation,
    /// Its document id (goes into the response's `consultationId`).
    pub consultation_id: &'a str,
    /// The kiosk's young-person account (the response's `createdBy`).
    pub young_person_id: &'a str,
}

/// The kiosk's state machine. See the module docs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KioskFlow {
    screen: Option<Screen>,
    replies: BTreeMap<String, Reply>,
    consent: bool,
    talk_to_someone: bool,
    exiting: bool,
    pin: String,
    pin_wrong: bool,
    /// Counts submissions, so a stale thank-you timer cannot reset a later young person.
    round: u64,
    /// Counts actions, so the idle timer knows whether anyone touched the screen.
    activity: u64,
}

impl KioskFlow {
    /// A kiosk waiting for a young person, on the consent screen.
    pub fn new() -> KioskFlow {
        KioskFlow::default()
    }

    /// The screen to show.
    pub fn screen(&self) -> Screen {
        self.screen.unwrap_or(Screen::Consent)
    }

    /// The reply given so far to question `question_id`, if any.
    pub fn reply(&self, question_id: &str) -> Option<&Reply> {
        self.replies.get(question_id)
    }

    /// Whether "I'd like to talk to someone" is ticked.
    pub fn talk_to_someone(&self) -> bool {
        self.talk_to_someone
    }

    /// Whether the PIN screen is showing (over the current screen).
    pub fn exiting(&self) -> bool {
        self.exiting
    }

    /// What the worker has typed in the PIN box.
    pub fn pin(&self) -> &str {
        &self.pin
    }

    /// Whether the last PIN tried was wrong.
    pub fn pin_wrong(&self) -> bool {
        self.pin_wrong
    }

    /// Which submission round this is (for the thank-you timer).
    pub fn round(&self) -> u64 {
        self.round
    }

    /// How many actions so far (for the idle timer).
    pub fn activity(&self) -> u64 {
        self.activity
    }

    /// Whether a young person has started and not finished (the idle timer wipes this).
    pub fn in_progress(&self) -> bool {
        !self.replies.is_empty()
            || self.talk_to_someone
            || !matches!(self.screen(), Screen::Consent | Screen::ThankYou)
    }

    /// Wipes every answer and flag, keeping only the counters.
    fn wipe(&mut self, screen: Screen) {
        *self = KioskFlow {
            screen: Some(screen),
            round: self.round,
            activity: self.activity,
            ..KioskFlow::default()
        };
    }

    /// Applies `action`; returns what the component must do, if anything.
    pub fn update(&mut self, action: Action, session: &Session) -> Option<Effect> {
        let questions = &session.consultation.questions;
        let last = questions.len().checked_sub(1);
        if !matches!(action, Action::Idle { .. } | Action::ThankYouOver { .. }) {
            self.activity += 1;
        }
        match (action, self.screen()) {
            (Action::AskToExit, _) => {
                self.exiting = true;
                self.pin.clear();
                self.pin_wrong = false;
            }
            (Action::PinInput(pin), _) if self.exiting => self.pin = pin,
            (Action::CancelExit, _) => {
                self.exiting = false;
                self.pin.clear();
                self.pin_wrong = false;
            }
            (Action::PinChecked(true), _) if self.exiting => {
                // Leaving kiosk mode discards whatever a young person had started.
                self.wipe(Screen::Consent);
                return Some(Effect::Exit);
            }
            (Action::PinChecked(false), _) if self.exiting => {
                self.pin.clear();
                self.pin_wrong = true;
            }
            // Everything below is the young person's, and waits while a worker has the PIN box.
            (_, _) if self.exiting => {}
            (
                Action::TalkToSomeone(on),
                Screen::Consent | Screen::NoConsent | Screen::Question(_),
            ) => {
                self.talk_to_someone = on;
            }
            (Action::Consent(true), Screen::Consent) => {
                self.consent = true;
                if !questions.is_empty() {
                    self.screen = Some(Screen::Question(0));
                }
            }
            (Action::Consent(false), Screen::Consent) => {
                self.consent = false;
                self.replies.clear();
                self.screen = Some(Screen::NoConsent);
            }
            (Action::Reply(reply), Screen::Question(n)) => {
                if let Some(q) = questions.get(n) {
                    self.replies.insert(q.id.clone(), reply);
                }
            }
            (Action::ToggleOption(option), Screen::Question(n)) => {
                if let Some(q) = questions.get(n)
                    && q.question_type == QuestionType::MultipleChoice
                    && q.options.contains(&option)
                {
                    let entry = self
                        .replies
                        .entry(q.id.clone())
                        .or_insert_with(|| Reply::Choices(Vec::new()));
                    if let Reply::Choices(chosen) = entry {
                        if let Some(at) = chosen.iter().position(|c| *c == option) {
                            chosen.remove(at);
                        } else {
                            chosen.push(option);
                        }
                    }
                }
            }
            (Action::Next, Screen::Question(n)) if Some(n) != last => {
                self.screen = Some(Screen::Question(n + 1));
            }
            (Action::Back, Screen::Question(0)) => self.screen = Some(Screen::Consent),
            (Action::Back, Screen::Question(n)) => self.screen = Some(Screen::Question(n - 1)),
            (Action::Submit { now_ms }, Screen::Question(n)) if Some(n) == last && self.consent => {
                let response = self.response(session, now_ms);
                self.round += 1;
                // The answers leave the device's memory the moment they are handed over.
                self.wipe(Screen::ThankYou);
                return Some(Effect::Submit(Box::new(response)));
            }
            (Action::StartAgain, Screen::ThankYou | Screen::NoConsent) => {
                self.wipe(Screen::Consent)
            }
            (Action::ThankYouOver { round }, Screen::ThankYou) if round == self.round => {
                self.wipe(Screen::Consent);
            }
            (Action::Idle { activity }, _) if activity == self.activity && self.in_progress() => {
                self.wipe(Screen::Consent);
            }
            _ => {}
        }
        None
    }

    /// The response to send: the replies in question order, consent given, submitted now.
    fn response(&self, session: &Session, now_ms: i64) -> ConsultationResponse {
        let mut response =
            ConsultationResponse::new(session.young_person_id, session.consultation_id, now_ms);
        response.answers = session
            .consultation
            .questions
            .iter()
            .filter_map(|q| self.replies.get(&q.id).cloned()?.into_answer(&q.id))
            .collect();
        response.consent_given = true;
        response.talk_to_someone = self.talk_to_someone;
        response.state = WorkflowState::Submitted;
        response.submitted_at = Some(now_ms);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_shared::model::{Question, Record};
    use hearth_shared::permissions::{Actor, Role};
    use hearth_shared::rules::{check_change, check_response_fits};

    const NOW: i64 = 1_790_000_000_000;

    fn consultation() -> Consultation {
        let mut c = Consultation::new("worker-1", "Food at home", NOW - 1000);
        c.state = WorkflowState::Open;
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
                options: vec!["Breakfast".into(), "Lunch".into(), "Tea".into()],
                ..Question::new(
                    "q3",
                    QuestionType::MultipleChoice,
                    "Which meals do you eat at home?",
                )
            },
            Question::new("q4", QuestionType::FreeText, "Anything else?"),
        ];
        c
    }

    /// Runs `actions` through a fresh flow; returns the flow and every effect produced.
    fn run(c: &Consultation, actions: Vec<Action>) -> (KioskFlow, Vec<Effect>) {
        let session = Session {
            consultation: c,
            consultation_id: "consultation-doc",
            young_person_id: "kiosk-1",
        };
        let mut flow = KioskFlow::new();
        let effects = actions
            .into_iter()
            .filter_map(|a| flow.update(a, &session))
            .collect();
        (flow, effects)
    }

    fn answer_all() -> Vec<Action> {
        vec![
            Action::Consent(true),
            Action::Reply(Reply::Scale(2)),
            Action::Reply(Reply::Scale(4)),
            Action::Next,
            Action::Reply(Reply::Choice("notSure".into())),
            Action::Next,
            Action::ToggleOption("Tea".into()),
            Action::ToggleOption("Breakfast".into()),
            Action::ToggleOption("Tea".into()),
            Action::ToggleOption("Supper".into()),
            Action::Next,
            Action::Reply(Reply::Text("  More fruit please ".into())),
            Action::TalkToSomeone(true),
            Action::Submit { now_ms: NOW },
        ]
    }

    #[test]
    fn a_young_person_answers_one_question_per_screen_and_sends() {
        let c = consultation();
        let (flow, effects) = run(&c, answer_all());
        let [Effect::Submit(response)] = effects.as_slice() else {
            panic!("expected one submission, got {effects:?}");
        };
        assert_eq!(
            response.answers,
            vec![
                Answer::scale("q1", 4),
                Answer::choice("q2", "notSure"),
                Answer::choices("q3", &["Breakfast"]),
                Answer::text("q4", "More fruit please"),
            ]
        );
        assert!(response.consent_given && response.talk_to_someone);
        assert_eq!(response.state, WorkflowState::Submitted);
        assert_eq!(response.submitted_at, Some(NOW));
        assert_eq!(response.consultation_id, "consultation-doc");
        assert_eq!(flow.screen(), Screen::ThankYou);
    }

    #[test]
    fn the_response_is_one_the_server_accepts() {
        let c = consultation();
        let (_, effects) = run(&c, answer_all());
        let Some(Effect::Submit(response)) = effects.into_iter().next() else {
            panic!("no submission");
        };
        let young_person = Actor {
            user_id: "kiosk-1".into(),
            role: Role::YoungPerson,
            homes: vec![],
        };
        check_response_fits(None, &response, &c).expect("answers fit the questions");
        check_change(
            None,
            &Record::ConsultationResponse(*response),
            &young_person,
        )
        .expect("a kiosk may create a submitted response");
    }

    #[test]
    fn kiosk_answers_are_unreadable_after_submit() {
        let c = consultation();
        let mut actions = answer_all();
        actions.push(Action::Back);
        let (flow, _) = run(&c, actions);
        assert_eq!(
            flow.screen(),
            Screen::ThankYou,
            "no way back into the answers"
        );
        for q in &c.questions {
            assert_eq!(flow.reply(&q.id), None);
        }
        assert!(!flow.talk_to_someone());
        assert!(!flow.in_progress());
    }

    #[test]
    fn the_next_young_person_starts_from_the_consent_question() {
        let c = consultation();
        let mut actions = answer_all();
        actions.push(Action::StartAgain);
        let (flow, _) = run(&c, actions);
        assert_eq!(flow.screen(), Screen::Consent);
        // Without saying yes again, nothing can be answered or sent.
        let (_, effects) = run(
            &c,
            vec![
                Action::Reply(Reply::Scale(5)),
                Action::Submit { now_ms: NOW },
            ],
        );
        assert!(effects.is_empty());
    }

    #[test]
    fn without_consent_nothing_is_sent() {
        let c = consultation();
        let (flow, effects) = run(
            &c,
            vec![
                Action::TalkToSomeone(true),
                Action::Consent(false),
                Action::Next,
            ],
        );
        assert_eq!(flow.screen(), Screen::NoConsent);
        assert!(effects.is_empty());
        assert!(
            flow.talk_to_someone(),
            "shown so they are told to ask an adult"
        );
    }

    #[test]
    fn back_and_next_move_one_question_at_a_time() {
        let c = consultation();
        let (flow, _) = run(&c, vec![Action::Consent(true), Action::Next, Action::Next]);
        assert_eq!(flow.screen(), Screen::Question(2));
        let (flow, _) = run(
            &c,
            vec![
                Action::Consent(true),
                Action::Next,
                Action::Back,
                Action::Back,
                Action::Back,
            ],
        );
        assert_eq!(flow.screen(), Screen::Consent);
        // Next stops at the last question; only Send goes further.
        let mut many = vec![Action::Consent(true)];
        many.extend(std::iter::repeat_n(Action::Next, 10));
        let (flow, _) = run(&c, many);
        assert_eq!(flow.screen(), Screen::Question(3));
    }

    #[test]
    fn leaving_kiosk_mode_needs_the_right_pin_and_clears_answers() {
        let c = consultation();
        let (flow, effects) = run(
            &c,
            vec![
                Action::Consent(true),
                Action::Reply(Reply::Scale(1)),
                Action::AskToExit,
                Action::PinInput("1111".into()),
                Action::PinChecked(false),
            ],
        );
        assert!(effects.is_empty());
        assert!(flow.exiting() && flow.pin_wrong());
        assert_eq!(flow.pin(), "", "a wrong PIN is not left in the box");

        let (flow, effects) = run(
            &c,
            vec![
                Action::Consent(true),
                Action::Reply(Reply::Scale(1)),
                Action::AskToExit,
                Action::PinChecked(true),
            ],
        );
        assert_eq!(effects, vec![Effect::Exit]);
        assert_eq!(flow.reply("q1"), None);
    }

    #[test]
    fn a_young_person_cannot_answer_behind_the_pin_screen() {
        let c = consultation();
        let (flow, _) = run(
            &c,
            vec![
                Action::Consent(true),
                Action::AskToExit,
                Action::Reply(Reply::Scale(3)),
                Action::CancelExit,
            ],
        );
        assert!(!flow.exiting());
        assert_eq!(flow.reply("q1"), None);
        assert_eq!(flow.screen(), Screen::Question(0));
    }

    #[test]
    fn walking_away_wipes_half_finished_answers() {
        let c = consultation();
        let session = Session {
            consultation: &c,
            consultation_id: "consultation-doc",
            young_person_id: "kiosk-1",
        };
        let mut flow = KioskFlow::new();
        flow.update(Action::Consent(true), &session);
        let timer_set_at = flow.activity();
        flow.update(Action::Reply(Reply::Scale(2)), &session);
        // A timer from before the last touch does nothing...
        flow.update(
            Action::Idle {
                activity: timer_set_at,
            },
            &session,
        );
        assert_eq!(flow.reply("q1"), Some(&Reply::Scale(2)));
        // ...one with no touch since wipes everything.
        let activity = flow.activity();
        flow.update(Action::Idle { activity }, &session);
        assert_eq!(flow.reply("q1"), None);
        assert_eq!(flow.screen(), Screen::Consent);
    }

    #[test]
    fn a_stale_thank_you_timer_does_not_reset_the_next_young_person() {
        let c = consultation();
        let session = Session {
            consultation: &c,
            consultation_id: "consultation-doc",
            young_person_id: "kiosk-1",
        };
        let mut flow = KioskFlow::new();
        for a in answer_all() {
            flow.update(a, &session);
        }
        let round = flow.round();
        flow.update(Action::StartAgain, &session);
        flow.update(Action::Consent(true), &session);
        flow.update(Action::ThankYouOver { round }, &session);
        assert_eq!(flow.screen(), Screen::Question(0));

        let mut flow = KioskFlow::new();
        for a in answer_all() {
            flow.update(a, &session);
        }
        let round = flow.round();
        flow.update(Action::ThankYouOver { round }, &session);
        assert_eq!(flow.screen(), Screen::Consent);
    }
}
