//! `gongkai bench …` (hidden): benchmarks of the platform that need a running server.
//!
//! `gongkai bench portal` seeds a data directory with many published items and measures the
//! public portal over HTTP on loopback (see docs/benchmarks.md).

mod corpus;
mod portal;

use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    command: BenchCommand,
}

#[derive(Subcommand)]
enum BenchCommand {
    /// 门户基准：百万条已发布信息下的检索延迟与页面吞吐 (portal benchmark)
    #[command(long_about = PORTAL_LONG_ABOUT)]
    Portal(PortalArgs),
}

const PORTAL_LONG_ABOUT: &str = "\
在数据目录中批量发布合成的政府信息（演示机关 灵武市审批服务管理局 的 13 个栏目，2015–2026 年），
以子进程启动真实服务（本机回环地址），然后测量：
  1. 检索延迟：/api/v1/search 上 ≥ 500 个不同检索词（1–3 个词，常见词与少见词，带或不带筛选），
     先顺序执行，再 8 个并发客户端，报告 p50/p95/p99，对照目标 p95 < 50 ms；
  2. 页面吞吐：wrk -t2 -c32 -d15s 测栏目列表页、信息页，以及由 nginx 提供的同一信息页静态文件，
     报告每秒请求数与 动态/静态 之比，对照目标 ≥ 0.3×。
没有安装 wrk 或 nginx 时明确说明并跳过相应测量。
(Seeds a data directory with synthetic published items, starts the real server as a child
process on loopback, measures search latency and page throughput against nginx serving the
same item page as a static file.)

示例 (example)：
  cargo build --release -p gongkai
  target/release/gongkai bench portal --items 1000000 --data-dir /tmp/gk-bench
  target/release/gongkai bench portal --items 1000000 --data-dir /tmp/gk-bench --reuse";

#[derive(Args, Debug)]
pub struct PortalArgs {
    /// 已发布信息条数 (number of published items)
    #[arg(long, default_value_t = 1_000_000)]
    pub items: u64,
    /// 数据目录（须为空或不存在，除非 --reuse） (data directory; empty unless --reuse)
    #[arg(long, value_name = "DIR")]
    pub data_dir: PathBuf,
    /// 沿用已播种的数据目录，只补足缺少的条数 (reuse a seeded directory, adding only what is missing)
    #[arg(long)]
    pub reuse: bool,
    /// 检索词个数 (number of search queries)
    #[arg(long, default_value_t = 600)]
    pub queries: usize,
    /// 并发检索客户端数 (concurrent search clients)
    #[arg(long, default_value_t = 8)]
    pub clients: usize,
    /// 每次 wrk 测量的秒数 (seconds of each wrk run)
    #[arg(long, default_value_t = 15)]
    pub duration: u64,
    /// wrk 连接数 (wrk connections)
    #[arg(long, default_value_t = 32)]
    pub connections: u32,
    /// 每个事务写入的条数 (items per seeding transaction)
    #[arg(long, default_value_t = gongkai_store::bulk::DEFAULT_BATCH)]
    pub batch: usize,
}

pub fn run(args: BenchArgs) -> ExitCode {
    let result = match args.command {
        BenchCommand::Portal(a) => portal::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gongkai bench: {e}");
            ExitCode::from(2)
        }
    }
}
