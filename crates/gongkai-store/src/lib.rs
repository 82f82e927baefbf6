//! Persistence for the gongkai platform.
//!
//! [`Store`] is an enum over two backends, each in its own module: [`sqlite`] (embedded, WAL) and
//! [`postgres`]. Queries that are written the same on both (sqlx runtime queries with `$n`
//! placeholders) live here and are compiled once per backend by [`with_pool!`]; what differs
//! (connection, DDL in `migrations/<backend>/`, backup) stays in the backend's module.
//!
//! Every business write takes an [`Actor`] and appends its audit record in the same transaction,
//! so no write escapes the audit log. The audit log itself is append-only (database triggers).

#![forbid(unsafe_code)]

pub mod logical;
pub mod migrate;
pub mod postgres;
pub mod sqlite;

use gongkai_agency::{AgencyKind, DivisionCode, DomainError, ReportDeadline, Role, Uscc};
use serde::Serialize;
use sqlx::{AssertSqlSafe, Row};
use std::time::{SystemTime, UNIX_EPOCH};

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("already exists: {0}")]
    Conflict(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("invalid stored value: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Domain(#[from] DomainError),
    #[error("backup: {0}")]
    Backup(String),
}

impl StoreError {
    fn from_write(e: sqlx::Error, what: &str) -> Self {
        match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => Self::Conflict(what.to_owned()),
            _ => Self::Database(e),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The stored form of a session token: SHA-256, hex. The token is 256 random bits, so a fast
/// hash suffices (no salt or stretching is needed against guessing).
pub fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Seconds since the Unix epoch.
pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The backend in use, with its pool.
#[derive(Clone, Debug)]
pub enum Store {
    Sqlite(sqlite::SqliteBackend),
    Postgres(postgres::PgBackend),
}

/// Runs the same block against whichever pool the store holds; the block is compiled once per
/// backend, so it may only use SQL that both accept.
macro_rules! with_pool {
    ($self:expr, $p:ident => $body:expr) => {
        match $self {
            $crate::Store::Sqlite(b) => {
                let $p = &b.pool;
                $body
            }
            $crate::Store::Postgres(b) => {
                let $p = &b.pool;
                $body
            }
        }
    };
}
pub(crate) use with_pool;

/// Who performs a write, recorded in the audit log.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub login: String,
    pub address: String,
}

impl Actor {
    /// The platform itself (command line, demo seeding).
    pub fn system() -> Self {
        Self {
            user_id: None,
            login: "system".into(),
            address: String::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Agency {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
    pub uscc: Uscc,
    pub division_code: DivisionCode,
    pub kind: AgencyKind,
    /// An override of the statutory deadline, if set.
    pub report_deadline: Option<ReportDeadline>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Agency {
    pub fn effective_deadline(&self) -> ReportDeadline {
        ReportDeadline::effective(self.kind, self.report_deadline)
    }

    fn summary(&self) -> String {
        format!(
            "名称={}；统一社会信用代码={}；行政区划代码={}；类型={}；上级={}；年报截止={}",
            self.name,
            self.uscc,
            self.division_code,
            self.kind.label(),
            self.parent_id.map(|p| p.to_string()).unwrap_or_default(),
            self.report_deadline
                .map(|d| d.label())
                .unwrap_or_else(|| "默认".into()),
        )
    }
}

/// The fields of an agency that staff set.
#[derive(Debug, Clone)]
pub struct AgencyInput {
    pub parent_id: Option<i64>,
    pub name: String,
    pub uscc: Uscc,
    pub division_code: DivisionCode,
    pub kind: AgencyKind,
    pub report_deadline: Option<ReportDeadline>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub agency_id: i64,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    #[serde(skip)]
    pub password_hash: String,
    pub must_change_password: bool,
    pub disabled: bool,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub agency_id: i64,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub must_change_password: bool,
}

/// A staff session. `token` is the secret of the cookie; the database keeps only its
/// SHA-256 ([`token_hash`]), so a leaked copy of the database gives no live sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub token: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: i64,
    pub expires_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    pub id: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_login: String,
    pub agency_id: Option<i64>,
    pub action: String,
    pub target: String,
    pub before: String,
    pub after: String,
    pub address: String,
}

/// One audit entry to append.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub agency_id: Option<i64>,
    pub action: &'a str,
    pub target: String,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only these agencies (None = all).
    pub agency_ids: Option<Vec<i64>>,
    pub action: Option<String>,
    pub actor_login: Option<String>,
    pub limit: i64,
}

const AGENCY_COLS: &str =
    "id, parent_id, name, uscc, division_code, kind, report_deadline, created_at, updated_at";
const USER_COLS: &str = "id, agency_id, login, display_name, role, password_hash, must_change_password, disabled, created_at";
const AUDIT_COLS: &str = "id, at, actor_id, actor_login, agency_id, action, target, before_summary, after_summary, address";

fn agency_from_row<R: Row>(r: &R) -> Result<Agency>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'d> i64: sqlx::Decode<'d, R::Database> + sqlx::Type<R::Database>,
    for<'d> Option<i64>: sqlx::Decode<'d, R::Database>,
    for<'d> String: sqlx::Decode<'d, R::Database> + sqlx::Type<R::Database>,
    for<'d> Option<String>: sqlx::Decode<'d, R::Database>,
{
    let uscc: String = r.try_get("uscc")?;
    let division: String = r.try_get("division_code")?;
    let kind: String = r.try_get("kind")?;
    let deadline: Option<String> = r.try_get("report_deadline")?;
    Ok(Agency {
        id: r.try_get("id")?,
        parent_id: r.try_get("parent_id")?,
        name: r.try_get("name")?,
        uscc: Uscc::parse(&uscc).map_err(|e| StoreError::Corrupt(format!("uscc {uscc}: {e}")))?,
        division_code: DivisionCode::parse(&division)
            .map_err(|e| StoreError::Corrupt(format!("division {division}: {e}")))?,
        kind: kind
            .parse()
            .map_err(|e: DomainError| StoreError::Corrupt(e.to_string()))?,
        report_deadline: deadline
            .map(|d| ReportDeadline::parse(&d))
            .transpose()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn user_from_row<R: Row>(r: &R) -> Result<User>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'d> i64: sqlx::Decode<'d, R::Database> + sqlx::Type<R::Database>,
    for<'d> bool: sqlx::Decode<'d, R::Database> + sqlx::Type<R::Database>,
    for<'d> String: sqlx::Decode<'d, R::Database> + sqlx::Type<R::Database>,
{
    let role: String = r.try_get("role")?;
    Ok(User {
        id: r.try_get("id")?,
        agency_id: r.try_get("agency_id")?,
        login: r.try_get("login")?,
        display_name: r.try_get("display_name")?,
        role: role
            .parse()
            .map_err(|e: DomainError| StoreError::Corrupt(e.to_string()))?,
        password_hash: r.try_get("password_hash")?,
        must_change_password: r.try_get("must_change_password")?,
        disabled: r.try_get("disabled")?,
        created_at: r.try_get("created_at")?,
    })
}

fn audit_from_row<R: Row>(r: &R) -> Result<AuditRecord>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'d> i64: sqlx::Decode<'d, R::Database> + sqlx::Type<R::Database>,
    for<'d> Option<i64>: sqlx::Decode<'d, R::Database>,
    for<'d> String: sqlx::Decode<'d, R::Database> + sqlx::Type<R::Database>,
{
    Ok(AuditRecord {
        id: r.try_get("id")?,
        at: r.try_get("at")?,
        actor_id: r.try_get("actor_id")?,
        actor_login: r.try_get("actor_login")?,
        agency_id: r.try_get("agency_id")?,
        action: r.try_get("action")?,
        target: r.try_get("target")?,
        before: r.try_get("before_summary")?,
        after: r.try_get("after_summary")?,
        address: r.try_get("address")?,
    })
}

fn user_summary(u: &User) -> String {
    format!(
        "账号={}；姓名={}；角色={}；机关={}；停用={}",
        u.login,
        u.display_name,
        u.role.label(),
        u.agency_id,
        if u.disabled { "是" } else { "否" }
    )
}

/// Appends one audit row inside an open transaction or on a pool.
macro_rules! insert_audit {
    ($exec:expr, $actor:expr, $entry:expr, $now:expr) => {
        sqlx::query(
            "INSERT INTO audit_log (at, actor_id, actor_login, agency_id, action, target, \
             before_summary, after_summary, address) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind($now)
        .bind($actor.user_id)
        .bind(&$actor.login)
        .bind($entry.agency_id)
        .bind($entry.action)
        .bind(&$entry.target)
        .bind(&$entry.before)
        .bind(&$entry.after)
        .bind(&$actor.address)
        .execute($exec)
        .await
    };
}

impl Store {
    /// `sqlite` or `postgres`.
    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }

    /// Applies the pending migrations of the backend.
    pub async fn migrate(&self) -> Result<()> {
        match self {
            Self::Sqlite(b) => b.migrate().await?,
            Self::Postgres(b) => b.migrate().await?,
        }
        // a migration that changes the search index's shape empties it: rebuild it here
        if self.search_index_missing().await? {
            self.reindex_all().await.map_err(|e| match e {
                proactive::ProactiveError::Store(e) => e,
                other => StoreError::Corrupt(other.to_string()),
            })?;
        }
        Ok(())
    }

    /// Cheap liveness check of the database.
    pub async fn ping(&self) -> Result<()> {
        with_pool!(self, p => {
            sqlx::query("SELECT 1").execute(p).await?;
        });
        Ok(())
    }

    pub async fn close(&self) {
        with_pool!(self, p => p.close().await)
    }

    // ---- agencies -------------------------------------------------------------------------

    pub async fn list_agencies(&self) -> Result<Vec<Agency>> {
        let sql = format!("SELECT {AGENCY_COLS} FROM agencies ORDER BY id");
        with_pool!(self, p => {
            let rows = sqlx::query(AssertSqlSafe(sql.as_str())).fetch_all(p).await?;
            rows.iter().map(agency_from_row).collect()
        })
    }

    pub async fn get_agency(&self, id: i64) -> Result<Option<Agency>> {
        let sql = format!("SELECT {AGENCY_COLS} FROM agencies WHERE id = $1");
        with_pool!(self, p => {
            let row = sqlx::query(AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(p).await?;
            row.as_ref().map(agency_from_row).transpose()
        })
    }

    pub async fn find_agency_by_uscc(&self, uscc: &Uscc) -> Result<Option<Agency>> {
        let sql = format!("SELECT {AGENCY_COLS} FROM agencies WHERE uscc = $1");
        with_pool!(self, p => {
            let row = sqlx::query(AssertSqlSafe(sql.as_str())).bind(uscc.as_str()).fetch_optional(p).await?;
            row.as_ref().map(agency_from_row).transpose()
        })
    }

    /// The ids of an agency and all agencies below it.
    pub async fn agency_subtree(&self, root: i64) -> Result<Vec<i64>> {
        let all = self.list_agencies().await?;
        let mut out = vec![root];
        let mut i = 0;
        while i < out.len() {
            let cur = out[i];
            out.extend(
                all.iter()
                    .filter(|a| a.parent_id == Some(cur))
                    .map(|a| a.id),
            );
            i += 1;
        }
        Ok(out)
    }

    pub async fn create_agency(&self, input: &AgencyInput, actor: &Actor) -> Result<Agency> {
        if let Some(parent) = input.parent_id
            && self.get_agency(parent).await?.is_none()
        {
            return Err(StoreError::NotFound(format!("agency {parent}")));
        }
        let now = now_secs();
        let sql = format!(
            "INSERT INTO agencies (parent_id, name, uscc, division_code, kind, report_deadline, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING {AGENCY_COLS}"
        );
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let row = sqlx::query(AssertSqlSafe(sql.as_str()))
                .bind(input.parent_id)
                .bind(&input.name)
                .bind(input.uscc.as_str())
                .bind(input.division_code.as_str())
                .bind(input.kind.key())
                .bind(input.report_deadline.map(|d| d.to_string()))
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| StoreError::from_write(e, "uscc"))?;
            let agency = agency_from_row(&row)?;
            let entry = AuditEntry {
                agency_id: Some(agency.id),
                action: "agency.create",
                target: format!("机关 {}", agency.id),
                before: String::new(),
                after: agency.summary(),
            };
            insert_audit!(&mut *tx, actor, entry, now)?;
            tx.commit().await?;
            Ok(agency)
        })
    }

    pub async fn update_agency(
        &self,
        id: i64,
        input: &AgencyInput,
        actor: &Actor,
    ) -> Result<Agency> {
        let before = self
            .get_agency(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("agency {id}")))?;
        if let Some(parent) = input.parent_id
            && (parent == id || self.agency_subtree(id).await?.contains(&parent))
        {
            return Err(StoreError::Conflict("parent".into()));
        }
        let now = now_secs();
        let sql = format!(
            "UPDATE agencies SET parent_id = $1, name = $2, uscc = $3, division_code = $4, kind = $5, \
             report_deadline = $6, updated_at = $7 WHERE id = $8 RETURNING {AGENCY_COLS}"
        );
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let row = sqlx::query(AssertSqlSafe(sql.as_str()))
                .bind(input.parent_id)
                .bind(&input.name)
                .bind(input.uscc.as_str())
                .bind(input.division_code.as_str())
                .bind(input.kind.key())
                .bind(input.report_deadline.map(|d| d.to_string()))
                .bind(now)
                .bind(id)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| StoreError::from_write(e, "uscc"))?;
            let agency = agency_from_row(&row)?;
            let entry = AuditEntry {
                agency_id: Some(id),
                action: "agency.update",
                target: format!("机关 {id}"),
                before: before.summary(),
                after: agency.summary(),
            };
            insert_audit!(&mut *tx, actor, entry, now)?;
            tx.commit().await?;
            Ok(agency)
        })
    }

    // ---- users ----------------------------------------------------------------------------

    pub async fn get_user(&self, id: i64) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE id = $1");
        with_pool!(self, p => {
            let row = sqlx::query(AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(p).await?;
            row.as_ref().map(user_from_row).transpose()
        })
    }

    pub async fn find_user_by_login(&self, login: &str) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE login = $1");
        with_pool!(self, p => {
            let row = sqlx::query(AssertSqlSafe(sql.as_str())).bind(login).fetch_optional(p).await?;
            row.as_ref().map(user_from_row).transpose()
        })
    }

    /// Users of the given agencies (all users when `None`), ordered by agency then login.
    pub async fn list_users(&self, agency_ids: Option<&[i64]>) -> Result<Vec<User>> {
        let sql = format!("SELECT {USER_COLS} FROM users ORDER BY agency_id, login");
        let all: Vec<User> = with_pool!(self, p => {
            let rows = sqlx::query(AssertSqlSafe(sql.as_str())).fetch_all(p).await?;
            rows.iter().map(user_from_row).collect::<Result<Vec<_>>>()?
        });
        Ok(match agency_ids {
            None => all,
            Some(ids) => all
                .into_iter()
                .filter(|u| ids.contains(&u.agency_id))
                .collect(),
        })
    }

    pub async fn create_user(&self, new: &NewUser, actor: &Actor) -> Result<User> {
        let now = now_secs();
        let sql = format!(
            "INSERT INTO users (agency_id, login, display_name, role, password_hash, \
             must_change_password, disabled, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, FALSE, $7, $7) RETURNING {USER_COLS}"
        );
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let row = sqlx::query(AssertSqlSafe(sql.as_str()))
                .bind(new.agency_id)
                .bind(&new.login)
                .bind(&new.display_name)
                .bind(new.role.key())
                .bind(&new.password_hash)
                .bind(new.must_change_password)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| StoreError::from_write(e, "login"))?;
            let user = user_from_row(&row)?;
            let entry = AuditEntry {
                agency_id: Some(user.agency_id),
                action: "user.create",
                target: format!("用户 {}", user.login),
                before: String::new(),
                after: user_summary(&user),
            };
            insert_audit!(&mut *tx, actor, entry, now)?;
            tx.commit().await?;
            Ok(user)
        })
    }

    /// Sets a new password hash; `must_change` marks it as a one-time password. All sessions of
    /// the user except `keep_session` are ended.
    pub async fn set_password(
        &self,
        user_id: i64,
        hash: &str,
        must_change: bool,
        keep_session: Option<&str>,
        actor: &Actor,
    ) -> Result<()> {
        let user = self
            .get_user(user_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user {user_id}")))?;
        let now = now_secs();
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query(
                "UPDATE users SET password_hash = $1, must_change_password = $2, updated_at = $3 WHERE id = $4",
            )
            .bind(hash)
            .bind(must_change)
            .bind(now)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
                .bind(user_id)
                .bind(keep_session.map(token_hash).unwrap_or_default())
                .execute(&mut *tx)
                .await?;
            let entry = AuditEntry {
                agency_id: Some(user.agency_id),
                action: if must_change { "user.reset_password" } else { "user.change_password" },
                target: format!("用户 {}", user.login),
                before: String::new(),
                after: if must_change { "已设置一次性密码".into() } else { "已修改密码".into() },
            };
            insert_audit!(&mut *tx, actor, entry, now)?;
            tx.commit().await?;
            Ok(())
        })
    }

    pub async fn set_user_disabled(
        &self,
        user_id: i64,
        disabled: bool,
        actor: &Actor,
    ) -> Result<User> {
        let before = self
            .get_user(user_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user {user_id}")))?;
        let now = now_secs();
        let sql = format!(
            "UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3 RETURNING {USER_COLS}"
        );
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let row = sqlx::query(AssertSqlSafe(sql.as_str()))
                .bind(disabled)
                .bind(now)
                .bind(user_id)
                .fetch_one(&mut *tx)
                .await?;
            let after = user_from_row(&row)?;
            if disabled {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
            }
            let entry = AuditEntry {
                agency_id: Some(after.agency_id),
                action: if disabled { "user.disable" } else { "user.enable" },
                target: format!("用户 {}", after.login),
                before: user_summary(&before),
                after: user_summary(&after),
            };
            insert_audit!(&mut *tx, actor, entry, now)?;
            tx.commit().await?;
            Ok(after)
        })
    }

    // ---- sessions -------------------------------------------------------------------------

    pub async fn create_session(&self, s: &Session) -> Result<()> {
        with_pool!(self, p => {
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token_hash(&s.token))
            .bind(s.user_id)
            .bind(&s.csrf_token)
            .bind(s.created_at)
            .bind(s.expires_at)
            .execute(p)
            .await?;
        });
        Ok(())
    }

    /// Signs a user in: the session and its `session.sign_in` audit row in one transaction.
    pub async fn start_session(&self, s: &Session, user: &User, actor: &Actor) -> Result<()> {
        let now = now_secs();
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token_hash(&s.token))
            .bind(s.user_id)
            .bind(&s.csrf_token)
            .bind(s.created_at)
            .bind(s.expires_at)
            .execute(&mut *tx)
            .await?;
            let entry = AuditEntry {
                agency_id: Some(user.agency_id),
                action: "session.sign_in",
                target: format!("用户 {}", user.login),
                before: String::new(),
                after: "登录成功".into(),
            };
            insert_audit!(&mut *tx, actor, entry, now)?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Signs a user out: of the session `token` only, or everywhere when `None`; the deletion
    /// and its audit row in one transaction. Returns how many sessions ended.
    pub async fn end_sessions(
        &self,
        user: &User,
        token: Option<&str>,
        actor: &Actor,
    ) -> Result<u64> {
        let now = now_secs();
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let n = match token {
                Some(t) => sqlx::query("DELETE FROM sessions WHERE token_hash = $1 AND user_id = $2")
                    .bind(token_hash(t))
                    .bind(user.id)
                    .execute(&mut *tx)
                    .await?,
                None => sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(user.id)
                    .execute(&mut *tx)
                    .await?,
            }
            .rows_affected();
            let entry = AuditEntry {
                agency_id: Some(user.agency_id),
                action: if token.is_some() { "session.sign_out" } else { "session.sign_out_everywhere" },
                target: format!("用户 {}", user.login),
                before: format!("{n} 个会话"),
                after: if token.is_some() { "已退出登录".into() } else { "0 个会话".into() },
            };
            insert_audit!(&mut *tx, actor, entry, now)?;
            tx.commit().await?;
            Ok(n)
        })
    }

    /// The live session of a token with its user, or `None` when unknown or expired.
    pub async fn get_session(&self, token: &str, now: i64) -> Result<Option<(Session, User)>> {
        let session = with_pool!(self, p => {
            let row = sqlx::query(
                "SELECT user_id, csrf_token, created_at, expires_at FROM sessions WHERE token_hash = $1 AND expires_at > $2",
            )
            .bind(token_hash(token))
            .bind(now)
            .fetch_optional(p)
            .await?;
            match row {
                None => None,
                Some(r) => Some(Session {
                    token: token.to_owned(),
                    user_id: r.try_get("user_id")?,
                    csrf_token: r.try_get("csrf_token")?,
                    created_at: r.try_get("created_at")?,
                    expires_at: r.try_get("expires_at")?,
                }),
            }
        });
        let Some(session) = session else {
            return Ok(None);
        };
        match self.get_user(session.user_id).await? {
            Some(u) if !u.disabled => Ok(Some((session, u))),
            _ => Ok(None),
        }
    }

    pub async fn delete_session(&self, token: &str) -> Result<()> {
        with_pool!(self, p => {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash(token)).execute(p).await?;
        });
        Ok(())
    }

    /// Signs a user out everywhere; returns how many sessions ended.
    pub async fn delete_user_sessions(&self, user_id: i64) -> Result<u64> {
        with_pool!(self, p => {
            let r = sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(p).await?;
            Ok(r.rows_affected())
        })
    }

    /// Deletes expired sessions and failed sign-ins recorded before `failures_before` (older
    /// than the throttling window). Returns (sessions, failures) deleted.
    pub async fn purge_expired(&self, now: i64, failures_before: i64) -> Result<(u64, u64)> {
        with_pool!(self, p => {
            let s = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(p).await?;
            let f = sqlx::query("DELETE FROM login_failures WHERE at < $1")
                .bind(failures_before)
                .execute(p)
                .await?;
            Ok((s.rows_affected(), f.rows_affected()))
        })
    }

    // ---- login throttling -------------------------------------------------------------------

    pub async fn record_login_failure(&self, key: &str, now: i64) -> Result<()> {
        with_pool!(self, p => {
            sqlx::query("INSERT INTO login_failures (throttle_key, at) VALUES ($1, $2)")
                .bind(key)
                .bind(now)
                .execute(p)
                .await?;
        });
        Ok(())
    }

    pub async fn count_login_failures(&self, key: &str, since: i64) -> Result<i64> {
        with_pool!(self, p => {
            let row = sqlx::query("SELECT COUNT(*) AS n FROM login_failures WHERE throttle_key = $1 AND at > $2")
                .bind(key)
                .bind(since)
                .fetch_one(p)
                .await?;
            Ok(row.try_get("n")?)
        })
    }

    pub async fn clear_login_failures(&self, key: &str) -> Result<()> {
        with_pool!(self, p => {
            sqlx::query("DELETE FROM login_failures WHERE throttle_key = $1").bind(key).execute(p).await?;
        });
        Ok(())
    }

    // ---- audit log --------------------------------------------------------------------------

    /// Appends an audit record for an event that is not itself a store write (sign-in, sign-out
    /// everywhere, export).
    pub async fn append_audit(&self, actor: &Actor, entry: &AuditEntry<'_>) -> Result<()> {
        let now = now_secs();
        with_pool!(self, p => {
            insert_audit!(p, actor, entry, now)?;
        });
        Ok(())
    }

    /// Audit records, newest first.
    pub async fn list_audit(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>> {
        let mut sql = format!("SELECT {AUDIT_COLS} FROM audit_log WHERE 1 = 1");
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        if let Some(ids) = &filter.agency_ids {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            let ph: Vec<String> = ids.iter().map(|_| next()).collect();
            sql.push_str(&format!(" AND agency_id IN ({})", ph.join(", ")));
        }
        if filter.action.is_some() {
            sql.push_str(&format!(" AND action = {}", next()));
        }
        if filter.actor_login.is_some() {
            sql.push_str(&format!(" AND actor_login = {}", next()));
        }
        let limit = if filter.limit <= 0 {
            1000
        } else {
            filter.limit
        };
        sql.push_str(&format!(" ORDER BY id DESC LIMIT {}", next()));
        with_pool!(self, p => {
            let mut q = sqlx::query(AssertSqlSafe(sql.as_str()));
            for id in filter.agency_ids.iter().flatten() {
                q = q.bind(*id);
            }
            if let Some(a) = &filter.action {
                q = q.bind(a);
            }
            if let Some(a) = &filter.actor_login {
                q = q.bind(a);
            }
            let rows = q.bind(limit).fetch_all(p).await?;
            rows.iter().map(audit_from_row).collect()
        })
    }
}

pub mod attachments;
pub mod bulk;
pub mod portal;
pub mod proactive;
pub mod push;
pub mod search;
pub mod spot_check;
// console features of proactive disclosure (catalogue editing, 错敏词, statistics, import)
pub mod catalogue_admin;
pub mod import;
pub mod stats;
pub mod words;

#[cfg(test)]
mod tests;
