//! The words people read for the model's enum values (the model stores camelCase codes), in one
//! place so that the screens, the reports and the exports call a thing by the same name.

use crate::model::{
    AgeBand, CheckArea, CheckOutcome, OpinionChoice, Priority, RecommendationStatus, WorkflowState,
};

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

/// A record's workflow state.
pub fn state(s: WorkflowState) -> &'static str {
    match s {
        WorkflowState::Draft => "Draft",
        WorkflowState::Submitted => "Submitted",
        WorkflowState::SignedOff => "Signed off",
        WorkflowState::Responded => "Responded",
        WorkflowState::Closed => "Closed",
        WorkflowState::Open => "Open",
    }
}

/// An age band.
pub fn age_band(b: AgeBand) -> &'static str {
    match b {
        AgeBand::Ages8To12 => "8 to 12",
        AgeBand::Ages13To15 => "13 to 15",
        AgeBand::Ages16To18 => "16 to 18",
    }
}
