//! `gongkai report`: check, extract and render annual reports
//! (政府信息公开工作年度报告), and time the batch check.
//!
//! Exit codes, for every subcommand: 0 = fine (warnings allowed), 1 = at
//! least one error-severity finding, 2 = unusable input or a failure, with a
//! one-line Chinese/English message on stderr.

mod batch;
mod bench;
mod files;
mod style;
mod synth;

use clap::{Args, Subcommand, ValueEnum};
use gongkai_report::Report;
use gongkai_report::render::{RenderError, RenderFormat, render};
use std::fmt;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const REPORT_LONG_ABOUT: &str = "\
年度报告工具：检查年报的勾稽关系与格式，提取为规范 JSON，转换为其他格式。
(Annual report tools: check a report's reconciliation and format, extract it
as canonical JSON, render it to other formats.)

支持的输入 (inputs)：TXT（从 Word 粘贴的文本）、Markdown、HTML、DOCX、规范 JSON。
PDF 暂不支持 (PDF is not supported yet).

退出码 (exit codes)：0 无错误（警告不影响）；1 至少一个错误；2 输入无法使用。

示例 (examples)：
  gongkai report check examples/shili-2021.txt
  gongkai report check --format json reports/
  gongkai report extract examples/shili-2021.txt > report.json
  gongkai report render report.json --to html -o report.html";

/// 年度报告：检查、提取、转换 (annual report: check, extract, render)
///
/// The `Report` variant's doc comment in main.rs sets about/long_about, so
/// the longer explanation goes after the help.
#[derive(Args)]
#[command(after_help = REPORT_LONG_ABOUT)]
pub struct ReportArgs {
    #[command(subcommand)]
    command: ReportCommand,
}

#[derive(Subcommand)]
enum ReportCommand {
    /// 检查年报：格式、勾稽关系、文字与表格一致性 (check reports)
    #[command(long_about = CHECK_LONG_ABOUT)]
    Check(CheckArgs),
    /// 提取年报为规范 JSON，输出到标准输出 (extract a report as canonical JSON)
    #[command(long_about = EXTRACT_LONG_ABOUT)]
    Extract(ExtractArgs),
    /// 转换年报格式：Markdown、HTML、DOCX、JSON、CSV (render a report to another format)
    #[command(long_about = RENDER_LONG_ABOUT)]
    Render(RenderArgs),
    /// 性能基准：生成合成年报并批量检查 (benchmark the batch check)
    #[command(hide = true, long_about = BENCH_LONG_ABOUT)]
    Bench(BenchArgs),
}

const CHECK_LONG_ABOUT: &str = "\
检查一个或多个年报文件，逐条列出问题（错误、警告、提示），多个文件时最后给出汇总。
(Check one or more report files; list every finding, with a summary for several files.)

PATH 可以是目录：检查其下所有年报文件（txt、md、markdown、html、htm、shtml、docx、json、pdf），
跳过隐藏目录；多个文件并行检查，输出按路径排序。
(A directory is searched for report files, hidden directories skipped; files are
checked in parallel and printed in path order.)

退出码 (exit codes)：0 无错误（警告不影响）；1 至少一个错误；2 有文件无法使用
（路径不存在、二进制文件、空文件、不是年报、PDF）。

示例 (examples)：
  gongkai report check examples/shili-2021.txt
  gongkai report check --previous 2022.txt 2023.txt
  gongkai report check --format json reports/ > findings.json";

const EXTRACT_LONG_ABOUT: &str = "\
读取一个年报文件，把识别出的章节与统计表输出为规范 JSON（格式见规范：format、year、agency、
sections、t2、t3、t4；空白或“/”等占位符为 null，不是 0）。
(Read one report and print it as the canonical JSON of the spec; blank or placeholder
cells are null, never 0.)

示例 (example)：
  gongkai report extract examples/shili-2021.txt > shili-2021.json";

const RENDER_LONG_ABOUT: &str = "\
把年报文件（或规范 JSON）转换为 Markdown、HTML、DOCX、JSON 或 CSV。不加 -o 时写到标准输出；
DOCX 是二进制文件，输出到终端时必须用 -o 指定文件。
(Render a report file or canonical JSON to another format. Without -o the result goes
to stdout; DOCX needs -o when stdout is a terminal.)

示例 (examples)：
  gongkai report render examples/shili-2021.txt --to md
  gongkai report render report.json --to docx -o report.docx";

const BENCH_LONG_ABOUT: &str = "\
生成 N 份合成年报（文本与 HTML，数字各异，部分含有意植入的错误），用与 `report check`
相同的代码路径批量检查，输出每秒检查份数、目标（1000 份/秒）及比值，以及仅读取文件的
物理基线。请用 release 构建运行。
(Generate N synthetic reports, check them on the same path as `report check`, print
reports/s against the goal of 1,000/s and against a read-only baseline. Use --release.)

示例 (example)：
  cargo run --release -- report bench --count 2000";

#[derive(Args)]
struct CheckArgs {
    /// 输出格式：text（人读）或 json（机读，每个文件一个对象）(output format)
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
    /// 上一年度的年报，用于跨年度规则（结转、存量、内容雷同）(last year's report, for cross-year rules)
    #[arg(long, value_name = "FILE")]
    previous: Option<PathBuf>,
    /// 年报文件或目录，可以有多个 (report files or directories)
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    /// 人读的文本 (human-readable text)
    Text,
    /// JSON 数组，每个文件一个对象 (a JSON array, one object per file)
    Json,
}

#[derive(Args)]
struct ExtractArgs {
    /// 年报文件：TXT、Markdown、HTML、DOCX 或 JSON (the report file)
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

#[derive(Args)]
struct RenderArgs {
    /// 年报文件或规范 JSON (a report file or canonical JSON)
    #[arg(value_name = "INPUT")]
    input: PathBuf,
    /// 目标格式：md、html、docx、json、csv (target format)
    #[arg(long, value_name = "FORMAT")]
    to: String,
    /// 输出文件；省略时写到标准输出 (output file; stdout when omitted)
    #[arg(short, long, value_name = "OUT")]
    output: Option<PathBuf>,
}

#[derive(Args)]
struct BenchArgs {
    /// 生成的合成年报份数 (number of synthetic reports)
    #[arg(long, default_value_t = 2000)]
    count: usize,
    /// 改为检查该目录下已有的年报文件，不生成 (benchmark the report files under DIR instead)
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// 把生成的合成年报写到 DIR 并保留（用于分析）(write the generated corpus to DIR and keep it)
    #[arg(long, value_name = "DIR", conflicts_with = "dir")]
    out: Option<PathBuf>,
    /// 每项测量重复次数，取最快一次 (repetitions of each measurement; the fastest counts)
    #[arg(long, default_value_t = 3)]
    repeat: usize,
}

/// A failure with a one-line Chinese/English message for stderr; exit 2.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure(String);

impl Failure {
    pub fn new(message: impl Into<String>) -> Failure {
        let message: String = message.into();
        Failure(message.replace(['\r', '\n'], " "))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Failure {}

pub fn run(args: ReportArgs) -> ExitCode {
    let result = match args.command {
        ReportCommand::Check(a) => run_check(a),
        ReportCommand::Extract(a) => run_extract(a),
        ReportCommand::Render(a) => run_render(a),
        ReportCommand::Bench(a) => {
            bench::run(a.count, a.dir.as_deref(), a.out.as_deref(), a.repeat)
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!("gongkai: {failure}");
            ExitCode::from(2)
        }
    }
}

/// Reads and parses one report file; failures name the file.
fn read_report(path: &Path) -> Result<Report, Failure> {
    let bytes = files::read(path)?;
    gongkai_report::parse(&bytes, files::file_name(path))
        .map_err(|e| Failure::new(format!("{}：{e}", path.display())))
}

fn output_failure(e: &io::Error) -> Failure {
    Failure::new(format!("无法写出结果：{e} (cannot write output)"))
}

fn run_check(args: CheckArgs) -> Result<u8, Failure> {
    let paths = files::collect(&args.paths)?;
    let previous = args.previous.as_deref().map(read_report).transpose()?;
    let progress = paths.len() > 1 && io::stderr().is_terminal();
    let outcomes = batch::check_all(&paths, previous.as_ref(), progress);

    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let written = match args.format {
        OutputFormat::Text => batch::write_text(
            &mut out,
            &outcomes,
            style::Style::detect(stdout.is_terminal()),
        ),
        OutputFormat::Json => batch::write_json(&mut out, &outcomes),
    };
    match written.and_then(|()| out.flush()) {
        Ok(()) => {}
        // `gongkai report check … | head` is not a failure.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        Err(e) => return Err(output_failure(&e)),
    }
    drop(out);
    let _ = batch::write_failures(&mut io::stderr().lock(), &outcomes);
    Ok(batch::exit_code(&outcomes))
}

fn run_extract(args: ExtractArgs) -> Result<u8, Failure> {
    let report = read_report(&args.file)?;
    let mut json = gongkai_report::render::json(&report);
    json.push('\n');
    write_stdout(json.as_bytes())?;
    Ok(0)
}

fn run_render(args: RenderArgs) -> Result<u8, Failure> {
    let format: RenderFormat = args
        .to
        .parse()
        .map_err(|e: RenderError| Failure::new(e.to_string()))?;
    if format == RenderFormat::Docx && args.output.is_none() && io::stdout().is_terminal() {
        return Err(Failure::new(
            "DOCX 是二进制文件，请用 -o 指定输出文件 (DOCX is binary: use -o FILE)",
        ));
    }
    let report = read_report(&args.input)?;
    let mut bytes = render(&report, format).map_err(|e| Failure::new(e.to_string()))?;
    if format != RenderFormat::Docx && !bytes.ends_with(b"\n") {
        bytes.push(b'\n');
    }
    match &args.output {
        Some(path) => std::fs::write(path, &bytes).map_err(|e| {
            Failure::new(format!(
                "无法写入文件：{}：{e} (cannot write)",
                path.display()
            ))
        })?,
        None => write_stdout(&bytes)?,
    }
    Ok(0)
}

fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(output_failure(&e)),
    }
}
