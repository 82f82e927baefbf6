//! Markdown: `# title`, `## 一、总体情况` …, paragraphs, pipe tables.
//!
//! Markdown cannot merge cells, so tables are written as Word's text paste
//! writes them (the convention of [`crate::document`]): a label spanning
//! rows appears only in its first row, a header spanning columns appears
//! once followed by empty cells. Every row of a table has the same number of
//! cells, so any pipe-table reader sees a regular grid.
//!
//! Text is escaped for Markdown where it would otherwise change meaning: `|`
//! inside cells, `<` (no raw HTML gets through to a Markdown viewer), and a
//! leading `#`, `>` or `|` in a paragraph.

use super::layout::{self, TableLayout};
use crate::model::Report;

/// Renders the report as Markdown.
pub fn markdown(report: &Report) -> String {
    let mut out = String::new();
    out.push_str("# ");
    out.push_str(&inline(&layout::title(report)));
    out.push_str("\n\n");
    for section in layout::sections(report) {
        out.push_str("## ");
        out.push_str(section.heading);
        out.push_str("\n\n");
        for p in &section.paragraphs {
            out.push_str(&paragraph(p));
            out.push_str("\n\n");
        }
        if let Some(t) = &section.table {
            write_table(&mut out, t);
            out.push('\n');
        }
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn write_table(out: &mut String, t: &TableLayout) {
    for (i, row) in t.rows.iter().enumerate() {
        out.push('|');
        for cell in row {
            let text = cell
                .as_ref()
                .map(|c| cell_text(&c.text))
                .unwrap_or_default();
            if text.is_empty() {
                out.push_str("  |");
            } else {
                out.push(' ');
                out.push_str(&text);
                out.push_str(" |");
            }
        }
        out.push('\n');
        if i == 0 {
            out.push('|');
            for _ in 0..t.columns {
                out.push_str(" --- |");
            }
            out.push('\n');
        }
    }
}

/// Text on one line, with `<` escaped.
fn inline(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '<' => s.push_str("\\<"),
            '\r' | '\n' | '\t' => s.push(' '),
            _ => s.push(ch),
        }
    }
    s
}

fn cell_text(text: &str) -> String {
    inline(text.trim()).replace('|', "\\|")
}

fn paragraph(text: &str) -> String {
    let s = inline(text);
    if s.starts_with(['#', '>', '|']) {
        format!("\\{s}")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::sample;
    use crate::spec::SECTIONS;

    fn table_rows(md: &str) -> Vec<Vec<String>> {
        md.lines()
            .filter(|l| l.starts_with('|'))
            .map(|l| {
                let inner = l.trim().trim_start_matches('|').trim_end_matches('|');
                inner.split(" |").map(|c| c.trim().to_string()).collect()
            })
            .collect()
    }

    #[test]
    fn headings_and_title() {
        let md = markdown(&sample::report_2021());
        assert!(
            md.starts_with("# 示例市数据局2021年政府信息公开工作年度报告\n\n## 一、总体情况\n")
        );
        let mut last = 0;
        for s in SECTIONS {
            let at = md
                .find(&format!("\n## {}\n", s.heading))
                .unwrap_or_else(|| panic!("missing {}", s.heading));
            assert!(at > last, "{} out of order", s.heading);
            last = at;
        }
    }

    #[test]
    fn rows_carry_the_right_cells() {
        let md = markdown(&sample::report_2021());
        // Under （三）不予公开, the first item carries the group label; the
        // state-secret research cell is the sample's blank cell.
        assert!(
            md.contains("|  | （三）不予公开 | 1.属于国家秘密 | 41 | 42 |  | 44 | 45 | 46 | 47 |"),
            "{md}"
        );
        assert!(md.contains("|  |  | 2.其他法律行政法规禁止公开 | 48 | 49 | 50 |"));
        assert!(md.contains("| 行政事业性收费 | 7730.28 |  |  |"));
        assert!(md.contains("| 其他主动公开文件 |"));
    }

    #[test]
    fn every_table_row_has_the_same_cell_count() {
        for r in [sample::report_2021(), sample::report_2019()] {
            let md = markdown(&r);
            let mut tables: Vec<Vec<&str>> = Vec::new();
            let mut in_table = false;
            for line in md.lines() {
                if line.starts_with('|') {
                    if !in_table {
                        tables.push(Vec::new());
                        in_table = true;
                    }
                    if let Some(t) = tables.last_mut() {
                        t.push(line);
                    }
                } else {
                    in_table = false;
                }
            }
            assert_eq!(tables.len(), 3);
            for t in &tables {
                let counts: Vec<usize> = table_rows(&t.join("\n")).iter().map(Vec::len).collect();
                assert!(counts.iter().all(|&c| c == counts[0]), "{counts:?}");
            }
            assert_eq!(table_rows(&tables[2].join("\n"))[0].len(), 15);
        }
    }

    #[test]
    fn text_is_escaped_for_markdown() {
        let md = markdown(&sample::report_2021());
        assert!(md.contains("\\<script>alert(\"x\")\\</script> & 管道符 | 字样"));
        // Every `<` is escaped: no raw HTML reaches a Markdown viewer.
        assert_eq!(md.matches('<').count(), md.matches("\\<").count());
        assert_eq!(paragraph("# 不是标题"), "\\# 不是标题");
        assert_eq!(cell_text("a|b"), "a\\|b");
    }

    #[test]
    fn snapshot_2021() {
        insta::assert_snapshot!(markdown(&sample::report_2021()));
    }

    #[test]
    fn snapshot_2019() {
        insta::assert_snapshot!(markdown(&sample::report_2019()));
    }
}
