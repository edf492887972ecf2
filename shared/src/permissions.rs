//! Who may read and write which record: the table in the README, as one pure function.
//!
//! The server calls [`access`] on every `request`, `sync` and `ephemeral` message; the client
//! uses the same function only to hide buttons, never as a safeguard.
//!
//! Access answers "may this person read, or send changes to, this document at all". *Which*
//! changes they may send (fields, state moves) is [`crate::rules::check_change`].
//!
//! | role | visit note | inspection | consultation | response |
//! |---|---|---|---|---|
//! | member | own: read/write | assigned home or own: read/write | read when open | none |
//! | manager | none | own home: read once submitted, write when signedOff/responded | none | none |
//! | officer | read | read | read | read |
//! | participationWorker | none | none | read/write (closed too) | read; write when submitted |
//! | youngPerson | none | none | read when open | own draft: write-only |
//! | admin | none | none | none | none |
//!
//! A closed record is read-only for everyone who could read it, with one exception: a
//! participation worker still writes a closed consultation's reporting fields ("You said, we
//! did", round label, promises, comparisons), which is what a closed round is reported with.
//! [`crate::rules::check_change`] refuses anything else on it.

use serde::{Deserialize, Serialize};

use crate::ids::DocumentId;
use crate::model::{DocMeta, RecordKind, WorkflowState};

/// A user's role. One role per account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Role {
    /// An elected member (councillor) on the Corporate Parenting Panel.
    Member,
    /// A children's home manager.
    Manager,
    /// A service manager or other officer who reads everything.
    Officer,
    /// A participation worker who runs consultations.
    ParticipationWorker,
    /// A young person's kiosk account on a shared tablet.
    YoungPerson,
    /// Runs the server: users, homes, devices; never record content.
    Admin,
}

impl Role {
    /// The role's name as stored and shown in the API (`"member"`, `"participationWorker"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Manager => "manager",
            Role::Officer => "officer",
            Role::ParticipationWorker => "participationWorker",
            Role::YoungPerson => "youngPerson",
            Role::Admin => "admin",
        }
    }

    /// The role named by `s` (the forms `as_str` gives, plus `participation-worker`/`young-person`).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "member" => Role::Member,
            "manager" => Role::Manager,
            "officer" => Role::Officer,
            "participationWorker" | "participation-worker" | "participation_worker" => {
                Role::ParticipationWorker
            }
            "youngPerson" | "young-person" | "young_person" => Role::YoungPerson,
            "admin" => Role::Admin,
            _ => return None,
        })
    }
}

/// The signed-in user as the rules see them: id, role and the homes they are assigned to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    /// The user's stable id (the value written to `createdBy`).
    pub user_id: String,
    /// The user's role.
    pub role: Role,
    /// Home ids this user is assigned to (members and managers).
    pub homes: Vec<String>,
}

/// What a user may do with one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Nothing: the document is not even acknowledged to exist.
    None,
    /// Read it, send no changes.
    Read,
    /// Read it and send changes (which [`crate::rules::check_change`] then judges).
    ReadWrite,
    /// Send changes but never receive the document: a young person's response on a shared
    /// tablet, so the next young person cannot read the last one's answers.
    WriteOnly,
}

impl Access {
    /// Whether the server may send this document to the user.
    pub fn can_read(self) -> bool {
        matches!(self, Access::Read | Access::ReadWrite)
    }

    /// Whether the server may accept changes to this document from the user.
    pub fn can_write(self) -> bool {
        matches!(self, Access::ReadWrite | Access::WriteOnly)
    }
}

/// What `actor` may do with an existing document described by `meta`, given its current state.
pub fn access(actor: &Actor, meta: &DocMeta) -> Access {
    use WorkflowState as S;
    let base = relation(actor, meta);
    if base == Access::None {
        return Access::None;
    }
    let state = meta.state;
    let by_state = match (meta.kind, actor.role) {
        (RecordKind::Inspection, Role::Manager) => match state {
            // A draft is the members' working copy; the manager sees it once handed in.
            S::Draft => Access::None,
            S::Submitted => Access::Read,
            _ => Access::ReadWrite,
        },
        (RecordKind::Consultation, Role::Member | Role::YoungPerson) => {
            if state == S::Open {
                Access::Read
            } else {
                Access::None
            }
        }
        (RecordKind::ConsultationResponse, Role::YoungPerson) => {
            if state == S::Draft {
                Access::WriteOnly
            } else {
                Access::None
            }
        }
        (RecordKind::ConsultationResponse, Role::ParticipationWorker) => {
            // Follow-up is recorded on submitted responses; a draft is still being written.
            if state == S::Submitted {
                Access::ReadWrite
            } else {
                Access::Read
            }
        }
        _ => base,
    };
    // Closed is final: whoever could read it still can, nobody writes; except a participation
    // worker on a consultation, whose change the rules limit to its reporting fields.
    match (state, by_state) {
        (S::Closed, Access::ReadWrite)
            if (meta.kind, actor.role) == (RecordKind::Consultation, Role::ParticipationWorker) =>
        {
            Access::ReadWrite
        }
        (S::Closed, Access::ReadWrite) => Access::Read,
        (S::Closed, Access::WriteOnly) => Access::None,
        (_, access) => access,
    }
}

/// Whether `actor` may create a document the server has never seen, described by `meta`.
///
/// Only ever for themselves: `createdBy` must be the actor (a creation in someone else's name
/// is a forgery, not a permission question, and `check_change` reports it as such).
pub fn may_create(actor: &Actor, meta: &DocMeta) -> bool {
    if meta.created_by != actor.user_id {
        return false;
    }
    match meta.kind {
        RecordKind::VisitNote => actor.role == Role::Member,
        RecordKind::Inspection => actor.role == Role::Member && assigned(actor, meta),
        RecordKind::Consultation => actor.role == Role::ParticipationWorker,
        RecordKind::ConsultationResponse => actor.role == Role::YoungPerson,
    }
}

/// The most `actor` could ever do with this document, whatever its workflow state: who they
/// are to it (author, assigned member, the home's manager, a reader by role).
///
/// [`crate::rules::check_change`] uses this to tell "not yours" (forbidden) from "yours, but
/// locked in this state" (record_locked).
pub(crate) fn relation(actor: &Actor, meta: &DocMeta) -> Access {
    let own = meta.created_by == actor.user_id;
    match (meta.kind, actor.role) {
        (_, Role::Officer) => Access::Read,
        (_, Role::Admin) => Access::None,
        (RecordKind::VisitNote, Role::Member) if own => Access::ReadWrite,
        (RecordKind::Inspection, Role::Member) if own || assigned(actor, meta) => Access::ReadWrite,
        (RecordKind::Inspection, Role::Manager) if assigned(actor, meta) => Access::ReadWrite,
        (RecordKind::Consultation, Role::ParticipationWorker) => Access::ReadWrite,
        (RecordKind::Consultation, Role::Member | Role::YoungPerson) => Access::Read,
        (RecordKind::ConsultationResponse, Role::ParticipationWorker) => Access::ReadWrite,
        (RecordKind::ConsultationResponse, Role::YoungPerson) if own => Access::WriteOnly,
        _ => Access::None,
    }
}

/// Whether `viewer` may see `person`'s display name (`GET /api/people`), so records show who
/// visited or signed off rather than an id. Members and managers see the members and managers
/// of their own homes (the people on those homes' records); officers and participation workers
/// see every member and manager; young people and admins see none. A young person's account
/// name is never shown to anyone, and neither is an officer's, worker's or admin's: records do
/// not name them.
pub fn sees_name_of(viewer: &Actor, person: &Actor) -> bool {
    if !matches!(person.role, Role::Member | Role::Manager) {
        return false;
    }
    match viewer.role {
        Role::Member | Role::Manager => {
            viewer.user_id == person.user_id
                || viewer.homes.iter().any(|h| person.homes.contains(h))
        }
        Role::Officer | Role::ParticipationWorker => true,
        Role::YoungPerson | Role::Admin => false,
    }
}

/// Whether document `id` (described by `meta`) lies within a kiosk's binding to the
/// consultation `bound` (an id or `automerge:` URL): the consultation itself and responses to it.
///
/// A tablet set up for one consultation signs in as a young-person account bound to it
/// (`users.kioskConsultationId`); it must not see or answer any other consultation.
pub fn within_kiosk_binding(bound: &str, id: DocumentId, meta: &DocMeta) -> bool {
    let Ok(bound) = DocumentId::from_url(bound) else {
        return false;
    };
    match meta.kind {
        RecordKind::Consultation => id == bound,
        RecordKind::ConsultationResponse => {
            meta.consultation_id
                .as_deref()
                .and_then(|c| DocumentId::from_url(c).ok())
                == Some(bound)
        }
        RecordKind::VisitNote | RecordKind::Inspection => false,
    }
}

/// [`access`] narrowed by a kiosk binding: an account bound to a consultation (`bound` is
/// `Some`) keeps only what it could do within that consultation; unbound accounts are unchanged.
pub fn kiosk_access(bound: Option<&str>, id: DocumentId, meta: &DocMeta, access: Access) -> Access {
    match bound {
        Some(bound) if !within_kiosk_binding(bound, id, meta) => Access::None,
        _ => access,
    }
}

/// Whether the record's home is one of the actor's assigned homes.
pub(crate) fn assigned(actor: &Actor, meta: &DocMeta) -> bool {
    meta.home_id
        .as_ref()
        .is_some_and(|home| actor.homes.iter().any(|h| h == home))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Consultation, ConsultationResponse, Record, VisitNote};
    use crate::rules::test_support::*;

    fn with_state(record: Record, state: WorkflowState) -> DocMeta {
        DocMeta {
            state,
            ..record.meta()
        }
    }

    const ALL_STATES: [WorkflowState; 6] = [
        WorkflowState::Draft,
        WorkflowState::Submitted,
        WorkflowState::SignedOff,
        WorkflowState::Responded,
        WorkflowState::Closed,
        WorkflowState::Open,
    ];

    fn note_meta(author: &str) -> DocMeta {
        Record::VisitNote(VisitNote::new(author, HOME, NOW)).meta()
    }

    fn inspection_meta(state: WorkflowState) -> DocMeta {
        with_state(draft_inspection("m1"), state)
    }

    fn consultation_meta(state: WorkflowState) -> DocMeta {
        with_state(
            Record::Consultation(Consultation::new("pw1", "Food at home", NOW)),
            state,
        )
    }

    fn response_meta(author: &str, state: WorkflowState) -> DocMeta {
        with_state(
            Record::ConsultationResponse(ConsultationResponse::new(author, "doc-1", NOW)),
            state,
        )
    }

    #[test]
    fn young_person_never_reads_a_response() {
        let yp = young_person("yp1");
        for state in ALL_STATES {
            for author in ["yp1", "yp2"] {
                assert!(!access(&yp, &response_meta(author, state)).can_read());
            }
        }
        assert_eq!(
            access(&yp, &response_meta("yp1", WorkflowState::Draft)),
            Access::WriteOnly
        );
        assert_eq!(
            access(&yp, &response_meta("yp1", WorkflowState::Submitted)),
            Access::None
        );
        assert_eq!(
            access(&yp, &response_meta("yp2", WorkflowState::Draft)),
            Access::None
        );
    }

    #[test]
    fn member_reads_only_own_visit_notes() {
        let m1 = member("m1", &[HOME]);
        assert_eq!(access(&m1, &note_meta("m1")), Access::ReadWrite);
        assert_eq!(access(&m1, &note_meta("m2")), Access::None);
    }

    #[test]
    fn member_reads_inspections_of_assigned_homes_only() {
        let meta = inspection_meta(WorkflowState::Draft);
        assert_eq!(access(&member("m2", &[HOME]), &meta), Access::ReadWrite);
        assert_eq!(access(&member("m2", &[OTHER_HOME]), &meta), Access::None);
        // The creator keeps access after being moved to another home.
        assert_eq!(
            access(&member("m1", &[OTHER_HOME]), &meta),
            Access::ReadWrite
        );
    }

    #[test]
    fn manager_reads_inspection_only_after_submission() {
        let mgr = manager("mgr1", &[HOME]);
        let expected = [
            (WorkflowState::Draft, Access::None),
            (WorkflowState::Submitted, Access::Read),
            (WorkflowState::SignedOff, Access::ReadWrite),
            (WorkflowState::Responded, Access::ReadWrite),
            (WorkflowState::Closed, Access::Read),
        ];
        for (state, want) in expected {
            assert_eq!(access(&mgr, &inspection_meta(state)), want, "{state:?}");
        }
    }

    #[test]
    fn manager_of_another_home_sees_nothing() {
        let mgr = manager("mgr2", &[OTHER_HOME]);
        for state in ALL_STATES {
            assert_eq!(access(&mgr, &inspection_meta(state)), Access::None);
        }
        assert_eq!(access(&mgr, &note_meta("m1")), Access::None);
    }

    #[test]
    fn officer_reads_everything_and_writes_nothing() {
        let o = officer();
        for state in ALL_STATES {
            for meta in [
                note_meta("m1"),
                inspection_meta(state),
                consultation_meta(state),
                response_meta("yp1", state),
            ] {
                assert_eq!(access(&o, &meta), Access::Read);
                assert!(!may_create(
                    &o,
                    &DocMeta {
                        created_by: o.user_id.clone(),
                        ..meta
                    }
                ));
            }
        }
    }

    #[test]
    fn consultation_is_visible_to_members_and_young_people_only_while_open() {
        for actor in [member("m1", &[HOME]), young_person("yp1")] {
            for state in [WorkflowState::Draft, WorkflowState::Closed] {
                assert_eq!(access(&actor, &consultation_meta(state)), Access::None);
            }
            assert_eq!(
                access(&actor, &consultation_meta(WorkflowState::Open)),
                Access::Read
            );
        }
        assert_eq!(
            access(
                &manager("mgr1", &[HOME]),
                &consultation_meta(WorkflowState::Open)
            ),
            Access::None
        );
    }

    #[test]
    fn participation_worker_writes_follow_up_only_on_submitted_responses() {
        let pw = worker("pw2");
        assert_eq!(
            access(&pw, &response_meta("yp1", WorkflowState::Draft)),
            Access::Read
        );
        assert_eq!(
            access(&pw, &response_meta("yp1", WorkflowState::Submitted)),
            Access::ReadWrite
        );
        assert_eq!(
            access(&pw, &consultation_meta(WorkflowState::Draft)),
            Access::ReadWrite
        );
        assert_eq!(access(&pw, &note_meta("m1")), Access::None);
        assert_eq!(
            access(&pw, &inspection_meta(WorkflowState::Closed)),
            Access::None
        );
    }

    #[test]
    fn admin_has_no_access_to_records() {
        let a = admin();
        for state in ALL_STATES {
            for meta in [
                note_meta("admin-1"),
                inspection_meta(state),
                consultation_meta(state),
                response_meta("admin-1", state),
            ] {
                assert_eq!(access(&a, &meta), Access::None);
                assert!(!may_create(
                    &a,
                    &DocMeta {
                        created_by: a.user_id.clone(),
                        ..meta
                    }
                ));
            }
        }
    }

    #[test]
    fn closed_records_are_read_only() {
        let closed = WorkflowState::Closed;
        assert_eq!(
            access(&member("m1", &[HOME]), &inspection_meta(closed)),
            Access::Read
        );
        assert_eq!(
            access(&worker("pw1"), &response_meta("yp1", closed)),
            Access::Read
        );
        assert_eq!(
            access(
                &member("m1", &[]),
                &with_state(Record::VisitNote(VisitNote::new("m1", HOME, NOW)), closed)
            ),
            Access::Read
        );
    }

    #[test]
    fn creation_is_by_role_and_only_in_ones_own_name() {
        let m1 = member("m1", &[HOME]);
        assert!(may_create(&m1, &note_meta("m1")));
        assert!(!may_create(&m1, &note_meta("m2")));
        assert!(may_create(&m1, &inspection_meta(WorkflowState::Draft)));
        assert!(!may_create(
            &member("m1", &[OTHER_HOME]),
            &inspection_meta(WorkflowState::Draft)
        ));
        assert!(may_create(
            &worker("pw1"),
            &consultation_meta(WorkflowState::Draft)
        ));
        assert!(!may_create(
            &m1,
            &DocMeta {
                created_by: "m1".into(),
                ..consultation_meta(WorkflowState::Draft)
            }
        ));
        assert!(may_create(
            &young_person("yp1"),
            &response_meta("yp1", WorkflowState::Draft)
        ));
        assert!(!may_create(
            &worker("yp1"),
            &response_meta("yp1", WorkflowState::Draft)
        ));
    }

    #[test]
    fn participation_worker_still_writes_a_closed_consultation_and_others_only_read_it() {
        let closed = consultation_meta(WorkflowState::Closed);
        assert_eq!(access(&worker("pw2"), &closed), Access::ReadWrite);
        assert_eq!(access(&officer(), &closed), Access::Read);
        for actor in [member("m1", &[HOME]), young_person("yp1"), admin()] {
            assert_eq!(access(&actor, &closed), Access::None);
        }
    }

    #[test]
    fn access_flags_mean_what_they_say() {
        assert!(Access::Read.can_read() && !Access::Read.can_write());
        assert!(Access::ReadWrite.can_read() && Access::ReadWrite.can_write());
        assert!(!Access::WriteOnly.can_read() && Access::WriteOnly.can_write());
        assert!(!Access::None.can_read() && !Access::None.can_write());
    }

    #[test]
    fn kiosk_binding_keeps_one_consultation_and_its_responses() {
        let bound = DocumentId::random();
        let other = DocumentId::random();
        let yp = young_person("yp1");
        let consultation = consultation_meta(WorkflowState::Open);
        let open = access(&yp, &consultation);
        assert_eq!(open, Access::Read);
        let bound_url = bound.to_url();
        assert_eq!(
            kiosk_access(Some(&bound_url), bound, &consultation, open),
            Access::Read
        );
        assert_eq!(
            kiosk_access(Some(&bound.to_string()), other, &consultation, open),
            Access::None
        );
        assert_eq!(kiosk_access(None, other, &consultation, open), Access::Read);

        let response_to = |c: &str| DocMeta {
            consultation_id: Some(c.to_string()),
            ..response_meta("yp1", WorkflowState::Draft)
        };
        let own = Access::WriteOnly;
        let response = DocumentId::random();
        assert_eq!(
            kiosk_access(Some(&bound_url), response, &response_to(&bound_url), own),
            Access::WriteOnly
        );
        assert_eq!(
            kiosk_access(
                Some(&bound_url),
                response,
                &response_to(&bound.to_string()),
                own
            ),
            Access::WriteOnly,
            "a bare id and a URL name the same consultation"
        );
        assert_eq!(
            kiosk_access(
                Some(&bound_url),
                response,
                &response_to(&other.to_url()),
                own
            ),
            Access::None
        );
        assert!(!within_kiosk_binding(&bound_url, bound, &note_meta("yp1")));
        assert!(!within_kiosk_binding("not an id", bound, &consultation));
    }

    #[test]
    fn names_are_seen_within_a_home_and_by_officers_only() {
        let person = |id: &str, role, homes: &[&str]| Actor {
            user_id: id.into(),
            role,
            homes: homes.iter().map(|h| h.to_string()).collect(),
        };
        let member_a = person("m-a", Role::Member, &["home-a"]);
        let member_b = person("m-b", Role::Member, &["home-b"]);
        let manager_a = person("k-a", Role::Manager, &["home-a"]);
        let unassigned = person("m-0", Role::Member, &[]);
        let officer = person("o", Role::Officer, &[]);
        let worker = person("w", Role::ParticipationWorker, &[]);
        let young = person("y", Role::YoungPerson, &[]);
        let admin = person("a", Role::Admin, &[]);

        assert!(sees_name_of(&member_a, &manager_a));
        assert!(sees_name_of(&manager_a, &member_a));
        assert!(sees_name_of(&unassigned, &unassigned));
        assert!(!sees_name_of(&member_a, &member_b));
        assert!(!sees_name_of(&unassigned, &member_a));
        assert!(sees_name_of(&officer, &member_b));
        assert!(sees_name_of(&worker, &manager_a));
        for viewer in [&young, &admin] {
            assert!(!sees_name_of(viewer, &member_a));
        }
        for hidden in [&young, &officer, &worker, &admin] {
            assert!(!sees_name_of(&officer, hidden));
            assert!(!sees_name_of(&member_a, hidden));
        }
    }
}
