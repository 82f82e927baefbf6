//! HTML pages as government websites publish them.
//!
//! The report body sits inside layout noise (navigation, headers, footers,
//! share buttons, scripts). The parser walks the DOM once, iteratively (deep
//! or malicious nesting cannot overflow the stack), and:
//!
//! - drops `script`/`style`/`noscript`/`template`, form controls, hidden
//!   elements, `javascript:` links, and `nav`/`aside` (and `header`/`footer` and elements whose
//!   class or id names them, unless they sit inside `article`/`main`);
//! - turns block elements and `<br>` into paragraph boundaries; `<h1>`–`<h6>`
//!   and paragraphs whose text is all bold become headings;
//! - emits data tables as grids; a layout table (one whose cells hold other
//!   tables, a single-column frame, or one with a cell of running text) is
//!   read as running text, and the tables inside it are looked at in turn.

use ego_tree::NodeRef;
use ego_tree::iter::Edge;
use scraper::{Html, Node};

use crate::document::{Document, Grid, GridCell};
use crate::text::clean_space;

/// Parses decoded HTML into a document.
pub fn parse(html: &str) -> Document {
    let dom = Html::parse_document(html);
    let mut flow = Flow::default();
    flow.walk(dom.tree.root());
    flow.flush();
    flow.doc
}

/// Longest text (in characters) of an all-bold paragraph taken as a heading.
const MAX_BOLD_HEADING_CHARS: usize = 60;
/// Upper bounds of HTML's own clamping of spans.
const MAX_COLSPAN: usize = 1000;

/// Running-text state of the walk over the page.
#[derive(Default)]
struct Flow {
    doc: Document,
    /// Raw text of the current line (one paragraph once flushed).
    line: String,
    /// Non-blank characters of the line written in bold / not in bold.
    bold_chars: usize,
    plain_chars: usize,
    bold_depth: usize,
    headings: Vec<u8>,
    /// Depth of `article`/`main` elements (their `header`/`footer` are content).
    article_depth: usize,
}

impl Flow {
    fn walk(&mut self, root: NodeRef<'_, Node>) {
        let mut skip: Option<ego_tree::NodeId> = None;
        for edge in root.traverse() {
            match edge {
                Edge::Open(node) => {
                    if skip.is_some() {
                        continue;
                    }
                    match node.value() {
                        Node::Text(t) => self.text(t),
                        Node::Element(el) => {
                            let name = el.name();
                            if self.is_noise(el) {
                                skip = Some(node.id());
                                continue;
                            }
                            if name == "table" && !is_layout_table(node) {
                                self.flush();
                                self.table(node);
                                skip = Some(node.id());
                                continue;
                            }
                            self.open(el);
                        }
                        _ => {}
                    }
                }
                Edge::Close(node) => {
                    if let Some(id) = skip {
                        if id == node.id() {
                            skip = None;
                        }
                        continue;
                    }
                    if let Node::Element(el) = node.value() {
                        self.close(el);
                    }
                }
            }
        }
    }

    fn is_noise(&self, el: &scraper::node::Element) -> bool {
        let name = el.name();
        if is_dropped_element(name) || is_hidden(el) || is_script_link(el) {
            return true;
        }
        if self.article_depth > 0 {
            return false;
        }
        matches!(name, "header" | "footer") || has_noise_name(el)
    }

    fn open(&mut self, el: &scraper::node::Element) {
        let name = el.name();
        if name == "br" {
            self.flush();
            return;
        }
        if is_block(name) {
            self.flush();
        }
        if let Some(level) = heading_level(name) {
            self.headings.push(level);
        }
        if is_bold(el) {
            self.bold_depth += 1;
        }
        if matches!(name, "article" | "main") {
            self.article_depth += 1;
        }
    }

    fn close(&mut self, el: &scraper::node::Element) {
        let name = el.name();
        if name == "br" {
            return;
        }
        if is_block(name) {
            self.flush();
        }
        if heading_level(name).is_some() {
            self.headings.pop();
        }
        if is_bold(el) {
            self.bold_depth = self.bold_depth.saturating_sub(1);
        }
        if matches!(name, "article" | "main") {
            self.article_depth = self.article_depth.saturating_sub(1);
        }
    }

    fn text(&mut self, text: &str) {
        let visible = text.chars().filter(|c| !is_blank(*c)).count();
        if self.bold_depth > 0 {
            self.bold_chars += visible;
        } else {
            self.plain_chars += visible;
        }
        self.line.push_str(text);
    }

    /// Ends the current line: emits it as a heading or a paragraph.
    fn flush(&mut self) {
        let text = paragraph_text(&self.line);
        if !text.is_empty() {
            if let Some(level) = self.headings.last() {
                self.doc.push_heading(*level, text);
            } else if self.bold_chars > 0
                && self.plain_chars == 0
                && text.chars().count() <= MAX_BOLD_HEADING_CHARS
            {
                let level = guess_heading_level(&text);
                self.doc.push_heading(level, text);
            } else {
                self.doc.push_paragraph(text);
            }
        }
        self.line.clear();
        self.bold_chars = 0;
        self.plain_chars = 0;
    }

    /// Emits a data table (one without nested tables) as a grid, preceded by
    /// its caption as a paragraph.
    fn table(&mut self, table: NodeRef<'_, Node>) {
        let mut rows: Vec<(u8, NodeRef<'_, Node>)> = Vec::new();
        let mut caption = None;
        for node in table.descendants() {
            let Some(el) = node.value().as_element() else {
                continue;
            };
            match el.name() {
                "tr" => rows.push((row_group(node, table), node)),
                "caption" if caption.is_none() => caption = Some(node),
                _ => {}
            }
        }
        if let Some(caption) = caption {
            self.doc.push_paragraph(cell_text(&raw_text(caption)));
        }
        // thead rows first, tfoot rows last, as a browser shows them.
        rows.sort_by_key(|(group, _)| *group);

        let mut grid_rows: Vec<Vec<(GridCell, usize)>> = Vec::new();
        for (_, tr) in rows {
            let mut cells = Vec::new();
            for cell in tr.children() {
                let Some(el) = cell.value().as_element() else {
                    continue;
                };
                if !matches!(el.name(), "td" | "th") || is_hidden(el) {
                    continue;
                }
                let colspan = span_attr(el.attr("colspan"))
                    .unwrap_or(1)
                    .clamp(1, MAX_COLSPAN);
                // 0 means "to the end of the table"; resolved below.
                let rowspan = span_attr(el.attr("rowspan")).unwrap_or(1);
                cells.push((
                    GridCell::spanning(cell_text(&raw_text(cell)), colspan, 1),
                    rowspan,
                ));
            }
            if !cells.is_empty() {
                grid_rows.push(cells);
            }
        }
        while grid_rows
            .last()
            .is_some_and(|r| r.iter().all(|(c, _)| c.text.is_empty()))
        {
            grid_rows.pop();
        }
        let total = grid_rows.len();
        let grid = Grid {
            rows: grid_rows
                .into_iter()
                .enumerate()
                .map(|(i, row)| {
                    let left = total - i;
                    row.into_iter()
                        .map(|(mut cell, rowspan)| {
                            cell.rowspan = if rowspan == 0 {
                                left
                            } else {
                                rowspan.min(left)
                            }
                            .max(1);
                            cell
                        })
                        .collect()
                })
                .collect(),
            pasted: false,
        };
        self.doc.push_table(grid);
    }
}

/// 0 for rows in `thead`, 2 in `tfoot`, 1 otherwise.
fn row_group(tr: NodeRef<'_, Node>, table: NodeRef<'_, Node>) -> u8 {
    for anc in tr.ancestors() {
        if anc.id() == table.id() {
            break;
        }
        match anc.value().as_element().map(|e| e.name()) {
            Some("thead") => return 0,
            Some("tfoot") => return 2,
            _ => {}
        }
    }
    1
}

/// A `colspan`/`rowspan` value as browsers read it: leading digits.
fn span_attr(value: Option<&str>) -> Option<usize> {
    let v = value?.trim();
    let digits: String = v
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .take(6)
        .collect();
    digits.parse().ok()
}

/// Longest cell text (in characters) of a data table; a longer cell holds
/// running text, and its table is page layout.
const MAX_DATA_CELL_CHARS: usize = 400;

/// A table used for page layout rather than data: one whose cells hold
/// other tables, a single-column table (a frame around the article), or
/// one with a cell of running text.
fn is_layout_table(table: NodeRef<'_, Node>) -> bool {
    let mut widest_row = 0;
    for node in table.descendants().skip(1) {
        let Some(el) = node.value().as_element() else {
            continue;
        };
        match el.name() {
            "table" => return true,
            "tr" => {
                let cells = node
                    .children()
                    .filter(|c| {
                        c.value()
                            .as_element()
                            .is_some_and(|e| matches!(e.name(), "td" | "th"))
                    })
                    .count();
                widest_row = widest_row.max(cells);
            }
            "td" | "th" => {
                let long = node
                    .descendants()
                    .filter_map(|d| d.value().as_text())
                    .map(|t| t.chars().filter(|c| !is_blank(*c)).count())
                    .sum::<usize>()
                    > MAX_DATA_CELL_CHARS;
                if long {
                    return true;
                }
            }
            _ => {}
        }
    }
    widest_row <= 1
}

/// The text of a subtree with block boundaries and `<br>` as newlines,
/// without scripts and hidden parts.
fn raw_text(root: NodeRef<'_, Node>) -> String {
    let mut out = String::new();
    let mut skip: Option<ego_tree::NodeId> = None;
    for edge in root.traverse() {
        match edge {
            Edge::Open(node) => {
                if skip.is_some() {
                    continue;
                }
                match node.value() {
                    Node::Text(t) => out.push_str(t),
                    Node::Element(el) => {
                        if node.id() != root.id()
                            && (is_dropped_element(el.name()) || is_hidden(el))
                        {
                            skip = Some(node.id());
                        } else if el.name() == "br" || is_block(el.name()) {
                            out.push('\n');
                        }
                    }
                    _ => {}
                }
            }
            Edge::Close(node) => {
                if let Some(id) = skip {
                    if id == node.id() {
                        skip = None;
                    }
                    continue;
                }
                if node
                    .value()
                    .as_element()
                    .is_some_and(|e| is_block(e.name()))
                {
                    out.push('\n');
                }
            }
        }
    }
    out
}

/// Elements whose content is never report text.
fn is_dropped_element(name: &str) -> bool {
    matches!(
        name,
        "script"
            | "style"
            | "noscript"
            | "template"
            | "head"
            | "title"
            | "meta"
            | "link"
            | "iframe"
            | "object"
            | "embed"
            | "svg"
            | "canvas"
            | "button"
            | "select"
            | "option"
            | "textarea"
            | "input"
            | "nav"
            | "aside"
            | "map"
            | "audio"
            | "video"
    )
}

fn style_of(el: &scraper::node::Element) -> String {
    el.attr("style")
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase()
}

fn is_hidden(el: &scraper::node::Element) -> bool {
    if el.attr("hidden").is_some() {
        return true;
    }
    let style = style_of(el);
    style.contains("display:none")
        || style.contains("visibility:hidden")
        || style.contains("mso-hide:all")
}

/// A link that runs script (【打印本页】, 【关闭窗口】): page chrome.
fn is_script_link(el: &scraper::node::Element) -> bool {
    el.name() == "a"
        && el.attr("href").is_some_and(|h| {
            h.trim_start()
                .to_ascii_lowercase()
                .starts_with("javascript:")
        })
}

/// Class or id naming site chrome (navigation, breadcrumbs, share buttons,
/// page header/footer). Matched on whole tokens only.
fn has_noise_name(el: &scraper::node::Element) -> bool {
    const NOISE: [&str; 19] = [
        "nav",
        "navbar",
        "navigation",
        "menu",
        "topmenu",
        "breadcrumb",
        "breadcrumbs",
        "crumb",
        "share",
        "bdsharebuttonbox",
        "bdshare",
        "sidebar",
        "side-bar",
        "header",
        "footer",
        "foot",
        "topbar",
        "top-bar",
        "copyright",
    ];
    let matches = |token: &str| NOISE.contains(&token.to_ascii_lowercase().as_str());
    el.classes().any(matches) || el.id().is_some_and(matches)
}

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "li"
            | "ul"
            | "ol"
            | "dl"
            | "dt"
            | "dd"
            | "section"
            | "article"
            | "main"
            | "header"
            | "footer"
            | "blockquote"
            | "pre"
            | "center"
            | "figure"
            | "figcaption"
            | "address"
            | "hr"
            | "table"
            | "caption"
            | "thead"
            | "tbody"
            | "tfoot"
            | "tr"
            | "td"
            | "th"
            | "form"
            | "fieldset"
            | "legend"
            | "details"
            | "summary"
            | "body"
            | "html"
    )
}

fn heading_level(name: &str) -> Option<u8> {
    match name {
        "h1" => Some(1),
        "h2" => Some(2),
        "h3" => Some(3),
        "h4" => Some(4),
        "h5" => Some(5),
        "h6" => Some(6),
        _ => None,
    }
}

fn is_bold(el: &scraper::node::Element) -> bool {
    if matches!(el.name(), "b" | "strong") {
        return true;
    }
    let style = style_of(el);
    ["bold", "bolder", "600", "700", "800", "900"]
        .iter()
        .any(|w| style.contains(&format!("font-weight:{w}")))
}

/// A level for a bold paragraph: the title, `一、` headings, `（一）` headings.
fn guess_heading_level(text: &str) -> u8 {
    const CN: &str = "一二三四五六七八九十";
    let first_cn = text.chars().take_while(|c| CN.contains(*c)).count();
    if first_cn > 0 && text.chars().nth(first_cn) == Some('、') {
        return 2;
    }
    if text.starts_with('(') || text.starts_with('（') {
        return 3;
    }
    if text.contains("年度报告") {
        return 1;
    }
    2
}

fn is_blank(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{a0}' | '\u{3000}' | '\u{200b}' | '\u{feff}')
}

/// Ideographs and CJK punctuation: text between which a line break is not
/// a space. Full-width letters and digits are not in it.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{2e80}'..='\u{2fff}'
        | '\u{3001}'..='\u{303f}'
        | '\u{3040}'..='\u{9fff}'
        | '\u{f900}'..='\u{faff}'
        | '\u{fe30}'..='\u{fe4f}'
        | '\u{ff01}'..='\u{ff0f}'
        | '\u{ff1a}'..='\u{ff20}'
        | '\u{ff3b}'..='\u{ff40}'
        | '\u{ff5b}'..='\u{ff65}'
        | '\u{20000}'..='\u{3ffff}'
        | '“' | '”' | '‘' | '’' | '…' | '—'
    )
}

/// Removes the runs of blanks between two CJK characters for which `drop`
/// says yes, then cleans whitespace. Other characters stay as written
/// (full-width digits and punctuation too): the interpreter normalises.
fn join_cjk(raw: &str, drop: impl Fn(&str) -> bool) -> String {
    let chars: Vec<char> = raw.chars().collect();
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < chars.len() {
        if !is_blank(chars[i]) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_blank(chars[i]) {
            i += 1;
        }
        let run: String = chars[start..i].iter().collect();
        let between_cjk =
            start > 0 && is_cjk(chars[start - 1]) && chars.get(i).is_some_and(|c| is_cjk(*c));
        if !(between_cjk && drop(&run)) {
            out.push_str(&run);
        }
    }
    clean_space(&out)
}

/// Text of a table cell: pieces joined, whitespace normalised, no blank
/// between two CJK characters (labels broken over lines join up again).
pub(super) fn cell_text(raw: &str) -> String {
    join_cjk(raw, |_| true)
}

/// Text of a paragraph: a source line break between two CJK characters is
/// no space; other whitespace collapses to one space.
fn paragraph_text(raw: &str) -> String {
    join_cjk(raw, |run| run.contains(['\n', '\r']))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Block;

    fn grids(doc: &Document) -> Vec<&Grid> {
        doc.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Table(g) => Some(g),
                _ => None,
            })
            .collect()
    }

    fn texts(row: &[GridCell]) -> Vec<&str> {
        row.iter().map(|c| c.text.as_str()).collect()
    }

    #[test]
    fn cell_text_joins_cjk_lines_only() {
        assert_eq!(
            cell_text("本年新收政府信息\n  公开申请数量"),
            "本年新收政府信息公开申请数量"
        );
        assert_eq!(
            cell_text("（二）部分公开\n（区分处理的，\n只计这一情形）"),
            "（二）部分公开（区分处理的，只计这一情形）"
        );
        assert_eq!(cell_text("1\n2"), "1 2");
        assert_eq!(cell_text("\u{a0}１２\u{3000}"), "１２");
        assert_eq!(
            paragraph_text("2021年\n主动公开信息 518 条"),
            "2021年主动公开信息 518 条"
        );
        assert_eq!(paragraph_text("办实事 优服务"), "办实事 优服务");
    }

    const PAGE: &str = r#"<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>某局2021年政府信息公开工作年度报告_某市人民政府</title>
<style>.a{color:red}</style><script>var x = "<p>不要我</p>";</script></head>
<body>
<div class="header"><a href="/">首页</a> 某市人民政府门户网站</div>
<nav><ul><li>政务公开</li><li>政务服务</li></ul></nav>
<div class="crumb">当前位置：首页 &gt; 政府信息公开年报</div>
<table width="100%" class="layout"><tr><td width="200"><div class="sidebar">栏目导航</div></td>
<td>
  <h1 style="text-align:center">某局2021年政府信息公开工作年度报告</h1>
  <p style="text-indent:2em">　　本报告根据《条例》编制。<br>本报告统计数据从2021年1月1日至12月31日。</p>
  <p><strong>一、总体情况</strong></p>
  <p><b>（一）</b><span style="font-weight: bold">主动公开</span></p>
  <p>2021年，本局主动公开信息&nbsp;５１８&nbsp;条。</p>
  <p>三、收到和处理政府信息公开申请情况</p>
  <table border="1" cellspacing="0">
    <tbody>
    <tr><td colspan="3" rowspan="3"><p>（本列数据的勾稽关系为：第一项加第二项之和，</p><p>等于第三项加第四项之和）</p></td>
        <td colspan="7">申请人情况</td></tr>
    <tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td><td rowspan="2">总计</td></tr>
    <tr><td>商业<br>企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>
    <tr><td colspan="3"><p>一、本年新收政府信息</p><p>公开申请数量</p></td>
        <td>１２</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>１２</td></tr>
    <tr><td rowspan="2">三、本年度办理结果</td><td colspan="2">（一）予以公开</td>
        <td><span lang="EN-US">5<o:p></o:p></span></td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>5</td></tr>
    <tr><td rowspan="2">（三）不予公开</td><td>1.属于国家秘密</td><td>&nbsp;</td><td>/</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>
    </tbody>
  </table>
  <p>六、其他需要报告的事项</p>
</td></tr></table>
<div class="bdsharebuttonbox"><a class="bds_weixin">分享到微信</a></div>
<div class="print"><a href="JavaScript:window.print()">【打印本页】</a></div>
<footer><p>主办单位：某市人民政府办公室</p></footer>
<div id="footer">网站标识码 1234</div>
<script>document.write("x")</script>
</body></html>"#;

    #[test]
    fn government_page() {
        let doc = parse(PAGE);
        let all = format!("{:?}", doc.blocks);
        for noise in [
            "首页",
            "政务服务",
            "当前位置",
            "栏目导航",
            "分享",
            "打印",
            "主办单位",
            "网站标识码",
            "不要我",
            "color",
        ] {
            assert!(!all.contains(noise), "noise {noise} in {all}");
        }
        assert_eq!(
            doc.blocks[0],
            Block::Heading {
                level: 1,
                text: "某局2021年政府信息公开工作年度报告".into()
            }
        );
        assert_eq!(
            doc.blocks[1],
            Block::Paragraph("本报告根据《条例》编制。".into())
        );
        assert_eq!(
            doc.blocks[2],
            Block::Paragraph("本报告统计数据从2021年1月1日至12月31日。".into())
        );
        assert_eq!(
            doc.blocks[3],
            Block::Heading {
                level: 2,
                text: "一、总体情况".into()
            }
        );
        assert_eq!(
            doc.blocks[4],
            Block::Heading {
                level: 3,
                text: "（一）主动公开".into()
            }
        );
        assert_eq!(
            doc.blocks[5],
            Block::Paragraph("2021年，本局主动公开信息 ５１８ 条。".into())
        );
        assert_eq!(
            doc.blocks[6],
            Block::Paragraph("三、收到和处理政府信息公开申请情况".into())
        );
        assert!(matches!(doc.blocks[7], Block::Table(_)));
        assert_eq!(
            doc.blocks[8],
            Block::Paragraph("六、其他需要报告的事项".into())
        );
        assert_eq!(doc.blocks.len(), 9);

        let g = grids(&doc);
        assert_eq!(g.len(), 1, "the layout table is not a grid");
        let rows = &g[0].rows;
        assert_eq!(rows.len(), 6);
        assert_eq!(
            rows[0][0],
            GridCell::spanning(
                "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
                3,
                3
            )
        );
        assert_eq!(rows[0][1], GridCell::spanning("申请人情况", 7, 1));
        assert_eq!(texts(&rows[1]), ["自然人", "法人或其他组织", "总计"]);
        assert_eq!(rows[1][0].rowspan, 2);
        assert_eq!(rows[1][1].colspan, 5);
        assert_eq!(
            texts(&rows[2]),
            [
                "商业企业",
                "科研机构",
                "社会公益组织",
                "法律服务机构",
                "其他"
            ]
        );
        assert_eq!(
            texts(&rows[3]),
            [
                "一、本年新收政府信息公开申请数量",
                "１２",
                "0",
                "0",
                "0",
                "0",
                "0",
                "１２"
            ]
        );
        assert_eq!(rows[3][0].colspan, 3);
        assert_eq!(
            texts(&rows[4])[..3],
            ["三、本年度办理结果", "（一）予以公开", "5"]
        );
        assert_eq!(rows[4][0].rowspan, 2);
        // The last row's rowspan=2 would run past the table: clamped.
        assert_eq!(
            texts(&rows[5])[..4],
            ["（三）不予公开", "1.属于国家秘密", "", "/"]
        );
        assert_eq!(rows[5][0].rowspan, 1);
    }

    #[test]
    fn br_splits_paragraphs() {
        let doc = parse("<div>第一行<br/>第二行<br><br>第三行</div><p>第四行</p>");
        assert_eq!(
            doc.blocks,
            ["第一行", "第二行", "第三行", "第四行"].map(|t| Block::Paragraph(t.into()))
        );
    }

    #[test]
    fn bold_paragraphs_are_headings_mixed_ones_are_not() {
        let doc = parse(
            "<p><strong>二、主动公开政府信息情况</strong></p>\
             <p><b>注：</b>以下为说明文字。</p>\
             <div><span style='FONT-WEIGHT: 700'>（二）依申请公开</span></div>\
             <p>一、总体情况</p>\
             <h3>五、存在的主要问题及改进情况</h3>",
        );
        assert_eq!(
            doc.blocks,
            vec![
                Block::Heading {
                    level: 2,
                    text: "二、主动公开政府信息情况".into()
                },
                Block::Paragraph("注：以下为说明文字。".into()),
                Block::Heading {
                    level: 3,
                    text: "（二）依申请公开".into()
                },
                Block::Paragraph("一、总体情况".into()),
                Block::Heading {
                    level: 3,
                    text: "五、存在的主要问题及改进情况".into()
                },
            ]
        );
    }

    #[test]
    fn thead_tfoot_and_th() {
        let doc = parse(
            "<table><tfoot><tr><td>合计</td><td>3</td></tr></tfoot>\
             <thead><tr><th>信息内容</th><th>本年处理决定数量</th></tr></thead>\
             <tbody><tr><td>行政许可</td><td>3</td></tr></tbody></table>",
        );
        let g = grids(&doc);
        let rows: Vec<Vec<&str>> = g[0].rows.iter().map(|r| texts(r)).collect();
        assert_eq!(
            rows,
            [
                vec!["信息内容", "本年处理决定数量"],
                vec!["行政许可", "3"],
                vec!["合计", "3"]
            ]
        );
    }

    #[test]
    fn word_exported_markup() {
        let html = r#"<HTML><BODY lang=ZH-CN style='tab-interval:21.0pt'>
<div class=WordSection1>
<p class=MsoNormal style='mso-list:l0 level1 lfo1'><![if !supportLists]><span>（一）<span style='font:7.0pt'>&nbsp;&nbsp; </span></span><![endif]><span style='font-family:仿宋_GB2312;mso-bidi-font-family:宋体'>主动公开情况<o:p></o:p></span></p>
<p class=MsoNormal><span style='mso-hide:all'>隐藏文字</span>正文<o:p>&nbsp;</o:p></p>
<TABLE class=MsoNormalTable border=1 cellspacing=0>
 <TR style='mso-yfti-irow:0'><TD width=100 valign=top><P class=MsoNormal align=center><SPAN>信息内容<o:p></o:p></SPAN></P></TD>
 <TD width=100><P class=MsoNormal><SPAN>本年制发<o:p></o:p></SPAN></P><P><SPAN>件数</SPAN></P></TD></TR>
 <TR><TD>规章<TD>0</TR>
 <![if !supportMisalignedColumns]><tr height=0><td width=100 style='border:none'></td><td width=100 style='border:none'></td></tr><![endif]>
</TABLE></div></BODY></HTML>"#;
        let doc = parse(html);
        assert_eq!(
            doc.blocks[0],
            Block::Paragraph("（一） 主动公开情况".into())
        );
        assert_eq!(doc.blocks[1], Block::Paragraph("正文".into()));
        let g = grids(&doc);
        let rows: Vec<Vec<&str>> = g[0].rows.iter().map(|r| texts(r)).collect();
        assert_eq!(rows, [vec!["信息内容", "本年制发件数"], vec!["规章", "0"]]);
    }

    #[test]
    fn malformed_html_does_not_break() {
        let snippets = [
            "<td>孤立单元格</td><tr><td>1</td>",
            "<table><td>无行</td><td colspan=abc rowspan=-3>2</td></table>",
            "<table><tr><td rowspan=0>a</td><td>b</td></tr><tr><td>c</td></tr></table>",
            "<table><tr><td colspan=99999999999>x</td><td>y</td></tr>",
            "<p><b>未闭合<p>下一段<div><span>",
            "<<<>>>&&&;&#x0;&#99999999;",
            "<![if !supportLists]><p>列表</p><![endif]><!--[if gte mso 9]><xml></xml><![endif]-->",
            "",
            "<table><table><table></table></table></table>",
        ];
        for s in snippets {
            let _ = parse(s);
        }
        let doc = parse(snippets[1]);
        let g = grids(&doc);
        assert_eq!(texts(&g[0].rows[0]), ["无行", "2"]);
        assert_eq!(g[0].rows[0][1].colspan, 1);
        let doc = parse(snippets[2]);
        assert_eq!(grids(&doc)[0].rows[0][0].rowspan, 2);
        let doc = parse(snippets[3]);
        assert_eq!(grids(&doc)[0].rows[0][0].colspan, MAX_COLSPAN);
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let html = "<div>".repeat(20_000) + "深处" + &"</div>".repeat(20_000);
        let doc = parse(&html);
        assert_eq!(doc.blocks, vec![Block::Paragraph("深处".into())]);
        let tables =
            "<table><tr><td>".repeat(500) + "单元</td><td>2" + &"</td></tr></table>".repeat(500);
        let doc = parse(&tables);
        assert_eq!(texts(&grids(&doc)[0].rows[0]), ["单元", "2"]);
    }

    #[test]
    fn frame_tables_are_read_as_text() {
        let long = "正文内容。".repeat(100);
        let doc = parse(&format!(
            "<table><tr><td><p>一、总体情况</p></td></tr><tr><td><p>（一）主动公开</p></td></tr></table>\
             <table><tr><td>左栏</td><td><p>二、主动公开政府信息情况</p><p>{long}</p></td></tr></table>\
             <table><tr><td>信息内容</td><td>本年处理决定数量</td></tr><tr><td>行政许可</td><td>3</td></tr></table>"
        ));
        assert_eq!(doc.blocks[0], Block::Paragraph("一、总体情况".into()));
        assert_eq!(doc.blocks[1], Block::Paragraph("（一）主动公开".into()));
        assert_eq!(doc.blocks[2], Block::Paragraph("左栏".into()));
        assert_eq!(
            doc.blocks[3],
            Block::Paragraph("二、主动公开政府信息情况".into())
        );
        assert_eq!(doc.blocks[4], Block::Paragraph(long));
        assert_eq!(grids(&doc).len(), 1);
        assert_eq!(doc.blocks.len(), 6);
    }

    #[test]
    fn article_header_is_content() {
        let doc = parse(
            "<header>站点头部</header><article><header><h2>某局年度报告</h2></header><p>正文</p></article>",
        );
        assert_eq!(
            doc.blocks,
            vec![
                Block::Heading {
                    level: 2,
                    text: "某局年度报告".into()
                },
                Block::Paragraph("正文".into())
            ]
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        fn never_panics_on_random_text(s in "\\PC{0,400}") {
            let _ = parse(&s);
        }

        #[test]
        fn never_panics_on_tag_soup(parts in proptest::collection::vec(
            proptest::sample::select(vec![
                "<table>", "</table>", "<tr>", "</tr>", "<td rowspan=3>", "<td colspan=2>", "</td>",
                "<th>", "<p>", "</p>", "<br>", "<b>", "</b>", "<div style='display:none'>", "</div>",
                "一、总体情况", "1", "&nbsp;", "<thead>", "<tfoot>", "<script>", "</script>", "<o:p>",
                "<![if !supportLists]>", "<caption>", "<nav>", "<h2>", "</h2>",
            ]), 0..80)) {
            let html: String = parts.concat();
            let doc = parse(&html);
            for b in &doc.blocks {
                if let Block::Table(g) = b {
                    let n = g.rows.len();
                    for (i, r) in g.rows.iter().enumerate() {
                        for c in r {
                            proptest::prop_assert!(c.colspan >= 1 && c.rowspan >= 1 && c.rowspan <= n - i);
                        }
                    }
                }
            }
        }
    }
}
