//! Round trip: a report rendered as Markdown, HTML or DOCX and parsed back
//! gives the same tables 二, 三, 四 (and the same format).

// Test helpers outside `#[test]` fns: clippy.toml's test allowance does not
// reach them.
#![allow(clippy::expect_used)]

// The sample reports are shared with the renderers' unit tests; they name
// `crate::model` and `crate::spec`, re-created here.
mod model {
    pub use gongkai_report::model::*;
}
mod spec {
    pub use gongkai_report::spec::*;
}
#[path = "../src/render/sample.rs"]
#[allow(dead_code)]
mod sample;

use gongkai_report::render::{self, RenderFormat};
use gongkai_report::{Cell, Report, TableId};

fn parse_back(report: &Report, format: RenderFormat) -> Report {
    let bytes = render::render(report, format).expect("renders");
    let name = format!("x.{}", format.extension());
    gongkai_report::parse(&bytes, Some(&name))
        .unwrap_or_else(|e| panic!("{format}: parse failed: {e}"))
}

/// The official rows of tables 二, 三, 四 and the format come back exactly.
fn round_trip(report: &Report, format: RenderFormat) {
    let back = parse_back(report, format);
    assert_eq!(back.format, report.format, "{format}: format");
    for id in TableId::ALL {
        let want = report.table(id).expect("sample has every table");
        let got = back
            .table(id)
            .unwrap_or_else(|| panic!("{format}: {id:?} not found"));
        for (row, cells) in &want.rows {
            for (col, cell) in cells {
                assert_eq!(
                    got.cell(row, col),
                    Some(cell),
                    "{format}: {}.{row}.{col}",
                    id.key()
                );
            }
        }
        assert_eq!(got.rows, want.rows, "{format}: {id:?} rows");
    }
}

/// Extra (local-variant) rows come back with their label and their values
/// in place. Their values are compared as written: an extra row has no
/// column kind, so "11" may come back as a count or an amount.
fn extra_rows_round_trip(report: &Report, format: RenderFormat) {
    let back = parse_back(report, format);
    let shown = |r: &Report, id| -> Vec<(String, Vec<String>)> {
        r.table(id)
            .map(|t| {
                t.extra_rows
                    .iter()
                    .map(|e| {
                        (
                            e.label.clone(),
                            e.values.iter().map(Cell::display).collect(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    for id in TableId::ALL {
        assert_eq!(
            shown(&back, id),
            shown(report, id),
            "{format}: {id:?} extra rows"
        );
    }
}

#[test]
fn markdown_2021() {
    round_trip(&sample::report_2021(), RenderFormat::Markdown);
}

#[test]
fn markdown_2019() {
    round_trip(&sample::report_2019(), RenderFormat::Markdown);
}

#[test]
fn markdown_extra_rows() {
    extra_rows_round_trip(&sample::report_2021(), RenderFormat::Markdown);
    extra_rows_round_trip(&sample::report_2019(), RenderFormat::Markdown);
}

#[test]
fn html_2021() {
    round_trip(&sample::report_2021(), RenderFormat::Html);
}

#[test]
fn html_2019() {
    round_trip(&sample::report_2019(), RenderFormat::Html);
}

#[test]
fn html_extra_rows() {
    extra_rows_round_trip(&sample::report_2021(), RenderFormat::Html);
    extra_rows_round_trip(&sample::report_2019(), RenderFormat::Html);
}

#[test]
fn docx_2021() {
    round_trip(&sample::report_2021(), RenderFormat::Docx);
}

#[test]
fn docx_2019() {
    round_trip(&sample::report_2019(), RenderFormat::Docx);
}

#[test]
fn docx_extra_rows() {
    extra_rows_round_trip(&sample::report_2021(), RenderFormat::Docx);
    extra_rows_round_trip(&sample::report_2019(), RenderFormat::Docx);
}

#[test]
fn json_2021() {
    round_trip(&sample::report_2021(), RenderFormat::Json);
}

#[test]
fn json_2019() {
    round_trip(&sample::report_2019(), RenderFormat::Json);
}

#[test]
fn json_extra_rows() {
    extra_rows_round_trip(&sample::report_2021(), RenderFormat::Json);
    extra_rows_round_trip(&sample::report_2019(), RenderFormat::Json);
}

/// A real report (the Lingwu example in the repo): parsed, rendered, parsed
/// again, it keeps its tables.
fn example_round_trip(format: RenderFormat) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/reports/lingwu-shenpi-2021.txt"
    );
    let bytes = std::fs::read(path).expect("example report in the repo");
    let report = gongkai_report::parse(&bytes, Some("lingwu.txt")).expect("parses");
    assert!(report.t3.is_some());
    round_trip(&report, format);
}

#[test]
fn example_markdown() {
    example_round_trip(RenderFormat::Markdown);
}

#[test]
fn example_html() {
    example_round_trip(RenderFormat::Html);
}

#[test]
fn example_docx() {
    example_round_trip(RenderFormat::Docx);
}

/// Every text fixture of the shared material (`GONGKAI_SHARED`, default
/// `../shared`): extract → render md/html/docx → extract gives identical
/// tables. PDF entries wait for PDF input.
#[test]
fn shared_fixtures_round_trip() {
    let root = std::env::var("GONGKAI_SHARED")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
        });
    let dir = root.join("fixtures/reports");
    let Ok(expected) = std::fs::read_to_string(dir.join("expected.json")) else {
        println!(
            "skipped: shared fixtures not found at {} (set GONGKAI_SHARED)",
            dir.display()
        );
        return;
    };
    let entries: serde_json::Value =
        serde_json::from_str(&expected).expect("expected.json is JSON");
    let mut ran = 0;
    for entry in entries.as_array().expect("an array") {
        let file = entry["file"].as_str().expect("file name");
        if entry["kind"] == "pdf" {
            println!("skipped: PDF input not supported yet ({file})");
            continue;
        }
        let bytes = std::fs::read(dir.join(file)).expect("fixture readable");
        let report = gongkai_report::parse(&bytes, Some(file)).expect("fixture parses");
        for format in [
            RenderFormat::Markdown,
            RenderFormat::Html,
            RenderFormat::Docx,
        ] {
            round_trip(&report, format);
        }
        println!("round trip ok: {file} (md, html, docx)");
        ran += 1;
    }
    assert!(ran > 0, "no text fixture found in {}", dir.display());
}
