//! Complete sample reports for the renderer tests: every section, every row
//! of the format with distinct numbers, one blank cell, one amount and one
//! extra row. Also included by `tests/roundtrip.rs` (hence only `crate::`
//! paths that the test crate re-creates).

use crate::model::{Cell, ExtraRow, Report, Section, Table};
use crate::spec::{FormatSpec, FormatVersion, SECTIONS, TableId, ValueKind};
use rust_decimal::Decimal;

/// The 2021-format sample (statistical year 2021).
pub fn report_2021() -> Report {
    build(FormatVersion::V2021, 2021)
}

/// The 2019-format sample (statistical year 2020).
pub fn report_2019() -> Report {
    build(FormatVersion::V2019, 2020)
}

/// The cell left blank in every sample.
pub const BLANK: (&str, &str) = ("denied.state_secret", "research");
/// The extra (local-variant) row of table 二.
pub const EXTRA_LABEL: &str = "其他主动公开文件";

fn build(version: FormatVersion, year: i32) -> Report {
    let spec = FormatSpec::get(version);
    let mut n: i64 = 0;
    let mut next = || {
        n += 1;
        n
    };
    let mut tables = Vec::new();
    for id in TableId::ALL {
        let mut t = Table::default();
        for (row, columns) in spec.rows(id) {
            for col in columns {
                let v = next();
                let cell = match col.kind {
                    ValueKind::Amount if row.key == "fees" => Cell::Amount(Decimal::new(773028, 2)),
                    ValueKind::Amount => Cell::Amount(Decimal::new(v * 100 + 5, 1)),
                    _ => Cell::Count(v),
                };
                t.set(row.key, col.key, cell);
            }
        }
        if id == TableId::T3 {
            t.set(BLANK.0, BLANK.1, Cell::Blank);
        }
        if id == TableId::T2 {
            t.extra_rows.push(ExtraRow {
                label: EXTRA_LABEL.to_string(),
                values: vec![Cell::Count(next()), Cell::Blank, Cell::Count(next())],
            });
        }
        tables.push(t);
    }
    let mut tables = tables.into_iter();
    let sections = SECTIONS
        .iter()
        .map(|s| Section {
            number: s.number,
            title: s.title.to_string(),
            text: match s.number {
                1 => format!(
                    "{year}年，本机关认真贯彻落实《中华人民共和国政府信息公开条例》。\n\
                     （一）主动公开\n全年主动公开政府信息 518 条。\n\
                     （二）依申请公开\n网页上曾出现 <script>alert(\"x\")</script> & 管道符 | 字样。"
                ),
                2..=4 => String::new(),
                5 => "（一）存在问题\n公开内容不够全面。\n（二）改进情况\n加强培训。".to_string(),
                _ => "本年度未收取信息处理费。".to_string(),
            },
        })
        .collect();
    Report {
        format: Some(version),
        year: Some(year),
        agency: Some("示例市数据局".to_string()),
        title: None,
        published_on: None,
        sections,
        t2: tables.next(),
        t3: tables.next(),
        t4: tables.next(),
        notes: Vec::new(),
    }
}
