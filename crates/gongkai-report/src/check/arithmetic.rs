//! Reconciliation of tables 三 and 四 (T3_BALANCE, T3_HANDLED_TOTAL,
//! T3_APPLICANT_TOTAL, T4_TOTAL).
//!
//! A blank cell is "not assessable": it may stand for any non-negative
//! number. An equation is reported only when no choice of non-negative
//! values for its blanks makes it hold. An equation with an invalid cell is
//! skipped (CELL_INVALID reports the cell).

use super::helpers::{Ctx, Value, diag, num};
use super::{Diagnostic, Rule};
use crate::spec::{T3_APPLICANT_COLUMNS, T3_COLUMNS, T4_COLUMNS, T4_ROWS, TableId};
use rust_decimal::Decimal;

/// One term of an equation: its label in messages and its value.
pub(crate) struct Term {
    pub label: String,
    pub value: Value,
}

/// The outcome of weighing `lhs = rhs`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Holds, or holds for some non-negative values of the blanks, or has an
    /// invalid term.
    Fine,
    /// Fails with every blank at zero or above; the known sums.
    Fails { lhs: Decimal, rhs: Decimal, blanks: bool },
}

pub(crate) fn weigh(lhs: &[Term], rhs: &[Term]) -> Verdict {
    let side = |terms: &[Term]| -> Option<(Decimal, bool)> {
        let mut sum = Decimal::ZERO;
        let mut blank = false;
        for t in terms {
            match t.value {
                Value::Known(d) => sum += d,
                Value::Unknown => blank = true,
                Value::Invalid => return None,
            }
        }
        Some((sum, blank))
    };
    let (Some((l, lb)), Some((r, rb))) = (side(lhs), side(rhs)) else {
        return Verdict::Fine;
    };
    let holds = match (lb, rb) {
        (true, true) => true,
        // lhs can only grow: it must not already exceed rhs.
        (true, false) => l <= r,
        (false, true) => r <= l,
        (false, false) => l == r,
    };
    if holds {
        Verdict::Fine
    } else {
        Verdict::Fails {
            lhs: l,
            rhs: r,
            blanks: lb || rb,
        }
    }
}

/// "A（12）+ B（3）= 15" (blanks shown as 空白; only terms worth naming).
fn describe(terms: &[Term], sum: Decimal, skip_zero: bool) -> String {
    let mut shown: Vec<String> = terms
        .iter()
        .filter(|t| !(skip_zero && t.value == Value::Known(Decimal::ZERO)))
        .map(|t| match t.value {
            Value::Known(d) => format!("{}（{}）", t.label, num(d)),
            _ => format!("{}（空白）", t.label),
        })
        .collect();
    if shown.is_empty() {
        shown.push("各项均为 0".to_string());
    }
    if terms.len() == 1 {
        shown.join(" + ")
    } else {
        let blank = terms.iter().any(|t| t.value == Value::Unknown);
        let op = if blank { "≥" } else { "=" };
        format!("{} {op} {}", shown.join(" + "), num(sum))
    }
}

fn relation(lhs: &[Term], rhs: &[Term], skip_zero: bool) -> Option<String> {
    let Verdict::Fails {
        lhs: l,
        rhs: r,
        blanks,
    } = weigh(lhs, rhs)
    else {
        return None;
    };
    let tail = if blanks {
        "空白单元格无论填何非负数均不能成立".to_string()
    } else {
        format!("相差 {}", num((l - r).abs()))
    };
    Some(format!(
        "{}，应等于{}，{tail}。",
        describe(lhs, l, skip_zero),
        describe(rhs, r, skip_zero)
    ))
}

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    if ctx.report.t3.is_some() {
        t3(ctx, out);
    }
    if ctx.report.t4.is_some() {
        t4(ctx, out);
    }
}

fn t3(ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    let t = TableId::T3;
    let name = t.display_name();
    let rows = ctx.t3_rows();
    let term = |row: &crate::spec::RowSpec, col: &str, full: bool| Term {
        label: if full {
            row.full_label()
        } else {
            row.label.to_string()
        },
        value: ctx.value(t, row.key, col),
    };
    let find = |key: &str| rows.iter().copied().find(|r| r.key == key);
    let outcome: Vec<_> = rows
        .iter()
        .copied()
        .filter(|r| {
            !matches!(
                r.key,
                "new_received" | "carried_over" | "handled_total" | "carried_forward"
            )
        })
        .collect();
    let (Some(new), Some(over), Some(handled), Some(forward)) = (
        find("new_received"),
        find("carried_over"),
        find("handled_total"),
        find("carried_forward"),
    ) else {
        return;
    };
    for col in &T3_COLUMNS {
        let lhs = [term(new, col.key, false), term(over, col.key, false)];
        let rhs = [term(handled, col.key, false), term(forward, col.key, false)];
        if let Some(rel) = relation(&lhs, &rhs, false) {
            out.push(
                diag(Rule::T3Balance, format!("{name}“{}”列：{rel}", col.label))
                    .in_table(t)
                    .at_row("handled_total")
                    .at_column(col.key),
            );
        }
        let parts: Vec<Term> = outcome.iter().map(|r| term(r, col.key, true)).collect();
        let total = [term(handled, col.key, false)];
        if let Some(rel) = relation(&parts, &total, true) {
            out.push(
                diag(
                    Rule::T3HandledTotal,
                    format!("{name}“{}”列：各项办理结果 {rel}", col.label),
                )
                .in_table(t)
                .at_row("handled_total")
                .at_column(col.key),
            );
        }
    }
    for row in &rows {
        if ctx.report.t3.as_ref().is_some_and(|tb| !tb.has_row(row.key)) {
            continue;
        }
        let parts: Vec<Term> = T3_APPLICANT_COLUMNS
            .iter()
            .map(|c| Term {
                label: T3_COLUMNS
                    .iter()
                    .find(|s| s.key == *c)
                    .map_or_else(|| (*c).to_string(), |s| s.label.to_string()),
                value: ctx.value(t, row.key, c),
            })
            .collect();
        let total = [Term {
            label: "总计".to_string(),
            value: ctx.value(t, row.key, "total"),
        }];
        if let Some(rel) = relation(&parts, &total, false) {
            out.push(
                diag(
                    Rule::T3ApplicantTotal,
                    format!("{name}“{}”行：{rel}", row.full_label()),
                )
                .in_table(t)
                .at_row(row.key)
                .at_column("total"),
            );
        }
    }
}

fn t4(ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    let t = TableId::T4;
    let Some(table) = ctx.report.t4.as_ref() else {
        return;
    };
    for row in &T4_ROWS {
        if !table.has_row(row.key) {
            continue;
        }
        let parts: Vec<Term> = T4_COLUMNS
            .iter()
            .filter(|c| c.key != "total")
            .map(|c| Term {
                label: c.label.to_string(),
                value: ctx.value(t, row.key, c.key),
            })
            .collect();
        let total = [Term {
            label: "总计".to_string(),
            value: ctx.value(t, row.key, "total"),
        }];
        if let Some(rel) = relation(&parts, &total, false) {
            out.push(
                diag(
                    Rule::T4Total,
                    format!("{}“{}”：{rel}", t.display_name(), row.full_label()),
                )
                .in_table(t)
                .at_row(row.key)
                .at_column("total"),
            );
        }
    }
}
