//! 文号 (document number), e.g. `灵审管发〔2021〕12号`.
//!
//! GB/T 9704-2012 7.2.4: the year is written in full and enclosed in
//! hexagonal brackets 〔〕, the sequence number takes no 第 and no leading
//! zeros. [`DocumentNumber::parse`] accepts the variants staff actually type
//! (square, round, full-width or angle brackets, full-width digits, spaces,
//! 第) and keeps the official form; [`lint_document_numbers`] finds
//! malformed ones in free text.

use std::fmt;
use std::ops::Range;
use std::str::FromStr;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Opening brackets staff use around the year; 〔 is the official one.
pub const OPEN_BRACKETS: &str = "[【(（［〈{〔﹝〖｛<";
/// Closing brackets staff use around the year; 〕 is the official one.
pub const CLOSE_BRACKETS: &str = "]】)）］〉}〕﹞〗｝>";

/// Earliest and latest year a document number may carry.
pub const YEAR_RANGE: std::ops::RangeInclusive<u16> = 1949..=2099;

/// A document number in its official form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DocumentNumber {
    issuer: String,
    year: u16,
    sequence: u32,
}

/// Why a string is not a document number.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DocumentNumberError {
    #[error("文号为空")]
    Empty,
    #[error("文号缺少机关代字（如“灵审管发”）")]
    MissingIssuer,
    #[error("文号缺少用〔〕括入的四位年份")]
    MissingYear,
    #[error("文号年份 {0} 超出范围（1949–2099）")]
    YearOutOfRange(u32),
    #[error("文号年份后缺少右括号“〕”")]
    UnclosedYear,
    #[error("文号缺少发文顺序号")]
    MissingSequence,
    #[error("文号发文顺序号不能为 0")]
    ZeroSequence,
    #[error("文号缺少“号”字")]
    MissingNumberSign,
    #[error("文号“号”字后有多余内容：{0}")]
    TrailingText(String),
}

impl DocumentNumber {
    /// Builds a document number from its parts.
    pub fn new(issuer: &str, year: u16, sequence: u32) -> Result<Self, DocumentNumberError> {
        let issuer: String = issuer.chars().filter(|c| !c.is_whitespace()).collect();
        if issuer.is_empty()
            || issuer
                .chars()
                .any(|c| OPEN_BRACKETS.contains(c) || CLOSE_BRACKETS.contains(c))
        {
            return Err(DocumentNumberError::MissingIssuer);
        }
        if !YEAR_RANGE.contains(&year) {
            return Err(DocumentNumberError::YearOutOfRange(u32::from(year)));
        }
        if sequence == 0 {
            return Err(DocumentNumberError::ZeroSequence);
        }
        Ok(Self {
            issuer,
            year,
            sequence,
        })
    }

    /// Parses a document number as typed and normalises it: any of the
    /// brackets in [`OPEN_BRACKETS`]/[`CLOSE_BRACKETS`] around the year become 〔〕, full-width
    /// digits become ASCII, whitespace is removed, `第12号` becomes `12号`.
    pub fn parse(input: &str) -> Result<Self, DocumentNumberError> {
        let text = normalize_chars(input);
        if text.is_empty() {
            return Err(DocumentNumberError::Empty);
        }
        let Some((open_at, _)) = text
            .char_indices()
            .find(|&(_, c)| OPEN_BRACKETS.contains(c))
        else {
            return Err(DocumentNumberError::MissingYear);
        };
        let issuer = &text[..open_at];
        if issuer.is_empty() {
            return Err(DocumentNumberError::MissingIssuer);
        }
        let mut rest = text[open_at..].chars().skip(1).peekable();
        let mut year_digits = String::new();
        while let Some(c) = rest.next_if(char::is_ascii_digit) {
            year_digits.push(c);
        }
        if year_digits.len() > 4 && rest.peek().is_some_and(|c| !CLOSE_BRACKETS.contains(*c)) {
            return Err(DocumentNumberError::UnclosedYear);
        }
        if year_digits.len() != 4 {
            return Err(DocumentNumberError::MissingYear);
        }
        let year: u32 = year_digits
            .parse()
            .map_err(|_| DocumentNumberError::MissingYear)?;
        let year = u16::try_from(year)
            .ok()
            .filter(|y| YEAR_RANGE.contains(y))
            .ok_or(DocumentNumberError::YearOutOfRange(year))?;
        rest.next_if_eq(&'年');
        if rest.next_if(|c| CLOSE_BRACKETS.contains(*c)).is_none() {
            return Err(DocumentNumberError::UnclosedYear);
        }
        rest.next_if_eq(&'第');
        let mut seq_digits = String::new();
        while let Some(c) = rest.next_if(char::is_ascii_digit) {
            seq_digits.push(c);
        }
        if seq_digits.is_empty() {
            return Err(DocumentNumberError::MissingSequence);
        }
        let trimmed = seq_digits.trim_start_matches('0');
        if trimmed.is_empty() {
            return Err(DocumentNumberError::ZeroSequence);
        }
        // More than nine digits cannot be a sequence number.
        let sequence: u32 = trimmed
            .parse()
            .map_err(|_| DocumentNumberError::MissingNumberSign)?;
        if rest.next() != Some('号') {
            return Err(DocumentNumberError::MissingNumberSign);
        }
        let trailing: String = rest.collect();
        if !trailing.is_empty() {
            return Err(DocumentNumberError::TrailingText(trailing));
        }
        Self::new(issuer, year, sequence)
    }

    /// The issuer prefix (机关代字), e.g. `灵审管发`.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The year in the brackets.
    pub fn year(&self) -> u16 {
        self.year
    }

    /// The sequence number (发文顺序号).
    pub fn sequence(&self) -> u32 {
        self.sequence
    }
}

/// Whitespace removed, full-width digits to ASCII.
fn normalize_chars(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '０'..='９' => {
                char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')).unwrap_or(c)
            }
            _ => c,
        })
        .collect()
}

impl fmt::Display for DocumentNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}〔{}〕{}号", self.issuer, self.year, self.sequence)
    }
}

impl FromStr for DocumentNumber {
    type Err = DocumentNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for DocumentNumber {
    type Error = DocumentNumberError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<DocumentNumber> for String {
    fn from(n: DocumentNumber) -> Self {
        n.to_string()
    }
}

/// A document number in free text that is not written in the official form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentNumberLint {
    /// Byte span in the text, from the opening bracket to 号.
    pub span: Range<usize>,
    /// The text in the span as written.
    pub found: String,
    /// The official form of the span (`〔2021〕12号`).
    pub suggestion: String,
    /// Whether the brackets themselves are wrong (not 〔〕).
    pub wrong_brackets: bool,
}

impl DocumentNumberLint {
    /// A message for staff, in Chinese.
    pub fn message(&self) -> String {
        if self.wrong_brackets {
            format!(
                "文号年份应使用六角括号〔〕：“{}”应为“{}”",
                self.found, self.suggestion
            )
        } else {
            format!(
                "文号格式不规范（全角数字、空格、“第”字或虚位）：“{}”应为“{}”",
                self.found, self.suggestion
            )
        }
    }
}

static LINT_RE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    let esc = |s: &str| {
        s.chars()
            .map(|c| regex::escape(&c.to_string()))
            .collect::<String>()
    };
    let pattern = format!(
        r"\p{{Han}}\s*(?P<num>(?P<open>[{open}])\s*(?P<year>[0-9０-９]{{4}})\s*年?\s*(?P<close>[{close}])\s*第?\s*(?P<seq>[0-9０-９]{{1,6}})\s*号)",
        open = esc(OPEN_BRACKETS),
        close = esc(CLOSE_BRACKETS),
    );
    Regex::new(&pattern).ok()
});

/// Finds document numbers in free text whose year brackets, digits or
/// sequence are not in the official form. Spans are byte ranges of `text`.
pub fn lint_document_numbers(text: &str) -> Vec<DocumentNumberLint> {
    let Some(re) = LINT_RE.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for caps in re.captures_iter(text) {
        let (Some(num), Some(open), Some(close), Some(year), Some(seq)) = (
            caps.name("num"),
            caps.name("open"),
            caps.name("close"),
            caps.name("year"),
            caps.name("seq"),
        ) else {
            continue;
        };
        let year = normalize_chars(year.as_str());
        let seq = normalize_chars(seq.as_str());
        let seq = seq.trim_start_matches('0');
        let seq = if seq.is_empty() { "0" } else { seq };
        let suggestion = format!("〔{year}〕{seq}号");
        if num.as_str() != suggestion {
            out.push(DocumentNumberLint {
                span: num.range(),
                found: num.as_str().to_owned(),
                suggestion,
                wrong_brackets: open.as_str() != "〔" || close.as_str() != "〕",
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const OFFICIAL: &str = "灵审管发〔2021〕12号";

    #[test]
    fn official_form_round_trips() {
        let n = DocumentNumber::parse(OFFICIAL).unwrap();
        assert_eq!(n.issuer(), "灵审管发");
        assert_eq!(n.year(), 2021);
        assert_eq!(n.sequence(), 12);
        assert_eq!(n.to_string(), OFFICIAL);
    }

    #[test]
    fn variants_are_normalised() {
        for input in [
            "灵审管发[2021]12号",
            "灵审管发【2021】12号",
            "灵审管发(2021)12号",
            "灵审管发（2021）12号",
            "灵审管发［2021］12号",
            "灵审管发〈2021〉12号",
            "灵审管发{2021}12号",
            "灵审管发﹝2021﹞12号",
            "灵审管发〔２０２１〕１２号",
            " 灵审管发 〔 2021 〕 12 号 ",
            "灵审管发〔2021〕第12号",
            "灵审管发〔2021年〕012号",
            "灵审管发[2021〕12号",
        ] {
            assert_eq!(
                DocumentNumber::parse(input)
                    .map(|n| n.to_string())
                    .as_deref(),
                Ok(OFFICIAL),
                "{input}"
            );
        }
    }

    #[test]
    fn malformed_numbers_are_rejected() {
        use DocumentNumberError as E;
        let cases = [
            ("", E::Empty),
            ("灵审管发12号", E::MissingYear),
            ("灵审管发〔21〕12号", E::MissingYear),
            ("〔2021〕12号", E::MissingIssuer),
            ("灵审管发〔1900〕12号", E::YearOutOfRange(1900)),
            ("灵审管发〔2021 12号", E::UnclosedYear),
            ("灵审管发〔2021〕号", E::MissingSequence),
            ("灵审管发〔2021〕0号", E::ZeroSequence),
            ("灵审管发〔2021〕12", E::MissingNumberSign),
            ("灵审管发〔2021〕12号文", E::TrailingText("文".into())),
        ];
        for (input, expected) in cases {
            assert_eq!(DocumentNumber::parse(input), Err(expected), "{input}");
        }
    }

    #[test]
    fn errors_are_in_chinese() {
        let err = DocumentNumber::parse("灵审管发12号").unwrap_err();
        assert_eq!(err.to_string(), "文号缺少用〔〕括入的四位年份");
    }

    #[test]
    fn serde_uses_the_official_string() {
        let n = DocumentNumber::parse("灵审管发[2021]12号").unwrap();
        let json = serde_json::to_string(&n).unwrap();
        assert_eq!(json, format!("\"{OFFICIAL}\""));
        let back: DocumentNumber = serde_json::from_str(&json).unwrap();
        assert_eq!(back, n);
        assert!(serde_json::from_str::<DocumentNumber>("\"灵审管发12号\"").is_err());
    }

    #[test]
    fn lint_reports_wrong_brackets_with_span() {
        let text = "根据《关于印发的通知》（灵审管发[2021]12号）要求，";
        let lints = lint_document_numbers(text);
        assert_eq!(lints.len(), 1);
        let lint = &lints[0];
        assert_eq!(&text[lint.span.clone()], "[2021]12号");
        assert_eq!(lint.suggestion, "〔2021〕12号");
        assert!(lint.wrong_brackets);
        assert!(lint.message().contains("六角括号"));
    }

    #[test]
    fn lint_reports_full_width_digits_and_di() {
        let lints = lint_document_numbers("依据宁政办发〔２０２０〕第３号文件");
        assert_eq!(lints.len(), 1);
        assert!(!lints[0].wrong_brackets);
        assert_eq!(lints[0].suggestion, "〔2020〕3号");
    }

    #[test]
    fn lint_accepts_official_form_and_case_numbers() {
        assert!(lint_document_numbers("依据灵审管发〔2021〕12号文件").is_empty());
        // A court case number is not a document number.
        assert!(lint_document_numbers("（2021）宁01民终12号").is_empty());
    }

    fn brackets() -> impl Strategy<Value = (char, char)> {
        let pairs: Vec<(char, char)> = OPEN_BRACKETS.chars().zip(CLOSE_BRACKETS.chars()).collect();
        proptest::sample::select(pairs)
    }

    fn to_full_width(s: &str) -> String {
        s.chars()
            .map(|c| match c {
                '0'..='9' => {
                    char::from_u32(u32::from(c) - u32::from('0') + u32::from('０')).unwrap()
                }
                _ => c,
            })
            .collect()
    }

    proptest! {
        #[test]
        fn normalisation_is_idempotent(
            issuer in "[\u{4e00}-\u{9fa5}]{1,8}",
            year in 1949u16..=2099,
            seq in 1u32..100_000,
            (open, close) in brackets(),
            full_width in any::<bool>(),
            di in any::<bool>(),
            zeros in 0usize..3,
            space in proptest::sample::select(vec!["", " ", "\u{3000}"]),
        ) {
            let digits_year = year.to_string();
            let digits_seq = format!("{}{seq}", "0".repeat(zeros));
            let (y, s) = if full_width {
                (to_full_width(&digits_year), to_full_width(&digits_seq))
            } else {
                (digits_year, digits_seq)
            };
            let di = if di { "第" } else { "" };
            let input = format!("{issuer}{space}{open}{y}{close}{space}{di}{s}{space}号");
            let once = DocumentNumber::parse(&input).unwrap();
            let official = once.to_string();
            prop_assert_eq!(&official, &format!("{issuer}〔{year}〕{seq}号"));
            let twice = DocumentNumber::parse(&official).unwrap();
            prop_assert_eq!(twice.to_string(), official);
            prop_assert_eq!(twice, once);
        }
    }
}
