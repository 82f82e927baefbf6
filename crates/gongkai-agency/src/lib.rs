//! Agencies (机关) and staff roles: pure domain types, no I/O.
//!
//! Statutory identifiers are newtypes that validate once ("parse, don't validate"):
//! [`Uscc`] (统一社会信用代码, GB 32100 check digit) and [`DivisionCode`] (行政区划代码).
//! [`AgencyKind`] places an agency in the hierarchy and decides its default report deadline
//! ([`ReportDeadline`]); [`Role`] is what a staff account may do inside its agency.

#![forbid(unsafe_code)]

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Why a statutory identifier or a domain value was rejected. The `Display` text is Chinese,
/// meant to be shown to staff as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("统一社会信用代码应为 18 位（当前 {0} 位）")]
    UsccLength(usize),
    #[error("统一社会信用代码含有不允许的字符“{0}”（不使用 I、O、Z、S、V）")]
    UsccChar(char),
    #[error("统一社会信用代码第 3–8 位应为登记管理机关行政区划码（6 位数字）")]
    UsccDivision,
    #[error("统一社会信用代码校验位错误：应为“{expected}”，实为“{found}”")]
    UsccCheckDigit { expected: char, found: char },
    #[error("行政区划代码应为 6 位数字")]
    DivisionCode,
    #[error("未知的机关类型“{0}”")]
    AgencyKind(String),
    #[error("未知的角色“{0}”")]
    Role(String),
    #[error("报告截止日期格式应为“月-日”，如 01-31")]
    Deadline,
}

impl DomainError {
    /// A stable snake_case code for logs, APIs and templates.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UsccLength(_)
            | Self::UsccChar(_)
            | Self::UsccDivision
            | Self::UsccCheckDigit { .. } => "invalid_uscc",
            Self::DivisionCode => "invalid_division_code",
            Self::AgencyKind(_) => "invalid_agency_kind",
            Self::Role(_) => "invalid_role",
            Self::Deadline => "invalid_deadline",
        }
    }
}

/// The 31 characters of GB 32100-2015, in the order that gives their values 0–30.
const USCC_CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of positions 1–17 (3^(i-1) mod 31).
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

fn uscc_value(c: char) -> Option<u32> {
    USCC_CHARS
        .iter()
        .position(|&b| char::from(b) == c)
        .and_then(|p| u32::try_from(p).ok())
}

/// 统一社会信用代码 (unified social credit code): 18 characters, last one a GB 32100 check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Uscc(String);

impl Uscc {
    /// Parses a code; surrounding blanks are trimmed and lower-case letters accepted.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let code: String = input.trim().to_uppercase();
        let chars: Vec<char> = code.chars().collect();
        if chars.len() != 18 {
            return Err(DomainError::UsccLength(chars.len()));
        }
        let mut values = [0u32; 18];
        for (i, &c) in chars.iter().enumerate() {
            values[i] = uscc_value(c).ok_or(DomainError::UsccChar(c))?;
        }
        // positions 3–8: the registering authority's administrative division code
        if !chars[2..8].iter().all(char::is_ascii_digit) {
            return Err(DomainError::UsccDivision);
        }
        let expected = Self::check_char(&values[..17]);
        if expected != chars[17] {
            return Err(DomainError::UsccCheckDigit {
                expected,
                found: chars[17],
            });
        }
        Ok(Self(code))
    }

    /// Completes 17 leading characters with their check digit. Used to make demo data.
    pub fn with_check_digit(first17: &str) -> Result<Self, DomainError> {
        let chars: Vec<char> = first17.trim().to_uppercase().chars().collect();
        if chars.len() != 17 {
            return Err(DomainError::UsccLength(chars.len() + 1));
        }
        let mut values = [0u32; 17];
        for (i, &c) in chars.iter().enumerate() {
            values[i] = uscc_value(c).ok_or(DomainError::UsccChar(c))?;
        }
        if !chars[2..8].iter().all(char::is_ascii_digit) {
            return Err(DomainError::UsccDivision);
        }
        let mut code: String = chars.into_iter().collect();
        code.push(Self::check_char(&values));
        Ok(Self(code))
    }

    fn check_char(values: &[u32]) -> char {
        let sum: u32 = values
            .iter()
            .zip(USCC_WEIGHTS.iter())
            .map(|(v, w)| v * w)
            .sum();
        let check = (31 - sum % 31) % 31;
        // `check` is in 0..31, so the index is always in range.
        char::from(USCC_CHARS[check as usize])
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Uscc {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Uscc {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Uscc> for String {
    fn from(u: Uscc) -> Self {
        u.0
    }
}

/// 行政区划代码 (division code): six digits, e.g. 640181 for 灵武市.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DivisionCode(String);

impl DivisionCode {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim();
        if s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(s.to_owned()))
        } else {
            Err(DomainError::DivisionCode)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for DivisionCode {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<DivisionCode> for String {
    fn from(d: DivisionCode) -> Self {
        d.0
    }
}

/// The kind of an agency, which places it in the hierarchy 省/市/县 人民政府 → 部门 / 乡镇街道.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    /// 省级人民政府（含自治区、直辖市）
    ProvincialGovernment,
    /// 市级人民政府（设区的市、自治州）
    MunicipalGovernment,
    /// 县级人民政府（县、县级市、区）
    CountyGovernment,
    /// 政府部门
    Department,
    /// 乡镇人民政府、街道办事处
    Township,
}

impl AgencyKind {
    pub const ALL: [AgencyKind; 5] = [
        Self::ProvincialGovernment,
        Self::MunicipalGovernment,
        Self::CountyGovernment,
        Self::Department,
        Self::Township,
    ];

    /// Stable key stored in the database and used in forms.
    pub fn key(self) -> &'static str {
        match self {
            Self::ProvincialGovernment => "provincial_government",
            Self::MunicipalGovernment => "municipal_government",
            Self::CountyGovernment => "county_government",
            Self::Department => "department",
            Self::Township => "township",
        }
    }

    /// Chinese label shown to users.
    pub fn label(self) -> &'static str {
        match self {
            Self::ProvincialGovernment => "省级人民政府",
            Self::MunicipalGovernment => "市级人民政府",
            Self::CountyGovernment => "县级人民政府",
            Self::Department => "政府部门",
            Self::Township => "乡镇（街道）",
        }
    }

    /// A 本级政府 at county level or above, which publishes the consolidated annual report.
    pub fn is_government(self) -> bool {
        matches!(
            self,
            Self::ProvincialGovernment | Self::MunicipalGovernment | Self::CountyGovernment
        )
    }

    /// The statutory default deadline of the agency's annual report (条例第五十条):
    /// departments (and townships, which report to the county) by 31 January,
    /// a 本级政府's consolidated report by 31 March.
    pub fn default_deadline(self) -> ReportDeadline {
        if self.is_government() {
            ReportDeadline { month: 3, day: 31 }
        } else {
            ReportDeadline { month: 1, day: 31 }
        }
    }
}

impl FromStr for AgencyKind {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.key() == s)
            .ok_or_else(|| DomainError::AgencyKind(s.to_owned()))
    }
}

/// The day of the year after the report year by which the annual report is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportDeadline {
    pub month: u8,
    pub day: u8,
}

impl ReportDeadline {
    /// Parses `MM-DD` (also `M-D`, `M月D日`).
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim().replace(['月', '/'], "-").replace('日', "");
        let (m, d) = s.split_once('-').ok_or(DomainError::Deadline)?;
        let month: u8 = m.trim().parse().map_err(|_| DomainError::Deadline)?;
        let day: u8 = d.trim().parse().map_err(|_| DomainError::Deadline)?;
        let max = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 => 28,
            _ => return Err(DomainError::Deadline),
        };
        if day == 0 || day > max {
            return Err(DomainError::Deadline);
        }
        Ok(Self { month, day })
    }

    /// The effective deadline: an override when set, else the kind's statutory default.
    pub fn effective(kind: AgencyKind, override_: Option<ReportDeadline>) -> ReportDeadline {
        override_.unwrap_or_else(|| kind.default_deadline())
    }

    /// Chinese label, e.g. `1月31日`.
    pub fn label(self) -> String {
        format!("{}月{}日", self.month, self.day)
    }
}

impl fmt::Display for ReportDeadline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}-{:02}", self.month, self.day)
    }
}

/// What a staff account may do, always scoped to its own agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 信息员: drafts items and reports.
    Editor,
    /// 审核员: reviews and publishes.
    Reviewer,
    /// 机关管理员: manages the agency's users and settings.
    AgencyAdmin,
    /// 监督员: reads its own and all subordinate agencies.
    Supervisor,
    /// 系统管理员: runs the platform.
    SystemAdmin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Self::Editor,
        Self::Reviewer,
        Self::AgencyAdmin,
        Self::Supervisor,
        Self::SystemAdmin,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Self::Editor => "editor",
            Self::Reviewer => "reviewer",
            Self::AgencyAdmin => "agency_admin",
            Self::Supervisor => "supervisor",
            Self::SystemAdmin => "system_admin",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Editor => "信息员",
            Self::Reviewer => "审核员",
            Self::AgencyAdmin => "机关管理员",
            Self::Supervisor => "监督员",
            Self::SystemAdmin => "系统管理员",
        }
    }

    /// Whether the role may read the data of agencies below its own.
    pub fn reads_subordinates(self) -> bool {
        matches!(self, Self::Supervisor | Self::SystemAdmin)
    }
}

impl FromStr for Role {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.key() == s)
            .ok_or_else(|| DomainError::Role(s.to_owned()))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uscc_accepts_the_standard_example() {
        let u = Uscc::parse("91350100M000100Y43").unwrap();
        assert_eq!(u.as_str(), "91350100M000100Y43");
        assert_eq!(
            Uscc::parse(" 91350100m000100y43 ").unwrap().as_str(),
            "91350100M000100Y43"
        );
    }

    #[test]
    fn uscc_rejects_wrong_check_digit_length_and_chars() {
        assert_eq!(
            Uscc::parse("91350100M000100Y44"),
            Err(DomainError::UsccCheckDigit {
                expected: '3',
                found: '4'
            })
        );
        assert_eq!(Uscc::parse("123"), Err(DomainError::UsccLength(3)));
        assert_eq!(
            Uscc::parse("91350100M000100I43"),
            Err(DomainError::UsccChar('I'))
        );
        assert_eq!(
            Uscc::parse("91350100M000100Y44").unwrap_err().code(),
            "invalid_uscc"
        );
        // positions 3–8 are a division code: digits only, whatever the check digit says
        let letters = Uscc::with_check_digit("9135010AM000100Y4");
        assert_eq!(letters, Err(DomainError::UsccDivision));
        assert_eq!(
            Uscc::parse("91A50100M000100Y43"),
            Err(DomainError::UsccDivision)
        );
    }

    #[test]
    fn uscc_completion_round_trips() {
        let u = Uscc::with_check_digit("11640181MB1234567").unwrap();
        assert_eq!(Uscc::parse(u.as_str()).unwrap(), u);
        assert_eq!(
            Uscc::with_check_digit("91350100M000100Y4")
                .unwrap()
                .as_str(),
            "91350100M000100Y43"
        );
    }

    #[test]
    fn division_code_is_six_digits() {
        assert!(DivisionCode::parse("640181").is_ok());
        assert!(DivisionCode::parse("64018").is_err());
        assert!(DivisionCode::parse("64018a").is_err());
    }

    #[test]
    fn deadlines_follow_the_kind_and_can_be_overridden() {
        assert_eq!(
            AgencyKind::Department.default_deadline(),
            ReportDeadline { month: 1, day: 31 }
        );
        assert_eq!(
            AgencyKind::CountyGovernment.default_deadline(),
            ReportDeadline { month: 3, day: 31 }
        );
        let o = ReportDeadline::parse("2月15日").unwrap();
        assert_eq!(
            ReportDeadline::effective(AgencyKind::Department, Some(o)),
            o
        );
        assert_eq!(o.to_string(), "02-15");
        assert_eq!(o.label(), "2月15日");
        assert!(ReportDeadline::parse("02-30").is_err());
        assert!(ReportDeadline::parse("13-01").is_err());
    }

    #[test]
    fn keys_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.key().parse::<Role>().unwrap(), r);
        }
        for k in AgencyKind::ALL {
            assert_eq!(k.key().parse::<AgencyKind>().unwrap(), k);
        }
        assert!("root".parse::<Role>().is_err());
        assert_eq!(Role::Supervisor.label(), "监督员");
    }
}
