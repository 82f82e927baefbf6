//! `gongkai bench portal`: search latency and page throughput of the public portal over a
//! data directory with many published items, side by side with nginx serving the same item page
//! as a static file.

use super::PortalArgs;
use super::corpus;
use gongkai_server::Config;
use gongkai_store::Actor;
use gongkai_store::bulk::BulkOptions;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The goals.
pub const SEARCH_P95_GOAL_MS: f64 = 50.0;
pub const DYNAMIC_STATIC_GOAL: f64 = 0.3;
/// The demo bureau, whose thirteen columns receive the items.
const BUREAU: &str = "灵武市审批服务管理局";

pub fn run(args: PortalArgs) -> Result<(), String> {
    if args.items == 0 {
        return Err("--items 必须大于 0 (--items must be positive)".into());
    }
    if cfg!(debug_assertions) {
        eprintln!("注意：这是调试构建，数字没有意义，请加 --release (debug build: use --release)");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("无法启动运行时：{e}"))?;
    runtime.block_on(run_async(args))
}

/// A child process stopped when dropped: by its stop command if it has one (nginx's master
/// must be told to quit, or its workers outlive it), else killed.
struct Guard(Child, Option<Command>);

impl Drop for Guard {
    fn drop(&mut self) {
        let stopped = self.1.as_mut().is_some_and(|stop| {
            stop.stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        });
        if stopped {
            for _ in 0..100 {
                if matches!(self.0.try_wait(), Ok(Some(_))) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("无法分配端口：{e}"))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("无法分配端口：{e}"))
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

async fn run_async(args: PortalArgs) -> Result<(), String> {
    let dir = &args.data_dir;
    let non_empty = std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some());
    if non_empty && !args.reuse {
        return Err(format!(
            "数据目录 {} 不为空；要沿用已播种的数据请加 --reuse (data dir not empty: use --reuse)",
            dir.display()
        ));
    }
    let wrk = find_program("wrk");
    let nginx = find_program("nginx");
    println!("gongkai bench portal — 门户基准 (portal benchmark)");
    println!("  负载 (load average) 开始时 {}", load_average());
    if wrk.is_none() {
        println!(
            "  注意：未安装 wrk，吞吐测量将跳过 (wrk is not installed: throughput is NOT measured)"
        );
    }
    if nginx.is_none() {
        println!(
            "  注意：未安装 nginx，静态文件基线将跳过 (nginx is not installed: NO static baseline)"
        );
    }

    // 1. Seed (in this process), then close the store.
    let (bureau_id, total) = seed(dir, args.items, args.batch).await?;
    let db_bytes = std::fs::metadata(dir.join("gongkai.db"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!(
        "  数据 (data)              已发布 {total} 条，数据库 {:.2} GB，机关编号 {bureau_id}",
        db_bytes as f64 / 1e9
    );

    // 2. The real server, as a child process (page cache on, as served by default).
    let (server, base) = start_server(dir, None)?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .map_err(|e| e.to_string())?;
    wait_ready(&client, &format!("{base}/healthz")).await?;

    let column_path = format!("/portal/{bureau_id}/columns/department_documents");
    let item_id = middle_item(&client, &base, bureau_id).await?;
    let item_path = format!("/portal/{bureau_id}/items/{item_id}");
    let item_html = client
        .get(format!("{base}{item_path}"))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .text()
        .await
        .map_err(|e| e.to_string())?;

    // 3. Search latency.
    let queries = Arc::new(search_urls(&base, bureau_id, args.queries));
    for q in queries.iter().take(20) {
        let _ = get_ok(&client, q).await?;
    }
    let started = Instant::now();
    let mut sequential = Vec::with_capacity(queries.len());
    for q in queries.iter() {
        sequential.push(get_ok(&client, q).await?);
    }
    let seq_wall = started.elapsed();
    let (concurrent, conc_wall) = concurrent_search(&client, &queries, args.clients).await?;
    let load_search = load_average();

    // 4. Throughput.
    let mut rates: Vec<(String, Option<WrkResult>)> = Vec::new();
    let mut static_rate = None;
    let static_dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    if let Some(wrk) = &wrk {
        rates.push((
            format!("栏目列表页 (column list)  {column_path}"),
            Some(run_wrk(wrk, &format!("{base}{column_path}"), &args)?),
        ));
        rates.push((
            format!("信息页 (item page)        {item_path}"),
            Some(run_wrk(wrk, &format!("{base}{item_path}"), &args)?),
        ));
    }
    drop(server);
    // the same pages rendered for every request (page cache off): the cost of a cache miss
    if let Some(wrk) = &wrk {
        let (uncached, base) = start_server(dir, Some(0))?;
        wait_ready(&client, &format!("{base}/healthz")).await?;
        rates.push((
            "栏目列表页·无缓存 (column list, no cache)".into(),
            Some(run_wrk(wrk, &format!("{base}{column_path}"), &args)?),
        ));
        rates.push((
            "信息页·无缓存 (item page, no cache)".into(),
            Some(run_wrk(wrk, &format!("{base}{item_path}"), &args)?),
        ));
        drop(uncached);
        if let Some(nginx) = &nginx {
            let (guard, url) = start_nginx(nginx, static_dir.path(), &item_html)?;
            let r = run_wrk(wrk, &url, &args)?;
            static_rate = Some(r.per_second);
            rates.push(("nginx 静态信息页 (static item page)".into(), Some(r)));
            drop(guard);
        }
    }
    let load_end = load_average();

    // 5. Report.
    println!(
        "  检索 (search)            {} 个检索词，/api/v1/search，每页 10 条",
        queries.len()
    );
    let seq = Stats::of(&sequential);
    let conc = Stats::of(&concurrent);
    print_latency(
        "顺序 (sequential)",
        &seq,
        queries.len() as f64 / seq_wall.as_secs_f64(),
    );
    print_latency(
        &format!("{} 并发 (concurrent)", args.clients),
        &conc,
        concurrent.len() as f64 / conc_wall.as_secs_f64(),
    );
    for (label, stats) in [("顺序", &seq), ("并发", &conc)] {
        println!(
            "  目标 (goal) p95 < {SEARCH_P95_GOAL_MS:.0} ms   {label} p95 = {:.1} ms  {}",
            stats.p95,
            if stats.p95 < SEARCH_P95_GOAL_MS {
                "达标 (met)"
            } else {
                "未达标 (NOT met)"
            }
        );
    }
    println!(
        "  吞吐 (throughput)        wrk -t2 -c{} -d{}s，本机回环 (loopback)",
        args.connections, args.duration
    );
    if wrk.is_none() {
        println!("    未测量：没有 wrk (NOT measured: wrk is absent)");
    }
    for (label, r) in &rates {
        if let Some(r) = r {
            println!(
                "    {label:<52} {:>9.0} 请求/s  平均延迟 {}  {} KB/响应{}",
                r.per_second,
                r.latency,
                r.bytes_per_response / 1024,
                if r.errors > 0 {
                    format!("  非 2xx/错误 {}", r.errors)
                } else {
                    String::new()
                }
            );
        }
    }
    match static_rate {
        Some(s) => {
            for (label, r) in rates.iter().take(4) {
                if let Some(r) = r {
                    let ratio = r.per_second / s.max(1e-9);
                    println!(
                        "    动态/静态 (dynamic/static) {:<16} {ratio:.2}×  目标 ≥ {DYNAMIC_STATIC_GOAL}×  {}",
                        label.split_whitespace().next().unwrap_or(""),
                        if ratio >= DYNAMIC_STATIC_GOAL {
                            "达标 (met)"
                        } else {
                            "未达标 (NOT met)"
                        }
                    );
                }
            }
        }
        None if wrk.is_some() => {
            println!(
                "    动态/静态：未测量，没有 nginx (dynamic/static NOT measured: nginx is absent)"
            )
        }
        None => {}
    }
    println!("  负载 (load average)      检索后 {load_search}，结束时 {load_end}");
    Ok(())
}

/// Starts `gongkai serve` on the seeded directory (`page_cache_mb`: `None` = the default).
fn start_server(dir: &Path, page_cache_mb: Option<u64>) -> Result<(Guard, String), String> {
    let port = free_port()?;
    let exe = std::env::current_exe().map_err(|e| format!("找不到本程序：{e}"))?;
    let log = std::fs::File::options()
        .create(true)
        .append(true)
        .open(dir.join("bench-server.log"))
        .map_err(|e| e.to_string())?;
    let mut cmd = Command::new(exe);
    cmd.args([
        "serve",
        "--listen",
        &format!("127.0.0.1:{port}"),
        "--data-dir",
    ])
    .arg(dir);
    if let Some(mb) = page_cache_mb {
        cmd.args(["--page-cache-mb", &mb.to_string()]);
    }
    let child = cmd
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map_err(|e| format!("无法启动服务：{e}"))?;
    Ok((Guard(child, None), format!("http://127.0.0.1:{port}")))
}

async fn seed(dir: &Path, items: u64, batch: usize) -> Result<(i64, i64), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("无法创建 {}：{e}", dir.display()))?;
    let mut config = Config::with_data_dir(dir.to_path_buf());
    config.demo = true;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let server = gongkai_server::build(config, listener)
        .await
        .map_err(|e| format!("无法打开数据目录：{e}"))?;
    let store = server.store().clone();
    let bureau = store
        .list_agencies()
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|a| a.name == BUREAU)
        .ok_or_else(|| format!("找不到演示机关 {BUREAU}"))?;
    let have = store
        .count_public_items()
        .await
        .map_err(|e| e.to_string())?;
    let missing = items.saturating_sub(u64::try_from(have).unwrap_or(0));
    if missing > 0 {
        let columns = corpus::column_keys()?;
        let options = BulkOptions {
            author: gongkai_proactive::UserId::parse("bench-author").map_err(|e| e.to_string())?,
            reviewer: gongkai_proactive::UserId::parse("bench-reviewer")
                .map_err(|e| e.to_string())?,
            batch,
            threads: 2,
        };
        let offset = u64::try_from(have).unwrap_or(0);
        let started = Instant::now();
        let bar = indicatif::ProgressBar::new(missing);
        store
            .seed_published_bulk(
                bureau.id,
                missing,
                move |i| corpus::item(corpus::SEED, offset + i, &columns),
                &options,
                &Actor::system(),
                |n| bar.set_position(n),
            )
            .await
            .map_err(|e| format!("播种失败 (seeding failed)：{e}"))?;
        bar.finish_and_clear();
        let secs = started.elapsed().as_secs_f64();
        println!(
            "  播种 (seeding)           {missing} 条，用时 {secs:.1} s（{:.0} 条/s，每事务 {batch} 条）",
            missing as f64 / secs.max(1e-9)
        );
    } else {
        println!("  播种 (seeding)           沿用已有数据，未新增 (reused, nothing added)");
    }
    let total = store
        .count_public_items()
        .await
        .map_err(|e| e.to_string())?;
    store.close().await;
    drop(server);
    Ok((bureau.id, total))
}

async fn wait_ready(client: &reqwest::Client, url: &str) -> Result<(), String> {
    for _ in 0..600 {
        if let Ok(r) = client.get(url).send().await
            && r.status().is_success()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err("服务在 60 秒内没有就绪 (server not ready in 60 s)".into())
}

/// An item from deep in the newest-first list of the biggest column (not a recent one).
async fn middle_item(client: &reqwest::Client, base: &str, agency: i64) -> Result<i64, String> {
    let list = |page: i64| {
        let url = format!(
            "{base}/api/v1/agencies/{agency}/items?column=department_documents&page={page}&per_page=20"
        );
        async move {
            let body: serde_json::Value = client
                .get(&url)
                .send()
                .await
                .map_err(|e| e.to_string())?
                .json()
                .await
                .map_err(|e| format!("{url}: {e}"))?;
            Ok::<_, String>((url, body))
        }
    };
    let (_, first) = list(1).await?;
    let total = first
        .get("total")
        .and_then(serde_json::Value::as_i64)
        .unwrap_or(0);
    let (url, body) = list((total / 20 / 2).clamp(1, 200)).await?;
    find_id(&body).ok_or_else(|| format!("{url} 没有列出信息：{body}"))
}

fn find_id(v: &serde_json::Value) -> Option<i64> {
    let items = v.get("items")?.as_array()?;
    let first = items.first()?;
    first
        .get("id")
        .or_else(|| first.get("item_id"))
        .and_then(serde_json::Value::as_i64)
}

/// The search URLs: every third filtered (agency; agency + column; agency + year).
fn search_urls(base: &str, agency: i64, n: usize) -> Vec<String> {
    let columns = [
        "department_documents",
        "project_approvals",
        "service_bulletins",
        "fiscal_funds",
    ];
    corpus::queries(n)
        .into_iter()
        .enumerate()
        .map(|(i, q)| {
            let q: String = form_urlencoded::byte_serialize(q.as_bytes()).collect();
            match i % 6 {
                1 => format!("{base}/api/v1/search?q={q}&agency={agency}"),
                3 => format!(
                    "{base}/api/v1/search?q={q}&agency={agency}&column={}",
                    columns[i / 6 % columns.len()]
                ),
                5 => format!(
                    "{base}/api/v1/search?q={q}&agency={agency}&year={}",
                    2015 + i / 6 % 12
                ),
                _ => format!("{base}/api/v1/search?q={q}"),
            }
        })
        .collect()
}

/// GETs `url`, insisting on a 2xx answer; returns the latency in milliseconds.
async fn get_ok(client: &reqwest::Client, url: &str) -> Result<f64, String> {
    let started = Instant::now();
    let r = client
        .get(url)
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    let status = r.status();
    let _ = r.bytes().await.map_err(|e| format!("{url}: {e}"))?;
    if !status.is_success() {
        return Err(format!("{url}: HTTP {status}"));
    }
    Ok(started.elapsed().as_secs_f64() * 1000.0)
}

async fn concurrent_search(
    client: &reqwest::Client,
    urls: &Arc<Vec<String>>,
    clients: usize,
) -> Result<(Vec<f64>, Duration), String> {
    let clients = clients.max(1);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (client, urls) = (client.clone(), Arc::clone(urls));
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            // the clients share the list: client c takes queries c, c + clients, …
            for url in urls.iter().skip(c).step_by(clients) {
                out.push(get_ok(&client, url).await?);
            }
            Ok::<_, String>(out)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.map_err(|e| e.to_string())??);
    }
    Ok((all, started.elapsed()))
}

#[derive(Debug, Clone, Copy)]
struct Stats {
    p50: f64,
    p95: f64,
    p99: f64,
    max: f64,
    mean: f64,
}

impl Stats {
    fn of(samples: &[f64]) -> Stats {
        let mut s = samples.to_vec();
        s.sort_by(f64::total_cmp);
        let at = |p: f64| {
            if s.is_empty() {
                return 0.0;
            }
            let i = ((p * s.len() as f64).ceil() as usize).clamp(1, s.len()) - 1;
            s[i]
        };
        Stats {
            p50: at(0.50),
            p95: at(0.95),
            p99: at(0.99),
            max: s.last().copied().unwrap_or(0.0),
            mean: s.iter().sum::<f64>() / s.len().max(1) as f64,
        }
    }
}

fn print_latency(label: &str, s: &Stats, qps: f64) {
    println!(
        "    {label:<20} p50 {:>7.1} ms  p95 {:>7.1} ms  p99 {:>7.1} ms  max {:>7.1} ms  平均 {:>6.1} ms  {qps:>6.0} 次/s",
        s.p50, s.p95, s.p99, s.max, s.mean
    );
}

#[derive(Debug, Clone)]
struct WrkResult {
    per_second: f64,
    latency: String,
    bytes_per_response: u64,
    errors: u64,
}

fn run_wrk(wrk: &Path, url: &str, args: &PortalArgs) -> Result<WrkResult, String> {
    let out = Command::new(wrk)
        .args([
            "-t2",
            &format!("-c{}", args.connections),
            &format!("-d{}s", args.duration),
            "--latency",
            url,
        ])
        .output()
        .map_err(|e| format!("无法运行 wrk：{e}"))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!(
            "wrk 失败：{text}{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    parse_wrk(&text).ok_or_else(|| format!("无法解读 wrk 的输出：{text}"))
}

/// Reads `Requests/sec`, the mean latency, the transfer and the error lines of wrk's output.
fn parse_wrk(text: &str) -> Option<WrkResult> {
    let mut per_second = None;
    let mut latency = String::new();
    let mut requests = 0u64;
    let mut bytes = 0f64;
    let mut errors = 0u64;
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Requests/sec:", n, ..] => per_second = n.parse::<f64>().ok(),
            ["Latency", avg, ..] if latency.is_empty() => latency = (*avg).to_owned(),
            [n, "requests", "in", _, size, "read"] => {
                requests = n.parse().unwrap_or(0);
                bytes = parse_size(size.trim_end_matches(','));
            }
            ["Non-2xx", "or", "3xx", "responses:", n] => errors += n.parse::<u64>().unwrap_or(0),
            ["Socket", "errors:", rest @ ..] => {
                errors += rest
                    .iter()
                    .filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok())
                    .sum::<u64>();
            }
            _ => {}
        }
    }
    Some(WrkResult {
        per_second: per_second?,
        latency,
        bytes_per_response: (bytes / requests.max(1) as f64) as u64,
        errors,
    })
}

fn parse_size(s: &str) -> f64 {
    let (num, unit) = s.split_at(s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len()));
    let n: f64 = num.parse().unwrap_or(0.0);
    n * match unit {
        "KB" => 1024.0,
        "MB" => 1024.0 * 1024.0,
        "GB" => 1024.0 * 1024.0 * 1024.0,
        _ => 1.0,
    }
}

/// Writes `html` as `item.html` and starts nginx (2 workers, no access log) in the foreground
/// on a free loopback port; returns the guard and the file's URL.
fn start_nginx(nginx: &Path, dir: &Path, html: &str) -> Result<(Guard, String), String> {
    let root = dir.join("www");
    std::fs::create_dir_all(&root).map_err(|e| e.to_string())?;
    std::fs::write(root.join("item.html"), html).map_err(|e| e.to_string())?;
    let port = free_port()?;
    let conf = dir.join("nginx.conf");
    let d = dir.display();
    std::fs::write(
        &conf,
        format!(
            "daemon off;\nworker_processes 2;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
             events {{ worker_connections 1024; }}\n\
             http {{\n  access_log off;\n  types {{ text/html html; }}\n  sendfile on;\n  keepalive_requests 100000;\n\
               client_body_temp_path {d}/cb; proxy_temp_path {d}/px; fastcgi_temp_path {d}/fc;\n\
               uwsgi_temp_path {d}/uw; scgi_temp_path {d}/sc;\n\
               server {{ listen 127.0.0.1:{port}; root {root}; }}\n}}\n",
            root = root.display()
        ),
    )
    .map_err(|e| e.to_string())?;
    let child = Command::new(nginx)
        .args(["-p"])
        .arg(dir)
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("无法启动 nginx：{e}"))?;
    let mut stop = Command::new(nginx);
    stop.arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(&conf)
        .args(["-s", "quit"]);
    let guard = Guard(child, Some(stop));
    let url = format!("http://127.0.0.1:{port}/item.html");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok((guard, url));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(format!("nginx 没有启动，见 {d}/error.log"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrk_output_is_read() {
        let out = "Running 15s test @ http://127.0.0.1:1/x\n  2 threads and 32 connections\n  Thread Stats   Avg      Stdev     Max   +/- Stdev\n    Latency     1.23ms  300.00us   9.00ms   90.00%\n    Req/Sec    12.00k     1.00k   14.00k    70.00%\n  360000 requests in 15.00s, 2.50GB read\n  Non-2xx or 3xx responses: 3\nRequests/sec:  24000.50\nTransfer/sec:    170.00MB\n";
        let r = parse_wrk(out).unwrap();
        assert!((r.per_second - 24000.5).abs() < 1e-6);
        assert_eq!(r.latency, "1.23ms");
        assert_eq!(r.errors, 3);
        assert_eq!(
            r.bytes_per_response,
            (2.5 * 1024.0 * 1024.0 * 1024.0 / 360000.0) as u64
        );
        assert!(parse_wrk("nothing").is_none());
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let s = Stats::of(&(1..=100).map(f64::from).collect::<Vec<_>>());
        assert_eq!((s.p50, s.p95, s.p99, s.max), (50.0, 95.0, 99.0, 100.0));
    }
}
