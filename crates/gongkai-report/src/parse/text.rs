//! Plain text as pasted from Word, and Markdown.
//!
//! - Markdown headings (`#`…`######`) become headings; `**bold**` markers
//!   are dropped.
//! - A line with a tab is a table row (Word pastes table rows as
//!   tab-separated lines; merged cells leave empty or extra cells). Blank
//!   lines between such rows do not end the table.
//! - A Markdown pipe row (`| a | b |`) is a table row; its separator line
//!   (`|---|---|`) is skipped.
//! - A line whose parts are separated by runs of two or more spaces (text
//!   copied from a web page, layout text) is a table row when it has at
//!   least two numbers, or a label followed by values only; such a line
//!   without numbers (a header row) is a table row only next to another row.
//! - Any other non-empty line is a paragraph.

use crate::document::{Document, Grid, GridCell};

pub fn parse(text: &str) -> Document {
    // Each line is classified first; lines that may be header rows of a
    // layout-text table (short parts separated by runs of spaces, no
    // numbers) join a table only next to a sure table row.
    let lines: Vec<(&str, Line)> = text
        .lines()
        .map(|raw| {
            let line = raw
                .trim_end_matches(['\r', '\u{feff}'])
                .trim_start_matches('\u{feff}');
            let kind = if line.trim().is_empty() {
                Line::Blank
            } else {
                classify(line)
            };
            (line, kind)
        })
        .collect();
    let mut is_row: Vec<bool> = lines
        .iter()
        .map(|(_, k)| matches!(k, Line::Row(_)))
        .collect();
    let candidate = |i: usize| matches!(lines[i].1, Line::MaybeRow(_));
    // Forward, then backward: a run of candidates next to a row joins it.
    let mut prev_row = false;
    for i in 0..lines.len() {
        match lines[i].1 {
            Line::Blank => {}
            // A candidate continues the run before it (prev_row stays).
            _ if candidate(i) => is_row[i] = prev_row,
            _ => prev_row = is_row[i],
        }
    }
    let mut next_row = false;
    for i in (0..lines.len()).rev() {
        match lines[i].1 {
            Line::Blank => {}
            _ if candidate(i) => {
                is_row[i] |= next_row;
                next_row = is_row[i];
            }
            _ => next_row = is_row[i],
        }
    }

    let mut doc = Document::default();
    let mut grid = Grid::default();
    for ((line, kind), row) in lines.into_iter().zip(is_row) {
        match kind {
            Line::Blank => continue,
            Line::Row(cells) | Line::MaybeRow(cells) if row => {
                // Markdown tables keep their cell positions; pasted text not.
                let pasted = !line.trim_start().starts_with('|');
                if !grid.rows.is_empty() && grid.pasted != pasted {
                    doc.push_table(std::mem::take(&mut grid));
                }
                grid.pasted = pasted;
                if !cells.is_empty() {
                    grid.rows
                        .push(cells.into_iter().map(GridCell::new).collect());
                }
                continue;
            }
            _ => {}
        }
        if !grid.rows.is_empty() {
            doc.push_table(std::mem::take(&mut grid));
        }
        let trimmed = line.trim();
        if let Some((level, text)) = markdown_heading(trimmed) {
            // A title broken with <br> reads as one line.
            doc.push_heading(level, strip_emphasis(&replace_br(text, "")));
        } else if has_br(trimmed) {
            for part in replace_br(trimmed, "\n").split('\n') {
                doc.push_paragraph(strip_emphasis(part));
            }
        } else {
            doc.push_paragraph(strip_emphasis(trimmed));
        }
    }
    if !grid.rows.is_empty() {
        doc.push_table(grid);
    }
    doc
}

/// What a line of text is.
enum Line {
    Blank,
    /// A table row (a Markdown separator line has no cells).
    Row(Vec<String>),
    /// Short parts separated by runs of spaces: a table row if next to one.
    MaybeRow(Vec<String>),
    Text,
}

fn classify(line: &str) -> Line {
    if let Some(cells) = table_row(line) {
        return Line::Row(cells);
    }
    match layout_parts(line) {
        Some(parts) => Line::MaybeRow(parts),
        None => Line::Text,
    }
}

/// The cells of a table row, or `None` if the line is not one. `Some(vec![])`
/// for a Markdown separator line.
fn table_row(line: &str) -> Option<Vec<String>> {
    let trimmed = line.trim();
    if trimmed.starts_with('|') && trimmed.len() > 1 {
        let cells = split_pipes(trimmed);
        if cells.iter().all(|c| is_separator_cell(c)) {
            return Some(Vec::new());
        }
        return Some(cells);
    }
    if line.contains('\t') {
        return Some(line.split('\t').map(|c| strip_emphasis(c.trim())).collect());
    }
    // Layout text: parts separated by two or more spaces, with numbers.
    let parts = layout_parts(line)?;
    let numbers = parts
        .iter()
        .filter(|p| crate::text::parse_number(p).is_some())
        .count();
    if parts.len() >= 3 && numbers >= 2 {
        return Some(parts);
    }
    // A label and its values: "行政许可      4625".
    let (label, values) = parts.split_first()?;
    let label_ok = !crate::text::is_value_like(label)
        && label.chars().count() <= 40
        && !label.contains(['。', '；', ';', ':', '：']);
    if label_ok && numbers >= 1 && values.iter().all(|v| crate::text::is_value_like(v)) {
        return Some(parts);
    }
    None
}

/// Parts of a line separated by runs of two or more spaces (or ideographic
/// spaces), if there are at least two and none reads as a sentence.
fn layout_parts(line: &str) -> Option<Vec<String>> {
    let trimmed = line.trim();
    if !trimmed.contains("  ") || trimmed.starts_with('#') {
        return None;
    }
    let parts: Vec<String> = trimmed
        .split("  ")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(strip_emphasis)
        .collect();
    let short = parts
        .iter()
        .all(|p| p.chars().count() <= 48 && !p.contains('。'));
    // "三、  收到和处理…": a heading with spaced numbering, not two cells.
    let numbering_only = crate::text::strip_numbering(&parts[0]).is_empty();
    (parts.len() >= 2 && short && !numbering_only).then_some(parts)
}

fn split_pipes(line: &str) -> Vec<String> {
    let inner = line.strip_prefix('|').unwrap_or(line);
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut cells = Vec::new();
    let mut cur = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cur.push('|');
                chars.next();
            }
            '|' => cells.push(strip_emphasis(std::mem::take(&mut cur).trim())),
            c => cur.push(c),
        }
    }
    cells.push(strip_emphasis(cur.trim()));
    cells
        .into_iter()
        .map(|c| replace_br(&c, "").replace("&nbsp;", " "))
        .collect()
}

fn has_br(s: &str) -> bool {
    s.contains("<br") || s.contains("<BR") || s.contains("<Br")
}

/// Replaces the line breaks of HTML in Markdown (`<br>`, `<br/>`,
/// `<br />`, any case) by `with`. One pass, no allocation when there is none.
fn replace_br(s: &str, with: &str) -> String {
    if !has_br(s) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('<') {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        let is_br = tail.len() >= 3 && tail[1..3].eq_ignore_ascii_case("br");
        let end = is_br
            .then(|| {
                let after = &tail[3..];
                let inner = after.trim_start_matches([' ', '/']);
                inner.starts_with('>').then(|| tail.len() - inner.len() + 1)
            })
            .flatten();
        match end {
            Some(n) => {
                out.push_str(with);
                rest = &tail[n..];
            }
            None => {
                out.push('<');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn is_separator_cell(c: &str) -> bool {
    let c = c.trim();
    !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':' | ' '))
}

fn markdown_heading(line: &str) -> Option<(u8, &str)> {
    let hashes = line.chars().take_while(|c| *c == '#').count();
    if (1..=6).contains(&hashes) {
        let rest = &line[hashes..];
        if rest.starts_with([' ', '\u{3000}']) || rest.is_empty() {
            return Some((hashes as u8, rest.trim()));
        }
    }
    None
}

fn strip_emphasis(s: &str) -> String {
    s.replace("**", "").replace("__", "").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Block;

    #[test]
    fn tab_rows_form_one_table_across_blank_lines() {
        let doc = parse("## 三、收到\n\na\t1\t2\n\nb\t3\t4\n段落\n");
        assert_eq!(doc.blocks.len(), 3);
        match &doc.blocks[1] {
            Block::Table(g) => assert_eq!(g.rows.len(), 2),
            other => panic!("expected a table, got {other:?}"),
        }
        assert_eq!(doc.blocks[2], Block::Paragraph("段落".into()));
    }

    #[test]
    fn markdown_pipes_and_headings() {
        let doc = parse("# 标题\n#### **（五）监督保障**\n| a | b \\| c |\n|---|:-:|\n| 1 | 2 |\n");
        assert_eq!(
            doc.blocks[0],
            Block::Heading {
                level: 1,
                text: "标题".into()
            }
        );
        assert_eq!(
            doc.blocks[1],
            Block::Heading {
                level: 4,
                text: "（五）监督保障".into()
            }
        );
        match &doc.blocks[2] {
            Block::Table(g) => {
                assert_eq!(g.rows.len(), 2);
                assert_eq!(g.rows[0][1].text, "b | c");
            }
            other => panic!("expected a table, got {other:?}"),
        }
    }

    #[test]
    fn html_line_breaks_in_markdown() {
        assert_eq!(replace_br("本年废止<br />件数", ""), "本年废止件数");
        assert_eq!(replace_br("a<BR>b<br/>c<bra>", "|"), "a|b|c<bra>");
        let doc = parse("## 某镇人民政府<br>2022年报告\n| 本年制发<br/>件数 | 1 |\n");
        assert_eq!(
            doc.blocks[0],
            Block::Heading {
                level: 2,
                text: "某镇人民政府2022年报告".into()
            }
        );
        match &doc.blocks[1] {
            Block::Table(g) => assert_eq!(g.rows[0][0].text, "本年制发件数"),
            other => panic!("expected a table, got {other:?}"),
        }
    }

    #[test]
    fn layout_rows_need_numbers() {
        assert!(table_row("行政许可    4625    0").is_some());
        assert!(table_row("行政许可    4625").is_some());
        assert!(table_row("浏览次数：  356").is_none());
        assert!(table_row("一是加强  学习  培训").is_none());
    }

    #[test]
    fn layout_header_lines_join_their_table() {
        let doc = parse(
            "一是加强  学习  培训\n正文。\n信息内容      本年处理决定数量\n行政许可      12\n\n行政处罚      3\n段落\n",
        );
        assert_eq!(
            doc.blocks[0],
            Block::Paragraph("一是加强  学习  培训".into())
        );
        match &doc.blocks[2] {
            Block::Table(g) => {
                assert_eq!(g.rows.len(), 3);
                assert_eq!(g.rows[0][1].text, "本年处理决定数量");
            }
            other => panic!("expected a table, got {other:?}"),
        }
        assert_eq!(doc.blocks[3], Block::Paragraph("段落".into()));
    }
}
