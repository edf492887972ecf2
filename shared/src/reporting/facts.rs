//! The facts reporting needs from one record: states, dates, counts and flags, never free text.
//!
//! The server stores them as JSON beside each document at every commit, so the overview of 50
//! homes over five years reads a few thousand small rows instead of loading every document.
//! Nothing here may identify a child: no names, no initials, no answers.

use serde::{Deserialize, Serialize};

use crate::model::{
    Consultation, ConsultationResponse, Inspection, RecommendationStatus, Record, WorkflowState,
    consultation::bare_document_id,
};

/// What reporting knows about one record, by kind (`"kind"` in JSON, as in the documents).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum RecordFacts {
    /// A Regulation 33 inspection record.
    #[serde(rename = "inspection")]
    Inspection(InspectionFacts),
    /// A member's visit note: only where and in what state.
    #[serde(rename = "visitNote", rename_all = "camelCase")]
    VisitNote {
        /// The home visited.
        home_id: String,
        /// The workflow state ([`WorkflowState::as_str`]).
        state: String,
    },
    /// A consultation form.
    #[serde(rename = "consultation")]
    Consultation(ConsultationFacts),
    /// One young person's response.
    #[serde(rename = "consultationResponse")]
    Response(ResponseFacts),
}

/// An inspection's facts: where, when, how far through its workflow, its recommendations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InspectionFacts {
    /// The home inspected.
    pub home_id: String,
    /// The workflow state ([`WorkflowState::as_str`]).
    pub state: String,
    /// The day of the visit, `YYYY-MM-DD` (as written; may be unparseable in a draft).
    pub visit_date: String,
    /// When it was signed off, unix milliseconds.
    pub signed_off_at: Option<i64>,
    /// Its recommendations, in order.
    pub recommendations: Vec<RecommendationFacts>,
}

/// A recommendation's facts: no text, only where it stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecommendationFacts {
    /// The recommendation's id within its record.
    pub id: String,
    /// "high" | "medium" | "low".
    pub priority: String,
    /// "open" | "accepted" | "inProgress" | "done" | "declined".
    pub status: String,
    /// The timescale, `YYYY-MM-DD`, if one was set.
    pub due_by: Option<String>,
    /// Whether the manager's response is non-blank.
    pub responded: bool,
}

impl RecommendationFacts {
    /// Whether the home still has something to do: neither done nor declined.
    pub fn is_open(&self) -> bool {
        !matches!(
            RecommendationStatus::parse(&self.status),
            Some(RecommendationStatus::Done | RecommendationStatus::Declined)
        )
    }
}

/// A consultation's facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsultationFacts {
    /// Its title (written for young people, so no child's details).
    pub title: String,
    /// The workflow state ([`WorkflowState::as_str`]).
    pub state: String,
    /// The first round's document id, for a later round.
    pub series_id: Option<String>,
    /// The round's label, e.g. "Spring 2026".
    pub round_label: Option<String>,
    /// When it was created, unix milliseconds.
    pub created_at: i64,
}

/// A response's facts: whether it counts and whether someone must follow it up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseFacts {
    /// The consultation answered, as a bare document id (never an `automerge:` URL).
    pub consultation_id: String,
    /// The home the tablet was at, if recorded.
    pub home_id: Option<String>,
    /// The workflow state ([`WorkflowState::as_str`]).
    pub state: String,
    /// Whether the young person agreed to their answers being used.
    pub consent_given: bool,
    /// Whether they asked to talk to someone.
    pub talk_to_someone: bool,
    /// Whether a participation worker has completed the follow-up.
    pub followed_up: bool,
    /// When it was submitted, unix milliseconds.
    pub submitted_at: Option<i64>,
}

impl ResponseFacts {
    /// Whether the response counts in results: handed in (submitted or closed) with consent.
    pub fn counted(&self) -> bool {
        self.consent_given
            && matches!(
                WorkflowState::parse(&self.state),
                Some(WorkflowState::Submitted | WorkflowState::Closed)
            )
    }

    /// Whether a participation worker still has to follow this response up.
    pub fn awaiting_follow_up(&self) -> bool {
        self.talk_to_someone && !self.followed_up && self.state != WorkflowState::Draft.as_str()
    }
}

/// The facts of `record`.
pub fn facts_of(record: &Record) -> RecordFacts {
    match record {
        Record::Inspection(i) => RecordFacts::Inspection(inspection(i)),
        Record::VisitNote(n) => RecordFacts::VisitNote {
            home_id: n.home_id.clone(),
            state: n.state.as_str().to_string(),
        },
        Record::Consultation(c) => RecordFacts::Consultation(consultation(c)),
        Record::ConsultationResponse(r) => RecordFacts::Response(response(r)),
    }
}

fn inspection(i: &Inspection) -> InspectionFacts {
    InspectionFacts {
        home_id: i.home_id.clone(),
        state: i.state.as_str().to_string(),
        visit_date: i.visit_date.clone(),
        signed_off_at: i.sign_off.as_ref().map(|s| s.at),
        recommendations: i
            .recommendations
            .iter()
            .map(|r| RecommendationFacts {
                id: r.id.clone(),
                priority: r.priority.as_str().to_string(),
                status: r.status.as_str().to_string(),
                due_by: r.due_by.clone(),
                responded: !r.manager_response.as_str().trim().is_empty(),
            })
            .collect(),
    }
}

fn consultation(c: &Consultation) -> ConsultationFacts {
    ConsultationFacts {
        title: c.title.clone(),
        state: c.state.as_str().to_string(),
        series_id: c.series_id.clone(),
        round_label: c.round_label.clone(),
        created_at: c.created_at,
    }
}

fn response(r: &ConsultationResponse) -> ResponseFacts {
    ResponseFacts {
        consultation_id: bare_document_id(&r.consultation_id),
        home_id: r.home_id.clone(),
        state: r.state.as_str().to_string(),
        consent_given: r.consent_given,
        talk_to_someone: r.talk_to_someone,
        followed_up: r.follow_up.as_ref().is_some_and(|f| f.done),
        submitted_at: r.submitted_at,
    }
}

#[cfg(test)]
mod tests {
    use autosurgeon::Text;

    use super::*;
    use crate::ids::DocumentId;
    use crate::model::{FollowUp, Priority, Recommendation, SignOff, VisitNote};

    const NOW: i64 = 1_793_700_000_000;

    #[test]
    fn inspection_facts_carry_states_dates_and_timescales_but_no_text() {
        let mut i = Inspection::new("m1", "home-1", NOW);
        i.state = WorkflowState::SignedOff;
        i.sign_off = Some(SignOff {
            by: "m1".into(),
            at: NOW + 5,
        });
        i.children_views = Text::with_value("AB said something private");
        i.recommendations = vec![
            Recommendation {
                due_by: Some("2026-12-31".into()),
                ..Recommendation::new("r1", "Audit medication records", Priority::High)
            },
            Recommendation {
                manager_response: Text::with_value("  "),
                status: RecommendationStatus::Declined,
                ..Recommendation::new("r2", "Repaint", Priority::Low)
            },
        ];
        i.recommendations[0].manager_response = Text::with_value("We will.");
        let facts = facts_of(&Record::Inspection(i));
        let RecordFacts::Inspection(f) = &facts else {
            panic!("expected inspection facts")
        };
        assert_eq!(f.state, "signedOff");
        assert_eq!(f.visit_date, "2026-11-03");
        assert_eq!(f.signed_off_at, Some(NOW + 5));
        assert_eq!(f.recommendations[0].due_by.as_deref(), Some("2026-12-31"));
        assert!(f.recommendations[0].responded && f.recommendations[0].is_open());
        assert!(!f.recommendations[1].responded && !f.recommendations[1].is_open());

        let json = serde_json::to_string(&facts).unwrap();
        assert!(
            json.starts_with(r#"{"kind":"inspection","homeId":"home-1""#),
            "{json}"
        );
        for text in ["AB", "Audit", "We will", "Repaint"] {
            assert!(!json.contains(text), "{json}");
        }
        assert_eq!(serde_json::from_str::<RecordFacts>(&json).unwrap(), facts);
    }

    #[test]
    fn response_facts_name_the_consultation_by_its_bare_id() {
        let consultation = DocumentId::random();
        let mut r = ConsultationResponse::new("yp1", &consultation.to_url(), NOW);
        r.state = WorkflowState::Submitted;
        r.consent_given = true;
        r.talk_to_someone = true;
        r.submitted_at = Some(NOW);
        let RecordFacts::Response(f) = facts_of(&Record::ConsultationResponse(r.clone())) else {
            panic!("expected response facts")
        };
        assert_eq!(f.consultation_id, consultation.to_string());
        assert!(f.counted() && f.awaiting_follow_up() && !f.followed_up);

        r.follow_up = Some(FollowUp {
            done: true,
            by: "pw1".into(),
            at: NOW,
            note: Text::with_value("Spoke with them"),
        });
        let RecordFacts::Response(f) = facts_of(&Record::ConsultationResponse(r)) else {
            panic!("expected response facts")
        };
        assert!(f.followed_up && !f.awaiting_follow_up());
    }

    #[test]
    fn visit_note_and_consultation_facts_serialise_with_their_kind() {
        let note = facts_of(&Record::VisitNote(VisitNote::new("m1", "home-1", NOW)));
        assert_eq!(
            serde_json::to_value(&note).unwrap(),
            serde_json::json!({"kind": "visitNote", "homeId": "home-1", "state": "draft"})
        );
        let mut c = Consultation::new("pw1", "Food at home", NOW);
        c.round_label = Some("Spring 2026".into());
        let facts = facts_of(&Record::Consultation(c));
        assert_eq!(
            serde_json::to_value(&facts).unwrap(),
            serde_json::json!({"kind": "consultation", "title": "Food at home", "state": "draft",
                "seriesId": null, "roundLabel": "Spring 2026", "createdAt": NOW})
        );
    }
}
