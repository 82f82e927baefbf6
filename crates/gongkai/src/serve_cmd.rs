//! `gongkai serve`: the platform server. (skeleton)

use clap::Args;
use std::process::ExitCode;

#[derive(Args)]
pub struct ServeArgs {}

pub fn run(_args: ServeArgs) -> ExitCode {
    eprintln!("gongkai serve: 尚未实现 (not implemented yet)");
    ExitCode::from(2)
}
