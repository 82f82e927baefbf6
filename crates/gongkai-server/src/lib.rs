//! The gongkai web server: the public portal and the staff console, server-side rendered,
//! usable without JavaScript, in Chinese.
//!
//! The application is built by one function, [`build`], from a typed [`Config`] and a pre-bound
//! listener, and runs until a shutdown future fires ([`Server::run`]). The binary, the demo and
//! the tests all use the same wiring.

#![forbid(unsafe_code)]

pub mod auth;
pub mod demo;
mod demo_items;
pub mod error;
mod handlers;
pub mod metrics;
pub mod page_cache;
pub mod push;
pub mod routes;
pub mod templates;

use axum::Router;
use gongkai_store::Store;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

pub use demo::DemoAccount;
pub use error::AppError;

/// Where the data lives.
#[derive(Debug, Clone)]
pub enum DatabaseConfig {
    /// The embedded SQLite database file (WAL), created when missing.
    Sqlite { path: PathBuf },
    /// PostgreSQL; `schema` confines everything to one schema (used by tests).
    Postgres { url: String, schema: Option<String> },
}

/// The server's typed configuration. The binary assembles it from flags, `GONGKAI_*`
/// environment variables and the TOML file.
#[derive(Debug, Clone)]
pub struct Config {
    pub database: DatabaseConfig,
    /// Holds the SQLite database and uploaded files.
    pub data_dir: PathBuf,
    /// Mark cookies `Secure` (set when served behind TLS).
    pub secure_cookies: bool,
    /// Largest accepted request body, in bytes (forms; uploads have their own limit).
    pub body_limit: usize,
    /// Largest accepted attachment file, in bytes.
    pub attachment_limit: u64,
    /// How often scheduled publications (定时发布) that are due are released.
    pub scheduler_interval: Duration,
    /// Requests running longer are answered 408.
    pub request_timeout: Duration,
    /// How long a staff session lives.
    pub session_ttl: Duration,
    /// Seed the demo agencies and accounts at start.
    pub demo: bool,
    /// With `demo`: also seed the demo bureau's published items (tests that need an empty
    /// catalogue turn this off).
    pub demo_items: bool,
    /// A folder whose templates override the compiled-in ones.
    pub template_dir: Option<PathBuf>,
    /// How often expired sessions and old failed sign-ins are purged (clamped to
    /// [`MAINTENANCE_MIN`, `MAINTENANCE_MAX`]).
    pub maintenance_interval: Duration,
    /// Pushing items to upper-level platforms (推送).
    pub push: push::PushConfig,
    /// The public address of the site (`https://gk.example.gov.cn`), for the absolute URLs
    /// of feeds and sitemaps; when unset, derived from each request's Host header.
    pub public_base_url: Option<String>,
    /// Memory for rendered public pages (`0`: no page cache). See [`page_cache`].
    pub page_cache_bytes: u64,
    /// How often the database's portal generation is read, to drop pages changed through
    /// another node or the CLI.
    pub page_cache_poll: Duration,
}

impl Config {
    /// Largest accepted multipart request: a few files at the attachment limit, plus the form.
    pub fn upload_request_limit(&self) -> usize {
        usize::try_from(self.attachment_limit.saturating_mul(4))
            .unwrap_or(usize::MAX)
            .saturating_add(self.body_limit)
    }
}

/// Bounds of [`Config::maintenance_interval`].
pub const MAINTENANCE_MIN: Duration = Duration::from_secs(1);
pub const MAINTENANCE_MAX: Duration = Duration::from_secs(3600);

impl Config {
    /// Defaults for a data directory, SQLite inside it.
    pub fn with_data_dir(data_dir: PathBuf) -> Self {
        Self {
            database: DatabaseConfig::Sqlite {
                path: data_dir.join("gongkai.db"),
            },
            data_dir,
            secure_cookies: false,
            body_limit: 2 * 1024 * 1024,
            attachment_limit: 20 * 1024 * 1024,
            scheduler_interval: Duration::from_secs(30),
            request_timeout: Duration::from_secs(30),
            session_ttl: Duration::from_secs(8 * 3600),
            demo: false,
            demo_items: true,
            template_dir: None,
            maintenance_interval: Duration::from_secs(600),
            push: push::PushConfig::default(),
            public_base_url: None,
            page_cache_bytes: 64 * 1024 * 1024,
            page_cache_poll: Duration::from_secs(1),
        }
    }
}

/// Shared state of all handlers.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub store: Store,
    pub templates: templates::Templates,
    pub config: Config,
    pub metrics: metrics::Metrics,
    pub page_cache: page_cache::PageCache,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// Errors of starting the server.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("数据目录 {0} 无法创建：{1}")]
    DataDir(PathBuf, std::io::Error),
    #[error("数据库：{0}")]
    Store(#[from] gongkai_store::StoreError),
    #[error("模板：{0}")]
    Templates(String),
    #[error("演示数据：{0}")]
    Demo(String),
    #[error("配置 public_base_url：{0}")]
    PublicBaseUrl(String),
}

/// A built application, ready to serve on its listener.
pub struct Server {
    router: Router,
    listener: TcpListener,
    state: AppState,
    demo_accounts: Vec<DemoAccount>,
}

/// Opens the store (running migrations), seeds the demo when asked, and builds the router.
pub async fn build(mut config: Config, listener: TcpListener) -> Result<Server, StartError> {
    if let Some(base) = &config.public_base_url {
        config.public_base_url =
            Some(handlers::feeds::normalize_base_url(base).map_err(StartError::PublicBaseUrl)?);
    }
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|e| StartError::DataDir(config.data_dir.clone(), e))?;
    let store = match &config.database {
        DatabaseConfig::Sqlite { path } => Store::open_sqlite(path).await?,
        DatabaseConfig::Postgres { url, schema } => {
            Store::open_postgres(url, schema.as_deref()).await?
        }
    };
    store.migrate().await?;
    tracing::info!(backend = store.backend_name(), "database ready");
    let templates = templates::Templates::new(config.template_dir.clone())
        .map_err(|e| StartError::Templates(e.to_string()))?;
    let demo_accounts = if config.demo {
        demo::seed(&store, config.demo_items)
            .await
            .map_err(|e| StartError::Demo(e.to_string()))?
    } else {
        Vec::new()
    };
    let page_cache = page_cache::PageCache::new(config.page_cache_bytes);
    let state = AppState(Arc::new(Inner {
        store,
        templates,
        config,
        metrics: metrics::Metrics::default(),
        page_cache,
    }));
    let router = routes::router(state.clone());
    Ok(Server {
        router,
        listener,
        state,
        demo_accounts,
    })
}

impl Server {
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Sign-in names and one-time passwords created by `--demo`.
    pub fn demo_accounts(&self) -> &[DemoAccount] {
        &self.demo_accounts
    }

    pub fn store(&self) -> &Store {
        &self.state.store
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests and closes the pool.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let app = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let interval = self
            .state
            .config
            .maintenance_interval
            .clamp(MAINTENANCE_MIN, MAINTENANCE_MAX);
        let pusher = tokio::spawn(push::run_worker(
            self.state.store.clone(),
            self.state.config.push.clone(),
            stopped.clone(),
        ));
        let maintenance = tokio::spawn(maintain(
            self.state.store.clone(),
            interval,
            stopped.clone(),
        ));
        let follower = tokio::spawn(page_cache::follow_database(
            self.state.clone(),
            self.state
                .config
                .page_cache_poll
                .clamp(Duration::from_millis(50), MAINTENANCE_MAX),
            stopped.clone(),
        ));
        let scheduler = tokio::spawn(release_scheduled(
            self.state.clone(),
            self.state
                .config
                .public_base_url
                .clone()
                .unwrap_or_default(),
            self.state
                .config
                .scheduler_interval
                .clamp(MAINTENANCE_MIN, MAINTENANCE_MAX),
            stopped,
        ));
        let r = axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown)
            .await;
        let _ = stop.send(true);
        if let Err(e) = maintenance.await {
            tracing::error!(error = %e, "maintenance task failed");
        }
        if let Err(e) = scheduler.await {
            tracing::error!(error = %e, "publication scheduler failed");
        }
        if let Err(e) = follower.await {
            tracing::error!(error = %e, "page cache follower failed");
        }
        if let Err(e) = pusher.await {
            tracing::error!(error = %e, "push worker failed");
        }
        self.state.store.close().await;
        r
    }
}

/// Deletes expired sessions and failed sign-ins older than the throttling window.
pub async fn purge_stale(store: &Store) {
    let now = gongkai_store::now_secs();
    match store
        .purge_expired(now, now - handlers::THROTTLE_WINDOW_SECS)
        .await
    {
        Ok((0, 0)) => {}
        Ok((sessions, failures)) => {
            tracing::info!(
                sessions,
                failures,
                "purged expired sessions and sign-in failures"
            );
        }
        Err(e) => tracing::warn!(error = %e, "purge failed"),
    }
}

/// Purges on every tick until `stop` turns true (or its sender is gone).
async fn maintain(store: Store, every: Duration, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => purge_stale(&store).await,
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    break;
                }
            }
        }
    }
}

/// Publishes scheduled versions (定时发布) when due, on every tick until `stop` turns true.
async fn release_scheduled(
    state: AppState,
    portal_base: String,
    every: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let store = &state.store;
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => match store.release_due(chrono::Utc::now()).await {
                Ok(ids) if ids.is_empty() => {}
                Ok(ids) => {
                    state.page_cache.invalidate();
                    tracing::info!(count = ids.len(), "released scheduled publications");
                    // Targets marked “发布后自动推送” get them as after any publication.
                    let scheduler = gongkai_store::Actor {
                        user_id: None,
                        login: "scheduler".into(),
                        address: String::new(),
                    };
                    for id in ids {
                        let agency = match store.get_item(id).await {
                            Ok(Some(item)) => item.agency_id,
                            _ => continue,
                        };
                        if let Err(e) = store
                            .enqueue_push(agency, id, &portal_base, true, &scheduler, chrono::Utc::now())
                            .await
                        {
                            tracing::warn!(item = id, error = %e, "automatic push not queued");
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "releasing scheduled publications failed"),
            },
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    break;
                }
            }
        }
    }
}

/// Completes on ctrl-c or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
