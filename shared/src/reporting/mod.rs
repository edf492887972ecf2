//! Reporting: what officers, managers and the Panel see of the records, computed from plain
//! values so the server (HTML, PDF, exports, `/api/overview`) and the client (screens) give the
//! same numbers.
//!
//! - [`calendar`] (from `crate::calendar`): civil dates without a date crate (wasm too).
//! - [`facts`]: the few facts reporting needs from one record, no free text, stored by the server
//!   beside each document so the overview never loads documents.
//! - [`overview`]: the officers' overview (visits done, due or overdue; open recommendations by
//!   age; consultations running), from those facts and a `today` the caller's clock gives.
//! - [`results`]: consultation results over rounds, with small-group suppression.

/// Civil dates live below the model (`crate::calendar`); reporting names them here too.
pub use crate::calendar;
pub mod facts;
pub mod overview;
pub mod results;

pub use calendar::Day;
pub use facts::{
    ConsultationFacts, InspectionFacts, RecommendationFacts, RecordFacts, ResponseFacts, facts_of,
};
pub use overview::{
    ConsultationOverview, HomeOverview, HomeRef, OfficersOverview, RecommendationAges, StateCount,
    VisitStatus, overview,
};
pub use results::{
    ComparisonView, ConsultationResults, Count, PromiseGroup, QuestionResults, ResultsFilter,
    ResultsOptions, Round, RoundHeading, RoundOutcome, Tally, YouSaidWeDidEntry, counted,
    needing_follow_up, results,
};

/// Fewer counted responses than this in a group, or a count below it, is shown as "fewer than
/// 5" rather than a number, so no young person can be picked out of a small group. The server
/// makes it configurable (`--suppress-below`); this is the default.
pub const DEFAULT_SUPPRESS_BELOW: u32 = 5;
