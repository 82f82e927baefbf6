//! The PostgreSQL backend, for several stateless server nodes.

use crate::{Result, Store};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Connection};
use std::str::FromStr;

#[derive(Clone, Debug)]
pub struct PgBackend {
    pub(crate) pool: PgPool,
    pub(crate) schema: Option<String>,
}

/// Serialises migrations of several nodes starting at once.
const MIGRATION_LOCK: &str = "SELECT pg_advisory_lock(4711001)";
const MIGRATION_UNLOCK: &str = "SELECT pg_advisory_unlock(4711001)";

impl PgBackend {
    pub(crate) async fn migrate(&self) -> Result<()> {
        crate::migrate::run_migrations!(
            self.pool,
            crate::migrate::POSTGRES,
            Some(MIGRATION_LOCK),
            Some(MIGRATION_UNLOCK)
        )
    }

    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }
}

fn valid_schema_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() < 60
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

impl Store {
    /// Connects to PostgreSQL. With `schema`, everything lives in that schema (created if
    /// missing): tests use one schema each.
    pub async fn open_postgres(url: &str, schema: Option<&str>) -> Result<Store> {
        let mut opts = PgConnectOptions::from_str(url)?;
        if let Some(schema) = schema {
            if !valid_schema_name(schema) {
                return Err(crate::StoreError::Conflict(format!("schema name {schema}")));
            }
            let mut conn = opts.connect().await?;
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "CREATE SCHEMA IF NOT EXISTS {schema}"
            )))
            .execute(&mut conn)
            .await?;
            conn.close().await?;
            opts = opts.options([("search_path", schema)]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .connect_with(opts)
            .await?;
        Ok(Store::Postgres(PgBackend {
            pool,
            schema: schema.map(str::to_owned),
        }))
    }

    /// Drops the store's own schema (tests). Does nothing without a schema.
    pub async fn drop_schema(self) -> Result<()> {
        if let Store::Postgres(PgBackend {
            pool,
            schema: Some(schema),
        }) = &self
        {
            // The pool may already be closed (server shut down): use a connection of its own.
            let mut conn = pool.connect_options().connect().await?;
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE"
            )))
            .execute(&mut conn)
            .await?;
            conn.close().await?;
            pool.close().await;
        }
        Ok(())
    }
}
