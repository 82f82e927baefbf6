//! `gongkai import items`: imports an agency's existing catalogue (目录导入) from a CSV (UTF-8 or
//! GBK) or spreadsheet file, the way the console's import does: the same parser
//! (`gongkai_proactive::import`), the same all-or-nothing and idempotent store import, the same
//! audit rows and search indexing — for files too large to upload or for scripted migrations.
//!
//! Exit codes: 0 imported (or, with `--dry-run`, importable); 1 rows with errors (the
//! row-by-row report is printed and nothing is written) or the import failed; 2 unusable input
//! (no such file or agency, a file that is not a catalogue, no database).

use crate::serve_cmd::DatabaseArgs;
use chrono::Utc;
use clap::{Args, Subcommand};
use gongkai_proactive::import::{ParsedImport, parse};
use gongkai_store::import::{ImportSource, RowPlan, sha256_hex};
use gongkai_store::{Actor, Agency, Store};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args, Debug)]
#[command(after_help = "示例 (example)：\n  \
    gongkai import items --agency 11640181MB0000002F --file 原网站目录.csv --dry-run\n  \
    gongkai import items --agency 11640181MB0000002F --file 原网站目录.xlsx")]
pub struct ImportArgs {
    #[command(subcommand)]
    pub what: ImportCommand,
}

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// 导入原网站的主动公开信息目录（CSV 或 Excel）：导入即发布，有一行出错则全部不导入，重复导入不产生重复信息 (import a catalogue of published items: all or nothing, idempotent)
    Items(ItemsArgs),
}

#[derive(Args, Debug)]
pub struct ItemsArgs {
    /// 机关：统一社会信用代码或机关编号 (agency: unified social credit code or id)
    #[arg(long)]
    pub agency: String,
    /// 目录文件：CSV（UTF-8 或 GBK）或 Excel（XLSX、XLS） (catalogue file: CSV or spreadsheet)
    #[arg(long)]
    pub file: PathBuf,
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// 只检查并列出将要导入的内容，不写入 (check and list what would be imported; write nothing)
    #[arg(long)]
    pub dry_run: bool,
}

/// Why an import did not happen.
enum Failure {
    /// Exit 2: one line on stderr.
    Unusable(String),
    /// Exit 1: the row-by-row report, on stdout.
    Rows(String),
    /// Exit 1: one line on stderr.
    Failed(String),
}

pub fn run(args: ImportArgs) -> ExitCode {
    let ImportCommand::Items(args) = args.what;
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("gongkai import: 无法启动运行时 (cannot start runtime): {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(import_items(&args)) {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(Failure::Rows(report)) => {
            print!("{report}");
            ExitCode::FAILURE
        }
        Err(Failure::Failed(m)) => {
            eprintln!("gongkai import: {m}");
            ExitCode::FAILURE
        }
        Err(Failure::Unusable(m)) => {
            eprintln!("gongkai import: {m}");
            ExitCode::from(2)
        }
    }
}

/// The store of the data directory (which must hold a database) or of the PostgreSQL URL, at
/// the current schema.
async fn open_store(db: &DatabaseArgs) -> Result<Store, Failure> {
    let store = match &db.database_url {
        Some(url) => Store::open_postgres(url, None).await,
        None => {
            let path = db.data_dir.join("gongkai.db");
            if !path.exists() {
                return Err(Failure::Unusable(format!(
                    "数据库 {} 不存在，请用 --data-dir 指定数据目录 (no database)",
                    path.display()
                )));
            }
            Store::open_sqlite(&path).await
        }
    }
    .map_err(|e| Failure::Unusable(format!("无法打开数据库 (cannot open the database): {e}")))?;
    store
        .migrate()
        .await
        .map_err(|e| Failure::Failed(format!("数据库升级失败 (migration failed): {e}")))?;
    Ok(store)
}

/// The agency named by its 统一社会信用代码 (any letter case) or its id.
async fn find_agency(store: &Store, key: &str) -> Result<Agency, Failure> {
    let key = key.trim();
    let agencies = store
        .list_agencies()
        .await
        .map_err(|e| Failure::Failed(e.to_string()))?;
    agencies
        .into_iter()
        .find(|a| a.uscc.as_str().eq_ignore_ascii_case(key) || a.id.to_string() == key)
        .ok_or_else(|| {
            Failure::Unusable(format!(
                "没有统一社会信用代码或编号为“{key}”的机关 (no such agency)"
            ))
        })
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// The header of every report: the file, its encoding, the rows read.
fn heading(name: &str, agency: &Agency, parsed: &ParsedImport) -> String {
    let mut out = format!(
        "文件：{name}（{}，数据 {} 行）\n机关：{}（{}）\n",
        parsed.source, parsed.total_rows, agency.name, agency.uscc
    );
    if !parsed.ignored_headers.is_empty() {
        let _ = writeln!(
            out,
            "未识别的列（其内容不导入）：{}",
            parsed.ignored_headers.join("、")
        );
    }
    out
}

async fn import_items(args: &ItemsArgs) -> Result<String, Failure> {
    let bytes = std::fs::read(&args.file).map_err(|e| {
        Failure::Unusable(format!(
            "无法读取 {} (cannot read): {e}",
            args.file.display()
        ))
    })?;
    let name = file_name(&args.file);
    let store = open_store(&args.db).await?;
    let result = import_with(&store, args, &name, &bytes).await;
    store.close().await;
    result
}

async fn import_with(
    store: &Store,
    args: &ItemsArgs,
    name: &str,
    bytes: &[u8],
) -> Result<String, Failure> {
    let agency = find_agency(store, &args.agency).await?;
    let catalogue = store
        .catalogue(agency.id)
        .await
        .map_err(|e| Failure::Failed(e.to_string()))?;
    let parsed = parse(bytes, name, &catalogue)
        .map_err(|e| Failure::Unusable(format!("文件“{name}”无法导入：{e}")))?;
    let mut out = heading(name, &agency, &parsed);
    if !parsed.errors.is_empty() {
        for e in &parsed.errors {
            let _ = writeln!(out, "第 {} 行  {}：{}", e.row, e.field.label(), e.message);
        }
        let _ = writeln!(
            out,
            "共 {} 处错误，未导入任何信息；请修改文件后重新导入。",
            parsed.errors.len()
        );
        return Err(Failure::Rows(out));
    }
    let plans = store
        .plan_import(agency.id, &parsed.rows)
        .await
        .map_err(|e| Failure::Failed(e.to_string()))?;
    let new = plans
        .iter()
        .filter(|p| matches!(p, RowPlan::New { .. }))
        .count();
    if args.dry_run {
        for (row, plan) in parsed.rows.iter().zip(&plans) {
            let what = match plan {
                RowPlan::Existing { .. } => "已存在，跳过",
                RowPlan::New { keeps_index: true } => "新增（沿用原索引号）",
                RowPlan::New { keeps_index: false } => "新增（新编索引号）",
            };
            let _ = writeln!(out, "第 {} 行  {what}  {}", row.row, row.title);
        }
        let _ = writeln!(
            out,
            "检查通过：将新增 {new} 条，已存在跳过 {} 条（试运行，未写入） (dry run: nothing written)",
            plans.len() - new
        );
        return Ok(out);
    }
    let sha256 = sha256_hex(bytes);
    let outcome = store
        .import_items(
            ImportSource::File {
                file_name: name,
                sha256: &sha256,
            },
            agency.id,
            &catalogue,
            &parsed.rows,
            &Actor::system(),
            Utc::now(),
        )
        .await
        .map_err(|e| Failure::Failed(format!("导入失败，未导入任何信息 (import failed): {e}")))?;
    for id in &outcome.imported {
        if let Err(e) = store.reindex_item(*id).await {
            // The items are published; a failed index entry is rebuilt by the next reindex.
            eprintln!("gongkai import: 警告：信息 {id} 的检索索引未能更新 (search index): {e}");
        }
    }
    let _ = writeln!(
        out,
        "已导入 {} 条，已存在跳过 {} 条 (imported)",
        outcome.imported.len(),
        outcome.skipped
    );
    Ok(out)
}
