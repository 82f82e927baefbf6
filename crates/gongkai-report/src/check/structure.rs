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
            ParseNote::CellsRealigned {
                table,
                row,
                found,
                expected,
            } => {
                let label = if any_row(*table, row).is_some() {
                    row_label(*table, row)
                } else {
                    row.clone()
                };
                let mut d = diag(
                    Rule::LabelVariant,
                    format!(
                        "{}“{label}”行有 {found} 个单元格，格式规定 {expected} 个，已按列重新对齐，请核对该行数字。",
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
            ParseNote::UnknownRow { .. } | ParseNote::SectionOrder { .. } => continue,
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
            let listed: Vec<String> = blanks
                .iter()
                .map(|(key, labels, _)| format!("“{}”（{}）", row_label(t, key), labels.join("、")))
                .collect();
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
                    if !d.fract().is_zero() || (kind == ValueKind::Count && d.is_sign_negative() && !d.is_zero()) =>
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
