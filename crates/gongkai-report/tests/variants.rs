//! Reports no one here has seen: a corpus of realistic variants written for
//! this test (fictional agencies) in `tests/variants/`, each described in
//! `tests/variants/expected.json` like the real fixtures of `../shared`:
//! format, year, agency, cell values and the findings that must (not) appear.
//!
//! An entry with `docx_from` is the same report as another file of the
//! corpus, rewritten as a Word document (headings, merged cells as
//! `gridSpan`/`vMerge`, labels broken over paragraphs) by this test.

// Test helpers outside `#[test]` fns: clippy.toml's test allowance does not
// reach them.
#![allow(clippy::expect_used)]

use docx_rs::{Docx, Paragraph, Run, Table, TableCell, TableRow, VMergeType};
use gongkai_report::check::{CheckOptions, Severity, check};
use gongkai_report::document::{Block, Grid};
use gongkai_report::model::{Cell, Report};
use gongkai_report::spec::TableId;
use rust_decimal::Decimal;
use serde_json::Value;
use std::io::Cursor;
use std::path::PathBuf;
use std::str::FromStr;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/variants")
}

fn entries() -> Vec<Value> {
    let text = std::fs::read_to_string(dir().join("expected.json")).expect("expected.json");
    serde_json::from_str(&text).expect("expected.json is valid JSON")
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
            // Labels broken over paragraphs and runs, as authors do in Word.
            let text = cell.text.as_str();
            match text.char_indices().nth(7) {
                Some((i, _)) if !text.is_ascii() => {
                    let (a, b) = text.split_at(i);
                    let mid = b.char_indices().nth(3).map_or(b.len(), |(j, _)| j);
                    tc = tc
                        .add_paragraph(Paragraph::new().add_run(Run::new().add_text(a)))
                        .add_paragraph(
                            Paragraph::new()
                                .add_run(Run::new().add_text(&b[..mid]))
                                .add_run(Run::new().add_text(&b[mid..]).bold()),
                        );
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

/// The report of an HTML page rewritten as a Word document.
fn docx_from_html(bytes: &[u8]) -> Vec<u8> {
    let charset = gongkai_report::encoding::sniff_html_charset(bytes);
    let (text, _) = gongkai_report::encoding::decode(bytes, charset.as_deref());
    let doc = gongkai_report::parse::html::parse(&text);
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
    docx.build().pack(&mut out).expect("packs");
    out.into_inner()
}

fn load(entry: &Value) -> (String, Report) {
    let file = entry["file"].as_str().expect("file");
    let (bytes, name) = match entry["docx_from"].as_str() {
        Some(src) => {
            let html = std::fs::read(dir().join(src)).unwrap_or_else(|e| panic!("{src}: {e}"));
            (docx_from_html(&html), file.to_string())
        }
        None => (
            std::fs::read(dir().join(file)).unwrap_or_else(|e| panic!("{file}: {e}")),
            file.to_string(),
        ),
    };
    let report =
        gongkai_report::parse(&bytes, Some(&name)).unwrap_or_else(|e| panic!("{file}: {e}"));
    (name, report)
}

fn split_path(path: &str) -> (TableId, &str, &str) {
    let (table, rest) = path.split_once('.').expect("table.row.column");
    let (row, column) = rest.rsplit_once('.').expect("table.row.column");
    let table = match table {
        "t2" => TableId::T2,
        "t3" => TableId::T3,
        "t4" => TableId::T4,
        other => panic!("unknown table {other} in {path}"),
    };
    (table, row, column)
}

/// `null` = blank (or absent); a number = that count or amount; a string
/// that is not a number = that invalid text, kept as written.
fn cell_matches(cell: Option<&Cell>, expected: &Value) -> bool {
    match expected {
        Value::Null => matches!(cell, Some(Cell::Blank)),
        Value::Number(n) => {
            let want = Decimal::from_str(&n.to_string())
                .ok()
                .map(|d| d.normalize());
            cell.and_then(Cell::number).map(|d| d.normalize()) == want
        }
        Value::String(s) => match Decimal::from_str(s) {
            Ok(d) => cell.and_then(Cell::number).map(|x| x.normalize()) == Some(d.normalize()),
            Err(_) => cell == Some(&Cell::Invalid(s.clone())),
        },
        _ => false,
    }
}

fn run_entry(entry: &Value) -> Vec<String> {
    let (file, report) = load(entry);
    let mut fails = Vec::new();
    let got_format = report.format.map(|v| v.as_str());
    if let Some(f) = entry["format"].as_str()
        && got_format != Some(f)
    {
        fails.push(format!("{file}: format {got_format:?}, expected {f}"));
    }
    if let Some(y) = entry["year"].as_i64()
        && report.year.map(i64::from) != Some(y)
    {
        fails.push(format!("{file}: year {:?}, expected {y}", report.year));
    }
    if let Some(a) = entry["agency"].as_str()
        && report.agency.as_deref() != Some(a)
    {
        fails.push(format!("{file}: agency {:?}, expected {a}", report.agency));
    }
    if let Some(want) = entry["sections"].as_array() {
        let got: Vec<i64> = report
            .sections
            .iter()
            .map(|s| i64::from(s.number))
            .collect();
        let want: Vec<i64> = want.iter().filter_map(Value::as_i64).collect();
        if got != want {
            fails.push(format!("{file}: sections {got:?}, expected {want:?}"));
        }
    }
    for (path, want) in entry["cells"].as_object().into_iter().flatten() {
        let (t, row, col) = split_path(path);
        let got = report.table(t).and_then(|tb| tb.cell(row, col));
        if !cell_matches(got, want) {
            fails.push(format!("{file}: cell {path} = {got:?}, expected {want}"));
        }
    }
    for (table, n) in entry["row_counts"].as_object().into_iter().flatten() {
        let (t, _, _) = split_path(&format!("{table}.x.y"));
        let got = report.table(t).map_or(0, |tb| tb.rows.len());
        if Some(got as u64) != n.as_u64() {
            fails.push(format!("{file}: {table} has {got} rows, expected {n}"));
        }
    }
    for (table, n) in entry["extra_rows"].as_object().into_iter().flatten() {
        let (t, _, _) = split_path(&format!("{table}.x.y"));
        let got = report.table(t).map_or(0, |tb| tb.extra_rows.len());
        if Some(got as u64) != n.as_u64() {
            fails.push(format!(
                "{file}: {table} has {got} extra rows, expected {n}"
            ));
        }
    }
    for (n, phrase) in entry["section_text"].as_object().into_iter().flatten() {
        let n: u8 = n.parse().expect("section number");
        let text = report
            .section(n)
            .map(|s| s.text.as_str())
            .unwrap_or_default();
        let phrase = phrase.as_str().unwrap_or_default();
        if let Some(not) = phrase.strip_prefix('!') {
            if text.contains(not) {
                fails.push(format!("{file}: section {n} contains {not:?}: {text:?}"));
            }
        } else if !text.contains(phrase) {
            fails.push(format!("{file}: section {n} lacks {phrase:?}: {text:?}"));
        }
    }
    let ds = check(&report, &CheckOptions::default());
    let ids: Vec<&str> = ds.iter().map(|d| d.rule.id()).collect();
    for want in entry["must"].as_array().into_iter().flatten() {
        let want = want.as_str().expect("rule id");
        if !ids.contains(&want) {
            fails.push(format!("{file}: {want} expected, found {ids:?}"));
        }
    }
    for not in entry["must_not"].as_array().into_iter().flatten() {
        let not = not.as_str().expect("rule id");
        for d in ds.iter().filter(|d| d.rule.id() == not) {
            fails.push(format!("{file}: {not} must not fire: {}", d.message));
        }
    }
    if entry["no_errors"] == Value::Bool(true) {
        for d in ds.iter().filter(|d| d.severity == Severity::Error) {
            fails.push(format!(
                "{file}: unexpected error {}: {}",
                d.rule.id(),
                d.message
            ));
        }
    }
    println!("{file}: {} finding(s)", ds.len());
    for d in &ds {
        println!("  [{}] {} {}", d.severity.label(), d.rule.id(), d.message);
    }
    fails
}

#[test]
fn every_variant_reads_right() {
    let entries = entries();
    assert!(entries.len() >= 10, "the corpus has its variants");
    let mut fails = Vec::new();
    for entry in &entries {
        fails.extend(run_entry(entry));
    }
    assert!(
        fails.is_empty(),
        "{} failure(s):\n{}",
        fails.len(),
        fails.join("\n")
    );
}

/// Every file of the corpus is described in expected.json.
#[test]
fn every_file_is_described() {
    let described: Vec<String> = entries()
        .iter()
        .filter_map(|e| e["file"].as_str().map(str::to_string))
        .collect();
    for f in std::fs::read_dir(dir()).expect("variants dir").flatten() {
        let name = f.file_name().to_string_lossy().into_owned();
        if name != "expected.json" && !name.ends_with(".md5") {
            assert!(described.contains(&name), "{name} is not in expected.json");
        }
    }
}
