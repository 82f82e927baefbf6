//! `gongkai serve`: the platform server.
//!
//! Configuration comes from flags, then `GONGKAI_*` environment variables, then a TOML file
//! (`--config`), then defaults — the first that sets a value wins.

use clap::{Args, ValueEnum};
use gongkai_server::{Config, DatabaseConfig};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Args, Debug, Default)]
pub struct ServeArgs {
    /// 配置文件（TOML） (configuration file)
    #[arg(long, env = "GONGKAI_CONFIG")]
    pub config: Option<PathBuf>,
    /// 监听地址，默认 127.0.0.1:8080 (address to listen on)
    #[arg(long, env = "GONGKAI_LISTEN")]
    pub listen: Option<String>,
    /// 数据目录：内置数据库与上传文件，默认 ./gongkai-data (data directory)
    #[arg(long, env = "GONGKAI_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// 使用 PostgreSQL：postgres://… (use PostgreSQL instead of the embedded SQLite)
    #[arg(long, env = "GONGKAI_DATABASE_URL")]
    pub database_url: Option<String>,
    /// 日志格式 (log format)
    #[arg(long, env = "GONGKAI_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
    /// Cookie 加 Secure 标记（经 HTTPS 提供服务时） (mark cookies Secure, behind TLS)
    #[arg(long, env = "GONGKAI_SECURE_COOKIES", num_args = 0..=1, default_missing_value = "true")]
    pub secure_cookies: Option<bool>,
    /// 请求体上限（字节） (request body limit, bytes)
    #[arg(long, env = "GONGKAI_BODY_LIMIT")]
    pub body_limit: Option<usize>,
    /// 请求超时（秒） (request timeout, seconds)
    #[arg(long, env = "GONGKAI_REQUEST_TIMEOUT")]
    pub request_timeout: Option<u64>,
    /// 会话有效期（小时） (session lifetime, hours)
    #[arg(long, env = "GONGKAI_SESSION_HOURS")]
    pub session_hours: Option<u64>,
    /// 自定义模板目录 (folder of templates overriding the built-in ones)
    #[arg(long, env = "GONGKAI_TEMPLATE_DIR")]
    pub template_dir: Option<PathBuf>,
    /// 门户的公开网址，用于订阅源与站点地图中的绝对链接，如 https://gk.example.gov.cn
    /// (public base URL of the site, for absolute links in feeds and sitemaps)
    #[arg(long, env = "GONGKAI_PUBLIC_BASE_URL")]
    pub public_base_url: Option<String>,
    /// 公开页面缓存（MB，0 为不缓存） (memory for rendered public pages, MiB; 0 turns it off)
    #[arg(long, env = "GONGKAI_PAGE_CACHE_MB")]
    pub page_cache_mb: Option<u64>,
    /// 创建演示机关与账号并打印一次性密码 (seed demo agencies and accounts)
    #[arg(long)]
    pub demo: bool,
    /// 打印带注释的示例配置文件后退出 (print a commented sample configuration and exit)
    #[arg(long)]
    pub print_config: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// The TOML configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    log_format: Option<LogFormat>,
    secure_cookies: Option<bool>,
    body_limit: Option<usize>,
    request_timeout: Option<u64>,
    session_hours: Option<u64>,
    template_dir: Option<PathBuf>,
    public_base_url: Option<String>,
    page_cache_mb: Option<u64>,
}

pub const SAMPLE_CONFIG: &str = r#"# gongkai serve 配置文件（TOML）。命令行参数与 GONGKAI_* 环境变量优先于此文件。
# listen = "127.0.0.1:8080"         # 监听地址
# data_dir = "./gongkai-data"       # 数据目录：内置 SQLite 数据库与上传文件
# database_url = "postgres://user@host/db"   # 设置后改用 PostgreSQL
# log_format = "text"               # text 或 json
# secure_cookies = false            # 经 HTTPS 提供服务时设为 true
# body_limit = 2097152              # 请求体上限（字节）
# request_timeout = 30              # 请求超时（秒）
# session_hours = 8                 # 会话有效期（小时）
# template_dir = "./templates"      # 覆盖内置模板的目录
# public_base_url = "https://gk.example.gov.cn"   # 公开网址（订阅源、站点地图的绝对链接；未设置时取请求的 Host）
# page_cache_mb = 64                # 公开页面缓存（MB）；0 为不缓存
"#;

/// Everything resolved: where to listen, how to log, and the server's config.
#[derive(Debug)]
pub struct Resolved {
    pub listen: String,
    pub log_format: LogFormat,
    pub config: Config,
}

/// Flags/env (already merged by clap) > file > defaults.
pub fn resolve(args: &ServeArgs, file: FileConfig) -> Resolved {
    let data_dir = args
        .data_dir
        .clone()
        .or(file.data_dir)
        .unwrap_or_else(|| PathBuf::from("./gongkai-data"));
    let mut config = Config::with_data_dir(data_dir);
    if let Some(url) = args.database_url.clone().or(file.database_url) {
        config.database = DatabaseConfig::Postgres { url, schema: None };
    }
    if let Some(v) = args.secure_cookies.or(file.secure_cookies) {
        config.secure_cookies = v;
    }
    if let Some(v) = args.body_limit.or(file.body_limit) {
        config.body_limit = v;
    }
    if let Some(v) = args.request_timeout.or(file.request_timeout) {
        config.request_timeout = Duration::from_secs(v);
    }
    if let Some(v) = args.session_hours.or(file.session_hours) {
        config.session_ttl = Duration::from_secs(v * 3600);
    }
    config.template_dir = args.template_dir.clone().or(file.template_dir);
    config.public_base_url = args.public_base_url.clone().or(file.public_base_url);
    if let Some(mb) = args.page_cache_mb.or(file.page_cache_mb) {
        config.page_cache_bytes = mb.saturating_mul(1024 * 1024);
    }
    config.demo = args.demo;
    Resolved {
        listen: args
            .listen
            .clone()
            .or(file.listen)
            .unwrap_or_else(|| "127.0.0.1:8080".into()),
        log_format: args
            .log_format
            .or(file.log_format)
            .unwrap_or(LogFormat::Text),
        config,
    }
}

fn read_file_config(path: &Path) -> Result<FileConfig, String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "无法读取配置文件 {} (cannot read config): {e}",
            path.display()
        )
    })?;
    toml::from_str(&text)
        .map_err(|e| format!("配置文件 {} 有误 (invalid config): {e}", path.display()))
}

fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    // Colour only on a terminal (and never with NO_COLOR): logs piped to a
    // file or a collector stay plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

pub fn run(args: ServeArgs) -> ExitCode {
    if args.print_config {
        print!("{SAMPLE_CONFIG}");
        return ExitCode::SUCCESS;
    }
    let file = match &args.config {
        Some(p) => match read_file_config(p) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("gongkai serve: {e}");
                return ExitCode::from(2);
            }
        },
        None => FileConfig::default(),
    };
    let resolved = resolve(&args, file);
    init_logging(resolved.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("gongkai serve: 无法启动运行时 (cannot start runtime): {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(resolved)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gongkai serve: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(resolved: Resolved) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(&resolved.listen)
        .await
        .map_err(|e| format!("无法监听 {} (cannot listen): {e}", resolved.listen))?;
    let server = gongkai_server::build(resolved.config, listener)
        .await
        .map_err(|e| e.to_string())?;
    let addr = server.local_addr().map_err(|e| e.to_string())?;
    if !server.demo_accounts().is_empty() {
        println!("演示账号 (demo accounts)：");
        for a in server.demo_accounts() {
            match &a.password {
                Some(p) => println!(
                    "  {:<16} {:<6} {}  一次性密码：{p}",
                    a.login,
                    a.role.label(),
                    a.agency
                ),
                None => println!(
                    "  {:<16} {:<6} {}  （已设置自己的密码，未重置）",
                    a.login,
                    a.role.label(),
                    a.agency
                ),
            }
        }
    }
    println!("gongkai 已启动：http://{addr}/ （管理后台 http://{addr}/console）");
    tracing::info!(%addr, backend = server.store().backend_name(), "listening");
    server
        .run(gongkai_server::shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_file_which_wins_over_defaults() {
        let file: FileConfig = toml::from_str(
            "listen = \"0.0.0.0:9000\"\ndata_dir = \"/srv/gk\"\nbody_limit = 10\nlog_format = \"json\"",
        )
        .unwrap();
        let args = ServeArgs {
            listen: Some("127.0.0.1:1".into()),
            ..Default::default()
        };
        let r = resolve(&args, file);
        assert_eq!(r.listen, "127.0.0.1:1");
        assert_eq!(r.config.data_dir, PathBuf::from("/srv/gk"));
        assert_eq!(r.config.body_limit, 10);
        assert_eq!(r.log_format, LogFormat::Json);
        assert!(matches!(r.config.database, DatabaseConfig::Sqlite { .. }));

        let d = resolve(&ServeArgs::default(), FileConfig::default());
        assert_eq!(d.listen, "127.0.0.1:8080");
        assert_eq!(d.config.data_dir, PathBuf::from("./gongkai-data"));
    }

    #[test]
    fn unknown_keys_are_refused_and_the_sample_parses() {
        assert!(toml::from_str::<FileConfig>("lisen = \"x\"").is_err());
        let uncommented: String = SAMPLE_CONFIG
            .lines()
            .filter_map(|l| l.strip_prefix("# "))
            .filter(|l| l.contains(" = "))
            .map(|l| format!("{}\n", l.split(" #").next().unwrap_or(l).trim_end()))
            .collect();
        let f: FileConfig = toml::from_str(&uncommented).unwrap();
        assert_eq!(f.session_hours, Some(8));
    }
}

// ---- backup / restore -------------------------------------------------------------------

/// Where the database is, for `backup` and `restore`.
#[derive(Args, Debug)]
pub struct DatabaseArgs {
    /// 数据目录，默认 ./gongkai-data (data directory)
    #[arg(long, env = "GONGKAI_DATA_DIR", default_value = "./gongkai-data")]
    pub data_dir: PathBuf,
    /// PostgreSQL 连接串 (PostgreSQL URL; the embedded SQLite database otherwise)
    #[arg(long, env = "GONGKAI_DATABASE_URL")]
    pub database_url: Option<String>,
}

#[derive(Args, Debug)]
pub struct BackupArgs {
    /// 备份文件（不得已存在）：SQLite 为数据库文件，PostgreSQL 为 JSON 逻辑导出 (backup file)
    #[arg(long)]
    pub to: PathBuf,
    #[command(flatten)]
    pub db: DatabaseArgs,
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// 备份文件：SQLite 数据库文件或 JSON 逻辑导出 (backup file)
    pub file: PathBuf,
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// 覆盖已有的 SQLite 数据库（服务须已停止） (replace an existing SQLite database)
    #[arg(long)]
    pub force: bool,
}

fn block_on<F: std::future::Future<Output = Result<String, String>>>(f: F) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("gongkai: 无法启动运行时 (cannot start runtime): {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(f) {
        Ok(msg) => {
            println!("{msg}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gongkai: {e}");
            ExitCode::FAILURE
        }
    }
}

fn sqlite_path(db: &DatabaseArgs) -> PathBuf {
    db.data_dir.join("gongkai.db")
}

pub fn run_backup(args: BackupArgs) -> ExitCode {
    block_on(async move {
        use gongkai_store::Store;
        if args.to.exists() {
            return Err(format!(
                "{} 已存在，不会覆盖 (already exists)",
                args.to.display()
            ));
        }
        match &args.db.database_url {
            None => {
                let path = sqlite_path(&args.db);
                if !path.exists() {
                    return Err(format!("数据库 {} 不存在 (no database)", path.display()));
                }
                let store = Store::open_sqlite(&path).await.map_err(|e| e.to_string())?;
                let Store::Sqlite(b) = &store else {
                    return Err("unexpected backend".into());
                };
                gongkai_store::sqlite::backup(b, &args.to)
                    .await
                    .map_err(|e| e.to_string())?;
                store.close().await;
            }
            Some(url) => {
                let store = Store::open_postgres(url, None)
                    .await
                    .map_err(|e| e.to_string())?;
                let doc = store.export_logical().await.map_err(|e| e.to_string())?;
                let text = serde_json::to_vec_pretty(&doc).map_err(|e| e.to_string())?;
                std::fs::write(&args.to, text).map_err(|e| e.to_string())?;
                store.close().await;
            }
        }
        Ok(format!("已备份到 {} (backup written)", args.to.display()))
    })
}

pub fn run_restore(args: RestoreArgs) -> ExitCode {
    block_on(async move {
        use gongkai_store::Store;
        let head = std::fs::read(&args.file)
            .map_err(|e| format!("无法读取 {} (cannot read): {e}", args.file.display()))?;
        let is_sqlite = head.starts_with(b"SQLite format 3\0");
        // The logical content of the backup, unless it is a file copy onto SQLite.
        let doc = if is_sqlite {
            None
        } else {
            Some(
                serde_json::from_slice::<serde_json::Value>(&head)
                    .map_err(|e| format!("不是 gongkai 备份文件 (not a backup): {e}"))?,
            )
        };
        match (&args.db.database_url, doc) {
            (None, None) => {
                let path = sqlite_path(&args.db);
                if path.exists() && !args.force {
                    return Err(format!(
                        "{} 已存在；停止服务后加 --force 覆盖 (exists: stop the server and pass --force)",
                        path.display()
                    ));
                }
                std::fs::create_dir_all(&args.db.data_dir).map_err(|e| e.to_string())?;
                gongkai_store::sqlite::restore(&args.file, &path)
                    .await
                    .map_err(|e| e.to_string())?;
            }
            (url, doc) => {
                let doc = match doc {
                    Some(d) => d,
                    None => {
                        let src = Store::open_sqlite(&args.file)
                            .await
                            .map_err(|e| e.to_string())?;
                        let d = src.export_logical().await.map_err(|e| e.to_string())?;
                        src.close().await;
                        d
                    }
                };
                let store = match url {
                    Some(url) => Store::open_postgres(url, None).await,
                    None => {
                        std::fs::create_dir_all(&args.db.data_dir).map_err(|e| e.to_string())?;
                        Store::open_sqlite(&sqlite_path(&args.db)).await
                    }
                }
                .map_err(|e| e.to_string())?;
                store.migrate().await.map_err(|e| e.to_string())?;
                store
                    .import_logical(&doc)
                    .await
                    .map_err(|e| e.to_string())?;
                store.close().await;
            }
        }
        Ok(format!("已从 {} 恢复 (restored)", args.file.display()))
    })
}
