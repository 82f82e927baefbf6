//! Word documents (DOCX): a tolerant reader of `word/document.xml`.
//!
//! The XML is read as a stream of events (no recursion, so deeply nested
//! markup cannot overflow the stack). Paragraphs become headings (from the
//! paragraph style or outline level) or paragraphs; `w:br` splits a
//! paragraph. Tables become grids: `w:gridSpan` is the colspan, a
//! `w:vMerge` restart cell gets the rowspan of the merged rows and the
//! continuation cells are left out, as in a text paste. Nested tables are
//! emitted as grids of their own, after the table holding them, and are not
//! part of that table's cell text.
//!
//! Tracked insertions are kept, tracked deletions dropped; of an
//! `mc:AlternateContent` only the first usable branch is read; text inside
//! hyperlinks, smart tags, simple fields and content controls is kept.

mod numbering;

use std::collections::HashMap;
use std::io::{Cursor, Read};

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

use crate::document::{Document, Grid, GridCell};
use crate::parse::ParseError;
use crate::parse::html::cell_text;
use crate::text::clean_space;
use numbering::Numbering;

/// Largest uncompressed part read (zip bomb guard).
const MAX_PART_BYTES: u64 = 64 * 1024 * 1024;
/// Longest chain of `w:basedOn` styles followed.
const MAX_STYLE_CHAIN: usize = 16;

const NS_W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const NS_W_STRICT: &str = "http://purl.oclc.org/ooxml/wordprocessingml/main";
const NS_MC: &str = "http://schemas.openxmlformats.org/markup-compatibility/2006";

/// Parses the bytes of a DOCX file into a document.
pub fn parse(bytes: &[u8]) -> Result<Document, ParseError> {
    let parts = read_parts(bytes)?;
    let styles = parts
        .styles
        .as_deref()
        .map(Styles::parse)
        .unwrap_or_default();
    let numbering = parts
        .numbering
        .as_deref()
        .map(Numbering::parse)
        .unwrap_or_default();
    Walker::new(&styles, numbering).run(&parts.document)
}

fn err(reason: &str) -> ParseError {
    ParseError::Docx(reason.to_string())
}

/// The parts of a DOCX the reader uses.
struct Parts {
    document: String,
    styles: Option<String>,
    numbering: Option<String>,
}

/// Reads the main document part and, if present, the styles and numbering
/// parts (unreadable optional parts are left out).
fn read_parts(bytes: &[u8]) -> Result<Parts, ParseError> {
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(err("文件是旧版 Word（.doc）格式或已加密，请另存为 .docx"));
    }
    let mut zip =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| err("不是有效的 ZIP 压缩包"))?;
    let main = find_main_part(&mut zip).ok_or_else(|| err("缺少 word/document.xml"))?;
    let document = read_part(&mut zip, main)?;
    let mut optional = |name: &str| find_name(&zip, name).and_then(|i| read_part(&mut zip, i).ok());
    let styles = optional("word/styles.xml");
    let numbering = optional("word/numbering.xml");
    Ok(Parts {
        document,
        styles,
        numbering,
    })
}

type Zip<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

/// Index of an entry, matched exactly, else case-insensitively.
fn find_name(zip: &Zip<'_>, name: &str) -> Option<usize> {
    zip.index_for_name(name).or_else(|| {
        zip.file_names()
            .position(|n| n.is_ok_and(|n| n.eq_ignore_ascii_case(name)))
    })
}

/// `word/document.xml`, else the office document named by `_rels/.rels`.
fn find_main_part(zip: &mut Zip<'_>) -> Option<usize> {
    if let Some(i) = find_name(zip, "word/document.xml") {
        return Some(i);
    }
    let rels = find_name(zip, "_rels/.rels").and_then(|i| read_part(zip, i).ok())?;
    let mut reader = NsReader::from_str(&rels);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "Relationship" => {
                let is_main = attr(&e, "Type").is_some_and(|t| t.ends_with("/officeDocument"));
                if let (true, Some(target)) = (is_main, attr(&e, "Target")) {
                    return find_name(zip, target.trim_start_matches('/'));
                }
            }
            Ok(Event::Eof) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

fn read_part(zip: &mut Zip<'_>, index: usize) -> Result<String, ParseError> {
    let file = zip.by_index(index).map_err(|_| err("压缩包条目无法读取"))?;
    if file.size() > MAX_PART_BYTES {
        return Err(err("文档内容过大（超过 64 MiB）"));
    }
    let mut buf = Vec::new();
    file.take(MAX_PART_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|_| err("压缩数据已损坏"))?;
    if buf.len() as u64 > MAX_PART_BYTES {
        return Err(err("文档内容过大（超过 64 MiB）"));
    }
    Ok(match encoding_rs::Encoding::for_bom(&buf) {
        Some((enc, bom)) => enc.decode_without_bom_handling(&buf[bom..]).0.into_owned(),
        None => String::from_utf8_lossy(&buf).into_owned(),
    })
}

/// The value of the attribute with this local name (any prefix).
fn attr(e: &BytesStart<'_>, local: &str) -> Option<String> {
    e.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.local_name().as_ref() == local)
        .map(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| a.value.clone().into_owned())
        })
}

/// The WordprocessingML and markup-compatibility elements the reader knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tag {
    P,
    R,
    T,
    Tab,
    Br,
    NoBreakHyphen,
    PStyle,
    OutlineLvl,
    NumId,
    Ilvl,
    Tbl,
    Tr,
    TrPr,
    Tc,
    GridBefore,
    GridSpan,
    VMerge,
    HMerge,
    Del,
    /// Subtrees never read: deleted or moved-away text, field codes,
    /// content-control properties, tab-stop definitions, tracked property changes.
    Skip,
    AlternateContent,
    Choice,
    Fallback,
    Other,
}

fn tag(ns: &ResolveResult<'_>, local: &str) -> Tag {
    let word = match ns {
        ResolveResult::Bound(n) => n.0 == NS_W || n.0 == NS_W_STRICT,
        ResolveResult::Unknown(prefix) => prefix == "w",
        ResolveResult::Unbound => false,
    };
    let mc = match ns {
        ResolveResult::Bound(n) => n.0 == NS_MC,
        ResolveResult::Unknown(prefix) => prefix == "mc",
        ResolveResult::Unbound => false,
    };
    if mc {
        return match local {
            "AlternateContent" => Tag::AlternateContent,
            "Choice" => Tag::Choice,
            "Fallback" => Tag::Fallback,
            _ => Tag::Other,
        };
    }
    if !word {
        return Tag::Other;
    }
    match local {
        "p" => Tag::P,
        "r" => Tag::R,
        "t" => Tag::T,
        "tab" | "ptab" => Tag::Tab,
        "br" | "cr" => Tag::Br,
        "noBreakHyphen" => Tag::NoBreakHyphen,
        "pStyle" => Tag::PStyle,
        "outlineLvl" => Tag::OutlineLvl,
        "numId" => Tag::NumId,
        "ilvl" => Tag::Ilvl,
        "tbl" => Tag::Tbl,
        "tr" => Tag::Tr,
        "trPr" => Tag::TrPr,
        "tc" => Tag::Tc,
        "gridBefore" => Tag::GridBefore,
        "gridSpan" => Tag::GridSpan,
        "vMerge" => Tag::VMerge,
        "hMerge" => Tag::HMerge,
        "del" => Tag::Del,
        "moveFrom" | "delText" | "delInstrText" | "instrText" | "sdtPr" | "sdtEndPr" | "tabs"
        | "pPrChange" | "rPrChange" | "tblPrChange" | "tblGridChange" | "tcPrChange"
        | "trPrChange" | "sectPrChange" | "numberingChange" => Tag::Skip,
        _ => Tag::Other,
    }
}

/// Paragraph styles: id → (name, base style, outline level).
#[derive(Default)]
struct Styles {
    by_id: HashMap<String, StyleInfo>,
}

#[derive(Default)]
struct StyleInfo {
    name: Option<String>,
    based_on: Option<String>,
    outline: Option<u8>,
    num_id: Option<String>,
    ilvl: Option<usize>,
}

impl Styles {
    /// Reads `word/styles.xml`; whatever cannot be read is left out.
    fn parse(xml: &str) -> Styles {
        let mut styles = Styles::default();
        let mut reader = NsReader::from_str(xml);
        reader.config_mut().expand_empty_elements = true;
        let mut current: Option<(String, StyleInfo)> = None;
        while let Ok((ns, event)) = reader.read_resolved_event() {
            let ns = is_word_ns(&ns);
            match event {
                Event::Start(e) if ns => match e.local_name().as_ref() {
                    "style" => current = attr(&e, "styleId").map(|id| (id, StyleInfo::default())),
                    "name" => {
                        if let Some((_, s)) = current.as_mut() {
                            s.name = attr(&e, "val");
                        }
                    }
                    "basedOn" => {
                        if let Some((_, s)) = current.as_mut() {
                            s.based_on = attr(&e, "val");
                        }
                    }
                    "outlineLvl" => {
                        if let Some((_, s)) = current.as_mut() {
                            s.outline = attr(&e, "val").and_then(|v| v.trim().parse().ok());
                        }
                    }
                    "numId" => {
                        if let Some((_, s)) = current.as_mut() {
                            s.num_id = attr(&e, "val");
                        }
                    }
                    "ilvl" => {
                        if let Some((_, s)) = current.as_mut() {
                            s.ilvl = attr(&e, "val").and_then(|v| v.trim().parse().ok());
                        }
                    }
                    _ => {}
                },
                Event::End(e) if ns && e.local_name().as_ref() == "style" => {
                    if let Some((id, info)) = current.take() {
                        styles.by_id.insert(id, info);
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        styles
    }

    /// The list (numId, level) a style numbers its paragraphs with.
    fn numbering(&self, style: Option<&str>) -> Option<(String, usize)> {
        let mut id = style?;
        for _ in 0..MAX_STYLE_CHAIN {
            let info = self.by_id.get(id)?;
            if let Some(num) = &info.num_id {
                return Some((num.clone(), info.ilvl.unwrap_or(0)));
            }
            id = info.based_on.as_deref()?;
        }
        None
    }

    /// The heading level of a paragraph with this style and direct outline level.
    fn heading_level(&self, style: Option<&str>, outline: Option<u8>) -> Option<u8> {
        if let Some(level) = outline {
            return (level < 9).then_some(level + 1);
        }
        let mut id = style?;
        for _ in 0..MAX_STYLE_CHAIN {
            let Some(info) = self.by_id.get(id) else {
                return level_from_style_name(id, true);
            };
            if let Some(level) = info.outline {
                return (level < 9).then_some(level + 1);
            }
            if let Some(level) = info
                .name
                .as_deref()
                .and_then(|n| level_from_style_name(n, false))
            {
                return Some(level);
            }
            id = info.based_on.as_deref()?;
        }
        None
    }
}

fn is_word_ns(ns: &ResolveResult<'_>) -> bool {
    match ns {
        ResolveResult::Bound(n) => n.0 == NS_W || n.0 == NS_W_STRICT,
        ResolveResult::Unknown(prefix) => prefix == "w",
        ResolveResult::Unbound => false,
    }
}

/// `heading 2`, `Heading2`, `标题 2`, `Title`/`标题` → level; a bare digit
/// (Chinese Word's ids for the heading styles) only when the style is not
/// defined.
fn level_from_style_name(name: &str, bare_id: bool) -> Option<u8> {
    let key: String = name
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase();
    if matches!(key.as_str(), "title" | "标题") {
        return Some(1);
    }
    let digits = ["heading", "标题"]
        .iter()
        .find_map(|p| key.strip_prefix(p))
        .or(if bare_id { Some(key.as_str()) } else { None })?;
    match digits.parse::<u8>() {
        Ok(n @ 1..=9) => Some(n),
        _ => None,
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Merge {
    #[default]
    None,
    Restart,
    Continue,
}

fn merge_value(e: &BytesStart<'_>) -> Merge {
    match attr(e, "val").as_deref().map(str::trim) {
        Some("restart") => Merge::Restart,
        _ => Merge::Continue,
    }
}

#[derive(Default)]
struct Para {
    lines: Vec<String>,
    style: Option<String>,
    outline: Option<u8>,
    num_id: Option<String>,
    ilvl: Option<usize>,
}

struct Cell {
    pieces: Vec<String>,
    colspan: usize,
    vmerge: Merge,
    hmerge: Merge,
}

#[derive(Default)]
struct Row {
    grid_before: usize,
    deleted: bool,
    cells: Vec<Cell>,
    open: Option<Cell>,
}

#[derive(Default)]
struct TableState {
    rows: Vec<Row>,
    open: Option<Row>,
    /// Grids of tables nested in this one, emitted after it.
    nested: Vec<Grid>,
}

struct Walker<'s> {
    styles: &'s Styles,
    numbering: Numbering,
    doc: Document,
    /// Depth inside a subtree being skipped (0 = reading).
    skip: usize,
    paras: Vec<Para>,
    tables: Vec<TableState>,
    /// One entry per open `mc:AlternateContent`: has a branch been read?
    alternates: Vec<bool>,
    in_text: usize,
    in_run: usize,
    in_row_props: usize,
}

impl<'s> Walker<'s> {
    fn new(styles: &'s Styles, numbering: Numbering) -> Walker<'s> {
        Walker {
            styles,
            numbering,
            doc: Document::default(),
            skip: 0,
            paras: Vec::new(),
            tables: Vec::new(),
            alternates: Vec::new(),
            in_text: 0,
            in_run: 0,
            in_row_props: 0,
        }
    }

    fn run(mut self, xml: &str) -> Result<Document, ParseError> {
        let mut reader = NsReader::from_str(xml);
        reader.config_mut().expand_empty_elements = true;
        loop {
            let (ns, event) = reader
                .read_resolved_event()
                .map_err(|_| err("document.xml 不是格式正确的 XML"))?;
            match event {
                Event::Start(e) => {
                    let t = tag(&ns, e.local_name().as_ref());
                    if self.skip > 0 {
                        self.skip += 1;
                    } else {
                        self.start(t, &e);
                    }
                }
                Event::End(e) => {
                    let t = tag(&ns, e.local_name().as_ref());
                    if self.skip > 0 {
                        self.skip -= 1;
                    } else {
                        self.end(t);
                    }
                }
                Event::Text(e) if self.reading_text() => self.push_text(&e.xml10_content()),
                Event::CData(e) if self.reading_text() => self.push_text(&e.into_inner()),
                Event::GeneralRef(e) if self.reading_text() => {
                    let c = match e.resolve_char_ref() {
                        Ok(Some(c)) => Some(c),
                        Ok(None) => match &*e {
                            "amp" => Some('&'),
                            "lt" => Some('<'),
                            "gt" => Some('>'),
                            "quot" => Some('"'),
                            "apos" => Some('\''),
                            _ => None,
                        },
                        Err(_) => None,
                    };
                    if let Some(c) = c {
                        self.push_text(c.encode_utf8(&mut [0; 4]));
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        // Unclosed paragraphs or tables at the end (truncated XML is an
        // error above; this only guards odd but well-formed input).
        while !self.paras.is_empty() {
            self.end(Tag::P);
        }
        while !self.tables.is_empty() {
            self.end(Tag::Tbl);
        }
        Ok(self.doc)
    }

    /// Puts the label of an automatically numbered paragraph before its text.
    fn number(&mut self, para: &mut Para) {
        let list = match &para.num_id {
            Some(id) => Some((id.clone(), para.ilvl.unwrap_or(0))),
            None => self
                .styles
                .numbering(para.style.as_deref())
                .map(|(id, lvl)| (id, para.ilvl.unwrap_or(lvl))),
        };
        // numId 0 switches a style's numbering off.
        let Some((id, ilvl)) = list.filter(|(id, _)| id.trim() != "0") else {
            return;
        };
        let Some(label) = self.numbering.label(&id, ilvl) else {
            return;
        };
        let has_text = para.lines.iter().any(|l| !clean_space(l).is_empty());
        if let (true, Some(first)) = (has_text, para.lines.first_mut()) {
            let text = first.trim_start();
            let sep = if label.ends_with(|c: char| c.is_ascii_alphanumeric()) {
                " "
            } else {
                ""
            };
            *first = format!("{label}{sep}{text}");
        }
    }

    fn reading_text(&self) -> bool {
        self.skip == 0 && self.in_text > 0
    }

    fn push_text(&mut self, text: &str) {
        if let Some(line) = self.paras.last_mut().and_then(|p| p.lines.last_mut()) {
            line.push_str(text);
        }
    }

    fn open_cell(&mut self) -> Option<&mut Cell> {
        self.tables.last_mut()?.open.as_mut()?.open.as_mut()
    }

    fn start(&mut self, t: Tag, e: &BytesStart<'_>) {
        match t {
            Tag::Skip => self.skip = 1,
            Tag::Del => {
                if self.in_row_props > 0
                    && let Some(row) = self.tables.last_mut().and_then(|t| t.open.as_mut())
                {
                    row.deleted = true;
                }
                self.skip = 1;
            }
            Tag::AlternateContent => self.alternates.push(false),
            Tag::Choice | Tag::Fallback => match self.alternates.last_mut() {
                Some(taken) if *taken => self.skip = 1,
                Some(taken) => *taken = true,
                None => {}
            },
            Tag::P => self.paras.push(Para {
                lines: vec![String::new()],
                ..Para::default()
            }),
            Tag::R => self.in_run += 1,
            Tag::T => self.in_text += 1,
            Tag::Tab if self.in_run > 0 => self.push_text(" "),
            Tag::Br if self.in_run > 0 => {
                if let Some(p) = self.paras.last_mut() {
                    p.lines.push(String::new());
                }
            }
            Tag::NoBreakHyphen if self.in_run > 0 => self.push_text("-"),
            Tag::PStyle => {
                if let Some(p) = self.paras.last_mut() {
                    p.style = attr(e, "val");
                }
            }
            Tag::OutlineLvl => {
                if let Some(p) = self.paras.last_mut() {
                    p.outline = attr(e, "val").and_then(|v| v.trim().parse().ok());
                }
            }
            Tag::NumId => {
                if let Some(p) = self.paras.last_mut() {
                    p.num_id = attr(e, "val");
                }
            }
            Tag::Ilvl => {
                if let Some(p) = self.paras.last_mut() {
                    p.ilvl = attr(e, "val").and_then(|v| v.trim().parse().ok());
                }
            }
            Tag::Tbl => self.tables.push(TableState::default()),
            Tag::Tr => {
                if let Some(t) = self.tables.last_mut() {
                    t.open = Some(Row::default());
                }
            }
            Tag::TrPr => self.in_row_props += 1,
            Tag::GridBefore => {
                if let Some(row) = self.tables.last_mut().and_then(|t| t.open.as_mut()) {
                    row.grid_before = span_value(e);
                }
            }
            Tag::Tc => {
                if let Some(row) = self.tables.last_mut().and_then(|t| t.open.as_mut()) {
                    row.open = Some(Cell {
                        pieces: Vec::new(),
                        colspan: 1,
                        vmerge: Merge::None,
                        hmerge: Merge::None,
                    });
                }
            }
            Tag::GridSpan => {
                if let Some(cell) = self.open_cell() {
                    cell.colspan = span_value(e).max(1);
                }
            }
            Tag::VMerge => {
                if let Some(cell) = self.open_cell() {
                    cell.vmerge = merge_value(e);
                }
            }
            Tag::HMerge => {
                if let Some(cell) = self.open_cell() {
                    cell.hmerge = merge_value(e);
                }
            }
            _ => {}
        }
    }

    fn end(&mut self, t: Tag) {
        match t {
            Tag::AlternateContent => {
                self.alternates.pop();
            }
            Tag::R => self.in_run = self.in_run.saturating_sub(1),
            Tag::T => self.in_text = self.in_text.saturating_sub(1),
            Tag::TrPr => self.in_row_props = self.in_row_props.saturating_sub(1),
            Tag::P => {
                let Some(mut para) = self.paras.pop() else {
                    return;
                };
                self.number(&mut para);
                if let Some(cell) = self.open_cell() {
                    cell.pieces.extend(para.lines);
                    return;
                }
                let level = self
                    .styles
                    .heading_level(para.style.as_deref(), para.outline);
                for line in para.lines {
                    let text = clean_space(&line);
                    match level {
                        Some(level) => self.doc.push_heading(level, text),
                        None => self.doc.push_paragraph(text),
                    }
                }
            }
            Tag::Tc => {
                if let Some(row) = self.tables.last_mut().and_then(|t| t.open.as_mut())
                    && let Some(cell) = row.open.take()
                {
                    row.cells.push(cell);
                }
            }
            Tag::Tr => {
                if let Some(t) = self.tables.last_mut()
                    && let Some(mut row) = t.open.take()
                {
                    if let Some(cell) = row.open.take() {
                        row.cells.push(cell);
                    }
                    if !row.deleted {
                        t.rows.push(row);
                    }
                }
            }
            Tag::Tbl => {
                let Some(mut table) = self.tables.pop() else {
                    return;
                };
                if let Some(mut row) = table.open.take() {
                    if let Some(cell) = row.open.take() {
                        row.cells.push(cell);
                    }
                    table.rows.push(row);
                }
                let grid = build_grid(table.rows);
                match self.tables.last_mut() {
                    Some(outer) => {
                        outer.nested.push(grid);
                        outer.nested.extend(table.nested);
                    }
                    None => {
                        self.doc.push_table(grid);
                        for g in table.nested {
                            self.doc.push_table(g);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// A `w:val` count (gridSpan, gridBefore), capped to a sane table width.
fn span_value(e: &BytesStart<'_>) -> usize {
    attr(e, "val")
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(1)
        .min(1000)
}

/// Lays out the rows: vertical merges become rowspans on their first cell,
/// continuation cells are left out; legacy horizontal merges become colspans.
fn build_grid(rows: Vec<Row>) -> Grid {
    let mut out: Vec<Vec<GridCell>> = Vec::with_capacity(rows.len());
    // Grid column → (row, index in row) of the vertical merge open there.
    let mut open: HashMap<usize, (usize, usize)> = HashMap::new();
    for row in rows {
        let r = out.len();
        let mut cells: Vec<GridCell> = Vec::new();
        let mut next_open = HashMap::new();
        let mut col = row.grid_before;
        for cell in row.cells {
            let start = col;
            col += cell.colspan;
            if cell.hmerge == Merge::Continue
                && let Some(last) = cells.last_mut()
            {
                last.colspan += cell.colspan;
                continue;
            }
            if cell.vmerge == Merge::Continue
                && let Some(&(ri, ci)) = open.get(&start)
                && let Some(target) = out
                    .get_mut(ri)
                    .and_then(|row: &mut Vec<GridCell>| row.get_mut(ci))
            {
                target.rowspan += 1;
                next_open.insert(start, (ri, ci));
                continue;
            }
            if cell.vmerge != Merge::None {
                // A restart, or a continuation with nothing above: starts a merge.
                next_open.insert(start, (r, cells.len()));
            }
            cells.push(GridCell::spanning(
                cell_text(&cell.pieces.join("\n")),
                cell.colspan,
                1,
            ));
        }
        open = next_open;
        out.push(cells);
    }
    Grid {
        rows: out,
        pasted: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Block;
    use docx_rs::{Docx, Paragraph, Run, Table, TableCell, TableRow, VMergeType};
    use std::io::Write;

    fn texts(row: &[GridCell]) -> Vec<&str> {
        row.iter().map(|c| c.text.as_str()).collect()
    }

    fn grids(doc: &Document) -> Vec<&Grid> {
        doc.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Table(g) => Some(g),
                _ => None,
            })
            .collect()
    }

    fn pack(docx: Docx) -> Vec<u8> {
        let mut buf = Cursor::new(Vec::new());
        docx.build().pack(&mut buf).unwrap();
        buf.into_inner()
    }

    fn zip_with(parts: &[(&str, &str)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, body) in parts {
            w.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(body.as_bytes()).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn document_xml(body: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"
 xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"
 xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
 mc:Ignorable="wps"><w:body>{body}<w:sectPr/></w:body></w:document>"#
        )
    }

    fn p(text: &str) -> Paragraph {
        Paragraph::new().add_run(Run::new().add_text(text))
    }

    fn tc(text: &str) -> TableCell {
        TableCell::new().add_paragraph(p(text))
    }

    #[test]
    fn docx_rs_document_with_merged_table() {
        let table = Table::new(vec![
            TableRow::new(vec![
                tc("信息内容").vertical_merge(VMergeType::Restart),
                tc("申请人情况").grid_span(3),
            ]),
            TableRow::new(vec![
                TableCell::new()
                    .add_paragraph(p(""))
                    .vertical_merge(VMergeType::Continue),
                tc("自然人"),
                tc("商业"),
                tc("总计"),
            ]),
            TableRow::new(vec![
                TableCell::new()
                    .add_paragraph(p("一、本年新收政府信息"))
                    .add_paragraph(p("公开申请数量")),
                tc("１"),
                tc("2"),
                tc("3"),
            ]),
        ]);
        let docx = Docx::new()
            .add_paragraph(p("某局2021年政府信息公开工作年度报告").style("Title"))
            .add_paragraph(p("一、总体情况").style("Heading1"))
            .add_paragraph(
                Paragraph::new()
                    .add_run(Run::new().add_text("第一行"))
                    .add_run(Run::new().add_break(docx_rs::BreakType::TextWrapping))
                    .add_run(Run::new().add_text("第二行").add_tab().add_text("续")),
            )
            .add_paragraph(p("（一）主动公开").outline_lvl(1))
            .add_table(table);
        let doc = parse(&pack(docx)).unwrap();
        assert_eq!(
            doc.blocks[..5],
            [
                Block::Heading {
                    level: 1,
                    text: "某局2021年政府信息公开工作年度报告".into()
                },
                Block::Heading {
                    level: 1,
                    text: "一、总体情况".into()
                },
                Block::Paragraph("第一行".into()),
                Block::Paragraph("第二行 续".into()),
                Block::Heading {
                    level: 2,
                    text: "（一）主动公开".into()
                },
            ]
        );
        let g = grids(&doc);
        assert_eq!(g.len(), 1);
        let rows = &g[0].rows;
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0][0], GridCell::spanning("信息内容", 1, 2));
        assert_eq!(rows[0][1], GridCell::spanning("申请人情况", 3, 1));
        assert_eq!(texts(&rows[1]), ["自然人", "商业", "总计"]);
        assert_eq!(
            texts(&rows[2]),
            ["一、本年新收政府信息公开申请数量", "１", "2", "3"]
        );
    }

    const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

    #[test]
    fn hand_made_xml_nested_tables_tracked_changes_alternate_content() {
        let body = r#"
<w:p><w:pPr><w:pStyle w:val="2"/></w:pPr><w:r><w:t>三、收到和处理</w:t></w:r><w:ins w:id="1"><w:r><w:t>政府信息公开申请情况</w:t></w:r></w:ins><w:del w:id="2"><w:r><w:delText>（删除）</w:delText></w:r></w:del></w:p>
<w:p><w:hyperlink r:id="x" xmlns:r="urn:r"><w:r><w:t xml:space="preserve">见 </w:t></w:r></w:hyperlink><w:smartTag><w:r><w:t>附件</w:t></w:r></w:smartTag><w:fldSimple w:instr=" PAGE "><w:r><w:t>3</w:t></w:r></w:fldSimple><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> HYPERLINK "http://x" </w:instrText></w:r><w:r><w:t>&lt;链接&gt;&#x41;</w:t></w:r></w:p>
<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:txbx><w:txbxContent><w:p><w:r><w:t>文本框</w:t></w:r></w:p></w:txbxContent></wps:txbx></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>文本框</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>
<w:sdt><w:sdtPr><w:alias w:val="x"/><w:placeholder><w:docPart w:val="y"/></w:placeholder></w:sdtPr><w:sdtContent><w:p><w:r><w:t>控件内容</w:t></w:r></w:p></w:sdtContent></w:sdt>
<w:tbl>
 <w:tr><w:tc><w:p><w:r><w:t>外层</w:t></w:r></w:p>
   <w:tbl>
     <w:tr><w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr><w:p><w:r><w:t>内层标题</w:t></w:r></w:p></w:tc></w:tr>
     <w:tr><w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr><w:p><w:r><w:t>行政</w:t></w:r></w:p><w:p><w:r><w:t>许可</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>4625</w:t></w:r></w:p></w:tc></w:tr>
     <w:tr><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc><w:tc><w:p><w:r><w:t>0</w:t></w:r></w:p></w:tc></w:tr>
   </w:tbl>
   <w:p><w:r><w:t>单元格末尾</w:t></w:r></w:p></w:tc>
  <w:tc><w:p><w:r><w:t>右侧</w:t></w:r></w:p></w:tc></w:tr>
 <w:tr><w:trPr><w:del w:id="9"/></w:trPr><w:tc><w:p><w:del w:id="10"><w:r><w:delText>被删除的行</w:delText></w:r></w:del></w:p></w:tc></w:tr>
 <w:tr><w:sdt><w:sdtContent><w:tc><w:p><w:r><w:t>控件</w:t></w:r><w:r><w:t>单元格</w:t></w:r></w:p></w:tc></w:sdtContent></w:sdt><w:tc><w:tcPr><w:hMerge w:val="continue"/></w:tcPr><w:p/></w:tc></w:tr>
</w:tbl>"#;
        let bytes = zip_with(&[("word/document.xml", &document_xml(body))]);
        let doc = parse(&bytes).unwrap();
        assert_eq!(
            doc.blocks[..5],
            [
                // No styles part: the bare id "2" is taken as heading 2.
                Block::Heading {
                    level: 2,
                    text: "三、收到和处理政府信息公开申请情况".into()
                },
                Block::Paragraph("见 附件3<链接>A".into()),
                Block::Paragraph("文本框".into()),
                Block::Paragraph("控件内容".into()),
                Block::Table(Grid {
                    rows: vec![
                        vec![GridCell::new("外层单元格末尾"), GridCell::new("右侧")],
                        vec![GridCell::spanning("控件单元格", 2, 1)],
                    ],
                    pasted: false,
                }),
            ]
        );
        // The text box is read once although it is in both branches.
        let all = format!("{:?}", doc.blocks);
        assert_eq!(all.matches("文本框").count(), 1);
        assert!(!all.contains("删除"));
        assert!(!all.contains("HYPERLINK"));
        assert!(!all.contains("docPart"));
        let inner = grids(&doc)[1];
        assert_eq!(inner.rows.len(), 3);
        assert_eq!(inner.rows[0], vec![GridCell::spanning("内层标题", 2, 1)]);
        assert_eq!(
            inner.rows[1],
            vec![GridCell::spanning("行政许可", 1, 2), GridCell::new("4625")]
        );
        assert_eq!(inner.rows[2], vec![GridCell::new("0")]);
        assert_eq!(doc.blocks.len(), 6);
    }

    #[test]
    fn styles_part_maps_ids_to_headings() {
        let styles = format!(
            r#"<w:styles xmlns:w="{W}">
<w:style w:type="paragraph" w:styleId="a"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1"/><w:basedOn w:val="a"/></w:style>
<w:style w:type="paragraph" w:styleId="2"><w:name w:val="Body Text 2"/></w:style>
<w:style w:type="paragraph" w:styleId="myHead"><w:name w:val="我的标题"/><w:pPr><w:outlineLvl w:val="2"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="derived"><w:name w:val="派生"/><w:basedOn w:val="myHead"/></w:style>
<w:style w:type="paragraph" w:styleId="loop1"><w:name w:val="x"/><w:basedOn w:val="loop2"/></w:style>
<w:style w:type="paragraph" w:styleId="loop2"><w:name w:val="y"/><w:basedOn w:val="loop1"/></w:style>
</w:styles>"#
        );
        let para = |style: &str, text: &str| {
            format!(
                r#"<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>"#
            )
        };
        let body = [
            para("1", "甲"),
            para("2", "乙"),
            para("myHead", "丙"),
            para("derived", "丁"),
            para("loop1", "戊"),
            para("标题 4", "己"),
            r#"<w:p><w:pPr><w:pStyle w:val="1"/><w:outlineLvl w:val="9"/></w:pPr><w:r><w:t>庚</w:t></w:r></w:p>"#.into(),
        ]
        .concat();
        let bytes = zip_with(&[
            ("word/document.xml", &document_xml(&body)),
            ("word/styles.xml", &styles),
        ]);
        let doc = parse(&bytes).unwrap();
        let h = |level, text: &str| Block::Heading {
            level,
            text: text.into(),
        };
        let para = |text: &str| Block::Paragraph(text.into());
        assert_eq!(
            doc.blocks,
            [
                h(1, "甲"),
                para("乙"),
                h(3, "丙"),
                h(3, "丁"),
                para("戊"),
                h(4, "己"),
                para("庚")
            ]
        );
    }

    #[test]
    fn automatic_numbering_is_rendered() {
        let numbering = format!(
            r#"<w:numbering xmlns:w="{W}">
<w:abstractNum w:abstractNumId="0">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>
</w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>"#
        );
        let styles = format!(
            r#"<w:styles xmlns:w="{W}"><w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1"/>
<w:pPr><w:numPr><w:numId w:val="1"/></w:numPr><w:outlineLvl w:val="0"/></w:pPr></w:style></w:styles>"#
        );
        let body = r#"
<w:p><w:pPr><w:pStyle w:val="1"/></w:pPr><w:r><w:t>总体情况</w:t></w:r></w:p>
<w:p><w:pPr><w:numPr><w:ilvl w:val="1"/><w:numId w:val="1"/></w:numPr></w:pPr><w:r><w:t>主动公开</w:t></w:r></w:p>
<w:p><w:pPr><w:numPr><w:ilvl w:val="1"/><w:numId w:val="1"/></w:numPr></w:pPr><w:r><w:t>依申请公开</w:t></w:r></w:p>
<w:p><w:pPr><w:pStyle w:val="1"/><w:numPr><w:numId w:val="0"/></w:numPr></w:pPr><w:r><w:t>附件</w:t></w:r></w:p>
<w:p><w:pPr><w:pStyle w:val="1"/></w:pPr><w:r><w:t>主动公开政府信息情况</w:t></w:r></w:p>"#;
        let bytes = zip_with(&[
            ("word/document.xml", &document_xml(body)),
            ("word/styles.xml", &styles),
            ("word/numbering.xml", &numbering),
        ]);
        let doc = parse(&bytes).unwrap();
        let h = |text: &str| Block::Heading {
            level: 1,
            text: text.into(),
        };
        assert_eq!(
            doc.blocks,
            [
                h("一、总体情况"),
                Block::Paragraph("（一）主动公开".into()),
                Block::Paragraph("（二）依申请公开".into()),
                h("附件"),
                h("二、主动公开政府信息情况"),
            ]
        );
    }

    #[test]
    fn main_part_found_through_rels() {
        let rels = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="/word/document2.xml"/></Relationships>"#;
        let body = document_xml("<w:p><w:r><w:t>正文</w:t></w:r></w:p>");
        let bytes = zip_with(&[("_rels/.rels", rels), ("word/document2.xml", &body)]);
        let doc = parse(&bytes).unwrap();
        assert_eq!(doc.blocks, [Block::Paragraph("正文".into())]);
    }

    #[test]
    fn errors_are_typed() {
        let is_docx_err = |r: Result<Document, ParseError>| matches!(r, Err(ParseError::Docx(_)));
        assert!(is_docx_err(parse(b"not a zip at all")));
        assert!(is_docx_err(parse(b"PK\x03\x04garbage")));
        assert!(is_docx_err(parse(&[
            0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1
        ])));
        assert!(is_docx_err(parse(&zip_with(&[("word/other.xml", "<x/>")]))));
        assert!(is_docx_err(parse(&zip_with(&[(
            "word/document.xml",
            "<w:document><w:body><w:p></w:body>"
        )]))));
        match parse(&zip_with(&[("a.txt", "x")])) {
            Err(ParseError::Docx(reason)) => assert!(reason.contains("document.xml"), "{reason}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn oversized_part_is_refused() {
        // 65 MiB of zeros compresses to a few hundred KiB: a small zip bomb.
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        w.start_file(
            "word/document.xml",
            zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .large_file(false),
        )
        .unwrap();
        let chunk = vec![b' '; 1 << 20];
        for _ in 0..65 {
            w.write_all(&chunk).unwrap();
        }
        let bytes = w.finish().unwrap().into_inner();
        match parse(&bytes) {
            Err(ParseError::Docx(reason)) => assert!(reason.contains("64 MiB"), "{reason}"),
            other => panic!("{other:?}"),
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        fn never_panics_on_random_bytes(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
            let _ = parse(&bytes);
            let mut zipped = b"PK\x03\x04".to_vec();
            zipped.extend(&bytes);
            let _ = parse(&zipped);
        }

        #[test]
        fn never_panics_on_random_document_xml(parts in proptest::collection::vec(
            proptest::sample::select(vec![
                "<w:p>", "</w:p>", "<w:r>", "</w:r>", "<w:t>", "</w:t>", "文字", "1", "<w:br/>",
                "<w:tbl>", "</w:tbl>", "<w:tr>", "</w:tr>", "<w:tc>", "</w:tc>",
                "<w:vMerge/>", "<w:vMerge w:val=\"restart\"/>", "<w:gridSpan w:val=\"3\"/>",
                "<w:gridBefore w:val=\"2\"/>", "<w:hMerge w:val=\"continue\"/>",
                "<w:del>", "</w:del>", "<mc:AlternateContent>", "</mc:AlternateContent>",
                "<mc:Choice>", "</mc:Choice>", "<mc:Fallback>", "</mc:Fallback>", "&amp;", "&bogus;",
            ]), 0..60)) {
            let xml = document_xml(&parts.concat());
            if let Ok(doc) = parse(&zip_with(&[("word/document.xml", &xml)])) {
                for b in &doc.blocks {
                    if let Block::Table(g) = b {
                        for (i, r) in g.rows.iter().enumerate() {
                            for c in r {
                                proptest::prop_assert!(c.colspan >= 1 && c.rowspan >= 1);
                                proptest::prop_assert!(c.rowspan <= g.rows.len() - i);
                            }
                        }
                    }
                }
            }
        }
    }
}
