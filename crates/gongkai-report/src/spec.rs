//! The national annual-report formats as data: every section, table, row and
//! column with its official label and canonical key, defined once.
//!
//! Source: 国办公开办函〔2019〕60号 (2019 试行) and 国办公开办函〔2021〕30号 (2021).
//! The canonical keys are the project's public data contract (JSON, API, CLI).

use serde::{Deserialize, Serialize};
use std::fmt;

/// Which national format a report follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum FormatVersion {
    /// 国办公开办函〔2019〕60号, for the 2019 and 2020 reports.
    #[serde(rename = "2019")]
    V2019,
    /// 国办公开办函〔2021〕30号, from the 2021 reports on.
    #[serde(rename = "2021")]
    V2021,
}

impl FormatVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            FormatVersion::V2019 => "2019",
            FormatVersion::V2021 => "2021",
        }
    }

    /// The format a report for `year` must use.
    pub fn for_year(year: i32) -> FormatVersion {
        if year <= 2020 {
            FormatVersion::V2019
        } else {
            FormatVersion::V2021
        }
    }

    /// The official document that defines the format.
    pub fn document(self) -> &'static str {
        match self {
            FormatVersion::V2019 => "国办公开办函〔2019〕60号",
            FormatVersion::V2021 => "国办公开办函〔2021〕30号",
        }
    }

    pub fn parse(s: &str) -> Option<FormatVersion> {
        match s.trim() {
            "2019" => Some(FormatVersion::V2019),
            "2021" => Some(FormatVersion::V2021),
            _ => None,
        }
    }
}

impl fmt::Display for FormatVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The three statistical tables of a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TableId {
    #[serde(rename = "t2")]
    T2,
    #[serde(rename = "t3")]
    T3,
    #[serde(rename = "t4")]
    T4,
}

impl TableId {
    pub const ALL: [TableId; 3] = [TableId::T2, TableId::T3, TableId::T4];

    pub fn key(self) -> &'static str {
        match self {
            TableId::T2 => "t2",
            TableId::T3 => "t3",
            TableId::T4 => "t4",
        }
    }

    /// The section that holds the table.
    pub fn section(self) -> u8 {
        match self {
            TableId::T2 => 2,
            TableId::T3 => 3,
            TableId::T4 => 4,
        }
    }

    /// Chinese name as used in messages: "表二（主动公开政府信息情况）".
    pub fn display_name(self) -> &'static str {
        match self {
            TableId::T2 => "表二（主动公开政府信息情况）",
            TableId::T3 => "表三（收到和处理政府信息公开申请情况）",
            TableId::T4 => "表四（政府信息公开行政复议、行政诉讼情况）",
        }
    }
}

/// How a cell's value is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// A non-negative integer.
    Count,
    /// An integer that may be negative (本年增/减).
    SignedCount,
    /// A non-negative decimal amount, written as a string in JSON.
    Amount,
}

#[derive(Debug)]
pub struct ColumnSpec {
    pub key: &'static str,
    pub label: &'static str,
    pub kind: ValueKind,
    /// Other spellings seen in the wild (already normalised away: width,
    /// spacing, brackets).
    pub aliases: &'static [&'static str],
}

#[derive(Debug)]
pub struct RowSpec {
    pub key: &'static str,
    /// The official label of the row itself, numbering included.
    pub label: &'static str,
    /// The official group label the row sits under, if any (（三）不予公开).
    pub group: Option<&'static str>,
    pub aliases: &'static [&'static str],
}

impl RowSpec {
    /// The label as a reader sees it: "（三）不予公开 1.属于国家秘密".
    pub fn full_label(&self) -> String {
        match self.group {
            Some(g) => format!("{g} {}", self.label),
            None => self.label.to_string(),
        }
    }
}

/// One sub-table of table 二: an item of Art. 20 with its rows and columns.
#[derive(Debug)]
pub struct SubTableSpec {
    /// 第二十条第（一）项
    pub item: &'static str,
    pub rows: &'static [RowSpec],
    pub columns: &'static [ColumnSpec],
}

/// One national format, whole.
#[derive(Debug)]
pub struct FormatSpec {
    pub version: FormatVersion,
    pub t2: &'static [SubTableSpec],
    pub t3_rows: &'static [RowSpec],
    pub t3_columns: &'static [ColumnSpec],
    pub t4_rows: &'static [RowSpec],
    pub t4_columns: &'static [ColumnSpec],
}

impl FormatSpec {
    pub fn get(version: FormatVersion) -> &'static FormatSpec {
        match version {
            FormatVersion::V2019 => &FORMAT_2019,
            FormatVersion::V2021 => &FORMAT_2021,
        }
    }

    /// Rows of a table in official order, with the columns each row carries.
    pub fn rows(&self, table: TableId) -> Vec<(&'static RowSpec, &'static [ColumnSpec])> {
        match table {
            TableId::T2 => self
                .t2
                .iter()
                .flat_map(|s| s.rows.iter().map(move |r| (r, s.columns)))
                .collect(),
            TableId::T3 => self.t3_rows.iter().map(|r| (r, self.t3_columns)).collect(),
            TableId::T4 => self.t4_rows.iter().map(|r| (r, self.t4_columns)).collect(),
        }
    }

    pub fn row(
        &self,
        table: TableId,
        key: &str,
    ) -> Option<(&'static RowSpec, &'static [ColumnSpec])> {
        self.rows(table).into_iter().find(|(r, _)| r.key == key)
    }

    /// The sub-table of table 二 that holds `row_key`.
    pub fn t2_subtable(&self, row_key: &str) -> Option<&'static SubTableSpec> {
        self.t2
            .iter()
            .find(|s| s.rows.iter().any(|r| r.key == row_key))
    }
}

/// A section of the report (both formats have the same six).
#[derive(Debug)]
pub struct SectionSpec {
    pub number: u8,
    /// The official heading, numbering included.
    pub heading: &'static str,
    /// The title without numbering, as in canonical JSON.
    pub title: &'static str,
    /// Key phrases that identify the heading in the wild (any one suffices).
    pub keys: &'static [&'static str],
}

pub const SECTIONS: [SectionSpec; 6] = [
    SectionSpec {
        number: 1,
        heading: "一、总体情况",
        title: "总体情况",
        keys: &["总体情况", "概述", "基本情况"],
    },
    SectionSpec {
        number: 2,
        heading: "二、主动公开政府信息情况",
        title: "主动公开政府信息情况",
        keys: &["主动公开政府信息情况", "主动公开政府信息", "主动公开情况"],
    },
    SectionSpec {
        number: 3,
        heading: "三、收到和处理政府信息公开申请情况",
        title: "收到和处理政府信息公开申请情况",
        keys: &[
            "收到和处理政府信息公开申请",
            "收到和处理",
            "依申请公开政府信息情况",
            "政府信息公开申请情况",
        ],
    },
    SectionSpec {
        number: 4,
        heading: "四、政府信息公开行政复议、行政诉讼情况",
        title: "政府信息公开行政复议、行政诉讼情况",
        keys: &["行政复议", "行政诉讼"],
    },
    SectionSpec {
        number: 5,
        heading: "五、存在的主要问题及改进情况",
        title: "存在的主要问题及改进情况",
        keys: &[
            "存在的主要问题",
            "主要问题及改进",
            "问题及改进",
            "存在问题",
            "存在的问题",
        ],
    },
    SectionSpec {
        number: 6,
        heading: "六、其他需要报告的事项",
        title: "其他需要报告的事项",
        keys: &["其他需要报告", "其他需报告"],
    },
];

/// The header cell every sub-table of table 二 starts with.
pub const T2_CONTENT_HEADER: &str = "信息内容";

/// The top-left merged header cell of table 三.
pub const T3_CORNER: &str = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）";

/// Group labels of table 三 that carry no values of their own.
pub const T3_GROUP_RESULTS: &str = "三、本年度办理结果";
pub const T3_GROUP_DENIED: &str = "（三）不予公开";
pub const T3_GROUP_UNABLE: &str = "（四）无法提供";
pub const T3_GROUP_NOT_PROCESSED: &str = "（五）不予处理";
pub const T3_GROUP_OTHER: &str = "（六）其他处理";

/// Column groups of table 三's header.
pub const T3_APPLICANT_GROUP: &str = "申请人情况";
pub const T3_ORGANISATION_GROUP: &str = "法人或其他组织";

/// Column groups of table 四's header.
pub const T4_RECONSIDERATION: &str = "行政复议";
pub const T4_LITIGATION: &str = "行政诉讼";

const fn count(key: &'static str, label: &'static str) -> ColumnSpec {
    ColumnSpec {
        key,
        label,
        kind: ValueKind::Count,
        aliases: &[],
    }
}

const fn row(key: &'static str, label: &'static str) -> RowSpec {
    RowSpec {
        key,
        label,
        group: None,
        aliases: &[],
    }
}

const fn grouped(key: &'static str, group: &'static str, label: &'static str) -> RowSpec {
    RowSpec {
        key,
        label,
        group: Some(group),
        aliases: &[],
    }
}

// ---- table 二, 2021 --------------------------------------------------------

const T2_2021_ITEM1_COLS: [ColumnSpec; 3] = [
    ColumnSpec {
        key: "issued",
        label: "本年制发件数",
        kind: ValueKind::Count,
        aliases: &["本年新制发件数", "本年制发数"],
    },
    ColumnSpec {
        key: "repealed",
        label: "本年废止件数",
        kind: ValueKind::Count,
        aliases: &["本年废止数"],
    },
    ColumnSpec {
        key: "in_force",
        label: "现行有效件数",
        kind: ValueKind::Count,
        aliases: &["现行有效数"],
    },
];
const T2_DECISIONS_2021: [ColumnSpec; 1] = [ColumnSpec {
    key: "decisions",
    label: "本年处理决定数量",
    kind: ValueKind::Count,
    aliases: &["处理决定数量", "本年处理决定数"],
}];
const T2_FEES_2021: [ColumnSpec; 1] = [ColumnSpec {
    key: "amount_wan_yuan",
    label: "本年收费金额（单位：万元）",
    kind: ValueKind::Amount,
    aliases: &["本年收费金额(万元)", "本年收费金额"],
}];

const T2_2021: [SubTableSpec; 4] = [
    SubTableSpec {
        item: "第二十条第（一）项",
        rows: &[
            row("regulations", "规章"),
            RowSpec {
                key: "normative_documents",
                label: "行政规范性文件",
                group: None,
                aliases: &["规范性文件"],
            },
        ],
        columns: &T2_2021_ITEM1_COLS,
    },
    SubTableSpec {
        item: "第二十条第（五）项",
        rows: &[row("licensing", "行政许可")],
        columns: &T2_DECISIONS_2021,
    },
    SubTableSpec {
        item: "第二十条第（六）项",
        rows: &[row("penalties", "行政处罚"), row("enforcement", "行政强制")],
        columns: &T2_DECISIONS_2021,
    },
    SubTableSpec {
        item: "第二十条第（八）项",
        rows: &[row("fees", "行政事业性收费")],
        columns: &T2_FEES_2021,
    },
];

// ---- table 二, 2019 --------------------------------------------------------

const T2_2019_ITEM1_COLS: [ColumnSpec; 3] = [
    count("new_made", "本年新制作数量"),
    count("new_published", "本年新公开数量"),
    count("total_published", "对外公开总数量"),
];
const T2_2019_ITEMS_COLS: [ColumnSpec; 3] = [
    count("prev_items", "上一年项目数量"),
    ColumnSpec {
        key: "change",
        label: "本年增/减",
        kind: ValueKind::SignedCount,
        aliases: &["本年增减", "本年增（减）"],
    },
    count("decisions", "处理决定数量"),
];
const T2_2019_FEES_COLS: [ColumnSpec; 2] = [
    count("prev_items", "上一年项目数量"),
    ColumnSpec {
        key: "change",
        label: "本年增/减",
        kind: ValueKind::SignedCount,
        aliases: &["本年增减", "本年增（减）"],
    },
];
const T2_2019_PROCUREMENT_COLS: [ColumnSpec; 2] = [
    count("projects", "采购项目数量"),
    ColumnSpec {
        key: "total_amount",
        label: "采购总金额",
        kind: ValueKind::Amount,
        aliases: &[],
    },
];

const T2_2019: [SubTableSpec; 5] = [
    SubTableSpec {
        item: "第二十条第（一）项",
        rows: &[
            row("regulations", "规章"),
            RowSpec {
                key: "normative_documents",
                label: "规范性文件",
                group: None,
                aliases: &["行政规范性文件"],
            },
        ],
        columns: &T2_2019_ITEM1_COLS,
    },
    SubTableSpec {
        item: "第二十条第（五）项",
        rows: &[
            row("licensing", "行政许可"),
            row("other_services", "其他对外管理服务事项"),
        ],
        columns: &T2_2019_ITEMS_COLS,
    },
    SubTableSpec {
        item: "第二十条第（六）项",
        rows: &[row("penalties", "行政处罚"), row("enforcement", "行政强制")],
        columns: &T2_2019_ITEMS_COLS,
    },
    SubTableSpec {
        item: "第二十条第（八）项",
        rows: &[row("fees", "行政事业性收费")],
        columns: &T2_2019_FEES_COLS,
    },
    SubTableSpec {
        item: "第二十条第（九）项",
        rows: &[row("procurement", "政府集中采购")],
        columns: &T2_2019_PROCUREMENT_COLS,
    },
];

// ---- table 三 ---------------------------------------------------------------

pub const T3_COLUMNS: [ColumnSpec; 7] = [
    count("natural_person", "自然人"),
    count("commercial", "商业企业"),
    count("research", "科研机构"),
    count("social_welfare", "社会公益组织"),
    count("legal_service", "法律服务机构"),
    ColumnSpec {
        key: "other_org",
        label: "其他",
        kind: ValueKind::Count,
        aliases: &[],
    },
    count("total", "总计"),
];

/// The applicant columns whose sum is `total`.
pub const T3_APPLICANT_COLUMNS: [&str; 6] = [
    "natural_person",
    "commercial",
    "research",
    "social_welfare",
    "legal_service",
    "other_org",
];

macro_rules! t3_rows {
    ($($other:expr),* $(,)?) => {
        [
            row("new_received", "一、本年新收政府信息公开申请数量"),
            row("carried_over", "二、上年结转政府信息公开申请数量"),
            grouped("granted", T3_GROUP_RESULTS, "（一）予以公开"),
            grouped("partially_granted", T3_GROUP_RESULTS, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
            grouped("denied.state_secret", T3_GROUP_DENIED, "1.属于国家秘密"),
            grouped("denied.prohibited_by_law", T3_GROUP_DENIED, "2.其他法律行政法规禁止公开"),
            grouped("denied.security_stability", T3_GROUP_DENIED, "3.危及“三安全一稳定”"),
            grouped("denied.third_party_rights", T3_GROUP_DENIED, "4.保护第三方合法权益"),
            grouped("denied.internal_affairs", T3_GROUP_DENIED, "5.属于三类内部事务信息"),
            grouped("denied.process_information", T3_GROUP_DENIED, "6.属于四类过程性信息"),
            grouped("denied.enforcement_files", T3_GROUP_DENIED, "7.属于行政执法案卷"),
            grouped("denied.inquiry_matters", T3_GROUP_DENIED, "8.属于行政查询事项"),
            grouped("unable.not_held", T3_GROUP_UNABLE, "1.本机关不掌握相关政府信息"),
            grouped("unable.needs_creation", T3_GROUP_UNABLE, "2.没有现成信息需要另行制作"),
            grouped("unable.still_unclear", T3_GROUP_UNABLE, "3.补正后申请内容仍不明确"),
            grouped("not_processed.petition_complaint", T3_GROUP_NOT_PROCESSED, "1.信访举报投诉类申请"),
            grouped("not_processed.repeated", T3_GROUP_NOT_PROCESSED, "2.重复申请"),
            grouped("not_processed.publication", T3_GROUP_NOT_PROCESSED, "3.要求提供公开出版物"),
            grouped("not_processed.excessive", T3_GROUP_NOT_PROCESSED, "4.无正当理由大量反复申请"),
            grouped("not_processed.reconfirm", T3_GROUP_NOT_PROCESSED, "5.要求行政机关确认或重新出具已获取信息"),
            $($other,)*
            grouped("handled_total", T3_GROUP_RESULTS, "（七）总计"),
            row("carried_forward", "四、结转下年度继续办理"),
        ]
    };
}

const T3_ROWS_2021: [RowSpec; 25] = t3_rows![
    grouped(
        "other.no_correction",
        T3_GROUP_OTHER,
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"
    ),
    grouped(
        "other.fee_unpaid",
        T3_GROUP_OTHER,
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"
    ),
    grouped("other.other", T3_GROUP_OTHER, "3.其他"),
];

const T3_ROWS_2019: [RowSpec; 23] = t3_rows![grouped(
    "other.total_2019",
    T3_GROUP_RESULTS,
    "（六）其他处理"
)];

/// Outcome rows of table 三 (their sum per column is `handled_total`).
pub fn t3_outcome_rows(version: FormatVersion) -> impl Iterator<Item = &'static RowSpec> {
    FormatSpec::get(version).t3_rows.iter().filter(|r| {
        !matches!(
            r.key,
            "new_received" | "carried_over" | "handled_total" | "carried_forward"
        )
    })
}

// ---- table 四 ---------------------------------------------------------------

pub const T4_COLUMNS: [ColumnSpec; 5] = [
    count("upheld", "结果维持"),
    count("corrected", "结果纠正"),
    count("other", "其他结果"),
    count("pending", "尚未审结"),
    count("total", "总计"),
];

pub const T4_ROWS: [RowSpec; 3] = [
    row("reconsideration", "行政复议"),
    grouped("litigation_direct", T4_LITIGATION, "未经复议直接起诉"),
    grouped(
        "litigation_after_reconsideration",
        T4_LITIGATION,
        "复议后起诉",
    ),
];

pub static FORMAT_2021: FormatSpec = FormatSpec {
    version: FormatVersion::V2021,
    t2: &T2_2021,
    t3_rows: &T3_ROWS_2021,
    t3_columns: &T3_COLUMNS,
    t4_rows: &T4_ROWS,
    t4_columns: &T4_COLUMNS,
};

pub static FORMAT_2019: FormatSpec = FormatSpec {
    version: FormatVersion::V2019,
    t2: &T2_2019,
    t3_rows: &T3_ROWS_2019,
    t3_columns: &T3_COLUMNS,
    t4_rows: &T4_ROWS,
    t4_columns: &T4_COLUMNS,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_counts_match_the_formats() {
        assert_eq!(FORMAT_2021.t3_rows.len(), 25);
        assert_eq!(FORMAT_2019.t3_rows.len(), 23);
        assert_eq!(FORMAT_2021.rows(TableId::T2).len(), 6);
        assert_eq!(FORMAT_2019.rows(TableId::T2).len(), 8);
        assert_eq!(t3_outcome_rows(FormatVersion::V2021).count(), 21);
        assert_eq!(t3_outcome_rows(FormatVersion::V2019).count(), 19);
    }

    #[test]
    fn keys_are_unique_per_table() {
        for spec in [&FORMAT_2019, &FORMAT_2021] {
            for t in TableId::ALL {
                let mut keys: Vec<_> = spec.rows(t).iter().map(|(r, _)| r.key).collect();
                let n = keys.len();
                keys.sort_unstable();
                keys.dedup();
                assert_eq!(keys.len(), n, "{t:?} of {:?}", spec.version);
            }
        }
    }
}
