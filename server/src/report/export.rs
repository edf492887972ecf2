//! Tables for download: consultation responses and recommendations, as CSV or XLSX.
//!
//! The builders decide what a table may hold (counted responses only, small groups folded into
//! "Other"); [`csv`] and [`xlsx`] only write it, the same for every table.

use std::collections::HashMap;

use hearth_shared::labels;
use hearth_shared::model::{AgeBand, ConsultationResponse, Inspection, QuestionType};
use hearth_shared::reporting::results::{Round, counted, scale_labels, yes_no_labels};

use super::{ReportError, Table};

/// The UTF-8 byte order mark: without it Excel reads a CSV file as the local code page and
/// garbles anything beyond ASCII.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Excel's longest cell text (in UTF-16 units); longer text is cut short with an ellipsis.
const XLSX_MAX_CELL: usize = 32_767;

/// `table` as RFC 4180 CSV (comma separated, CRLF line ends, quoted where needed), UTF-8 with a
/// byte order mark. A cell that a spreadsheet would run as a formula (starting with `=`, `+`,
/// `-`, `@`, a tab or a carriage return) gets a leading apostrophe, so an answer a young person
/// typed can never become a formula on an officer's computer.
pub fn csv(table: &Table) -> Vec<u8> {
    let mut out = UTF8_BOM.to_vec();
    let mut writer = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .flexible(true)
        .from_writer(&mut out);
    let width = table.headers.len();
    let rows = std::iter::once(&table.headers).chain(&table.rows);
    for row in rows {
        let record = (0..width.max(row.len())).map(|i| {
            let cell = row.get(i).map_or("", String::as_str);
            defuse_formula(cell)
        });
        writer
            .write_record(record)
            .expect("writing CSV into memory cannot fail");
    }
    writer
        .flush()
        .expect("flushing CSV into memory cannot fail");
    drop(writer);
    out
}

/// `cell` with a leading apostrophe if a spreadsheet would read it as a formula.
fn defuse_formula(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

/// `table` as an XLSX workbook of one worksheet: the header row bold and frozen, columns sized
/// to their contents. Cells are written as text, never as formulas.
pub fn xlsx(table: &Table) -> Result<Vec<u8>, ReportError> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name(&table.sheet))?;
    for (col, header) in table.headers.iter().enumerate() {
        sheet.write_string_with_format(0, column(col)?, fit_cell(header), &bold)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        let r =
            u32::try_from(r + 1).map_err(|_| rust_xlsxwriter::XlsxError::RowColumnLimitError)?;
        for (col, cell) in row.iter().enumerate() {
            if !cell.is_empty() {
                sheet.write_string(r, column(col)?, fit_cell(cell))?;
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    // Autofit, but no column wider than about 60 characters: long answers wrap off-screen.
    sheet.set_autofit_max_width(420);
    sheet.autofit();
    Ok(workbook.save_to_buffer()?)
}

fn column(i: usize) -> Result<u16, ReportError> {
    u16::try_from(i).map_err(|_| ReportError::Xlsx(rust_xlsxwriter::XlsxError::RowColumnLimitError))
}

/// A worksheet name Excel accepts: no `[]:*?/\`, not blank, at most 31 characters.
fn sheet_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') && !c.is_control())
        .take(31)
        .collect();
    let cleaned = cleaned.trim().trim_matches('\'').to_string();
    if cleaned.is_empty() {
        "Sheet1".to_string()
    } else {
        cleaned
    }
}

/// `cell` cut to Excel's cell limit.
fn fit_cell(cell: &str) -> String {
    if cell.encode_utf16().count() <= XLSX_MAX_CELL {
        return cell.to_string();
    }
    let mut out = String::new();
    let mut units = 0;
    for c in cell.chars() {
        units += c.len_utf16();
        if units > XLSX_MAX_CELL - 1 {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// One row per counted response of `round` (submitted or closed, with consent), one column per
/// question, free-text answers included. A home or an age band with fewer than `suppress_below`
/// counted responses is shown as "Other (fewer than N)", so a small group cannot be picked out;
/// no dates or times are included for the same reason, and rows are ordered by home and age
/// band, not by when they came in. `home_names` maps home ids to names.
pub fn responses_table(
    round: &Round<'_>,
    suppress_below: u32,
    home_names: &HashMap<String, String>,
) -> Table {
    let consultation = round.consultation;
    let responses: Vec<&ConsultationResponse> = round
        .responses
        .iter()
        .copied()
        .filter(|r| counted(r))
        .collect();
    let other = format!("Other (fewer than {suppress_below})");
    let mut homes: HashMap<Option<&str>, u32> = HashMap::new();
    let mut bands: HashMap<Option<AgeBand>, u32> = HashMap::new();
    for r in &responses {
        *homes.entry(r.home_id.as_deref()).or_default() += 1;
        *bands.entry(r.age_band).or_default() += 1;
    }
    let round_label = consultation
        .round_label
        .clone()
        .filter(|l| !l.trim().is_empty())
        .unwrap_or_else(|| consultation.title.clone());

    let mut keyed: Vec<(String, String, Vec<String>)> = responses
        .iter()
        .map(|r| {
            let home = match r.home_id.as_deref() {
                None => "Not given".to_string(),
                Some(_) if homes[&r.home_id.as_deref()] < suppress_below => other.clone(),
                Some(id) => home_names
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| "Unknown home".to_string()),
            };
            let band = match r.age_band {
                None => "Not given".to_string(),
                Some(_) if bands[&r.age_band] < suppress_below => other.clone(),
                Some(b) => labels::age_band(b).to_string(),
            };
            let answers = consultation
                .questions
                .iter()
                .map(|q| {
                    let Some(a) = r.answers.iter().find(|a| a.question_id == q.id) else {
                        return String::new();
                    };
                    match q.question_type {
                        QuestionType::EmojiScale => a
                            .scale
                            .map(|s| {
                                scale_labels()
                                    .iter()
                                    .find(|(v, _)| *v == s)
                                    .map_or_else(|| s.to_string(), |(_, l)| format!("{s} ({l})"))
                            })
                            .unwrap_or_default(),
                        QuestionType::YesNoNotSure => a
                            .choice
                            .as_deref()
                            .map(|c| {
                                yes_no_labels()
                                    .iter()
                                    .find(|(v, _)| *v == c)
                                    .map_or(c, |(_, l)| l)
                                    .to_string()
                            })
                            .unwrap_or_default(),
                        QuestionType::SingleChoice => a.choice.clone().unwrap_or_default(),
                        QuestionType::MultipleChoice => {
                            a.choices.clone().unwrap_or_default().join("; ")
                        }
                        QuestionType::FreeText => a
                            .text
                            .as_ref()
                            .map(|t| t.as_str().trim().to_string())
                            .unwrap_or_default(),
                    }
                })
                .collect();
            (home, band, answers)
        })
        .collect();
    keyed.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));

    let mut headers = vec![
        "Response".to_string(),
        "Round".to_string(),
        "Home".to_string(),
        "Age band".to_string(),
    ];
    headers.extend(consultation.questions.iter().map(|q| q.prompt.clone()));
    let rows = keyed
        .into_iter()
        .enumerate()
        .map(|(i, (home, band, answers))| {
            let mut row = vec![(i + 1).to_string(), round_label.clone(), home, band];
            row.extend(answers);
            row
        })
        .collect();
    Table {
        sheet: "Responses".to_string(),
        headers,
        rows,
    }
}

/// One row per recommendation of the given inspections (the caller passes only records from
/// `signedOff` on that its reader may see), each with its home's name: what was recommended,
/// how urgent, by when, where it is, and what the manager said.
pub fn recommendations_table(rows: &[(String, &Inspection)]) -> Table {
    let headers = [
        "Home",
        "Visit date",
        "Recommendation",
        "Priority",
        "Timescale (respond by)",
        "Status",
        "Manager's response",
        "Record state",
    ]
    .map(String::from)
    .to_vec();
    let rows = rows
        .iter()
        .flat_map(|(home, inspection)| {
            inspection.recommendations.iter().map(move |r| {
                vec![
                    home.clone(),
                    inspection.visit_date.clone(),
                    r.text.as_str().trim().to_string(),
                    labels::priority(r.priority).to_string(),
                    r.due_by.clone().unwrap_or_default(),
                    labels::status(r.status).to_string(),
                    r.manager_response.as_str().trim().to_string(),
                    labels::state(inspection.state).to_string(),
                ]
            })
        })
        .collect();
    Table {
        sheet: "Recommendations".to_string(),
        headers,
        rows,
    }
}
