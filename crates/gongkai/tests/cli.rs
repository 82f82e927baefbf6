//! The `gongkai` binary as a user runs it: arguments, exit codes, stdout and
//! stderr. Reports from `../shared` are read from `GONGKAI_SHARED` (default:
//! the directory `shared` beside the workspace); tests that need them say so
//! and pass when it is absent.

// A test crate: its helpers panic on purpose, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn gongkai(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gongkai"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `../shared`, or None (with a plain line saying the test is skipped).
fn shared(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("GONGKAI_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("../shared"));
    if dir.join("fixtures/reports").is_dir() {
        Some(dir)
    } else {
        println!(
            "skipped {test}: no shared fixtures at {} (set GONGKAI_SHARED)",
            dir.display()
        );
        None
    }
}

/// Exit 2 with exactly one line on stderr, and no panic or backtrace.
fn assert_unusable(o: &Output) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err:?}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.contains("RUST_BACKTRACE"), "{err}");
}

fn json_of(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("stdout is JSON ({e}): {}", stdout(o)))
}

#[test]
fn help_explains_the_report_subcommands() {
    let o = gongkai(&["report", "--help"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    for word in ["check", "extract", "render", "年度报告", "示例"] {
        assert!(out.contains(word), "{word} missing from:\n{out}");
    }
    for sub in ["check", "extract", "render"] {
        let o = gongkai(&["report", sub, "--help"]);
        assert_eq!(o.status.code(), Some(0), "{sub}");
        assert!(
            stdout(&o).contains("示例 (example"),
            "{sub}: {}",
            stdout(&o)
        );
    }
}

#[test]
fn missing_path_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-report.txt");
    let o = gongkai(&["report", "check", missing.to_str().unwrap()]);
    assert_unusable(&o);
    assert!(stderr(&o).contains("找不到文件"), "{}", stderr(&o));
    assert!(stderr(&o).contains("no-such-report.txt"));
    let o = gongkai(&["report", "extract", missing.to_str().unwrap()]);
    assert_unusable(&o);
}

#[test]
fn empty_binary_and_non_report_files_are_unusable() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    let binary = dir.path().join("random.txt");
    // Fixed pseudo-random bytes with NULs: not text.
    let bytes: Vec<u8> = (0u32..4096)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&binary, bytes).unwrap();
    let note = dir.path().join("note.txt");
    std::fs::write(&note, "会议通知：周五下午三点在三楼会议室开会。\n").unwrap();
    for (path, word) in [(&empty, "为空"), (&binary, "无法读取"), (&note, "年度报告")] {
        for sub in ["check", "extract"] {
            let o = gongkai(&["report", sub, path.to_str().unwrap()]);
            assert_unusable(&o);
            assert!(stderr(&o).contains(word), "{sub} {path:?}: {}", stderr(&o));
        }
    }
}

#[test]
fn empty_directory_is_a_clear_failure() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("readme.rs"), "fn main() {}").unwrap();
    let o = gongkai(&["report", "check", dir.path().to_str().unwrap()]);
    assert_unusable(&o);
    assert!(stderr(&o).contains("没有年报文件"), "{}", stderr(&o));
}

#[test]
fn directory_gives_one_json_object_per_file_sorted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/b.txt"), "").unwrap();
    std::fs::write(dir.path().join("a.html"), "<p>不是年报</p>").unwrap();
    std::fs::write(dir.path().join("ignored.rs"), "").unwrap();
    let o = gongkai(&[
        "report",
        "check",
        "--format",
        "json",
        dir.path().to_str().unwrap(),
    ]);
    let v = json_of(&o);
    let files = v.as_array().unwrap();
    assert_eq!(files.len(), 2, "{v}");
    let names: Vec<&str> = files.iter().map(|f| f["file"].as_str().unwrap()).collect();
    assert!(
        names[0].ends_with("a.html") && names[1].ends_with("b.txt"),
        "{names:?}"
    );
    for f in files {
        assert!(f["error"].is_string(), "{f}");
        assert_eq!(f["diagnostics"], serde_json::json!([]));
    }
    // Both unusable: exit 2, one line each on stderr.
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o).lines().count(), 2, "{}", stderr(&o));
}

#[test]
fn text_output_of_several_files_ends_with_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "").unwrap();
    std::fs::write(dir.path().join("b.txt"), "随便写点什么").unwrap();
    let o = gongkai(&["report", "check", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let out = stdout(&o);
    assert!(out.contains("汇总 (summary)"), "{out}");
    assert!(out.contains("无法读取 (unusable)            2"), "{out}");
    assert!(!out.contains('\u{1b}'), "no colour when not a terminal");
}

#[test]
fn render_rejects_unknown_formats_and_missing_input() {
    let o = gongkai(&["report", "render", "x.txt", "--to", "pdf"]);
    assert_unusable(&o);
    assert!(stderr(&o).contains("未知的输出格式"), "{}", stderr(&o));
    let o = gongkai(&["report", "render", "no-such.txt", "--to", "json"]);
    assert_unusable(&o);
}

#[test]
fn garbage_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let inputs: [(&str, &[u8]); 7] = [
        ("a.json", b"{\"format\": 7, \"t3\": [1,2]}"),
        ("b.json", b"{"),
        ("c.docx", b"PK\x03\x04not really a zip"),
        ("d.html", b"<table><tr><td rowspan=99999 colspan=0>x"),
        (
            "e.txt",
            "一、总体情况\n\t\t\t\n三、收到和处理\n一、本年新收\t-1\t9999999999999999999999\n"
                .as_bytes(),
        ),
        ("f.pdf", b"%PDF-1.4"),
        ("g.md", b"| a | b |\n|---|\n| \xff\xfe | x |"),
    ];
    for (name, bytes) in inputs {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let o = gongkai(&[
        "report",
        "check",
        "--format",
        "json",
        dir.path().to_str().unwrap(),
    ]);
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "{err}");
    assert!(matches!(o.status.code(), Some(0..=2)), "{:?}", o.status);
    assert_eq!(json_of(&o).as_array().unwrap().len(), inputs.len());
}

// ---- with the real parser and checker --------------------------------------

#[test]
fn example_report_checks_clean() {
    let example = workspace_root().join("examples/shili-2021.txt");
    let o = gongkai(&[
        "report",
        "check",
        "--format",
        "json",
        example.to_str().unwrap(),
    ]);
    let v = json_of(&o);
    assert_eq!(o.status.code(), Some(0), "{v:#}");
    let file = &v[0];
    assert_eq!(file["format"], "2021");
    assert_eq!(file["year"], 2021);
    assert_eq!(file["agency"], "示例市自然资源局");
    let findings: Vec<&str> = file["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] != "info")
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    assert!(findings.is_empty(), "{findings:?}");

    let o = gongkai(&["report", "extract", example.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report = json_of(&o);
    assert_eq!(report["t3"]["new_received"]["total"], 47);
    assert_eq!(report["t3"]["handled_total"]["natural_person"], 41);
    assert_eq!(report["t4"]["reconsideration"]["total"], 3);
}

#[test]
fn lingwu_has_only_the_fee_statement_warning() {
    let Some(shared) = shared("lingwu_has_only_the_fee_statement_warning") else {
        return;
    };
    let file = shared.join("fixtures/reports/lingwu-shenpi-2021.txt");
    let o = gongkai(&[
        "report",
        "check",
        "--format",
        "json",
        file.to_str().unwrap(),
    ]);
    let v = json_of(&o);
    assert_eq!(o.status.code(), Some(0), "{v:#}");
    assert_eq!(v[0]["agency"], "灵武市审批服务管理局");
    let rules: Vec<&str> = v[0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] != "info")
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["FEE_STATEMENT_MISSING"]);

    let o = gongkai(&["report", "check", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.contains("[警告] FEE_STATEMENT_MISSING"), "{out}");
    assert!(out.contains("机关 灵武市审批服务管理局"), "{out}");
}

#[test]
fn extract_then_render_json_round_trips() {
    let Some(shared) = shared("extract_then_render_json_round_trips") else {
        return;
    };
    let file = shared.join("fixtures/reports/lingwu-shenpi-2021.txt");
    let o = gongkai(&["report", "extract", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let extracted = json_of(&o);
    assert_eq!(extracted["t2"]["licensing"]["decisions"], 4625);
    let dir = tempfile::tempdir().unwrap();
    let json_path = dir.path().join("lingwu.json");
    std::fs::write(&json_path, &o.stdout).unwrap();
    let out_path = dir.path().join("again.json");
    let o = gongkai(&[
        "report",
        "render",
        json_path.to_str().unwrap(),
        "--to",
        "json",
        "-o",
        out_path.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let again: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out_path).unwrap()).unwrap();
    assert_eq!(again, extracted);
}

#[test]
fn example_renders_to_every_format_and_docx_reads_back() {
    let example = workspace_root().join("examples/shili-2021.txt");
    let dir = tempfile::tempdir().unwrap();
    for to in ["md", "html", "docx", "json", "csv"] {
        let out = dir.path().join(format!("shili.{to}"));
        let o = gongkai(&[
            "report",
            "render",
            example.to_str().unwrap(),
            "--to",
            to,
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{to}: {}", stderr(&o));
        assert!(std::fs::metadata(&out).unwrap().len() > 500, "{to}");
    }
    // Without -o (stdout is a pipe here), text formats go to stdout.
    let o = gongkai(&["report", "render", example.to_str().unwrap(), "--to", "md"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).contains("## 三、收到和处理政府信息公开申请情况"),
        "{}",
        stdout(&o)
    );
    // What the DOCX renderer writes, the DOCX parser reads into the same tables.
    let docx = dir.path().join("shili.docx");
    let o = gongkai(&["report", "extract", docx.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report = json_of(&o);
    assert_eq!(report["agency"], "示例市自然资源局");
    assert_eq!(report["t3"]["new_received"]["total"], 47);
}

#[test]
fn pdf_is_unusable_for_now() {
    let Some(shared) = shared("pdf_is_unusable_for_now") else {
        return;
    };
    let file = shared.join("fixtures/reports/hongze-2023.pdf");
    let o = gongkai(&["report", "check", file.to_str().unwrap()]);
    assert_unusable(&o);
    assert!(stderr(&o).contains("PDF"), "{}", stderr(&o));
}

// ---- gongkai import items ------------------------------------------------------------------

/// The binary on an explicit database only (no `GONGKAI_*` from the environment).
fn gongkai_db(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gongkai"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("RUST_BACKTRACE")
        .env_remove("GONGKAI_DATA_DIR")
        .env_remove("GONGKAI_DATABASE_URL")
        .output()
        .expect("the binary runs")
}

/// `gongkai import items --agency … --file … --data-dir … [extra]`.
fn run_import(data: &Path, agency: &str, file: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "import",
        "items",
        "--agency",
        agency,
        "--file",
        file.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
    ];
    args.extend(extra);
    gongkai_db(&args)
}

/// [`run_import`] that must exit with `code`: its stdout.
fn import_items(data: &Path, agency: &str, file: &Path, extra: &[&str], code: i32) -> String {
    let o = run_import(data, agency, file, extra);
    assert_eq!(o.status.code(), Some(code), "{}{}", stdout(&o), stderr(&o));
    stdout(&o)
}

const CATALOGUE_HEADER: &str =
    "索引号,标题,发文字号,成文日期,发布日期,栏目,主题分类,文件类型,有效性,废止日期,内容摘要\n";

fn catalogue_csv(published_on: &str) -> String {
    format!(
        "{CATALOGUE_HEADER}\
         ,关于印发灵武市政务服务事项清单的通知CLIONE,灵审管发〔2021〕3号,2021年2月20日,2021年3月1日,部门文件,综合政务,行政规范性文件,有效,,事项清单摘要\n\
         ,灵武市审批服务管理局2020年工作总结CLITWO,,,{published_on},重点工作,综合政务,,,,\n\
         ,关于废止某办法的通知CLITHREE,灵审管发〔2019〕1号,2019/5/1,2019/5/6,部门文件,综合政务,行政规范性文件,废止,2021-06-30,\n"
    )
}

/// A demo data directory (agencies and accounts, no items); returns the bureau.
async fn demo_data_dir(dir: &Path) -> gongkai_store::Agency {
    let store = gongkai_store::Store::open_sqlite(&dir.join("gongkai.db"))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    gongkai_server::demo::seed(&store, false).await.unwrap();
    let dept = store
        .list_agencies()
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.name == "灵武市审批服务管理局")
        .unwrap();
    store.close().await;
    dept
}

/// (digests of every table, the bureau's items as (title, state)).
async fn contents(
    dir: &Path,
    agency: i64,
) -> (
    Vec<gongkai_store::logical::TableDigest>,
    Vec<(String, String)>,
) {
    let store = gongkai_store::Store::open_sqlite(&dir.join("gongkai.db"))
        .await
        .unwrap();
    let digests = store.table_digests().await.unwrap();
    let mut items: Vec<(String, String)> = store
        .list_items(agency)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, v)| (v.item.title.clone(), format!("{:?}", v.version.state)))
        .collect();
    items.sort();
    store.close().await;
    (digests, items)
}

#[tokio::test]
async fn import_items_reports_bad_rows_writes_all_or_nothing_and_reruns_idempotently() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let dept = demo_data_dir(&data).await;
    let uscc = dept.uscc.to_string();
    let id = dept.id.to_string();

    // a bad row (30 February): the report names the row and the field, exit 1, nothing written
    let bad = dir.path().join("原网站目录.csv");
    std::fs::write(&bad, catalogue_csv("2021年2月30日")).unwrap();
    let before = contents(&data, dept.id).await;
    let out = import_items(&data, &uscc, &bad, &[], 1);
    assert!(out.contains("原网站目录.csv"), "{out}");
    assert!(out.contains("第 3 行  发布日期"), "{out}");
    assert!(out.contains("共 1 处错误，未导入任何信息"), "{out}");
    assert_eq!(contents(&data, dept.id).await, before, "nothing written");

    // a dry run of the good file lists the plan and writes nothing
    let good = dir.path().join("catalogue.csv");
    std::fs::write(&good, catalogue_csv("2021年3月30日")).unwrap();
    let out = import_items(&data, &id, &good, &["--dry-run"], 0);
    assert!(
        out.contains("第 2 行  新增（新编索引号）  关于印发"),
        "{out}"
    );
    assert!(out.contains("将新增 3 条，已存在跳过 0 条"), "{out}");
    assert_eq!(
        contents(&data, dept.id).await,
        before,
        "a dry run writes nothing"
    );

    // the import (agency by its code, in lower case): three published items
    let out = import_items(&data, &uscc.to_lowercase(), &good, &[], 0);
    assert!(out.contains("已导入 3 条，已存在跳过 0 条"), "{out}");
    let (digests, items) = contents(&data, dept.id).await;
    assert_eq!(items.len(), 3, "{items:?}");
    assert!(
        items.iter().all(|(_, state)| state == "Published"),
        "{items:?}"
    );
    assert!(items.iter().any(|(t, _)| t.contains("CLITWO")));

    // again: nothing new, nothing changed but the audit log
    let out = import_items(&data, &uscc, &good, &[], 0);
    assert!(out.contains("已导入 0 条，已存在跳过 3 条"), "{out}");
    let (again, items_again) = contents(&data, dept.id).await;
    assert_eq!(items_again, items);
    for (a, b) in digests.iter().zip(&again) {
        if a.table != "audit_log" {
            assert_eq!(a, b, "{}", a.table);
        }
    }

    // an XLSX file: one row already there, one new
    let xlsx = dir.path().join("补充目录.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, cells) in [
        ["标题", "发布日期", "栏目"],
        [
            "灵武市审批服务管理局2020年工作总结CLITWO",
            "2021-03-30",
            "重点工作",
        ],
        [
            "关于调整窗口工作时间的公告CLIFOUR",
            "2021-04-02",
            "部门文件",
        ],
    ]
    .iter()
    .enumerate()
    {
        for (c, v) in cells.iter().enumerate() {
            sheet
                .write_string(u32::try_from(r).unwrap(), u16::try_from(c).unwrap(), *v)
                .unwrap();
        }
    }
    book.save(&xlsx).unwrap();
    let out = import_items(&data, &id, &xlsx, &[], 0);
    assert!(out.contains("XLSX"), "{out}");
    assert!(out.contains("已导入 1 条，已存在跳过 1 条"), "{out}");
    assert_eq!(contents(&data, dept.id).await.1.len(), 4);

    // unusable input: one line, exit 2
    let empty = dir.path().join("empty");
    let missing = Path::new("/no/such/file.csv");
    for (data, agency, file, word) in [
        (
            data.as_path(),
            "no-such",
            good.as_path(),
            "没有统一社会信用代码或编号",
        ),
        (data.as_path(), id.as_str(), missing, "无法读取"),
        (empty.as_path(), id.as_str(), good.as_path(), "不存在"),
    ] {
        let o = run_import(data, agency, file, &[]);
        assert_unusable(&o);
        assert!(stderr(&o).contains(word), "{}", stderr(&o));
    }
    assert!(!empty.exists(), "no database is created");
}
