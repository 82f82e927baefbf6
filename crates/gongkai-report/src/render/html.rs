//! HTML: a complete standalone, print-ready (A4) document in the look of an
//! official report, with the tables in their merged-cell layout
//! (`rowspan`/`colspan`) and headers marked (`<th scope>`).
//!
//! All report text goes through [`escape`]; the only unescaped strings are
//! this module's own markup and [`STYLE`].

use super::layout::{self, Role, TableLayout};
use crate::model::Report;

/// The stylesheet: A4 page, official fonts with CJK fallbacks, bordered
/// tables. Black on white (WCAG 2.1 AA contrast). One constant, so an agency
/// can later swap it for its own.
pub const STYLE: &str = r#"
:root {
  --font-body: "FangSong", "仿宋_GB2312", "仿宋", "STFangsong", "Noto Serif CJK SC", "Source Han Serif SC", serif;
  --font-heading: "SimHei", "黑体", "STHeiti", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif;
  --font-title: "方正小标宋简体", "FZXiaoBiaoSong-B05S", "STZhongsong", "SimSun", "Noto Serif CJK SC", "Source Han Serif SC", serif;
}
@page { size: A4; margin: 2.54cm 3.17cm; }
html { color: #000; background: #fff; }
body { font-family: var(--font-body); font-size: 16pt; line-height: 1.8; margin: 0; }
main { max-width: 14.66cm; margin: 0 auto; }
@media screen { main { padding: 2em 1em; } }
h1 { font-family: var(--font-title); font-size: 22pt; font-weight: normal; text-align: center; line-height: 1.5; margin: 0 0 1em; }
h2 { font-family: var(--font-heading); font-size: 16pt; font-weight: bold; text-indent: 2em; margin: 0.6em 0 0.3em; page-break-after: avoid; break-after: avoid; }
p { text-indent: 2em; margin: 0; text-align: justify; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0 1em; font-size: 10.5pt; line-height: 1.4; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; break-inside: avoid; }
th, td { border: 1px solid #000; padding: 2pt 3pt; vertical-align: middle; }
th { font-family: var(--font-heading); font-weight: normal; text-align: center; }
th.label { text-align: left; }
td.num { text-align: center; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.corner { font-size: 9pt; text-align: left; }
"#;

/// Escapes text for HTML content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + text.len() / 8);
    for ch in text.chars() {
        match ch {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&#39;"),
            _ => s.push(ch),
        }
    }
    s
}

/// Renders the report as a standalone HTML document.
pub fn html(report: &Report) -> String {
    let title = escape(&layout::title(report));
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str(&format!("<title>{title}</title>\n<style>{STYLE}</style>\n"));
    out.push_str("</head>\n<body>\n<main>\n");
    out.push_str(&format!("<h1>{title}</h1>\n"));
    for section in layout::sections(report) {
        let id = format!("section-{}", section.number);
        out.push_str(&format!("<section aria-labelledby=\"{id}\">\n"));
        out.push_str(&format!(
            "<h2 id=\"{id}\">{}</h2>\n",
            escape(section.heading)
        ));
        for p in &section.paragraphs {
            out.push_str(&format!("<p>{}</p>\n", escape(p)));
        }
        if let Some(t) = &section.table {
            write_table(&mut out, t, &id);
        }
        out.push_str("</section>\n");
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn write_table(out: &mut String, t: &TableLayout, labelled_by: &str) {
    out.push_str(&format!(
        "<table class=\"{}\" aria-labelledby=\"{labelled_by}\">\n<colgroup>",
        t.id.key()
    ));
    for w in &t.widths {
        out.push_str(&format!("<col style=\"width:{w}%\">"));
    }
    out.push_str("</colgroup>\n");
    if t.header_rows > 0 {
        out.push_str("<thead>\n");
    } else {
        out.push_str("<tbody>\n");
    }
    for (r, row) in t.rows.iter().enumerate() {
        if t.header_rows > 0 && r == t.header_rows {
            out.push_str("</thead>\n<tbody>\n");
        }
        out.push_str("<tr>");
        for cell in row.iter().flatten() {
            let spans = format!(
                "{}{}",
                if cell.colspan > 1 {
                    format!(" colspan=\"{}\"", cell.colspan)
                } else {
                    String::new()
                },
                if cell.rowspan > 1 {
                    format!(" rowspan=\"{}\"", cell.rowspan)
                } else {
                    String::new()
                }
            );
            let text = escape(&cell.text);
            let tag = match cell.role {
                Role::Corner => format!("<td class=\"corner\"{spans}>{text}</td>"),
                Role::ColumnHeader | Role::SubTable => {
                    let scope = if cell.colspan > 1 { "colgroup" } else { "col" };
                    format!("<th scope=\"{scope}\"{spans}>{text}</th>")
                }
                Role::RowHeader => {
                    let scope = if cell.rowspan > 1 { "rowgroup" } else { "row" };
                    format!("<th scope=\"{scope}\" class=\"label\"{spans}>{text}</th>")
                }
                Role::Value => format!("<td class=\"num\"{spans}>{text}</td>"),
            };
            out.push_str(&tag);
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::sample;
    use crate::spec::{
        SECTIONS, T3_APPLICANT_GROUP, T3_CORNER, T3_GROUP_DENIED, T3_GROUP_NOT_PROCESSED,
        T3_GROUP_OTHER, T3_GROUP_RESULTS, T3_GROUP_UNABLE, T3_ORGANISATION_GROUP, T4_LITIGATION,
        T4_RECONSIDERATION,
    };

    /// The opening tag of the cell whose text is `text`.
    fn cell_tag<'a>(html: &'a str, text: &str) -> &'a str {
        let end = html
            .find(&format!(">{}</t", escape(text)))
            .unwrap_or_else(|| panic!("no cell {text}"));
        let start = html[..end].rfind('<').unwrap_or(0);
        &html[start..=end]
    }

    #[test]
    fn group_cells_have_official_spans_2021() {
        let h = html(&sample::report_2021());
        assert!(cell_tag(&h, T3_CORNER).contains("colspan=\"3\" rowspan=\"3\""));
        assert!(cell_tag(&h, T3_APPLICANT_GROUP).contains("colspan=\"7\""));
        assert!(cell_tag(&h, T3_ORGANISATION_GROUP).contains("colspan=\"5\""));
        assert!(cell_tag(&h, "自然人").contains("rowspan=\"2\""));
        assert!(cell_tag(&h, T3_GROUP_RESULTS).contains("rowspan=\"22\""));
        assert!(cell_tag(&h, T3_GROUP_DENIED).contains("rowspan=\"8\""));
        assert!(cell_tag(&h, T3_GROUP_UNABLE).contains("rowspan=\"3\""));
        assert!(cell_tag(&h, T3_GROUP_NOT_PROCESSED).contains("rowspan=\"5\""));
        assert!(cell_tag(&h, T3_GROUP_OTHER).contains("rowspan=\"3\""));
        assert!(cell_tag(&h, "（一）予以公开").contains("colspan=\"2\""));
        assert!(cell_tag(&h, "一、本年新收政府信息公开申请数量").contains("colspan=\"3\""));
        assert!(cell_tag(&h, T4_RECONSIDERATION).contains("colspan=\"5\""));
        assert!(cell_tag(&h, T4_LITIGATION).contains("colspan=\"10\""));
        assert!(cell_tag(&h, "未经复议直接起诉").contains("colspan=\"5\""));
        assert!(cell_tag(&h, "第二十条第（一）项").contains("colspan=\"4\""));
        assert!(cell_tag(&h, "本年处理决定数量").contains("colspan=\"3\""));
        // 总计 of table 三's header spans two rows; 结果维持 of 行政复议 too.
        assert_eq!(
            h.matches("<th scope=\"col\" rowspan=\"2\">总计</th>")
                .count(),
            2
        );
        assert_eq!(
            h.matches("<th scope=\"col\" rowspan=\"2\">结果维持</th>")
                .count(),
            1
        );
    }

    #[test]
    fn other_is_one_row_in_2019() {
        let h = html(&sample::report_2019());
        assert!(cell_tag(&h, T3_GROUP_RESULTS).contains("rowspan=\"20\""));
        let tag = cell_tag(&h, T3_GROUP_OTHER);
        assert!(tag.contains("colspan=\"2\"") && !tag.contains("rowspan"));
        assert!(cell_tag(&h, "第二十条第（九）项").contains("colspan=\"4\""));
    }

    #[test]
    fn document_is_standalone_and_accessible() {
        let h = html(&sample::report_2021());
        assert!(h.starts_with("<!DOCTYPE html>\n<html lang=\"zh-CN\">"));
        assert!(h.contains("<meta charset=\"utf-8\">"));
        assert!(h.contains("<title>示例市数据局2021年政府信息公开工作年度报告</title>"));
        assert!(h.contains("@page { size: A4; margin: 2.54cm 3.17cm; }"));
        for s in SECTIONS {
            assert!(h.contains(&format!(">{}</h2>", s.heading)));
        }
        assert_eq!(h.matches("<table ").count(), 3);
        assert_eq!(h.matches("aria-labelledby=\"section-3\"").count(), 2);
        assert!(h.contains("<td class=\"num\" colspan=\"3\">7730.28</td>"));
        assert!(h.trim_end().ends_with("</html>"));
    }

    #[test]
    fn report_text_is_escaped() {
        let mut r = sample::report_2021();
        r.agency = Some("<b>局</b>".into());
        let h = html(&r);
        assert!(!h.contains("<script>"));
        assert!(!h.contains("<b>"));
        assert!(h.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 管道符"));
        assert!(h.contains("<h1>&lt;b&gt;局&lt;/b&gt;2021年政府信息公开工作年度报告</h1>"));
        assert_eq!(escape("a'b"), "a&#39;b");
    }

    #[test]
    fn snapshot_2021() {
        insta::assert_snapshot!(html(&sample::report_2021()));
    }

    #[test]
    fn snapshot_2019() {
        insta::assert_snapshot!(html(&sample::report_2019()));
    }
}
