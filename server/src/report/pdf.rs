//! A [`ReportDoc`] as a tagged, accessible A4 PDF (PDF/UA-1), written by `krilla` with DejaVu
//! Sans embedded (subset), so it reads the same on any machine and to a screen reader.
//!
//! Two passes: [`Layout`] places every line and rectangle on pages (word-wrapping by the font's
//! glyph advances) and builds the tag tree alongside (H1, H2, P, Table/TR/TH/TD, Figure with
//! alt text); then [`pdf`] draws the pages, marking each piece of content so the tree can point
//! at it, and adds page numbers as artifacts (not part of the reading order).

use std::num::NonZeroU16;

use krilla::Document;
use krilla::SerializeSettings;
use krilla::color::rgb;
use krilla::configure::{Accessibility, ConfigurationBuilder};
use krilla::destination::XyzDestination;
use krilla::error::KrillaError;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::surface::Surface;
use krilla::tagging::{
    Artifact, ArtifactType, BBox, ContentTag, Identifier, Node, SpanTag, TableHeaderScope, Tag,
    TagGroup, TagKind, TagTree,
};
use krilla::text::{Font, TextDirection};

use super::{Block, Chart, ReportDoc, ReportError, chart_description};

static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// A4 in points, and the margins (about 20 mm; more at the foot for the page number).
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN_X: f32 = 56.0;
const MARGIN_TOP: f32 = 56.0;
const MARGIN_BOTTOM: f32 = 64.0;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN_X;
const BOTTOM: f32 = PAGE_H - MARGIN_BOTTOM;

const BODY_SIZE: f32 = 10.5;
const TABLE_SIZE: f32 = 9.5;
const LEADING: f32 = 1.4;
const CELL_PAD_X: f32 = 4.0;
const CELL_PAD_Y: f32 = 3.5;
const CHART_BAR_H: f32 = 9.0;
/// The most of a chart kept together (and with its heading): a page, less room for a heading.
const CHART_KEEP: f32 = BOTTOM - MARGIN_TOP - 60.0;

const INK: (u8, u8, u8) = (0x0b, 0x0c, 0x0c);
const GREY: (u8, u8, u8) = (0x50, 0x5a, 0x5f);
const BLUE: (u8, u8, u8) = (0x1d, 0x70, 0xb8);
const RULE: (u8, u8, u8) = (0xb1, 0xb4, 0xb6);
const TRACK: (u8, u8, u8) = (0xf3, 0xf2, 0xf1);

/// `doc` as PDF bytes. Checked against PDF/UA-1 as it is written; should a document fail that
/// check (say, text the font has no shape for slipped through), it is written again tagged but
/// unchecked rather than not at all.
pub fn pdf(doc: &ReportDoc) -> Result<Vec<u8>, ReportError> {
    match render(doc, true) {
        Err(KrillaError::Validation(_)) => render(doc, false),
        other => other,
    }
    // Only the kind of failure: krilla's messages can quote the text being written.
    .map_err(|e| {
        ReportError::Pdf(
            match e {
                KrillaError::Font(..) => "a font could not be embedded",
                KrillaError::Validation(_) => "the document failed validation",
                KrillaError::Limit(_) => "the document exceeds a PDF limit",
                _ => "an internal error",
            }
            .to_string(),
        )
    })
}

pub(super) fn render(doc: &ReportDoc, pdf_ua: bool) -> Result<Vec<u8>, KrillaError> {
    let faces = Faces::load();
    let mut layout = Layout::new(&faces);
    layout.document(doc);
    let Layout {
        pages,
        tree,
        slots,
        outline,
        ..
    } = layout;

    let mut builder = ConfigurationBuilder::new();
    if pdf_ua {
        builder = builder.with_accessibility_validator(Accessibility::UA1);
    }
    let configuration = builder
        .finish()
        .expect("PDF/UA-1 alone, or no validator, is a valid configuration");
    let settings = SerializeSettings {
        configuration,
        enable_tagging: true,
        ..SerializeSettings::default()
    };
    let mut document = Document::new_with(settings);
    let regular = faces.regular_font();
    let bold = faces.bold_font();
    let mut ids: Vec<Option<Identifier>> = vec![None; slots];
    let page_count = pages.len();
    let footer_title = faces.clean(&doc.title, false);
    for (index, items) in pages.iter().enumerate() {
        let settings =
            PageSettings::from_wh(PAGE_W, PAGE_H).expect("A4 is a valid, positive page size");
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        for item in items {
            match item.mark {
                Mark::Content(slot) => {
                    let tag = match item.op {
                        Op::Text { .. } => ContentTag::Span(SpanTag::empty()),
                        Op::Rect { .. } => ContentTag::Other,
                    };
                    let id = surface.start_tagged(tag);
                    draw(&mut surface, &item.op, &regular, &bold);
                    surface.end_tagged();
                    ids[slot] = Some(id);
                }
                Mark::Artifact(kind) => {
                    surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(kind)));
                    draw(&mut surface, &item.op, &regular, &bold);
                    surface.end_tagged();
                }
            }
        }
        // The footer: the report's title and the page number, outside the reading order.
        let footer_y = PAGE_H - MARGIN_BOTTOM / 2.0;
        let number = format!("Page {} of {page_count}", index + 1);
        let number_x = PAGE_W - MARGIN_X - faces.width(&number, false, 8.5);
        let title_room = number_x - MARGIN_X - 24.0;
        let title = faces.truncate(&footer_title, false, 8.5, title_room);
        for (x, text) in [(MARGIN_X, title), (number_x, number)] {
            surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(
                ArtifactType::PaginationOther,
            )));
            draw(
                &mut surface,
                &Op::Text {
                    x,
                    y: footer_y,
                    text,
                    bold: false,
                    size: 8.5,
                    color: GREY,
                },
                &regular,
                &bold,
            );
            surface.end_tagged();
        }
        surface.finish();
        page.finish();
    }

    let mut tag_tree = TagTree::new().with_lang(Some("en-GB".to_string()));
    for node in tree {
        if let Some(node) = node.build(&ids) {
            tag_tree.push(node);
        }
    }
    document.set_tag_tree(tag_tree);

    let mut outline_root = Outline::new();
    for (title, page, y) in outline {
        outline_root.push_child(OutlineNode::new(
            title,
            XyzDestination::new(page, Point::from_xy(MARGIN_X, y)),
        ));
    }
    document.set_outline(outline_root);

    let mut metadata = Metadata::new()
        .title(doc.title.clone())
        .language("en-GB".to_string())
        .creator("Hearth".to_string());
    if let Some(subtitle) = &doc.subtitle {
        metadata = metadata.description(subtitle.clone());
    }
    document.set_metadata(metadata);
    document.finish()
}

/// How many pages `doc` takes, from the same layout [`pdf`] draws: for tests that a report
/// fits the pages it should.
#[cfg(test)]
pub(super) fn page_count(doc: &ReportDoc) -> usize {
    let faces = Faces::load();
    let mut layout = Layout::new(&faces);
    layout.document(doc);
    layout.pages.len()
}

fn draw(surface: &mut Surface<'_>, op: &Op, regular: &Font, bold: &Font) {
    match op {
        Op::Text {
            x,
            y,
            text,
            bold: is_bold,
            size,
            color,
        } => {
            surface.set_fill(Some(fill(*color)));
            let font = if *is_bold { bold } else { regular };
            surface.draw_text(
                Point::from_xy(*x, *y),
                font.clone(),
                *size,
                text,
                false,
                TextDirection::LeftToRight,
            );
        }
        Op::Rect { x, y, w, h, color } => {
            let Some(rect) = Rect::from_xywh(*x, *y, w.max(0.1), h.max(0.1)) else {
                return;
            };
            let mut path = PathBuilder::new();
            path.push_rect(rect);
            if let Some(path) = path.finish() {
                surface.set_fill(Some(fill(*color)));
                surface.draw_path(&path);
            }
        }
    }
}

fn fill((r, g, b): (u8, u8, u8)) -> Fill {
    Fill {
        paint: rgb::Color::new(r, g, b).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

/// The two faces, for measuring text and for making sure every character has a glyph.
struct Faces {
    regular: ttf_parser::Face<'static>,
    bold: ttf_parser::Face<'static>,
}

impl Faces {
    fn load() -> Faces {
        Faces {
            regular: ttf_parser::Face::parse(REGULAR, 0)
                .expect("the embedded DejaVu Sans is a valid font"),
            bold: ttf_parser::Face::parse(BOLD, 0)
                .expect("the embedded DejaVu Sans Bold is a valid font"),
        }
    }

    fn regular_font(&self) -> Font {
        Font::new(REGULAR.into(), 0).expect("the embedded DejaVu Sans is a valid font")
    }

    fn bold_font(&self) -> Font {
        Font::new(BOLD.into(), 0).expect("the embedded DejaVu Sans Bold is a valid font")
    }

    fn face(&self, bold: bool) -> &ttf_parser::Face<'static> {
        if bold { &self.bold } else { &self.regular }
    }

    /// The width of `text` at `size` points (kerning ignored: it only narrows text).
    fn width(&self, text: &str, bold: bool, size: f32) -> f32 {
        let face = self.face(bold);
        let units: u32 = text
            .chars()
            .map(|c| {
                let glyph = face.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0));
                u32::from(face.glyph_hor_advance(glyph).unwrap_or(0))
            })
            .sum();
        units as f32 * size / f32::from(face.units_per_em())
    }

    /// `text` with only characters the face can draw: tabs become spaces, invisible format and
    /// control characters go, and anything without a glyph (an emoji, say) becomes U+FFFD, so
    /// no character is lost silently and the PDF never shows an empty box.
    fn clean(&self, text: &str, bold: bool) -> String {
        let face = self.face(bold);
        let replacement = if face.glyph_index('\u{FFFD}').is_some() {
            '\u{FFFD}'
        } else {
            '?'
        };
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            match c {
                '\n' => out.push('\n'),
                '\u{2028}' | '\u{2029}' => out.push('\n'),
                '\t' => out.push(' '),
                '\u{00AD}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFFE}' => {}
                c if c.is_control() => {}
                '\u{E000}'..='\u{F8FF}' => out.push(replacement),
                c if face.glyph_index(c).is_some() => out.push(c),
                _ => out.push(replacement),
            }
        }
        out
    }

    /// `text` cut with an ellipsis to fit `width`.
    fn truncate(&self, text: &str, bold: bool, size: f32, width: f32) -> String {
        if self.width(text, bold, size) <= width {
            return text.to_string();
        }
        let mut out = String::new();
        for c in text.chars() {
            out.push(c);
            if self.width(&out, bold, size) + self.width("…", bold, size) > width {
                out.pop();
                break;
            }
        }
        out.push('…');
        out
    }

    /// `text` broken into lines no wider than `width`: at spaces where it can, inside a word
    /// only when the word alone is too wide. Line breaks in the text are kept.
    fn wrap(&self, text: &str, bold: bool, size: f32, width: f32) -> Vec<String> {
        let text = self.clean(text, bold);
        let space = self.width(" ", bold, size);
        let mut lines = Vec::new();
        for hard in text.split('\n') {
            let mut line = String::new();
            let mut line_w = 0.0;
            for word in hard.split(' ').filter(|w| !w.is_empty()) {
                let word_w = self.width(word, bold, size);
                if line.is_empty() && word_w <= width {
                    line.push_str(word);
                    line_w = word_w;
                } else if !line.is_empty() && line_w + space + word_w <= width {
                    line.push(' ');
                    line.push_str(word);
                    line_w += space + word_w;
                } else if word_w <= width {
                    lines.push(std::mem::take(&mut line));
                    line.push_str(word);
                    line_w = word_w;
                } else {
                    // A word wider than the line: break it between characters.
                    if !line.is_empty() {
                        line.push(' ');
                        line_w += space;
                    }
                    for c in word.chars() {
                        let mut buf = [0u8; 4];
                        let c_w = self.width(c.encode_utf8(&mut buf), bold, size);
                        if line_w + c_w > width && !line.is_empty() {
                            lines.push(std::mem::take(&mut line).trim_end().to_string());
                            line_w = 0.0;
                        }
                        line.push(c);
                        line_w += c_w;
                    }
                }
            }
            lines.push(line);
        }
        lines
    }
}

/// One thing drawn on a page. `y` is the baseline for text, the top edge for a rectangle.
#[derive(Debug, Clone)]
enum Op {
    Text {
        x: f32,
        y: f32,
        text: String,
        bold: bool,
        size: f32,
        color: (u8, u8, u8),
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: (u8, u8, u8),
    },
}

/// Whether a drawn thing is content (the tag tree points at its slot) or decoration.
#[derive(Debug, Clone, Copy)]
enum Mark {
    Content(usize),
    Artifact(ArtifactType),
}

#[derive(Debug, Clone)]
struct Item {
    op: Op,
    mark: Mark,
}

/// The tag tree as laid out, with slots where the drawn content's identifiers will go.
#[derive(Debug, Clone)]
enum TNode {
    Group(TagKind, Vec<TNode>),
    Slot(usize),
}

impl TNode {
    fn group(tag: impl Into<TagKind>) -> TNode {
        TNode::Group(tag.into(), Vec::new())
    }

    fn push(&mut self, child: TNode) {
        if let TNode::Group(_, children) = self {
            children.push(child);
        }
    }

    /// The krilla node, or `None` for a group left without content (krilla drops those too).
    fn build(self, ids: &[Option<Identifier>]) -> Option<Node> {
        match self {
            TNode::Slot(slot) => ids.get(slot).copied().flatten().map(Node::from),
            TNode::Group(tag, children) => {
                let children: Vec<Node> =
                    children.into_iter().filter_map(|c| c.build(ids)).collect();
                (!children.is_empty()).then(|| TagGroup::with_children(tag, children).into())
            }
        }
    }
}

/// A text style.
#[derive(Debug, Clone, Copy)]
struct Style {
    size: f32,
    bold: bool,
    color: (u8, u8, u8),
}

impl Style {
    const fn new(size: f32, bold: bool, color: (u8, u8, u8)) -> Style {
        Style { size, bold, color }
    }

    fn line_height(self) -> f32 {
        self.size * LEADING
    }
}

const TITLE: Style = Style::new(20.0, true, INK);
const SUBTITLE: Style = Style::new(13.0, false, GREY);
const HEADING: Style = Style::new(14.0, true, INK);
const BODY: Style = Style::new(BODY_SIZE, false, INK);
const CAPTION: Style = Style::new(BODY_SIZE, true, INK);
const CELL: Style = Style::new(TABLE_SIZE, false, INK);
const CELL_HEAD: Style = Style::new(TABLE_SIZE, true, INK);

/// A table as laid out: fixed column widths, an optional header row repeated on each page.
struct TableSpec<'t> {
    caption: Option<&'t str>,
    headers: Option<&'t [String]>,
    rows: &'t [Vec<String>],
    widths: Vec<f32>,
}

/// The first pass: pages of drawn items, and the tag tree pointing at them.
struct Layout<'f> {
    faces: &'f Faces,
    pages: Vec<Vec<Item>>,
    /// The top of the free space on the current page.
    y: f32,
    tree: Vec<TNode>,
    slots: usize,
    /// (heading, page index, y) for the PDF's bookmarks.
    outline: Vec<(String, usize, f32)>,
}

impl<'f> Layout<'f> {
    fn new(faces: &'f Faces) -> Layout<'f> {
        Layout {
            faces,
            pages: vec![Vec::new()],
            y: MARGIN_TOP,
            tree: Vec::new(),
            slots: 0,
            outline: Vec::new(),
        }
    }

    fn page(&self) -> usize {
        self.pages.len() - 1
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN_TOP;
    }

    fn at_top(&self) -> bool {
        self.y <= MARGIN_TOP + 0.5
    }

    /// Starts a new page unless `height` still fits on this one (or this page is empty).
    fn ensure(&mut self, height: f32) {
        if self.y + height > BOTTOM && !self.at_top() {
            self.new_page();
        }
    }

    fn content(&mut self, op: Op) -> TNode {
        let slot = self.slots;
        self.slots += 1;
        self.pages
            .last_mut()
            .expect("there is always a current page")
            .push(Item {
                op,
                mark: Mark::Content(slot),
            });
        TNode::Slot(slot)
    }

    fn artifact(&mut self, op: Op, kind: ArtifactType) {
        self.pages
            .last_mut()
            .expect("there is always a current page")
            .push(Item {
                op,
                mark: Mark::Artifact(kind),
            });
    }

    fn rule(&mut self, y: f32, thickness: f32, color: (u8, u8, u8)) {
        self.artifact(
            Op::Rect {
                x: MARGIN_X,
                y,
                w: CONTENT_W,
                h: thickness,
                color,
            },
            ArtifactType::Layout,
        );
    }

    fn text(&mut self, x: f32, baseline: f32, text: String, style: Style) -> TNode {
        self.content(Op::Text {
            x,
            y: baseline,
            text,
            bold: style.bold,
            size: style.size,
            color: style.color,
        })
    }

    /// Wrapped lines of `text` at the left margin, flowing over pages, into `group`.
    fn lines(&mut self, text: &str, style: Style, width: f32, group: &mut TNode) {
        let lh = style.line_height();
        for line in self.faces.wrap(text, style.bold, style.size, width) {
            self.ensure(lh);
            if !line.is_empty() {
                let baseline = self.y + style.size;
                group.push(self.text(MARGIN_X, baseline, line, style));
            }
            self.y += lh;
        }
    }

    fn document(&mut self, doc: &ReportDoc) {
        let title = self.faces.clean(&doc.title, true);
        let mut h1 = TNode::group(Tag::Hn(NonZeroU16::MIN, Some(title.clone())));
        self.outline.push((title.clone(), 0, self.y));
        self.lines(&doc.title, TITLE, CONTENT_W, &mut h1);
        self.tree.push(h1);
        if let Some(subtitle) = &doc.subtitle {
            self.y += 2.0;
            let mut p = TNode::group(Tag::P);
            self.lines(subtitle, SUBTITLE, CONTENT_W, &mut p);
            self.tree.push(p);
        }
        self.y += 10.0;
        for section in &doc.sections {
            let mut sect = TNode::group(Tag::Section);
            self.heading(&section.heading, section.blocks.first(), &mut sect);
            for block in &section.blocks {
                self.block(block, &mut sect);
            }
            self.tree.push(sect);
        }
    }

    /// A level-2 heading with a blue rule above, kept on the same page as the start of what
    /// follows it (`next`).
    fn heading(&mut self, text: &str, next: Option<&Block>, sect: &mut TNode) {
        let lines = self
            .faces
            .wrap(text, HEADING.bold, HEADING.size, CONTENT_W)
            .len() as f32;
        self.y += 14.0;
        let lead = next.map_or(0.0, |b| self.lead_height(b));
        self.ensure(12.0 + lines * HEADING.line_height() + lead);
        self.rule(self.y, 1.5, BLUE);
        self.y += 8.0;
        let title = self.faces.clean(text, true);
        self.outline.push((title.clone(), self.page(), self.y));
        let mut h2 = TNode::group(Tag::Hn(
            NonZeroU16::new(2).expect("2 is not zero"),
            Some(title),
        ));
        self.lines(text, HEADING, CONTENT_W, &mut h2);
        sect.push(h2);
        self.y += 4.0;
    }

    /// How much of `block` must follow a heading on the same page: a chart whole, a table's
    /// caption, header and first row, two lines of a paragraph, a first fact.
    fn lead_height(&self, block: &Block) -> f32 {
        match block {
            Block::Paragraph(_) => 2.0 * BODY.line_height(),
            Block::Facts(_) => 2.0 * BODY.line_height() + 2.0 * CELL_PAD_Y,
            Block::Table { caption, .. } => {
                let caption = self
                    .faces
                    .wrap(caption, CAPTION.bold, CAPTION.size, CONTENT_W)
                    .len() as f32;
                caption * CAPTION.line_height() + 4.0 * CELL.line_height() + 4.0 * CELL_PAD_Y
            }
            Block::BarChart(chart) => self.chart_height(chart).min(CHART_KEEP),
        }
    }

    fn block(&mut self, block: &Block, sect: &mut TNode) {
        match block {
            Block::Paragraph(text) => {
                let mut p = TNode::group(Tag::P);
                self.lines(text, BODY, CONTENT_W, &mut p);
                sect.push(p);
                self.y += 6.0;
            }
            Block::Facts(facts) => {
                // Label–value pairs as a two-column table whose first column heads each row.
                let rows: Vec<Vec<String>> = facts
                    .iter()
                    .map(|(k, v)| vec![k.clone(), v.clone()])
                    .collect();
                let label = CONTENT_W * 0.32;
                let spec = TableSpec {
                    caption: None,
                    headers: None,
                    rows: &rows,
                    widths: vec![label, CONTENT_W - label],
                };
                let table = self.table(&spec, BODY, Style { bold: true, ..BODY });
                sect.push(table);
                self.y += 8.0;
            }
            Block::Table {
                caption,
                headers,
                rows,
            } => {
                let widths = self.column_widths(headers, rows);
                let spec = TableSpec {
                    caption: Some(caption),
                    headers: Some(headers),
                    rows,
                    widths,
                };
                let table = self.table(&spec, CELL, CELL_HEAD);
                sect.push(table);
                self.y += 8.0;
            }
            Block::BarChart(chart) => {
                let figure = self.chart(chart);
                sect.push(figure);
                self.y += 8.0;
            }
        }
    }

    /// Column widths from the text: each column gets at least its longest word and the rest
    /// of the line in proportion to how much more it would like.
    fn column_widths(&self, headers: &[String], rows: &[Vec<String>]) -> Vec<f32> {
        let n = headers
            .len()
            .max(rows.iter().map(Vec::len).max().unwrap_or(0));
        if n == 0 {
            return Vec::new();
        }
        let pad = 2.0 * CELL_PAD_X;
        let avail = CONTENT_W - pad * n as f32;
        let mut natural = vec![0.0f32; n];
        let mut minimum = vec![0.0f32; n];
        let cells = std::iter::once((headers, true)).chain(rows.iter().map(|r| (&r[..], false)));
        for (row, bold) in cells {
            for (i, cell) in row.iter().enumerate().take(n) {
                let cell = self.faces.clean(cell, bold);
                for line in cell.split('\n') {
                    natural[i] = natural[i].max(self.faces.width(line, bold, TABLE_SIZE));
                    for word in line.split(' ') {
                        minimum[i] = minimum[i].max(self.faces.width(word, bold, TABLE_SIZE));
                    }
                }
            }
        }
        for i in 0..n {
            natural[i] = natural[i].min(avail).max(12.0);
            minimum[i] = minimum[i].min(avail / n as f32).max(12.0);
        }
        let total_natural: f32 = natural.iter().sum();
        let total_min: f32 = minimum.iter().sum();
        let widths: Vec<f32> = if total_natural <= avail {
            // Everything fits on one line: share out the spare room in proportion.
            natural
                .iter()
                .map(|w| w + (avail - total_natural) * w / total_natural)
                .collect()
        } else if total_min >= avail {
            minimum.iter().map(|w| avail * w / total_min).collect()
        } else {
            let wants: f32 = natural.iter().zip(&minimum).map(|(a, b)| a - b).sum();
            natural
                .iter()
                .zip(&minimum)
                .map(|(nat, min)| min + (avail - total_min) * (nat - min) / wants.max(0.01))
                .collect()
        };
        widths.into_iter().map(|w| w + pad).collect()
    }

    /// A table flowing over pages: rows too tall for the rest of a page are split between
    /// lines, and the header row is drawn again (as an artifact) at the top of each new page.
    fn table(&mut self, spec: &TableSpec<'_>, cell: Style, head: Style) -> TNode {
        let mut table = TNode::group(Tag::Table);
        let lh = cell.line_height();
        let header_lines: Vec<Vec<String>> = spec
            .headers
            .map(|h| self.wrap_row(h, &spec.widths, head))
            .unwrap_or_default();
        let header_h = header_lines.iter().map(Vec::len).max().unwrap_or(0) as f32 * lh
            + if spec.headers.is_some() {
                2.0 * CELL_PAD_Y
            } else {
                0.0
            };
        let caption_lines = spec.caption.map_or(0, |c| {
            self.faces
                .wrap(c, CAPTION.bold, CAPTION.size, CONTENT_W)
                .len()
        });
        self.ensure(
            caption_lines as f32 * CAPTION.line_height() + header_h + lh + 3.0 * CELL_PAD_Y,
        );
        if let Some(caption) = spec.caption {
            let mut c = TNode::group(Tag::Caption);
            self.lines(caption, CAPTION, CONTENT_W, &mut c);
            table.push(c);
            self.y += 3.0;
        }
        if spec.headers.is_some() {
            let mut thead = TNode::group(Tag::THead);
            let mut tr = TNode::group(Tag::TR);
            let mut cells: Vec<TNode> = header_lines
                .iter()
                .map(|_| TNode::group(Tag::TH(TableHeaderScope::Column)))
                .collect();
            self.draw_row_lines(
                &header_lines,
                0,
                usize::MAX,
                &spec.widths,
                head,
                Some(&mut cells),
            );
            self.rule(self.y - 0.5, 1.5, INK);
            for c in cells {
                tr.push(c);
            }
            thead.push(tr);
            table.push(thead);
        } else {
            self.rule(self.y, 0.75, RULE);
        }
        let mut tbody = TNode::group(Tag::TBody);
        for row in spec.rows {
            let mut styles = vec![cell; spec.widths.len()];
            if let Some(first) = styles.first_mut() {
                *first = head;
            }
            let lines: Vec<Vec<String>> = row
                .iter()
                .zip(&spec.widths)
                .zip(&styles)
                .map(|((text, w), st)| {
                    self.faces
                        .wrap(text, st.bold, st.size, w - 2.0 * CELL_PAD_X)
                })
                .collect();
            let mut cells: Vec<TNode> = (0..lines.len())
                .map(|i| {
                    if i == 0 {
                        TNode::group(Tag::TH(TableHeaderScope::Row))
                    } else {
                        TNode::group(Tag::TD)
                    }
                })
                .collect();
            let total = lines.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let mut start = 0;
            // On a page just begun for this table something must be drawn, however little
            // room is left under the header, or the table would never end.
            let mut fresh = self.at_top();
            while start < total {
                let room = ((BOTTOM - self.y - 2.0 * CELL_PAD_Y) / lh).floor().max(0.0) as usize;
                // Keep at least two lines of a row together, and a short row whole.
                let needed = (total - start).min(2);
                if room < needed && !fresh {
                    self.continue_table(&header_lines, &spec.widths, head);
                    fresh = true;
                    continue;
                }
                let take = room.max(1).min(total - start);
                self.draw_row_mixed(&lines, start, take, &spec.widths, cell, head, &mut cells);
                self.rule(self.y - 0.5, 0.75, RULE);
                fresh = false;
                start += take;
                if start < total {
                    self.continue_table(&header_lines, &spec.widths, head);
                    fresh = true;
                }
            }
            let mut tr = TNode::group(Tag::TR);
            for c in cells {
                tr.push(c);
            }
            tbody.push(tr);
        }
        table.push(tbody);
        table
    }

    fn wrap_row(&self, row: &[String], widths: &[f32], style: Style) -> Vec<Vec<String>> {
        row.iter()
            .zip(widths)
            .map(|(text, w)| {
                self.faces
                    .wrap(text, style.bold, style.size, w - 2.0 * CELL_PAD_X)
            })
            .collect()
    }

    /// A new page for the rest of a table, with its header row drawn again as an artifact.
    fn continue_table(&mut self, header_lines: &[Vec<String>], widths: &[f32], head: Style) {
        self.new_page();
        if header_lines.is_empty() {
            self.rule(self.y, 0.75, RULE);
            return;
        }
        self.draw_row_lines(header_lines, 0, usize::MAX, widths, head, None);
        self.rule(self.y - 0.5, 1.5, INK);
    }

    /// Lines `start..start + take` of each cell; as content into `cells`, or as artifacts.
    fn draw_row_lines(
        &mut self,
        lines: &[Vec<String>],
        start: usize,
        take: usize,
        widths: &[f32],
        style: Style,
        mut cells: Option<&mut Vec<TNode>>,
    ) {
        let lh = style.line_height();
        let mut x = MARGIN_X;
        let mut tallest = 0usize;
        for (i, (cell_lines, w)) in lines.iter().zip(widths).enumerate() {
            let end = cell_lines.len().min(start.saturating_add(take));
            for (k, line) in cell_lines.iter().enumerate().take(end).skip(start) {
                tallest = tallest.max(k - start + 1);
                if line.is_empty() {
                    continue;
                }
                let baseline = self.y + CELL_PAD_Y + (k - start) as f32 * lh + style.size;
                let op = Op::Text {
                    x: x + CELL_PAD_X,
                    y: baseline,
                    text: line.clone(),
                    bold: style.bold,
                    size: style.size,
                    color: style.color,
                };
                match cells.as_deref_mut() {
                    Some(cells) => {
                        let node = self.content(op);
                        cells[i].push(node);
                    }
                    None => self.artifact(op, ArtifactType::PaginationOther),
                }
            }
            x += w;
        }
        self.y += tallest.max(1) as f32 * lh + 2.0 * CELL_PAD_Y;
    }

    /// Like [`Layout::draw_row_lines`] for a body row, whose first cell is in the heading style.
    #[allow(clippy::too_many_arguments)]
    fn draw_row_mixed(
        &mut self,
        lines: &[Vec<String>],
        start: usize,
        take: usize,
        widths: &[f32],
        cell: Style,
        head: Style,
        cells: &mut [TNode],
    ) {
        let lh = cell.line_height();
        let mut x = MARGIN_X;
        for (i, (cell_lines, w)) in lines.iter().zip(widths).enumerate() {
            let style = if i == 0 { head } else { cell };
            for (k, line) in cell_lines.iter().enumerate().skip(start).take(take) {
                if line.is_empty() {
                    continue;
                }
                let baseline = self.y + CELL_PAD_Y + (k - start) as f32 * lh + style.size;
                let node = self.text(x + CELL_PAD_X, baseline, line.clone(), style);
                cells[i].push(node);
            }
            x += w;
        }
        let drawn = lines
            .iter()
            .map(|l| l.len().saturating_sub(start).min(take))
            .max()
            .unwrap_or(0)
            .max(1);
        self.y += drawn as f32 * lh + 2.0 * CELL_PAD_Y;
    }

    /// A dashed vertical line at `x` from `top` to `bottom` on the current page.
    fn dashes(&mut self, x: f32, top: f32, bottom: f32, group: &mut TNode) {
        let mut y = top;
        while y < bottom {
            let node = self.content(Op::Rect {
                x: x - 0.75,
                y,
                w: 1.5,
                h: 4.0f32.min(bottom - y),
                color: INK,
            });
            group.push(node);
            y += 6.5;
        }
    }

    /// The height [`Layout::chart`] takes.
    fn chart_height(&self, chart: &Chart) -> f32 {
        let title_lines = self
            .faces
            .wrap(&chart.title, CAPTION.bold, CAPTION.size, CONTENT_W)
            .len();
        let row_h = CELL.line_height() + CHART_BAR_H + 6.0;
        title_lines as f32 * CAPTION.line_height()
            + 2.0
            + chart.bars.len() as f32 * row_h
            + if chart.comparison.is_some() {
                CELL.line_height() + 4.0
            } else {
                0.0
            }
    }

    /// A horizontal bar chart as one figure whose alternative text carries every number: the
    /// title, then per answer a label line and a bar (length = percentage) with its number.
    fn chart(&mut self, chart: &Chart) -> TNode {
        let alt = format!("{}. {}", chart.title, chart_description(chart));
        let label_w = CONTENT_W;
        let bar_area = CONTENT_W * 0.7;
        let bar_h = CHART_BAR_H;
        // A chart is kept on one page when it fits on one.
        let height = self.chart_height(chart).min(CHART_KEEP);
        self.ensure(height);
        let page = self.page();
        let top = self.y;
        let mut contents = TNode::group(Tag::Div);
        self.lines(&chart.title, CAPTION, label_w, &mut contents);
        self.y += 2.0;
        let mut bars_top = self.y;
        // Where the comparison's dashed vertical line crosses the bars, if there is one.
        let comparison_x = chart
            .comparison
            .as_ref()
            .map(|(_, percent)| MARGIN_X + bar_area * (*percent).min(100) as f32 / 100.0);
        let row_h = CELL.line_height() + bar_h + 6.0;
        for (label, count, percent) in &chart.bars {
            // A chart longer than a page goes on over the next one.
            if self.y + row_h > BOTTOM && !self.at_top() {
                if let Some(x) = comparison_x {
                    self.dashes(x, bars_top, self.y - 2.0, &mut contents);
                }
                self.new_page();
                bars_top = self.y;
            }
            let label =
                self.faces
                    .truncate(&self.faces.clean(label, false), false, CELL.size, label_w);
            let baseline = self.y + CELL.size;
            let node = self.text(MARGIN_X, baseline, label, CELL);
            contents.push(node);
            self.y += CELL.line_height();
            self.artifact(
                Op::Rect {
                    x: MARGIN_X,
                    y: self.y,
                    w: bar_area,
                    h: bar_h,
                    color: TRACK,
                },
                ArtifactType::Layout,
            );
            if let Some(p) = percent.filter(|p| *p > 0) {
                let node = self.content(Op::Rect {
                    x: MARGIN_X,
                    y: self.y,
                    w: bar_area * p.min(100) as f32 / 100.0,
                    h: bar_h,
                    color: BLUE,
                });
                contents.push(node);
            }
            let value = match percent {
                Some(p) => format!("{} ({p}%)", count.text(chart.suppress_below)),
                None => count.text(chart.suppress_below),
            };
            let node = self.text(MARGIN_X + bar_area + 6.0, self.y + bar_h - 1.0, value, CELL);
            contents.push(node);
            self.y += bar_h + 6.0;
        }
        if let (Some((label, percent)), Some(x)) = (&chart.comparison, comparison_x) {
            self.dashes(x, bars_top, self.y - 2.0, &mut contents);
            let text = self.faces.truncate(
                &self
                    .faces
                    .clean(&format!("Dashed line: {label} {percent}%"), false),
                false,
                CELL.size,
                label_w,
            );
            let baseline = self.y + CELL.size;
            let node = self.text(MARGIN_X, baseline, text, CELL);
            contents.push(node);
            self.y += CELL.line_height() + 4.0;
        }
        let mut tag = Tag::Figure(Some(alt));
        if self.page() == page {
            tag = tag.with_bbox(
                Rect::from_xywh(MARGIN_X, top, CONTENT_W, (self.y - top).max(1.0))
                    .map(|r| BBox::new(page, r)),
            );
        }
        let mut figure = TNode::group(tag);
        if let TNode::Group(_, children) = contents {
            for child in children {
                figure.push(child);
            }
        }
        figure
    }
}
