//! Narrative rules: figures in the text against the tables
//! (TEXT_TABLE_MISMATCH), the proactive-disclosure breakdown
//! (PROACTIVE_TOTAL), section 五 (SECTION5_EMPTY) and the 信息处理费
//! statement of section 六 (FEE_STATEMENT_MISSING, FEE_UNPAID_WITHOUT_FEES).
//!
//! The text rules must not cry wolf: a figure is compared only when its
//! sentence plainly speaks of this agency's requests in the report year as a
//! whole. Anything else (another scope, another year, a part, a share, two
//! candidate figures) keeps them silent.

use super::helpers::{Ctx, Value, diag, num, section_name};
use super::{Diagnostic, Rule};
use crate::spec::TableId;
use regex::Regex;
use rust_decimal::Decimal;
use std::sync::LazyLock;

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    text_table(ctx, out);
    proactive(ctx, out);
    section5(ctx, out);
    fees(ctx, out);
}

// ---- text helpers -----------------------------------------------------------

/// Normalised text (full-width folded) split into sentences on 。；;！？ and
/// line breaks.
pub(crate) fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = crate::text::normalize(line);
        for s in line.split(['。', ';', '!', '?', '；', '！', '？']) {
            let s = s.trim();
            if !s.is_empty() {
                out.push(s.to_string());
            }
        }
    }
    out
}

/// A count as written in text: ASCII digits (with thousands separators) or
/// Chinese numerals (十七, 二十一, 一百零五, 两千).
pub(crate) fn parse_count(s: &str) -> Option<u64> {
    let s = s.trim();
    if s.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        let digits: String = s.chars().filter(|c| *c != ',' && *c != ' ').collect();
        return digits.parse().ok();
    }
    if let Some(n) = crate::text::chinese_numeral(s) {
        return Some(u64::from(n));
    }
    let digit = |c: char| match c {
        '零' | '〇' => Some(0),
        '一' => Some(1),
        '二' | '两' => Some(2),
        '三' => Some(3),
        '四' => Some(4),
        '五' => Some(5),
        '六' => Some(6),
        '七' => Some(7),
        '八' => Some(8),
        '九' => Some(9),
        _ => None,
    };
    let mut total: u64 = 0;
    let mut current: Option<u64> = None;
    let mut last_unit = 10_000u64;
    for c in s.chars() {
        if let Some(d) = digit(c) {
            if current.is_some() && d != 0 {
                // Two digits in a row ("一二") is not a numeral.
                return None;
            }
            current = if d == 0 { None } else { Some(d) };
            continue;
        }
        let unit = match c {
            '十' => 10,
            '百' => 100,
            '千' => 1000,
            _ => return None,
        };
        if unit >= last_unit {
            return None;
        }
        last_unit = unit;
        total += current.take().unwrap_or(if unit == 10 { 1 } else { 0 }) * unit;
    }
    total += current.unwrap_or(0);
    if s.is_empty() { None } else { Some(total) }
}

/// The first 60 characters of a sentence, for quoting in messages.
fn quote(s: &str) -> String {
    let mut q: String = s.chars().take(60).collect();
    if s.chars().count() > 60 {
        q.push('…');
    }
    q
}

fn han_count(s: &str) -> usize {
    s.chars()
        .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
        .count()
}

// ---- TEXT_TABLE_MISMATCH ----------------------------------------------------

const NUM: &str = r"(?P<n>\d[\d,]*|[零〇一二两三四五六七八九十百千]+)";
const LINK: &str = r"(?:数量|总数|数)?(?:共计|合计|总计|共|计|为|达|:)?\s*";

static RECEIVED: LazyLock<Regex> = LazyLock::new(|| {
    regex(&format!(
        r"(?:收到|新收|受理|接收|接到)(?P<obj>[^,;:0-9()]{{0,20}}?)申请{LINK}{NUM}\s*(?:件|条|份|个|宗|次)"
    ))
});
static NONE_RECEIVED: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"(?:未|没有|无)(?:收到|接到|受理|新收)(?:过|任何)?(?P<obj>[^,;:0-9()]{0,20}?)申请")
});
static RECONSIDERATION: LazyLock<Regex> = LazyLock::new(|| {
    regex(&format!(
        r"行政复议(?:案件|申请)?{LINK}{NUM}\s*(?:件|起|宗|个|次)"
    ))
});
static LITIGATION: LazyLock<Regex> = LazyLock::new(|| {
    regex(&format!(
        r"行政诉讼(?:案件)?{LINK}{NUM}\s*(?:件|起|宗|个|次)"
    ))
});
static YEAR: LazyLock<Regex> = LazyLock::new(|| regex(r"(\d{4})\s*年"));

/// Builds a regex from a pattern literal of this module.
#[expect(
    clippy::expect_used,
    reason = "pattern literals of this module; `patterns_compile` compiles each"
)]
fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).expect("valid pattern literal")
}

/// Words that put a sentence in another time frame than the report year.
const OTHER_TIME: &[&str] = &[
    "上年",
    "去年",
    "上一年",
    "前一年",
    "同比",
    "环比",
    "较",
    "比上",
    "累计",
    "历年",
    "以来",
    "上半年",
    "下半年",
    "季度",
    "月份",
    "截至",
    "截止",
    "往年",
    "近年",
    "近三年",
    "近五年",
];

/// Words that give a sentence a scope that may differ from the report's.
const SCOPE: &[&str] = &[
    "全区",
    "全市",
    "全县",
    "全省",
    "全州",
    "全盟",
    "全旗",
    "全镇",
    "全乡",
    "全系统",
    "全局",
    "各部门",
    "各单位",
    "各级",
    "各乡镇",
    "各街道",
    "各区",
    "各县",
    "各地",
    "各镇",
    "本级",
    "区政府办",
    "市政府办",
    "县政府办",
    "政府办",
    "办公室",
    "办公厅",
    "部门",
    "下属",
    "所属",
    "直属",
    "街道",
    "乡镇",
    "代表",
    "系统内",
    "本系统",
    "共同",
    "联合",
    "转办",
    "转交",
];

/// Name endings of organisations: a name not the agency's own means another
/// scope.
const ORG_SUFFIXES: &[&str] = &[
    "人民政府",
    "委员会",
    "管委会",
    "局",
    "厅",
    "中心",
    "公司",
    "医院",
    "学校",
    "法院",
    "检察院",
];

/// Does the sentence plainly speak of the report's agency and year as a
/// whole?
fn plain_scope(ctx: &Ctx<'_>, s: &str) -> bool {
    let agency = ctx
        .report
        .agency
        .as_deref()
        .map(crate::text::normalize)
        .unwrap_or_default();
    if OTHER_TIME.iter().any(|w| s.contains(w)) {
        return false;
    }
    for cap in YEAR.captures_iter(s) {
        let y: Option<i32> = cap.get(1).and_then(|m| m.as_str().parse().ok());
        if y.is_none() || y != ctx.report.year {
            return false;
        }
    }
    if SCOPE.iter().any(|w| s.contains(w) && !agency.contains(w)) {
        return false;
    }
    for suffix in ORG_SUFFIXES {
        for (i, _) in s.match_indices(suffix) {
            // The Chinese characters just before the suffix name the body.
            let before: Vec<char> = s[..i]
                .chars()
                .rev()
                .take_while(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
                .take(4)
                .collect();
            let own = before
                .first()
                .is_some_and(|c| matches!(c, '我' | '本' | '该'));
            let name: String = before
                .iter()
                .rev()
                .chain(suffix.chars().collect::<Vec<_>>().iter())
                .collect();
            if !own && (before.is_empty() || !agency.contains(&name)) {
                return false;
            }
        }
    }
    true
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Claim {
    Received,
    Reconsideration,
    Litigation,
}

/// The claims of one kind a sentence makes: `None` if it is not plain
/// (parts, shares, several different figures).
fn claims(s: &str, re: &Regex, is_request: bool) -> Option<u64> {
    let part_from = s.find("其中").unwrap_or(s.len());
    let mut found: Vec<u64> = Vec::new();
    for cap in re.captures_iter(s) {
        let (Some(m), Some(n)) = (cap.get(0), cap.name("n")) else {
            continue;
        };
        if m.start() >= part_from {
            continue;
        }
        if is_request {
            let obj = cap.name("obj").map_or("", |o| o.as_str());
            if !(obj.is_empty() || obj.contains("公开"))
                || ["不予公开", "部分公开", "予以公开", "复议", "诉讼"]
                    .iter()
                    .any(|w| obj.contains(w))
            {
                continue;
            }
        }
        // The clause around the figure must not be about a share.
        let clause_start = s[..m.start()].rfind(',').map_or(0, |i| i + 1);
        let clause_end = s[m.end()..].find(',').map_or(s.len(), |i| m.end() + i);
        let clause = &s[clause_start..clause_end];
        if ["%", "占", "百分之", "予以公开", "其中"]
            .iter()
            .any(|w| clause.contains(w))
        {
            return None;
        }
        found.push(parse_count(n.as_str())?);
    }
    found.sort_unstable();
    found.dedup();
    match found.as_slice() {
        [n] => Some(*n),
        _ => None,
    }
}

/// Does the sentence say no request was received?
fn says_none_received(s: &str) -> bool {
    NONE_RECEIVED.captures_iter(s).any(|cap| {
        let obj = cap.name("obj").map_or("", |o| o.as_str());
        let next = cap
            .get(0)
            .and_then(|m| s[m.end()..].chars().next())
            .unwrap_or(' ');
        (obj.is_empty() || obj.contains("公开"))
            && !["复议", "诉讼"].iter().any(|w| obj.contains(w))
            && !matches!(next, '人' | '书' | '表' | '件' | '材')
    })
}

fn text_table(ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    let t3 = TableId::T3;
    let t4 = TableId::T4;
    let new = ctx.value(t3, "new_received", "total").known();
    let over = ctx.value(t3, "carried_over", "total").known();
    let recon = ctx.value(t4, "reconsideration", "total").known();
    let lit = match (
        ctx.value(t4, "litigation_direct", "total"),
        ctx.value(t4, "litigation_after_reconsideration", "total"),
    ) {
        (Value::Known(a), Value::Known(b)) => Some(a + b),
        _ => None,
    };
    let mut reported: Vec<(Claim, u64)> = Vec::new();
    for number in [1u8, 3, 4] {
        let Some(section) = ctx.report.section(number) else {
            continue;
        };
        for s in sentences(&section.text) {
            if !plain_scope(ctx, &s) {
                continue;
            }
            let about_cases = [
                "复议", "诉讼", "投诉", "举报", "信访", "咨询", "建议", "提案",
            ]
            .iter()
            .any(|w| s.contains(w));
            let table_new = if about_cases { None } else { new };
            if let Some(table_new) = table_new {
                let said = claims(&s, &RECEIVED, true);
                let none = says_none_received(&s);
                let mut claim = match (said, none) {
                    (Some(n), false) => Some(n),
                    (None, true) => Some(0),
                    _ => None,
                };
                if let Some(n) = claim {
                    let n_dec = Decimal::from(n);
                    let with_over = over.map(|o| table_new + o);
                    if n_dec == table_new || Some(n_dec) == with_over {
                        claim = None;
                    }
                }
                if let Some(n) = claim.filter(|n| !reported.contains(&(Claim::Received, *n))) {
                    reported.push((Claim::Received, n));
                    let said = if n == 0 {
                        "未收到政府信息公开申请".to_string()
                    } else {
                        format!("收到政府信息公开申请 {n} 件")
                    };
                    let also = match over {
                        Some(o) if !o.is_zero() => format!(
                            "（加上“二、上年结转政府信息公开申请数量”为 {}）",
                            num(table_new + o)
                        ),
                        _ => String::new(),
                    };
                    out.push(
                                diag(
                                    Rule::TextTableMismatch,
                                    format!(
                                        "{}称{said}（“{}”），而{}“一、本年新收政府信息公开申请数量”行“总计”列为 {}{also}，文字与表格不一致。",
                                        section_name(number),
                                        quote(&s),
                                        t3.display_name(),
                                        num(table_new)
                                    ),
                                )
                                .in_section(number)
                                .at_row("new_received")
                                .at_column("total"),
                            );
                }
            }
            for (kind, re, value, what) in [
                (
                    Claim::Reconsideration,
                    &*RECONSIDERATION,
                    recon,
                    "“行政复议”组“总计”列",
                ),
                (
                    Claim::Litigation,
                    &*LITIGATION,
                    lit,
                    "“行政诉讼”两组（未经复议直接起诉、复议后起诉）“总计”列之和",
                ),
            ] {
                let Some(value) = value else { continue };
                let Some(n) = claims(&s, re, false) else {
                    continue;
                };
                if Decimal::from(n) == value || reported.contains(&(kind, n)) {
                    continue;
                }
                reported.push((kind, n));
                let noun = if kind == Claim::Reconsideration {
                    "行政复议"
                } else {
                    "行政诉讼"
                };
                let row = if kind == Claim::Reconsideration {
                    "reconsideration"
                } else {
                    "litigation_direct"
                };
                out.push(
                    diag(
                        Rule::TextTableMismatch,
                        format!(
                            "{}称{noun} {n} 件（“{}”），而{}{what}为 {}，文字与表格不一致。",
                            section_name(number),
                            quote(&s),
                            t4.display_name(),
                            num(value)
                        ),
                    )
                    .in_section(number)
                    .at_row(row)
                    .at_column("total"),
                );
            }
        }
    }
}

// ---- PROACTIVE_TOTAL --------------------------------------------------------

static TOTAL: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"(?:共|总计|累计|合计|主动公开)[^,;:()\d]{0,15}?(?P<n>\d+)\s*(?P<u>条|件|篇|项|个)")
});
static PART: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?P<n>\d+(?:\.\d+)?)\s*(?P<a>[余多]?)\s*(?P<u>条|件|篇|项|个|期|次)"));

/// The 主动公开 part of section 一: from "（一）…主动公开" to "（二）".
fn proactive_region(text: &str) -> Option<String> {
    let text: String = text
        .lines()
        .map(crate::text::normalize)
        .collect::<Vec<_>>()
        .join("\n");
    let mut from = None;
    for (i, _) in text.match_indices("(一)") {
        let head: String = text[i..].chars().skip(3).take(12).collect();
        if head.contains("主动公开") {
            from = Some(i);
            break;
        }
    }
    let from = from?;
    let end = text[from..].find("(二)").map_or(text.len(), |j| from + j);
    Some(text[from..end].to_string())
}

/// A number with its unit in a breakdown.
struct Part {
    value: Decimal,
    start: usize,
    end: usize,
}

/// Numbers of `unit` in `s` at parenthesis depth `depth`, relative to the
/// start of `s`. `None` if a figure is approximate or the list is open-ended.
fn parts_at(s: &str, unit: &str, depth: usize) -> Option<Vec<Part>> {
    let mut level = vec![0usize; s.len() + 1];
    let mut d = 0usize;
    for (i, c) in s.char_indices() {
        level[i] = d;
        match c {
            '(' => d += 1,
            ')' => d = d.saturating_sub(1),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for cap in PART.captures_iter(s) {
        let (Some(m), Some(n), Some(u)) = (cap.get(0), cap.name("n"), cap.name("u")) else {
            continue;
        };
        if level[m.start()] != depth || u.as_str() != unit {
            continue;
        }
        if s[..m.start()].trim_end().ends_with('第') {
            continue;
        }
        if cap.name("a").is_some_and(|a| !a.as_str().is_empty()) {
            return None;
        }
        let value: Decimal = n.as_str().parse().ok()?;
        out.push(Part {
            value,
            start: m.start(),
            end: m.end(),
        });
    }
    Some(out)
}

/// Text at depth 0 of `s` (parenthesised parts removed).
fn top_level(s: &str) -> String {
    let mut d = 0usize;
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '(' => d += 1,
            ')' => d = d.saturating_sub(1),
            c if d == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn sum_text(parts: &[Part]) -> (String, Decimal) {
    let sum: Decimal = parts.iter().map(|p| p.value).sum();
    let listed: Vec<String> = parts.iter().map(|p| num(p.value)).collect();
    (listed.join(" + "), sum)
}

fn proactive(ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    let Some(section) = ctx.report.section(1) else {
        return;
    };
    let Some(region) = proactive_region(&section.text) else {
        return;
    };
    let place = format!("{}（一）主动公开部分", section_name(1));
    for s in sentences(&region) {
        let Some(cap) = TOTAL.captures(&s) else {
            continue;
        };
        let (Some(m), Some(n), Some(unit)) = (cap.get(0), cap.name("n"), cap.name("u")) else {
            continue;
        };
        let Ok(total) = n.as_str().parse::<Decimal>() else {
            continue;
        };
        let rest = &s[m.end()..];
        let Some(k) = rest.find("其中") else {
            continue;
        };
        if !rest[..k].chars().all(|c| matches!(c, ',' | ' ' | ':')) {
            continue;
        }
        let body = &rest[k + "其中".len()..];
        if body.contains('%') {
            continue;
        }
        let unit = unit.as_str();
        let Some(top) = parts_at(body, unit, 0) else {
            continue;
        };
        let total_text = m.as_str();
        if top.len() >= 2 && !top_level(body).contains('等') {
            let (listed, sum) = sum_text(&top);
            if sum != total {
                out.push(
                    diag(
                        Rule::ProactiveTotal,
                        format!(
                            "{place}称“{total_text}”，其中所列各项 {listed} = {}{unit}，与总数 {}{unit} 不符，相差 {}（“{}”）。",
                            num(sum),
                            num(total),
                            num((sum - total).abs()),
                            quote(&s)
                        ),
                    )
                    .in_section(1),
                );
            }
        }
        // A parenthesised breakdown right after a part: a nested level.
        for p in &top {
            let after = &body[p.end..];
            let trimmed = after.trim_start();
            if !trimmed.starts_with('(') {
                continue;
            }
            let open = p.end + (after.len() - trimmed.len());
            let mut depth = 0usize;
            let mut close = None;
            for (i, c) in body[open..].char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            close = Some(open + i);
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let Some(close) = close else { continue };
            let inner = &body[open + 1..close];
            if inner.contains('等') || inner.contains('%') || inner.contains("其中") {
                continue;
            }
            let Some(nested) = parts_at(inner, unit, 0) else {
                continue;
            };
            if nested.len() < 2 {
                continue;
            }
            let (listed, sum) = sum_text(&nested);
            if sum != p.value {
                out.push(
                    diag(
                        Rule::ProactiveTotal,
                        format!(
                            "{place}称“{}”，其后括号内所列各项 {listed} = {}{unit}，与该项 {}{unit} 不符，相差 {}（“{}”）。",
                            &body[p.start..p.end],
                            num(sum),
                            num(p.value),
                            num((sum - p.value).abs()),
                            quote(&s)
                        ),
                    )
                    .in_section(1),
                );
            }
        }
    }
}

// ---- SECTION5_EMPTY ---------------------------------------------------------

/// Below this many Chinese characters, section 五 says nothing.
const SECTION5_MIN_HAN: usize = 30;

fn section5(ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    let Some(section) = ctx.report.section(5) else {
        return;
    };
    let text = crate::text::normalize(&section.text);
    let n = han_count(&text);
    if n >= SECTION5_MIN_HAN {
        return;
    }
    let shown = if text.trim().is_empty() {
        "内容为空".to_string()
    } else {
        format!("仅有“{}”", quote(text.trim()))
    };
    out.push(
        diag(
            Rule::Section5Empty,
            format!(
                "{}{shown}，应具体说明本年度政府信息公开工作存在的主要问题及改进情况。",
                section_name(5)
            ),
        )
        .in_section(5),
    );
}

// ---- fees -------------------------------------------------------------------

/// First statistical year under the 信息处理费 measures (国办函〔2020〕109号).
const FEE_RULES_FROM: i32 = 2021;

static TITLE: LazyLock<Regex> = LazyLock::new(|| regex(r"《[^》]*》"));
static FEE_NONE: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?:未|没有|不存在|无|免于?|不)[^。;]{0,12}(?:收取|收费|缴费|收缴)"));
static FEE_AMOUNT: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?:收取|收费|费用?)[^。;]{0,20}?\d+(?:\.\d+)?\s*(?:元|万元|件|笔)"));
static FEE_ZERO: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"(?:信息处理费|收取|收费|费用)[^。;\d]{0,20}?0(?:\.0+)?\s*(?:元|万元|件|笔)")
});
static NOTICE: LazyLock<Regex> = LazyLock::new(|| regex(r"(?:收费|缴费)通知"));
static NO_NOTICE: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"(?:未|没有|不存在|无)[^。;]{0,12}(?:收取|收费|缴费通知|收费通知|发出)")
});

fn fees(ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    let Some(section) = ctx.report.section(6) else {
        return;
    };
    let text = crate::text::normalize(&section.text);
    let text = TITLE.replace_all(&text, "《》");
    // The statement is required by 国办函〔2020〕109号, in force from 2021.
    let required = ctx.report.year.is_none_or(|y| y >= FEE_RULES_FROM);
    let states = !required
        || text.contains("信息处理费")
        || FEE_NONE.is_match(&text)
        || FEE_AMOUNT.is_match(&text);
    if !states {
        out.push(
            diag(
                Rule::FeeStatementMissing,
                format!(
                    "{}未说明信息处理费的收取情况（按国办函〔2020〕109号，应写明收费的件数和金额，或明确说明未收取）。",
                    section_name(6)
                ),
            )
            .in_section(6),
        );
    }
    let unpaid = ctx.value(TableId::T3, "other.fee_unpaid", "total").known();
    if let Some(unpaid) = unpaid.filter(|n| *n > Decimal::ZERO) {
        // A notice issued and not paid is what the row counts: no conflict.
        let notice_issued = NOTICE.find_iter(&text).any(|m| {
            let before: String = text[..m.start()]
                .chars()
                .rev()
                .take(4)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            !["未", "没有", "无", "不"]
                .iter()
                .any(|w| before.contains(w))
        });
        let no_fee = sentences(&text)
            .into_iter()
            .find(|s| NO_NOTICE.is_match(s) || FEE_ZERO.is_match(s))
            .filter(|_| !notice_issued);
        if let Some(s) = no_fee {
            out.push(
                diag(
                    Rule::FeeUnpaidWithoutFees,
                    format!(
                        "{}“（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请”行“总计”列为 {}，而{}称未发出收费通知或未收取费用（“{}”），二者矛盾。",
                        TableId::T3.display_name(),
                        num(unpaid),
                        section_name(6),
                        quote(&s)
                    ),
                )
                .in_section(6)
                .at_row("other.fee_unpaid")
                .at_column("total"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_compile() {
        for re in [
            &*RECEIVED,
            &*NONE_RECEIVED,
            &*RECONSIDERATION,
            &*LITIGATION,
            &*YEAR,
            &*TOTAL,
            &*PART,
            &*TITLE,
            &*FEE_NONE,
            &*FEE_AMOUNT,
            &*FEE_ZERO,
            &*NO_NOTICE,
            &*NOTICE,
        ] {
            assert!(!re.is_match("\u{0}\u{1}"), "{re}");
        }
        assert!(RECEIVED.is_match("收到政府信息公开申请 12 件"));
    }

    #[test]
    fn counts_in_words_and_digits() {
        assert_eq!(parse_count("17"), Some(17));
        assert_eq!(parse_count("1,234"), Some(1234));
        assert_eq!(parse_count("十七"), Some(17));
        assert_eq!(parse_count("二十一"), Some(21));
        assert_eq!(parse_count("一百零五"), Some(105));
        assert_eq!(parse_count("三百"), Some(300));
        assert_eq!(parse_count("两千零一十"), Some(2010));
        assert_eq!(parse_count("一二"), None);
        assert_eq!(parse_count("十百"), None);
    }

    #[test]
    fn splits_sentences() {
        assert_eq!(
            sentences("甲。乙；丙\n丁！戊？"),
            vec!["甲", "乙", "丙", "丁", "戊"]
        );
    }

    use super::super::testutil::*;
    use crate::model::Cell;
    use crate::spec::FormatVersion;

    fn mismatch_with(sentence: &str) -> Vec<Diagnostic> {
        let mut r = balanced();
        set_text(&mut r, 1, sentence);
        run(&r)
            .into_iter()
            .filter(|d| d.rule == Rule::TextTableMismatch)
            .collect()
    }

    #[test]
    fn received_figure_against_table() {
        // Table: 14 new, 3 carried over.
        assert!(mismatch_with("2021年，本机关共收到政府信息公开申请 14 件。").is_empty());
        assert!(mismatch_with("本年度共受理政府信息公开申请17件，均按时答复。").is_empty());
        // The agency naming itself is its own scope.
        assert_eq!(
            mismatch_with("某某市审批服务管理局共收到政府信息公开申请 15 件。").len(),
            1
        );
        assert_eq!(mismatch_with("本局共收到政府信息公开申请 15 件。").len(), 1);
        assert!(mismatch_with("全年收到政府信息公开申请十四件。").is_empty());
        let ds = mismatch_with("2021年，本机关共收到政府信息公开申请 15 件，均已按时答复。");
        assert_eq!(ds.len(), 1, "{ds:#?}");
        assert_eq!(ds[0].severity, crate::check::Severity::Warning);
        assert_eq!(ds[0].section, Some(1));
        assert!(ds[0].message.contains("15 件"), "{}", ds[0].message);
        assert!(ds[0].message.contains("为 14"), "{}", ds[0].message);
        assert!(ds[0].message.contains("为 17"), "{}", ds[0].message);
        // Chinese numerals.
        let ds = mismatch_with("全年新收政府信息公开申请二十一件。");
        assert_eq!(ds.len(), 1, "{ds:#?}");
        assert!(ds[0].message.contains("21 件"));
        // The same wrong figure twice is one finding.
        assert_eq!(
            mismatch_with("收到政府信息公开申请 15 件。\n共收到政府信息公开申请15件。").len(),
            1
        );
    }

    #[test]
    fn none_received_against_table() {
        let ds = mismatch_with("2021 年我局未收到政府信息公开申请。");
        assert_eq!(ds.len(), 1, "{ds:#?}");
        assert!(ds[0].message.contains("未收到"));
        assert_eq!(mismatch_with("本年度收到政府信息公开申请 0 件。").len(), 1);
        let mut r = balanced();
        r.t3 = Some(t3_2021([[0; 6], [0; 6]]));
        set_text(&mut r, 1, "2021 年我局未收到政府信息公开申请。");
        assert!(run(&r).is_empty(), "{:#?}", run(&r));
        // Not about disclosure requests.
        assert!(mismatch_with("本年度未收到行政复议申请。").is_empty());
        assert!(mismatch_with("本年度未收到申请人的异议。").is_empty());
    }

    #[test]
    fn silent_on_other_scopes_years_parts_and_shares() {
        for s in [
            // Hongze 2024: the district office, not the whole government.
            "2024 年，区政府办代表区政府受理政府信息公开申请 17 件，均已在法定期限内予以答复。",
            "全区共受理政府信息公开申请 95 件。",
            "各部门共收到政府信息公开申请 30 件。",
            "市教育局收到政府信息公开申请 8 件。",
            "市自然资源管理局收到政府信息公开申请 8 件。",
            "本级收到政府信息公开申请 3 件。",
            // Another year, comparisons.
            "2020年，本机关收到政府信息公开申请 9 件。",
            "收到政府信息公开申请 20 件，较上年增加 6 件。",
            "收到政府信息公开申请数量同比下降 12 件。",
            "累计收到政府信息公开申请 120 件。",
            "上年度收到政府信息公开申请 9 件。",
            // Parts and shares.
            "收到申请 14 件，其中通过网络收到政府信息公开申请 9 件。",
            "予以公开的政府信息公开申请 5 件。",
            "收到政府信息公开申请占全市 12%，共 30 件。",
            // Ambiguous: two candidate figures.
            "通过网络收到政府信息公开申请 9 件、信函收到政府信息公开申请 6 件。",
            // Not a disclosure request.
            "受理行政许可申请 500 件。",
        ] {
            let ds = mismatch_with(s);
            assert!(ds.is_empty(), "{s}: {ds:#?}");
        }
    }

    #[test]
    fn reconsideration_and_litigation_figures() {
        // Table: reconsideration 2, litigation 1 + 0.
        assert!(mismatch_with("因政府信息公开被申请行政复议 2 件，提起行政诉讼 1 件。").is_empty());
        let ds = mismatch_with("因政府信息公开被申请行政复议 3 件。");
        assert_eq!(ds.len(), 1, "{ds:#?}");
        assert!(ds[0].message.contains("行政复议 3 件") && ds[0].message.contains("为 2"));
        let ds = mismatch_with("本年度发生行政诉讼两起。");
        assert_eq!(ds.len(), 1, "{ds:#?}");
        assert!(ds[0].message.contains("行政诉讼 2 件"));
        assert!(mismatch_with("行政复议 3 件，较上年减少 1 件。").is_empty());
        assert!(mismatch_with("其中行政复议 3 件。").is_empty());
    }

    const LINGWU: &str = "### （一）主动公开\n\n2021 年，灵武市审批服务管理局主动公开信息 518 条，其中在灵武市人民政府网站公开发布信息 349 条（信息公开年报 1 条，信息公开指南 1 条，法治政府建设年报 1 条，概况信息 3 条，部门文件 5 条，规划计划 2 条，重点工作 8 条，财政资金 3 条，政务服务通报 7 条，优化营商环境专栏 39 条，建设项目环评、水保审批事项 203 条，商事审批事项 68 条，其他 8 条），向自治区、银川市推送动态信息 169 条。\n\n### （二）依申请公开\n\n2021 年我局未收到政府信息公开申请。";

    fn proactive_with(text: &str) -> Vec<Diagnostic> {
        let mut r = balanced();
        r.t3 = Some(t3_2021([[0; 6], [0; 6]]));
        set_text(&mut r, 1, text);
        run(&r)
    }

    #[test]
    fn proactive_total_lingwu_is_clean() {
        let ds = proactive_with(LINGWU);
        assert!(ds.is_empty(), "{ds:#?}");
    }

    #[test]
    fn proactive_total_planted_error() {
        let ds = proactive_with(&LINGWU.replace("518", "519"));
        assert_eq!(ids(&ds), vec!["PROACTIVE_TOTAL"], "{ds:#?}");
        let m = &ds[0].message;
        for n in ["519", "349", "169", "518"] {
            assert!(m.contains(n), "{n} in {m}");
        }
        assert_eq!(ds[0].section, Some(1));
        // A wrong nested figure: the breakdown no longer sums to 349.
        let ds = proactive_with(&LINGWU.replace("商事审批事项 68 条", "商事审批事项 67 条"));
        assert_eq!(ids(&ds), vec!["PROACTIVE_TOTAL"], "{ds:#?}");
        assert!(ds[0].message.contains("348") && ds[0].message.contains("349"));
    }

    #[test]
    fn proactive_total_stays_silent_when_unclear() {
        for s in [
            "（一）主动公开\n主动公开信息 500 条，其中政策解读 20 条、图片新闻 30 条等。",
            "（一）主动公开\n主动公开信息 500 条，在门户网站发布 300 条，推送 100 条。",
            "（一）主动公开\n主动公开信息 500 条，其中政策文件 20 条。",
            "（一）主动公开\n主动公开信息 500 余条，其中政策文件 200 条，动态 200 余条。",
            "（一）主动公开\n主动公开信息 500 条，其中文件 300 条，召开发布会 7 场，动态 200 条。",
        ] {
            let ds = proactive_with(s);
            assert!(of(&ds, Rule::ProactiveTotal).is_empty(), "{s}: {ds:#?}");
        }
        // Different units are not parts: 7 期 is ignored.
        let ds = proactive_with(
            "（一）主动公开\n主动公开信息 500 条，其中文件 300 条，会议 7 期，动态 201 条。",
        );
        assert_eq!(of(&ds, Rule::ProactiveTotal).len(), 1, "{ds:#?}");
    }

    #[test]
    fn section5_empty() {
        let r = balanced();
        assert!(of(&run(&r), Rule::Section5Empty).is_empty());
        for t in ["无。", "暂无", "", "无"] {
            let mut r = balanced();
            set_text(&mut r, 5, t);
            let ds = run(&r);
            assert_eq!(ids(&ds), vec!["SECTION5_EMPTY"], "{t:?}: {ds:#?}");
        }
    }

    #[test]
    fn fee_statement() {
        for ok in [
            "本年度未收取信息处理费。",
            "没有收取任何费用。",
            "信息处理费 0 元。",
            "收取信息处理费 2 件，共计 120 元。",
            "不存在收取信息处理费的情况。",
            "本机关无信息处理费收取情况。",
            "2024 年，区政府严格落实《政府信息公开信息处理费管理办法》，全年收取政府信息公开信息处理费 0 元。",
        ] {
            let mut r = balanced();
            set_text(&mut r, 6, ok);
            let ds = run(&r);
            assert!(ds.is_empty(), "{ok}: {ds:#?}");
        }
        for missing in [
            "暂无需要报告的事项。",
            "无。",
            "认真落实《政府信息公开信息处理费管理办法》。",
        ] {
            let mut r = balanced();
            set_text(&mut r, 6, missing);
            let ds = run(&r);
            assert_eq!(
                ids(&ds),
                vec!["FEE_STATEMENT_MISSING"],
                "{missing}: {ds:#?}"
            );
            assert_eq!(ds[0].section, Some(6));
        }
        // Before the 109号 measures (2019, 2020 reports): not required.
        let mut r = balanced();
        r.year = Some(2020);
        r.format = Some(FormatVersion::V2019);
        r.t2 = None;
        r.t3 = None;
        r.t4 = None;
        set_text(&mut r, 6, "无。");
        assert!(of(&run(&r), Rule::FeeStatementMissing).is_empty());
        // No section 六: SECTION_MISSING only.
        let mut r = balanced();
        r.sections.retain(|s| s.number != 6);
        assert_eq!(ids(&run(&r)), vec!["SECTION_MISSING"]);
    }

    #[test]
    fn fee_unpaid_without_fees() {
        // One request closed for unpaid fees instead of granted.
        let mut r = balanced();
        for c in ["natural_person", "total"] {
            let g =
                r.t3.as_ref()
                    .and_then(|t| t.cell("granted", c))
                    .and_then(Cell::count)
                    .unwrap_or(0);
            set(&mut r, TableId::T3, "granted", c, Cell::Count(g - 1));
            set(&mut r, TableId::T3, "other.fee_unpaid", c, Cell::Count(1));
        }
        let ds = run(&r);
        assert_eq!(ids(&ds), vec!["FEE_UNPAID_WITHOUT_FEES"], "{ds:#?}");
        assert_eq!(ds[0].row.as_deref(), Some("other.fee_unpaid"));
        for ok in [
            "本年度发出收费通知 1 件，申请人逾期未缴纳，未实际收取信息处理费。",
            "收取信息处理费 1 件，共计 100 元。",
        ] {
            set_text(&mut r, 6, ok);
            let ds = run(&r);
            assert!(ds.is_empty(), "{ok}: {ds:#?}");
        }
        set_text(&mut r, 6, "本年度未发出收费通知，未收取信息处理费。");
        assert_eq!(ids(&run(&r)), vec!["FEE_UNPAID_WITHOUT_FEES"]);
    }
}
