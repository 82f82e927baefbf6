//! Yearly counts of proactive disclosure for the annual report: items first published in a
//! year per column and channel, and table 二 (一) (rules and normative documents issued, repealed
//! and in force). The counting itself is [`gongkai_proactive::stats`]; this reads the records.

use crate::proactive::ProactiveResult;
use crate::{Store, StoreError};
use chrono::NaiveDate;
use gongkai_proactive::stats::{NormativeRecord, PublicationRecord, YearCounts};
use gongkai_proactive::{
    Channel, ColumnKey, DocumentKind, NormativeCounts, Validity, count_publications,
    normative_counts,
};
use sqlx::Row;
use std::collections::BTreeMap;

/// One year's counts of an agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearStats {
    pub publications: YearCounts,
    pub normative: NormativeCounts,
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// One version that was published at some point.
struct PublishedRow {
    item_id: i64,
    column: ColumnKey,
    published_on: NaiveDate,
    kind: DocumentKind,
    written_on: Option<NaiveDate>,
    validity: Option<Validity>,
}

fn date(s: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| corrupt(format!("date {s}: {e}")))
}

impl Store {
    /// The counts of `year`: an item counts once, in the year and column of its first
    /// publication on the portal (渠道 政府网站); table 二 uses each item's newest published
    /// version.
    pub async fn year_stats(&self, agency_id: i64, year: i32) -> ProactiveResult<YearStats> {
        let rows: Vec<PublishedRow> = with_pool!(self, p => {
            let rows = sqlx::query(
                "SELECT item_id, column_key, published_on, kind, written_on, validity \
                 FROM item_versions WHERE agency_id = $1 AND published_on IS NOT NULL \
                 ORDER BY item_id, number",
            )
            .bind(agency_id)
            .fetch_all(p)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let kind: String = r.try_get("kind")?;
                let published_on: String = r.try_get("published_on")?;
                let written_on: Option<String> = r.try_get("written_on")?;
                let validity: Option<String> = r.try_get("validity")?;
                out.push(PublishedRow {
                    item_id: r.try_get("item_id")?,
                    column: ColumnKey::parse(&r.try_get::<String, _>("column_key")?)
                        .map_err(corrupt)?,
                    published_on: date(&published_on)?,
                    kind: serde_json::from_value(serde_json::Value::String(kind))
                        .map_err(corrupt)?,
                    written_on: written_on.as_deref().map(date).transpose()?,
                    validity: validity
                        .as_deref()
                        .map(serde_json::from_str)
                        .transpose()
                        .map_err(corrupt)?,
                });
            }
            out
        });
        // first publication and newest published version of each item
        let mut first: BTreeMap<i64, &PublishedRow> = BTreeMap::new();
        let mut newest: BTreeMap<i64, &PublishedRow> = BTreeMap::new();
        for r in &rows {
            first
                .entry(r.item_id)
                .and_modify(|f| {
                    if r.published_on < f.published_on {
                        *f = r;
                    }
                })
                .or_insert(r);
            newest.insert(r.item_id, r);
        }
        let publications: Vec<PublicationRecord> = first
            .values()
            .map(|r| PublicationRecord {
                column: r.column.clone(),
                channel: Channel::Website,
                published_on: r.published_on,
            })
            .collect();
        let normative: Vec<NormativeRecord> = newest
            .values()
            .filter(|r| r.kind.has_validity())
            .filter_map(|r| {
                Some(NormativeRecord {
                    kind: r.kind,
                    issued_on: r
                        .written_on
                        .or_else(|| r.validity.and_then(|v| v.since()))?,
                    repealed_on: r.validity.and_then(|v| v.repealed_on()),
                })
            })
            .collect();
        Ok(YearStats {
            publications: count_publications(&publications, year),
            normative: normative_counts(&normative, year),
        })
    }
}
