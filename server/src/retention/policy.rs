//! Which records have outlived the council's retention policy: a pure function of the stored
//! records' metadata, their last-change times and "now", so every boundary is a unit test with
//! no database and no clock.
//!
//! The rule per kind is "keep" or "N months after the record was finished":
//! - a consultation response: after its **consultation closed** (a response lives as long as
//!   the results it counts in); while the consultation is open, or still a draft, it is kept;
//!   if the consultation is no longer stored, after the response's own last change;
//! - a consultation: after it closed;
//! - a Regulation 33 inspection: after it was signed off (signed off, responded or closed);
//! - a visit note: after it was handed in (any state but draft).
//!
//! "Finished at" is the record's last committed change while in a finished state: Hearth keeps
//! no separate closing time, and a later change (a follow-up, "You said, we did") only moves
//! the date later, so the rule never deletes early. Drafts are never expired by this rule.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use hearth_shared::calendar::Day;
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{DocMeta, RecordKind, WorkflowState};

/// How long one kind of record is kept once finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// Never deleted by the retention job (an administrator may still erase one).
    Keep,
    /// Deleted this many calendar months after it was finished.
    Months(u32),
}

impl FromStr for Period {
    type Err = String;

    /// `keep`, or a whole number of months (`12`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("keep") {
            return Ok(Period::Keep);
        }
        s.parse::<u32>()
            .ok()
            .filter(|n| *n <= 1200)
            .map(Period::Months)
            .ok_or_else(|| format!("`{s}` is neither `keep` nor a number of months (0-1200)"))
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Keep => f.write_str("keep"),
            Period::Months(n) => write!(f, "{n} months"),
        }
    }
}

/// The retention period of every record kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Visit notes, from when they were handed in.
    pub visit_notes: Period,
    /// Regulation 33 inspection records, from sign-off.
    pub inspections: Period,
    /// Consultation forms, from when they closed.
    pub consultations: Period,
    /// Young people's responses, from when their consultation closed.
    pub consultation_responses: Period,
}

impl Policy {
    /// The period for one kind.
    pub fn period(&self, kind: RecordKind) -> Period {
        match kind {
            RecordKind::VisitNote => self.visit_notes,
            RecordKind::Inspection => self.inspections,
            RecordKind::Consultation => self.consultations,
            RecordKind::ConsultationResponse => self.consultation_responses,
        }
    }
}

/// One stored record as the policy needs it: no content, only kind, state and times.
#[derive(Debug, Clone)]
pub struct Held {
    /// The document.
    pub id: DocumentId,
    /// Its metadata as last committed.
    pub meta: DocMeta,
    /// Unix milliseconds of its last committed change.
    pub updated_at_ms: i64,
}

/// A record the policy says must go, and why (for the dry run's listing and the audit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expired {
    /// The document.
    pub id: DocumentId,
    /// Its kind.
    pub kind: RecordKind,
    /// When it was finished (Unix ms): the clock the period runs from.
    pub finished_at_ms: i64,
    /// When its period ended (Unix ms); `now` is at or after it.
    pub expired_at_ms: i64,
}

/// `at_ms` plus `months` calendar months, at the same time of day (31 January + 1 month is
/// 28/29 February, as `Day::add_months`).
pub fn add_months(at_ms: i64, months: u32) -> i64 {
    let day = Day::from_unix_ms(at_ms);
    let time_of_day = at_ms - day.start_unix_ms();
    let months = i32::try_from(months).unwrap_or(i32::MAX / 12);
    day.add_months(months).start_unix_ms() + time_of_day
}

/// Whether a record of `kind` in `state` is finished, so its retention period runs.
fn finished(kind: RecordKind, state: WorkflowState) -> bool {
    use WorkflowState as S;
    match kind {
        RecordKind::VisitNote => state != S::Draft,
        RecordKind::Inspection => matches!(state, S::SignedOff | S::Responded | S::Closed),
        RecordKind::Consultation => state == S::Closed,
        // A response's clock is its consultation's: see `finished_at`.
        RecordKind::ConsultationResponse => state != S::Draft,
    }
}

/// When a record's retention period starts, `None` while it must be kept whatever the period.
fn finished_at(held: &Held, consultations: &HashMap<DocumentId, &Held>) -> Option<i64> {
    if held.meta.kind == RecordKind::ConsultationResponse {
        let consultation = held
            .meta
            .consultation_id
            .as_deref()
            .and_then(|url| DocumentId::from_url(url).ok())
            .and_then(|id| consultations.get(&id));
        return match consultation {
            Some(c) if c.meta.state == WorkflowState::Closed => Some(c.updated_at_ms),
            // Open or draft: its results are still being gathered.
            Some(_) => None,
            // The consultation is gone (erased): the response's own last change.
            None => finished(held.meta.kind, held.meta.state).then_some(held.updated_at_ms),
        };
    }
    finished(held.meta.kind, held.meta.state).then_some(held.updated_at_ms)
}

/// The records of `held` whose retention period under `policy` has ended at `now_ms`: exactly
/// those with `now_ms >= finished + period`. Ordered by when they expired, then by id.
pub fn expired(policy: &Policy, held: &[Held], now_ms: i64) -> Vec<Expired> {
    let consultations: HashMap<DocumentId, &Held> = held
        .iter()
        .filter(|h| h.meta.kind == RecordKind::Consultation)
        .map(|h| (h.id, h))
        .collect();
    let mut out: Vec<Expired> = held
        .iter()
        .filter_map(|h| {
            let Period::Months(months) = policy.period(h.meta.kind) else {
                return None;
            };
            let finished_at_ms = finished_at(h, &consultations)?;
            let expired_at_ms = add_months(finished_at_ms, months);
            (now_ms >= expired_at_ms).then_some(Expired {
                id: h.id,
                kind: h.meta.kind,
                finished_at_ms,
                expired_at_ms,
            })
        })
        .collect();
    out.sort_by(|a, b| (a.expired_at_ms, a.id.as_bytes()).cmp(&(b.expired_at_ms, b.id.as_bytes())));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-03-31 10:00 UTC.
    const CLOSED: i64 = 1_774_951_200_000;

    fn policy(months: u32) -> Policy {
        Policy {
            visit_notes: Period::Months(months),
            inspections: Period::Months(months),
            consultations: Period::Keep,
            consultation_responses: Period::Months(months),
        }
    }

    fn held(kind: RecordKind, state: WorkflowState, at: i64) -> Held {
        Held {
            id: DocumentId::random(),
            meta: DocMeta {
                kind,
                home_id: Some("home-1".into()),
                created_by: "user-1".into(),
                state,
                title: String::new(),
                consultation_id: None,
            },
            updated_at_ms: at,
        }
    }

    fn response_to(consultation: &Held, state: WorkflowState, at: i64) -> Held {
        let mut r = held(RecordKind::ConsultationResponse, state, at);
        r.meta.consultation_id = Some(format!("automerge:{}", consultation.id));
        r
    }

    fn ids(expired: &[Expired]) -> Vec<DocumentId> {
        expired.iter().map(|e| e.id).collect()
    }

    #[test]
    fn months_are_calendar_months_at_the_same_time_of_day() {
        // 31 March + 11 months = 29 February 2028 (a leap year), same hour.
        assert_eq!(
            add_months(CLOSED, 23),
            Day::parse("2028-02-29").unwrap().start_unix_ms() + 10 * 3_600_000
        );
        assert_eq!(add_months(CLOSED, 0), CLOSED);
    }

    #[test]
    fn a_response_goes_exactly_n_months_after_its_consultation_closed() {
        let consultation = held(RecordKind::Consultation, WorkflowState::Closed, CLOSED);
        // Submitted long before the consultation closed: the consultation's date counts.
        let response = response_to(&consultation, WorkflowState::Submitted, CLOSED - 86_400_000);
        let all = [consultation.clone(), response.clone()];
        let due = add_months(CLOSED, 12);
        assert!(
            expired(&policy(12), &all, due - 1).is_empty(),
            "one ms early"
        );
        let gone = expired(&policy(12), &all, due);
        assert_eq!(
            ids(&gone),
            vec![response.id],
            "the consultation itself is kept"
        );
        assert_eq!(gone[0].finished_at_ms, CLOSED);
        assert_eq!(gone[0].expired_at_ms, due);
    }

    #[test]
    fn responses_to_an_open_or_draft_consultation_are_kept_however_old() {
        for state in [WorkflowState::Open, WorkflowState::Draft] {
            let consultation = held(RecordKind::Consultation, state, 0);
            let response = response_to(&consultation, WorkflowState::Submitted, 0);
            assert!(expired(&policy(1), &[consultation, response], CLOSED * 2).is_empty());
        }
    }

    #[test]
    fn a_response_whose_consultation_is_gone_runs_from_its_own_last_change() {
        let gone = held(RecordKind::Consultation, WorkflowState::Closed, 0);
        let response = response_to(&gone, WorkflowState::Submitted, CLOSED);
        let draft = response_to(&gone, WorkflowState::Draft, 0);
        let all = [response.clone(), draft];
        assert!(expired(&policy(6), &all, add_months(CLOSED, 6) - 1).is_empty());
        assert_eq!(
            ids(&expired(&policy(6), &all, add_months(CLOSED, 6))),
            vec![response.id],
            "a draft answer never expires"
        );
    }

    #[test]
    fn keep_keeps_and_drafts_and_unfinished_records_are_never_due() {
        let note_draft = held(RecordKind::VisitNote, WorkflowState::Draft, 0);
        let note = held(RecordKind::VisitNote, WorkflowState::Submitted, 0);
        let inspection_draft = held(RecordKind::Inspection, WorkflowState::Submitted, 0);
        let inspection = held(RecordKind::Inspection, WorkflowState::SignedOff, 0);
        let consultation = held(RecordKind::Consultation, WorkflowState::Closed, 0);
        let all = [
            note_draft,
            note.clone(),
            inspection_draft,
            inspection.clone(),
            consultation.clone(),
        ];
        let mut want = vec![note.id, inspection.id];
        want.sort_by_key(|id| *id.as_bytes());
        assert_eq!(ids(&expired(&policy(1), &all, CLOSED)), want);
        let keep_all = Policy {
            visit_notes: Period::Keep,
            inspections: Period::Keep,
            consultations: Period::Keep,
            consultation_responses: Period::Keep,
        };
        assert!(expired(&keep_all, &all, i64::MAX / 2).is_empty());
        let mut consultations_too = policy(1);
        consultations_too.consultations = Period::Months(1);
        assert!(ids(&expired(&consultations_too, &all, CLOSED)).contains(&consultation.id));
    }

    #[test]
    fn zero_months_means_as_soon_as_finished() {
        let note = held(RecordKind::VisitNote, WorkflowState::Submitted, CLOSED);
        assert!(expired(&policy(0), std::slice::from_ref(&note), CLOSED - 1).is_empty());
        assert_eq!(
            ids(&expired(&policy(0), std::slice::from_ref(&note), CLOSED)),
            [note.id]
        );
    }

    #[test]
    fn periods_read_keep_or_months() {
        assert_eq!("keep".parse::<Period>(), Ok(Period::Keep));
        assert_eq!(" KEEP ".parse::<Period>(), Ok(Period::Keep));
        assert_eq!("12".parse::<Period>(), Ok(Period::Months(12)));
        assert!("-1".parse::<Period>().is_err());
        assert!("twelve".parse::<Period>().is_err());
        assert!("1201".parse::<Period>().is_err());
        assert_eq!(Period::Months(12).to_string(), "12 months");
    }
}
