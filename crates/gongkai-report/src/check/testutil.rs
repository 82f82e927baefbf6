//! Test helpers: a complete, balanced 2021 report built in code.

use super::{CheckOptions, Diagnostic, Rule, check};
use crate::model::{Cell, Report, Section, Table};
use crate::spec::{FORMAT_2019, FORMAT_2021, FormatVersion, SECTIONS, TableId};

pub(crate) const SECTION1: &str = "（一）主动公开\n\
2021年，本机关主动公开信息 30 条，其中在门户网站发布信息 20 条（政策文件 5 条，工作动态 15 条），向上级平台推送信息 10 条。\n\
（二）依申请公开\n\
2021年，本机关共收到政府信息公开申请 14 件，均已在法定期限内答复。\n\
（三）政府信息管理\n\
严格执行信息发布审核制度，坚持先审后发，确保发布信息准确规范。";

pub(crate) const SECTION5: &str = "一是政务公开意识还需进一步强化，公开载体功能有待完善。\
二是政策解读形式不够丰富。下一步将加强业务培训，丰富解读形式，提升公开质量。";

pub(crate) const SECTION6: &str = "本年度未收取信息处理费。";

/// Table 三 in the 2021 layout from (natural_person, commercial) figures:
/// new_received, carried_over, granted, partially_granted, not_held,
/// carried_forward. Every other outcome row and column is 0, totals added.
pub(crate) fn t3_2021(cols: [[i64; 6]; 2]) -> Table {
    t3_for(FormatVersion::V2021, cols)
}

pub(crate) fn t3_for(version: FormatVersion, cols: [[i64; 6]; 2]) -> Table {
    let spec = match version {
        FormatVersion::V2019 => &FORMAT_2019,
        FormatVersion::V2021 => &FORMAT_2021,
    };
    let mut t = Table::default();
    for row in spec.t3_rows {
        for col in spec.t3_columns {
            t.set(row.key, col.key, Cell::Count(0));
        }
    }
    let rows = [
        "new_received",
        "carried_over",
        "granted",
        "partially_granted",
        "unable.not_held",
        "carried_forward",
    ];
    for (c, col) in ["natural_person", "commercial"].into_iter().enumerate() {
        for (i, row) in rows.iter().enumerate() {
            t.set(row, col, Cell::Count(cols[c][i]));
        }
        let handled = cols[c][2] + cols[c][3] + cols[c][4];
        t.set("handled_total", col, Cell::Count(handled));
    }
    let keys: Vec<&str> = spec.t3_rows.iter().map(|r| r.key).collect();
    for row in keys {
        let sum: i64 = ["natural_person", "commercial"]
            .iter()
            .filter_map(|c| t.cell(row, c).and_then(Cell::count))
            .sum();
        t.set(row, "total", Cell::Count(sum));
    }
    t
}

pub(crate) fn t4_balanced() -> Table {
    let mut t = Table::default();
    let groups = [
        ("reconsideration", [1, 1, 0, 0]),
        ("litigation_direct", [1, 0, 0, 0]),
        ("litigation_after_reconsideration", [0, 0, 0, 0]),
    ];
    for (row, v) in groups {
        for (c, n) in ["upheld", "corrected", "other", "pending"].iter().zip(v) {
            t.set(row, c, Cell::Count(n));
        }
        t.set(row, "total", Cell::Count(v.iter().sum()));
    }
    t
}

pub(crate) fn t2_2021() -> Table {
    let mut t = Table::default();
    for (row, cols) in FORMAT_2021.rows(TableId::T2) {
        for c in cols {
            t.set(row.key, c.key, Cell::Count(0));
        }
    }
    t.set("normative_documents", "issued", Cell::Count(3));
    t.set("normative_documents", "in_force", Cell::Count(8));
    t.set("licensing", "decisions", Cell::Count(4625));
    t
}

/// A clean 2021 report: 14 requests received (12 natural persons, 2
/// companies), 3 carried over, 12 handled, 5 carried forward.
pub(crate) fn balanced() -> Report {
    let text = |n: u8| match n {
        1 => SECTION1.to_string(),
        5 => SECTION5.to_string(),
        6 => SECTION6.to_string(),
        _ => String::new(),
    };
    Report {
        format: Some(FormatVersion::V2021),
        year: Some(2021),
        agency: Some("某某市审批服务管理局".into()),
        title: None,
        published_on: chrono::NaiveDate::from_ymd_opt(2022, 1, 20),
        sections: SECTIONS
            .iter()
            .map(|s| Section {
                number: s.number,
                title: s.title.into(),
                text: text(s.number),
            })
            .collect(),
        t2: Some(t2_2021()),
        t3: Some(t3_2021([[12, 3, 5, 2, 3, 5], [2, 0, 2, 0, 0, 0]])),
        t4: Some(t4_balanced()),
        notes: Vec::new(),
    }
}

pub(crate) fn run(r: &Report) -> Vec<Diagnostic> {
    check(r, &CheckOptions::default())
}

pub(crate) fn run_with(r: &Report, prev: &Report) -> Vec<Diagnostic> {
    check(
        r,
        &CheckOptions {
            previous: Some(prev),
            deadline: None,
        },
    )
}

pub(crate) fn of(ds: &[Diagnostic], rule: Rule) -> Vec<&Diagnostic> {
    ds.iter().filter(|d| d.rule == rule).collect()
}

pub(crate) fn ids(ds: &[Diagnostic]) -> Vec<&'static str> {
    ds.iter().map(|d| d.rule.id()).collect()
}

pub(crate) fn set(r: &mut Report, t: TableId, row: &str, col: &str, cell: Cell) {
    if let Some(table) = r.table_mut(t).as_mut() {
        table.set(row, col, cell);
    }
}

pub(crate) fn set_text(r: &mut Report, n: u8, text: &str) {
    if let Some(s) = r.sections.iter_mut().find(|s| s.number == n) {
        s.text = text.to_string();
    }
}
