//! Text helpers shared by the parsers and the checker: normalisation of the
//! many ways Chinese official documents write the same thing.

use rust_decimal::Decimal;
use std::str::FromStr;
use unicode_normalization::UnicodeNormalization;

/// NFKC (full-width digits, letters and brackets become ASCII), non-breaking
/// and ideographic spaces become spaces, runs of whitespace collapse to one.
pub fn normalize(s: &str) -> String {
    if s.chars().all(nfkc_stable) {
        return collapse_space(s.chars(), s.len());
    }
    collapse_space(s.nfkc(), s.len())
}

/// Characters that NFKC leaves as they are and that are common in reports:
/// a fast path that skips the normaliser for most text.
fn nfkc_stable(c: char) -> bool {
    c.is_ascii()
        || ('\u{4e00}'..='\u{9fff}').contains(&c)
        || ('\u{3001}'..='\u{3002}').contains(&c)
        || ('\u{3008}'..='\u{3011}').contains(&c)
        || ('\u{3014}'..='\u{301b}').contains(&c)
        || ('\u{2018}'..='\u{201d}').contains(&c)
        || c == '\u{2014}'
        || c == '\u{3000}'
}

fn collapse_space(chars: impl Iterator<Item = char>, capacity: usize) -> String {
    let mut out = String::with_capacity(capacity);
    let mut space = false;
    for c in chars {
        let c = match c {
            '\u{a0}' | '\u{3000}' | '\u{2002}'..='\u{200b}' | '\u{feff}' | '\t' | '\r' | '\n' => {
                ' '
            }
            c => c,
        };
        if c == ' ' {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(c);
    }
    out
}

/// Whitespace cleaned (non-breaking and ideographic spaces, runs of blanks
/// collapse to one space, ends trimmed) without changing any other character:
/// for narrative text, which keeps its full-width punctuation.
pub fn clean_space(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s
        .split(|c: char| {
            c.is_whitespace() || matches!(c, '\u{a0}' | '\u{3000}' | '\u{feff}' | '\u{200b}')
        })
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Full-width digits to ASCII, nothing else changed.
pub fn fold_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            c => c,
        })
        .collect()
}

/// A key for comparing labels: normalised, without any whitespace, with
/// punctuation variants folded (quotes, brackets, dots, slashes, colons).
pub fn label_key(s: &str) -> String {
    normalize(s)
        .chars()
        .filter_map(|c| match c {
            ' ' | '*' | '#' | '_' | '`' => None,
            '“' | '”' | '"' | '\'' | '‘' | '’' | '「' | '」' | '『' | '』' => None,
            '〔' | '[' | '【' | '{' => Some('('),
            '〕' | ']' | '】' | '}' => Some(')'),
            '、' | '．' | '。' | '·' => Some('.'),
            '，' => Some(','),
            '：' => Some(':'),
            '／' => Some('/'),
            c => Some(c),
        })
        .collect()
}

/// The label without its leading numbering: "（三）不予公开" → "不予公开",
/// "2. 重复申请" → "重复申请", "三、本年度办理结果" → "本年度办理结果".
/// Works on either raw or [`label_key`]-folded text.
pub fn strip_numbering(s: &str) -> &str {
    let mut rest = s.trim_start();
    loop {
        let before = rest;
        rest = strip_one_number(rest).trim_start();
        if rest.len() == before.len() {
            return rest;
        }
    }
}

fn strip_one_number(s: &str) -> &str {
    const CN: &str = "一二三四五六七八九十";
    // (一) / （一） / (1)
    for (open, close) in [('(', ')'), ('（', '）')] {
        if let Some(inner) = s.strip_prefix(open)
            && let Some(end) = inner.find(close)
        {
            let num = &inner[..end];
            if !num.is_empty() && num.chars().all(|c| CN.contains(c) || c.is_ascii_digit()) {
                return &inner[end + close.len_utf8()..];
            }
        }
    }
    // 一、 / 1. / 1、 / 1．
    let digits: usize = s
        .char_indices()
        .take_while(|(_, c)| CN.contains(*c) || c.is_ascii_digit())
        .map(|(_, c)| c.len_utf8())
        .sum();
    if digits > 0 {
        let rest = &s[digits..];
        for sep in ['、', '.', '．', ',', '，'] {
            if let Some(r) = rest.strip_prefix(sep) {
                // "1.5" is a number, not numbering.
                if !r.starts_with(|c: char| c.is_ascii_digit()) {
                    return r;
                }
            }
        }
        for sep in [' ', '\u{3000}'] {
            if rest.starts_with(sep) && s[..digits].chars().all(|c| c.is_ascii_digit()) {
                return &rest[sep.len_utf8()..];
            }
        }
    }
    s
}

/// Cell text that means "no value": blank, “/”, “-”, “—”, “无” and the like.
pub fn is_placeholder(s: &str) -> bool {
    let t = s.trim();
    t.is_empty()
        || matches!(
            t,
            "/" | "／"
                | "-"
                | "--"
                | "—"
                | "——"
                | "–"
                | "无"
                | "\\"
                | "×"
                | "*"
                | "－"
                | "一"
                | "…"
                | "..."
                | "暂无"
                | "N/A"
                | "n/a"
        )
}

/// Parses a number as written in a table cell: thousands separators, a unit
/// (元, 万元, 件, 个, 条, 项, 次) and a sign are tolerated. `None` if the text is
/// not a number.
pub fn parse_number(s: &str) -> Option<Decimal> {
    // Fast path: a plain ASCII integer, the common cell.
    let plain = s.trim();
    if !plain.is_empty() && plain.len() <= 18 && plain.bytes().all(|b| b.is_ascii_digit()) {
        return plain.parse::<i64>().ok().map(Decimal::from);
    }
    // Quick rejection: a value starts with a digit or a sign (after units
    // and width folding), so text starting with a CJK ideograph is a label.
    if plain
        .chars()
        .next()
        .is_some_and(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    {
        return None;
    }
    let t = normalize(s);
    let mut t = t.trim();
    for unit in ["万元", "元", "件", "个", "条", "项", "次", "家", "人"] {
        if let Some(r) = t.strip_suffix(unit) {
            t = r.trim_end();
            break;
        }
    }
    if t.is_empty() {
        return None;
    }
    let cleaned: String = t.chars().filter(|c| *c != ',' && *c != ' ').collect();
    let body = cleaned.strip_prefix(['-', '+', '−']).unwrap_or(&cleaned);
    if body.is_empty()
        || !body.chars().all(|c| c.is_ascii_digit() || c == '.')
        || body.starts_with('.')
    {
        return None;
    }
    let cleaned = cleaned.replace('−', "-");
    Decimal::from_str(&cleaned).ok()
}

/// Does the text look like a value (a number or a placeholder), as opposed to
/// a label?
pub fn is_value_like(s: &str) -> bool {
    is_placeholder(s) || parse_number(s).is_some()
}

/// Similarity of two strings in [0, 1]: Dice coefficient over character
/// bigrams (single characters for strings of length one).
pub fn similarity(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    // Labels are short: their characters fit on the stack.
    const MAX: usize = 64;
    let mut ca = ['\0'; MAX];
    let mut cb = ['\0'; MAX];
    let (mut na, mut nb) = (0, 0);
    for c in a.chars() {
        if na == MAX {
            return similarity_long(a, b);
        }
        ca[na] = c;
        na += 1;
    }
    for c in b.chars() {
        if nb == MAX {
            return similarity_long(a, b);
        }
        cb[nb] = c;
        nb += 1;
    }
    dice(&ca[..na], &cb[..nb])
}

fn similarity_long(a: &str, b: &str) -> f64 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    dice(&a, &b)
}

/// Dice coefficient over character bigrams of two character slices.
fn dice(a: &[char], b: &[char]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    if a.len() < 2 || b.len() < 2 {
        let (short, long) = if a.len() < b.len() { (a, b) } else { (b, a) };
        return if long.contains(&short[0]) {
            1.0 / long.len() as f64
        } else {
            0.0
        };
    }
    let total = (a.len() - 1) + (b.len() - 1);
    // Each bigram of b is used at most once (a bit set on the stack for
    // labels, a vector for long text).
    let mut small = [false; 128];
    let mut large = Vec::new();
    let used: &mut [bool] = if b.len() <= small.len() {
        &mut small[..]
    } else {
        large.resize(b.len(), false);
        &mut large[..]
    };
    let mut hits = 0;
    for wa in a.windows(2) {
        if let Some(j) = b
            .windows(2)
            .enumerate()
            .position(|(j, wb)| !used[j] && wa == wb)
        {
            used[j] = true;
            hits += 1;
        }
    }
    2.0 * hits as f64 / total as f64
}

/// Value of a Chinese numeral up to 99 (一 … 九十九), or of ASCII digits.
pub fn chinese_numeral(s: &str) -> Option<u32> {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
        return s.parse().ok();
    }
    let digit = |c: char| {
        "〇一二三四五六七八九"
            .chars()
            .position(|d| d == c)
            .map(|p| p as u32)
    };
    let chars: Vec<char> = s.chars().collect();
    match chars.as_slice() {
        [c] => digit(*c).or(if *c == '十' { Some(10) } else { None }),
        ['十', u] => digit(*u).map(|u| 10 + u),
        [t, '十'] => digit(*t).map(|t| t * 10),
        [t, '十', u] => Some(digit(*t)? * 10 + digit(*u)?),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_width_and_space() {
        assert_eq!(
            normalize("（一）\u{3000}予以公开&nbsp;"),
            "(一) 予以公开&nbsp;"
        );
        assert_eq!(normalize("１２３"), "123");
        assert_eq!(normalize("  a \t\n b "), "a b");
    }

    #[test]
    fn strips_numbering() {
        assert_eq!(strip_numbering("（三）不予公开"), "不予公开");
        assert_eq!(strip_numbering("(三) 不予公开"), "不予公开");
        assert_eq!(strip_numbering("2. 重复申请"), "重复申请");
        assert_eq!(strip_numbering("三、本年度办理结果"), "本年度办理结果");
        assert_eq!(strip_numbering("3.其他"), "其他");
        assert_eq!(strip_numbering("1.5"), "1.5");
        assert_eq!(strip_numbering("行政许可"), "行政许可");
    }

    #[test]
    fn numbers_and_placeholders() {
        assert_eq!(parse_number("1,234"), Some(Decimal::from(1234)));
        assert_eq!(parse_number("251000元"), Some(Decimal::from(251000)));
        assert_eq!(parse_number("-2"), Some(Decimal::from(-2)));
        assert_eq!(parse_number("abc"), None);
        assert_eq!(parse_number("3.其他"), None);
        assert!(is_placeholder("／"));
        assert!(is_placeholder(" "));
        assert!(!is_placeholder("0"));
    }

    #[test]
    fn similarity_tolerates_typos() {
        let a = label_key("其他法律行政法规禁止公开");
        let b = label_key("其他法律行政止公开");
        assert!(similarity(&a, &b) > 0.6);
        assert!(similarity("重复申请", "属于国家秘密") < 0.2);
    }

    #[test]
    fn chinese_numerals() {
        assert_eq!(chinese_numeral("三"), Some(3));
        assert_eq!(chinese_numeral("十二"), Some(12));
        assert_eq!(chinese_numeral("二十"), Some(20));
        assert_eq!(chinese_numeral("12"), Some(12));
        assert_eq!(chinese_numeral("甲"), None);
    }
}
