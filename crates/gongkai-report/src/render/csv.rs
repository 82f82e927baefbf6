//! CSV: one line per table cell, for spreadsheets and scripts.
//!
//! Columns: `table,row,column,row_label,column_label,value` — canonical keys
//! and the official Chinese labels of the spec. Every cell the format
//! defines for a table the report has gets a line, in official order; a
//! blank (or absent) cell has an empty value. Extra rows (local variants)
//! follow with the row key `_extra.N` (N from 1) and the column key the
//! value's position (1, 2, …).
//!
//! The output starts with a UTF-8 byte-order mark: Excel (notably on
//! Chinese-locale Windows) reads a CSV without one in the ANSI code page
//! (GBK) and garbles the labels; with it, Excel, WPS, LibreOffice and
//! Numbers all read UTF-8. Most CSV readers skip the mark; scripts that do
//! not can strip `\u{feff}` from the first field.

use crate::model::{Cell, Report};
use crate::spec::{FormatSpec, TableId};

const HEADER: [&str; 6] = [
    "table",
    "row",
    "column",
    "row_label",
    "column_label",
    "value",
];

/// Renders the report's tables as CSV (UTF-8 with BOM, CRLF line ends as
/// RFC 4180 says).
pub fn csv(report: &Report) -> String {
    let mut lines: Vec<[String; 6]> = Vec::new();
    let spec = FormatSpec::get(report.effective_format());
    for id in TableId::ALL {
        let Some(table) = report.table(id) else {
            continue;
        };
        for (row, columns) in spec.rows(id) {
            for col in columns {
                lines.push([
                    id.key().to_string(),
                    row.key.to_string(),
                    col.key.to_string(),
                    row.full_label(),
                    col.label.to_string(),
                    table
                        .cell(row.key, col.key)
                        .map(Cell::display)
                        .unwrap_or_default(),
                ]);
            }
        }
        // Rows of the other format (a mixed layout): kept, by key.
        for (key, cells) in &table.rows {
            if spec.row(id, key).is_some() {
                continue;
            }
            for (col, cell) in cells {
                lines.push([
                    id.key().to_string(),
                    key.clone(),
                    col.clone(),
                    String::new(),
                    String::new(),
                    cell.display(),
                ]);
            }
        }
        for (i, extra) in table.extra_rows.iter().enumerate() {
            for (j, cell) in extra.values.iter().enumerate() {
                let column_label = match id {
                    TableId::T3 => spec.t3_columns.get(j).map(|c| c.label).unwrap_or(""),
                    _ => "",
                };
                lines.push([
                    id.key().to_string(),
                    format!("_extra.{}", i + 1),
                    (j + 1).to_string(),
                    extra.label.clone(),
                    column_label.to_string(),
                    cell.display(),
                ]);
            }
        }
    }
    let mut out = String::from("\u{feff}");
    write_line(&mut out, HEADER.iter().copied());
    for l in &lines {
        write_line(&mut out, l.iter().map(String::as_str));
    }
    out
}

/// One CSV record: fields quoted when they hold a comma, quote or line break.
fn write_line<'a>(out: &mut String, fields: impl Iterator<Item = &'a str>) {
    for (i, f) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        if f.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&f.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(f);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::sample;
    use crate::spec::FormatVersion;

    fn records(csv: &str) -> Vec<Vec<String>> {
        let mut reader = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
        reader
            .records()
            .map(|r| r.expect("valid CSV").iter().map(str::to_string).collect())
            .collect()
    }

    #[test]
    fn one_line_per_cell_with_bom() {
        for (r, version) in [
            (sample::report_2021(), FormatVersion::V2021),
            (sample::report_2019(), FormatVersion::V2019),
        ] {
            let out = csv(&r);
            assert!(out.starts_with("\u{feff}table,row,column,row_label,column_label,value\r\n"));
            let spec = FormatSpec::get(version);
            let cells: usize = TableId::ALL
                .iter()
                .flat_map(|t| spec.rows(*t))
                .map(|(_, cols)| cols.len())
                .sum();
            // + header + the extra row's three values.
            let recs = records(&out);
            assert_eq!(recs.len(), 1 + cells + 3);
            assert_eq!(out.matches("\r\n").count(), recs.len());
            assert!(recs.iter().all(|r| r.len() == 6));
        }
    }

    #[test]
    fn labels_values_and_blanks() {
        let recs = records(&csv(&sample::report_2021()));
        let find = |t: &str, row: &str, col: &str| {
            recs.iter()
                .find(|r| r[0] == t && r[1] == row && r[2] == col)
                .cloned()
                .unwrap_or_else(|| panic!("no {t}.{row}.{col}"))
        };
        assert_eq!(
            find("t2", "fees", "amount_wan_yuan")[3..],
            ["行政事业性收费", "本年收费金额（单位：万元）", "7730.28"]
        );
        assert_eq!(
            find("t3", "denied.state_secret", "research")[3..],
            ["（三）不予公开 1.属于国家秘密", "科研机构", ""]
        );
        assert_eq!(find("t4", "litigation_direct", "total")[5], "197");
        assert_eq!(
            find("t2", "_extra.1", "2")[3..],
            ["其他主动公开文件", "", ""]
        );
    }

    #[test]
    fn fields_are_quoted_when_needed() {
        let mut s = String::new();
        write_line(&mut s, ["a,b", "c\"d", "e"].into_iter());
        assert_eq!(s, "\"a,b\",\"c\"\"d\",e\r\n");
    }
}
