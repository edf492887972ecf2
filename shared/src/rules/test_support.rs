//! Small builders for rule tests: synthetic actors and records that live in real Automerge
//! documents, so every test goes model → document → model like the server does.

use automerge::AutoCommit;

use super::{Rejection, check_change, validate};
use crate::model::{
    Answer, Consultation, ConsultationResponse, Inspection, Priority, Question, QuestionType,
    Recommendation, Record, SignOff, VisitNote, WorkflowState,
};
use crate::permissions::{Actor, Role};

/// 2026-11-03T10:00:00Z, a fixed "now" for synthetic records.
pub const NOW: i64 = 1_793_700_000_000;

pub const HOME: &str = "home-1";
pub const OTHER_HOME: &str = "home-2";

fn actor(id: &str, role: Role, homes: &[&str]) -> Actor {
    Actor {
        user_id: id.to_string(),
        role,
        homes: homes.iter().map(|h| h.to_string()).collect(),
    }
}

/// "Cllr Test Member" style member assigned to `homes`.
pub fn member(id: &str, homes: &[&str]) -> Actor {
    actor(id, Role::Member, homes)
}

pub fn manager(id: &str, homes: &[&str]) -> Actor {
    actor(id, Role::Manager, homes)
}

pub fn officer() -> Actor {
    actor("officer-1", Role::Officer, &[])
}

pub fn worker(id: &str) -> Actor {
    actor(id, Role::ParticipationWorker, &[])
}

pub fn young_person(id: &str) -> Actor {
    actor(id, Role::YoungPerson, &[])
}

pub fn admin() -> Actor {
    actor("admin-1", Role::Admin, &[])
}

/// A record living in an Automerge document.
pub struct Doc {
    pub doc: AutoCommit,
}

impl Doc {
    /// A new document holding `record`.
    pub fn new(record: Record) -> Doc {
        let mut doc = AutoCommit::new();
        record
            .write_to(&mut doc)
            .expect("a fresh document accepts any record");
        Doc { doc }
    }

    /// The record as the server would read it.
    pub fn record(&mut self) -> Record {
        validate(self.doc.document()).expect("test documents are valid")
    }

    /// Applies `edit` to the record through the document; returns (before, after).
    pub fn edit(&mut self, edit: impl FnOnce(&mut Record)) -> (Record, Record) {
        let before = self.record();
        let mut next = before.clone();
        edit(&mut next);
        next.write_to(&mut self.doc).expect("write the edit");
        let after = Record::from_doc(self.doc.document()).expect("edited document reads");
        (before, after)
    }

    /// Edits as `actor` and asks the rules; the document keeps the edit either way (the server
    /// would have thrown it away, but tests do not reuse a refused document).
    pub fn change(
        &mut self,
        actor: &Actor,
        edit: impl FnOnce(&mut Record),
    ) -> Result<(), Rejection> {
        let (before, after) = self.edit(edit);
        check_change(Some(&before), &after, actor)
    }

    /// Like [`Doc::change`] but panics on refusal: for setting up later states.
    pub fn advance(&mut self, actor: &Actor, edit: impl FnOnce(&mut Record)) {
        self.change(actor, edit).expect("setup step is allowed");
    }
}

/// Mutable access to the inspection inside a record (panics on another kind: test misuse).
pub fn insp(r: &mut Record) -> &mut Inspection {
    match r {
        Record::Inspection(i) => i,
        _ => panic!("expected an inspection"),
    }
}

pub fn note(r: &mut Record) -> &mut VisitNote {
    match r {
        Record::VisitNote(v) => v,
        _ => panic!("expected a visit note"),
    }
}

pub fn cons(r: &mut Record) -> &mut Consultation {
    match r {
        Record::Consultation(c) => c,
        _ => panic!("expected a consultation"),
    }
}

pub fn resp(r: &mut Record) -> &mut ConsultationResponse {
    match r {
        Record::ConsultationResponse(c) => c,
        _ => panic!("expected a response"),
    }
}

/// A draft inspection for [`HOME`] by `creator`, with one recommendation and times filled in.
pub fn draft_inspection(creator: &str) -> Record {
    let mut i = Inspection::new(creator, HOME, NOW);
    i.time_in = "10:00".into();
    i.time_out = "11:30".into();
    i.recommendations.push(Recommendation::new(
        "rec-1",
        "Review the fire drill log",
        Priority::High,
    ));
    Record::Inspection(i)
}

/// An inspection by member `m1` for [`HOME`], taken to `state` through the allowed moves.
pub fn inspection_in(state: WorkflowState) -> Doc {
    let m1 = member("m1", &[HOME]);
    let mgr = manager("mgr1", &[HOME]);
    let mut doc = Doc::new(draft_inspection("m1"));
    let steps = [
        WorkflowState::Submitted,
        WorkflowState::SignedOff,
        WorkflowState::Responded,
        WorkflowState::Closed,
    ];
    for step in steps {
        if doc.record().state() == state {
            break;
        }
        let who = if step == WorkflowState::Responded {
            &mgr
        } else {
            &m1
        };
        doc.advance(who, |r| {
            let i = insp(r);
            i.state = step;
            if step == WorkflowState::SignedOff {
                i.sign_off = Some(SignOff {
                    by: "m1".into(),
                    at: NOW + 1,
                });
            }
        });
    }
    assert_eq!(doc.record().state(), state);
    doc
}

/// A consultation by worker `pw1` with one question of each type, in `state`.
pub fn consultation_in(state: WorkflowState) -> Doc {
    let pw = worker("pw1");
    let mut c = Consultation::new("pw1", "Food at home", NOW);
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
            options: vec!["Pizza".into(), "Curry".into(), "Pasta".into()],
            ..Question::new("q3", QuestionType::SingleChoice, "Favourite tea?")
        },
        Question {
            options: vec!["Breakfast".into(), "Lunch".into(), "Tea".into()],
            ..Question::new(
                "q4",
                QuestionType::MultipleChoice,
                "Which meals do you eat at home?",
            )
        },
        Question::new("q5", QuestionType::FreeText, "Anything else?"),
    ];
    let mut doc = Doc::new(Record::Consultation(c));
    if state != WorkflowState::Draft {
        doc.advance(&pw, |r| cons(r).state = WorkflowState::Open);
    }
    if state == WorkflowState::Closed {
        doc.advance(&pw, |r| cons(r).state = WorkflowState::Closed);
    }
    assert_eq!(doc.record().state(), state);
    doc
}

/// A response by young person `yp1` with a few answers, in `state`.
pub fn response_in(state: WorkflowState) -> Doc {
    let yp = young_person("yp1");
    let mut r = ConsultationResponse::new("yp1", "consultation-doc-1", NOW);
    r.answers = vec![Answer::scale("q1", 4), Answer::choice("q2", "notSure")];
    let mut doc = Doc::new(Record::ConsultationResponse(r));
    if state != WorkflowState::Draft {
        doc.advance(&yp, |r| {
            let r = resp(r);
            r.consent_given = true;
            r.submitted_at = Some(NOW + 60_000);
            r.state = WorkflowState::Submitted;
        });
    }
    if state == WorkflowState::Closed {
        doc.advance(&worker("pw1"), |r| resp(r).state = WorkflowState::Closed);
    }
    assert_eq!(doc.record().state(), state);
    doc
}

/// Asserts a result is a rejection with `code`.
#[track_caller]
pub fn assert_code(result: Result<(), Rejection>, code: &str) {
    match result {
        Err(r) => assert_eq!(r.code(), code, "rejected as {r}"),
        Ok(()) => panic!("expected {code}, but the change was allowed"),
    }
}
