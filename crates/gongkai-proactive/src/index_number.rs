//! 索引号 (index number): the catalogue's unique id of an item,
//! `{统一社会信用代码}/{年份}-{流水号:05}`, e.g. `11640381MB1962185B/2021-00012`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use gongkai_agency::{DomainError, Uscc};

/// Largest sequence number that fits the five-digit field.
pub const MAX_SEQUENCE: u32 = 99_999;

/// An index number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IndexNumber {
    uscc: String,
    year: u16,
    sequence: u32,
}

/// Why an index number cannot be built or parsed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IndexNumberError {
    #[error("索引号格式应为“统一社会信用代码/年份-流水号”")]
    Format,
    #[error("索引号中的{0}")]
    Uscc(#[from] DomainError),
    #[error("索引号年份 {0} 无效（应为 1949–2099 的四位数字）")]
    Year(String),
    #[error("索引号流水号 {0} 无效（应为 00001–99999 的五位数字）")]
    Sequence(String),
}

impl IndexNumber {
    /// Builds the index number of the `sequence`th item of `year` for the
    /// agency with the unified social credit code `uscc`.
    pub fn new(uscc: &str, year: u16, sequence: u32) -> Result<Self, IndexNumberError> {
        let uscc = String::from(Uscc::parse(uscc)?);
        if !crate::document_number::YEAR_RANGE.contains(&year) {
            return Err(IndexNumberError::Year(year.to_string()));
        }
        if sequence == 0 || sequence > MAX_SEQUENCE {
            return Err(IndexNumberError::Sequence(sequence.to_string()));
        }
        Ok(Self {
            uscc,
            year,
            sequence,
        })
    }

    /// Parses `{uscc}/{year}-{sequence:05}` (surrounding whitespace ignored).
    pub fn parse(input: &str) -> Result<Self, IndexNumberError> {
        let (uscc, rest) = input
            .trim()
            .split_once('/')
            .ok_or(IndexNumberError::Format)?;
        let (year, sequence) = rest.split_once('-').ok_or(IndexNumberError::Format)?;
        let year_n = (year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()))
            .then(|| year.parse::<u16>().ok())
            .flatten()
            .ok_or_else(|| IndexNumberError::Year(year.to_owned()))?;
        let seq_n = (sequence.len() == 5 && sequence.bytes().all(|b| b.is_ascii_digit()))
            .then(|| sequence.parse::<u32>().ok())
            .flatten()
            .ok_or_else(|| IndexNumberError::Sequence(sequence.to_owned()))?;
        Self::new(uscc, year_n, seq_n)
    }

    /// The agency's unified social credit code (upper case).
    pub fn uscc(&self) -> &str {
        &self.uscc
    }

    /// The year part.
    pub fn year(&self) -> u16 {
        self.year
    }

    /// The sequence number within the year.
    pub fn sequence(&self) -> u32 {
        self.sequence
    }

    /// The next index number in the same year, if the year still has room.
    pub fn next(&self) -> Option<Self> {
        Self::new(&self.uscc, self.year, self.sequence + 1).ok()
    }
}

impl fmt::Display for IndexNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}-{:05}", self.uscc, self.year, self.sequence)
    }
}

impl FromStr for IndexNumber {
    type Err = IndexNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for IndexNumber {
    type Error = IndexNumberError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<IndexNumber> for String {
    fn from(n: IndexNumber) -> Self {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const USCC: &str = "11640381MB1962185B";

    #[test]
    fn generates_the_official_form() {
        let n = IndexNumber::new(USCC, 2021, 12).unwrap();
        assert_eq!(n.to_string(), "11640381MB1962185B/2021-00012");
        assert_eq!(
            n.next().unwrap().to_string(),
            "11640381MB1962185B/2021-00013"
        );
        assert!(
            IndexNumber::new(USCC, 2021, MAX_SEQUENCE)
                .unwrap()
                .next()
                .is_none()
        );
    }

    #[test]
    fn parses_back() {
        let n = IndexNumber::parse(" 11640381mb1962185b/2021-00012 ").unwrap();
        assert_eq!(n.uscc(), USCC);
        assert_eq!((n.year(), n.sequence()), (2021, 12));
    }

    #[test]
    fn rejects_bad_parts() {
        assert_eq!(
            IndexNumber::parse("11640381MB1962185B-2021-00012"),
            Err(IndexNumberError::Format)
        );
        assert!(matches!(
            IndexNumber::parse("11640381MB1962185C/2021-00012"),
            Err(IndexNumberError::Uscc(DomainError::UsccCheckDigit { .. }))
        ));
        assert_eq!(
            IndexNumber::parse("11640381MB1962185B/21-00012"),
            Err(IndexNumberError::Year("21".into()))
        );
        assert_eq!(
            IndexNumber::parse("11640381MB1962185B/2021-12"),
            Err(IndexNumberError::Sequence("12".into()))
        );
        assert_eq!(
            IndexNumber::new(USCC, 2021, 0),
            Err(IndexNumberError::Sequence("0".into()))
        );
        let msg = IndexNumber::parse("11640381MB1962185C/2021-00012")
            .unwrap_err()
            .to_string();
        assert!(
            msg.starts_with("索引号中的统一社会信用代码校验位错误"),
            "{msg}"
        );
    }

    proptest! {
        #[test]
        fn round_trip(first17 in "[0-9A-HJ-NP-RT-UW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RT-UW-Y]{9}",
                      year in 1949u16..=2099, seq in 1u32..=MAX_SEQUENCE) {
            let uscc = Uscc::with_check_digit(&first17).unwrap().to_string();
            let n = IndexNumber::new(&uscc, year, seq).unwrap();
            let text = n.to_string();
            prop_assert_eq!(text.len(), 18 + 1 + 4 + 1 + 5);
            prop_assert_eq!(IndexNumber::parse(&text).unwrap(), n);
        }
    }
}
