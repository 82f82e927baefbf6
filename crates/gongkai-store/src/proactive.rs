//! Proactive disclosure (主动公开): each agency's catalogue, items with their reviewed versions,
//! and the 索引号 sequence per agency and year.
//!
//! The review rules are those of [`gongkai_proactive::Workflow`]: every transition loads the
//! item's versions inside the transaction, applies the workflow, writes the changed versions back
//! (guarded by their previous state, so two concurrent reviewers cannot both win) and appends one
//! audit row per workflow event. Public reads only ever select versions in state `published`.

use crate::search::SearchIndex;
use crate::{Actor, AuditEntry, Store, StoreError, now_secs};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Offset, Utc};
use gongkai_proactive::workflow::Version;
use gongkai_proactive::{
    Catalogue, Column, ColumnKey, DocumentNumber, Event, IndexNumber, Item, State, TransitionError,
    UserId, Workflow,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::{AssertSqlSafe, Row};
use std::collections::BTreeSet;

/// Errors of proactive-disclosure writes.
#[derive(Debug, thiserror::Error)]
pub enum ProactiveError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The review workflow refused the transition (message in Chinese).
    #[error("{0}")]
    Workflow(#[from] TransitionError),
    /// The input is not acceptable (message in Chinese).
    #[error("{0}")]
    Invalid(String),
    /// Someone else changed the item at the same time.
    #[error("该信息已被他人同时修改，请刷新后重试")]
    Concurrent,
}

impl From<sqlx::Error> for ProactiveError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(StoreError::Database(e))
    }
}

pub type ProactiveResult<T> = std::result::Result<T, ProactiveError>;

/// What staff write into a draft.
#[derive(Debug, Clone)]
pub struct ItemInput {
    pub column: ColumnKey,
    pub title: String,
    pub document_number: Option<DocumentNumber>,
    /// 成文日期
    pub written_on: Option<NaiveDate>,
    /// 主题分类
    pub topic: Option<String>,
    /// 正文 as submitted; sanitised before it is stored.
    pub body_html: String,
}

/// A review transition requested by a user.
#[derive(Debug, Clone)]
pub enum Transition {
    Submit,
    /// Approve; with `publish_at` in the future the version is scheduled (定时发布).
    Approve {
        publish_at: Option<DateTime<Utc>>,
    },
    Return {
        reason: String,
    },
    /// Take a version back from review or from its schedule (the author or a reviewer).
    Recall,
    Withdraw {
        reason: String,
    },
    /// Publish a scheduled version whose time has come (the platform's scheduler).
    Release,
}

/// One stored version: its workflow record and its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredVersion {
    pub version: Version,
    pub item: Item,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An item with all its versions, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemRecord {
    pub id: i64,
    pub agency_id: i64,
    pub index_number: IndexNumber,
    pub versions: Vec<StoredVersion>,
}

impl ItemRecord {
    /// The review workflow of the stored versions.
    pub fn workflow(&self) -> Result<Workflow, TransitionError> {
        Workflow::from_versions(self.versions.iter().map(|v| v.version.clone()).collect())
    }

    /// The newest version.
    pub fn latest(&self) -> Option<&StoredVersion> {
        self.versions.last()
    }

    /// The version the public sees, if any.
    pub fn live(&self) -> Option<&StoredVersion> {
        self.versions
            .iter()
            .find(|v| v.version.state == State::Published)
    }
}

/// An item as a public column list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublishedSummary {
    pub item_id: i64,
    pub index_number: String,
    pub title: String,
    pub document_number: Option<String>,
    pub published_on: Option<NaiveDate>,
}

/// One page of a column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublishedPage {
    pub items: Vec<PublishedSummary>,
    pub total: i64,
}

/// China Standard Time, in which 发布日期 and the 索引号 year are counted.
fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or(Utc.fix())
}

/// The calendar date in China of a moment.
pub fn china_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&cst()).date_naive()
}

fn to_utc(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

fn key_of<T: Serialize>(v: &T) -> ProactiveResult<String> {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        Ok(other) => Ok(other.to_string()),
        Err(e) => Err(StoreError::Corrupt(e.to_string()).into()),
    }
}

fn json_of<T: Serialize>(v: &T) -> ProactiveResult<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()).into())
}

fn from_key<T: DeserializeOwned>(s: &str) -> ProactiveResult<T> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|e| StoreError::Corrupt(format!("{s}: {e}")).into())
}

fn from_json<T: DeserializeOwned>(s: &str) -> ProactiveResult<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("{s}: {e}")).into())
}

fn date_of(s: Option<String>) -> ProactiveResult<Option<NaiveDate>> {
    s.map(|d| {
        NaiveDate::parse_from_str(&d, "%Y-%m-%d")
            .map_err(|e| ProactiveError::Store(StoreError::Corrupt(format!("date {d}: {e}"))))
    })
    .transpose()
}

fn user_id(actor: &Actor) -> ProactiveResult<UserId> {
    UserId::parse(&actor.login).map_err(|e| ProactiveError::Invalid(e.to_string()))
}

const VERSION_COLS: &str = "v.item_id, i.index_number, v.number, v.agency_id, v.state, v.column_key, \
    v.title, v.publisher, v.document_number, v.written_on, v.published_on, v.topic, \
    v.disclosure_mode, v.scope, v.kind, v.validity, v.body_html, v.attachments, v.author, \
    v.editors, v.reviewer, v.reason, v.publish_at, v.published_at, v.created_at, v.updated_at";

/// Decodes a row of [`VERSION_COLS`] into (item id, agency id, version).
fn version_from_row<R: Row>(r: &R) -> ProactiveResult<(i64, i64, StoredVersion)>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'d> i64: sqlx::Decode<'d, R::Database> + sqlx::Type<R::Database>,
    for<'d> Option<i64>: sqlx::Decode<'d, R::Database>,
    for<'d> String: sqlx::Decode<'d, R::Database> + sqlx::Type<R::Database>,
    for<'d> Option<String>: sqlx::Decode<'d, R::Database>,
{
    let get_s = |name: &str| -> ProactiveResult<String> { Ok(r.try_get::<String, _>(name)?) };
    let get_os = |name: &str| -> ProactiveResult<Option<String>> {
        Ok(r.try_get::<Option<String>, _>(name)?)
    };
    let index_number = IndexNumber::parse(&get_s("index_number")?)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let number: i64 = r.try_get("number")?;
    let editors: BTreeSet<UserId> = from_json(&get_s("editors")?)?;
    let item = Item {
        index_number,
        column: ColumnKey::parse(&get_s("column_key")?)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        title: get_s("title")?,
        publisher: get_s("publisher")?,
        document_number: get_os("document_number")?
            .map(|d| DocumentNumber::parse(&d))
            .transpose()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        written_on: date_of(get_os("written_on")?)?,
        published_on: date_of(get_os("published_on")?)?,
        topic: get_os("topic")?,
        disclosure_mode: from_key(&get_s("disclosure_mode")?)?,
        scope: get_s("scope")?,
        kind: from_key(&get_s("kind")?)?,
        validity: get_os("validity")?.map(|v| from_json(&v)).transpose()?,
        body_html: get_s("body_html")?,
        attachments: from_json(&get_s("attachments")?)?,
    };
    let version = Version {
        number: u32::try_from(number).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        state: from_key(&get_s("state")?)?,
        editors,
        author: UserId::parse(&get_s("author")?).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        reviewer: get_os("reviewer")?
            .map(|u| UserId::parse(&u))
            .transpose()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        reason: get_os("reason")?,
        publish_at: r.try_get::<Option<i64>, _>("publish_at")?.map(to_utc),
        published_at: r.try_get::<Option<i64>, _>("published_at")?.map(to_utc),
    };
    Ok((
        r.try_get("item_id")?,
        r.try_get("agency_id")?,
        StoredVersion {
            version,
            item,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
        },
    ))
}

/// The values of one version row, in the order of [`INSERT_VERSION`]'s placeholders $3…$25.
pub(crate) struct VersionValues {
    pub(crate) state: String,
    pub(crate) column_key: String,
    pub(crate) title: String,
    pub(crate) publisher: String,
    pub(crate) document_number: Option<String>,
    pub(crate) written_on: Option<String>,
    pub(crate) published_on: Option<String>,
    pub(crate) topic: Option<String>,
    pub(crate) disclosure_mode: String,
    pub(crate) scope: String,
    pub(crate) kind: String,
    pub(crate) validity: Option<String>,
    pub(crate) body_html: String,
    pub(crate) attachments: String,
    pub(crate) author: String,
    pub(crate) editors: String,
    pub(crate) reviewer: Option<String>,
    pub(crate) reason: Option<String>,
    pub(crate) publish_at: Option<i64>,
    pub(crate) published_at: Option<i64>,
}

impl VersionValues {
    pub(crate) fn of(v: &Version, item: &Item) -> ProactiveResult<Self> {
        Ok(Self {
            state: key_of(&v.state)?,
            column_key: item.column.to_string(),
            title: item.title.clone(),
            publisher: item.publisher.clone(),
            document_number: item.document_number.as_ref().map(ToString::to_string),
            written_on: item.written_on.map(|d| d.format("%Y-%m-%d").to_string()),
            published_on: item.published_on.map(|d| d.format("%Y-%m-%d").to_string()),
            topic: item.topic.clone(),
            disclosure_mode: key_of(&item.disclosure_mode)?,
            scope: item.scope.clone(),
            kind: key_of(&item.kind)?,
            validity: item.validity.as_ref().map(json_of).transpose()?,
            body_html: item.body_html.clone(),
            attachments: json_of(&item.attachments)?,
            author: v.author.to_string(),
            editors: json_of(&v.editors)?,
            reviewer: v.reviewer.as_ref().map(ToString::to_string),
            reason: v.reason.clone(),
            publish_at: v.publish_at.map(|t| t.timestamp()),
            published_at: v.published_at.map(|t| t.timestamp()),
        })
    }
}

pub(crate) const INSERT_VERSION: &str = "INSERT INTO item_versions (item_id, number, agency_id, state, \
    column_key, title, publisher, document_number, written_on, published_on, topic, \
    disclosure_mode, scope, kind, validity, body_html, attachments, author, editors, reviewer, \
    reason, publish_at, published_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, \
    $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $24)";

/// Replaces a version's row (guarded by its previous state); sets `$changed` to whether a row
/// was updated.
const UPDATE_VERSION: &str = "UPDATE item_versions SET state = $1, column_key = $2, title = $3, \
    publisher = $4, document_number = $5, written_on = $6, published_on = $7, topic = $8, \
    disclosure_mode = $9, scope = $10, kind = $11, validity = $12, body_html = $13, \
    attachments = $14, author = $15, editors = $16, reviewer = $17, reason = $18, \
    publish_at = $19, published_at = $20, updated_at = $21 \
    WHERE item_id = $22 AND number = $23 AND state = $24";

macro_rules! insert_version {
    ($exec:expr, $item_id:expr, $number:expr, $agency_id:expr, $vals:expr, $now:expr) => {{
        let v = &$vals;
        sqlx::query(INSERT_VERSION)
            .bind($item_id)
            .bind(i64::from($number))
            .bind($agency_id)
            .bind(&v.state)
            .bind(&v.column_key)
            .bind(&v.title)
            .bind(&v.publisher)
            .bind(&v.document_number)
            .bind(&v.written_on)
            .bind(&v.published_on)
            .bind(&v.topic)
            .bind(&v.disclosure_mode)
            .bind(&v.scope)
            .bind(&v.kind)
            .bind(&v.validity)
            .bind(&v.body_html)
            .bind(&v.attachments)
            .bind(&v.author)
            .bind(&v.editors)
            .bind(&v.reviewer)
            .bind(&v.reason)
            .bind(v.publish_at)
            .bind(v.published_at)
            .bind($now)
            .execute($exec)
            .await
    }};
}
pub(crate) use insert_version;

macro_rules! update_version {
    ($exec:expr, $item_id:expr, $number:expr, $old_state:expr, $vals:expr, $now:expr) => {{
        let v = &$vals;
        sqlx::query(UPDATE_VERSION)
            .bind(&v.state)
            .bind(&v.column_key)
            .bind(&v.title)
            .bind(&v.publisher)
            .bind(&v.document_number)
            .bind(&v.written_on)
            .bind(&v.published_on)
            .bind(&v.topic)
            .bind(&v.disclosure_mode)
            .bind(&v.scope)
            .bind(&v.kind)
            .bind(&v.validity)
            .bind(&v.body_html)
            .bind(&v.attachments)
            .bind(&v.author)
            .bind(&v.editors)
            .bind(&v.reviewer)
            .bind(&v.reason)
            .bind(v.publish_at)
            .bind(v.published_at)
            .bind($now)
            .bind($item_id)
            .bind(i64::from($number))
            .bind($old_state)
            .execute($exec)
            .await
    }};
}

/// Writes the columns of a catalogue for an agency (the caller removed the old ones).
macro_rules! insert_columns {
    ($tx:expr, $agency_id:expr, $catalogue:expr) => {{
        for (pos, c) in $catalogue.columns().iter().enumerate() {
            sqlx::query(
                "INSERT INTO catalogue_columns (agency_id, column_key, name, parent_key, \
                 statutory_item, position) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind($agency_id)
            .bind(c.key.as_str())
            .bind(&c.name)
            .bind(c.parent.as_ref().map(|p| p.to_string()))
            .bind(c.statutory_item.map(i64::from))
            .bind(i64::try_from(pos).unwrap_or(i64::MAX))
            .execute(&mut *$tx)
            .await?;
        }
    }};
}
pub(crate) use insert_columns;

/// Loads the versions of one item (inside a transaction or on a pool).
macro_rules! load_item {
    ($exec:expr, $item_id:expr) => {{
        let sql = format!(
            "SELECT {VERSION_COLS} FROM item_versions v JOIN items i ON i.id = v.item_id \
             WHERE v.item_id = $1 ORDER BY v.number"
        );
        let rows = sqlx::query(AssertSqlSafe(sql.as_str()))
            .bind($item_id)
            .fetch_all($exec)
            .await?;
        let mut record: Option<ItemRecord> = None;
        for row in &rows {
            let (id, agency_id, v) = version_from_row(row)?;
            match &mut record {
                Some(r) => r.versions.push(v),
                None => {
                    record = Some(ItemRecord {
                        id,
                        agency_id,
                        index_number: v.item.index_number.clone(),
                        versions: vec![v],
                    })
                }
            }
        }
        record
    }};
}

fn event_action(e: &Event) -> &'static str {
    match (e.from, e.to) {
        (None, _) => "item.create_version",
        (Some(State::Returned), State::Draft) => "item.edit",
        (_, State::PendingReview) => "item.submit",
        (_, State::Published) => "item.publish",
        (_, State::Scheduled) => "item.schedule",
        (_, State::Returned) => "item.return",
        (_, State::Withdrawn) => "item.withdraw",
        (_, State::Superseded) => "item.supersede",
        (_, State::Draft) => "item.recall",
    }
}

fn event_entry(agency_id: i64, index_number: &IndexNumber, e: &Event) -> AuditEntry<'static> {
    AuditEntry {
        agency_id: Some(agency_id),
        action: event_action(e),
        target: format!("信息 {index_number} 第 {} 版", e.version),
        before: e.from.map(|s| s.label().to_owned()).unwrap_or_default(),
        after: match &e.reason {
            Some(r) => format!("{}；理由={r}", e.to.label()),
            None => e.to.label().to_owned(),
        },
    }
}

fn content_summary(item: &Item) -> String {
    format!(
        "栏目={}；标题={}；文号={}；成文日期={}；主题分类={}",
        item.column,
        item.title,
        item.document_number
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        item.written_on.map(|d| d.to_string()).unwrap_or_default(),
        item.topic.clone().unwrap_or_default(),
    )
}

fn apply_input(item: &mut Item, input: &ItemInput) {
    item.column = input.column.clone();
    item.title = input.title.trim().to_owned();
    item.document_number = input.document_number.clone();
    item.written_on = input.written_on;
    item.topic = input
        .topic
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    item.body_html = gongkai_proactive::html::sanitize(&input.body_html);
}

pub(crate) fn check_column(catalogue: &Catalogue, column: &ColumnKey) -> ProactiveResult<()> {
    if catalogue.get(column).is_none() {
        return Err(ProactiveError::Invalid(format!(
            "栏目“{column}”不在本机关的目录中"
        )));
    }
    Ok(())
}

impl Store {
    /// The agency's catalogue; an agency that has not stored its own uses the national default
    /// (stored with its first item).
    pub async fn catalogue(&self, agency_id: i64) -> crate::Result<Catalogue> {
        let rows: Vec<Column> = with_pool!(self, p => {
            let rows = sqlx::query(
                "SELECT column_key, name, parent_key, statutory_item FROM catalogue_columns \
                 WHERE agency_id = $1 ORDER BY position",
            )
            .bind(agency_id)
            .fetch_all(p)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let key: String = r.try_get("column_key")?;
                let parent: Option<String> = r.try_get("parent_key")?;
                let item: Option<i64> = r.try_get("statutory_item")?;
                out.push(Column {
                    key: ColumnKey::parse(&key).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    name: r.try_get("name")?,
                    parent: parent
                        .map(|p| ColumnKey::parse(&p))
                        .transpose()
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    statutory_item: item.and_then(|i| u8::try_from(i).ok()),
                });
            }
            out
        });
        if rows.is_empty() {
            return Ok(Catalogue::national_default());
        }
        Catalogue::new(rows).map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    /// Replaces the agency's catalogue (audited).
    pub async fn set_catalogue(
        &self,
        agency_id: i64,
        catalogue: &Catalogue,
        actor: &Actor,
    ) -> crate::Result<()> {
        let before = self.catalogue(agency_id).await?;
        let names = |c: &Catalogue| {
            c.columns()
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join("、")
        };
        let now = now_secs();
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query("DELETE FROM catalogue_columns WHERE agency_id = $1")
                .bind(agency_id)
                .execute(&mut *tx)
                .await?;
            insert_columns!(tx, agency_id, catalogue);
            let entry = AuditEntry {
                agency_id: Some(agency_id),
                action: "catalogue.set",
                target: format!("机关 {agency_id} 的主动公开目录"),
                before: names(&before),
                after: names(catalogue),
            };
            insert_audit!(&mut *tx, actor, entry, now)?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Creates a draft item by `actor` with the next 索引号 of the agency and year.
    pub async fn create_item(
        &self,
        agency_id: i64,
        input: &ItemInput,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> ProactiveResult<ItemRecord> {
        let agency = self
            .get_agency(agency_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("agency {agency_id}")))?;
        let catalogue = self.catalogue(agency_id).await?;
        check_column(&catalogue, &input.column)?;
        let author = user_id(actor)?;
        let year = u16::try_from(china_date(now).year())
            .map_err(|_| ProactiveError::Invalid("年份无效".into()))?;
        let secs = now.timestamp();
        let item_id = with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let stored: i64 = sqlx::query("SELECT COUNT(*) AS n FROM catalogue_columns WHERE agency_id = $1")
                .bind(agency_id)
                .fetch_one(&mut *tx)
                .await?
                .try_get("n")?;
            if stored == 0 {
                insert_columns!(tx, agency_id, catalogue);
            }
            let seq: i64 = sqlx::query(
                "INSERT INTO index_sequences (agency_id, year, last_value) VALUES ($1, $2, 1) \
                 ON CONFLICT (agency_id, year) DO UPDATE SET last_value = index_sequences.last_value + 1 \
                 RETURNING last_value",
            )
            .bind(agency_id)
            .bind(i64::from(year))
            .fetch_one(&mut *tx)
            .await?
            .try_get("last_value")?;
            let seq = u32::try_from(seq).map_err(|_| ProactiveError::Invalid("流水号已用完".into()))?;
            let index_number = IndexNumber::new(agency.uscc.as_str(), year, seq)
                .map_err(|e| ProactiveError::Invalid(e.to_string()))?;
            let mut item = Item::new(index_number.clone(), input.column.clone(), "", &agency.name);
            apply_input(&mut item, input);
            let (workflow, event) = Workflow::create(author, now);
            let version = workflow
                .versions()
                .first()
                .ok_or_else(|| ProactiveError::Invalid("没有版本".into()))?;
            let item_id: i64 = sqlx::query(
                "INSERT INTO items (agency_id, index_number, created_at, updated_at) \
                 VALUES ($1, $2, $3, $3) RETURNING id",
            )
            .bind(agency_id)
            .bind(index_number.to_string())
            .bind(secs)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| StoreError::from_write(e, "index_number"))?
            .try_get("id")?;
            let vals = VersionValues::of(version, &item)?;
            insert_version!(&mut *tx, item_id, version.number, agency_id, vals, secs)?;
            let mut entry = event_entry(agency_id, &index_number, &event);
            entry.action = "item.create";
            entry.after = format!("{}；{}", entry.after, content_summary(&item));
            insert_audit!(&mut *tx, actor, entry, secs)?;
            tx.commit().await?;
            item_id
        });
        self.get_item(item_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("item {item_id}")).into())
    }

    /// An item with all its versions (staff only: this includes drafts).
    pub async fn get_item(&self, item_id: i64) -> ProactiveResult<Option<ItemRecord>> {
        with_pool!(self, p => Ok(load_item!(p, item_id)))
    }

    /// The newest version of each item of an agency, newest item first (staff lists).
    pub async fn list_items(&self, agency_id: i64) -> ProactiveResult<Vec<(i64, StoredVersion)>> {
        let sql = format!(
            "SELECT {VERSION_COLS} FROM item_versions v JOIN items i ON i.id = v.item_id \
             WHERE i.agency_id = $1 AND v.number = \
             (SELECT MAX(w.number) FROM item_versions w WHERE w.item_id = v.item_id) \
             ORDER BY i.id DESC"
        );
        with_pool!(self, p => {
            let rows = sqlx::query(AssertSqlSafe(sql.as_str())).bind(agency_id).fetch_all(p).await?;
            rows.iter()
                .map(|r| version_from_row(r).map(|(id, _, v)| (id, v)))
                .collect()
        })
    }

    /// Changes the content of the item's working version (a returned one becomes a draft again;
    /// a published or withdrawn item gets a new draft version, the live one staying public).
    pub async fn edit_item(
        &self,
        item_id: i64,
        input: &ItemInput,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> ProactiveResult<ItemRecord> {
        self.edit_content(item_id, Some(&input.column), actor, now, |item| {
            apply_input(item, input)
        })
        .await
    }

    /// Replaces the attachments of the item's working version (like [`Self::edit_item`]: a
    /// published item gets a new version to review). Every attachment must be the agency's.
    pub async fn set_item_attachments(
        &self,
        item_id: i64,
        attachments: Vec<gongkai_proactive::Attachment>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> ProactiveResult<ItemRecord> {
        let record = self
            .get_item(item_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("item {item_id}")))?;
        for a in &attachments {
            if let Some(id) = a.id {
                let owner = self.attachment(id).await?.map(|m| m.agency_id);
                if owner != Some(record.agency_id) {
                    return Err(ProactiveError::Invalid(format!(
                        "附件“{}”不属于本机关",
                        a.file_name
                    )));
                }
            }
        }
        self.edit_content(item_id, None, actor, now, |item| {
            item.attachments = attachments.clone();
        })
        .await
    }

    async fn edit_content(
        &self,
        item_id: i64,
        column: Option<&ColumnKey>,
        actor: &Actor,
        now: DateTime<Utc>,
        apply: impl Fn(&mut Item),
    ) -> ProactiveResult<ItemRecord> {
        let editor = user_id(actor)?;
        let secs = now.timestamp();
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let record = load_item!(&mut *tx, item_id)
                .ok_or_else(|| StoreError::NotFound(format!("item {item_id}")))?;
            if let Some(column) = column {
                let catalogue = self.catalogue(record.agency_id).await?;
                check_column(&catalogue, column)?;
            }
            let mut workflow = record.workflow()?;
            let event = workflow.edit(&editor, now)?;
            let latest = record
                .latest()
                .ok_or_else(|| StoreError::Corrupt("item without versions".into()))?;
            let mut item = latest.item.clone();
            let before = content_summary(&item);
            apply(&mut item);
            item.published_on = None;
            let new = workflow
                .versions()
                .last()
                .ok_or_else(|| StoreError::Corrupt("item without versions".into()))?;
            let vals = VersionValues::of(new, &item)?;
            if new.number > latest.version.number {
                insert_version!(&mut *tx, item_id, new.number, record.agency_id, vals, secs)?;
            } else {
                let old_state = key_of(&latest.version.state)?;
                let r = update_version!(&mut *tx, item_id, new.number, old_state, vals, secs)?;
                if r.rows_affected() != 1 {
                    return Err(ProactiveError::Concurrent);
                }
            }
            if let Some(e) = &event {
                let entry = event_entry(record.agency_id, &record.index_number, e);
                insert_audit!(&mut *tx, actor, entry, secs)?;
            }
            let entry = AuditEntry {
                agency_id: Some(record.agency_id),
                action: "item.update",
                target: format!("信息 {} 第 {} 版", record.index_number, new.number),
                before,
                after: content_summary(&item),
            };
            insert_audit!(&mut *tx, actor, entry, secs)?;
            sqlx::query("UPDATE items SET updated_at = $1 WHERE id = $2")
                .bind(secs)
                .bind(item_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        self.get_item(item_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("item {item_id}")).into())
    }

    /// Applies a review transition by `actor` (four eyes and state rules by the workflow).
    pub async fn transition_item(
        &self,
        item_id: i64,
        transition: &Transition,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> ProactiveResult<ItemRecord> {
        let who = user_id(actor)?;
        let secs = now.timestamp();
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let record = load_item!(&mut *tx, item_id)
                .ok_or_else(|| StoreError::NotFound(format!("item {item_id}")))?;
            let mut workflow = record.workflow()?;
            let events = match transition {
                Transition::Submit => vec![workflow.submit(&who, now)?],
                Transition::Approve { publish_at } => workflow.approve(&who, *publish_at, now)?,
                Transition::Return { reason } => vec![workflow.return_to_author(&who, reason, now)?],
                Transition::Recall => vec![workflow.recall(&who, now)?],
                Transition::Withdraw { reason } => vec![workflow.withdraw(&who, reason, now)?],
                Transition::Release => workflow.tick(now),
            };
            if events.is_empty() {
                return Ok(record);
            }
            for (old, new) in record.versions.iter().zip(workflow.versions()) {
                if old.version == *new {
                    continue;
                }
                let mut item = old.item.clone();
                if new.state == State::Published && old.version.state != State::Published {
                    item.published_on = new.published_at.map(china_date);
                }
                let vals = VersionValues::of(new, &item)?;
                let old_state = key_of(&old.version.state)?;
                let r = update_version!(&mut *tx, item_id, new.number, old_state, vals, secs)?;
                if r.rows_affected() != 1 {
                    return Err(ProactiveError::Concurrent);
                }
            }
            for e in &events {
                let entry = event_entry(record.agency_id, &record.index_number, e);
                insert_audit!(&mut *tx, actor, entry, secs)?;
            }
            if matches!(transition, Transition::Withdraw { .. }) {
                // What was not sent yet must not reach the platforms any more.
                let reason = crate::push::CANCELLED_ON_WITHDRAWAL;
                let targets = crate::push::cancel_pending_deliveries!(tx, item_id, reason);
                if !targets.is_empty() {
                    let entry = AuditEntry {
                        agency_id: Some(record.agency_id),
                        action: "push.cancel",
                        target: format!("信息 {}", record.index_number),
                        before: format!("待推送：{}", targets.join("、")),
                        after: format!("已取消（{reason}）"),
                    };
                    insert_audit!(&mut *tx, actor, entry, secs)?;
                }
            }
            sqlx::query("UPDATE items SET updated_at = $1 WHERE id = $2")
                .bind(secs)
                .bind(item_id)
                .execute(&mut *tx)
                .await?;
            tx.reindex(item_id).await?;
            tx.commit().await?;
        });
        self.get_item(item_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("item {item_id}")).into())
    }

    /// Publishes every scheduled version whose time has come (as the platform's scheduler;
    /// audited like any publication). Returns the ids of the items published.
    pub async fn release_due(&self, now: DateTime<Utc>) -> ProactiveResult<Vec<i64>> {
        let ids: Vec<i64> = with_pool!(self, p => {
            sqlx::query(
                "SELECT DISTINCT item_id FROM item_versions \
                 WHERE state = 'scheduled' AND publish_at <= $1 ORDER BY item_id",
            )
            .bind(now.timestamp())
            .fetch_all(p)
            .await?
            .iter()
            .map(|r| r.try_get("item_id"))
            .collect::<Result<_, _>>()?
        });
        let scheduler = Actor {
            user_id: None,
            login: "scheduler".into(),
            address: String::new(),
        };
        let mut released = Vec::new();
        for id in ids {
            match self
                .transition_item(id, &Transition::Release, &scheduler, now)
                .await
            {
                Ok(_) => released.push(id),
                // Another node released it first.
                Err(ProactiveError::Concurrent) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(released)
    }

    /// Published items of a column, newest first.
    pub async fn list_published(
        &self,
        agency_id: i64,
        column: &ColumnKey,
        offset: i64,
        limit: i64,
    ) -> ProactiveResult<PublishedPage> {
        with_pool!(self, p => {
            let total: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM item_versions \
                 WHERE agency_id = $1 AND state = 'published' AND column_key = $2",
            )
            .bind(agency_id)
            .bind(column.as_str())
            .fetch_one(p)
            .await?
            .try_get("n")?;
            let rows = sqlx::query(
                "SELECT v.item_id, i.index_number, v.title, v.document_number, v.published_on \
                 FROM item_versions v JOIN items i ON i.id = v.item_id \
                 WHERE v.agency_id = $1 AND v.state = 'published' AND v.column_key = $2 \
                 ORDER BY v.published_at DESC, v.item_id DESC LIMIT $3 OFFSET $4",
            )
            .bind(agency_id)
            .bind(column.as_str())
            .bind(limit)
            .bind(offset)
            .fetch_all(p)
            .await?;
            let mut items = Vec::with_capacity(rows.len());
            for r in &rows {
                items.push(PublishedSummary {
                    item_id: r.try_get("item_id")?,
                    index_number: r.try_get("index_number")?,
                    title: r.try_get("title")?,
                    document_number: r.try_get("document_number")?,
                    published_on: date_of(r.try_get("published_on")?)?,
                });
            }
            Ok(PublishedPage { items, total })
        })
    }

    /// The published version of an item of this agency; `None` for anything not public.
    pub async fn get_published(
        &self,
        agency_id: i64,
        item_id: i64,
    ) -> ProactiveResult<Option<StoredVersion>> {
        let sql = format!(
            "SELECT {VERSION_COLS} FROM item_versions v JOIN items i ON i.id = v.item_id \
             WHERE v.item_id = $1 AND v.agency_id = $2 AND v.state = 'published'"
        );
        with_pool!(self, p => {
            let row = sqlx::query(AssertSqlSafe(sql.as_str()))
                .bind(item_id)
                .bind(agency_id)
                .fetch_optional(p)
                .await?;
            row.as_ref().map(|r| version_from_row(r).map(|(_, _, v)| v)).transpose()
        })
    }
}
