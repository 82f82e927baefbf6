//! 目录 / 栏目 (catalogue / column): where proactive items are filed.
//!
//! Two catalogues are defined here as data, once: the national default
//! (the standard disclosure column with the fifteen kinds of information of
//! 《政府信息公开条例》第二十条) and the demo bureau's thirteen columns.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The stable key of a column (ASCII `a-z`, `0-9`, `_`, `-`; 1–64 chars).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ColumnKey(String);

/// Why a string is not a column key.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("栏目标识“{0}”无效：只能使用小写字母、数字、下划线和连字符，长度 1–64")]
pub struct ColumnKeyError(pub String);

impl ColumnKey {
    /// Parses a column key.
    pub fn parse(input: &str) -> Result<Self, ColumnKeyError> {
        let ok = (1..=64).contains(&input.len())
            && input
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if ok {
            Ok(Self(input.to_owned()))
        } else {
            Err(ColumnKeyError(input.to_owned()))
        }
    }

    /// The key as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ColumnKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ColumnKey {
    type Error = ColumnKeyError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<ColumnKey> for String {
    fn from(k: ColumnKey) -> Self {
        k.0
    }
}

/// One column of a catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub key: ColumnKey,
    /// The name users see, e.g. 部门文件.
    pub name: String,
    pub parent: Option<ColumnKey>,
    /// The item (1–15) of 《政府信息公开条例》第二十条 the column serves, if any.
    pub statutory_item: Option<u8>,
}

/// A column as static data.
#[derive(Debug, Clone, Copy)]
pub struct ColumnDef {
    pub key: &'static str,
    pub name: &'static str,
    pub parent: Option<&'static str>,
    pub statutory_item: Option<u8>,
}

const fn col(key: &'static str, name: &'static str, statutory_item: Option<u8>) -> ColumnDef {
    ColumnDef {
        key,
        name,
        parent: None,
        statutory_item,
    }
}

const fn sub(key: &'static str, name: &'static str, parent: &'static str, item: u8) -> ColumnDef {
    ColumnDef {
        key,
        name,
        parent: Some(parent),
        statutory_item: Some(item),
    }
}

/// The national default catalogue: 政府信息公开指南, 政府信息公开制度,
/// 法定主动公开内容 (one sub-column per item of 条例第二十条) and
/// 政府信息公开年报.
pub const NATIONAL_DEFAULT: &[ColumnDef] = &[
    col("guide", "政府信息公开指南", None),
    col("rules", "政府信息公开制度", None),
    col("statutory", "法定主动公开内容", None),
    sub("policy_documents", "法规、规章和规范性文件", "statutory", 1),
    sub("organisation", "机构职能", "statutory", 2),
    sub("plans", "规划信息", "statutory", 3),
    sub("statistics", "统计信息", "statutory", 4),
    sub(
        "licensing",
        "行政许可和其他对外管理服务事项",
        "statutory",
        5,
    ),
    sub("penalties", "行政处罚和行政强制", "statutory", 6),
    sub("budgets", "财政预算决算", "statutory", 7),
    sub("fees", "行政事业性收费", "statutory", 8),
    sub("procurement", "政府集中采购", "statutory", 9),
    sub("major_projects", "重大建设项目", "statutory", 10),
    sub(
        "social_policies",
        "扶贫、教育、医疗、社会保障、促进就业",
        "statutory",
        11,
    ),
    sub("emergencies", "突发公共事件应急管理", "statutory", 12),
    sub(
        "inspections",
        "环境保护、公共卫生、安全生产、食品药品、产品质量监督检查",
        "statutory",
        13,
    ),
    sub("civil_service", "公务员招考录用", "statutory", 14),
    sub("other_statutory", "其他应当主动公开的信息", "statutory", 15),
    col("annual_reports", "政府信息公开年报", None),
];

/// The demo bureau's thirteen columns, in the order of its site.
pub const DEMO_BUREAU: &[ColumnDef] = &[
    col("annual_reports", "信息公开年报", None),
    col("guide", "信息公开指南", None),
    col("rule_of_law_reports", "法治政府建设年报", None),
    col("overview", "概况信息", Some(2)),
    col("department_documents", "部门文件", Some(1)),
    col("plans", "规划计划", Some(3)),
    col("key_work", "重点工作", None),
    col("fiscal_funds", "财政资金", Some(7)),
    col("service_bulletins", "政务服务通报", None),
    col("business_environment", "优化营商环境专栏", None),
    col("project_approvals", "建设项目环评、水保审批事项", Some(5)),
    col("business_approvals", "商事审批事项", Some(5)),
    col("other", "其他", Some(15)),
];

/// Why a catalogue definition is inconsistent.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CatalogueError {
    #[error(transparent)]
    Key(#[from] ColumnKeyError),
    #[error("栏目标识“{0}”重复")]
    Duplicate(String),
    #[error("栏目“{child}”的上级栏目“{parent}”不存在或排在其后")]
    UnknownParent { child: String, parent: String },
}

/// A catalogue: columns in display order, parents before children.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalogue {
    columns: Vec<Column>,
}

impl Catalogue {
    /// Builds a catalogue, checking keys are unique and parents come first.
    pub fn new(columns: Vec<Column>) -> Result<Self, CatalogueError> {
        let mut seen = std::collections::BTreeSet::new();
        for c in &columns {
            if let Some(parent) = &c.parent
                && !seen.contains(parent)
            {
                return Err(CatalogueError::UnknownParent {
                    child: c.key.to_string(),
                    parent: parent.to_string(),
                });
            }
            if !seen.insert(c.key.clone()) {
                return Err(CatalogueError::Duplicate(c.key.to_string()));
            }
        }
        Ok(Self { columns })
    }

    /// Builds a catalogue from static definitions.
    pub fn from_defs(defs: &[ColumnDef]) -> Result<Self, CatalogueError> {
        let columns = defs
            .iter()
            .map(|d| {
                Ok(Column {
                    key: ColumnKey::parse(d.key)?,
                    name: d.name.to_owned(),
                    parent: d.parent.map(ColumnKey::parse).transpose()?,
                    statutory_item: d.statutory_item,
                })
            })
            .collect::<Result<Vec<_>, ColumnKeyError>>()?;
        Self::new(columns)
    }

    /// The national default catalogue ([`NATIONAL_DEFAULT`]).
    pub fn national_default() -> Self {
        // The static data is checked by a unit test; an empty catalogue is
        // the fallback that can never be reached.
        Self::from_defs(NATIONAL_DEFAULT).unwrap_or(Self {
            columns: Vec::new(),
        })
    }

    /// The demo bureau's catalogue ([`DEMO_BUREAU`]).
    pub fn demo_bureau() -> Self {
        Self::from_defs(DEMO_BUREAU).unwrap_or(Self {
            columns: Vec::new(),
        })
    }

    /// All columns, in display order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The column with this key.
    pub fn get(&self, key: &ColumnKey) -> Option<&Column> {
        self.columns.iter().find(|c| &c.key == key)
    }

    /// The column with this key, by string.
    pub fn get_str(&self, key: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.key.as_str() == key)
    }

    /// Top-level columns.
    pub fn roots(&self) -> impl Iterator<Item = &Column> {
        self.columns.iter().filter(|c| c.parent.is_none())
    }

    /// Direct children of a column.
    pub fn children<'a>(&'a self, key: &'a ColumnKey) -> impl Iterator<Item = &'a Column> + 'a {
        self.columns
            .iter()
            .filter(move |c| c.parent.as_ref() == Some(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_catalogues_are_consistent() {
        assert_eq!(
            Catalogue::from_defs(NATIONAL_DEFAULT)
                .unwrap()
                .columns()
                .len(),
            NATIONAL_DEFAULT.len()
        );
        assert_eq!(
            Catalogue::from_defs(DEMO_BUREAU).unwrap().columns().len(),
            13
        );
    }

    #[test]
    fn national_default_covers_the_fifteen_statutory_items() {
        let cat = Catalogue::national_default();
        let statutory = ColumnKey::parse("statutory").unwrap();
        let items: Vec<u8> = cat
            .children(&statutory)
            .filter_map(|c| c.statutory_item)
            .collect();
        assert_eq!(items, (1..=15).collect::<Vec<u8>>());
        assert_eq!(cat.roots().count(), 4);
    }

    #[test]
    fn demo_bureau_names_in_site_order() {
        let cat = Catalogue::demo_bureau();
        let names: Vec<&str> = cat.columns().iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names[0], "信息公开年报");
        assert_eq!(names[10], "建设项目环评、水保审批事项");
        assert_eq!(names[12], "其他");
        assert_eq!(
            Catalogue::demo_bureau()
                .get_str("department_documents")
                .map(|c| c.name.as_str()),
            Some("部门文件")
        );
    }

    #[test]
    fn bad_definitions_are_rejected() {
        assert!(ColumnKey::parse("部门文件").is_err());
        assert!(ColumnKey::parse("").is_err());
        let dup = [col("a", "甲", None), col("a", "乙", None)];
        assert_eq!(
            Catalogue::from_defs(&dup),
            Err(CatalogueError::Duplicate("a".into()))
        );
        let orphan = [sub("b", "乙", "a", 1)];
        assert!(matches!(
            Catalogue::from_defs(&orphan),
            Err(CatalogueError::UnknownParent { .. })
        ));
    }
}
