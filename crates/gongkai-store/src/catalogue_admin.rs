//! Editing an agency's catalogue (栏目): add, rename, move, delete. Each edit loads the stored
//! catalogue (or the national default, stored with the first edit) inside its transaction,
//! applies [`Catalogue::apply`], refuses to delete a column any item version uses, rewrites the
//! columns and appends one audit row.

use crate::proactive::{ProactiveError, ProactiveResult};
use crate::{Actor, AuditEntry, Store, StoreError, now_secs};
use gongkai_proactive::catalogue::CatalogueEdit;
use gongkai_proactive::{Catalogue, Column, ColumnKey};
use sqlx::Row;

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn describe(
    edit: &CatalogueEdit,
    before: &Catalogue,
    after: &Catalogue,
) -> (&'static str, String, String, String) {
    let name = |c: &Catalogue, k: &ColumnKey| c.get(k).map(|c| c.name.clone()).unwrap_or_default();
    let position = |c: &Catalogue, k: &ColumnKey| {
        c.columns()
            .iter()
            .position(|x| &x.key == k)
            .map(|p| format!("第 {} 位", p + 1))
            .unwrap_or_default()
    };
    match edit {
        CatalogueEdit::Add { .. } => {
            let added = after
                .columns()
                .iter()
                .find(|c| before.get(&c.key).is_none());
            let (key, n) = added
                .map(|c| (c.key.to_string(), c.name.clone()))
                .unwrap_or_default();
            (
                "catalogue.column_add",
                format!("栏目 {key}"),
                String::new(),
                format!("名称={n}；标识={key}"),
            )
        }
        CatalogueEdit::Rename { key, .. } => (
            "catalogue.column_rename",
            format!("栏目 {key}"),
            format!("名称={}", name(before, key)),
            format!("名称={}", name(after, key)),
        ),
        CatalogueEdit::Move { key, .. } => (
            "catalogue.column_move",
            format!("栏目 {key}（{}）", name(before, key)),
            position(before, key),
            position(after, key),
        ),
        CatalogueEdit::Delete { key } => (
            "catalogue.column_delete",
            format!("栏目 {key}"),
            format!("名称={}；{}", name(before, key), position(before, key)),
            "已删除".to_owned(),
        ),
    }
}

impl Store {
    /// Applies one edit to the agency's catalogue and returns the new catalogue.
    pub async fn edit_catalogue(
        &self,
        agency_id: i64,
        edit: &CatalogueEdit,
        actor: &Actor,
    ) -> ProactiveResult<Catalogue> {
        let now = now_secs();
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let rows = sqlx::query(
                "SELECT column_key, name, parent_key, statutory_item FROM catalogue_columns \
                 WHERE agency_id = $1 ORDER BY position",
            )
            .bind(agency_id)
            .fetch_all(&mut *tx)
            .await?;
            let mut columns = Vec::with_capacity(rows.len());
            for r in &rows {
                let key: String = r.try_get("column_key")?;
                let parent: Option<String> = r.try_get("parent_key")?;
                let item: Option<i64> = r.try_get("statutory_item")?;
                columns.push(Column {
                    key: ColumnKey::parse(&key).map_err(corrupt)?,
                    name: r.try_get("name")?,
                    parent: parent.map(|p| ColumnKey::parse(&p)).transpose().map_err(corrupt)?,
                    statutory_item: item.and_then(|i| u8::try_from(i).ok()),
                });
            }
            let before = if columns.is_empty() {
                Catalogue::national_default()
            } else {
                Catalogue::new(columns).map_err(corrupt)?
            };
            let after = before
                .apply(edit)
                .map_err(|e| ProactiveError::Invalid(e.to_string()))?;
            if let CatalogueEdit::Delete { key } = edit {
                let used: i64 = sqlx::query(
                    "SELECT COUNT(*) AS n FROM item_versions WHERE agency_id = $1 AND column_key = $2",
                )
                .bind(agency_id)
                .bind(key.as_str())
                .fetch_one(&mut *tx)
                .await?
                .try_get("n")?;
                if used > 0 {
                    let name = before.get(key).map(|c| c.name.clone()).unwrap_or_default();
                    return Err(ProactiveError::Invalid(format!(
                        "栏目“{name}”中还有 {used} 个信息版本（含草稿、已撤回和历史版本），不能删除；请先把这些信息移到其他栏目"
                    )));
                }
            }
            sqlx::query("DELETE FROM catalogue_columns WHERE agency_id = $1")
                .bind(agency_id)
                .execute(&mut *tx)
                .await?;
            for (pos, c) in after.columns().iter().enumerate() {
                sqlx::query(
                    "INSERT INTO catalogue_columns (agency_id, column_key, name, parent_key, \
                     statutory_item, position) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(agency_id)
                .bind(c.key.as_str())
                .bind(&c.name)
                .bind(c.parent.as_ref().map(|p| p.to_string()))
                .bind(c.statutory_item.map(i64::from))
                .bind(i64::try_from(pos).unwrap_or(i64::MAX))
                .execute(&mut *tx)
                .await?;
            }
            let (action, target, before_s, after_s) = describe(edit, &before, &after);
            let entry = AuditEntry {
                agency_id: Some(agency_id),
                action,
                target,
                before: before_s,
                after: after_s,
            };
            insert_audit!(&mut *tx, actor, entry, now)?;
            tx.commit().await?;
            Ok(after)
        })
    }

    /// How many item versions of the agency use each column (for the catalogue page).
    pub async fn column_usage(&self, agency_id: i64) -> crate::Result<Vec<(String, i64)>> {
        with_pool!(self, p => {
            let rows = sqlx::query(
                "SELECT column_key, COUNT(*) AS n FROM item_versions WHERE agency_id = $1 \
                 GROUP BY column_key",
            )
            .bind(agency_id)
            .fetch_all(p)
            .await?;
            rows.iter()
                .map(|r| Ok((r.try_get("column_key")?, r.try_get("n")?)))
                .collect()
        })
    }
}
