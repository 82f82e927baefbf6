//! The `gongkai` binary: every operational role is a subcommand.
//!
//! `gongkai report …` works on annual-report files (check, extract, render).
//! `gongkai serve` runs the platform (portal, console, API).

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Report(args) => report_cmd::run(args),
        Command::Serve(args) => serve_cmd::run(args),
    }
}
