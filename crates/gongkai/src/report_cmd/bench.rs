//! `gongkai report bench`: the batch check of many reports, timed on the
//! same code path as `gongkai report check`, against the goal of 1,000
//! reports/s and against a physical baseline (only reading the files).

use super::synth::{Layout, Synthetic};
use super::{Failure, batch, files};
use rayon::prelude::*;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The goal, in reports per second.
pub const GOAL_PER_SECOND: f64 = 1000.0;
const SEED: u64 = 2021;

/// Times the batch check on the files under `dir`, or on `count` generated
/// reports (written to `out` and kept, or to a temporary directory).
pub fn run(
    count: usize,
    dir: Option<&Path>,
    out: Option<&Path>,
    repeat: usize,
) -> Result<u8, Failure> {
    let repeat = repeat.max(1);
    let temp;
    let root = match dir {
        Some(d) => d.to_path_buf(),
        None => {
            if count == 0 {
                return Err(Failure::new(
                    "--count 必须大于 0 (--count must be positive)",
                ));
            }
            let target = match out {
                Some(o) => {
                    std::fs::create_dir_all(o).map_err(|e| {
                        Failure::new(format!(
                            "无法创建目录：{}：{e} (cannot create)",
                            o.display()
                        ))
                    })?;
                    o.to_path_buf()
                }
                None => {
                    temp = tempfile::tempdir().map_err(|e| {
                        Failure::new(format!("无法创建临时目录：{e} (cannot create a temp dir)"))
                    })?;
                    temp.path().to_path_buf()
                }
            };
            let started = Instant::now();
            generate(&target, count)?;
            eprintln!(
                "已生成 {count} 份合成年报 (generated) 于 {}，用时 {:.2} s",
                target.display(),
                started.elapsed().as_secs_f64()
            );
            target
        }
    };
    let paths = files::collect(std::slice::from_ref(&root))?;
    if cfg!(debug_assertions) {
        eprintln!("注意：这是调试构建，数字没有意义，请加 --release (debug build: use --release)");
    }

    // Physical baseline: read every file, in parallel like the check does.
    let (read_time, bytes) = best_of(repeat, || read_all(&paths));
    let bytes = bytes.map_err(|e| Failure::new(format!("读取失败：{e} (read failed)")))?;
    // The measured path: what `report check` does, output to a sink.
    let (check_time, outcomes) = best_of(repeat, || {
        let outcomes = batch::check_all(&paths, None, false);
        let _ = batch::write_text(&mut io::sink(), &outcomes, super::style::Style::plain());
        outcomes
    });

    let n = paths.len() as f64;
    let per_second = n / check_time.as_secs_f64().max(1e-9);
    let unusable = outcomes.iter().filter(|o| o.result.is_err()).count();
    let with_errors = outcomes
        .iter()
        .filter(|o| {
            o.result.as_ref().is_ok_and(|c| {
                c.diagnostics
                    .iter()
                    .any(|d| d.severity == gongkai_report::Severity::Error)
            })
        })
        .count();
    let mb = bytes as f64 / 1e6;
    println!("gongkai report bench — 批量检查基准 (batch check benchmark)");
    println!(
        "  年报 (reports)           {} 份，{mb:.1} MB，线程 (threads) {}，重复 (repeat) {repeat}，取最快",
        paths.len(),
        rayon::current_num_threads()
    );
    println!(
        "  读取基线 (read only)     {:>9.3} s  {:>8.1} MB/s  {:>9.0} 份/s",
        read_time.as_secs_f64(),
        mb / read_time.as_secs_f64().max(1e-9),
        n / read_time.as_secs_f64().max(1e-9)
    );
    println!(
        "  检查 (check)             {:>9.3} s  {:>8.1} MB/s  {:>9.0} 份/s",
        check_time.as_secs_f64(),
        mb / check_time.as_secs_f64().max(1e-9),
        per_second
    );
    println!(
        "  目标 (goal)              {GOAL_PER_SECOND:>9.0} 份/s  实测/目标 (measured/goal) = {:.2}×  {}",
        per_second / GOAL_PER_SECOND,
        if per_second >= GOAL_PER_SECOND {
            "达标 (met)"
        } else {
            "未达标 (NOT met)"
        }
    );
    println!(
        "  检查/读取 (check/read)   {:.1}×",
        check_time.as_secs_f64() / read_time.as_secs_f64().max(1e-9)
    );
    println!("  结果 (outcome)           有错误 {with_errors} 份，无法读取 {unusable} 份");
    if unusable > 0 {
        println!(
            "  注意 (note)：{unusable} 份无法读取，这些文件只计了读取与格式识别的时间 \
             ({unusable} files were unusable: only reading and detection were timed for them)"
        );
    }
    Ok(0)
}

/// Writes `count` synthetic reports into `dir`: text, Markdown and HTML.
pub fn generate(dir: &Path, count: usize) -> Result<Vec<PathBuf>, Failure> {
    (0..count)
        .into_par_iter()
        .map(|i| {
            let report = Synthetic::generate(SEED, i as u64);
            // Half HTML, half text (a quarter of it Markdown).
            let layout = match i % 4 {
                0 | 2 => Layout::Html,
                1 => Layout::Text,
                _ => Layout::Markdown,
            };
            let path = dir.join(format!("report-{i:05}.{}", layout.extension()));
            std::fs::write(&path, report.render(layout)).map_err(|e| {
                Failure::new(format!(
                    "无法写入文件：{}：{e} (cannot write)",
                    path.display()
                ))
            })?;
            Ok(path)
        })
        .collect()
}

fn read_all(paths: &[PathBuf]) -> io::Result<u64> {
    paths
        .par_iter()
        .map(|p| std::fs::read(p).map(|b| b.len() as u64))
        .sum()
}

/// Runs `f` `n` times; the fastest time and the last result.
fn best_of<T>(n: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..n {
        let started = Instant::now();
        let value = f();
        best = best.min(started.elapsed());
        last = Some(value);
    }
    match last {
        Some(v) => (best, v),
        // n ≥ 1 always; this arm only satisfies the types.
        None => (best, f()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_the_requested_number_of_files_of_each_layout() {
        let dir = tempfile::tempdir().unwrap();
        let paths = generate(dir.path(), 8).unwrap();
        assert_eq!(paths.len(), 8);
        let found = files::collect(&[dir.path().to_path_buf()]).unwrap();
        assert_eq!(found.len(), 8);
        let ext = |e: &str| found.iter().filter(|p| p.extension().unwrap() == e).count();
        assert_eq!((ext("html"), ext("txt"), ext("md")), (4, 2, 2));
    }

    #[test]
    fn best_of_keeps_the_fastest_and_runs_n_times() {
        let mut calls = 0;
        let (_, v) = best_of(3, || {
            calls += 1;
            calls
        });
        assert_eq!((calls, v), (3, 3));
    }
}
