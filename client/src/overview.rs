//! The officers' overview screen's pure part: who sees it and which parts, and the words and
//! GOV.UK tag colours for what `GET /api/overview` says
//! ([`hearth_shared::reporting::OfficersOverview`], computed on the server from its clock). The
//! screen itself (wasm32) is `app::overview`; nothing here does IO.

use hearth_shared::model::WorkflowState;
use hearth_shared::permissions::Role;
use hearth_shared::reporting::{HomeOverview, RecommendationAges, VisitStatus};

/// What the overview shows someone with a role: the homes' visits and recommendations, and the
/// consultations running. The server gives the same split (`/api/overview`); asking here means
/// the menu and page headings match it offline too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parts {
    /// Per home: visits, records, open recommendations, responses outstanding.
    pub homes: bool,
    /// Consultations running, with responses and follow-ups.
    pub consultations: bool,
}

/// The parts of the overview `role` sees; `None` when the overview is not for them (the menu
/// then has no "Overview").
pub fn parts(role: Role) -> Option<Parts> {
    match role {
        Role::Officer => Some(Parts {
            homes: true,
            consultations: true,
        }),
        Role::Manager => Some(Parts {
            homes: true,
            consultations: false,
        }),
        Role::ParticipationWorker => Some(Parts {
            homes: false,
            consultations: true,
        }),
        Role::Member | Role::YoungPerson | Role::Admin => None,
    }
}

/// This month's visit as a GOV.UK tag: the words and the colour class.
pub fn visit_tag(status: VisitStatus) -> (&'static str, &'static str) {
    match status {
        VisitStatus::Done => ("Done", "govuk-tag--green"),
        VisitStatus::Due => ("Due", "govuk-tag--yellow"),
        VisitStatus::Overdue => ("Overdue", "govuk-tag--red"),
    }
}

/// A record state as the API writes it (`signedOff`), in words ("Signed off"); a state this
/// build does not know is shown as it is.
pub fn state_label(state: &str) -> String {
    let known = match WorkflowState::parse(state) {
        Some(WorkflowState::Draft) => "Draft",
        Some(WorkflowState::Submitted) => "Submitted",
        Some(WorkflowState::SignedOff) => "Signed off",
        Some(WorkflowState::Responded) => "Responded",
        Some(WorkflowState::Closed) => "Closed",
        Some(WorkflowState::Open) => "Open",
        None => return state.to_string(),
    };
    known.to_string()
}

/// The open-recommendation rows of a home: the words, a stable key (for ids) and the count.
pub fn recommendation_rows(ages: &RecommendationAges) -> [(&'static str, &'static str, u32); 4] {
    [
        ("Under 1 month old", "under-1-month", ages.under_one_month),
        (
            "1 to 3 months old",
            "1-to-3-months",
            ages.one_to_three_months,
        ),
        ("Over 3 months old", "over-3-months", ages.over_three_months),
        (
            "Past their timescale",
            "past-timescale",
            ages.past_timescale,
        ),
    ]
}

/// How many open recommendations a home has (the age bands; past-timescale ones are in them).
pub fn open_recommendations(ages: &RecommendationAges) -> u32 {
    ages.under_one_month + ages.one_to_three_months + ages.over_three_months
}

/// The sentence above the homes: how many are overdue and due, so the ones to act on are
/// found without reading every row.
pub fn visits_headline(homes: &[HomeOverview]) -> String {
    let count = |status| homes.iter().filter(|h| h.this_month == status).count();
    let (overdue, due) = (count(VisitStatus::Overdue), count(VisitStatus::Due));
    let homes_word = |n: usize| if n == 1 { "home" } else { "homes" };
    match (overdue, due) {
        (0, 0) => "Every home has had this month's visit.".to_string(),
        (0, due) => format!("{due} {} due a visit this month.", homes_word(due)),
        (overdue, 0) => format!("{overdue} {} overdue a visit.", homes_word(overdue)),
        (overdue, due) => format!(
            "{overdue} {} overdue a visit; {due} due this month.",
            homes_word(overdue)
        ),
    }
}

#[cfg(test)]
mod tests {
    use hearth_shared::reporting::StateCount;

    use super::*;

    fn home(id: &str, this_month: VisitStatus) -> HomeOverview {
        HomeOverview {
            home_id: id.into(),
            home_name: "Demo Home".into(),
            last_visit: None,
            last_visit_id: None,
            this_month,
            due_by: "2026-11-30".into(),
            records_by_state: vec![StateCount {
                state: "draft".into(),
                count: 1,
            }],
            open_recommendations: RecommendationAges::default(),
            responses_outstanding: 0,
        }
    }

    #[test]
    fn officers_see_everything_managers_their_homes_and_workers_consultations() {
        let both = Parts {
            homes: true,
            consultations: true,
        };
        assert_eq!(parts(Role::Officer), Some(both));
        assert_eq!(
            parts(Role::Manager),
            Some(Parts {
                homes: true,
                consultations: false
            })
        );
        assert_eq!(
            parts(Role::ParticipationWorker),
            Some(Parts {
                homes: false,
                consultations: true
            })
        );
        for role in [Role::Member, Role::YoungPerson, Role::Admin] {
            assert_eq!(parts(role), None);
        }
    }

    #[test]
    fn visits_done_due_and_overdue_are_green_yellow_and_red() {
        assert_eq!(visit_tag(VisitStatus::Done), ("Done", "govuk-tag--green"));
        assert_eq!(visit_tag(VisitStatus::Due), ("Due", "govuk-tag--yellow"));
        assert_eq!(
            visit_tag(VisitStatus::Overdue),
            ("Overdue", "govuk-tag--red")
        );
    }

    #[test]
    fn states_read_as_words() {
        assert_eq!(state_label("signedOff"), "Signed off");
        assert_eq!(state_label("draft"), "Draft");
        assert_eq!(state_label("archived"), "archived");
    }

    #[test]
    fn recommendations_are_counted_by_age_with_past_timescale_apart() {
        let ages = RecommendationAges {
            under_one_month: 2,
            one_to_three_months: 1,
            over_three_months: 3,
            past_timescale: 4,
        };
        assert_eq!(open_recommendations(&ages), 6);
        let rows = recommendation_rows(&ages);
        assert_eq!(
            rows.map(|(_, _, n)| n),
            [2, 1, 3, 4],
            "in the order the screen lists them"
        );
        assert_eq!(rows[3].0, "Past their timescale");
    }

    #[test]
    fn the_headline_names_overdue_homes_first() {
        use VisitStatus::*;
        assert_eq!(
            visits_headline(&[home("a", Done)]),
            "Every home has had this month's visit."
        );
        assert_eq!(
            visits_headline(&[home("a", Due), home("b", Done)]),
            "1 home due a visit this month."
        );
        assert_eq!(
            visits_headline(&[home("a", Overdue), home("b", Overdue)]),
            "2 homes overdue a visit."
        );
        assert_eq!(
            visits_headline(&[home("a", Overdue), home("b", Due), home("c", Due)]),
            "1 home overdue a visit; 2 due this month."
        );
    }
}
