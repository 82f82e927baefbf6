//! Embedded migrations, one list per backend with identical version numbers.
//!
//! The SQL lives in `migrations/sqlite/` and `migrations/postgres/`; it is compiled into the
//! binary. Applied versions are recorded in `schema_migrations`.

/// One schema step.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i64,
    pub description: &'static str,
    pub sql: &'static str,
}

pub const SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        description: "init",
        sql: include_str!("../migrations/sqlite/0001_init.sql"),
    },
    Migration {
        version: 2,
        description: "session token hash",
        sql: include_str!("../migrations/sqlite/0002_session_token_hash.sql"),
    },
    Migration {
        version: 10,
        description: "proactive",
        sql: include_str!("../migrations/sqlite/0010_proactive.sql"),
    },
    Migration {
        version: 11,
        description: "search and attachments",
        sql: include_str!("../migrations/sqlite/0011_search_attachments.sql"),
    },
    Migration {
        version: 12,
        description: "push and spot checks",
        sql: include_str!("../migrations/sqlite/0012_push_spot_checks.sql"),
    },
    Migration {
        version: 13,
        description: "console",
        sql: include_str!("../migrations/sqlite/0013_console.sql"),
    },
    Migration {
        version: 14,
        description: "portal indexes",
        sql: include_str!("../migrations/sqlite/0014_portal_indexes.sql"),
    },
    Migration {
        version: 15,
        description: "push cancelled",
        sql: include_str!("../migrations/sqlite/0015_push_cancelled.sql"),
    },
    Migration {
        version: 16,
        description: "portal generation and search facets",
        sql: include_str!("../migrations/sqlite/0016_portal_generation_search_facets.sql"),
    },
];

pub const POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        description: "init",
        sql: include_str!("../migrations/postgres/0001_init.sql"),
    },
    Migration {
        version: 2,
        description: "session token hash",
        sql: include_str!("../migrations/postgres/0002_session_token_hash.sql"),
    },
    Migration {
        version: 10,
        description: "proactive",
        sql: include_str!("../migrations/postgres/0010_proactive.sql"),
    },
    Migration {
        version: 11,
        description: "search and attachments",
        sql: include_str!("../migrations/postgres/0011_search_attachments.sql"),
    },
    Migration {
        version: 12,
        description: "push and spot checks",
        sql: include_str!("../migrations/postgres/0012_push_spot_checks.sql"),
    },
    Migration {
        version: 13,
        description: "console",
        sql: include_str!("../migrations/postgres/0013_console.sql"),
    },
    Migration {
        version: 14,
        description: "portal indexes",
        sql: include_str!("../migrations/postgres/0014_portal_indexes.sql"),
    },
    Migration {
        version: 15,
        description: "push cancelled",
        sql: include_str!("../migrations/postgres/0015_push_cancelled.sql"),
    },
    Migration {
        version: 16,
        description: "portal generation and search facets",
        sql: include_str!("../migrations/postgres/0016_portal_generation_search_facets.sql"),
    },
];

pub(crate) const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (\
    version BIGINT PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT NULL)";

/// Applies every migration not yet recorded as applied, in version order, each in its own
/// transaction.
macro_rules! run_migrations {
    ($pool:expr, $list:expr, $lock:expr, $unlock:expr) => {{
        use sqlx::Row;
        let mut conn = $pool.acquire().await?;
        if let Some(lock) = $lock {
            sqlx::raw_sql(lock).execute(&mut *conn).await?;
        }
        let result: Result<(), $crate::StoreError> = async {
            sqlx::raw_sql($crate::migrate::CREATE_TABLE)
                .execute(&mut *conn)
                .await?;
            // Every version not yet applied, not only those above the highest: a
            // migration merged later with a lower number still runs.
            let applied: Vec<i64> = sqlx::query("SELECT version FROM schema_migrations")
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|r| r.try_get::<i64, _>("version"))
                .collect::<Result<_, _>>()?;
            for m in $list.iter().filter(|m| !applied.contains(&m.version)) {
                tracing::info!(version = m.version, description = m.description, "applying migration");
                let mut tx = sqlx::Connection::begin(&mut *conn).await?;
                sqlx::raw_sql(m.sql).execute(&mut *tx).await?;
                sqlx::query(
                    "INSERT INTO schema_migrations (version, description, applied_at) VALUES ($1, $2, $3)",
                )
                .bind(m.version)
                .bind(m.description)
                .bind($crate::now_secs())
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
            }
            Ok(())
        }
        .await;
        // A session-level lock must be released on the connection that holds it.
        if let Some(unlock) = $unlock {
            sqlx::raw_sql(unlock).execute(&mut *conn).await?;
        }
        result
    }};
}
pub(crate) use run_migrations;

#[cfg(test)]
mod tests {
    use super::*;

    fn versions_on_disk(backend: &str) -> Vec<i64> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(backend);
        let mut v: Vec<i64> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let name = e.unwrap().file_name().into_string().unwrap();
                name[..4].parse().unwrap()
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn both_backends_have_the_same_versions_and_embed_every_file() {
        let s: Vec<i64> = SQLITE.iter().map(|m| m.version).collect();
        let p: Vec<i64> = POSTGRES.iter().map(|m| m.version).collect();
        assert_eq!(s, p);
        assert_eq!(versions_on_disk("sqlite"), s);
        assert_eq!(versions_on_disk("postgres"), p);
        assert!(s.windows(2).all(|w| w[0] < w[1]));
    }
}
