//! What the editor shows a given person, and the state moves its buttons make: pure functions,
//! each move tested against the shared rules the server applies.
//!
//! The permission check here only decides which buttons to show; the server decides what is
//! kept (`rules::check_change`).

use hearth_shared::dates::is_time;
use hearth_shared::model::{Inspection, Record, SignOff, WorkflowState as S};
use hearth_shared::permissions::{Actor, Role, access};
use hearth_shared::rules::validate_record;

use super::form::Problem;

/// What the editor shows this person for this record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A draft they may write: the task list, the section forms, check your answers, Submit.
    Edit,
    /// A submitted record: check your answers, read-only, with the moves they may make.
    Submitted {
        /// The creator may sign it off.
        can_sign_off: bool,
        /// The creator or an assigned member may take it back to draft.
        can_withdraw: bool,
    },
    /// The home's manager after sign-off: responses and status per recommendation.
    Respond {
        /// Still `signedOff`: the "Send responses" button moves it to `responded`.
        can_send: bool,
    },
    /// Anyone else, or a record past the stage where this person writes.
    ReadOnly {
        /// The creator may close a record the manager has responded to.
        can_close: bool,
    },
}

/// Decides the editor's mode from the record's state and the person's access to it.
pub fn mode(record: &Inspection, actor: &Actor) -> Mode {
    let meta = Record::Inspection(record.clone()).meta();
    let can_write = access(actor, &meta).can_write();
    let creator = record.created_by == actor.user_id;
    match (record.state, actor.role) {
        (S::Draft, Role::Member) if can_write => Mode::Edit,
        (S::Submitted, Role::Member) if can_write => Mode::Submitted {
            can_sign_off: creator,
            can_withdraw: true,
        },
        (S::SignedOff | S::Responded, Role::Manager) if can_write => Mode::Respond {
            can_send: record.state == S::SignedOff,
        },
        (S::Responded, Role::Member) => Mode::ReadOnly {
            can_close: creator && can_write,
        },
        _ => Mode::ReadOnly { can_close: false },
    }
}

/// The record handed in for sign-off.
pub fn submitted(record: &Inspection) -> Inspection {
    Inspection {
        state: S::Submitted,
        ..record.clone()
    }
}

/// The record taken back to draft (nothing else may change in the same move).
pub fn withdrawn(record: &Inspection) -> Inspection {
    Inspection {
        state: S::Draft,
        ..record.clone()
    }
}

/// The record signed off by `actor` at `now_ms`.
pub fn signed_off(record: &Inspection, actor: &Actor, now_ms: i64) -> Inspection {
    Inspection {
        state: S::SignedOff,
        sign_off: Some(SignOff {
            by: actor.user_id.clone(),
            at: now_ms,
        }),
        ..record.clone()
    }
}

/// The manager's responses sent.
pub fn responded(record: &Inspection) -> Inspection {
    Inspection {
        state: S::Responded,
        ..record.clone()
    }
}

/// The record closed by its creator.
pub fn closed(record: &Inspection) -> Inspection {
    Inspection {
        state: S::Closed,
        ..record.clone()
    }
}

/// What stops this draft being submitted, each pointing at the field to fix.
///
/// The friendly checks come first; the shared schema check backs them up so the editor never
/// emits a submission the server would refuse.
pub fn submit_problems(record: &Inspection) -> Vec<Problem> {
    let mut problems = Vec::new();
    if !is_time(&record.time_in) {
        problems.push(Problem::new(
            "time-in",
            "Enter the time you arrived, like 10:30",
        ));
    }
    if !is_time(&record.time_out) {
        problems.push(Problem::new(
            "time-out",
            "Enter the time you left, like 12:15",
        ));
    }
    if problems.is_empty()
        && let Err(rejection) = validate_record(&Record::Inspection(submitted(record)))
    {
        problems.push(Problem::new(
            "visit-date",
            &format!(
                "The record cannot be submitted yet: {}",
                rejection.message()
            ),
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_shared::rules::check_change;

    const HOME: &str = "home-1";

    fn actor(id: &str, role: Role) -> Actor {
        Actor {
            user_id: id.to_string(),
            role,
            homes: vec![HOME.to_string()],
        }
    }

    fn creator() -> Actor {
        actor("member-1", Role::Member)
    }

    fn draft() -> Inspection {
        let mut r = Inspection::new("member-1", HOME, 1_790_000_000_000);
        r.time_in = "10:00".into();
        r.time_out = "11:45".into();
        r
    }

    fn accepted(before: &Inspection, after: &Inspection, who: &Actor) {
        let result = check_change(
            Some(&Record::Inspection(before.clone())),
            &Record::Inspection(after.clone()),
            who,
        );
        assert!(result.is_ok(), "refused: {result:?}");
    }

    #[test]
    fn the_creator_edits_a_draft_and_an_officer_only_reads_it() {
        assert_eq!(mode(&draft(), &creator()), Mode::Edit);
        assert_eq!(
            mode(&draft(), &actor("member-2", Role::Member)),
            Mode::Edit,
            "an assigned member writes too"
        );
        assert_eq!(
            mode(&draft(), &actor("officer-1", Role::Officer)),
            Mode::ReadOnly { can_close: false }
        );
    }

    #[test]
    fn submit_sign_off_respond_and_close_are_moves_the_server_accepts() {
        let draft = draft();
        let sub = submitted(&draft);
        accepted(&draft, &sub, &creator());
        assert_eq!(
            mode(&sub, &creator()),
            Mode::Submitted {
                can_sign_off: true,
                can_withdraw: true
            }
        );
        accepted(&sub, &withdrawn(&sub), &creator());

        let signed = signed_off(&sub, &creator(), 1_790_000_100_000);
        accepted(&sub, &signed, &creator());
        assert_eq!(
            signed.sign_off.as_ref().map(|s| s.by.as_str()),
            Some("member-1")
        );

        let manager = actor("manager-1", Role::Manager);
        assert_eq!(mode(&signed, &manager), Mode::Respond { can_send: true });
        assert_eq!(
            mode(&signed, &creator()),
            Mode::ReadOnly { can_close: false }
        );
        let done = responded(&signed);
        accepted(&signed, &done, &manager);
        assert_eq!(mode(&done, &manager), Mode::Respond { can_send: false });

        assert_eq!(mode(&done, &creator()), Mode::ReadOnly { can_close: true });
        accepted(&done, &closed(&done), &creator());
    }

    #[test]
    fn only_the_creator_may_sign_off() {
        let sub = submitted(&draft());
        assert_eq!(
            mode(&sub, &actor("member-2", Role::Member)),
            Mode::Submitted {
                can_sign_off: false,
                can_withdraw: true
            }
        );
    }

    #[test]
    fn a_manager_of_another_home_only_reads() {
        let signed = signed_off(&submitted(&draft()), &creator(), 1_790_000_100_000);
        let other = Actor {
            homes: vec!["home-2".into()],
            ..actor("manager-2", Role::Manager)
        };
        assert_eq!(mode(&signed, &other), Mode::ReadOnly { can_close: false });
    }

    #[test]
    fn a_draft_without_times_cannot_be_submitted() {
        let mut r = draft();
        r.time_out.clear();
        let problems = submit_problems(&r);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].target, "time-out");
        assert!(submit_problems(&draft()).is_empty());
    }
}
