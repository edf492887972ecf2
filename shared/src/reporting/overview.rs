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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reporting::facts::{ConsultationFacts, RecommendationFacts};

    const HOME: &str = "home-a";

    fn day(s: &str) -> Day {
        Day::parse(s).expect("a real date")
    }

    fn homes() -> Vec<HomeRef> {
        vec![
            HomeRef {
                id: HOME.into(),
                name: "Demo Home".into(),
            },
            HomeRef {
                id: "home-b".into(),
                name: "Second Demo Home".into(),
            },
        ]
    }

    fn rec(status: &str, due_by: Option<&str>) -> RecommendationFacts {
        RecommendationFacts {
            id: format!("r-{status}"),
            priority: "medium".into(),
            status: status.into(),
            due_by: due_by.map(str::to_string),
            responded: false,
        }
    }

    fn inspection(
        id: &str,
        home: &str,
        state: &str,
        visit_date: &str,
        recommendations: Vec<RecommendationFacts>,
    ) -> (String, RecordFacts) {
        (
            id.to_string(),
            RecordFacts::Inspection(InspectionFacts {
                home_id: home.into(),
                state: state.into(),
                visit_date: visit_date.into(),
                signed_off_at: None,
                recommendations,
            }),
        )
    }

    fn visit(id: &str, visit_date: &str) -> (String, RecordFacts) {
        inspection(id, HOME, "closed", visit_date, Vec::new())
    }

    fn home_a(records: &[(String, RecordFacts)], today: &str) -> HomeOverview {
        overview(&homes(), records, day(today), false, 5)
            .homes
            .remove(0)
    }

    #[test]
    fn a_visit_this_month_is_done_and_last_months_makes_this_one_due() {
        let records = [visit("v-jan", "2026-01-31")];
        let on = |today| home_a(&records, today).this_month;
        assert_eq!(on("2026-01-31"), VisitStatus::Done);
        assert_eq!(on("2026-02-01"), VisitStatus::Due);
        assert_eq!(on("2026-02-28"), VisitStatus::Due);
        assert_eq!(on("2026-03-01"), VisitStatus::Overdue);

        let jan31 = home_a(&records, "2026-01-31");
        assert_eq!(jan31.due_by, "2026-01-31");
        assert_eq!(jan31.last_visit.as_deref(), Some("2026-01-31"));
        assert_eq!(jan31.last_visit_id.as_deref(), Some("v-jan"));
        assert_eq!(home_a(&records, "2026-02-01").due_by, "2026-02-28");
    }

    #[test]
    fn the_leap_day_counts_as_februarys_visit() {
        let records = [visit("v-leap", "2028-02-29")];
        let feb29 = home_a(&records, "2028-02-29");
        assert_eq!(
            (feb29.this_month, feb29.due_by.as_str()),
            (VisitStatus::Done, "2028-02-29")
        );
        assert_eq!(
            home_a(&records, "2028-02-28").this_month,
            VisitStatus::Overdue
        );
        assert_eq!(home_a(&records, "2028-03-31").this_month, VisitStatus::Due);
        assert_eq!(
            home_a(&records, "2028-04-01").this_month,
            VisitStatus::Overdue
        );
        assert_eq!(home_a(&records, "2028-03-01").due_by, "2028-03-31");
    }

    #[test]
    fn a_home_never_visited_is_overdue_and_a_planned_visit_does_not_count_yet() {
        let never = home_a(&[], "2026-06-15");
        assert_eq!(never.this_month, VisitStatus::Overdue);
        assert_eq!((never.last_visit, never.last_visit_id), (None, None));

        let records = [
            visit("v-may", "2026-05-20"),
            inspection("v-planned", HOME, "draft", "2026-06-20", Vec::new()),
        ];
        let june15 = home_a(&records, "2026-06-15");
        assert_eq!(june15.this_month, VisitStatus::Due);
        assert_eq!(june15.last_visit_id.as_deref(), Some("v-may"));
        // On the day, the draft record is the visit: done, while it is still being written.
        let june20 = home_a(&records, "2026-06-20");
        assert_eq!(june20.this_month, VisitStatus::Done);
        assert_eq!(june20.last_visit_id.as_deref(), Some("v-planned"));
    }

    #[test]
    fn another_homes_visit_does_not_count() {
        let records = [inspection(
            "v-b",
            "home-b",
            "closed",
            "2026-06-01",
            Vec::new(),
        )];
        let all = overview(&homes(), &records, day("2026-06-15"), false, 5);
        assert_eq!(all.homes[0].this_month, VisitStatus::Overdue);
        assert_eq!(all.homes[1].this_month, VisitStatus::Done);
        assert_eq!(all.homes[1].home_name, "Second Demo Home");
        assert_eq!(all.today, "2026-06-15");
    }

    #[test]
    fn records_are_counted_by_state_in_workflow_order() {
        let records = [
            inspection("1", HOME, "draft", "2026-06-01", Vec::new()),
            inspection("2", HOME, "signedOff", "2026-05-01", Vec::new()),
            inspection("3", HOME, "signedOff", "2026-04-01", Vec::new()),
            inspection("4", HOME, "closed", "2026-03-01", Vec::new()),
            inspection("5", "home-b", "draft", "2026-06-01", Vec::new()),
            (
                "6".into(),
                RecordFacts::VisitNote {
                    home_id: HOME.into(),
                    state: "draft".into(),
                },
            ),
        ];
        let a = home_a(&records, "2026-06-15");
        let counts: Vec<(&str, u32)> = a
            .records_by_state
            .iter()
            .map(|s| (s.state.as_str(), s.count))
            .collect();
        assert_eq!(
            counts,
            [
                ("draft", 1),
                ("submitted", 0),
                ("signedOff", 2),
                ("responded", 0),
                ("closed", 1)
            ]
        );
        assert_eq!(a.responses_outstanding, 2, "signed off, not yet responded");
    }

    #[test]
    fn open_recommendations_are_aged_from_the_visit_and_checked_against_their_timescale() {
        let today = "2026-05-15";
        let records = [
            inspection(
                "this-month",
                HOME,
                "signedOff",
                "2026-05-01",
                vec![
                    rec("open", Some("2026-05-14")),
                    rec("done", Some("2026-05-01")),
                    rec("declined", None),
                ],
            ),
            inspection(
                "one-month",
                HOME,
                "responded",
                "2026-04-15",
                vec![rec("inProgress", Some("2026-05-15"))],
            ),
            inspection(
                "two-months",
                HOME,
                "responded",
                "2026-02-16",
                vec![rec("accepted", None)],
            ),
            inspection(
                "three-months",
                HOME,
                "closed",
                "2026-02-15",
                vec![rec("open", Some("2026-03-31")), rec("accepted", None)],
            ),
            // Not signed off: its recommendations do not stand yet.
            inspection(
                "draft",
                HOME,
                "submitted",
                "2026-01-01",
                vec![rec("open", None)],
            ),
        ];
        let a = home_a(&records, today);
        assert_eq!(
            a.open_recommendations,
            RecommendationAges {
                under_one_month: 1,
                one_to_three_months: 2,
                over_three_months: 2,
                past_timescale: 2,
            }
        );
    }

    fn consultation(id: &str, state: &str, created_at: i64) -> (String, RecordFacts) {
        (
            id.to_string(),
            RecordFacts::Consultation(ConsultationFacts {
                title: format!("Consultation {id}"),
                state: state.into(),
                series_id: None,
                round_label: Some("Spring 2026".into()),
                created_at,
            }),
        )
    }

    fn response(
        consultation: &str,
        state: &str,
        consent: bool,
        talk: bool,
    ) -> (String, RecordFacts) {
        (
            format!("r-{consultation}-{state}-{consent}-{talk}"),
            RecordFacts::Response(ResponseFacts {
                consultation_id: consultation.into(),
                home_id: Some(HOME.into()),
                state: state.into(),
                consent_given: consent,
                talk_to_someone: talk,
                followed_up: false,
                submitted_at: (state != "draft").then_some(1),
            }),
        )
    }

    #[test]
    fn consultations_show_counted_responses_suppressed_when_few_and_follow_ups_waiting() {
        let mut records = vec![
            consultation("four", "open", 1),
            consultation("five", "open", 2),
            consultation("closed-waiting", "closed", 3),
            consultation("closed-done", "closed", 4),
            consultation("draft", "draft", 5),
        ];
        for _ in 0..4 {
            records.push(response("four", "submitted", true, false));
        }
        // Not counted: a draft and one without consent (a draft cannot be followed up yet).
        records.push(response("four", "draft", true, true));
        records.push(response("four", "submitted", false, false));
        for _ in 0..4 {
            records.push(response("five", "submitted", true, false));
        }
        records.push(response("five", "closed", true, true));
        records.push(response("closed-waiting", "submitted", true, true));
        records.push(response("closed-waiting", "submitted", true, true));
        records.push(response("closed-done", "submitted", true, false));

        let o = overview(&homes(), &records, day("2026-06-15"), true, 5);
        let lines: Vec<(&str, Count, u32)> = o
            .consultations
            .iter()
            .map(|c| (c.id.as_str(), c.responses, c.awaiting_follow_up))
            .collect();
        assert_eq!(
            lines,
            [
                ("five", Count::Shown(5), 1),
                ("four", Count::Suppressed, 0),
                ("closed-waiting", Count::Suppressed, 2),
            ]
        );
        assert_eq!(
            o.consultations[0].round_label.as_deref(),
            Some("Spring 2026")
        );

        let managers = overview(&homes(), &records, day("2026-06-15"), false, 5);
        assert!(managers.consultations.is_empty());
        // A lower threshold shows the small group.
        let o = overview(&homes(), &records, day("2026-06-15"), true, 4);
        assert_eq!(o.consultations[1].responses, Count::Shown(4));
    }

    #[test]
    fn the_overview_serialises_as_the_api_sends_it() {
        let o = overview(
            &homes(),
            &[visit("v", "2026-06-01")],
            day("2026-06-15"),
            true,
            5,
        );
        let json = serde_json::to_value(&o).unwrap();
        assert_eq!(json["homes"][0]["thisMonth"], "done");
        assert_eq!(json["homes"][1]["thisMonth"], "overdue");
        assert_eq!(json["homes"][0]["dueBy"], "2026-06-30");
        assert_eq!(json["homes"][0]["openRecommendations"]["pastTimescale"], 0);
        assert_eq!(serde_json::from_value::<OfficersOverview>(json).unwrap(), o);
        assert_eq!(
            serde_json::to_value(Count::Shown(7)).unwrap(),
            serde_json::json!({"shown": 7})
        );
        assert_eq!(
            serde_json::to_value(Count::Suppressed).unwrap(),
            serde_json::json!("suppressed")
        );
    }
}
