//! 政府信息 (item): one published piece of information and its metadata.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::catalogue::ColumnKey;
use crate::document_number::DocumentNumber;
use crate::index_number::IndexNumber;

/// 公开方式 (disclosure mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisclosureMode {
    /// 主动公开
    Proactive,
    /// 依申请公开
    OnRequest,
    /// 不予公开
    NotDisclosed,
}

impl DisclosureMode {
    /// The label users see.
    pub fn label(self) -> &'static str {
        match self {
            Self::Proactive => "主动公开",
            Self::OnRequest => "依申请公开",
            Self::NotDisclosed => "不予公开",
        }
    }

    /// Parses a label.
    pub fn from_label(label: &str) -> Option<Self> {
        [Self::Proactive, Self::OnRequest, Self::NotDisclosed]
            .into_iter()
            .find(|m| m.label() == label.trim())
    }
}

/// 文件类型 for table 二 (一): rules, normative documents, other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// 规章
    Regulation,
    /// 行政规范性文件
    NormativeDocument,
    /// 其他
    Other,
}

impl DocumentKind {
    /// The label users see.
    pub fn label(self) -> &'static str {
        match self {
            Self::Regulation => "规章",
            Self::NormativeDocument => "行政规范性文件",
            Self::Other => "其他",
        }
    }

    /// Whether the kind carries a validity (rules and normative documents).
    pub fn has_validity(self) -> bool {
        matches!(self, Self::Regulation | Self::NormativeDocument)
    }
}

/// 有效性 of a rule or normative document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Validity {
    /// 有效
    InForce { since: Option<NaiveDate> },
    /// 修改: amended, still in force in its amended form.
    Amended {
        since: Option<NaiveDate>,
        amended_on: NaiveDate,
    },
    /// 废止
    Repealed {
        since: Option<NaiveDate>,
        repealed_on: NaiveDate,
    },
}

impl Validity {
    /// The label users see.
    pub fn label(&self) -> &'static str {
        match self {
            Self::InForce { .. } => "有效",
            Self::Amended { .. } => "修改",
            Self::Repealed { .. } => "废止",
        }
    }

    /// The date it took effect, if known.
    pub fn since(&self) -> Option<NaiveDate> {
        match *self {
            Self::InForce { since }
            | Self::Amended { since, .. }
            | Self::Repealed { since, .. } => since,
        }
    }

    /// The repeal date, if repealed.
    pub fn repealed_on(&self) -> Option<NaiveDate> {
        match *self {
            Self::Repealed { repealed_on, .. } => Some(repealed_on),
            _ => None,
        }
    }

    /// Whether the document is in force on `date` (an unknown start date
    /// counts as in force).
    pub fn in_force_on(&self, date: NaiveDate) -> bool {
        self.since().is_none_or(|s| s <= date) && self.repealed_on().is_none_or(|r| r > date)
    }
}

/// 附件 (attachment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// The stored file's id (`None` for a link to a file kept elsewhere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub file_name: String,
    /// Where the file is served (relative path or URL).
    pub url: String,
    pub size_bytes: Option<u64>,
    /// The sniffed media type, e.g. `application/pdf`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
}

/// Standard 主题分类 (topics) of the State Council's policy library, offered
/// as choices; an agency may use its own.
pub const STANDARD_TOPICS: &[&str] = &[
    "国务院组织机构",
    "综合政务",
    "国民经济管理、国有资产监管",
    "财政、金融、审计",
    "国土资源、能源",
    "农业、林业、水利",
    "工业、交通",
    "商贸、海关、旅游",
    "市场监管、安全生产监管",
    "城乡建设、环境保护",
    "科技、教育",
    "文化、广电、新闻出版",
    "卫生、体育",
    "人口与计划生育、妇女儿童工作",
    "劳动、人事、监察",
    "公安、安全、司法",
    "民政、扶贫、救灾",
    "民族、宗教",
    "对外事务",
    "港澳台侨工作",
    "国防",
    "其他",
];

/// Default 公开范围 (scope).
pub const DEFAULT_SCOPE: &str = "面向社会";

/// One item with its metadata (one version of it; versions are the
/// workflow's business, see the `workflow` module).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub index_number: IndexNumber,
    pub column: ColumnKey,
    pub title: String,
    /// 发布机构
    pub publisher: String,
    pub document_number: Option<DocumentNumber>,
    /// 成文日期
    pub written_on: Option<NaiveDate>,
    /// 发布日期 (set on publication)
    pub published_on: Option<NaiveDate>,
    /// 主题分类
    pub topic: Option<String>,
    pub disclosure_mode: DisclosureMode,
    /// 公开范围, e.g. 面向社会
    pub scope: String,
    pub kind: DocumentKind,
    /// For rules and normative documents.
    pub validity: Option<Validity>,
    /// 正文, sanitised HTML (see `html::sanitize`).
    pub body_html: String,
    pub attachments: Vec<Attachment>,
}

impl Item {
    /// A new draft item with the defaults (主动公开, 面向社会, 其他).
    pub fn new(index_number: IndexNumber, column: ColumnKey, title: &str, publisher: &str) -> Self {
        Self {
            index_number,
            column,
            title: title.to_owned(),
            publisher: publisher.to_owned(),
            document_number: None,
            written_on: None,
            published_on: None,
            topic: None,
            disclosure_mode: DisclosureMode::Proactive,
            scope: DEFAULT_SCOPE.to_owned(),
            kind: DocumentKind::Other,
            validity: None,
            body_html: String::new(),
            attachments: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn validity_in_force_on() {
        let v = Validity::Repealed {
            since: Some(d(2019, 3, 1)),
            repealed_on: d(2023, 6, 30),
        };
        assert!(!v.in_force_on(d(2019, 2, 28)));
        assert!(v.in_force_on(d(2022, 12, 31)));
        assert!(!v.in_force_on(d(2023, 6, 30)));
        assert_eq!(v.label(), "废止");
        let amended = Validity::Amended {
            since: None,
            amended_on: d(2021, 1, 1),
        };
        assert!(amended.in_force_on(d(2030, 1, 1)));
    }

    #[test]
    fn labels_round_trip() {
        for m in [
            DisclosureMode::Proactive,
            DisclosureMode::OnRequest,
            DisclosureMode::NotDisclosed,
        ] {
            assert_eq!(DisclosureMode::from_label(m.label()), Some(m));
        }
        assert_eq!(DisclosureMode::from_label("公开"), None);
        assert_eq!(DocumentKind::NormativeDocument.label(), "行政规范性文件");
        assert!(!DocumentKind::Other.has_validity());
    }

    #[test]
    fn item_serialises_identifiers_as_strings() {
        let item = Item::new(
            IndexNumber::new("11640381MB1962185B", 2021, 1).unwrap(),
            ColumnKey::parse("department_documents").unwrap(),
            "关于印发某办法的通知",
            "示例审批服务管理局",
        );
        let json = serde_json::to_value(&item).unwrap();
        assert_eq!(json["index_number"], "11640381MB1962185B/2021-00001");
        assert_eq!(json["disclosure_mode"], "proactive");
        let back: Item = serde_json::from_value(json).unwrap();
        assert_eq!(back, item);
    }
}
