//! Rules that need last year's report (CARRY_OVER_MISMATCH, STOCK_DRIFT,
//! TEXT_DUPLICATE) and the publication deadline (LATE_PUBLICATION).

use super::helpers::{Ctx, Value, cn_digit, diag, num};
use super::{Diagnostic, Rule};
use crate::model::Report;
use crate::spec::{FormatVersion, T3_COLUMNS, TableId};
use std::collections::HashSet;

/// Above this similarity two narratives count as copied (内容雷同).
const DUPLICATE_THRESHOLD: f64 = 0.9;
/// Narratives shorter than this (characters, digits stripped) are not compared.
const DUPLICATE_MIN_CHARS: usize = 40;

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    late(ctx, out);
    let Some(prev) = ctx.options.previous else {
        return;
    };
    carry_over(ctx, prev, out);
    stock(ctx, prev, out);
    duplicate(ctx, prev, out);
}

fn carry_over(ctx: &Ctx<'_>, prev: &Report, out: &mut Vec<Diagnostic>) {
    let t = TableId::T3;
    let (Some(this), Some(last)) = (ctx.report.t3.as_ref(), prev.t3.as_ref()) else {
        return;
    };
    let year = |r: &Report| {
        r.year
            .map_or_else(|| "上一年度".to_string(), |y| format!("{y}年度"))
    };
    for col in &T3_COLUMNS {
        let (Some(now), Some(before)) = (
            Value::of(this.cell("carried_over", col.key)).known(),
            Value::of(last.cell("carried_forward", col.key)).known(),
        ) else {
            continue;
        };
        if now != before {
            out.push(
                diag(
                    Rule::CarryOverMismatch,
                    format!(
                        "{}“{}”列：“二、上年结转政府信息公开申请数量”为 {}，而{}报告的“四、结转下年度继续办理”为 {}，应相等。",
                        t.display_name(),
                        col.label,
                        num(now),
                        year(prev),
                        num(before)
                    ),
                )
                .in_table(t)
                .at_row("carried_over")
                .at_column(col.key),
            );
        }
    }
}

fn stock(ctx: &Ctx<'_>, prev: &Report, out: &mut Vec<Diagnostic>) {
    let t = TableId::T2;
    if ctx.format != FormatVersion::V2021 || prev.effective_format() != FormatVersion::V2021 {
        return;
    }
    let (Some(this), Some(last)) = (ctx.report.t2.as_ref(), prev.t2.as_ref()) else {
        return;
    };
    for (row, label) in [("regulations", "规章"), ("normative_documents", "行政规范性文件")] {
        let get = |tb: &crate::model::Table, c: &str| Value::of(tb.cell(row, c)).known();
        let (Some(before), Some(issued), Some(repealed), Some(now)) = (
            get(last, "in_force"),
            get(this, "issued"),
            get(this, "repealed"),
            get(this, "in_force"),
        ) else {
            continue;
        };
        let expected = before + issued - repealed;
        if now != expected {
            out.push(
                diag(
                    Rule::StockDrift,
                    format!(
                        "{}“{label}”：上一年度“现行有效件数”{} + 本年“本年制发件数”{} − “本年废止件数”{} = {}，而本年“现行有效件数”为 {}，请核实（也可能因失效、清理等原因变化）。",
                        t.display_name(),
                        num(before),
                        num(issued),
                        num(repealed),
                        num(expected),
                        num(now)
                    ),
                )
                .in_table(t)
                .at_row(row)
                .at_column("in_force"),
            );
        }
    }
}

/// The text as compared: Chinese characters and letters only (numbers,
/// years, spacing and punctuation change from year to year).
fn skeleton(s: &str) -> Vec<char> {
    crate::text::normalize(s)
        .chars()
        .filter(|c| c.is_alphabetic())
        .collect()
}

/// Jaccard similarity of the character 4-gram sets.
pub(crate) fn shingle_similarity(a: &str, b: &str) -> Option<f64> {
    let (a, b) = (skeleton(a), skeleton(b));
    if a.len() < DUPLICATE_MIN_CHARS || b.len() < DUPLICATE_MIN_CHARS {
        return None;
    }
    let grams = |v: &[char]| -> HashSet<[char; 4]> {
        v.windows(4).map(|w| [w[0], w[1], w[2], w[3]]).collect()
    };
    let (ga, gb) = (grams(&a), grams(&b));
    let inter = ga.intersection(&gb).count();
    let union = ga.len() + gb.len() - inter;
    if union == 0 {
        return None;
    }
    Some(inter as f64 / union as f64)
}

fn duplicate(ctx: &Ctx<'_>, prev: &Report, out: &mut Vec<Diagnostic>) {
    let text_of = |r: &Report, n: u8| r.section(n).map(|s| s.text.clone());
    let mut hits: Vec<(Option<u8>, f64)> = Vec::new();
    for n in [1u8, 5] {
        if let (Some(a), Some(b)) = (text_of(ctx.report, n), text_of(prev, n)) {
            if let Some(sim) = shingle_similarity(&a, &b) {
                if sim >= DUPLICATE_THRESHOLD {
                    hits.push((Some(n), sim));
                }
            }
        }
    }
    let whole = |r: &Report| {
        r.sections
            .iter()
            .map(|s| s.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    };
    if let Some(sim) = shingle_similarity(&whole(ctx.report), &whole(prev)) {
        if sim >= DUPLICATE_THRESHOLD {
            hits.push((None, sim));
        }
    }
    if hits.is_empty() {
        return;
    }
    let listed: Vec<String> = hits
        .iter()
        .map(|(n, sim)| {
            let pct = (sim * 100.0).floor();
            match n {
                Some(n) => format!("第{}节相似度 {pct}%", cn_digit(*n)),
                None => format!("全文相似度 {pct}%"),
            }
        })
        .collect();
    let mut d = diag(
        Rule::TextDuplicate,
        format!(
            "报告文字与上一年度报告高度雷同（不计数字）：{}。请按本年度实际情况撰写。",
            listed.join("，")
        ),
    );
    let sections: Vec<u8> = hits.iter().filter_map(|(n, _)| *n).collect();
    if let [only] = sections.as_slice() {
        d = d.in_section(*only);
    }
    out.push(d);
}

fn late(ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    let (Some(published), Some(year)) = (ctx.report.published_on, ctx.report.year) else {
        return;
    };
    let deadline = ctx
        .options
        .deadline
        .or_else(|| chrono::NaiveDate::from_ymd_opt(year + 1, 1, 31));
    let Some(deadline) = deadline else {
        return;
    };
    if published > deadline {
        out.push(diag(
            Rule::LatePublication,
            format!(
                "报告发布日期为{}，晚于{year}年度报告的发布期限{}。",
                cn_date(published),
                cn_date(deadline)
            ),
        ));
    }
}

fn cn_date(d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}
