//! The task list's sections and when each counts as completed: pure, so the rule is unit-tested.

use hearth_shared::dates::{is_date, is_time};
use hearth_shared::model::{CheckOutcome, Inspection};
use hearth_shared::rules::schema::is_initials;

/// One section of the Regulation 33 record, in task-list order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Section {
    /// Date, times, announced, who visited.
    VisitDetails,
    /// Children (count, initials, consent), staff and relatives spoken with.
    SpokeWith,
    /// The home's records looked at, one outcome per area.
    RecordsChecked,
    /// The building and grounds.
    Premises,
    /// What the children said.
    ChildrenViews,
    /// The safeguarding and wellbeing judgements with reasons.
    Opinion,
    /// This visit's recommendations.
    Recommendations,
    /// Progress on earlier visits' recommendations.
    PreviousRecommendations,
}

impl Section {
    /// Every section, in the order the task list shows them.
    pub const ALL: [Section; 8] = [
        Section::VisitDetails,
        Section::SpokeWith,
        Section::RecordsChecked,
        Section::Premises,
        Section::ChildrenViews,
        Section::Opinion,
        Section::Recommendations,
        Section::PreviousRecommendations,
    ];

    /// The stable key browser tests select on (`data-section`), named as the model's fields.
    pub fn key(self) -> &'static str {
        match self {
            Section::VisitDetails => "visitDetails",
            Section::SpokeWith => "spokeWith",
            Section::RecordsChecked => "recordsChecked",
            Section::Premises => "premises",
            Section::ChildrenViews => "childrenViews",
            Section::Opinion => "opinion",
            Section::Recommendations => "recommendations",
            Section::PreviousRecommendations => "previousRecommendations",
        }
    }

    /// The section's name as shown.
    pub fn title(self) -> &'static str {
        match self {
            Section::VisitDetails => "Visit details",
            Section::SpokeWith => "Who we spoke with",
            Section::RecordsChecked => "Records checked",
            Section::Premises => "Premises and environment",
            Section::ChildrenViews => "Children's views",
            Section::Opinion => "Opinion on safeguarding and wellbeing",
            Section::Recommendations => "Recommendations",
            Section::PreviousRecommendations => "Previous recommendations",
        }
    }
}

/// Whether `section` of `record` has everything a finished record needs.
///
/// Derived from content only (nothing stored), so two members editing at once always agree.
/// Completeness guides the members; it does not block submitting (a visit may genuinely have no
/// recommendations), only the schema's own rules do.
pub fn is_complete(section: Section, record: &Inspection) -> bool {
    let written = |s: &str| !s.trim().is_empty();
    match section {
        Section::VisitDetails => {
            is_date(&record.visit_date)
                && is_time(&record.time_in)
                && is_time(&record.time_out)
                && !record.visiting_members.is_empty()
        }
        Section::SpokeWith => {
            let s = &record.spoke_with;
            let anyone =
                s.children.count > 0 || !s.staff.is_empty() || !s.parents_relatives.is_empty();
            anyone
                && s.children.entries.len() as u64 <= s.children.count
                && s.children.entries.iter().all(|c| is_initials(&c.initials))
        }
        Section::RecordsChecked => {
            record
                .records_checked
                .iter()
                .any(|c| c.outcome != CheckOutcome::NotSeen)
                && record
                    .records_checked
                    .iter()
                    .all(|c| c.outcome != CheckOutcome::Concern || written(c.comment.as_str()))
        }
        Section::Premises => written(record.premises.as_str()),
        Section::ChildrenViews => written(record.children_views.as_str()),
        Section::Opinion => {
            written(record.safeguarding_opinion.text.as_str())
                && written(record.wellbeing_opinion.text.as_str())
        }
        Section::Recommendations => {
            !record.recommendations.is_empty()
                && record
                    .recommendations
                    .iter()
                    .all(|r| written(r.text.as_str()))
        }
        Section::PreviousRecommendations => {
            !record.previous_recommendations.is_empty()
                && record
                    .previous_recommendations
                    .iter()
                    .all(|p| written(p.text.as_str()) && written(p.progress.as_str()))
        }
    }
}

/// How many sections are completed, for the task list's summary line.
pub fn completed_count(record: &Inspection) -> usize {
    Section::ALL
        .iter()
        .filter(|&&s| is_complete(s, record))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_shared::model::{
        ChildSpokenWith, OpinionChoice, PreviousRecommendation, Priority, Recommendation,
    };

    fn fresh() -> Inspection {
        Inspection::new("member-1", "home-1", 1_790_000_000_000)
    }

    #[test]
    fn a_new_record_has_no_completed_sections() {
        let record = fresh();
        for section in Section::ALL {
            assert!(!is_complete(section, &record), "{section:?}");
        }
        assert_eq!(completed_count(&record), 0);
    }

    #[test]
    fn visit_details_need_both_times() {
        let mut r = fresh();
        r.time_in = "10:00".into();
        assert!(!is_complete(Section::VisitDetails, &r));
        r.time_out = "12:30".into();
        assert!(is_complete(Section::VisitDetails, &r));
        r.visiting_members.clear();
        assert!(!is_complete(Section::VisitDetails, &r));
    }

    #[test]
    fn speaking_with_anyone_completes_who_we_spoke_with() {
        let mut r = fresh();
        r.spoke_with.staff.push("Team leader".into());
        assert!(is_complete(Section::SpokeWith, &r));

        let mut r = fresh();
        r.spoke_with.children.count = 2;
        r.spoke_with.children.entries.push(ChildSpokenWith {
            initials: "AB".into(),
            consent: true,
        });
        assert!(is_complete(Section::SpokeWith, &r));
        r.spoke_with.children.entries[0].initials = "Ab".into();
        assert!(!is_complete(Section::SpokeWith, &r));
    }

    #[test]
    fn a_concern_without_a_comment_leaves_records_checked_incomplete() {
        let mut r = fresh();
        r.records_checked[0].outcome = CheckOutcome::Satisfactory;
        assert!(is_complete(Section::RecordsChecked, &r));
        r.records_checked[1].outcome = CheckOutcome::Concern;
        assert!(!is_complete(Section::RecordsChecked, &r));
        r.records_checked[1].comment.update("Two entries unsigned");
        assert!(is_complete(Section::RecordsChecked, &r));
    }

    #[test]
    fn blank_text_does_not_count_as_written() {
        let mut r = fresh();
        r.premises.update("   \n ");
        assert!(!is_complete(Section::Premises, &r));
        r.premises.update("Clean and homely; boiler repaired.");
        assert!(is_complete(Section::Premises, &r));
        r.children_views.update("CD likes the new garden.");
        assert!(is_complete(Section::ChildrenViews, &r));
    }

    #[test]
    fn opinions_are_complete_when_both_have_reasons() {
        let mut r = fresh();
        r.safeguarding_opinion.choice = OpinionChoice::Effective;
        r.safeguarding_opinion
            .text
            .update("Staff knew the procedures.");
        assert!(!is_complete(Section::Opinion, &r));
        // "Not assessed" with a reason is a finished judgement.
        r.wellbeing_opinion
            .text
            .update("No time to look on this visit.");
        assert!(is_complete(Section::Opinion, &r));
    }

    #[test]
    fn recommendations_need_text_for_every_entry() {
        let mut r = fresh();
        r.recommendations.push(Recommendation::new(
            "r1",
            "Audit medication",
            Priority::High,
        ));
        assert!(is_complete(Section::Recommendations, &r));
        r.recommendations
            .push(Recommendation::new("r2", "", Priority::Low));
        assert!(!is_complete(Section::Recommendations, &r));

        r.previous_recommendations.push(PreviousRecommendation {
            text: "Repaint the lounge".into(),
            progress: "".into(),
        });
        assert!(!is_complete(Section::PreviousRecommendations, &r));
        r.previous_recommendations[0]
            .progress
            .update("Done in October");
        assert!(is_complete(Section::PreviousRecommendations, &r));
    }

    #[test]
    fn section_keys_match_the_browser_test_contract() {
        let keys: Vec<&str> = Section::ALL.iter().map(|s| s.key()).collect();
        assert_eq!(
            keys,
            [
                "visitDetails",
                "spokeWith",
                "recordsChecked",
                "premises",
                "childrenViews",
                "opinion",
                "recommendations",
                "previousRecommendations"
            ]
        );
    }
}
