//! Each agency's 错敏词 list (sensitive and commonly mistaken words), stored as staff wrote it in
//! the format of [`gongkai_proactive::check::SensitiveWords::parse_list`].

use crate::{Actor, AuditEntry, Store, now_secs};
use sqlx::Row;

/// A short summary of a list for the audit log: entry count and the first words.
fn summary(text: &str) -> String {
    let words: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let mut shown = String::new();
    for w in &words {
        if shown.chars().count() > 150 {
            shown.push('…');
            break;
        }
        if !shown.is_empty() {
            shown.push('、');
        }
        shown.push_str(w);
    }
    format!("{} 条：{shown}", words.len())
}

impl Store {
    /// The agency's list text; `None` when it never set one.
    pub async fn sensitive_words_text(&self, agency_id: i64) -> crate::Result<Option<String>> {
        with_pool!(self, p => {
            let row = sqlx::query("SELECT list_text FROM sensitive_word_lists WHERE agency_id = $1")
                .bind(agency_id)
                .fetch_optional(p)
                .await?;
            Ok(row.map(|r| r.try_get::<String, _>("list_text")).transpose()?)
        })
    }

    /// Replaces the agency's list (the caller validated it), audited.
    pub async fn set_sensitive_words(
        &self,
        agency_id: i64,
        text: &str,
        actor: &Actor,
    ) -> crate::Result<()> {
        let now = now_secs();
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let before: Option<String> =
                sqlx::query("SELECT list_text FROM sensitive_word_lists WHERE agency_id = $1")
                    .bind(agency_id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .map(|r| r.try_get::<String, _>("list_text"))
                    .transpose()?;
            sqlx::query(
                "INSERT INTO sensitive_word_lists (agency_id, list_text, updated_at) \
                 VALUES ($1, $2, $3) ON CONFLICT (agency_id) DO UPDATE \
                 SET list_text = excluded.list_text, updated_at = excluded.updated_at",
            )
            .bind(agency_id)
            .bind(text)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let entry = AuditEntry {
                agency_id: Some(agency_id),
                action: "sensitive_words.set",
                target: format!("机关 {agency_id} 的错敏词表"),
                before: before.as_deref().map(summary).unwrap_or_default(),
                after: summary(text),
            };
            insert_audit!(&mut *tx, actor, entry, now)?;
            tx.commit().await?;
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn summary_counts_entries() {
        assert_eq!(
            super::summary("# 注释\n法制政府 => 法治政府\n\n!绝密\n"),
            "2 条：法制政府 => 法治政府、!绝密"
        );
    }
}
