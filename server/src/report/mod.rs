//! Reports and exports, rendered from records the caller has already loaded and checked:
//! the Regulation 33 report, the Corporate Parenting Panel summary, CSV and XLSX tables.
//!
//! Pure functions with no IO, no store and no clock: [`crate::http`] decides who may see what,
//! loads the records and calls these. Every layout is first built as a [`ReportDoc`] (what to
//! say, in reading order), then written by [`html`] or [`pdf`], so the screen, the print-out and
//! the PDF say the same thing.

mod export;
mod html;
mod inspection;
mod panel;
mod pdf;
#[cfg(test)]
mod tests;

pub use export::{csv, recommendations_table, responses_table, xlsx};
pub use html::{REPORT_CSS, html};
pub use inspection::{DistributionLine, InspectionContext, inspection_report, recipient_label};
pub use panel::panel_summary;
pub use pdf::pdf;

use hearth_shared::reporting::results::Count;

/// A report as an ordered outline: a title, then sections of blocks. Holds only what may be
/// shown to its reader: the builders leave out anything that must not be.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportDoc {
    /// The one top-level heading, also the page and PDF title.
    pub title: String,
    /// A line under the title (e.g. the home and the date).
    pub subtitle: Option<String>,
    /// The sections, in reading order.
    pub sections: Vec<Section>,
}

/// One section with its own heading.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// The section's heading (level 2).
    pub heading: String,
    /// What the section says, in order.
    pub blocks: Vec<Block>,
}

/// One piece of a section.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A paragraph; line breaks in it are kept.
    Paragraph(String),
    /// Label–value pairs (a definition list on screen).
    Facts(Vec<(String, String)>),
    /// A table with column headings; the first cell of each row heads that row.
    Table {
        /// What the table shows.
        caption: String,
        /// Column headings.
        headers: Vec<String>,
        /// The rows, each as long as `headers`.
        rows: Vec<Vec<String>>,
    },
    /// A horizontal bar chart, always shown with its numbers as text too.
    BarChart(Chart),
}

/// A horizontal bar chart of one question's answers: bar length is the percentage.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// What the chart shows (its accessible name).
    pub title: String,
    /// One bar per answer: label, count (maybe suppressed) and percentage when it may be shown.
    pub bars: Vec<(String, Count, Option<u32>)>,
    /// A comparison figure to mark on the chart, e.g. ("National survey: Yes", 72).
    pub comparison: Option<(String, u32)>,
    /// The suppression threshold, so a suppressed count reads "fewer than N".
    pub suppress_below: u32,
}

/// A table to export as CSV or XLSX.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The worksheet's name in XLSX.
    pub sheet: String,
    /// Column headings.
    pub headers: Vec<String>,
    /// The rows, each as long as `headers`.
    pub rows: Vec<Vec<String>>,
}

/// Why a report or export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The PDF writer failed (an internal fault, not the reader's input).
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
    /// The XLSX writer failed.
    #[error("the spreadsheet could not be written: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

/// The text alternative of a chart: every bar's number and the comparison, in words.
pub(crate) fn chart_description(chart: &Chart) -> String {
    let mut parts: Vec<String> = chart
        .bars
        .iter()
        .map(|(label, count, percent)| {
            let count = count.text(chart.suppress_below);
            match percent {
                Some(p) => format!("{label}: {count} ({p}%)"),
                None => format!("{label}: {count}"),
            }
        })
        .collect();
    if let Some((label, percent)) = &chart.comparison {
        parts.push(format!("{label}: {percent}%"));
    }
    if parts.is_empty() {
        "No answers.".to_string()
    } else {
        format!("{}.", parts.join("; "))
    }
}
