//! The officers' overview: per home, whether this month's Regulation 33 visit is done, due or
//! overdue, its records by state, open recommendations by age and outstanding manager
//! responses; and the consultations running with their response counts and follow-ups.
//!
//! Pure: the caller passes the facts of the records the viewer may see and `today` from its
//! clock, so the month-end rules are unit tests with fixed dates.

use serde::{Deserialize, Serialize};

use super::calendar::Day;
use super::facts::{InspectionFacts, RecordFacts, ResponseFacts};
use super::results::Count;
use crate::model::WorkflowState;
use crate::model::consultation::bare_document_id;

/// A home as the overview lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HomeRef {
    /// The home's id (as in records' `homeId`).
    pub id: String,
    /// The home's name.
    pub name: String,
}

/// Where a home is with this month's visit (visits are monthly).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum VisitStatus {
    /// A visit has taken place this calendar month.
    Done,
    /// Not yet this month, but last month's took place: due by the month's end.
    Due,
    /// No visit this month or last month (or ever).
    Overdue,
}

/// The whole overview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OfficersOverview {
    /// The day it was computed for, `YYYY-MM-DD`.
    pub today: String,
    /// One entry per home, in the order given.
    pub homes: Vec<HomeOverview>,
    /// Consultations running or awaiting follow-up (empty when not asked for).
    pub consultations: Vec<ConsultationOverview>,
}

/// One home's line in the overview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HomeOverview {
    /// The home's id.
    pub home_id: String,
    /// The home's name.
    pub home_name: String,
    /// The date of the latest visit on or before today, `YYYY-MM-DD`.
    pub last_visit: Option<String>,
    /// That visit's inspection document id.
    pub last_visit_id: Option<String>,
    /// This month's visit: done, due or overdue.
    pub this_month: VisitStatus,
    /// The last day of this month, `YYYY-MM-DD`: when this month's visit is due by.
    pub due_by: String,
    /// The home's inspection records per workflow state, in workflow order, zeros included.
    pub records_by_state: Vec<StateCount>,
    /// Open recommendations by age.
    pub open_recommendations: RecommendationAges,
    /// Signed-off records whose manager has not yet responded.
    pub responses_outstanding: u32,
}

/// How many records are in one state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StateCount {
    /// The state ([`WorkflowState::as_str`]).
    pub state: String,
    /// How many.
    pub count: u32,
}

/// Open recommendations (neither done nor declined, on signed-off records) by the age of the
/// visit that made them, in whole calendar months; `past_timescale` counts those whose `dueBy`
/// has passed (they are also in one of the age bands).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecommendationAges {
    /// Made less than a month ago.
    pub under_one_month: u32,
    /// Made one or two whole months ago.
    pub one_to_three_months: u32,
    /// Made three or more whole months ago.
    pub over_three_months: u32,
    /// Their timescale (`dueBy`) is before today.
    pub past_timescale: u32,
}

/// One consultation's line in the overview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsultationOverview {
    /// The consultation's document id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its state ([`WorkflowState::as_str`]).
    pub state: String,
    /// Its round label, if any.
    pub round_label: Option<String>,
    /// Counted responses (submitted or closed, with consent), suppressed when small.
    pub responses: Count,
    /// Responses asking to talk to someone that have not been followed up.
    pub awaiting_follow_up: u32,
}

/// The inspection states in workflow order, as `records_by_state` lists them.
const INSPECTION_STATES: [WorkflowState; 5] = [
    WorkflowState::Draft,
    WorkflowState::Submitted,
    WorkflowState::SignedOff,
    WorkflowState::Responded,
    WorkflowState::Closed,
];

/// The overview of `homes` from the facts of `records` (document id, facts) on `today`.
///
/// `records` should hold only what the viewer may read (a manager: their homes' records). The
/// consultations are listed only if `include_consultations`: open ones, and closed ones still
/// awaiting a follow-up; open first, newest first.
pub fn overview(
    homes: &[HomeRef],
    records: &[(String, RecordFacts)],
    today: Day,
    include_consultations: bool,
    suppress_below: u32,
) -> OfficersOverview {
    let inspections: Vec<(&str, &InspectionFacts)> = records
        .iter()
        .filter_map(|(id, f)| match f {
            RecordFacts::Inspection(i) => Some((id.as_str(), i)),
            _ => None,
        })
        .collect();
    let homes = homes
        .iter()
        .map(|home| {
            let mine: Vec<(&str, &InspectionFacts)> = inspections
                .iter()
                .copied()
                .filter(|(_, i)| i.home_id == home.id)
                .collect();
            home_overview(home, &mine, today)
        })
        .collect();
    let consultations = if include_consultations {
        consultations(records, suppress_below)
    } else {
        Vec::new()
    };
    OfficersOverview {
        today: today.to_string(),
        homes,
        consultations,
    }
}

fn home_overview(
    home: &HomeRef,
    inspections: &[(&str, &InspectionFacts)],
    today: Day,
) -> HomeOverview {
    // Visits that have happened: a real date on or before today, whatever the record's state
    // (a visit counts from the day it took place, while its record is still being written).
    let mut last: Option<(Day, &str)> = None;
    for (id, i) in inspections {
        if let Some(day) = Day::parse(&i.visit_date)
            && day <= today
            && last.is_none_or(|(d, _)| day > d)
        {
            last = Some((day, id));
        }
    }
    let this_month = match last {
        Some((day, _)) if day.same_month(today) => VisitStatus::Done,
        Some((day, _)) if day.same_month(today.add_months(-1)) => VisitStatus::Due,
        _ => VisitStatus::Overdue,
    };

    let records_by_state = INSPECTION_STATES
        .iter()
        .map(|s| StateCount {
            state: s.as_str().to_string(),
            count: inspections
                .iter()
                .filter(|(_, i)| i.state == s.as_str())
                .count() as u32,
        })
        .collect();

    let mut ages = RecommendationAges::default();
    for (_, i) in inspections {
        if !signed_off(&i.state) {
            continue;
        }
        let made = Day::parse(&i.visit_date);
        for r in i.recommendations.iter().filter(|r| r.is_open()) {
            match made.map(|d| d.months_between(today)) {
                Some(m) if m >= 3 => ages.over_three_months += 1,
                Some(m) if m >= 1 => ages.one_to_three_months += 1,
                _ => ages.under_one_month += 1,
            }
            if r.due_by
                .as_deref()
                .and_then(Day::parse)
                .is_some_and(|due| due < today)
            {
                ages.past_timescale += 1;
            }
        }
    }

    HomeOverview {
        home_id: home.id.clone(),
        home_name: home.name.clone(),
        last_visit: last.map(|(d, _)| d.to_string()),
        last_visit_id: last.map(|(_, id)| id.to_string()),
        this_month,
        due_by: today.last_of_month().to_string(),
        records_by_state,
        open_recommendations: ages,
        responses_outstanding: inspections
            .iter()
            .filter(|(_, i)| i.state == WorkflowState::SignedOff.as_str())
            .count() as u32,
    }
}

/// Whether an inspection in `state` has been signed off (its recommendations stand).
fn signed_off(state: &str) -> bool {
    matches!(
        WorkflowState::parse(state),
        Some(WorkflowState::SignedOff | WorkflowState::Responded | WorkflowState::Closed)
    )
}

fn consultations(
    records: &[(String, RecordFacts)],
    suppress_below: u32,
) -> Vec<ConsultationOverview> {
    let responses: Vec<&ResponseFacts> = records
        .iter()
        .filter_map(|(_, f)| match f {
            RecordFacts::Response(r) => Some(r),
            _ => None,
        })
        .collect();
    let mut lines: Vec<(i64, ConsultationOverview)> = records
        .iter()
        .filter_map(|(id, f)| match f {
            RecordFacts::Consultation(c) => Some((id, c)),
            _ => None,
        })
        .filter_map(|(id, c)| {
            let bare = bare_document_id(id);
            let mine = responses.iter().filter(|r| r.consultation_id == bare);
            let counted = mine.clone().filter(|r| r.counted()).count() as u32;
            let awaiting = mine.filter(|r| r.awaiting_follow_up()).count() as u32;
            let open = c.state == WorkflowState::Open.as_str();
            (open || (c.state != WorkflowState::Draft.as_str() && awaiting > 0)).then(|| {
                (
                    c.created_at,
                    ConsultationOverview {
                        id: id.clone(),
                        title: c.title.clone(),
                        state: c.state.clone(),
                        round_label: c.round_label.clone(),
                        responses: Count::of(counted, suppress_below),
                        awaiting_follow_up: awaiting,
                    },
                )
            })
        })
        .collect();
    lines.sort_by(|(a_at, a), (b_at, b)| {
        let open = |c: &ConsultationOverview| c.state != WorkflowState::Open.as_str();
        (open(a), std::cmp::Reverse(*a_at)).cmp(&(open(b), std::cmp::Reverse(*b_at)))
    });
    lines.into_iter().map(|(_, c)| c).collect()
}
