//! The consultation builder for participation workers, and the results view.
//!
//! Both are pure views: the builder emits the whole edited
//! [`Consultation`](hearth_shared::model::Consultation) through
//! `on_change` (the caller persists it); the results view only reads. The question-list edits
//! and the aggregates are plain functions with native unit tests.

pub mod aggregate;
mod builder;
mod questions;
mod results;

pub use builder::{ConsultationBuilder, ConsultationBuilderProps};
pub use results::{ResultsView, ResultsViewProps};
