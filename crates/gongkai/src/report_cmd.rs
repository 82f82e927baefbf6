//! `gongkai report`: check, extract and render annual reports. (skeleton)

use clap::Args;
use std::process::ExitCode;

#[derive(Args)]
pub struct ReportArgs {}

pub fn run(_args: ReportArgs) -> ExitCode {
    ExitCode::SUCCESS
}
