//! The `gongkai` binary: every operational role is a subcommand.
//!
//! `gongkai report …` works on annual-report files (check, extract, render).
//! `gongkai serve` runs the platform (portal, console, API).
//! `gongkai import items` imports an agency's existing catalogue.

mod bench_cmd;
mod import_cmd;
mod report_cmd;
mod serve_cmd;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "gongkai",
    version,
    about = "gongkai（公开）：政府信息公开工作平台与年报工具 / government information disclosure platform"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 年度报告：检查、提取、转换 (annual report: check, extract, render)
    Report(report_cmd::ReportArgs),
    /// 启动服务：门户、管理后台与 API (run the server)
    Serve(serve_cmd::ServeArgs),
    /// 备份数据库 (back up the database)
    Backup(serve_cmd::BackupArgs),
    /// 从备份恢复数据库 (restore the database from a backup)
    Restore(serve_cmd::RestoreArgs),
    /// 导入原网站的信息目录 (import an existing catalogue)
    Import(import_cmd::ImportArgs),
    /// 性能基准（门户） (benchmarks of the platform)
    #[command(hide = true)]
    Bench(bench_cmd::BenchArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Report(args) => report_cmd::run(args),
        Command::Serve(args) => serve_cmd::run(args),
        Command::Backup(args) => serve_cmd::run_backup(args),
        Command::Restore(args) => serve_cmd::run_restore(args),
        Command::Import(args) => import_cmd::run(args),
        Command::Bench(args) => bench_cmd::run(args),
    }
}
