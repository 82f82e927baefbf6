//! End to end: a complete small 2021-format report published as an HTML
//! page (UTF-8 and GBK) and as a Word document reads into the same report.

use std::io::Cursor;

use docx_rs::{Docx, Paragraph, Run, Table, TableCell, TableRow, VMergeType};
use gongkai_report::document::{Block, Grid};
use gongkai_report::{Cell, FormatVersion, Report, parse};
use rust_decimal::Decimal;

const HTML: &str = include_str!("fixtures/report-2021.html");

fn count(report_table: Option<&gongkai_report::Table>, row: &str, col: &str) -> Option<i64> {
    match report_table?.cell(row, col)? {
        Cell::Count(n) => Some(*n),
        _ => None,
    }
}

/// The figures of the fixture, as its tables state them.
fn assert_fixture_report(r: &Report) {
    assert_eq!(r.year, Some(2021));
    assert_eq!(r.agency.as_deref(), Some("青川市生态环境局"));
    assert_eq!(r.format, Some(FormatVersion::V2021));
    let numbers: Vec<u8> = r.sections.iter().map(|s| s.number).collect();
    assert_eq!(numbers, [1, 2, 3, 4, 5, 6]);
    let s1 = &r.sections[0].text;
    assert!(s1.contains("主动公开政府信息326条"), "{s1}");
    assert!(s1.contains("（五）监督保障"), "{s1}");
    assert_eq!(
        r.sections[5].text,
        "本年度未收取信息处理费。\n本机关无其他需要报告的事项。\n青川市生态环境局\n2022年1月20日"
    );
    for noise in [
        "首页",
        "信息公开目录",
        "当前位置",
        "分享",
        "主办单位",
        "统计代码",
        "打印",
    ] {
        let all: String = r.sections.iter().map(|s| s.text.as_str()).collect();
        assert!(!all.contains(noise), "{noise} in sections");
    }

    let t2 = r.t2.as_ref();
    assert_eq!(count(t2, "regulations", "issued"), Some(1));
    assert_eq!(count(t2, "regulations", "in_force"), Some(5));
    assert_eq!(count(t2, "normative_documents", "issued"), Some(2));
    assert_eq!(count(t2, "normative_documents", "repealed"), Some(1));
    assert_eq!(count(t2, "normative_documents", "in_force"), Some(10));
    assert_eq!(count(t2, "licensing", "decisions"), Some(120));
    assert_eq!(count(t2, "penalties", "decisions"), Some(30));
    assert_eq!(count(t2, "enforcement", "decisions"), Some(2));
    assert_eq!(
        t2.and_then(|t| t.cell("fees", "amount_wan_yuan")),
        Some(&Cell::Amount(Decimal::new(125, 1)))
    );

    let t3 = r.t3.as_ref();
    let expect = [
        ("new_received", [10, 3, 0, 0, 1, 0, 14]),
        ("carried_over", [1, 0, 0, 0, 0, 0, 1]),
        ("granted", [5, 1, 0, 0, 0, 0, 6]),
        ("partially_granted", [2, 0, 0, 0, 1, 0, 3]),
        ("denied.state_secret", [0; 7]),
        ("denied.third_party_rights", [1, 0, 0, 0, 0, 0, 1]),
        ("denied.inquiry_matters", [0; 7]),
        ("unable.not_held", [1, 1, 0, 0, 0, 0, 2]),
        ("unable.still_unclear", [0; 7]),
        ("not_processed.reconfirm", [0; 7]),
        ("other.no_correction", [0; 7]),
        ("other.fee_unpaid", [0; 7]),
        ("other.other", [0; 7]),
        ("handled_total", [9, 2, 0, 0, 1, 0, 12]),
        ("carried_forward", [2, 1, 0, 0, 0, 0, 3]),
    ];
    let columns = [
        "natural_person",
        "commercial",
        "research",
        "social_welfare",
        "legal_service",
        "other_org",
        "total",
    ];
    for (row, values) in expect {
        for (col, v) in columns.iter().zip(values) {
            assert_eq!(count(t3, row, col), Some(v), "t3 {row}/{col}");
        }
    }
    assert_eq!(t3.map(|t| t.rows.len()), Some(25), "all 25 value rows");
    assert_eq!(
        r.t3.as_ref().and_then(|t| t.cell("new_received", "total")),
        Some(&Cell::Count(14))
    );

    let t4 = r.t4.as_ref();
    let groups = [
        ("reconsideration", [1, 0, 0, 1, 2]),
        ("litigation_direct", [0, 0, 0, 1, 1]),
        ("litigation_after_reconsideration", [0; 5]),
    ];
    for (row, values) in groups {
        for (col, v) in ["upheld", "corrected", "other", "pending", "total"]
            .iter()
            .zip(values)
        {
            assert_eq!(count(t4, row, col), Some(v), "t4 {row}/{col}");
        }
    }
}

#[test]
fn html_report_reads_into_the_expected_report() {
    let report = parse(HTML.as_bytes(), Some("x.html")).unwrap();
    assert_fixture_report(&report);
    assert_eq!(
        report.published_on,
        chrono::NaiveDate::from_ymd_opt(2022, 1, 20)
    );
}

#[test]
fn gbk_copy_reads_the_same() {
    let utf8 = parse(HTML.as_bytes(), Some("x.html")).unwrap();
    // As served by a legacy site: declared and encoded as GBK.
    let declared = HTML.replace("charset=utf-8", "charset=gbk");
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&declared);
    assert!(!unmappable);
    let report = parse(&gbk, Some("x.html")).unwrap();
    assert_eq!(report, utf8);
    // Without a declaration, the encoding is detected.
    let undeclared = HTML.replace("; charset=utf-8", "");
    let (gbk, _, _) = encoding_rs::GBK.encode(&undeclared);
    let report = parse(&gbk, None).unwrap();
    assert_eq!(report, utf8);
}

/// Word rows for a grid: merged-down cells become `vMerge` continuation
/// cells at their grid column in the following rows, as Word writes them.
fn word_rows(grid: &Grid) -> Vec<TableRow> {
    // (start column, colspan, rows still covered)
    let mut below: Vec<(usize, usize, usize)> = Vec::new();
    let mut rows = Vec::new();
    for row in &grid.rows {
        let mut cells = Vec::new();
        let mut col = 0;
        let mut next = row.iter();
        loop {
            if let Some(m) = below.iter_mut().find(|m| m.0 == col && m.2 > 0) {
                m.2 -= 1;
                let span = m.1;
                cells.push(
                    TableCell::new()
                        .add_paragraph(Paragraph::new())
                        .vertical_merge(VMergeType::Continue)
                        .grid_span(span),
                );
                col += span;
                continue;
            }
            let Some(cell) = next.next() else { break };
            let mut tc = TableCell::new();
            // A label broken over two paragraphs, as authors do in Word.
            let text = cell.text.as_str();
            match text.char_indices().nth(12) {
                Some((i, _)) if !text.is_ascii() => {
                    tc = tc
                        .add_paragraph(Paragraph::new().add_run(Run::new().add_text(&text[..i])))
                        .add_paragraph(Paragraph::new().add_run(Run::new().add_text(&text[i..])));
                }
                _ => tc = tc.add_paragraph(Paragraph::new().add_run(Run::new().add_text(text))),
            }
            if cell.colspan > 1 {
                tc = tc.grid_span(cell.colspan);
            }
            if cell.rowspan > 1 {
                tc = tc.vertical_merge(VMergeType::Restart);
                below.push((col, cell.colspan, cell.rowspan - 1));
            }
            cells.push(tc);
            col += cell.colspan;
        }
        below.retain(|m| m.2 > 0);
        rows.push(TableRow::new(cells));
    }
    rows
}

/// The same report as a Word document: headings with heading styles,
/// paragraphs, and the three tables with gridSpan/vMerge merges.
fn fixture_docx() -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let doc = gongkai_report::parse::html::parse(HTML);
    let mut docx = Docx::new();
    for block in &doc.blocks {
        docx = match block {
            Block::Heading { level, text } => docx.add_paragraph(
                Paragraph::new()
                    .add_run(Run::new().add_text(text))
                    .style(&format!("Heading{level}")),
            ),
            Block::Paragraph(text) => {
                docx.add_paragraph(Paragraph::new().add_run(Run::new().add_text(text)))
            }
            Block::Table(grid) => docx.add_table(Table::new(word_rows(grid))),
        };
    }
    let mut out = Cursor::new(Vec::new());
    docx.build().pack(&mut out)?;
    Ok(out.into_inner())
}

#[test]
fn docx_report_reads_into_the_expected_report() {
    let bytes = fixture_docx().unwrap();
    let report = parse(&bytes, Some("x.docx")).unwrap();
    assert_fixture_report(&report);
    // The DOCX grids are the HTML grids again.
    let from_html = gongkai_report::parse::html::parse(HTML);
    let from_docx = gongkai_report::parse::docx::parse(&bytes).unwrap();
    let grids = |d: &gongkai_report::document::Document| -> Vec<Grid> {
        d.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Table(g) => Some(g.clone()),
                _ => None,
            })
            .collect()
    };
    assert_eq!(grids(&from_docx), grids(&from_html));
    assert_eq!(from_docx.blocks.len(), from_html.blocks.len());
}
