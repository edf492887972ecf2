//! Who may have which report, export or overview, and the checks on what a request sends:
//! pure functions, so every refusal is a unit test without a server (the routes are in
//! `reports`, `exports` and `overview`).
//!
//! The order of the checks is part of the rule: the role first (403 `forbidden`, whatever the id,
//! so it says nothing about any document), then the document with exactly the sync path's
//! access (an unknown id and one the reader may not read give the same 404 `not_found`), then
//! the record's state (409 `not_signed_off`).

use crate::error::ApiError;
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{DocMeta, RecordKind, WorkflowState};
use hearth_shared::permissions::{self, Actor, Role};
use hearth_shared::reporting::{Day, RecordFacts};

/// What is being asked for, for the role check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asked {
    /// The officers' overview (`/api/overview`).
    Overview,
    /// A Regulation 33 report (HTML or PDF) or its distribution list.
    InspectionReport,
    /// Recording that a report was sent.
    RecordDistribution,
    /// The Corporate Parenting Panel summary of a consultation series.
    PanelSummary,
    /// The consented responses of a consultation as a table.
    ResponsesExport,
    /// Every recommendation of signed-off records as a table.
    RecommendationsExport,
}

/// Whether `role` may ask for `asked` at all, before any document is looked at.
///
/// Reports follow the records: whoever may read an inspection record may have its report
/// (young people and administrators never read one). Consultation results are for the roles
/// that read responses; recommendations for officers and the homes' managers.
pub fn role_may(role: Role, asked: Asked) -> bool {
    use Role as R;
    match asked {
        Asked::Overview => matches!(role, R::Officer | R::Manager | R::ParticipationWorker),
        Asked::InspectionReport => !matches!(role, R::YoungPerson | R::Admin),
        Asked::RecordDistribution => role == R::Officer,
        Asked::PanelSummary | Asked::ResponsesExport => {
            matches!(role, R::Officer | R::ParticipationWorker)
        }
        Asked::RecommendationsExport => matches!(role, R::Officer | R::Manager),
    }
}

/// [`role_may`] as the API's answer.
pub fn check_role(role: Role, asked: Asked) -> Result<(), ApiError> {
    if role_may(role, asked) {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

/// Whether the reader may read document `id` described by `meta`: exactly the sync path's
/// decision ([`permissions::access`] narrowed by a kiosk binding).
pub fn can_read(actor: &Actor, kiosk: Option<&str>, id: DocumentId, meta: &DocMeta) -> bool {
    let access = permissions::access(actor, meta);
    permissions::kiosk_access(kiosk, id, meta, access).can_read()
}

/// The document a report is of, if the reader may read it and it is of `kind`; otherwise the
/// one `not_found` an unknown id also gets, so a forbidden document cannot be told apart.
pub fn readable<'m>(
    actor: &Actor,
    kiosk: Option<&str>,
    id: DocumentId,
    meta: Option<&'m DocMeta>,
    kind: RecordKind,
) -> Result<&'m DocMeta, ApiError> {
    match meta {
        Some(meta) if meta.kind == kind && can_read(actor, kiosk, id, meta) => Ok(meta),
        _ => Err(ApiError::NotFound),
    }
}

/// A report exists from sign-off on: a draft or submitted record is still being written.
pub fn check_signed_off(state: WorkflowState) -> Result<(), ApiError> {
    match state {
        WorkflowState::SignedOff | WorkflowState::Responded | WorkflowState::Closed => Ok(()),
        _ => Err(ApiError::NotSignedOff),
    }
}

/// The document id in a path: an unparseable one is simply not found.
pub fn path_id(segment: &str) -> Result<DocumentId, ApiError> {
    DocumentId::from_url(segment).map_err(|_| ApiError::NotFound)
}

/// Who a report can be recorded as sent to, as stored and sent in JSON.
pub const RECIPIENTS: [&str; 5] = [
    "ofsted",
    "registeredProvider",
    "registeredManager",
    "responsibleIndividual",
    "placingAuthority",
];

/// Checks a distribution an officer records: a known recipient and a real day not after
/// `today`. The messages name the field, never echo the input.
pub fn check_distribution(recipient: &str, sent_on: &str, today: Day) -> Result<(), ApiError> {
    if !RECIPIENTS.contains(&recipient) {
        return Err(ApiError::Invalid(
            "Choose who the report was sent to: Ofsted, the registered provider, the registered \
             manager, the responsible individual or a placing authority."
                .into(),
        ));
    }
    let Some(day) = Day::parse(sent_on) else {
        return Err(ApiError::Invalid(
            "Enter the date the report was sent as a real date, YYYY-MM-DD.".into(),
        ));
    };
    if day > today {
        return Err(ApiError::Invalid(
            "The date the report was sent must be today or in the past.".into(),
        ));
    }
    Ok(())
}

/// An export needs at least `suppress_below` counted responses: fewer could identify someone.
pub fn check_enough_responses(counted: usize, suppress_below: u32) -> Result<(), ApiError> {
    if counted < suppress_below as usize {
        Err(ApiError::TooFewResponses(suppress_below))
    } else {
        Ok(())
    }
}

/// A `Content-Disposition` value for a download. Names are built from fixed words and dates
/// only, never a person's name or a title someone typed.
pub fn attachment(file_name: &str) -> String {
    format!("attachment; filename=\"{file_name}\"")
}

/// The audit row's detail for a download: the format and what it was, never content
/// (e.g. `pdf inspectionReport`).
pub fn download_detail(format: &str, what: &str) -> String {
    format!("{format} {what}")
}

/// The consultations of the series `root` (the first round's id) among `facts`, oldest round
/// first: the first round itself and every consultation whose `seriesId` is `root`.
pub fn series_rounds(
    root: DocumentId,
    facts: &[(DocumentId, DocMeta, Option<RecordFacts>)],
) -> Vec<DocumentId> {
    let mut rounds: Vec<(i64, DocumentId)> = facts
        .iter()
        .filter_map(|(id, _, facts)| match facts {
            Some(RecordFacts::Consultation(c)) => {
                let series = c
                    .series_id
                    .as_deref()
                    .and_then(|s| DocumentId::from_url(s).ok());
                (*id == root || series == Some(root)).then_some((c.created_at, *id))
            }
            _ => None,
        })
        .collect();
    if !rounds.iter().any(|(_, id)| *id == root) {
        // The first round's facts may not be known yet (backfill): it still leads the series.
        rounds.push((i64::MIN, root));
    }
    rounds.sort_by_key(|(created_at, id)| (*created_at, *id.as_bytes()));
    rounds.into_iter().map(|(_, id)| id).collect()
}

/// The responses to any of `consultations` among `facts` that may count in results: handed in
/// with consent (as far as their facts tell; unknown facts are kept for the caller to check on
/// the loaded record).
pub fn responses_to(
    consultations: &[DocumentId],
    facts: &[(DocumentId, DocMeta, Option<RecordFacts>)],
) -> Vec<(DocumentId, DocumentId)> {
    facts
        .iter()
        .filter(|(_, meta, _)| meta.kind == RecordKind::ConsultationResponse)
        .filter(|(_, _, facts)| match facts {
            Some(RecordFacts::Response(r)) => r.counted(),
            _ => true,
        })
        .filter_map(|(id, meta, _)| {
            let answers = meta
                .consultation_id
                .as_deref()
                .and_then(|c| DocumentId::from_url(c).ok())?;
            consultations.contains(&answers).then_some((*id, answers))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_shared::reporting::{ConsultationFacts, ResponseFacts};

    fn actor(role: Role, homes: &[&str]) -> Actor {
        Actor {
            user_id: format!("user-{}", role.as_str()),
            role,
            homes: homes.iter().map(|h| h.to_string()).collect(),
        }
    }

    fn inspection(home: &str, state: WorkflowState) -> DocMeta {
        DocMeta {
            kind: RecordKind::Inspection,
            home_id: Some(home.into()),
            created_by: "user-member-1".into(),
            state,
            title: "Regulation 33 visit".into(),
            consultation_id: None,
        }
    }

    fn consultation_meta() -> DocMeta {
        DocMeta {
            kind: RecordKind::Consultation,
            home_id: None,
            created_by: "user-worker-1".into(),
            state: WorkflowState::Open,
            title: "Demo consultation".into(),
            consultation_id: None,
        }
    }

    fn response_meta(consultation: DocumentId) -> DocMeta {
        DocMeta {
            kind: RecordKind::ConsultationResponse,
            home_id: None,
            created_by: "user-kiosk-1".into(),
            state: WorkflowState::Submitted,
            title: "Response".into(),
            consultation_id: Some(consultation.to_url()),
        }
    }

    fn round_facts(series_id: Option<DocumentId>, created_at: i64) -> RecordFacts {
        RecordFacts::Consultation(ConsultationFacts {
            title: "Demo consultation".into(),
            state: "open".into(),
            series_id: series_id.map(|s| s.to_string()),
            round_label: None,
            created_at,
        })
    }

    fn response_facts(consultation: DocumentId, consent: bool, state: &str) -> RecordFacts {
        RecordFacts::Response(ResponseFacts {
            consultation_id: consultation.to_string(),
            home_id: None,
            state: state.into(),
            consent_given: consent,
            talk_to_someone: false,
            followed_up: false,
            submitted_at: Some(1),
        })
    }

    #[test]
    fn young_people_and_administrators_get_no_report_or_export_of_any_kind() {
        for role in [Role::YoungPerson, Role::Admin] {
            for asked in [
                Asked::Overview,
                Asked::InspectionReport,
                Asked::RecordDistribution,
                Asked::PanelSummary,
                Asked::ResponsesExport,
                Asked::RecommendationsExport,
            ] {
                assert!(
                    matches!(check_role(role, asked), Err(ApiError::Forbidden)),
                    "{role:?} {asked:?}"
                );
            }
        }
    }

    #[test]
    fn only_officers_record_distribution_and_results_are_for_officers_and_workers() {
        assert!(role_may(Role::Officer, Asked::RecordDistribution));
        for role in [Role::Member, Role::Manager, Role::ParticipationWorker] {
            assert!(!role_may(role, Asked::RecordDistribution), "{role:?}");
        }
        for asked in [Asked::PanelSummary, Asked::ResponsesExport] {
            assert!(role_may(Role::Officer, asked));
            assert!(role_may(Role::ParticipationWorker, asked));
            assert!(!role_may(Role::Member, asked));
            assert!(!role_may(Role::Manager, asked));
        }
        assert!(role_may(Role::Manager, Asked::RecommendationsExport));
        assert!(!role_may(
            Role::ParticipationWorker,
            Asked::RecommendationsExport
        ));
        assert!(role_may(Role::Manager, Asked::Overview));
        assert!(!role_may(Role::Member, Asked::Overview));
    }

    #[test]
    fn another_homes_record_is_as_unknown_to_a_manager_as_a_missing_one() {
        let id = DocumentId::random();
        let manager = actor(Role::Manager, &["home-a"]);
        let theirs = inspection("home-a", WorkflowState::SignedOff);
        let other = inspection("home-b", WorkflowState::SignedOff);
        assert!(readable(&manager, None, id, Some(&theirs), RecordKind::Inspection).is_ok());
        let forbidden = readable(&manager, None, id, Some(&other), RecordKind::Inspection);
        let unknown = readable(&manager, None, id, None, RecordKind::Inspection);
        let (forbidden, unknown) = (forbidden.unwrap_err(), unknown.unwrap_err());
        assert_eq!(
            (forbidden.code(), forbidden.status(), forbidden.to_string()),
            (unknown.code(), unknown.status(), unknown.to_string())
        );
        assert_eq!(unknown.code(), "not_found");
    }

    #[test]
    fn a_manager_cannot_see_a_draft_and_a_member_can_but_gets_no_report_of_it() {
        let id = DocumentId::random();
        let draft = inspection("home-a", WorkflowState::Draft);
        let manager = actor(Role::Manager, &["home-a"]);
        let member = actor(Role::Member, &["home-a"]);
        assert!(matches!(
            readable(&manager, None, id, Some(&draft), RecordKind::Inspection),
            Err(ApiError::NotFound)
        ));
        let meta = readable(&member, None, id, Some(&draft), RecordKind::Inspection).unwrap();
        assert!(matches!(
            check_signed_off(meta.state),
            Err(ApiError::NotSignedOff)
        ));
        assert!(matches!(
            check_signed_off(WorkflowState::Submitted),
            Err(ApiError::NotSignedOff)
        ));
        for state in [
            WorkflowState::SignedOff,
            WorkflowState::Responded,
            WorkflowState::Closed,
        ] {
            assert!(check_signed_off(state).is_ok());
        }
    }

    #[test]
    fn a_document_of_another_kind_is_not_found() {
        let officer = actor(Role::Officer, &[]);
        let id = DocumentId::random();
        assert!(matches!(
            readable(
                &officer,
                None,
                id,
                Some(&consultation_meta()),
                RecordKind::Inspection
            ),
            Err(ApiError::NotFound)
        ));
        assert!(matches!(path_id("not-an-id"), Err(ApiError::NotFound)));
        assert_eq!(path_id(&id.to_string()).unwrap(), id);
        assert_eq!(path_id(&id.to_url()).unwrap(), id);
    }

    #[test]
    fn a_kiosk_reads_nothing_outside_its_consultation() {
        let bound = DocumentId::random();
        let other = DocumentId::random();
        let kiosk = actor(Role::YoungPerson, &[]);
        let meta = consultation_meta();
        assert!(can_read(&kiosk, Some(&bound.to_url()), bound, &meta));
        assert!(!can_read(&kiosk, Some(&bound.to_url()), other, &meta));
    }

    #[test]
    fn distribution_needs_a_known_recipient_and_a_date_not_in_the_future() {
        let today = Day::parse("2026-11-30").unwrap();
        assert!(check_distribution("ofsted", "2026-11-30", today).is_ok());
        assert!(check_distribution("placingAuthority", "2026-01-02", today).is_ok());
        for (recipient, sent_on) in [
            ("ofsted", "2026-12-01"),
            ("ofsted", "2026-02-30"),
            ("ofsted", "30/11/2026"),
            ("the press", "2026-11-01"),
            ("", "2026-11-01"),
        ] {
            let e = check_distribution(recipient, sent_on, today).unwrap_err();
            assert_eq!((e.code(), e.status().as_u16()), ("invalid", 400));
            assert!(!e.to_string().contains(recipient) || recipient.is_empty());
        }
    }

    #[test]
    fn four_counted_responses_are_too_few_to_export_and_five_are_enough() {
        let e = check_enough_responses(4, 5).unwrap_err();
        assert_eq!((e.code(), e.status().as_u16()), ("too_few_responses", 409));
        assert!(check_enough_responses(5, 5).is_ok());
        assert!(check_enough_responses(1, 1).is_ok());
    }

    #[test]
    fn file_names_and_audit_details_carry_no_content() {
        assert_eq!(
            attachment("regulation-33-report-2026-11-03.pdf"),
            "attachment; filename=\"regulation-33-report-2026-11-03.pdf\""
        );
        assert_eq!(
            download_detail("pdf", "inspectionReport"),
            "pdf inspectionReport"
        );
    }

    #[test]
    fn a_series_is_its_first_round_and_every_round_pointing_at_it_oldest_first() {
        let first = DocumentId::random();
        let second = DocumentId::random();
        let third = DocumentId::random();
        let unrelated = DocumentId::random();
        let facts = vec![
            (
                third,
                consultation_meta(),
                Some(round_facts(Some(first), 30)),
            ),
            (first, consultation_meta(), Some(round_facts(None, 10))),
            (unrelated, consultation_meta(), Some(round_facts(None, 5))),
            (
                second,
                consultation_meta(),
                Some(round_facts(Some(first), 20)),
            ),
        ];
        assert_eq!(series_rounds(first, &facts), vec![first, second, third]);
        assert_eq!(series_rounds(unrelated, &facts), vec![unrelated]);
        // The first round's facts not yet backfilled: it still leads.
        let partial = vec![(
            second,
            consultation_meta(),
            Some(round_facts(Some(first), 20)),
        )];
        assert_eq!(series_rounds(first, &partial), vec![first, second]);
    }

    #[test]
    fn responses_of_the_rounds_skip_drafts_and_unconsented_ones_their_facts_know_of() {
        let round = DocumentId::random();
        let other_round = DocumentId::random();
        let counted = DocumentId::random();
        let draft = DocumentId::random();
        let no_consent = DocumentId::random();
        let unknown_facts = DocumentId::random();
        let elsewhere = DocumentId::random();
        let facts = vec![
            (
                counted,
                response_meta(round),
                Some(response_facts(round, true, "submitted")),
            ),
            (
                draft,
                response_meta(round),
                Some(response_facts(round, true, "draft")),
            ),
            (
                no_consent,
                response_meta(round),
                Some(response_facts(round, false, "closed")),
            ),
            (unknown_facts, response_meta(round), None),
            (
                elsewhere,
                response_meta(other_round),
                Some(response_facts(other_round, true, "submitted")),
            ),
        ];
        let found: Vec<DocumentId> = responses_to(&[round], &facts)
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(found, vec![counted, unknown_facts]);
    }
}
