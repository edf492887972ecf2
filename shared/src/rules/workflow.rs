//! Who may change what, and which state moves each kind allows.
//!
//! The server hands [`check_change`] the record as it was before an incoming change (or `None`
//! for a new document), as it would be after, and the author. Comparing typed records, not
//! Automerge ops, keeps the rules readable and makes them hold however a client wrote the change.
//!
//! State moves per kind (anything else is `invalid_transition`):
//!
//! - visit note: draft → closed (the author).
//! - inspection: draft → submitted (assigned members or the creator); submitted → draft
//!   (withdraw, same people); submitted → signedOff (the creator, setting `signOff` to
//!   themselves); signedOff → responded (the home's manager); responded → closed (the creator).
//! - consultation: draft → open, open → draft, open → closed (participation workers); a closed
//!   consultation never reopens.
//! - response: draft → submitted (its author); submitted → closed (participation workers).
//!
//! Content: drafts are edited by their editors; a submitted inspection, an open consultation and
//! a submitted response accept no content edits (`record_locked`), except that a participation
//! worker writes a response's `followUp`; after sign-off only the home's manager writes, and only
//! `recommendations[].managerResponse` and `recommendations[].status`. Closed is final, except
//! that on an open or closed consultation participation workers keep writing what reports on it
//! (`youSaidWeDid`, `roundLabel`, `questions[].pledge`, `questions[].comparison`): none of these
//! changes what young people are asked or how their answers are read.

use super::{Rejection, schema::validate_record};
use crate::model::{
    Consultation, ConsultationResponse, Inspection, QuestionType, Record, RecordKind, VisitNote,
    WorkflowState as S,
};
use crate::permissions::{Actor, Role, assigned, may_create, relation};

/// Decides whether `actor` may turn `before` into `after` (`before` = `None`: a creation).
///
/// `after` is validated again here, so a caller cannot forget to.
pub fn check_change(
    before: Option<&Record>,
    after: &Record,
    actor: &Actor,
) -> Result<(), Rejection> {
    validate_record(after)?;
    match before {
        None => check_creation(after, actor),
        Some(before) => check_update(before, after, actor),
    }
}

/// The top-level collaborative texts of `record` that `actor` may rewrite freely in its
/// current state: any content within the schema's text limit passes [`check_change`] there,
/// and none of them feeds [`Record::meta`] or the reporting facts the store keeps. The server
/// uses this to commit typing into them without reading the whole record again per keystroke
/// (`sync::typing`); an empty list means every change goes through [`check_change`].
///
/// Kept narrow on purpose: drafts only, edited by the people [`check_update`] lets edit them.
pub fn freely_edited_texts(record: &Record, actor: &Actor) -> &'static [&'static str] {
    if !relation(actor, &record.meta()).can_write() {
        return &[];
    }
    match record {
        // Only its author reaches a visit note (see `relation`); a draft takes any content.
        Record::VisitNote(note) if note.state == S::Draft => &["body"],
        Record::Inspection(inspection) if inspection.state == S::Draft => {
            let meta = record.meta();
            let member = actor.role == Role::Member;
            let editor =
                member && (inspection.created_by == actor.user_id || assigned(actor, &meta));
            if editor {
                &["premises", "childrenViews"]
            } else {
                &[]
            }
        }
        _ => &[],
    }
}

fn check_creation(after: &Record, actor: &Actor) -> Result<(), Rejection> {
    if after.created_by() != actor.user_id {
        return Err(forged("createdBy: must be the user creating the record"));
    }
    if !may_create(actor, &after.meta()) {
        return Err(forbidden("you may not create this record"));
    }
    let initial: &[S] = match after {
        // A tablet may go straight from empty to submitted while offline.
        Record::ConsultationResponse(_) => &[S::Draft, S::Submitted],
        _ => &[S::Draft],
    };
    if !initial.contains(&after.state()) {
        return Err(transition("a new record must start as a draft"));
    }
    if let Record::ConsultationResponse(r) = after
        && r.follow_up.is_some()
    {
        return Err(forbidden("only a participation worker records a follow-up"));
    }
    Ok(())
}

fn check_update(before: &Record, after: &Record, actor: &Actor) -> Result<(), Rejection> {
    if before.kind() != after.kind() {
        return Err(invalid("kind: cannot change"));
    }
    if before.created_by() != after.created_by() {
        return Err(forged("createdBy: cannot change"));
    }
    if before.created_at() != after.created_at() {
        return Err(invalid("createdAt: cannot change"));
    }
    if before.home_id() != after.home_id() {
        return Err(invalid("homeId: cannot change"));
    }
    if let (Record::ConsultationResponse(b), Record::ConsultationResponse(a)) = (before, after)
        && b.consultation_id != a.consultation_id
    {
        return Err(invalid("consultationId: cannot change"));
    }

    // "Not yours" before "locked": someone with no claim on the record learns nothing of its state.
    if !relation(actor, &before.meta()).can_write() {
        return Err(forbidden("you may not change this record"));
    }
    if before == after {
        return Ok(());
    }
    // A closed consultation still takes the participation worker's reporting fields; the
    // consultation rules below decide.
    if before.state() == S::Closed && before.kind() != RecordKind::Consultation {
        return Err(locked("a closed record cannot change"));
    }
    match (before, after) {
        (Record::VisitNote(b), Record::VisitNote(a)) => visit_note(b, a),
        (Record::Inspection(b), Record::Inspection(a)) => inspection(actor, b, a),
        (Record::Consultation(b), Record::Consultation(a)) => consultation(b, a),
        (Record::ConsultationResponse(b), Record::ConsultationResponse(a)) => response(actor, b, a),
        _ => Err(invalid("kind: cannot change")),
    }
}

/// Only the author reaches here (see `relation`): they edit a draft and may close it.
fn visit_note(b: &VisitNote, a: &VisitNote) -> Result<(), Rejection> {
    match (b.state, a.state) {
        (S::Draft, S::Draft | S::Closed) => Ok(()),
        _ => Err(transition("a visit note moves only from draft to closed")),
    }
}

fn inspection(actor: &Actor, b: &Inspection, a: &Inspection) -> Result<(), Rejection> {
    let meta = Record::Inspection(b.clone()).meta();
    let member = actor.role == Role::Member;
    let creator = member && b.created_by == actor.user_id;
    let editor = member && (creator || assigned(actor, &meta));
    let manager = actor.role == Role::Manager && assigned(actor, &meta);

    match (b.state, a.state) {
        (S::Draft, S::Draft | S::Submitted) => {
            if !editor {
                return Err(forbidden("only the home's members edit a draft inspection"));
            }
            Ok(())
        }
        (S::Submitted, S::Submitted) => Err(locked(
            "a submitted inspection cannot be edited; withdraw it to draft first",
        )),
        (S::Submitted, S::Draft) => {
            if !editor {
                return Err(forbidden("only the home's members withdraw an inspection"));
            }
            same_except(b, a, |m, _| m.state = b.state)
                .ok_or_else(|| locked("withdrawing changes only the state"))
        }
        (S::Submitted, S::SignedOff) => {
            if !creator {
                return Err(forbidden("only the inspection's creator signs it off"));
            }
            if a.sign_off.as_ref().is_none_or(|s| s.by != actor.user_id) {
                return Err(forged("signOff.by: must be the member signing off"));
            }
            same_except(b, a, |m, b| {
                m.state = b.state;
                m.sign_off = b.sign_off.clone();
            })
            .ok_or_else(|| locked("signing off changes only the state and signOff"))
        }
        (S::SignedOff, S::SignedOff | S::Responded) | (S::Responded, S::Responded) => {
            if !manager {
                return Err(if a.state == b.state {
                    locked("a signed-off inspection's content cannot change")
                } else {
                    forbidden("only the home's manager marks an inspection responded")
                });
            }
            same_except(b, a, |m, b| {
                m.state = b.state;
                // The manager's two fields, matched by id; any other difference remains.
                for (mine, theirs) in m.recommendations.iter_mut().zip(&b.recommendations) {
                    if mine.id == theirs.id {
                        mine.manager_response = theirs.manager_response.clone();
                        mine.status = theirs.status;
                    }
                }
            })
            .ok_or_else(|| {
                locked("after sign-off only recommendation responses and statuses may change")
            })
        }
        (S::Responded, S::Closed) => {
            if !creator {
                return Err(forbidden("only the inspection's creator closes it"));
            }
            same_except(b, a, |m, _| m.state = b.state)
                .ok_or_else(|| locked("closing changes only the state"))
        }
        _ => Err(transition("not a move an inspection can make")),
    }
}

/// Only participation workers reach here (see `relation`).
fn consultation(b: &Consultation, a: &Consultation) -> Result<(), Rejection> {
    match (b.state, a.state) {
        (S::Draft, S::Draft | S::Open) => Ok(()),
        // Responses refer to the questions: they are fixed while the consultation is live. What
        // reports on it (round label, promises, comparisons, "You said, we did") is not.
        (S::Open, S::Open) | (S::Closed, S::Closed) => same_except(b, a, restore_reporting)
            .ok_or_else(|| {
                locked(if b.state == S::Open {
                    "an open consultation cannot be edited, except its round label, promises, \
                     comparisons and \"You said, we did\"; move it back to draft first"
                } else {
                    "a closed consultation cannot be edited, except its round label, promises, \
                     comparisons and \"You said, we did\""
                })
            }),
        (S::Open, S::Draft | S::Closed) => same_except(b, a, |m, b| {
            m.state = b.state;
            restore_reporting(m, b);
        })
        .ok_or_else(|| locked("opening or closing changes only the state")),
        (S::Closed, _) => Err(locked("a closed consultation cannot reopen")),
        _ => Err(transition("not a move a consultation can make")),
    }
}

/// Copies back from `b` the fields a participation worker may change on a live or closed
/// consultation, so that any remaining difference is one they may not make. Questions are
/// matched by position and id: a question added, removed or moved stays a difference.
fn restore_reporting(m: &mut Consultation, b: &Consultation) {
    m.you_said_we_did = b.you_said_we_did.clone();
    m.round_label = b.round_label.clone();
    for (mine, theirs) in m.questions.iter_mut().zip(&b.questions) {
        if mine.id == theirs.id {
            mine.pledge = theirs.pledge.clone();
            mine.comparison = theirs.comparison.clone();
        }
    }
}

/// Only the author (a young person) or participation workers reach here (see `relation`).
fn response(
    actor: &Actor,
    b: &ConsultationResponse,
    a: &ConsultationResponse,
) -> Result<(), Rejection> {
    match (b.state, a.state) {
        (S::Draft, S::Draft | S::Submitted) => {
            if actor.role != Role::YoungPerson {
                return Err(forbidden("only its author edits a draft response"));
            }
            if a.follow_up != b.follow_up {
                return Err(forbidden("only a participation worker records a follow-up"));
            }
            Ok(())
        }
        (S::Submitted, S::Submitted | S::Closed) => {
            if actor.role != Role::ParticipationWorker {
                return Err(forbidden("a submitted response is no longer its author's"));
            }
            same_except(b, a, |m, b| {
                m.state = b.state;
                m.follow_up = b.follow_up.clone();
            })
            .ok_or_else(|| locked("a participation worker may change only followUp"))?;
            if a.follow_up != b.follow_up
                && let Some(f) = &a.follow_up
                && f.by != actor.user_id
            {
                return Err(forged(
                    "followUp.by: must be the participation worker writing it",
                ));
            }
            Ok(())
        }
        _ => Err(transition("not a move a response can make")),
    }
}

/// Checks a response against the consultation it answers, for a change by its young author
/// (`before` is `None` or a draft): the consultation must be open (`consultation_closed`) and
/// each answer must fit its question. Later changes (a worker's follow-up) are not affected
/// by the consultation closing.
///
/// Separate from [`check_change`] because it needs a second document; the server loads the
/// consultation named by `consultationId`.
pub fn check_response_fits(
    before: Option<&ConsultationResponse>,
    after: &ConsultationResponse,
    consultation: &Consultation,
) -> Result<(), Rejection> {
    if before.is_some_and(|b| b.state != S::Draft) {
        return Ok(());
    }
    if consultation.state != S::Open {
        return Err(Rejection::ConsultationClosed(
            "this consultation is not taking answers".to_string(),
        ));
    }
    for answer in &after.answers {
        let question = consultation
            .question(&answer.question_id)
            .ok_or_else(|| invalid("answers[].questionId: not a question of this consultation"))?;
        if answer.values_set() == 0 {
            continue; // skipped
        }
        let options = &question.options;
        let fits = match question.question_type {
            QuestionType::EmojiScale => answer.scale.is_some(),
            QuestionType::YesNoNotSure => answer
                .choice
                .as_deref()
                .is_some_and(|c| matches!(c, "yes" | "no" | "notSure")),
            QuestionType::SingleChoice => {
                answer.choice.as_ref().is_some_and(|c| options.contains(c))
            }
            QuestionType::MultipleChoice => answer.choices.as_ref().is_some_and(|cs| {
                cs.iter().all(|c| options.contains(c))
                    && cs.iter().enumerate().all(|(i, c)| !cs[..i].contains(c))
            }),
            QuestionType::FreeText => answer.text.is_some(),
        };
        if !fits {
            return Err(invalid(
                "answers[]: the value does not fit the question's type",
            ));
        }
    }
    Ok(())
}

/// `Some(())` if `after`, with the fields `restore` copies back from `before`, equals `before`:
/// i.e. nothing but those fields changed.
fn same_except<T: Clone + PartialEq>(
    before: &T,
    after: &T,
    restore: impl FnOnce(&mut T, &T),
) -> Option<()> {
    let mut masked = after.clone();
    restore(&mut masked, before);
    (masked == *before).then_some(())
}

fn invalid(message: &str) -> Rejection {
    Rejection::InvalidRecord(message.to_string())
}

fn forbidden(message: &str) -> Rejection {
    Rejection::Forbidden(message.to_string())
}

fn locked(message: &str) -> Rejection {
    Rejection::RecordLocked(message.to_string())
}

fn transition(message: &str) -> Rejection {
    Rejection::InvalidTransition(message.to_string())
}

fn forged(message: &str) -> Rejection {
    Rejection::ForgedAuthor(message.to_string())
}
