//! Document → report: finds the title, agency, year and publication date,
//! locates the six sections by their heading variants, recognises tables
//! 二/三/四 by their content, maps row and column labels to canonical keys
//! tolerantly, and detects the format version from the table layout.
//!
//! Tables are read as streams of rows: a table split over several grids
//! (page breaks, one grid per sub-table) reads the same as one grid. In a
//! row, label cells come first; the value cells are those after the last
//! recognised label, realigned to the format's column count (pasted Word
//! tables leave empty or extra cells where labels were merged).

use crate::document::{Block, Document, GridCell};
use crate::model::{Cell, ExtraRow, ParseNote, Report, Section, Table};
use crate::spec::{
    self, ColumnSpec, FORMAT_2019, FORMAT_2021, FormatSpec, FormatVersion, RowSpec, SECTIONS,
    T3_COLUMNS, T4_COLUMNS, T4_ROWS, TableId, ValueKind,
};
use crate::text::{
    chinese_numeral, is_value_like, label_key, normalize, similarity, strip_numbering,
};
use regex::Regex;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

/// Reads a report out of a document. Never fails: what is missing stays
/// `None`/empty and the checker reports it.
pub fn interpret(doc: &Document) -> Report {
    let mut report = Report::default();
    read_meta(doc, &mut report);
    let layout = locate(doc, &mut report.notes);
    report.sections = layout.sections;

    let mut votes = Votes::default();
    if !layout.t3.is_empty() {
        report.t3 = Some(read_t3(&layout.t3, &mut votes, &mut report.notes));
    }
    if !layout.t4.is_empty() {
        report.t4 = Some(read_t4(&layout.t4, &mut report.notes));
    }
    if !layout.t2.is_empty() {
        let fallback = votes
            .decide()
            .or(report.year.map(FormatVersion::for_year))
            .unwrap_or(FormatVersion::V2021);
        report.t2 = Some(read_t2(&layout.t2, &mut votes, fallback, &mut report.notes));
    }
    report.format = votes.decide();
    report
}

// ---- metadata ------------------------------------------------------------------

static YEAR_ARABIC: LazyLock<Regex> = LazyLock::new(|| re(r"((?:19|20)\d{2})\s*年\s*(?:度)?"));
static YEAR_CHINESE: LazyLock<Regex> =
    LazyLock::new(|| re(r"([〇零一二三四五六七八九]{4})\s*年\s*(?:度)?"));
static PERIOD_YEAR: LazyLock<Regex> =
    LazyLock::new(|| re(r"((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日"));
static PUBLISHED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:发布|公开|印发|成文)(?:日期|时间)\s*[:：]?\s*((?:19|20)\d{2})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})",
    )
});
static PUBLISHER: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?:发布机构|发文机关|发布单位|信息来源|来源)\s*[:：]\s*([^\s:：|｜]{2,40})")
});
static DATE_LINE: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s*((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*$"));

#[allow(clippy::unwrap_used)] // the patterns are constants, tested below
fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap()
}

fn block_text(block: &Block) -> Option<&str> {
    match block {
        Block::Heading { text, .. } | Block::Paragraph(text) => Some(text),
        Block::Table(_) => None,
    }
}

fn read_meta(doc: &Document, report: &mut Report) {
    read_title(doc, report);
    if report.agency.is_none() {
        for block in doc.blocks.iter().take(30) {
            if let Some(c) = block_text(block).and_then(|t| PUBLISHER.captures(t)) {
                let name = c[1].trim();
                if looks_like_agency(name) {
                    report.agency = Some(name.to_string());
                    break;
                }
            }
        }
    }
    if report.year.is_none() {
        for block in doc.blocks.iter().take(30) {
            if let Some(c) = block_text(block).and_then(|t| PERIOD_YEAR.captures(t)) {
                report.year = c[1].parse().ok();
                break;
            }
        }
    }
    // Publication date: a "发布日期：" line, else a date alone on one of the last lines.
    for block in &doc.blocks {
        if let Some(c) = block_text(block).and_then(|t| PUBLISHED.captures(t)) {
            report.published_on = date(&c[1], &c[2], &c[3]);
            if report.published_on.is_some() {
                return;
            }
        }
    }
    for block in doc.blocks.iter().rev().take(4) {
        if let Some(c) = block_text(block).and_then(|t| DATE_LINE.captures(t)) {
            report.published_on = date(&c[1], &c[2], &c[3]);
            return;
        }
    }
}

/// The title: the early line that best names the report (a year, "年度报告",
/// a heading), not a breadcrumb or a column name.
fn read_title(doc: &Document, report: &mut Report) {
    let mut best: Option<(i32, usize, String)> = None;
    let mut previous: Vec<Option<String>> = Vec::new();
    for (i, block) in doc.blocks.iter().take(20).enumerate() {
        let Some(text) = block_text(block) else {
            previous.push(None);
            continue;
        };
        if text.len() > 360 {
            previous.push(None);
            continue;
        }
        let t = crate::text::fold_digits(&crate::text::clean_space(text).replace(['*', '#'], ""));
        let t = t.trim().to_string();
        let key = label_key(&t);
        let mut score = 0;
        if t.chars().count() <= 80
            && key.contains("政府信息公开")
            && (key.contains("年度报告") || key.contains("年报"))
        {
            score += 1;
            if title_year(&normalize(&t)).is_some() {
                score += 3;
            }
            if key.contains("工作年度报告") {
                score += 2;
            }
            if matches!(block, Block::Heading { .. }) {
                score += 1;
            }
            if t.contains(['>', '»', '›'])
                || key.contains("当前位置")
                || key.contains("首页")
                || key.contains("您现在的位置")
            {
                score -= 10;
            }
        }
        if score > 0 && best.as_ref().is_none_or(|(s, _, _)| score > *s) {
            best = Some((score, i, t.clone()));
        }
        previous.push(Some(t));
    }
    let Some((_, i, t)) = best else { return };
    report.year = title_year(&normalize(&t));
    report.agency = title_agency(&t);
    report.title = Some(t.clone());
    if report.agency.is_none() {
        // A title broken over two lines: the agency on the line before.
        let before = i
            .checked_sub(1)
            .and_then(|j| previous.get(j).cloned().flatten());
        if let Some(agency) = before.filter(|p| looks_like_agency(p)) {
            report.title = Some(format!("{agency}{t}"));
            report.agency = Some(agency);
        }
    }
}

fn date(y: &str, m: &str, d: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

fn title_year(title: &str) -> Option<i32> {
    if let Some(c) = YEAR_ARABIC.captures(title) {
        return c[1].parse().ok();
    }
    let c = YEAR_CHINESE.captures(title)?;
    let digits: String = c[1]
        .chars()
        .map(|ch| match ch {
            '〇' | '零' => '0',
            other => char::from_digit(chinese_numeral(&other.to_string()).unwrap_or(0), 10)
                .unwrap_or('0'),
        })
        .collect();
    digits.parse().ok()
}

/// A short line naming an organisation: ends with a typical agency word and
/// has no sentence punctuation.
fn looks_like_agency(line: &str) -> bool {
    let n = line.chars().count();
    (2..=40).contains(&n)
        && !line.contains(['，', '。', ',', '：', ':'])
        && [
            "政府",
            "办公室",
            "办公厅",
            "局",
            "委员会",
            "委",
            "厅",
            "部",
            "署",
            "院",
            "中心",
            "街道办事处",
            "镇",
            "乡",
            "所",
            "站",
            "会",
        ]
        .iter()
        .any(|w| line.ends_with(w))
}

fn title_agency(title: &str) -> Option<String> {
    let mut t = YEAR_ARABIC.replace(title, " ").into_owned();
    t = YEAR_CHINESE.replace(&t, " ").into_owned();
    for noise in [
        "政府信息公开工作年度报告",
        "政府信息公开工作年报",
        "政府信息公开年度报告",
        "政府信息公开年报",
    ] {
        if let Some(pos) = t.find(noise) {
            t.truncate(pos);
            break;
        }
    }
    let t = t.replace(['《', '》', '“', '”', '"'], "");
    let t = t
        .trim()
        .trim_start_matches("关于")
        .trim_end_matches('的')
        .trim();
    let t: String = t.split_whitespace().collect::<Vec<_>>().join("");
    (!t.is_empty()).then_some(t)
}

// ---- sections and table streams ---------------------------------------------------

/// A table row's cell texts, and whether it comes from pasted text (where
/// cell positions are unreliable).
#[derive(Clone, Debug, Default)]
struct Row {
    cells: Vec<String>,
    pasted: bool,
}

impl std::ops::Deref for Row {
    type Target = Vec<String>;
    fn deref(&self) -> &Vec<String> {
        &self.cells
    }
}

impl<'a> IntoIterator for &'a Row {
    type Item = &'a String;
    type IntoIter = std::slice::Iter<'a, String>;
    fn into_iter(self) -> Self::IntoIter {
        self.cells.iter()
    }
}

#[derive(Default)]
struct Layout {
    sections: Vec<Section>,
    t2: Vec<Row>,
    t3: Vec<Row>,
    t4: Vec<Row>,
}

fn locate(doc: &Document, notes: &mut Vec<ParseNote>) -> Layout {
    let mut layout = Layout::default();
    let mut current: Option<usize> = None;
    let mut order = Vec::new();
    // Section headings in each style; the weaker styles (（一） numbering, an
    // unnumbered paragraph) count only where the document does not number
    // its sections 一、二、… (then （一） is a sub-heading of 总体情况).
    let candidates: Vec<Option<SectionHeading>> = doc
        .blocks
        .iter()
        .map(|block| match block {
            Block::Heading { text, .. } => section_heading(text, true),
            Block::Paragraph(text) => section_heading(text, false),
            Block::Table(_) => None,
        })
        .collect();
    let plain = candidates
        .iter()
        .flatten()
        .filter(|h| h.style == HeadingStyle::Plain)
        .count();
    let mut candidates = candidates.into_iter();
    for block in &doc.blocks {
        let candidate = candidates
            .next()
            .flatten()
            .filter(|h| h.style == HeadingStyle::Plain || plain < 2);
        match block {
            Block::Heading { .. } | Block::Paragraph(_) => {
                let text = block_text(block).unwrap_or_default();
                let seen = |n: u8| layout.sections.iter().any(|s| s.number == n);
                match candidate {
                    Some(h) if !seen(h.number) => {
                        if let Some(written) = h.written
                            && written != h.number
                        {
                            notes.push(ParseNote::SectionNumbering {
                                title: h.title.clone(),
                                written,
                                expected: h.number,
                            });
                        }
                        order.push(h.number);
                        layout.sections.push(Section {
                            number: h.number,
                            title: h.title,
                            text: String::new(),
                        });
                        current = Some(layout.sections.len() - 1);
                    }
                    _ => {
                        if let Some(i) = current {
                            let s = &mut layout.sections[i];
                            let line = clean_line(text);
                            if !line.is_empty() && !is_page_chrome(&line) {
                                if !s.text.is_empty() {
                                    s.text.push('\n');
                                }
                                s.text.push_str(&line);
                            }
                        }
                    }
                }
            }
            Block::Table(grid) => {
                let rows: Vec<Row> = grid
                    .rows
                    .iter()
                    .map(|r| expand_row(r, grid.pasted))
                    .collect();
                let section = current.map(|i| layout.sections[i].number);
                match classify_table(&rows, section) {
                    Some(TableId::T2) => layout.t2.extend(rows),
                    Some(TableId::T3) => layout.t3.extend(rows),
                    Some(TableId::T4) => layout.t4.extend(rows),
                    None => {
                        // A table of the narrative: keep its text.
                        if let Some(i) = current {
                            let s = &mut layout.sections[i];
                            for r in rows {
                                let line = r
                                    .iter()
                                    .filter(|c| !c.is_empty())
                                    .cloned()
                                    .collect::<Vec<_>>()
                                    .join(" ");
                                if !line.is_empty() {
                                    if !s.text.is_empty() {
                                        s.text.push('\n');
                                    }
                                    s.text.push_str(&line);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    if order.windows(2).any(|w| w[0] > w[1]) {
        notes.push(ParseNote::SectionOrder { found: order });
    }
    layout
}

/// A line of website chrome left in the article: 【打印本页】【关闭窗口】,
/// 字号：大 中 小, 分享到 … — nothing but such words and brackets.
fn is_page_chrome(line: &str) -> bool {
    const WORDS: [&str; 24] = [
        "打印本页",
        "打印此页",
        "打印文章",
        "关闭窗口",
        "关闭本页",
        "返回顶部",
        "收藏本页",
        "加入收藏",
        "扫一扫在手机打开当前页",
        "扫一扫",
        "分享到",
        "字号",
        "字体",
        "默认",
        "打印",
        "关闭",
        "返回",
        "收藏",
        "分享",
        "微信",
        "微博",
        "大",
        "中",
        "小",
    ];
    let mut rest: String = line
        .chars()
        .filter(|c| {
            !c.is_whitespace()
                && !matches!(
                    c,
                    '【' | '】'
                        | '['
                        | ']'
                        | '（'
                        | '）'
                        | '('
                        | ')'
                        | '|'
                        | '｜'
                        | ':'
                        | '：'
                        | '>'
                )
        })
        .collect();
    if rest.is_empty() || rest.chars().count() > 40 {
        return false;
    }
    let had_chrome = WORDS[..19].iter().any(|w| rest.contains(w));
    for w in WORDS {
        rest = rest.replace(w, "");
    }
    had_chrome && rest.is_empty()
}

fn clean_line(text: &str) -> String {
    let t = crate::text::clean_space(text);
    let t = t.trim_start_matches('#').trim();
    t.replace("**", "")
}

/// Row cells as text; a value cell spanning several columns is followed by
/// empty cells so that value positions keep their meaning.
fn expand_row(row: &[GridCell], pasted: bool) -> Row {
    let mut out = Vec::with_capacity(row.len());
    for cell in row {
        let text = normalize(&cell.text);
        let span = cell.colspan.clamp(1, 32);
        let value_like = is_value_like(&text);
        out.push(text);
        if value_like && span > 1 {
            out.extend(std::iter::repeat_n(String::new(), span - 1));
        }
    }
    Row { cells: out, pasted }
}

struct SectionHeading {
    number: u8,
    written: Option<u8>,
    title: String,
    style: HeadingStyle,
}

/// How a section heading is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HeadingStyle {
    /// 一、总体情况 (or a heading without numbering, as markup says).
    Plain,
    /// （一）总体情况: some agencies number sections so.
    Bracketed,
    /// 总体情况 alone on a line of text, without heading markup.
    Bare,
}

static SECTION_NUMBERING: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^\s*(?:第\s*)?([一二三四五六七八九十])\s*(?:[、.．,，:：]|\s|部分)\s*(.*)$")
});
static SECTION_BRACKETED: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s*[（(]\s*([一二三四五六七八九十])\s*[)）]\s*[、.．]?\s*(.*)$"));

fn section_heading(text: &str, is_heading: bool) -> Option<SectionHeading> {
    if text.len() > 200 {
        return None;
    }
    let t = crate::text::clean_space(text).replace(['*', '#'], "");
    let t = t.trim().trim_end_matches(['：', ':', '。']).trim();
    if t.is_empty() || t.chars().count() > 40 {
        return None;
    }
    let numbered = |c: regex::Captures<'_>| {
        (
            chinese_numeral(&c[1]).and_then(|n| u8::try_from(n).ok()),
            c[2].trim().to_string(),
        )
    };
    let (style, (written, title)) = if let Some(c) = SECTION_NUMBERING.captures(t) {
        (HeadingStyle::Plain, numbered(c))
    } else if let Some(c) = SECTION_BRACKETED.captures(t) {
        (HeadingStyle::Bracketed, numbered(c))
    } else if is_heading && t.chars().count() <= 24 {
        (HeadingStyle::Plain, (None, t.to_string()))
    } else if t.chars().count() <= 24 && !t.contains(['，', '。', ',', '；', ';']) {
        (HeadingStyle::Bare, (None, t.to_string()))
    } else {
        return None;
    };
    let key = label_key(&title);
    let number = [6u8, 5, 4, 3, 2, 1].into_iter().find(|n| {
        let spec = &SECTIONS[usize::from(*n) - 1];
        if style == HeadingStyle::Bare {
            // Unmarked text: only the official title itself, maybe with a
            // gloss or 情况 dropped.
            let official = label_key(spec.title);
            return key == official
                || (key.chars().count() >= 6 && official.starts_with(&key))
                || key.starts_with(&official);
        }
        spec.keys.iter().any(|k| key.contains(&label_key(k)))
    })?;
    Some(SectionHeading {
        number,
        written,
        title,
        style,
    })
}

fn classify_table(rows: &[Row], section: Option<u8>) -> Option<TableId> {
    let text: String = rows.iter().flatten().map(|c| label_key(c)).collect();
    let has = |k: &str| text.contains(k);
    if has("本年新收")
        || has("上年结转")
        || has("本年度办理结果")
        || has("予以公开")
        || has("无法提供")
        || has("不予处理")
        || has("结转下年度")
    {
        return Some(TableId::T3);
    }
    if has("结果维持") || has("尚未审结") || has("结果纠正") || (has("行政复议") && has("行政诉讼"))
    {
        return Some(TableId::T4);
    }
    if has("信息内容")
        || has("第二十条")
        || has("行政许可")
        || has("规范性文件")
        || has("行政事业性收费")
        || has("行政处罚")
    {
        return Some(TableId::T2);
    }
    match section {
        Some(2) => Some(TableId::T2),
        Some(3) => Some(TableId::T3),
        Some(4) => Some(TableId::T4),
        _ => None,
    }
}

// ---- format votes ---------------------------------------------------------------------

#[derive(Default)]
struct Votes {
    v2019: u32,
    v2021: u32,
}

impl Votes {
    fn add(&mut self, version: FormatVersion, weight: u32) {
        match version {
            FormatVersion::V2019 => self.v2019 += weight,
            FormatVersion::V2021 => self.v2021 += weight,
        }
    }

    fn decide(&self) -> Option<FormatVersion> {
        match self.v2019.cmp(&self.v2021) {
            std::cmp::Ordering::Greater => Some(FormatVersion::V2019),
            std::cmp::Ordering::Less => Some(FormatVersion::V2021),
            std::cmp::Ordering::Equal => None,
        }
    }
}

// ---- label matching ---------------------------------------------------------------------

/// The comparable core of a label: folded, numbering removed.
fn core(label: &str) -> String {
    let key = label_key(label);
    strip_numbering(&key).to_string()
}

/// Keys of every official label and alias, computed once.
static OFFICIAL_KEYS: LazyLock<HashMap<&'static str, Key>> = LazyLock::new(|| {
    let mut labels: Vec<&'static str> = vec![spec::T4_LITIGATION, spec::T2_CONTENT_HEADER];
    labels.extend(T3_GROUPS.iter().map(|(_, l)| *l));
    for f in [&FORMAT_2021, &FORMAT_2019] {
        for t in TableId::ALL {
            for (row, cols) in f.rows(t) {
                labels.push(row.label);
                labels.extend(row.aliases.iter().copied());
                for c in cols {
                    labels.push(c.label);
                    labels.extend(c.aliases.iter().copied());
                }
            }
        }
    }
    labels.into_iter().map(|l| (l, Key::new(l))).collect()
});

/// The key of an official label (cached).
fn okey(label: &'static str) -> Cow<'static, Key> {
    match OFFICIAL_KEYS.get(label) {
        Some(k) => Cow::Borrowed(k),
        None => Cow::Owned(Key::new(label)),
    }
}

fn label_score(cell: &Key, official: &Key) -> f64 {
    if cell.core.is_empty() || official.core.is_empty() {
        return 0.0;
    }
    if cell.core == official.core {
        return 1.0;
    }
    // The same label with or without a parenthesised gloss.
    if !cell.bare.is_empty() && cell.bare == official.bare {
        return 0.95;
    }
    // A gloss or a shortened label: one contains the other.
    if official.len >= 4 && cell.core.contains(official.core.as_str()) {
        return 0.9;
    }
    if cell.len >= 4 && official.core.contains(cell.core.as_str()) && cell.len * 2 >= official.len {
        return 0.85;
    }
    cell.dice(official)
}

/// A label prepared for comparison: its core, the core without glosses, and
/// its sorted character bigrams.
#[derive(Clone, Debug)]
struct Key {
    core: String,
    bare: String,
    len: usize,
    bigrams: Vec<(char, char)>,
}

impl Key {
    fn new(label: &str) -> Key {
        let core = core(label);
        let bare = without_glosses(&core);
        let chars: Vec<char> = core.chars().collect();
        let mut bigrams: Vec<(char, char)> = chars.windows(2).map(|w| (w[0], w[1])).collect();
        bigrams.sort_unstable();
        Key {
            len: chars.len(),
            core,
            bare,
            bigrams,
        }
    }

    /// Dice coefficient over character bigrams (as `text::similarity`),
    /// by merging the sorted lists: no allocation.
    fn dice(&self, other: &Key) -> f64 {
        if self.len < 2 || other.len < 2 {
            return similarity(&self.core, &other.core);
        }
        let (a, b) = (&self.bigrams, &other.bigrams);
        let (mut i, mut j, mut hits) = (0, 0, 0);
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Equal => {
                    hits += 1;
                    i += 1;
                    j += 1;
                }
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
            }
        }
        2.0 * hits as f64 / (a.len() + b.len()) as f64
    }
}

const MATCH_THRESHOLD: f64 = 0.6;

/// The text without "(…)" parts: "本年收费金额(单位:万元)" → "本年收费金额".
fn without_glosses(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Splits "三、本年度办理结果/（三）不予公开/1.属于国家秘密" into its parts, and
/// "（六）其他处理 3.其他" where a numbered label follows a space.
fn label_parts(cell: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let pieces: Vec<&str> = if cell.contains('/') && !is_value_like(cell) {
        cell.split('/').collect()
    } else {
        vec![cell]
    };
    for piece in pieces {
        let mut current = String::new();
        for token in piece.split(' ').filter(|t| !t.is_empty()) {
            let numbered = strip_numbering(token).len() != token.len();
            if numbered && !current.is_empty() && !strip_numbering(&current).is_empty() {
                parts.push(std::mem::take(&mut current));
            }
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(token);
        }
        if !current.is_empty() {
            parts.push(current);
        }
    }
    parts
}

/// Takes the value cells after the label and fits them to `n` columns.
///
/// In a structured grid (HTML, DOCX, Markdown) the values are the `n` cells
/// right after the label; spans of value cells were expanded, so positions
/// hold. In pasted text, merged label cells leave empty or extra cells at
/// either end: empty cells are trimmed from both ends first, and extra
/// values are taken from the right.
fn align(cells: &[String], n: usize, pasted: bool) -> (Vec<String>, bool) {
    if !pasted {
        let mut v: Vec<String> = cells.iter().take(n).cloned().collect();
        let extra = cells[v.len()..].iter().any(|c| !c.trim().is_empty());
        let realigned =
            extra || (v.len() < n && v.iter().any(|c| !c.trim().is_empty()) && v.len() + 1 < n);
        v.resize(n, String::new());
        return (v, realigned);
    }
    let mut v: Vec<String> = cells.to_vec();
    while v.len() > n && v.last().is_some_and(|c| c.trim().is_empty()) {
        v.pop();
    }
    while v.len() > n && v.first().is_some_and(|c| c.trim().is_empty()) {
        v.remove(0);
    }
    let mut realigned = false;
    if v.len() > n {
        v.drain(..v.len() - n);
        realigned = true;
    }
    if v.len() < n {
        // Trailing empty cells are often dropped by editors.
        realigned = v.iter().any(|c| !c.trim().is_empty()) && v.len() + 1 < n;
        v.resize(n, String::new());
    }
    (v, realigned)
}

fn store(table: &mut Table, row_key: &str, columns: &[&'static ColumnSpec], values: &[String]) {
    for (col, raw) in columns.iter().zip(values) {
        table.set(row_key, col.key, Cell::parse(raw, col.kind));
    }
}

fn variant_note(
    notes: &mut Vec<ParseNote>,
    table: TableId,
    found: &str,
    official: &str,
    score: f64,
) {
    if score < 1.0 {
        notes.push(ParseNote::LabelVariant {
            table,
            found: found.to_string(),
            official: official.to_string(),
        });
    }
}

// ---- table 三 -------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum T3Group {
    Results,
    Denied,
    Unable,
    NotProcessed,
    Other,
}

const T3_GROUPS: [(T3Group, &str); 5] = [
    (T3Group::Results, spec::T3_GROUP_RESULTS),
    (T3Group::Denied, spec::T3_GROUP_DENIED),
    (T3Group::Unable, spec::T3_GROUP_UNABLE),
    (T3Group::NotProcessed, spec::T3_GROUP_NOT_PROCESSED),
    (T3Group::Other, spec::T3_GROUP_OTHER),
];

fn t3_group_of(row: &RowSpec) -> Option<T3Group> {
    let g = row.group?;
    T3_GROUPS
        .iter()
        .find(|(_, label)| *label == g)
        .map(|(grp, _)| *grp)
}

/// What a label cell of table 三 is.
enum T3Label {
    Group(T3Group),
    Row(&'static RowSpec, f64),
}

/// Candidate rows: all of the 2021 format plus the 2019 single （六） row.
fn t3_candidates() -> impl Iterator<Item = &'static RowSpec> {
    FORMAT_2021.t3_rows.iter().chain(
        FORMAT_2019
            .t3_rows
            .iter()
            .filter(|r| r.key == "other.total_2019"),
    )
}

fn match_t3_label(cell: &str, group: Option<T3Group>, more_labels_follow: bool) -> Option<T3Label> {
    let c = Key::new(cell);
    if c.core.is_empty() {
        return None;
    }
    // Groups first: they share words with rows (（六）其他处理 is both).
    let mut best_group: Option<(T3Group, f64)> = None;
    for (g, label) in T3_GROUPS {
        let s = label_score(&c, &okey(label));
        if s >= 0.8 && best_group.is_none_or(|(_, b)| s > b) {
            best_group = Some((g, s));
        }
    }
    if let Some((g, _)) = best_group {
        if g == T3Group::Other && !more_labels_follow {
            // A （六）其他处理 row with values of its own: the 2019 layout.
            let row = t3_candidates().find(|r| r.key == "other.total_2019")?;
            return Some(T3Label::Row(row, 1.0));
        }
        return Some(T3Label::Group(g));
    }
    let mut best: Option<(&'static RowSpec, f64)> = None;
    for row in t3_candidates() {
        if row.key == "other.total_2019" {
            continue;
        }
        let mut s = label_score(&c, &okey(row.label));
        for alias in row.aliases {
            s = s.max(label_score(&c, &okey(alias)));
        }
        // Context: an item of the current group wins ties ("3.其他").
        if s > 0.0 && group.is_some() && t3_group_of(row) == group {
            s += 0.05;
        }
        if best.is_none_or(|(_, b)| s > b) {
            best = Some((row, s));
        }
        if s >= 1.05 {
            break; // the label itself, in its group: nothing beats it
        }
    }
    let (row, s) = best?;
    (s >= MATCH_THRESHOLD).then_some(T3Label::Row(row, s.min(1.0)))
}

fn is_t3_header(row: &Row) -> bool {
    let column_words = [
        "自然人",
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "申请人情况",
        "法人或其他组织",
        "勾稽关系",
    ];
    let hits = row
        .iter()
        .filter(|c| {
            let key = label_key(c);
            column_words.iter().any(|w| key.contains(w))
        })
        .count();
    let numbers = row
        .iter()
        .filter(|c| crate::text::parse_number(c).is_some())
        .count();
    hits >= 1 && numbers == 0
}

/// The value columns of table 三 in the order a header row states, when it
/// departs from the official one unambiguously: a row naming all seven
/// columns in another order, or a row where 总计 comes before the applicant
/// columns (总计 | 自然人 | 法人或其他组织). Positions are not used, only the
/// order of the words, so pasted rows with shifted cells read the same.
fn t3_column_order(row: &Row) -> Option<Vec<&'static ColumnSpec>> {
    let org_group = core(spec::T3_ORGANISATION_GROUP);
    let mut seen: Vec<Option<usize>> = Vec::new(); // None = 法人或其他组织
    for cell in row {
        let k = Key::new(cell);
        if k.core.is_empty() {
            continue;
        }
        if k.core == org_group {
            seen.push(None);
            continue;
        }
        let hit = T3_COLUMNS.iter().position(|col| {
            let o = okey(col.label);
            k.core == o.core || (o.len >= 4 && label_score(&k, &o) >= 0.85)
        });
        if let Some(i) = hit
            && !seen.contains(&Some(i))
        {
            seen.push(Some(i));
        }
    }
    let total = T3_COLUMNS.len() - 1;
    let columns: Vec<usize> = seen.iter().flatten().copied().collect();
    let order: Vec<usize> = if columns.len() == T3_COLUMNS.len() {
        columns
    } else if seen.first() == Some(&Some(total)) && seen.len() >= 2 {
        std::iter::once(total).chain(0..total).collect()
    } else {
        return None;
    };
    let official: Vec<usize> = (0..T3_COLUMNS.len()).collect();
    (order != official).then(|| order.into_iter().map(|i| &T3_COLUMNS[i]).collect())
}

fn read_t3(rows: &[Row], votes: &mut Votes, notes: &mut Vec<ParseNote>) -> Table {
    let mut table = Table::default();
    let mut columns: Vec<&'static ColumnSpec> = T3_COLUMNS.iter().collect();
    let mut group: Option<T3Group> = None;
    let mut value_start: Option<(usize, usize)> = None;
    for row in rows {
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if is_t3_header(row) {
            if let Some(order) = t3_column_order(row) {
                columns = order;
            }
            if !row.pasted {
                // Where the value columns start in a grid whose rows all have
                // the same width (Markdown): label cells merged over several
                // columns leave empty cells that are not values.
                let first = row.iter().position(|c| {
                    let k = label_key(c);
                    k.contains("自然人") || k.contains("申请人情况") || k == "总计"
                });
                if let Some(start) = first.filter(|s| *s > 0) {
                    value_start =
                        Some((value_start.map_or(start, |(s, _)| s.min(start)), row.len()));
                }
            }
            continue;
        }
        // Split path labels, remembering which cell each part came from.
        let mut parts: Vec<(usize, String)> = Vec::new();
        for (i, cell) in row.iter().enumerate() {
            if cell.trim().is_empty() || is_value_like(cell) {
                continue;
            }
            for p in label_parts(cell) {
                parts.push((i, p));
            }
        }
        let mut last_label_cell: Option<usize> = None;
        let mut matched: Option<(&'static RowSpec, f64, String)> = None;
        for (k, (i, part)) in parts.iter().enumerate() {
            let more = k + 1 < parts.len();
            match match_t3_label(part, group, more) {
                Some(T3Label::Group(g)) => {
                    group = Some(g);
                    last_label_cell = Some(*i);
                }
                Some(T3Label::Row(r, s)) => {
                    matched = Some((r, s, part.clone()));
                    last_label_cell = Some(*i);
                }
                None => {}
            }
        }
        match matched {
            Some((spec_row, score, found)) => {
                group = match t3_group_of(spec_row) {
                    Some(T3Group::Results) | None => None,
                    g => g,
                };
                if spec_row.key.starts_with("other.") && spec_row.key != "other.total_2019" {
                    votes.add(FormatVersion::V2021, 3);
                }
                variant_note(notes, TableId::T3, &found, spec_row.label, score);
                let mut start = last_label_cell.map_or(0, |i| i + 1);
                if let Some((s, width)) = value_start
                    && !row.pasted
                    && row.len() == width
                    && s >= start
                {
                    start = s;
                }
                let (values, realigned) = align(&row[start..], columns.len(), row.pasted);
                if realigned {
                    notes.push(ParseNote::CellsRealigned {
                        table: TableId::T3,
                        row: spec_row.key.to_string(),
                        found: row.len() - start,
                        expected: columns.len(),
                    });
                }
                if table.has_row(spec_row.key) {
                    notes.push(ParseNote::UnknownRow {
                        table: TableId::T3,
                        label: format!("{found}（重复）"),
                    });
                    continue;
                }
                store(&mut table, spec_row.key, &columns, &values);
            }
            None => {
                let has_numbers = row.iter().any(|c| crate::text::parse_number(c).is_some());
                if !has_numbers || last_label_cell.is_some() {
                    // A group-only row, or a note line without values.
                    continue;
                }
                let label_idx = row
                    .iter()
                    .position(|c| !c.trim().is_empty() && !is_value_like(c));
                let Some(li) = label_idx else { continue };
                let (values, _) = align(&row[li + 1..], columns.len(), row.pasted);
                let label = row[li].clone();
                notes.push(ParseNote::UnknownRow {
                    table: TableId::T3,
                    label: label.clone(),
                });
                table.extra_rows.push(ExtraRow {
                    label,
                    values: values
                        .iter()
                        .map(|v| Cell::parse(v, ValueKind::Count))
                        .collect(),
                });
            }
        }
    }
    table
}

// ---- table 四 ------------------------------------------------------------------------------

fn t4_row_of(part: &str) -> Option<(&'static RowSpec, f64)> {
    // "行政诉讼 未经复议直接起诉": the group written before the row label.
    let litigation = &okey(spec::T4_LITIGATION).core;
    let own = core(part);
    let c = match own.strip_prefix(litigation.as_str()) {
        Some(rest) if !rest.is_empty() => Key::new(rest),
        _ => Key::new(part),
    };
    let mut best: Option<(&'static RowSpec, f64)> = None;
    for row in &T4_ROWS {
        let s = label_score(&c, &okey(row.label));
        if best.is_none_or(|(_, b)| s > b) {
            best = Some((row, s));
        }
    }
    best.filter(|(_, s)| *s >= 0.75)
}

fn t4_column_of(part: &str) -> Option<&'static ColumnSpec> {
    let c = Key::new(part);
    T4_COLUMNS
        .iter()
        .find(|col| label_score(&c, &okey(col.label)) >= 0.75)
}

fn read_t4(rows: &[Row], notes: &mut Vec<ParseNote>) -> Table {
    let mut table = Table::default();
    let columns: Vec<&'static ColumnSpec> = T4_COLUMNS.iter().collect();
    for row in rows {
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut parts: Vec<(usize, String)> = Vec::new();
        for (i, cell) in row.iter().enumerate() {
            if !cell.trim().is_empty() && !is_value_like(cell) {
                for p in label_parts(cell) {
                    parts.push((i, p));
                }
            }
        }
        let numbers = row
            .iter()
            .filter(|c| crate::text::parse_number(c).is_some())
            .count();
        let row_labels: Vec<(usize, &'static RowSpec, f64, String)> = parts
            .iter()
            .filter_map(|(i, p)| t4_row_of(p).map(|(r, s)| (*i, r, s, p.clone())))
            .collect();
        let column_labels: Vec<(usize, &'static ColumnSpec)> = parts
            .iter()
            .filter_map(|(i, p)| t4_column_of(p).map(|c| (*i, c)))
            .collect();
        // 行政诉讼 in a cell of its own (not as the path prefix of a row label).
        let litigation_group = parts.iter().any(|(i, p)| {
            core(p) == okey(spec::T4_LITIGATION).core && !row_labels.iter().any(|(ri, ..)| ri == i)
        });
        let distinct_rows = {
            let mut keys: Vec<_> = row_labels.iter().map(|(_, r, _, _)| r.key).collect();
            keys.dedup();
            keys.len()
        };

        // Transposed layout: a row per result kind, a column per group.
        if let [(i, col)] = column_labels.as_slice()
            && row_labels.is_empty()
            && numbers > 0
        {
            let (values, _) = align(&row[i + 1..], T4_ROWS.len(), row.pasted);
            for (r, raw) in T4_ROWS.iter().zip(&values) {
                table.set(r.key, col.key, Cell::parse(raw, col.kind));
            }
            continue;
        }
        // 行政复议 | 行政诉讼: the group header (in a path label such as
        // 行政诉讼/复议后起诉 the group comes first).
        let litigation_after_row = parts.iter().any(|(i, p)| {
            core(p) == okey(spec::T4_LITIGATION).core
                && row_labels.first().is_some_and(|(j, ..)| j < i)
        });
        let is_header = !column_labels.is_empty()
            || distinct_rows >= 2
            || (litigation_group && row_labels.is_empty())
            || (litigation_after_row && numbers == 0);
        if is_header {
            continue;
        }
        if let Some((i, spec_row, score, found)) = row_labels.last() {
            variant_note(notes, TableId::T4, found, spec_row.label, *score);
            let (values, realigned) = align(&row[i + 1..], columns.len(), row.pasted);
            if realigned {
                notes.push(ParseNote::CellsRealigned {
                    table: TableId::T4,
                    row: spec_row.key.to_string(),
                    found: row.len() - i - 1,
                    expected: columns.len(),
                });
            }
            store(&mut table, spec_row.key, &columns, &values);
            continue;
        }
        if parts.is_empty() && numbers > 0 {
            // The single value row of the official layout: 15 values.
            let n = T4_ROWS.len() * columns.len();
            let (values, realigned) = align(row, n, row.pasted);
            if realigned {
                notes.push(ParseNote::CellsRealigned {
                    table: TableId::T4,
                    row: "全部".into(),
                    found: row.len(),
                    expected: n,
                });
            }
            for (gi, r) in T4_ROWS.iter().enumerate() {
                store(
                    &mut table,
                    r.key,
                    &columns,
                    &values[gi * columns.len()..(gi + 1) * columns.len()],
                );
            }
            continue;
        }
        if numbers > 0 {
            let label = parts.first().map(|(_, p)| p.clone()).unwrap_or_default();
            notes.push(ParseNote::UnknownRow {
                table: TableId::T4,
                label: label.clone(),
            });
            let start = parts.last().map_or(0, |(i, _)| i + 1);
            table.extra_rows.push(ExtraRow {
                label,
                values: row[start..]
                    .iter()
                    .map(|v| Cell::parse(v, ValueKind::Count))
                    .collect(),
            });
        }
    }
    table
}

// ---- table 二 ------------------------------------------------------------------------------

/// All table-二 columns of both formats, with the format each belongs to.
fn t2_columns() -> impl Iterator<Item = (FormatVersion, &'static ColumnSpec)> {
    [&FORMAT_2021, &FORMAT_2019].into_iter().flat_map(|f| {
        f.t2.iter()
            .flat_map(move |s| s.columns.iter().map(move |c| (f.version, c)))
    })
}

fn match_t2_column(cell: &str) -> Option<(FormatVersion, &'static ColumnSpec, f64)> {
    let c = Key::new(cell);
    let mut best: Option<(FormatVersion, &'static ColumnSpec, f64)> = None;
    for (v, col) in t2_columns() {
        let mut s = label_score(&c, &okey(col.label));
        for a in col.aliases {
            s = s.max(label_score(&c, &okey(a)) - 0.01);
        }
        if best.is_none_or(|(_, _, b)| s > b) {
            best = Some((v, col, s));
        }
        if s >= 1.0 {
            break;
        }
    }
    best.filter(|(_, _, s)| *s >= MATCH_THRESHOLD)
}

fn match_t2_row(cell: &str) -> Option<(FormatVersion, &'static RowSpec, f64)> {
    let c = Key::new(cell);
    let mut best: Option<(FormatVersion, &'static RowSpec, f64)> = None;
    for f in [&FORMAT_2021, &FORMAT_2019] {
        for (row, _) in f.rows(TableId::T2) {
            let s = label_score(&c, &okey(row.label));
            if best.is_none_or(|(_, _, b)| s > b) {
                best = Some((f.version, row, s));
            }
            if s >= 1.0 {
                return best;
            }
        }
    }
    best.filter(|(_, _, s)| *s >= 0.7)
}

/// Columns that only one format has, as evidence of the layout.
fn column_vote(version: FormatVersion, col: &ColumnSpec) -> Option<FormatVersion> {
    let shared = ["decisions"];
    if shared.contains(&col.key) {
        return None;
    }
    Some(version)
}

fn read_t2(
    rows: &[Row],
    votes: &mut Votes,
    fallback: FormatVersion,
    notes: &mut Vec<ParseNote>,
) -> Table {
    let mut table = Table::default();
    let mut columns: Option<Vec<&'static ColumnSpec>> = None;
    for row in rows {
        let cells: Vec<&String> = row.iter().filter(|c| !c.trim().is_empty()).collect();
        let Some(first) = cells.first() else { continue };
        let first_key = label_key(first);
        if first_key.contains("第二十条")
            && row
                .iter()
                .filter(|c| crate::text::parse_number(c).is_some())
                .count()
                == 0
        {
            columns = None;
            continue;
        }
        let numbers = row
            .iter()
            .filter(|c| crate::text::parse_number(c).is_some())
            .count();
        if first_key.contains(&label_key(spec::T2_CONTENT_HEADER)) && numbers == 0 {
            let mut cols = Vec::new();
            for cell in cells.iter().skip(1) {
                if let Some((v, col, s)) = match_t2_column(cell) {
                    if let Some(v) = column_vote(v, col) {
                        votes.add(v, 2);
                    }
                    if col.key == "decisions" {
                        votes.add(
                            if label_key(cell).contains("本年") {
                                FormatVersion::V2021
                            } else {
                                FormatVersion::V2019
                            },
                            1,
                        );
                    }
                    variant_note(notes, TableId::T2, cell, col.label, s);
                    cols.push(col);
                }
            }
            columns = (!cols.is_empty()).then_some(cols);
            continue;
        }
        // A value row: the first label cell names it.
        let Some(li) = row
            .iter()
            .position(|c| !c.trim().is_empty() && !is_value_like(c))
        else {
            continue;
        };
        let label = &row[li];
        match match_t2_row(label) {
            Some((version, spec_row, score)) => {
                if matches!(spec_row.key, "other_services" | "procurement") {
                    votes.add(version, 2);
                }
                variant_note(notes, TableId::T2, label, spec_row.label, score);
                // The header read last, unless it belongs to another
                // sub-table (a header row lost between two sub-tables).
                let fits = |cols: &Vec<&'static ColumnSpec>| {
                    [&FORMAT_2021, &FORMAT_2019].iter().any(|f| {
                        f.row(TableId::T2, spec_row.key).is_some_and(|(_, own)| {
                            cols.iter().any(|c| own.iter().any(|o| o.key == c.key))
                        })
                    })
                };
                let cols: Vec<&'static ColumnSpec> = match &columns {
                    Some(c) if fits(c) => c.clone(),
                    _ => FormatSpec::get(votes.decide().unwrap_or(fallback))
                        .row(TableId::T2, spec_row.key)
                        .map(|(_, c)| c.iter().collect())
                        .unwrap_or_default(),
                };
                if cols.is_empty() {
                    continue;
                }
                let (values, realigned) = align(&row[li + 1..], cols.len(), row.pasted);
                if realigned {
                    notes.push(ParseNote::CellsRealigned {
                        table: TableId::T2,
                        row: spec_row.key.to_string(),
                        found: row.len() - li - 1,
                        expected: cols.len(),
                    });
                }
                store(&mut table, spec_row.key, &cols, &values);
            }
            None => {
                let after = &row[li + 1..];
                if after.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                // Values keep their positions under the current header.
                let end = after
                    .iter()
                    .rposition(|c| !c.trim().is_empty())
                    .map_or(0, |i| i + 1);
                let values: Vec<Cell> = match &columns {
                    Some(cols) if end <= cols.len() => {
                        let (values, _) = align(after, cols.len(), row.pasted);
                        cols.iter()
                            .zip(&values)
                            .map(|(c, v)| Cell::parse(v, c.kind))
                            .collect()
                    }
                    _ => after[..end].iter().map(|v| Cell::parse_any(v)).collect(),
                };
                notes.push(ParseNote::UnknownRow {
                    table: TableId::T2,
                    label: label.clone(),
                });
                table.extra_rows.push(ExtraRow {
                    label: label.clone(),
                    values,
                });
            }
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Grid;

    fn doc_of(text: &str) -> Document {
        crate::parse::text::parse(text)
    }

    #[test]
    fn regexes_compile() {
        let _ = (
            &*PUBLISHER,
            &*YEAR_ARABIC,
            &*YEAR_CHINESE,
            &*PERIOD_YEAR,
            &*PUBLISHED,
            &*DATE_LINE,
            &*SECTION_NUMBERING,
        );
    }

    #[test]
    fn title_gives_year_and_agency() {
        assert_eq!(
            title_year("灵武市审批服务管理局 2021 年政府信息公开工作年度报告"),
            Some(2021)
        );
        assert_eq!(
            title_year("二〇二三年度某某局政府信息公开工作年度报告"),
            Some(2023)
        );
        assert_eq!(
            title_agency("灵武市审批服务管理局 2021 年政府信息公开工作年度报告").as_deref(),
            Some("灵武市审批服务管理局")
        );
        assert_eq!(
            title_agency("2019年上海市人民政府办公厅政府信息公开工作年度报告").as_deref(),
            Some("上海市人民政府办公厅")
        );
    }

    #[test]
    fn title_is_not_a_breadcrumb() {
        let text = "当前位置：首页 > 政府信息公开 > 政府信息公开年报\n发布机构：某某市统计局 发布时间：2022-01-20\n\
            2021年政府信息公开工作年度报告\n一、总体情况\n正文。\n";
        let r = interpret(&doc_of(text));
        assert_eq!(r.year, Some(2021));
        assert_eq!(r.agency.as_deref(), Some("某某市统计局"));
        assert_eq!(r.published_on, chrono::NaiveDate::from_ymd_opt(2022, 1, 20));
    }

    #[test]
    fn title_over_two_lines() {
        let r = interpret(&doc_of(
            "洪泽区人民政府\n2023 年政府信息公开工作年度报告\n一、总体情况\n正文。\n",
        ));
        assert_eq!(r.agency.as_deref(), Some("洪泽区人民政府"));
        assert_eq!(r.year, Some(2023));
    }

    #[test]
    fn section_headings_in_their_variants() {
        let h = |t: &str| section_heading(t, false).map(|h| h.number);
        assert_eq!(h("一、总体情况"), Some(1));
        assert_eq!(h("## 二、主动公开政府信息情况"), Some(2));
        assert_eq!(h("三. 收到和处理政府信息公开申请情况"), Some(3));
        assert_eq!(
            h("四、因政府信息公开工作被申请行政复议、提起行政诉讼的情况"),
            Some(4)
        );
        assert_eq!(h("五、政府信息公开工作存在的主要问题及改进情况"), Some(5));
        assert_eq!(h("**六、其他需要报告的事项**"), Some(6));
        assert_eq!(
            h("二是加强平台建设，提高主动公开政府信息的质量和数量，方便群众"),
            None
        );
        assert_eq!(h("（一）主动公开"), None);
        assert_eq!(section_heading("总体情况", true).map(|h| h.number), Some(1));
    }

    #[test]
    fn pasted_table_three_with_merged_cells() {
        let text = "三、收到和处理政府信息公开申请情况\n\
            (本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和)\t申请人情况\t\t\t\t\t\t\t总计\n\
            \t自然人\t法人或其他组织\t\t\t\t\t\n\
            \t\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t\n\
            一、本年新收政府信息公开申请数量\t5\t1\t0\t0\t0\t0\t6\n\
            三、本年度办理结果\t(一) 予以公开\t\t3\t1\t0\t0\t0\t0\t4\t\n\
            \t(三) 不予公开\t1. 属于国家秘密\t\t1\t0\t0\t0\t0\t0\t1\n\
            \t\t2.其他法律行政止公开\t\t0\t0\t0\t0\t0\t0\t0\n\
            \t(六) 其他处理\t1. 申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请\t\t0\t0\t0\t0\t0\t0\t0\n\
            3. 其他\t\t1\t0\t0\t0\t0\t0\t1\t\t\n\
            (七) 总计\t\t0\t5\t1\t0\t0\t0\t0\t6\t\n";
        let r = interpret(&doc_of(text));
        let t3 = r.t3.expect("table three");
        assert_eq!(t3.cell("new_received", "total"), Some(&Cell::Count(6)));
        assert_eq!(t3.cell("granted", "natural_person"), Some(&Cell::Count(3)));
        assert_eq!(
            t3.cell("denied.state_secret", "natural_person"),
            Some(&Cell::Count(1))
        );
        assert_eq!(
            t3.cell("denied.prohibited_by_law", "total"),
            Some(&Cell::Count(0))
        );
        assert_eq!(
            t3.cell("other.other", "natural_person"),
            Some(&Cell::Count(1))
        );
        assert_eq!(
            t3.cell("handled_total", "natural_person"),
            Some(&Cell::Count(5))
        );
        assert_eq!(t3.cell("handled_total", "total"), Some(&Cell::Count(6)));
        assert_eq!(r.format, Some(FormatVersion::V2021));
        assert!(r.notes.iter().any(
            |n| matches!(n, ParseNote::LabelVariant { found, .. } if found.contains("行政止"))
        ));
    }

    #[test]
    fn path_labels_and_blank_cells() {
        let text = "项目\t自然人\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t总计\n\
            二、上年结转政府信息公开申请数量\t18\t\t\t\t\t\t18\n\
            三、本年度办理结果/（六）其他处理\t\t\t\t\t\t\t\n";
        let r = interpret(&doc_of(text));
        let t3 = r.t3.expect("table three");
        assert_eq!(t3.cell("carried_over", "total"), Some(&Cell::Count(18)));
        assert_eq!(t3.cell("carried_over", "commercial"), Some(&Cell::Blank));
        assert_eq!(t3.cell("other.total_2019", "total"), Some(&Cell::Blank));
    }

    #[test]
    fn table_four_in_both_layouts() {
        let official = "行政复议\t\t\t\t\t行政诉讼\n结果维持\t结果纠正\t其他结果\t尚未审结\t总计\t未经复议直接起诉\t\t\t\t\t复议后起诉\n\
            1\t0\t0\t1\t2\t0\t0\t0\t1\t1\t2\t0\t0\t1\t3\n";
        let t4 = interpret(&doc_of(official)).t4.expect("t4");
        assert_eq!(t4.cell("reconsideration", "total"), Some(&Cell::Count(2)));
        assert_eq!(t4.cell("litigation_direct", "total"), Some(&Cell::Count(1)));
        assert_eq!(
            t4.cell("litigation_after_reconsideration", "total"),
            Some(&Cell::Count(3))
        );
        let rows = "类别\t结果维持\t结果纠正\t其他结果\t尚未审结\t总计\n行政复议\t5\t\t\t2\t7\n\
            行政诉讼/未经复议直接起诉\t8\t\t\t1\t9\n行政诉讼/复议后起诉\t\t\t\t\t\n";
        let t4 = interpret(&doc_of(rows)).t4.expect("t4");
        assert_eq!(t4.cell("reconsideration", "total"), Some(&Cell::Count(7)));
        assert_eq!(
            t4.cell("litigation_direct", "upheld"),
            Some(&Cell::Count(8))
        );
        assert_eq!(
            t4.cell("litigation_after_reconsideration", "total"),
            Some(&Cell::Blank)
        );
    }

    #[test]
    fn table_two_columns_follow_the_header() {
        let text = "第二十条第（一）项\t\t\t\n信息内容\t本年新制作数量\t本年新公开数量\t对外公开总数量\n规章\t13\t13\t524\n\
            第二十条第（九）项\n信息内容\t采购项目数量\t采购总金额\n政府集中采购\t6\t251000元\n";
        let r = interpret(&doc_of(text));
        let t2 = r.t2.expect("t2");
        assert_eq!(
            t2.cell("regulations", "total_published"),
            Some(&Cell::Count(524))
        );
        assert_eq!(
            t2.cell("procurement", "total_amount")
                .and_then(Cell::number),
            Some(251000.into())
        );
        assert_eq!(r.format, Some(FormatVersion::V2019));
    }

    #[test]
    fn html_like_grid_with_spans() {
        let mut doc = Document::default();
        doc.push_paragraph("四、政府信息公开行政复议、行政诉讼情况");
        doc.push_table(Grid {
            rows: vec![
                vec![
                    GridCell::spanning("行政复议", 5, 1),
                    GridCell::spanning("行政诉讼", 10, 1),
                ],
                vec![
                    GridCell::spanning("结果维持", 1, 2),
                    GridCell::spanning("结果纠正", 1, 2),
                    GridCell::spanning("其他结果", 1, 2),
                    GridCell::spanning("尚未审结", 1, 2),
                    GridCell::spanning("总计", 1, 2),
                    GridCell::spanning("未经复议直接起诉", 5, 1),
                    GridCell::spanning("复议后起诉", 5, 1),
                ],
                [
                    "结果维持",
                    "结果纠正",
                    "其他结果",
                    "尚未审结",
                    "总计",
                    "结果维持",
                    "结果纠正",
                    "其他结果",
                    "尚未审结",
                    "总计",
                ]
                .into_iter()
                .map(GridCell::new)
                .collect(),
                (0..15).map(|i| GridCell::new(i.to_string())).collect(),
            ],
            pasted: false,
        });
        let r = interpret(&doc);
        let t4 = r.t4.expect("t4");
        assert_eq!(
            t4.cell("litigation_after_reconsideration", "total"),
            Some(&Cell::Count(14))
        );
        assert_eq!(r.sections[0].number, 4);
        assert!(
            r.notes.is_empty(),
            "no notes for the official layout: {:?}",
            r.notes
        );
    }
}

#[cfg(test)]
mod variety {
    //! Inputs as found in the wild: the same tables written differently.
    use super::*;

    const VARIANT_MD: &str = "# 某某县发展和改革局２０２２年政府信息公开工作年度报告\n\n\
        ## 一、总体情况\n\n本局全年主动公开信息１２０条。\n\n\
        ## 二、主动公开政府信息情况\n\n\
        | 第二十条第（一）项 | | | |\n|---|---|---|---|\n\
        | 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |\n\
        | 规章 | ０ | ０ | ０ |\n| 行政规范性文件 | ３ | １ | １２ |\n\
        | 其他主动公开文件 | 5 | 0 | 9 |\n\
        | 第二十条第（八）项 | | | |\n| 信息内容 | 本年收费金额(万元) | | |\n| 行政事业性收费 | 1,234.5 | | |\n\n\
        ## 三、收到和处理政府信息公开申请情况\n\n\
        | （本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） | 申请人情况 | | | | | | |\n\
        |---|---|---|---|---|---|---|---|\n\
        | | 自然人 | 法人或其他组织 | | | | | 总计 |\n\
        | 一、本年新收政府信息公开申请数量 | 4 | 1 | / | — | 0 | 0 | 5 |\n\
        | （二）部分公开 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |\n\
        | （六）其他处理 3.其他 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |\n\n\
        ## 四、因政府信息公开工作被申请行政复议、提起行政诉讼的情况\n\n\
        | 行政复议 | | | | | 行政诉讼 | | | | | | | | | |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n\
        | 1 | 0 | 0 | 0 | 1 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |\n\n\
        ## 五、存在的主要问题及改进情况\n\n问题。\n\n## 六、其他需要报告的事项\n\n本年度未收取信息处理费。\n";

    #[test]
    fn markdown_variant_with_glosses_extras_and_placeholders() {
        let r = interpret(&crate::parse::text::parse(VARIANT_MD));
        assert_eq!(r.year, Some(2022));
        assert_eq!(r.agency.as_deref(), Some("某某县发展和改革局"));
        assert_eq!(
            r.sections.iter().map(|s| s.number).collect::<Vec<_>>(),
            vec![1, 2, 3, 4, 5, 6]
        );
        assert_eq!(r.format, Some(FormatVersion::V2021));
        let t2 = r.t2.as_ref().expect("t2");
        assert_eq!(
            t2.cell("normative_documents", "in_force"),
            Some(&Cell::Count(12))
        );
        assert_eq!(
            t2.cell("fees", "amount_wan_yuan").and_then(Cell::number),
            Some(rust_decimal::Decimal::new(12345, 1))
        );
        assert_eq!(t2.extra_rows.len(), 1);
        assert_eq!(t2.extra_rows[0].label, "其他主动公开文件");
        let t3 = r.t3.as_ref().expect("t3");
        assert_eq!(t3.cell("new_received", "research"), Some(&Cell::Blank));
        assert_eq!(
            t3.cell("new_received", "social_welfare"),
            Some(&Cell::Blank)
        );
        assert_eq!(t3.cell("new_received", "total"), Some(&Cell::Count(5)));
        assert_eq!(
            t3.cell("partially_granted", "natural_person"),
            Some(&Cell::Count(1))
        );
        assert_eq!(t3.cell("other.other", "total"), Some(&Cell::Count(1)));
        let t4 = r.t4.as_ref().expect("t4");
        assert_eq!(t4.cell("reconsideration", "upheld"), Some(&Cell::Count(1)));
        assert_eq!(t4.cell("reconsideration", "total"), Some(&Cell::Count(1)));
        assert_eq!(
            r.section(4).map(|s| s.title.as_str()),
            Some("因政府信息公开工作被申请行政复议、提起行政诉讼的情况")
        );
    }

    #[test]
    fn table_three_columns_in_the_order_of_the_header() {
        let row = |cells: &[&str]| -> Row {
            Row {
                cells: cells.iter().map(|c| c.to_string()).collect(),
                pasted: false,
            }
        };
        let keys =
            |r: &Row| t3_column_order(r).map(|c| c.iter().map(|c| c.key).collect::<Vec<_>>());
        assert_eq!(
            keys(&row(&["总计", "自然人", "法人或其他组织"])).map(|k| k[..2].to_vec()),
            Some(vec!["total", "natural_person"])
        );
        // The official order, or 总计 after the corner and 申请人情况: no change.
        assert_eq!(
            keys(&row(&["", "自然人", "法人或其他组织", "", "总计"])),
            None
        );
        assert_eq!(
            keys(&row(&[spec::T3_CORNER, "申请人情况", "", "总计"])),
            None
        );
        let all = row(&[
            "商业企业",
            "科研机构",
            "社会公益组织",
            "法律服务机构",
            "其他",
            "自然人",
            "总计",
        ]);
        assert_eq!(keys(&all).map(|k| k[5]), Some("natural_person"));
        let text = "申请人情况\t\t\t\t\t\t\t\n\t总计\t自然人\t法人或其他组织\n\t\t\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\n\
            一、本年新收政府信息公开申请数量\t7\t5\t1\t0\t0\t1\t0\n";
        let t3 = interpret(&crate::parse::text::parse(text)).t3.expect("t3");
        assert_eq!(t3.cell("new_received", "total"), Some(&Cell::Count(7)));
        assert_eq!(
            t3.cell("new_received", "natural_person"),
            Some(&Cell::Count(5))
        );
        assert_eq!(
            t3.cell("new_received", "legal_service"),
            Some(&Cell::Count(1))
        );
    }

    #[test]
    fn page_chrome_is_not_section_text() {
        assert!(is_page_chrome("【打印本页】【关闭窗口】"));
        assert!(is_page_chrome("字号：【大 中 小】 打印"));
        assert!(is_page_chrome("分享到："));
        assert!(!is_page_chrome("大中小学校"));
        assert!(!is_page_chrome("无"));
        assert!(!is_page_chrome("本年度未收取信息处理费。"));
    }

    #[test]
    fn sections_numbered_with_brackets_or_not_at_all() {
        let numbers = |text: &str| -> Vec<u8> {
            interpret(&crate::parse::text::parse(text))
                .sections
                .iter()
                .map(|s| s.number)
                .collect()
        };
        // （一）… as section numbers when nothing is numbered 一、…
        assert_eq!(
            numbers(
                "（一）总体情况\n正文。\n（二）主动公开政府信息情况\n（三）收到和处理政府信息公开申请情况\n"
            ),
            vec![1, 2, 3]
        );
        // … but a sub-heading where sections are numbered 一、…
        assert_eq!(
            numbers(
                "一、总体情况\n（一）主动公开政府信息情况\n正文。\n二、主动公开政府信息情况\n三、收到和处理政府信息公开申请情况\n"
            ),
            vec![1, 2, 3]
        );
        // Unmarked lines that are the official titles.
        assert_eq!(
            numbers(
                "总体情况\n正文。\n存在的主要问题及改进情况\n问题。\n其他需要报告的事项\n无。\n"
            ),
            vec![1, 5, 6]
        );
    }

    #[test]
    fn invalid_cells_stay_in_place() {
        let text = "一、本年新收政府信息公开申请数量\t4\tl\t0\t0\t0\t0\t4\n二、上年结转政府信息公开申请数量\t-1\t0\t0\t0\t0\t0\t0\n";
        let t3 = interpret(&crate::parse::text::parse(text)).t3.expect("t3");
        assert_eq!(
            t3.cell("new_received", "commercial"),
            Some(&Cell::Invalid("l".into()))
        );
        assert_eq!(t3.cell("new_received", "total"), Some(&Cell::Count(4)));
        assert_eq!(
            t3.cell("carried_over", "natural_person"),
            Some(&Cell::Count(-1))
        );
    }
}
