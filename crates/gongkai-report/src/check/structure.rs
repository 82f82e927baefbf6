//! Structure rules: sections, tables, format, rows, cells, and what the
//! parser noted while reading.

use super::Rule;
use super::helpers::{
    Ctx, OtherRows, any_row, cn_digit, column_label, diag, num, row_columns, row_label,
    section_name,
};
use crate::model::{Cell, ParseNote, Table};
use crate::spec::{FormatVersion, SECTIONS, TableId, ValueKind};
use crate::text::label_key;
use std::collections::BTreeSet;

/// Above this many rows with blanks, a table gets one CELL_BLANK summary.
const BLANK_ROWS_PER_TABLE: usize = 5;
/// Rows named in that summary.
const BLANK_ROWS_LISTED: usize = 4;

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<super::Diagnostic>) {
    sections(ctx, out);
    tables(ctx, out);
    format(ctx, out);
    rows(ctx, out);
    unknown_rows(ctx, out);
    notes(ctx, out);
    blank_cells(ctx, out);
    invalid_cells(ctx, out);
}

fn sections(ctx: &Ctx<'_>, out: &mut Vec<super::Diagnostic>) {
    let report = ctx.report;
    for s in &SECTIONS {
        if report.section(s.number).is_none() {
            out.push(
                diag(
                    Rule::SectionMissing,
                    format!("报告缺少{}。", section_name(s.number)),
                )
                .in_section(s.number),
            );
        }
    }
    let mut found: Vec<u8> = report.sections.iter().map(|s| s.number).collect();
    let unordered = found.windows(2).any(|w| w[0] >= w[1]);
    if !unordered {
        if let Some(f) = report.notes.iter().find_map(|n| match n {
            ParseNote::SectionOrder { found } => Some(found.clone()),
            _ => None,
        }) {
            found = f;
        } else {
            return;
        }
    }
    let listed: Vec<&str> = found.iter().map(|n| cn_digit(*n)).collect();
    out.push(diag(
        Rule::SectionOrder,
        format!(
            "各节出现的顺序为{}，应按一至六依次排列，且每节只出现一次。",
            listed.join("、")
        ),
    ));
}

fn tables(ctx: &Ctx<'_>, out: &mut Vec<super::Diagnostic>) {
    for t in TableId::ALL {
        if ctx.report.table(t).is_none() {
            out.push(
                diag(
                    Rule::TableMissing,
                    format!(
                        "报告缺少{}（应在{}中）。",
                        t.display_name(),
                        section_name(t.section())
                    ),
                )
                .in_table(t),
            );
        }
    }
}

fn format(ctx: &Ctx<'_>, out: &mut Vec<super::Diagnostic>) {
    let (Some(found), Some(year)) = (ctx.report.format, ctx.report.year) else {
        return;
    };
    let due = FormatVersion::for_year(year);
    if found != due {
        out.push(diag(
            Rule::FormatMismatch,
            format!(
                "{year}年度报告的表格采用了{}格式（{}），应采用{}格式（{}）；以下各表按实际采用的格式检查。",
                found.as_str(),
                found.document(),
                due.as_str(),
                due.document()
            ),
        ));
    }
}

fn rows(ctx: &Ctx<'_>, out: &mut Vec<super::Diagnostic>) {
    for t in TableId::ALL {
        let Some(table) = ctx.report.table(t) else {
            continue;
        };
        let substituted = match (t, ctx.t3_other_rows()) {
            (TableId::T3, OtherRows::Substituted { used, missing }) => Some((used, missing)),
            _ => None,
        };
        for (row, _) in ctx.spec.rows(t) {
            if table.has_row(row.key) {
                continue;
            }
            let message = match &substituted {
                Some((used, missing)) if missing.contains(&row.key) => {
                    let used: Vec<String> = used
                        .iter()
                        .map(|k| format!("“{}”", row_label(t, k)))
                        .collect();
                    format!(
                        "{}缺少“{}”行：表中以{}代替，不符合{}格式。",
                        t.display_name(),
                        row.full_label(),
                        used.join("、"),
                        ctx.format.as_str()
                    )
                }
                _ => format!(
                    "{}缺少“{}”行（{}格式规定的行）。",
                    t.display_name(),
                    row.full_label(),
                    ctx.format.as_str()
                ),
            };
            out.push(diag(Rule::RowMissing, message).in_table(t).at_row(row.key));
        }
    }
}

fn unknown_rows(ctx: &Ctx<'_>, out: &mut Vec<super::Diagnostic>) {
    let mut seen: BTreeSet<(TableId, String)> = BTreeSet::new();
    let push = |seen: &mut BTreeSet<(TableId, String)>,
                t: TableId,
                label: &str,
                out: &mut Vec<super::Diagnostic>| {
        if seen.insert((t, label_key(label))) {
            out.push(
                diag(
                    Rule::RowUnknown,
                    format!(
                        "{}中有格式未规定的行“{}”（地方变体），请核实是否应并入规定的行。",
                        t.display_name(),
                        label.trim()
                    ),
                )
                .in_table(t),
            );
        }
    };
    for t in TableId::ALL {
        let Some(table) = ctx.report.table(t) else {
            continue;
        };
        for e in &table.extra_rows {
            push(&mut seen, t, &e.label, out);
        }
        // Rows of the other format (other than a substituted （六）其他处理).
        let substitute: Vec<&str> = match (t, ctx.t3_other_rows()) {
            (TableId::T3, OtherRows::Substituted { used, .. }) => used,
            _ => Vec::new(),
        };
        for key in table.rows.keys() {
            if ctx.spec.row(t, key).is_some() || substitute.contains(&key.as_str()) {
                continue;
            }
            let label = row_label(t, key);
            if seen.insert((t, label_key(&label))) {
                let what = if any_row(t, key).is_some() {
                    "另一格式的行"
                } else {
                    "格式未规定的行"
                };
                out.push(
                    diag(
                        Rule::RowUnknown,
                        format!(
                            "{}中有{}“{}”，{}格式没有此行。",
                            t.display_name(),
                            what,
                            label,
                            ctx.format.as_str()
                        ),
                    )
                    .in_table(t)
                    .at_row(key),
                );
            }
        }
    }
    for n in &ctx.report.notes {
        if let ParseNote::UnknownRow { table, label } = n {
            push(&mut seen, *table, label, out);
        }
    }
}

fn notes(ctx: &Ctx<'_>, out: &mut Vec<super::Diagnostic>) {
    let mut seen = BTreeSet::new();
    for n in &ctx.report.notes {
        let d = match n {
            ParseNote::LabelVariant {
                table,
                found,
                official,
            } => diag(
                Rule::LabelVariant,
                format!(
                    "{}中的标签“{}”与规范标签“{}”不一致，已按规范标签识别。",
                    table.display_name(),
                    found.trim(),
                    official
                ),
            )
            .in_table(*table),
            // More cells than columns is the usual trace of merged label
            // cells in pasted tables (empty cells dropped); fewer means the
            // values were placed by guess, worth a look.
            ParseNote::CellsRealigned {
                table,
                row,
                found,
                expected,
            } if found < expected => {
                let label = if any_row(*table, row).is_some() {
                    row_label(*table, row)
                } else {
                    row.clone()
                };
                let mut d = diag(
                    Rule::LabelVariant,
                    format!(
                        "{}“{label}”行有 {found} 个单元格，少于格式规定的 {expected} 个，已按位置推定各数字所在的列，请核对该行数字。",
                        table.display_name()
                    ),
                )
                .in_table(*table);
                if any_row(*table, row).is_some() {
                    d = d.at_row(row);
                }
                d
            }
            ParseNote::SectionNumbering {
                title,
                written,
                expected,
            } => diag(
                Rule::LabelVariant,
                format!(
                    "标题“{}”编号写作“{}”，按标题内容应为“{}”。",
                    title.trim(),
                    cn_digit(*written),
                    cn_digit(*expected)
                ),
            )
            .in_section(*expected),
            ParseNote::CellsRealigned { .. }
            | ParseNote::UnknownRow { .. }
            | ParseNote::SectionOrder { .. } => continue,
        };
        if seen.insert(d.message.clone()) {
            out.push(d);
        }
    }
}

/// Rows of a present table the checker reads, with the table.
fn present_rows(ctx: &Ctx<'_>, t: TableId) -> Vec<&'static str> {
    match t {
        TableId::T3 => ctx.t3_rows().iter().map(|r| r.key).collect(),
        _ => ctx.spec.rows(t).iter().map(|(r, _)| r.key).collect(),
    }
}

fn blank_cells(ctx: &Ctx<'_>, out: &mut Vec<super::Diagnostic>) {
    for t in TableId::ALL {
        let Some(table) = ctx.report.table(t) else {
            continue;
        };
        // (row key, blank column labels)
        let mut blanks: Vec<(&str, Vec<String>, Vec<&str>)> = Vec::new();
        for key in present_rows(ctx, t) {
            let Some(cells) = table.rows.get(key) else {
                continue;
            };
            let Some(columns) = row_columns(ctx.spec, t, key) else {
                continue;
            };
            let cols: Vec<&ColumnRef> = columns
                .iter()
                .filter(|c| matches!(cells.get(c.key), None | Some(Cell::Blank)))
                .collect();
            if !cols.is_empty() {
                blanks.push((
                    key,
                    cols.iter().map(|c| c.label.to_string()).collect(),
                    cols.iter().map(|c| c.key).collect(),
                ));
            }
        }
        if blanks.is_empty() {
            continue;
        }
        if blanks.len() <= BLANK_ROWS_PER_TABLE {
            for (key, labels, keys) in blanks {
                let mut d = diag(
                    Rule::CellBlank,
                    format!(
                        "{}“{}”行的{}空白或以占位符填写，应填写数字（没有发生的填 0）。",
                        t.display_name(),
                        row_label(t, key),
                        quote_list(&labels, "列")
                    ),
                )
                .in_table(t)
                .at_row(key);
                if let [only] = keys.as_slice() {
                    d = d.at_column(only);
                }
                out.push(d);
            }
        } else {
            let cells: usize = blanks.iter().map(|(_, l, _)| l.len()).sum();
            let mut listed: Vec<String> = blanks
                .iter()
                .take(BLANK_ROWS_LISTED)
                .map(|(key, labels, _)| format!("“{}”（{}）", row_label(t, key), labels.join("、")))
                .collect();
            if blanks.len() > BLANK_ROWS_LISTED {
                listed.push(format!("等 {} 行", blanks.len()));
            }
            out.push(
                diag(
                    Rule::CellBlank,
                    format!(
                        "{}有 {} 行共 {cells} 个单元格空白或以占位符填写，应填写数字（没有发生的填 0）：{}。",
                        t.display_name(),
                        blanks.len(),
                        listed.join("；")
                    ),
                )
                .in_table(t),
            );
        }
    }
}

type ColumnRef = crate::spec::ColumnSpec;

fn quote_list(labels: &[String], unit: &str) -> String {
    let quoted: Vec<String> = labels.iter().map(|l| format!("“{l}”")).collect();
    format!("{}{unit}", quoted.join("、"))
}

fn invalid_cells(ctx: &Ctx<'_>, out: &mut Vec<super::Diagnostic>) {
    for t in TableId::ALL {
        let Some(table) = ctx.report.table(t) else {
            continue;
        };
        invalid_in_table(ctx, t, table, out);
    }
}

fn invalid_in_table(ctx: &Ctx<'_>, t: TableId, table: &Table, out: &mut Vec<super::Diagnostic>) {
    for (row, cells) in &table.rows {
        let columns = row_columns(ctx.spec, t, row);
        for (col, cell) in cells {
            let kind = columns
                .and_then(|cs| cs.iter().find(|c| c.key == col.as_str()))
                .map_or(ValueKind::Count, |c| c.kind);
            let problem = match (cell, kind) {
                (Cell::Invalid(text), ValueKind::Amount) => {
                    format!("内容“{}”不是有效的金额", text.trim())
                }
                (Cell::Invalid(text), _) => format!("内容“{}”不是有效的整数", text.trim()),
                (Cell::Count(n), ValueKind::Count) if *n < 0 => {
                    format!("为负数（{n}），件数不能为负")
                }
                (Cell::Amount(d), ValueKind::Amount) if d.is_sign_negative() && !d.is_zero() => {
                    format!("为负数（{}），金额不能为负", num(*d))
                }
                (Cell::Amount(d), ValueKind::Count | ValueKind::SignedCount)
                    if !d.fract().is_zero()
                        || (kind == ValueKind::Count && d.is_sign_negative() && !d.is_zero()) =>
                {
                    format!("内容“{}”不是有效的整数", num(*d))
                }
                _ => continue,
            };
            out.push(
                diag(
                    Rule::CellInvalid,
                    format!(
                        "{}“{}”行“{}”列{problem}。",
                        t.display_name(),
                        row_label(t, row),
                        column_label(ctx.spec, t, row, col)
                    ),
                )
                .in_table(t)
                .at_row(row)
                .at_column(col),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;
    use crate::model::ExtraRow;

    #[test]
    fn balanced_report_is_clean() {
        let ds = run(&balanced());
        assert!(ds.is_empty(), "{ds:#?}");
    }

    #[test]
    fn section_missing() {
        let mut r = balanced();
        assert!(of(&run(&r), Rule::SectionMissing).is_empty());
        r.sections.retain(|s| s.number != 5);
        let ds = run(&r);
        let found = of(&ds, Rule::SectionMissing);
        assert_eq!(found.len(), 1, "{ds:#?}");
        assert_eq!(found[0].section, Some(5));
        assert!(found[0].message.contains("五、存在的主要问题及改进情况"));
        // Section 五 being absent is not also "empty".
        assert!(of(&ds, Rule::Section5Empty).is_empty());
    }

    #[test]
    fn section_order_reported_once() {
        let mut r = balanced();
        assert!(of(&run(&r), Rule::SectionOrder).is_empty());
        r.sections.swap(1, 2);
        r.notes.push(ParseNote::SectionOrder {
            found: vec![1, 3, 2, 4, 5, 6],
        });
        let ds = run(&r);
        let found = of(&ds, Rule::SectionOrder);
        assert_eq!(found.len(), 1, "{ds:#?}");
        assert!(found[0].message.contains("一、三、二、四、五、六"));
        // A note alone is enough.
        let mut r = balanced();
        r.notes.push(ParseNote::SectionOrder {
            found: vec![2, 1, 3, 4, 5, 6],
        });
        assert_eq!(of(&run(&r), Rule::SectionOrder).len(), 1);
    }

    #[test]
    fn table_missing_without_row_flood() {
        let mut r = balanced();
        assert!(of(&run(&r), Rule::TableMissing).is_empty());
        r.t3 = None;
        let ds = run(&r);
        assert_eq!(ids(&ds), vec!["TABLE_MISSING"], "{ds:#?}");
        assert_eq!(ds[0].table, Some(TableId::T3));
        assert_eq!(ds[0].section, Some(3));
    }

    #[test]
    fn format_mismatch_checks_detected_layout() {
        let mut r = balanced();
        assert!(of(&run(&r), Rule::FormatMismatch).is_empty());
        r.format = Some(FormatVersion::V2019);
        r.t3 = Some(t3_for(
            FormatVersion::V2019,
            [[12, 3, 5, 2, 3, 5], [2, 0, 2, 0, 0, 0]],
        ));
        let ds = run(&r);
        assert_eq!(of(&ds, Rule::FormatMismatch).len(), 1, "{ds:#?}");
        assert!(
            of(&ds, Rule::FormatMismatch)[0]
                .message
                .contains("2021年度")
        );
        // Table 三 is complete in the 2019 layout: no ROW_MISSING for it.
        assert!(
            ds.iter()
                .all(|d| !(d.rule == Rule::RowMissing && d.table == Some(TableId::T3))),
            "{ds:#?}"
        );
        // Unknown year: nothing to compare.
        r.year = None;
        assert!(of(&run(&r), Rule::FormatMismatch).is_empty());
    }

    #[test]
    fn row_missing() {
        let mut r = balanced();
        if let Some(t) = r.t3.as_mut() {
            t.rows.remove("denied.state_secret");
        }
        let ds = run(&r);
        assert_eq!(ids(&ds), vec!["ROW_MISSING"], "{ds:#?}");
        assert_eq!(ds[0].row.as_deref(), Some("denied.state_secret"));
        assert!(ds[0].message.contains("（三）不予公开 1.属于国家秘密"));
    }

    #[test]
    fn single_2019_other_row_in_a_2021_report() {
        let mut r = balanced();
        let t = r.t3.as_mut().expect("t3");
        for k in ["other.no_correction", "other.fee_unpaid", "other.other"] {
            t.rows.remove(k);
        }
        // One request moved from granted to the single other row.
        for c in T3_ALL {
            t.set("other.total_2019", c, Cell::Count(0));
        }
        for c in ["natural_person", "total"] {
            let g = t.cell("granted", c).and_then(Cell::count).expect("n");
            t.set("granted", c, Cell::Count(g - 1));
            t.set("other.total_2019", c, Cell::Count(1));
        }
        let ds = run(&r);
        let missing = of(&ds, Rule::RowMissing);
        assert_eq!(missing.len(), 3, "{ds:#?}");
        assert!(missing[0].message.contains("（六）其他处理"));
        assert_eq!(missing[1].row.as_deref(), Some("other.fee_unpaid"));
        assert_eq!(ds.len(), 3, "only the missing rows: {ds:#?}");
    }

    const T3_ALL: [&str; 7] = [
        "natural_person",
        "commercial",
        "research",
        "social_welfare",
        "legal_service",
        "other_org",
        "total",
    ];

    #[test]
    fn row_unknown_without_duplicates() {
        let mut r = balanced();
        assert!(of(&run(&r), Rule::RowUnknown).is_empty());
        r.t2.as_mut().expect("t2").extra_rows.push(ExtraRow {
            label: "其他主动公开文件".into(),
            values: vec![Cell::Count(3)],
        });
        r.notes.push(ParseNote::UnknownRow {
            table: TableId::T2,
            label: " 其他主动公开文件".into(),
        });
        let ds = run(&r);
        assert_eq!(ids(&ds), vec!["ROW_UNKNOWN"], "{ds:#?}");
        assert!(ds[0].message.contains("其他主动公开文件"));
    }

    #[test]
    fn label_variants_and_realignment() {
        let r = balanced();
        assert!(of(&run(&r), Rule::LabelVariant).is_empty());
        let mut r = balanced();
        let variant = ParseNote::LabelVariant {
            table: TableId::T3,
            found: "2.其他法律行政止公开".into(),
            official: "2.其他法律行政法规禁止公开".into(),
        };
        r.notes.push(variant.clone());
        r.notes.push(variant);
        r.notes.push(ParseNote::CellsRealigned {
            table: TableId::T3,
            row: "handled_total".into(),
            found: 5,
            expected: 7,
        });
        // Extra (empty) cells of merged labels are not worth a look.
        r.notes.push(ParseNote::CellsRealigned {
            table: TableId::T3,
            row: "carried_forward".into(),
            found: 10,
            expected: 7,
        });
        let ds = run(&r);
        let found = of(&ds, Rule::LabelVariant);
        assert_eq!(found.len(), 2, "{ds:#?}");
        assert!(
            found
                .iter()
                .all(|d| d.severity == crate::check::Severity::Info)
        );
        assert!(ds.iter().any(|d| d.message.contains("2.其他法律行政止公开")
            && d.message.contains("2.其他法律行政法规禁止公开")));
        assert!(
            ds.iter()
                .any(|d| d.message.contains("（七）总计") && d.message.contains("有 5 个"))
        );
    }

    #[test]
    fn cell_blank_one_per_row_then_one_per_table() {
        let mut r = balanced();
        set(
            &mut r,
            TableId::T3,
            "denied.state_secret",
            "research",
            Cell::Blank,
        );
        set(
            &mut r,
            TableId::T3,
            "denied.state_secret",
            "legal_service",
            Cell::Blank,
        );
        let ds = run(&r);
        assert_eq!(ids(&ds), vec!["CELL_BLANK"], "{ds:#?}");
        assert_eq!(ds[0].row.as_deref(), Some("denied.state_secret"));
        assert!(ds[0].message.contains("“科研机构”、“法律服务机构”列"));
        // Many rows with blanks: one summary for the table.
        let mut r = balanced();
        for row in FORMAT_ROWS {
            set(&mut r, TableId::T3, row, "research", Cell::Blank);
        }
        let ds = run(&r);
        assert_eq!(ids(&ds), vec!["CELL_BLANK"], "{ds:#?}");
        assert_eq!(ds[0].row, None);
        assert!(ds[0].message.contains("7 行共 7 个单元格"));
        assert!(ds[0].message.contains("等 7 行"), "{}", ds[0].message);
        assert!(!ds[0].message.contains("四、结转下年度继续办理"));
    }

    const FORMAT_ROWS: [&str; 7] = [
        "new_received",
        "carried_over",
        "granted",
        "partially_granted",
        "denied.state_secret",
        "handled_total",
        "carried_forward",
    ];

    #[test]
    fn cell_invalid() {
        let mut r = balanced();
        set(
            &mut r,
            TableId::T3,
            "granted",
            "research",
            Cell::Invalid("见附件".into()),
        );
        let ds = run(&r);
        assert_eq!(ids(&ds), vec!["CELL_INVALID"], "{ds:#?}");
        assert!(
            ds[0]
                .message
                .contains("三、本年度办理结果 （一）予以公开”行“科研机构”列"),
            "{}",
            ds[0].message
        );
        assert!(ds[0].message.contains("见附件"));
        // A negative count is invalid; its equations are skipped.
        let mut r = balanced();
        set(
            &mut r,
            TableId::T4,
            "reconsideration",
            "other",
            Cell::Count(-1),
        );
        let ds = run(&r);
        assert_eq!(ids(&ds), vec!["CELL_INVALID"], "{ds:#?}");
        // 本年增/减 may be negative.
        let mut t2 = Table::default();
        t2.set("licensing", "change", Cell::Count(-3));
        let r = crate::model::Report {
            format: Some(FormatVersion::V2019),
            t2: Some(t2),
            ..Default::default()
        };
        assert!(of(&run(&r), Rule::CellInvalid).is_empty());
    }
}
