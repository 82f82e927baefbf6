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
    for (row, label) in [
        ("regulations", "规章"),
        ("normative_documents", "行政规范性文件"),
    ] {
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
        let sim = match (text_of(ctx.report, n), text_of(prev, n)) {
            (Some(a), Some(b)) => shingle_similarity(&a, &b),
            _ => None,
        };
        if let Some(sim) = sim.filter(|s| *s >= DUPLICATE_THRESHOLD) {
            hits.push((Some(n), sim));
        }
    }
    let whole = |r: &Report| {
        r.sections
            .iter()
            .map(|s| s.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    };
    if let Some(sim) =
        shingle_similarity(&whole(ctx.report), &whole(prev)).filter(|s| *s >= DUPLICATE_THRESHOLD)
    {
        hits.push((None, sim));
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

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;
    use crate::model::Cell;

    /// Last year's report: carries 3 + 0 forward, 5 normative documents in force.
    fn previous() -> Report {
        let mut p = balanced();
        p.year = Some(2020);
        p.published_on = chrono::NaiveDate::from_ymd_opt(2021, 1, 25);
        p.t3 = Some(t3_2021([[10, 0, 4, 0, 3, 3], [1, 0, 1, 0, 0, 0]]));
        let t2 = p.t2.as_mut().expect("t2");
        t2.set("normative_documents", "issued", Cell::Count(5));
        t2.set("normative_documents", "in_force", Cell::Count(5));
        for s in &mut p.sections {
            s.text = match s.number {
                1 => "（一）主动公开\n本机关坚持以公开为常态、不公开为例外，围绕中心工作及时发布政策文件和工作动态，全年主动公开信息 40 条。\n（二）依申请公开\n严格依法办理政府信息公开申请，规范答复文书，均在法定期限内答复。".into(),
                5 => "主要问题是信息发布的时效性和解读的针对性仍有不足，公开专栏的栏目设置不够规范。改进措施是健全发布审核机制，优化栏目设置，丰富解读形式。".into(),
                _ => s.text.clone(),
            };
        }
        p
    }

    #[test]
    fn carry_over_mismatch() {
        let r = balanced();
        let ds = run_with(&r, &previous());
        assert!(ds.is_empty(), "{ds:#?}");
        let mut prev = previous();
        let t = prev.t3.as_mut().expect("t3");
        t.set("carried_forward", "natural_person", Cell::Count(4));
        t.set("carried_forward", "total", Cell::Count(4));
        let ds = run_with(&r, &prev);
        let found = of(&ds, Rule::CarryOverMismatch);
        assert_eq!(found.len(), 2, "{ds:#?}");
        assert_eq!(found[0].column.as_deref(), Some("natural_person"));
        assert!(found[0].message.contains("为 3") && found[0].message.contains("为 4"));
        assert!(found[0].message.contains("2020年度"));
        // Blanks are skipped.
        prev.t3
            .as_mut()
            .expect("t3")
            .set("carried_forward", "natural_person", Cell::Blank);
        assert_eq!(of(&run_with(&r, &prev), Rule::CarryOverMismatch).len(), 1);
    }

    #[test]
    fn stock_drift() {
        // Hongze: 5 in force, 3 issued, 0 repealed, 8 in force.
        let r = balanced();
        assert!(of(&run_with(&r, &previous()), Rule::StockDrift).is_empty());
        let mut r = balanced();
        set(
            &mut r,
            TableId::T2,
            "normative_documents",
            "in_force",
            Cell::Count(9),
        );
        let ds = run_with(&r, &previous());
        assert_eq!(ids(&ds), vec!["STOCK_DRIFT"], "{ds:#?}");
        assert!(ds[0].message.contains("5 + 本年“本年制发件数”3"));
        assert!(ds[0].message.contains("= 8，而本年“现行有效件数”为 9"));
        // Not with a 2019-format previous report.
        let mut prev = previous();
        prev.format = Some(FormatVersion::V2019);
        assert!(of(&run_with(&r, &prev), Rule::StockDrift).is_empty());
    }

    #[test]
    fn text_duplicate() {
        let r = balanced();
        assert!(of(&run_with(&r, &previous()), Rule::TextDuplicate).is_empty());
        // Last year's text with only the figures changed.
        let mut prev = balanced();
        prev.year = Some(2020);
        for s in &mut prev.sections {
            s.text = s
                .text
                .replace("2021", "2020")
                .replace("30", "28")
                .replace("14", "9");
        }
        let ds = run_with(&r, &prev);
        let found = of(&ds, Rule::TextDuplicate);
        assert_eq!(found.len(), 1, "{ds:#?}");
        assert!(
            found[0].message.contains("第一节相似度 100%"),
            "{}",
            found[0].message
        );
        assert!(found[0].message.contains("全文相似度"));
    }

    #[test]
    fn shingles_ignore_numbers() {
        let a = "本年度共主动公开政府信息一批，全部在门户网站发布，及时更新政府信息公开指南和目录，确保信息准确。";
        let b = a.replace("一批", "两批");
        let sim = shingle_similarity(a, &b).expect("long enough");
        assert!(sim > 0.8 && sim < 1.0, "{sim}");
        assert_eq!(shingle_similarity("短文本", "短文本"), None);
    }

    #[test]
    fn late_publication() {
        let r = balanced();
        assert!(of(&run(&r), Rule::LatePublication).is_empty());
        let mut r = balanced();
        r.published_on = chrono::NaiveDate::from_ymd_opt(2022, 2, 10);
        let ds = run(&r);
        assert_eq!(ids(&ds), vec!["LATE_PUBLICATION"]);
        assert!(ds[0].message.contains("2022年2月10日") && ds[0].message.contains("2022年1月31日"));
        // A configured later deadline (本级人民政府: 31 March).
        let opts = crate::check::CheckOptions {
            previous: None,
            deadline: chrono::NaiveDate::from_ymd_opt(2022, 3, 31),
        };
        assert!(crate::check::check(&r, &opts).is_empty());
        // Unknown date or year: silent.
        r.year = None;
        assert!(of(&run(&r), Rule::LatePublication).is_empty());
    }
}
