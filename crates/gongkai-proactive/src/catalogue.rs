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

/// A change staff make to a catalogue (see [`Catalogue::apply`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogueEdit {
    /// A new column at the end (of its parent's children); `key` `None` generates one.
    Add {
        key: Option<String>,
        name: String,
        parent: Option<ColumnKey>,
    },
    Rename {
        key: ColumnKey,
        name: String,
    },
    /// One place up or down among its siblings (with its sub-columns).
    Move {
        key: ColumnKey,
        up: bool,
    },
    /// Removes a column without sub-columns (the caller checks that no item uses it).
    Delete {
        key: ColumnKey,
    },
}

/// Longest column name.
pub const MAX_NAME_CHARS: usize = 50;

/// Why an edit cannot be applied (messages in Chinese).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CatalogueEditError {
    #[error("栏目名称不能为空")]
    NameEmpty,
    #[error("栏目名称不能超过 {MAX_NAME_CHARS} 个字符")]
    NameTooLong,
    #[error("栏目名称“{0}”已存在")]
    NameTaken(String),
    #[error(transparent)]
    Key(#[from] ColumnKeyError),
    #[error("栏目标识“{0}”已被使用")]
    KeyTaken(String),
    #[error("栏目“{0}”不存在")]
    UnknownColumn(String),
    #[error("栏目“{0}”下还有子栏目，请先删除或移走子栏目")]
    HasChildren(String),
    #[error("栏目“{0}”已在最{1}，无法再移动")]
    AtEdge(String, &'static str),
}

impl Catalogue {
    /// The catalogue after `edit`; the order is normalised to a depth-first walk (each column
    /// followed by its sub-columns).
    pub fn apply(&self, edit: &CatalogueEdit) -> Result<Catalogue, CatalogueEditError> {
        let mut columns = self.columns.clone();
        let name_of = |k: &ColumnKey| {
            self.get(k)
                .map(|c| c.name.clone())
                .ok_or_else(|| CatalogueEditError::UnknownColumn(k.to_string()))
        };
        let check_name = |name: &str, except: Option<&ColumnKey>| {
            let name = name.trim();
            if name.is_empty() {
                return Err(CatalogueEditError::NameEmpty);
            }
            if name.chars().count() > MAX_NAME_CHARS {
                return Err(CatalogueEditError::NameTooLong);
            }
            if self
                .columns
                .iter()
                .any(|c| c.name == name && Some(&c.key) != except)
            {
                return Err(CatalogueEditError::NameTaken(name.to_owned()));
            }
            Ok(name.to_owned())
        };
        match edit {
            CatalogueEdit::Add { key, name, parent } => {
                let name = check_name(name, None)?;
                if let Some(p) = parent {
                    name_of(p)?;
                }
                let key = match key.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
                    Some(k) => {
                        let k = ColumnKey::parse(k)?;
                        if self.get(&k).is_some() {
                            return Err(CatalogueEditError::KeyTaken(k.to_string()));
                        }
                        k
                    }
                    None => self.free_key()?,
                };
                columns.push(Column {
                    key,
                    name,
                    parent: parent.clone(),
                    statutory_item: None,
                });
            }
            CatalogueEdit::Rename { key, name } => {
                name_of(key)?;
                let name = check_name(name, Some(key))?;
                if let Some(c) = columns.iter_mut().find(|c| &c.key == key) {
                    c.name = name;
                }
            }
            CatalogueEdit::Move { key, up } => {
                let name = name_of(key)?;
                let parent = self.get(key).and_then(|c| c.parent.clone());
                let siblings: Vec<usize> = columns
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.parent == parent)
                    .map(|(i, _)| i)
                    .collect();
                let at = siblings
                    .iter()
                    .position(|&i| &columns[i].key == key)
                    .ok_or_else(|| CatalogueEditError::UnknownColumn(key.to_string()))?;
                let other = if *up {
                    at.checked_sub(1)
                        .ok_or(CatalogueEditError::AtEdge(name.clone(), "前"))?
                } else if at + 1 < siblings.len() {
                    at + 1
                } else {
                    return Err(CatalogueEditError::AtEdge(name, "后"));
                };
                columns.swap(siblings[at], siblings[other]);
            }
            CatalogueEdit::Delete { key } => {
                let name = name_of(key)?;
                if self.children(key).next().is_some() {
                    return Err(CatalogueEditError::HasChildren(name));
                }
                columns.retain(|c| &c.key != key);
            }
        }
        Ok(Catalogue {
            columns: depth_first(&columns),
        })
    }

    /// The first unused generated key `col-1`, `col-2`, …
    fn free_key(&self) -> Result<ColumnKey, CatalogueEditError> {
        let n = (1..=self.columns.len() + 1)
            .find(|n| self.get_str(&format!("col-{n}")).is_none())
            .unwrap_or(self.columns.len() + 1);
        Ok(ColumnKey::parse(&format!("col-{n}"))?)
    }
}

/// Columns in depth-first order, siblings keeping their relative order.
fn depth_first(columns: &[Column]) -> Vec<Column> {
    fn walk(all: &[Column], parent: Option<&ColumnKey>, out: &mut Vec<Column>) {
        for c in all.iter().filter(|c| c.parent.as_ref() == parent) {
            out.push(c.clone());
            walk(all, Some(&c.key), out);
        }
    }
    let mut out = Vec::with_capacity(columns.len());
    walk(columns, None, &mut out);
    out
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
    #[test]
    fn edits_add_rename_move_delete() {
        let cat = Catalogue::demo_bureau();
        let added = cat
            .apply(&CatalogueEdit::Add {
                key: None,
                name: " 人事信息 ".into(),
                parent: None,
            })
            .unwrap();
        let last = added.columns().last().unwrap();
        assert_eq!(
            (last.key.as_str(), last.name.as_str()),
            ("col-1", "人事信息")
        );
        let col1 = ColumnKey::parse("col-1").unwrap();
        assert_eq!(
            added.apply(&CatalogueEdit::Add {
                key: Some("other".into()),
                name: "新栏目".into(),
                parent: None
            }),
            Err(CatalogueEditError::KeyTaken("other".into()))
        );
        assert_eq!(
            added.apply(&CatalogueEdit::Add {
                key: None,
                name: "部门文件".into(),
                parent: None
            }),
            Err(CatalogueEditError::NameTaken("部门文件".into()))
        );
        assert!(matches!(
            added.apply(&CatalogueEdit::Add {
                key: Some("人事".into()),
                name: "人事".into(),
                parent: None
            }),
            Err(CatalogueEditError::Key(_))
        ));
        let renamed = added
            .apply(&CatalogueEdit::Rename {
                key: col1.clone(),
                name: "人事任免".into(),
            })
            .unwrap();
        assert_eq!(renamed.get(&col1).unwrap().name, "人事任免");
        let up = renamed
            .apply(&CatalogueEdit::Move {
                key: col1.clone(),
                up: true,
            })
            .unwrap();
        let names: Vec<&str> = up.columns().iter().map(|c| c.name.as_str()).collect();
        assert_eq!(&names[12..], ["人事任免", "其他"]);
        assert!(matches!(
            up.apply(&CatalogueEdit::Move {
                key: ColumnKey::parse("annual_reports").unwrap(),
                up: true
            }),
            Err(CatalogueEditError::AtEdge(_, "前"))
        ));
        let deleted = up
            .apply(&CatalogueEdit::Delete { key: col1.clone() })
            .unwrap();
        assert_eq!(deleted, cat);
    }

    #[test]
    fn moving_keeps_sub_columns_with_their_parent() {
        let cat = Catalogue::national_default();
        let moved = cat
            .apply(&CatalogueEdit::Move {
                key: ColumnKey::parse("statutory").unwrap(),
                up: true,
            })
            .unwrap();
        let keys: Vec<&str> = moved.columns().iter().map(|c| c.key.as_str()).collect();
        assert_eq!(&keys[..3], ["guide", "statutory", "policy_documents"]);
        assert_eq!(keys[17], "rules");
        assert!(matches!(
            cat.apply(&CatalogueEdit::Delete {
                key: ColumnKey::parse("statutory").unwrap()
            }),
            Err(CatalogueEditError::HasChildren(_))
        ));
    }
}
