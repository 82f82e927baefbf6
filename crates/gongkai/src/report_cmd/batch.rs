//! The batch path of `gongkai report check`: read, parse and check many
//! files in parallel, then print them in path order with a summary.
//! `gongkai report bench` times exactly this path.

use super::{Failure, files, style::Style};
use gongkai_report::spec::FormatVersion;
use gongkai_report::{CheckOptions, Diagnostic, Report, Rule, Severity, TableId};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// What came of one file.
#[derive(Debug)]
pub struct FileOutcome {
    pub path: PathBuf,
    pub result: Result<Checked, Failure>,
}

/// A file that was read as a report and checked.
#[derive(Debug)]
pub struct Checked {
    pub format: Option<FormatVersion>,
    pub year: Option<i32>,
    pub agency: Option<String>,
    pub diagnostics: Vec<Diagnostic>,
}

impl FileOutcome {
    fn count(&self, severity: Severity) -> usize {
        match &self.result {
            Ok(c) => c
                .diagnostics
                .iter()
                .filter(|d| d.severity == severity)
                .count(),
            Err(_) => 0,
        }
    }
}

/// Reads and checks one file.
pub fn check_file(path: &Path, previous: Option<&Report>) -> Result<Checked, Failure> {
    let bytes = files::read(path)?;
    let report = gongkai_report::parse(&bytes, files::file_name(path))
        .map_err(|e| Failure::new(e.to_string()))?;
    let mut diagnostics = gongkai_report::check(
        &report,
        &CheckOptions {
            previous,
            deadline: None,
        },
    );
    // Grouped by severity; the checker's order by place is kept within.
    diagnostics.sort_by_key(|d| d.severity);
    Ok(Checked {
        format: report.format,
        year: report.year,
        agency: report.agency,
        diagnostics,
    })
}

/// Checks `paths` in parallel (rayon). The outcomes come back in the order
/// of `paths` whatever the scheduling. A progress bar is drawn on stderr
/// when `progress` is set.
pub fn check_all(paths: &[PathBuf], previous: Option<&Report>, progress: bool) -> Vec<FileOutcome> {
    let bar = if progress {
        let bar = ProgressBar::new(paths.len() as u64);
        if let Ok(style) =
            ProgressStyle::with_template("{bar:40} {pos}/{len} 份 {per_sec} 剩余 {eta}")
        {
            bar.set_style(style);
        }
        Some(bar)
    } else {
        None
    };
    let outcomes = paths
        .par_iter()
        .map(|path| {
            let result = check_file(path, previous);
            if let Some(bar) = &bar {
                bar.inc(1);
            }
            FileOutcome {
                path: path.clone(),
                result,
            }
        })
        .collect();
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    outcomes
}

/// The exit code of a batch: 2 if any file was unusable, else 1 if any has
/// an error-severity diagnostic, else 0.
pub fn exit_code(outcomes: &[FileOutcome]) -> u8 {
    if outcomes.iter().any(|o| o.result.is_err()) {
        2
    } else if outcomes.iter().any(|o| o.count(Severity::Error) > 0) {
        1
    } else {
        0
    }
}

// ---- text -----------------------------------------------------------------

/// Writes the human-readable report: per readable file a header and its
/// findings, then a summary (several files) or a tally (one file). Unusable
/// files are left to [`write_failures`] (stderr) and counted in the summary.
pub fn write_text(out: &mut dyn Write, outcomes: &[FileOutcome], style: Style) -> io::Result<()> {
    let mut first = true;
    for outcome in outcomes {
        let path = outcome.path.display();
        if let Ok(c) = &outcome.result {
            if !std::mem::take(&mut first) {
                writeln!(out)?;
            }
            {
                writeln!(
                    out,
                    "{}  格式 {}  年度 {}  机关 {}",
                    style.bold(&path.to_string()),
                    c.format.map_or("未识别", |f| f.as_str()),
                    c.year
                        .map_or_else(|| "未识别".to_string(), |y| y.to_string()),
                    c.agency.as_deref().unwrap_or("未识别"),
                )?;
                if c.diagnostics.is_empty() {
                    writeln!(out, "  未发现问题 (no findings)")?;
                }
                for d in &c.diagnostics {
                    write_diagnostic(out, d, style)?;
                }
            }
        }
    }
    if outcomes.len() > 1 {
        if !first {
            writeln!(out)?;
        }
        write_summary(out, outcomes)?;
    } else if let Some(o) = outcomes.first().filter(|o| o.result.is_ok()) {
        writeln!(
            out,
            "共 {} 个错误、{} 个警告、{} 个提示 ({} errors, {} warnings, {} notes)",
            o.count(Severity::Error),
            o.count(Severity::Warning),
            o.count(Severity::Info),
            o.count(Severity::Error),
            o.count(Severity::Warning),
            o.count(Severity::Info),
        )?;
    }
    Ok(())
}

/// One line per unusable file: "PATH：message".
pub fn write_failures(out: &mut dyn Write, outcomes: &[FileOutcome]) -> io::Result<()> {
    for o in outcomes {
        if let Err(e) = &o.result {
            writeln!(out, "{}：{e}", o.path.display())?;
        }
    }
    Ok(())
}

fn write_diagnostic(out: &mut dyn Write, d: &Diagnostic, style: Style) -> io::Result<()> {
    let place = place(d);
    let sep = if place.is_empty() { "" } else { " " };
    writeln!(
        out,
        "  {} {}{sep}{place}  {}",
        style.severity_tag(d.severity),
        d.rule.id(),
        d.message.replace('\n', " "),
    )
}

/// Where a finding is, compactly: "表三 new_received/total", "第六部分".
pub fn place(d: &Diagnostic) -> String {
    let mut s = String::new();
    if let Some(t) = d.table {
        s.push_str(match t {
            TableId::T2 => "表二",
            TableId::T3 => "表三",
            TableId::T4 => "表四",
        });
        if let Some(r) = &d.row {
            s.push(' ');
            s.push_str(r);
        }
        if let Some(c) = &d.column {
            s.push('/');
            s.push_str(c);
        }
    } else if let Some(n) = d.section {
        const NUMERALS: [&str; 6] = ["一", "二", "三", "四", "五", "六"];
        if let Some(numeral) = NUMERALS.get(usize::from(n).wrapping_sub(1)) {
            s.push_str(&format!("第{numeral}部分"));
        }
    }
    s
}

/// Files, files with errors/warnings, unusable files, findings per rule.
pub fn write_summary(out: &mut dyn Write, outcomes: &[FileOutcome]) -> io::Result<()> {
    let with = |s: Severity| outcomes.iter().filter(|o| o.count(s) > 0).count();
    let unusable = outcomes.iter().filter(|o| o.result.is_err()).count();
    let mut per_rule: BTreeMap<Rule, (usize, usize)> = BTreeMap::new();
    for o in outcomes {
        if let Ok(c) = &o.result {
            let mut seen = std::collections::BTreeSet::new();
            for d in &c.diagnostics {
                let entry = per_rule.entry(d.rule).or_default();
                entry.0 += 1;
                if seen.insert(d.rule) {
                    entry.1 += 1;
                }
            }
        }
    }
    writeln!(out, "汇总 (summary)")?;
    writeln!(out, "  文件 (files)              {:>6}", outcomes.len())?;
    writeln!(
        out,
        "  有错误 (with errors)      {:>6}",
        with(Severity::Error)
    )?;
    writeln!(
        out,
        "  有警告 (with warnings)    {:>6}",
        with(Severity::Warning)
    )?;
    writeln!(out, "  无法读取 (unusable)       {:>6}", unusable)?;
    if !per_rule.is_empty() {
        writeln!(out, "  规则 (rule)                  次数  文件数  级别")?;
        for (rule, (n, files)) in &per_rule {
            writeln!(
                out,
                "  {:<26} {n:>6} {files:>7}  {}",
                rule.id(),
                rule.severity().label()
            )?;
        }
    }
    Ok(())
}

// ---- JSON -----------------------------------------------------------------

#[derive(Serialize)]
struct JsonFile<'a> {
    file: String,
    format: Option<&'static str>,
    year: Option<i32>,
    agency: Option<&'a str>,
    diagnostics: &'a [Diagnostic],
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// One JSON array, one object per file, in path order.
pub fn write_json(out: &mut dyn Write, outcomes: &[FileOutcome]) -> io::Result<()> {
    let items: Vec<JsonFile<'_>> = outcomes
        .iter()
        .map(|o| {
            let file = o.path.display().to_string();
            match &o.result {
                Ok(c) => JsonFile {
                    file,
                    format: c.format.map(|f| f.as_str()),
                    year: c.year,
                    agency: c.agency.as_deref(),
                    diagnostics: &c.diagnostics,
                    error: None,
                },
                Err(e) => JsonFile {
                    file,
                    format: None,
                    year: None,
                    agency: None,
                    diagnostics: &[],
                    error: Some(e.to_string()),
                },
            }
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &items)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diag(rule: Rule) -> Diagnostic {
        Diagnostic {
            rule,
            severity: rule.severity(),
            message: "消息".into(),
            section: Some(3),
            table: Some(TableId::T3),
            row: Some("new_received".into()),
            column: Some("total".into()),
        }
    }

    fn outcome(path: &str, diagnostics: Vec<Diagnostic>) -> FileOutcome {
        FileOutcome {
            path: path.into(),
            result: Ok(Checked {
                format: Some(FormatVersion::V2021),
                year: Some(2021),
                agency: Some("示例局".into()),
                diagnostics,
            }),
        }
    }

    fn unusable(path: &str) -> FileOutcome {
        FileOutcome {
            path: path.into(),
            result: Err(Failure::new("文件为空 (empty file)")),
        }
    }

    #[test]
    fn exit_code_prefers_unusable_over_errors_over_warnings() {
        let warn = outcome("a", vec![diag(Rule::FeeStatementMissing)]);
        assert_eq!(exit_code(std::slice::from_ref(&warn)), 0);
        let err = outcome("b", vec![diag(Rule::T3Balance)]);
        assert_eq!(exit_code(&[warn, err]), 1);
        let err = outcome("b", vec![diag(Rule::T3Balance)]);
        assert_eq!(exit_code(&[err, unusable("c")]), 2);
        assert_eq!(exit_code(&[]), 0);
    }

    #[test]
    fn text_lists_findings_with_place_and_a_summary() {
        let outcomes = [
            outcome("a.txt", vec![diag(Rule::T3Balance)]),
            outcome("b.txt", vec![]),
            unusable("c.txt"),
        ];
        let mut out = Vec::new();
        write_text(&mut out, &outcomes, Style::plain()).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("[错误] T3_BALANCE 表三 new_received/total  消息"),
            "{text}"
        );
        assert!(text.contains("a.txt  格式 2021  年度 2021  机关 示例局"));
        assert!(text.contains("未发现问题"));
        assert!(!text.contains("文件为空"), "unusable files go to stderr");
        let mut err = Vec::new();
        write_failures(&mut err, &outcomes).unwrap();
        assert_eq!(
            String::from_utf8(err).unwrap(),
            "c.txt：文件为空 (empty file)\n"
        );
        assert!(text.contains("无法读取 (unusable)            1"), "{text}");
        assert!(!text.contains('\u{1b}'), "no colour when plain");
    }

    #[test]
    fn json_has_one_object_per_file_and_errors_for_unusable() {
        let outcomes = [outcome("a.txt", vec![diag(Rule::T4Total)]), unusable("b")];
        let mut out = Vec::new();
        write_json(&mut out, &outcomes).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v[0]["file"], "a.txt");
        assert_eq!(v[0]["format"], "2021");
        assert_eq!(v[0]["diagnostics"][0]["rule"], "T4_TOTAL");
        assert_eq!(v[0]["diagnostics"][0]["severity"], "error");
        assert!(v[0].get("error").is_none());
        assert_eq!(v[1]["error"], "文件为空 (empty file)");
        assert_eq!(v[1]["diagnostics"].as_array().unwrap().len(), 0);
    }

    #[test]
    fn place_names_section_when_no_table() {
        let mut d = diag(Rule::FeeStatementMissing);
        d.table = None;
        d.section = Some(6);
        assert_eq!(place(&d), "第六部分");
        d.section = None;
        assert_eq!(place(&d), "");
    }
}
