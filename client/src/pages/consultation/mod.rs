//! The consultation builder for participation workers, and the results view.
//!
//! Both are pure views: the builder emits the whole edited
//! [`Consultation`](hearth_shared::model::Consultation) through
//! `on_change` (the caller persists it); the results view only reads what
//! [`hearth_shared::reporting::results`] computed, and emits follow-ups and "You said, we did"
//! edits. The question-list edits, the comparison input and the chart geometry are plain
//! functions with native unit tests.

mod builder;
mod chart;
mod follow_up;
mod measures;
mod questions;
mod results;
mod you_said;

pub use builder::{ConsultationBuilder, ConsultationBuilderProps};
pub use follow_up::FollowUpItem;
pub use results::{ResultsView, ResultsViewProps, series_rounds};
