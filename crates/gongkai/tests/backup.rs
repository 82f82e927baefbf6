//! `gongkai backup` and `gongkai restore` as an administrator runs them, on SQLite: a backup
//! restored into a fresh data directory holds identical data (row counts and content hashes
//! of every table), and a restore onto existing data is refused in Chinese.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use gongkai_store::{Actor, Store};
use std::path::Path;
use std::process::{Command, Output};

fn gongkai(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gongkai"))
        .args(args)
        .env_remove("GONGKAI_DATA_DIR")
        .env_remove("GONGKAI_DATABASE_URL")
        .output()
        .expect("the binary runs")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[tokio::test]
async fn sqlite_backup_restores_identically_and_never_onto_data() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live");
    std::fs::create_dir_all(&live).unwrap();
    let store = Store::open_sqlite(&live.join("gongkai.db")).await.unwrap();
    store.migrate().await.unwrap();
    gongkai_server::demo::seed(&store, true).await.unwrap();
    store
        .append_audit(
            &Actor::system(),
            &gongkai_store::AuditEntry {
                agency_id: None,
                action: "test.mark",
                target: "备份测试".into(),
                before: String::new(),
                after: "标记".into(),
            },
        )
        .await
        .unwrap();
    let digests = store.table_digests().await.unwrap();
    assert!(digests.iter().any(|d| d.table == "users" && d.rows == 5));

    let file = dir.path().join("backup.db");
    let o = gongkai(&["backup", "--data-dir", s(&live), "--to", s(&file)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    store.close().await;

    let fresh = dir.path().join("fresh");
    let o = gongkai(&["restore", s(&file), "--data-dir", s(&fresh)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let restored = Store::open_sqlite(&fresh.join("gongkai.db")).await.unwrap();
    assert_eq!(restored.table_digests().await.unwrap(), digests);
    restored.close().await;

    // onto existing data: refused, in Chinese, and the data is untouched
    let o = gongkai(&["restore", s(&file), "--data-dir", s(&live)]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("已存在") && err.contains("--force"), "{err}");
    // a logical (JSON) backup onto a non-empty SQLite database: refused as well
    let json = dir.path().join("backup.json");
    let src = Store::open_sqlite(&fresh.join("gongkai.db")).await.unwrap();
    std::fs::write(
        &json,
        serde_json::to_vec(&src.export_logical().await.unwrap()).unwrap(),
    )
    .unwrap();
    src.close().await;
    let o = gongkai(&["restore", s(&json), "--data-dir", s(&fresh)]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("目标数据库不是空的"), "{err}");
    // with --force the file copy replaces the database
    let o = gongkai(&["restore", s(&file), "--data-dir", s(&fresh), "--force"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let again = Store::open_sqlite(&fresh.join("gongkai.db")).await.unwrap();
    assert_eq!(again.table_digests().await.unwrap(), digests);
    again.close().await;
}
