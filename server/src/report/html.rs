//! A [`ReportDoc`] as one accessible HTML page: one `h1`, an `h2` per section, definition
//! lists, tables with captions and header scopes, and charts as inline SVG with a text
//! alternative and their numbers in a table beside them.
//!
//! The server's Content-Security-Policy allows no inline styles, so the page links
//! [`REPORT_CSS`] (served at `/api/reports/report.css`) instead of carrying a `<style>`; SVG
//! presentation attributes (`fill`, `width`) are not styles and are allowed.

use std::fmt::Write as _;

use super::{Block, Chart, ReportDoc, chart_description};

/// Where the server serves [`REPORT_CSS`].
const STYLESHEET_HREF: &str = "/api/reports/report.css";

/// The report stylesheet: a GOV.UK-like screen style and an A4 print style (no navigation,
/// no breaks inside tables, charts or rows, headings kept with what follows).
pub const REPORT_CSS: &str = r#"/* Hearth reports: screen and print. */
:root { color-scheme: light; }
* { box-sizing: border-box; }
body {
  margin: 0;
  font-family: Arial, "Helvetica Neue", Helvetica, sans-serif;
  font-size: 1.1875rem;
  line-height: 1.45;
  color: #0b0c0c;
  background: #ffffff;
}
a { color: #1d70b8; text-decoration: underline; text-underline-offset: 0.15em; }
a:visited { color: #4c2c92; }
a:focus { outline: 3px solid transparent; background: #ffdd00; color: #0b0c0c; box-shadow: 0 4px #0b0c0c; text-decoration: none; }
.report-header { background: #0b0c0c; color: #ffffff; border-bottom: 10px solid #1d70b8; }
.report-header nav { max-width: 960px; margin: 0 auto; padding: 0.75rem 1rem; }
.report-header a { color: #ffffff; font-weight: 700; text-decoration: none; }
.report-header a:focus { color: #0b0c0c; }
main.report { display: block; max-width: 960px; margin: 0 auto; padding: 2rem 1rem 4rem; }
h1 { font-size: 2.25rem; line-height: 1.1; margin: 0 0 0.75rem; }
.report-subtitle { font-size: 1.375rem; color: #505a5f; margin: 0 0 2rem; }
h2 { font-size: 1.5rem; line-height: 1.2; margin: 2.5rem 0 1rem; padding-top: 1rem; border-top: 2px solid #1d70b8; }
p, dd, td, th { white-space: pre-line; overflow-wrap: break-word; }
p { margin: 0 0 1rem; }
.report-facts { margin: 0 0 1.5rem; border-top: 1px solid #b1b4b6; }
.report-facts > div { display: grid; grid-template-columns: minmax(9rem, 32%) 1fr; gap: 1rem; padding: 0.6rem 0; border-bottom: 1px solid #b1b4b6; }
.report-facts dt { font-weight: 700; }
.report-facts dd { margin: 0; }
.report-table { width: 100%; border-collapse: collapse; border-spacing: 0; margin: 0 0 1.5rem; }
.report-table caption { text-align: left; font-weight: 700; font-size: 1.1875rem; margin: 0 0 0.5rem; }
.report-table th, .report-table td { text-align: left; vertical-align: top; padding: 0.6rem 1.25rem 0.6rem 0; border-bottom: 1px solid #b1b4b6; }
.report-table thead th { font-weight: 700; }
.report-table tbody th { font-weight: 700; }
.report-table td.report-number { text-align: right; font-variant-numeric: tabular-nums; }
.report-chart { margin: 0 0 2rem; display: grid; grid-template-columns: 1fr; gap: 1rem; }
.report-chart figcaption { font-weight: 700; grid-column: 1 / -1; }
.report-chart svg { width: 100%; height: auto; max-width: 40rem; }
.report-chart svg text { font-family: Arial, "Helvetica Neue", Helvetica, sans-serif; font-size: 15px; fill: #0b0c0c; }
.report-chart .report-table { font-size: 1rem; }
.report-chart .report-table th, .report-chart .report-table td { padding-right: 0.75rem; }
@media (min-width: 55rem) {
  .report-chart { grid-template-columns: 3fr 2fr; align-items: start; }
}
@media print {
  @page { size: A4; margin: 18mm 16mm 20mm; }
  body { font-size: 11pt; line-height: 1.35; }
  .report-header, nav { display: none; }
  main.report { max-width: none; padding: 0; }
  h1 { font-size: 20pt; }
  .report-subtitle { font-size: 13pt; }
  h2 { font-size: 15pt; margin-top: 1.5rem; break-after: avoid; page-break-after: avoid; }
  section, table, figure, tr, .report-facts > div { break-inside: avoid; page-break-inside: avoid; }
  .report-table caption { font-size: 11pt; break-after: avoid; page-break-after: avoid; }
  .report-chart .report-table { font-size: 10pt; }
  a { color: #0b0c0c; text-decoration: none; }
  .report-chart { grid-template-columns: 3fr 2fr; }
}
"#;

/// `doc` as a complete HTML5 page. Every string from the document is escaped.
pub fn html(doc: &ReportDoc) -> String {
    let mut out = String::with_capacity(16 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<meta name=\"robots\" content=\"noindex, nofollow\">\n");
    let _ = writeln!(out, "<title>{}</title>", escape(&doc.title));
    let _ = writeln!(out, "<link rel=\"stylesheet\" href=\"{STYLESHEET_HREF}\">");
    out.push_str("</head>\n<body>\n");
    out.push_str(
        "<header class=\"report-header\"><nav aria-label=\"Hearth\"><a href=\"/\">Hearth</a></nav></header>\n",
    );
    out.push_str("<main class=\"report\">\n");
    let _ = writeln!(out, "<h1>{}</h1>", escape(&doc.title));
    if let Some(subtitle) = &doc.subtitle {
        let _ = writeln!(out, "<p class=\"report-subtitle\">{}</p>", escape(subtitle));
    }
    let mut charts = 0usize;
    for (i, section) in doc.sections.iter().enumerate() {
        let id = format!("section-{}", i + 1);
        let _ = writeln!(out, "<section aria-labelledby=\"{id}\">");
        let _ = writeln!(out, "<h2 id=\"{id}\">{}</h2>", escape(&section.heading));
        for block in &section.blocks {
            match block {
                Block::Paragraph(text) => {
                    let _ = writeln!(out, "<p>{}</p>", escape(text));
                }
                Block::Facts(facts) => facts_html(&mut out, facts),
                Block::Table {
                    caption,
                    headers,
                    rows,
                } => table_html(&mut out, caption, headers, rows, &[]),
                Block::BarChart(chart) => {
                    charts += 1;
                    chart_html(&mut out, chart, charts);
                }
            }
        }
        out.push_str("</section>\n");
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

/// `s` safe in HTML text and in quoted attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than line breaks and tabs are not allowed in HTML.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn facts_html(out: &mut String, facts: &[(String, String)]) {
    out.push_str("<dl class=\"report-facts\">\n");
    for (label, value) in facts {
        let _ = writeln!(
            out,
            "<div><dt>{}</dt><dd>{}</dd></div>",
            escape(label),
            escape(value)
        );
    }
    out.push_str("</dl>\n");
}

/// A table whose first cell in each row heads the row; `numeric` lists the columns to
/// right-align.
fn table_html(
    out: &mut String,
    caption: &str,
    headers: &[String],
    rows: &[Vec<String>],
    numeric: &[usize],
) {
    out.push_str("<table class=\"report-table\">\n");
    let _ = writeln!(out, "<caption>{}</caption>", escape(caption));
    out.push_str("<thead><tr>");
    for h in headers {
        let _ = write!(out, "<th scope=\"col\">{}</th>", escape(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            if i == 0 {
                let _ = write!(out, "<th scope=\"row\">{}</th>", escape(cell));
            } else if numeric.contains(&i) {
                let _ = write!(out, "<td class=\"report-number\">{}</td>", escape(cell));
            } else {
                let _ = write!(out, "<td>{}</td>", escape(cell));
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

/// Geometry of the SVG bar chart, in its own units (the SVG scales to the column).
const CHART_WIDTH: u32 = 560;
const BAR_AREA: u32 = 420;
const ROW_HEIGHT: u32 = 44;
const BAR_HEIGHT: u32 = 16;

fn chart_html(out: &mut String, chart: &Chart, n: usize) {
    let title_id = format!("chart-{n}-title");
    let desc_id = format!("chart-{n}-desc");
    let rows = chart.bars.len() as u32;
    let height = rows * ROW_HEIGHT + if chart.comparison.is_some() { 34 } else { 8 };
    // `data-chart`: a chart and the table of its numbers, together (the accessibility check).
    out.push_str("<figure class=\"report-chart\" data-chart=\"\">\n");
    let _ = writeln!(out, "<figcaption>{}</figcaption>", escape(&chart.title));
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"{title_id} {desc_id}\" viewBox=\"0 0 {CHART_WIDTH} {height}\" width=\"{CHART_WIDTH}\" height=\"{height}\">"
    );
    let _ = writeln!(
        out,
        "<title id=\"{title_id}\">{}</title>",
        escape(&chart.title)
    );
    let _ = writeln!(
        out,
        "<desc id=\"{desc_id}\">{}</desc>",
        escape(&chart_description(chart))
    );
    for (i, (label, count, percent)) in chart.bars.iter().enumerate() {
        let top = i as u32 * ROW_HEIGHT;
        let _ = writeln!(
            out,
            "<text x=\"0\" y=\"{}\">{}</text>",
            top + 15,
            escape(label)
        );
        let width = percent.map_or(0, |p| p.min(100) * BAR_AREA / 100);
        // A light track shows the full scale, so a short bar reads as short.
        let _ = writeln!(
            out,
            "<rect x=\"0\" y=\"{}\" width=\"{BAR_AREA}\" height=\"{BAR_HEIGHT}\" fill=\"#f3f2f1\"/>",
            top + 21
        );
        if width > 0 {
            let _ = writeln!(
                out,
                "<rect x=\"0\" y=\"{}\" width=\"{width}\" height=\"{BAR_HEIGHT}\" fill=\"#1d70b8\"/>",
                top + 21
            );
        }
        let value = match percent {
            Some(p) => format!("{} ({p}%)", count.text(chart.suppress_below)),
            None => count.text(chart.suppress_below),
        };
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\">{}</text>",
            BAR_AREA + 6,
            top + 34,
            escape(&value)
        );
    }
    if let Some((label, percent)) = &chart.comparison {
        let x = (*percent).min(100) * BAR_AREA / 100;
        let bottom = rows * ROW_HEIGHT + 6;
        let _ = writeln!(
            out,
            "<line x1=\"{x}\" y1=\"14\" x2=\"{x}\" y2=\"{bottom}\" stroke=\"#0b0c0c\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/>"
        );
        let _ = writeln!(
            out,
            "<text x=\"0\" y=\"{}\">Dashed line: {} {percent}%</text>",
            bottom + 20,
            escape(label)
        );
    }
    out.push_str("</svg>\n");
    let mut rows: Vec<Vec<String>> = chart
        .bars
        .iter()
        .map(|(label, count, percent)| {
            vec![
                label.clone(),
                count.text(chart.suppress_below),
                percent.map_or_else(|| "Not shown".to_string(), |p| format!("{p}%")),
            ]
        })
        .collect();
    if let Some((label, percent)) = &chart.comparison {
        rows.push(vec![label.clone(), String::new(), format!("{percent}%")]);
    }
    table_html(
        out,
        &format!("The numbers: {}", chart.title),
        &[
            "Answer".to_string(),
            "Count".to_string(),
            "Percent".to_string(),
        ],
        &rows,
        &[1, 2],
    );
    out.push_str("</figure>\n");
}
