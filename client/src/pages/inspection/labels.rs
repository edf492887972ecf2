//! The words shown for the model's enum values (the model stores camelCase codes).

use hearth_shared::model::{
    CheckArea, CheckOutcome, OpinionChoice, Priority, RecommendationStatus,
};
use yew::AttrValue;

/// A records area as a heading.
pub fn area(a: CheckArea) -> &'static str {
    match a {
        CheckArea::Complaints => "Complaints",
        CheckArea::RestraintAndSanctions => "Restraint and sanctions",
        CheckArea::MissingFromCare => "Missing from care",
        CheckArea::IncidentsAndNotifications => "Incidents and notifications",
        CheckArea::Medication => "Medication",
        CheckArea::DailyLogs => "Daily logs",
        CheckArea::StaffRota => "Staff rota",
        CheckArea::FireSafety => "Fire safety",
        CheckArea::EducationAndHealth => "Education and health",
    }
}

/// What was found in a records area.
pub fn outcome(o: CheckOutcome) -> &'static str {
    match o {
        CheckOutcome::Satisfactory => "Satisfactory",
        CheckOutcome::Concern => "Concern",
        CheckOutcome::NotSeen => "Not seen",
    }
}

/// A safeguarding or wellbeing judgement.
pub fn opinion(o: OpinionChoice) -> &'static str {
    match o {
        OpinionChoice::Effective => "Effective",
        OpinionChoice::RequiresImprovement => "Requires improvement",
        OpinionChoice::Ineffective => "Ineffective",
        OpinionChoice::NotAssessed => "Not assessed",
    }
}

/// A recommendation's priority.
pub fn priority(p: Priority) -> &'static str {
    match p {
        Priority::High => "High",
        Priority::Medium => "Medium",
        Priority::Low => "Low",
    }
}

/// Where the home is with a recommendation.
pub fn status(s: RecommendationStatus) -> &'static str {
    match s {
        RecommendationStatus::Open => "Open",
        RecommendationStatus::Accepted => "Accepted",
        RecommendationStatus::InProgress => "In progress",
        RecommendationStatus::Done => "Done",
        RecommendationStatus::Declined => "Declined",
    }
}

/// `(value, label)` pairs for a radio group or select, from an enum's `ALL` and a label fn.
pub fn options<T: Copy>(
    all: &[T],
    code: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
) -> Vec<(AttrValue, AttrValue)> {
    all.iter()
        .map(|&v| (AttrValue::Static(code(v)), AttrValue::Static(label(v))))
        .collect()
}
