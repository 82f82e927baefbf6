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
    Fails {
        lhs: Decimal,
        rhs: Decimal,
        blanks: bool,
    },
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
        shown.join("+ ")
    } else {
        let blank = terms.iter().any(|t| t.value == Value::Unknown);
        let op = if blank { "≥" } else { "=" };
        format!("{}{op} {}", shown.join("+ "), num(sum))
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
        if ctx
            .report
            .t3
            .as_ref()
            .is_some_and(|tb| !tb.has_row(row.key))
        {
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

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;
    use crate::model::{Cell, Report};
    use proptest::prelude::*;

    fn bump(r: &mut Report, t: TableId, row: &str, col: &str, k: i64) {
        let n = r
            .table(t)
            .and_then(|tb| tb.cell(row, col))
            .and_then(Cell::count)
            .unwrap_or(0);
        set(r, t, row, col, Cell::Count(n + k));
    }

    /// (rule id, row, column) of the arithmetic diagnostics.
    fn arith(ds: &[Diagnostic]) -> Vec<(&'static str, String, String)> {
        let mut v: Vec<_> = ds
            .iter()
            .filter(|d| {
                matches!(
                    d.rule,
                    Rule::T3Balance | Rule::T3HandledTotal | Rule::T3ApplicantTotal | Rule::T4Total
                )
            })
            .map(|d| {
                (
                    d.rule.id(),
                    d.row.clone().unwrap_or_default(),
                    d.column.clone().unwrap_or_default(),
                )
            })
            .collect();
        v.sort();
        v
    }

    fn k(id: &'static str, row: &str, col: &str) -> (&'static str, String, String) {
        (id, row.to_string(), col.to_string())
    }

    #[test]
    fn weigh_treats_blanks_as_any_non_negative_number() {
        let t = |v: Value| Term {
            label: String::new(),
            value: v,
        };
        let n = |x: i64| Value::Known(Decimal::from(x));
        assert_eq!(weigh(&[t(n(2)), t(n(3))], &[t(n(5))]), Verdict::Fine);
        assert!(matches!(
            weigh(&[t(n(2)), t(n(3))], &[t(n(6))]),
            Verdict::Fails { .. }
        ));
        // A blank part can make up the difference, not undo an excess.
        assert_eq!(
            weigh(&[t(n(2)), t(Value::Unknown)], &[t(n(6))]),
            Verdict::Fine
        );
        assert!(matches!(
            weigh(&[t(n(7)), t(Value::Unknown)], &[t(n(6))]),
            Verdict::Fails { blanks: true, .. }
        ));
        // A blank total can be anything at or above the parts.
        assert_eq!(weigh(&[t(n(7))], &[t(Value::Unknown)]), Verdict::Fine);
        assert_eq!(
            weigh(&[t(Value::Unknown)], &[t(Value::Unknown), t(n(4))]),
            Verdict::Fine
        );
        // An invalid term skips the relation.
        assert_eq!(
            weigh(&[t(n(1)), t(Value::Invalid)], &[t(n(9))]),
            Verdict::Fine
        );
    }

    #[test]
    fn t3_balance() {
        let r = balanced();
        assert!(arith(&run(&r)).is_empty());
        // carried_forward of natural persons 5 → 4 (and its total 5 → 4).
        let mut r = balanced();
        bump(&mut r, TableId::T3, "carried_forward", "natural_person", -1);
        bump(&mut r, TableId::T3, "carried_forward", "total", -1);
        let ds = run(&r);
        assert_eq!(
            arith(&ds),
            vec![
                k("T3_BALANCE", "handled_total", "natural_person"),
                k("T3_BALANCE", "handled_total", "total"),
            ],
            "{ds:#?}"
        );
        let d = of(&ds, Rule::T3Balance)[0];
        assert_eq!(
            d.message,
            "表三（收到和处理政府信息公开申请情况）“自然人”列：一、本年新收政府信息公开申请数量（12）+ 二、上年结转政府信息公开申请数量（3）= 15，应等于（七）总计（10）+ 四、结转下年度继续办理（4）= 14，相差 1。"
        );
        assert_eq!(d.severity, crate::check::Severity::Error);
    }

    #[test]
    fn t3_handled_total() {
        let mut r = balanced();
        // One more granted request, counted in its row total too.
        bump(&mut r, TableId::T3, "granted", "natural_person", 1);
        bump(&mut r, TableId::T3, "granted", "total", 1);
        let ds = run(&r);
        assert_eq!(
            arith(&ds),
            vec![
                k("T3_HANDLED_TOTAL", "handled_total", "natural_person"),
                k("T3_HANDLED_TOTAL", "handled_total", "total"),
            ],
            "{ds:#?}"
        );
        let msg = &of(&ds, Rule::T3HandledTotal)[0].message;
        assert!(
            msg.contains("三、本年度办理结果 （一）予以公开（6）"),
            "{msg}"
        );
        assert!(
            msg.contains("= 11，应等于（七）总计（10），相差 1"),
            "{msg}"
        );
    }

    #[test]
    fn t3_applicant_total() {
        let mut r = balanced();
        bump(&mut r, TableId::T3, "granted", "commercial", 1);
        let ds = run(&r);
        assert_eq!(
            arith(&ds),
            vec![
                k("T3_APPLICANT_TOTAL", "granted", "total"),
                k("T3_HANDLED_TOTAL", "handled_total", "commercial"),
            ],
            "{ds:#?}"
        );
        let msg = &of(&ds, Rule::T3ApplicantTotal)[0].message;
        assert!(msg.contains("自然人（5）+ 商业企业（3）"), "{msg}");
        assert!(msg.contains("= 8，应等于总计（7），相差 1"), "{msg}");
    }

    #[test]
    fn t4_total() {
        let mut r = balanced();
        set(
            &mut r,
            TableId::T4,
            "reconsideration",
            "total",
            Cell::Count(0),
        );
        let ds = run(&r);
        assert_eq!(arith(&ds), vec![k("T4_TOTAL", "reconsideration", "total")]);
        let msg = &ds[0].message;
        assert!(msg.contains("结果维持（1）+ 结果纠正（1）"), "{msg}");
        assert!(msg.contains("应等于总计（0），相差 2"), "{msg}");
        // The litigation groups carry their group label.
        let mut r = balanced();
        bump(
            &mut r,
            TableId::T4,
            "litigation_after_reconsideration",
            "pending",
            1,
        );
        let ds = run(&r);
        assert_eq!(
            arith(&ds),
            vec![k("T4_TOTAL", "litigation_after_reconsideration", "total")]
        );
        assert!(ds[0].message.contains("“行政诉讼 复议后起诉”"));
    }

    #[test]
    fn blank_total_column_stays_silent() {
        // Shanghai 2019: the total column is blank in the outcome rows.
        let mut r = balanced();
        let rows: Vec<&str> = crate::spec::t3_outcome_rows(crate::spec::FormatVersion::V2021)
            .map(|r| r.key)
            .collect();
        for row in rows {
            set(&mut r, TableId::T3, row, "total", Cell::Blank);
        }
        let ds = run(&r);
        assert!(arith(&ds).is_empty(), "{ds:#?}");
        assert_eq!(ids(&ds), vec!["CELL_BLANK"]);
    }

    #[test]
    fn known_parts_exceeding_a_total_fire_despite_blanks() {
        let mut r = balanced();
        set(&mut r, TableId::T4, "reconsideration", "other", Cell::Blank);
        assert!(arith(&run(&r)).is_empty());
        set(
            &mut r,
            TableId::T4,
            "reconsideration",
            "total",
            Cell::Count(1),
        );
        let ds = run(&r);
        assert_eq!(arith(&ds), vec![k("T4_TOTAL", "reconsideration", "total")]);
        assert!(ds.iter().any(|d| d.message.contains("其他结果（空白）")
            && d.message.contains("无论填何非负数均不能成立")));
    }

    #[test]
    fn one_wrong_cell_gives_exactly_its_equations() {
        // new_received.total off by one: its row and its column.
        let mut r = balanced();
        set_text(&mut r, 1, "");
        bump(&mut r, TableId::T3, "new_received", "total", 1);
        let ds = run(&r);
        assert_eq!(
            arith(&ds),
            vec![
                k("T3_APPLICANT_TOTAL", "new_received", "total"),
                k("T3_BALANCE", "handled_total", "total"),
            ],
            "{ds:#?}"
        );
        assert_eq!(ds.len(), 2);
        // handled_total of natural persons: its row, the balance and the
        // outcome sum of its column.
        let mut r = balanced();
        bump(&mut r, TableId::T3, "handled_total", "natural_person", 2);
        let ds = run(&r);
        assert_eq!(
            arith(&ds),
            vec![
                k("T3_APPLICANT_TOTAL", "handled_total", "total"),
                k("T3_BALANCE", "handled_total", "natural_person"),
                k("T3_HANDLED_TOTAL", "handled_total", "natural_person"),
            ],
            "{ds:#?}"
        );
        assert_eq!(ds.len(), 3);
    }

    const APPLICANTS: [&str; 6] = [
        "natural_person",
        "commercial",
        "research",
        "social_welfare",
        "legal_service",
        "other_org",
    ];

    /// A balanced 2021 report from random outcome counts.
    fn random_report(
        outcomes: &[Vec<i64>],
        forward: &[i64],
        split: &[u32],
        t4: &[[i64; 4]],
    ) -> Report {
        let mut r = balanced();
        let rows: Vec<&str> = crate::spec::t3_outcome_rows(crate::spec::FormatVersion::V2021)
            .map(|r| r.key)
            .collect();
        let mut t = crate::model::Table::default();
        let mut col_totals = [[0i64; 4]; 7];
        for (c, col) in APPLICANTS.iter().enumerate() {
            let mut handled = 0;
            for (i, row) in rows.iter().enumerate() {
                let v = outcomes[i][c];
                handled += v;
                t.set(row, col, Cell::Count(v));
            }
            let all = handled + forward[c];
            let over = i64::from(split[c]) % (all + 1);
            let new = all - over;
            for (row, v) in [
                ("handled_total", handled),
                ("carried_forward", forward[c]),
                ("carried_over", over),
                ("new_received", new),
            ] {
                t.set(row, col, Cell::Count(v));
            }
            col_totals[c] = [handled, forward[c], over, new];
        }
        let keys: Vec<String> = t.rows.keys().cloned().collect();
        for row in keys {
            let sum: i64 = APPLICANTS
                .iter()
                .filter_map(|c| t.cell(&row, c).and_then(Cell::count))
                .sum();
            t.set(&row, "total", Cell::Count(sum));
        }
        r.t3 = Some(t);
        let mut t4t = crate::model::Table::default();
        for (g, row) in [
            "reconsideration",
            "litigation_direct",
            "litigation_after_reconsideration",
        ]
        .iter()
        .enumerate()
        {
            for (i, c) in ["upheld", "corrected", "other", "pending"]
                .iter()
                .enumerate()
            {
                t4t.set(row, c, Cell::Count(t4[g][i]));
            }
            t4t.set(row, "total", Cell::Count(t4[g].iter().sum()));
        }
        r.t4 = Some(t4t);
        // The narrative figure is not under test here.
        set_text(&mut r, 1, "");
        r
    }

    fn expected_for(row: &str, col: &str) -> Vec<(&'static str, String, String)> {
        let mut v = vec![k("T3_APPLICANT_TOTAL", row, "total")];
        match row {
            "new_received" | "carried_over" | "carried_forward" => {
                v.push(k("T3_BALANCE", "handled_total", col));
            }
            "handled_total" => {
                v.push(k("T3_BALANCE", "handled_total", col));
                v.push(k("T3_HANDLED_TOTAL", "handled_total", col));
            }
            _ => v.push(k("T3_HANDLED_TOTAL", "handled_total", col)),
        }
        v.sort();
        v
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn balanced_tables_have_no_arithmetic_errors_and_one_corruption_is_found(
            outcomes in prop::collection::vec(prop::collection::vec(0i64..30, 6), 21),
            forward in prop::collection::vec(0i64..10, 6),
            split in prop::collection::vec(any::<u32>(), 6),
            t4 in prop::array::uniform3(prop::array::uniform4(0i64..20)),
            row_i in 0usize..25,
            col_i in 0usize..7,
            group in 0usize..3,
            t4_col in 0usize..5,
            bump_by in 1i64..50,
        ) {
            let r = random_report(&outcomes, &forward, &split, &t4);
            let ds = run(&r);
            prop_assert!(arith(&ds).is_empty(), "{:#?}", ds);
            prop_assert!(ds.iter().all(|d| d.severity != crate::check::Severity::Error), "{:#?}", ds);

            let row = crate::spec::FORMAT_2021.t3_rows[row_i].key;
            let col = crate::spec::T3_COLUMNS[col_i].key;
            let mut bad = r.clone();
            bump(&mut bad, TableId::T3, row, col, bump_by);
            prop_assert_eq!(arith(&run(&bad)), expected_for(row, col));

            let g = ["reconsideration", "litigation_direct", "litigation_after_reconsideration"][group];
            let c = ["upheld", "corrected", "other", "pending", "total"][t4_col];
            let mut bad = r.clone();
            bump(&mut bad, TableId::T4, g, c, bump_by);
            prop_assert_eq!(arith(&run(&bad)), vec![k("T4_TOTAL", g, "total")]);
        }
    }
}
