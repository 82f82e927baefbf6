//! Plain text as pasted from Word, and Markdown.
//!
//! - Markdown headings (`#`…`######`) become headings; `**bold**` markers
//!   are dropped.
//! - A line with a tab is a table row (Word pastes table rows as
//!   tab-separated lines; merged cells leave empty or extra cells). Blank
//!   lines between such rows do not end the table.
//! - A Markdown pipe row (`| a | b |`) is a table row; its separator line
//!   (`|---|---|`) is skipped.
//! - A line whose parts are separated by runs of two or more spaces, with at
//!   least two numbers among them, is a table row too (layout text).
//! - Any other non-empty line is a paragraph.

use crate::document::{Document, Grid, GridCell};

pub fn parse(text: &str) -> Document {
    let mut doc = Document::default();
    let mut grid = Grid::default();
    for raw in text.lines() {
        let line = raw
            .trim_end_matches(['\r', '\u{feff}'])
            .trim_start_matches('\u{feff}');
        if line.trim().is_empty() {
            continue;
        }
        if let Some((cells, pasted)) = table_row(line) {
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
        if !grid.rows.is_empty() {
            doc.push_table(std::mem::take(&mut grid));
        }
        let trimmed = line.trim();
        if let Some((level, text)) = markdown_heading(trimmed) {
            doc.push_heading(level, strip_emphasis(text));
        } else {
            doc.push_paragraph(strip_emphasis(trimmed));
        }
    }
    if !grid.rows.is_empty() {
        doc.push_table(grid);
    }
    doc
}

/// The cells of a table row and whether it is pasted text (tabs or spaces,
/// not Markdown), or `None` if the line is not one. No cells for a Markdown
/// separator line.
fn table_row(line: &str) -> Option<(Vec<String>, bool)> {
    let trimmed = line.trim();
    if trimmed.starts_with('|') && trimmed.len() > 1 {
        let cells = split_pipes(trimmed);
        if cells.iter().all(|c| is_separator_cell(c)) {
            return Some((Vec::new(), false));
        }
        return Some((cells, false));
    }
    table_row_pasted(line).map(|cells| (cells, true))
}

fn table_row_pasted(line: &str) -> Option<Vec<String>> {
    let trimmed = line.trim();
    if line.contains('\t') {
        return Some(line.split('\t').map(|c| strip_emphasis(c.trim())).collect());
    }
    // Layout text: parts separated by two or more spaces, with numbers.
    if trimmed.contains("  ") {
        let parts: Vec<&str> = trimmed
            .split("  ")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        let numbers = parts
            .iter()
            .filter(|p| crate::text::parse_number(p).is_some())
            .count();
        if parts.len() >= 3 && numbers >= 2 {
            return Some(parts.into_iter().map(str::to_string).collect());
        }
    }
    None
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
        .map(|c| {
            c.replace("<br>", "")
                .replace("<br/>", "")
                .replace("&nbsp;", " ")
        })
        .collect()
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
    fn layout_rows_need_numbers() {
        assert!(table_row_pasted("行政许可    4625    0").is_some());
        assert!(table_row_pasted("一是加强  学习  培训").is_none());
    }
}
