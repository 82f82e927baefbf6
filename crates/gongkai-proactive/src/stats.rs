//! Yearly counts for the annual report: published items per column and
//! channel, and table 二 (一) (rules and normative documents issued,
//! repealed and in force at year end). Keys follow the report's canonical
//! keys (`regulations`, `normative_documents`, `issued`, `repealed`,
//! `in_force`).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::catalogue::ColumnKey;
use crate::item::{DocumentKind, Item};

/// Where an item was published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// 网站发布: on the agency's own site.
    Website,
    /// 推送: delivered to an upper-level platform.
    Pushed,
}

impl Channel {
    /// The label users see.
    pub fn label(self) -> &'static str {
        match self {
            Self::Website => "网站发布",
            Self::Pushed => "推送上级平台",
        }
    }
}

/// One publication of an item on one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicationRecord {
    pub column: ColumnKey,
    pub channel: Channel,
    pub published_on: NaiveDate,
}

/// Publications in one year.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct YearCounts {
    pub year: i32,
    /// Publications on all channels (an item on two channels counts twice).
    pub total: u64,
    pub by_column: BTreeMap<ColumnKey, u64>,
    pub by_channel: BTreeMap<Channel, u64>,
    pub by_column_and_channel: BTreeMap<ColumnKey, BTreeMap<Channel, u64>>,
}

/// Counts the publications of `year`.
pub fn count_publications<'a>(
    records: impl IntoIterator<Item = &'a PublicationRecord>,
    year: i32,
) -> YearCounts {
    let mut counts = YearCounts {
        year,
        ..YearCounts::default()
    };
    for r in records
        .into_iter()
        .filter(|r| r.published_on.year() == year)
    {
        counts.total += 1;
        *counts.by_column.entry(r.column.clone()).or_default() += 1;
        *counts.by_channel.entry(r.channel).or_default() += 1;
        *counts
            .by_column_and_channel
            .entry(r.column.clone())
            .or_default()
            .entry(r.channel)
            .or_default() += 1;
    }
    counts
}

/// The dates that matter for table 二 (一).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NormativeRecord {
    pub kind: DocumentKind,
    /// 制发 date (成文日期, else the date it took effect).
    pub issued_on: NaiveDate,
    pub repealed_on: Option<NaiveDate>,
}

impl NormativeRecord {
    /// The record of a rule or normative document; `None` for other kinds
    /// or when no issue date is known.
    pub fn from_item(item: &Item) -> Option<Self> {
        if !item.kind.has_validity() {
            return None;
        }
        let issued_on = item
            .written_on
            .or_else(|| item.validity.and_then(|v| v.since()))?;
        Some(Self {
            kind: item.kind,
            issued_on,
            repealed_on: item.validity.and_then(|v| v.repealed_on()),
        })
    }
}

/// One row of table 二 (一).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StockCounts {
    /// 本年制发件数
    pub issued: u64,
    /// 本年废止件数
    pub repealed: u64,
    /// 现行有效件数 (at 31 December)
    pub in_force: u64,
}

/// Table 二 (一): 规章 and 行政规范性文件.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct NormativeCounts {
    pub regulations: StockCounts,
    pub normative_documents: StockCounts,
}

/// Counts issued, repealed and in force at the end of `year`. A document
/// repealed on 31 December is not in force at year end.
pub fn normative_counts<'a>(
    records: impl IntoIterator<Item = &'a NormativeRecord>,
    year: i32,
) -> NormativeCounts {
    let mut counts = NormativeCounts::default();
    let year_end = NaiveDate::from_ymd_opt(year, 12, 31);
    for r in records {
        let row = match r.kind {
            DocumentKind::Regulation => &mut counts.regulations,
            DocumentKind::NormativeDocument => &mut counts.normative_documents,
            DocumentKind::Other => continue,
        };
        if r.issued_on.year() == year {
            row.issued += 1;
        }
        if r.repealed_on.is_some_and(|d| d.year() == year) {
            row.repealed += 1;
        }
        if let Some(end) = year_end
            && r.issued_on <= end
            && r.repealed_on.is_none_or(|d| d > end)
        {
            row.in_force += 1;
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index_number::IndexNumber;
    use crate::item::Validity;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn key(s: &str) -> ColumnKey {
        ColumnKey::parse(s).unwrap()
    }

    #[test]
    fn publications_per_column_and_channel() {
        let recs = [
            PublicationRecord {
                column: key("department_documents"),
                channel: Channel::Website,
                published_on: d(2024, 1, 1),
            },
            PublicationRecord {
                column: key("department_documents"),
                channel: Channel::Pushed,
                published_on: d(2024, 12, 31),
            },
            PublicationRecord {
                column: key("other"),
                channel: Channel::Website,
                published_on: d(2024, 6, 1),
            },
            PublicationRecord {
                column: key("other"),
                channel: Channel::Website,
                published_on: d(2023, 12, 31),
            },
        ];
        let c = count_publications(&recs, 2024);
        assert_eq!(c.total, 3);
        assert_eq!(c.by_column[&key("department_documents")], 2);
        assert_eq!(c.by_column[&key("other")], 1);
        assert_eq!(c.by_channel[&Channel::Website], 2);
        assert_eq!(c.by_channel[&Channel::Pushed], 1);
        assert_eq!(
            c.by_column_and_channel[&key("department_documents")][&Channel::Pushed],
            1
        );
        assert_eq!(count_publications(&recs, 2022).total, 0);
    }

    #[test]
    fn table_two_counts_and_stock_identity() {
        let n = DocumentKind::NormativeDocument;
        let recs = [
            NormativeRecord {
                kind: n,
                issued_on: d(2020, 5, 1),
                repealed_on: None,
            },
            NormativeRecord {
                kind: n,
                issued_on: d(2021, 3, 1),
                repealed_on: Some(d(2024, 12, 31)),
            },
            NormativeRecord {
                kind: n,
                issued_on: d(2024, 2, 1),
                repealed_on: None,
            },
            NormativeRecord {
                kind: n,
                issued_on: d(2024, 7, 1),
                repealed_on: Some(d(2025, 1, 1)),
            },
            NormativeRecord {
                kind: DocumentKind::Regulation,
                issued_on: d(2019, 1, 1),
                repealed_on: Some(d(2024, 3, 1)),
            },
            NormativeRecord {
                kind: DocumentKind::Other,
                issued_on: d(2024, 1, 1),
                repealed_on: None,
            },
        ];
        let c = normative_counts(&recs, 2024);
        assert_eq!(
            c.normative_documents,
            StockCounts {
                issued: 2,
                repealed: 1,
                in_force: 3
            }
        );
        assert_eq!(
            c.regulations,
            StockCounts {
                issued: 0,
                repealed: 1,
                in_force: 0
            }
        );
        let prev = normative_counts(&recs, 2023);
        assert_eq!(
            c.normative_documents.in_force,
            prev.normative_documents.in_force + c.normative_documents.issued
                - c.normative_documents.repealed
        );
        let json = serde_json::to_value(c).unwrap();
        assert_eq!(json["normative_documents"]["in_force"], 3);
    }

    #[test]
    fn record_from_item() {
        let mut item = Item::new(
            IndexNumber::new("11640381MB1962185B", 2021, 1).unwrap(),
            key("department_documents"),
            "办法",
            "局",
        );
        assert_eq!(NormativeRecord::from_item(&item), None);
        item.kind = DocumentKind::NormativeDocument;
        assert_eq!(NormativeRecord::from_item(&item), None);
        item.validity = Some(Validity::Repealed {
            since: Some(d(2021, 2, 1)),
            repealed_on: d(2023, 1, 1),
        });
        assert_eq!(
            NormativeRecord::from_item(&item),
            Some(NormativeRecord {
                kind: DocumentKind::NormativeDocument,
                issued_on: d(2021, 2, 1),
                repealed_on: Some(d(2023, 1, 1)),
            })
        );
    }
}
