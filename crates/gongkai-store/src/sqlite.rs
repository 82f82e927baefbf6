//! The embedded SQLite backend (WAL journal), the default.

use crate::{Result, Store, StoreError};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct SqliteBackend {
    pub(crate) pool: SqlitePool,
    pub(crate) path: PathBuf,
}

impl SqliteBackend {
    pub(crate) async fn migrate(&self) -> Result<()> {
        crate::migrate::run_migrations!(
            self.pool,
            crate::migrate::SQLITE,
            None::<&'static str>,
            None::<&'static str>
        )
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
}

impl Store {
    /// Opens (creating if needed) the SQLite database file at `path`.
    pub async fn open_sqlite(path: &Path) -> Result<Store> {
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options(path))
            .await?;
        Ok(Store::Sqlite(SqliteBackend {
            pool,
            path: path.to_owned(),
        }))
    }
}

/// Writes a consistent copy of the live database to `to` (`VACUUM INTO`). `to` must not exist.
pub async fn backup(backend: &SqliteBackend, to: &Path) -> Result<()> {
    if to.exists() {
        return Err(StoreError::Backup(format!(
            "{} already exists",
            to.display()
        )));
    }
    let target = to
        .to_str()
        .ok_or_else(|| StoreError::Backup("backup path is not UTF-8".into()))?;
    sqlx::query("VACUUM INTO $1")
        .bind(target)
        .execute(&backend.pool)
        .await?;
    Ok(())
}

/// Checks that `from` is a gongkai SQLite database and copies it to `db_path`, replacing the
/// database there (the server must be stopped).
pub async fn restore(from: &Path, db_path: &Path) -> Result<()> {
    {
        let check = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(SqliteConnectOptions::new().filename(from).read_only(true))
            .await
            .map_err(|e| StoreError::Backup(format!("{}: {e}", from.display())))?;
        let ok: std::result::Result<(i64,), _> =
            sqlx::query_as("SELECT MAX(version) FROM schema_migrations")
                .fetch_one(&check)
                .await;
        check.close().await;
        if ok.is_err() {
            return Err(StoreError::Backup(format!(
                "{} is not a gongkai database",
                from.display()
            )));
        }
    }
    let tmp = db_path.with_extension("restore-tmp");
    std::fs::copy(from, &tmp).map_err(|e| StoreError::Backup(e.to_string()))?;
    for ext in ["db-wal", "db-shm"] {
        let side = db_path.with_extension(ext);
        if side.exists() {
            std::fs::remove_file(&side).map_err(|e| StoreError::Backup(e.to_string()))?;
        }
    }
    std::fs::rename(&tmp, db_path).map_err(|e| StoreError::Backup(e.to_string()))?;
    Ok(())
}
