//! Conformance tests, run on SQLite always and on PostgreSQL when `GONGKAI_TEST_POSTGRES_URL`
//! is set (each test in its own schema, dropped afterwards).

use super::*;
use gongkai_agency::{AgencyKind, DivisionCode, Role, Uscc};
use std::sync::atomic::{AtomicU32, Ordering};

static SCHEMA_SEQ: AtomicU32 = AtomicU32::new(0);

/// One store per backend under test; keeps its temporary directory alive.
struct TestStore {
    store: Store,
    _dir: Option<tempfile::TempDir>,
}

async fn stores() -> Vec<TestStore> {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Store::open_sqlite(&dir.path().join("gongkai.db"))
        .await
        .unwrap();
    sqlite.migrate().await.unwrap();
    let mut out = vec![TestStore {
        store: sqlite,
        _dir: Some(dir),
    }];
    if let Ok(url) = std::env::var("GONGKAI_TEST_POSTGRES_URL") {
        let schema = format!(
            "t_store_{}_{}",
            std::process::id(),
            SCHEMA_SEQ.fetch_add(1, Ordering::SeqCst)
        );
        let pg = Store::open_postgres(&url, Some(&schema))
            .await
            .unwrap_or_else(|e| panic!("GONGKAI_TEST_POSTGRES_URL is set but unreachable: {e}"));
        pg.migrate().await.unwrap();
        out.push(TestStore {
            store: pg,
            _dir: None,
        });
    }
    out
}

async fn finish(stores: Vec<TestStore>) {
    let names: Vec<&str> = stores.iter().map(|s| s.store.backend_name()).collect();
    eprintln!("backends tested: {}", names.join(", "));
    for s in stores {
        s.store.drop_schema().await.unwrap();
    }
}

fn agency_input(name: &str, seq: &str, parent: Option<i64>, kind: AgencyKind) -> AgencyInput {
    AgencyInput {
        parent_id: parent,
        name: name.into(),
        uscc: Uscc::with_check_digit(&format!("11640181MB{seq}")).unwrap(),
        division_code: DivisionCode::parse("640181").unwrap(),
        kind,
        report_deadline: None,
    }
}

#[tokio::test]
async fn agencies_users_sessions_and_audit_round_trip() {
    let stores = stores().await;
    for t in &stores {
        let s = &t.store;
        let actor = Actor::system();
        // migrations are idempotent
        s.migrate().await.unwrap();
        let gov = s
            .create_agency(
                &agency_input(
                    "灵武市人民政府",
                    "0000001",
                    None,
                    AgencyKind::CountyGovernment,
                ),
                &actor,
            )
            .await
            .unwrap();
        let dept = s
            .create_agency(
                &agency_input(
                    "灵武市审批服务管理局",
                    "0000002",
                    Some(gov.id),
                    AgencyKind::Department,
                ),
                &actor,
            )
            .await
            .unwrap();
        assert_eq!(s.get_agency(dept.id).await.unwrap().unwrap(), dept);
        assert_eq!(dept.effective_deadline().label(), "1月31日");
        assert_eq!(
            s.agency_subtree(gov.id).await.unwrap(),
            vec![gov.id, dept.id]
        );

        // duplicate 统一社会信用代码 → Conflict
        let dup = s
            .create_agency(
                &agency_input("重复", "0000002", None, AgencyKind::Department),
                &actor,
            )
            .await;
        assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
        // a cycle in the hierarchy is refused
        let mut cyc = agency_input(
            "灵武市人民政府",
            "0000001",
            Some(dept.id),
            AgencyKind::CountyGovernment,
        );
        cyc.name = "x".into();
        assert!(matches!(
            s.update_agency(gov.id, &cyc, &actor).await,
            Err(StoreError::Conflict(_))
        ));

        let user = s
            .create_user(
                &NewUser {
                    agency_id: dept.id,
                    login: "xxy".into(),
                    display_name: "信息员".into(),
                    role: Role::Editor,
                    password_hash: "h1".into(),
                    must_change_password: true,
                },
                &actor,
            )
            .await
            .unwrap();
        assert_eq!(s.find_user_by_login("xxy").await.unwrap().unwrap(), user);
        assert_eq!(s.list_users(Some(&[gov.id])).await.unwrap().len(), 0);

        for tok in ["a", "b"] {
            s.create_session(&Session {
                token: tok.into(),
                user_id: user.id,
                csrf_token: format!("c{tok}"),
                created_at: 10,
                expires_at: 100,
            })
            .await
            .unwrap();
        }
        assert!(s.get_session("a", 50).await.unwrap().is_some());
        assert!(s.get_session("a", 100).await.unwrap().is_none(), "expired");
        s.set_password(user.id, "h2", false, Some("a"), &actor)
            .await
            .unwrap();
        assert!(
            s.get_session("b", 50).await.unwrap().is_none(),
            "other sessions end"
        );
        let (_, u) = s.get_session("a", 50).await.unwrap().unwrap();
        assert!(!u.must_change_password);
        assert_eq!(u.password_hash, "h2");
        // the database holds only the hash of a session token
        let sessions = s.export_logical().await.unwrap()["tables"]["sessions"].clone();
        let stored = sessions[0]["token_hash"].as_str().unwrap().to_owned();
        assert_eq!(stored, token_hash("a"));
        assert_eq!(stored.len(), 64);
        assert!(!sessions.to_string().contains("\"a\""));
        assert!(
            s.get_session(&stored, 50).await.unwrap().is_none(),
            "a hash is no token"
        );
        assert_eq!(s.delete_user_sessions(user.id).await.unwrap(), 1);

        // purge: expired sessions and failures older than the window go, the rest stays
        for (tok, expires) in [("old", 40), ("live", 1000)] {
            s.create_session(&Session {
                token: tok.into(),
                user_id: user.id,
                csrf_token: "c".into(),
                created_at: 10,
                expires_at: expires,
            })
            .await
            .unwrap();
        }
        s.record_login_failure("acct:purge", 5).await.unwrap();
        s.record_login_failure("acct:purge", 500).await.unwrap();
        assert_eq!(s.purge_expired(50, 100).await.unwrap(), (1, 1));
        assert!(s.get_session("live", 50).await.unwrap().is_some());
        assert_eq!(s.count_login_failures("acct:purge", 0).await.unwrap(), 1);
        assert_eq!(s.purge_expired(50, 100).await.unwrap(), (0, 0));
        s.delete_user_sessions(user.id).await.unwrap();
        s.clear_login_failures("acct:purge").await.unwrap();

        s.record_login_failure("acct:xxy", 10).await.unwrap();
        s.record_login_failure("acct:xxy", 20).await.unwrap();
        assert_eq!(s.count_login_failures("acct:xxy", 15).await.unwrap(), 1);
        s.clear_login_failures("acct:xxy").await.unwrap();
        assert_eq!(s.count_login_failures("acct:xxy", 0).await.unwrap(), 0);

        let all = s.list_audit(&AuditFilter::default()).await.unwrap();
        let actions: Vec<&str> = all.iter().map(|a| a.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "user.change_password",
                "user.create",
                "agency.create",
                "agency.create"
            ]
        );
        let only_gov = s
            .list_audit(&AuditFilter {
                agency_ids: Some(vec![gov.id]),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(only_gov.len(), 1);
        assert!(only_gov[0].after.contains("灵武市人民政府"));
    }
    finish(stores).await;
}

#[tokio::test]
async fn audit_log_is_append_only() {
    let stores = stores().await;
    for t in &stores {
        let s = &t.store;
        s.append_audit(
            &Actor::system(),
            &AuditEntry {
                agency_id: None,
                action: "test",
                target: "t".into(),
                before: String::new(),
                after: String::new(),
            },
        )
        .await
        .unwrap();
        let upd = with_pool!(s, p => sqlx::query("UPDATE audit_log SET action = 'x'").execute(p).await.map(|_| ()));
        assert!(upd.is_err(), "{}: update must fail", s.backend_name());
        let del =
            with_pool!(s, p => sqlx::query("DELETE FROM audit_log").execute(p).await.map(|_| ()));
        assert!(del.is_err(), "{}: delete must fail", s.backend_name());
    }
    finish(stores).await;
}

#[tokio::test]
async fn logical_export_round_trips_across_backends_and_sqlite_backup_restores() {
    let stores = stores().await;
    let source = &stores[0].store;
    let actor = Actor::system();
    let gov = source
        .create_agency(
            &agency_input("政府", "0000001", None, AgencyKind::CountyGovernment),
            &actor,
        )
        .await
        .unwrap();
    let dept = source
        .create_agency(
            &agency_input("部门", "0000002", Some(gov.id), AgencyKind::Department),
            &actor,
        )
        .await
        .unwrap();
    // a parent with a higher id than its child
    let later = source
        .create_agency(
            &agency_input("新上级", "0000003", None, AgencyKind::CountyGovernment),
            &actor,
        )
        .await
        .unwrap();
    let mut moved = agency_input(
        "政府",
        "0000001",
        Some(later.id),
        AgencyKind::CountyGovernment,
    );
    moved.report_deadline = Some(gongkai_agency::ReportDeadline::parse("03-15").unwrap());
    source.update_agency(gov.id, &moved, &actor).await.unwrap();
    source
        .create_user(
            &NewUser {
                agency_id: dept.id,
                login: "u".into(),
                display_name: "用户".into(),
                role: Role::Reviewer,
                password_hash: "h".into(),
                must_change_password: false,
            },
            &actor,
        )
        .await
        .unwrap();
    let export = source.export_logical().await.unwrap();

    // SQLite: VACUUM INTO, restore into a new file, same content
    let dir = tempfile::tempdir().unwrap();
    let Store::Sqlite(b) = source else {
        panic!("first store is SQLite")
    };
    let backup = dir.path().join("backup.db");
    sqlite::backup(b, &backup).await.unwrap();
    assert!(
        sqlite::backup(b, &backup).await.is_err(),
        "never overwrites"
    );
    let restored_path = dir.path().join("restored.db");
    sqlite::restore(&backup, &restored_path).await.unwrap();
    let restored = Store::open_sqlite(&restored_path).await.unwrap();
    assert_eq!(restored.export_logical().await.unwrap(), export);
    restored.close().await;

    // logical import into every backend (fresh), export again: identical
    let targets = stores_fresh().await;
    for t in &targets {
        t.store.import_logical(&export).await.unwrap();
        assert_eq!(
            t.store.export_logical().await.unwrap(),
            export,
            "{}",
            t.store.backend_name()
        );
        assert!(
            t.store.import_logical(&export).await.is_err(),
            "refuses a non-empty target"
        );
        // new rows continue after the imported ids
        let next = t
            .store
            .create_agency(
                &agency_input("再建", "0000009", None, AgencyKind::Department),
                &actor,
            )
            .await
            .unwrap();
        assert!(next.id > later.id);
    }
    finish(targets).await;
    finish(stores).await;
}

async fn stores_fresh() -> Vec<TestStore> {
    stores().await
}

/// Issue 3: backup → restore into an empty target → identical data, by per-table row counts
/// and content hashes. SQLite: `VACUUM INTO` file → restore into a fresh data directory.
/// PostgreSQL: logical export (as the bytes written to the backup file) → import into a fresh
/// schema. Then SQLite → PostgreSQL → SQLite. A non-empty target is refused in Chinese.
#[tokio::test]
async fn backup_restore_gives_identical_row_counts_and_hashes() {
    let sources = stores().await;
    for s in &sources {
        let source = &s.store;
        let actor = Actor {
            user_id: None,
            login: "tester".into(),
            address: "127.0.0.1".into(),
        };
        let gov = source
            .create_agency(
                &agency_input("政府", "0000001", None, AgencyKind::CountyGovernment),
                &actor,
            )
            .await
            .unwrap();
        let user = source
            .create_user(
                &NewUser {
                    agency_id: gov.id,
                    login: "u".into(),
                    display_name: "用户'\"\\n换行".into(),
                    role: Role::AgencyAdmin,
                    password_hash: "h".into(),
                    must_change_password: true,
                },
                &actor,
            )
            .await
            .unwrap();
        source
            .set_user_disabled(user.id, true, &actor)
            .await
            .unwrap();
        source.record_login_failure("account:u", 5).await.unwrap();
        source
            .create_push_target(
                gov.id,
                &push::NewPushTarget {
                    name: "自治区平台".into(),
                    kind: push::TargetKind::Webhook,
                    url: Some("https://example.org/receive".into()),
                    auto_push: true,
                },
                "secret",
                &actor,
            )
            .await
            .unwrap();
        let digests = source.table_digests().await.unwrap();
        let counts: Vec<(&str, usize)> = digests.iter().map(|d| (d.table, d.rows)).collect();
        assert_eq!(
            counts,
            [
                ("agencies", 1),
                ("users", 1),
                ("sessions", 0),
                ("login_failures", 1),
                ("audit_log", 4),
                ("catalogue_columns", 0),
                ("index_sequences", 0),
                ("items", 0),
                ("item_versions", 0),
                ("attachments", 0),
                ("push_targets", 1),
                ("push_deliveries", 0),
                ("push_attempts", 0),
                ("spot_checks", 0),
                ("spot_check_entries", 0),
                ("sensitive_word_lists", 0),
                ("import_uploads", 0),
            ]
        );
        assert!(digests.iter().all(|d| d.sha256.len() == 64));

        let dir = tempfile::tempdir().unwrap();
        if let Store::Sqlite(b) = source {
            let file = dir.path().join("backup.db");
            sqlite::backup(b, &file).await.unwrap();
            let fresh_dir = dir.path().join("fresh");
            std::fs::create_dir_all(&fresh_dir).unwrap();
            let target = fresh_dir.join("gongkai.db");
            sqlite::restore(&file, &target).await.unwrap();
            let restored = Store::open_sqlite(&target).await.unwrap();
            assert_eq!(restored.table_digests().await.unwrap(), digests);
            restored.close().await;
        }
        // logical: through the bytes of a backup file, into a fresh store of each backend
        let bytes = serde_json::to_vec_pretty(&source.export_logical().await.unwrap()).unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let targets = stores().await;
        for t in &targets {
            t.store.import_logical(&doc).await.unwrap();
            assert_eq!(
                t.store.table_digests().await.unwrap(),
                digests,
                "{} → {}",
                source.backend_name(),
                t.store.backend_name()
            );
            let err = t.store.import_logical(&doc).await.unwrap_err().to_string();
            assert!(err.contains("目标数据库不是空的"), "{err}");
            assert!(err.contains("agencies 1 行"), "{err}");
        }
        // and back: the last target's export into a fresh SQLite store
        let back_doc = targets
            .last()
            .unwrap()
            .store
            .export_logical()
            .await
            .unwrap();
        let back = stores().await;
        back[0].store.import_logical(&back_doc).await.unwrap();
        assert_eq!(back[0].store.table_digests().await.unwrap(), digests);
        finish(back).await;
        finish(targets).await;
    }
    finish(sources).await;
}

#[test]
fn digests_change_with_content() {
    let a = serde_json::json!({"tables": {"agencies": [{"id": 1, "name": "甲"}]}});
    let b = serde_json::json!({"tables": {"agencies": [{"id": 1, "name": "乙"}]}});
    let (da, db) = (logical::digests_of(&a), logical::digests_of(&b));
    assert_eq!(da[0].rows, 1);
    assert_eq!(da[0].rows, db[0].rows);
    assert_ne!(da[0].sha256, db[0].sha256);
    assert_eq!(da[1], db[1], "other tables: empty, equal");
}

fn staff(login: &str) -> Actor {
    Actor {
        user_id: None,
        login: login.into(),
        address: "127.0.0.1".into(),
    }
}

/// A department with no parent: the agency of the proactive-disclosure tests.
async fn bureau(store: &Store) -> Agency {
    store
        .create_agency(
            &agency_input("审批服务管理局", "0000001", None, AgencyKind::Department),
            &staff("tester"),
        )
        .await
        .unwrap()
}

/// Creates a draft, submits it as `author` and approves it as `reviewer`.
async fn publish(
    store: &Store,
    agency_id: i64,
    title: &str,
    body: &str,
    attachments: Vec<gongkai_proactive::Attachment>,
    at: chrono::DateTime<chrono::Utc>,
) -> i64 {
    use crate::proactive::{ItemInput, Transition};
    let input = ItemInput {
        column: gongkai_proactive::ColumnKey::parse("policy_documents").unwrap(),
        title: title.into(),
        document_number: None,
        written_on: None,
        topic: Some("综合政务".into()),
        body_html: body.into(),
    };
    let item = store
        .create_item(agency_id, &input, &staff("author"), at)
        .await
        .unwrap();
    if !attachments.is_empty() {
        store
            .set_item_attachments(item.id, attachments, &staff("author"), at)
            .await
            .unwrap();
    }
    store
        .transition_item(item.id, &Transition::Submit, &staff("author"), at)
        .await
        .unwrap();
    store
        .transition_item(
            item.id,
            &Transition::Approve { publish_at: None },
            &staff("reviewer"),
            at,
        )
        .await
        .unwrap();
    item.id
}

#[tokio::test]
async fn search_ranks_title_matches_first_and_filters_through_facets() {
    use crate::search::SearchRequest;
    use chrono::TimeZone;
    let stores = stores().await;
    for s in &stores {
        let store = &s.store;
        let backend = store.backend_name();
        let one = store
            .create_agency(
                &agency_input("审批服务管理局", "0000003", None, AgencyKind::Department),
                &staff("tester"),
            )
            .await
            .unwrap();
        let two = store
            .create_agency(
                &agency_input("发展和改革局", "0000004", None, AgencyKind::Department),
                &staff("tester"),
            )
            .await
            .unwrap();
        let day = |y: i32, m: u32, d: u32| chrono::Utc.with_ymd_and_hms(y, m, d, 2, 0, 0).unwrap();
        let titled = publish(
            store,
            one.id,
            "关于供暖延时的通知",
            "<p>详见正文。</p>",
            vec![],
            day(2021, 3, 1),
        )
        .await;
        // newer, and its body says the words many times: still after the title matches
        let in_body = publish(
            store,
            one.id,
            "冬季工作安排",
            "<p>供暖 供暖 供暖 延时 延时 延时，供暖延时。</p>",
            vec![],
            day(2021, 3, 2),
        )
        .await;
        let elsewhere = publish(
            store,
            two.id,
            "关于供暖延时的通知",
            "<p>另一机关。</p>",
            vec![],
            day(2021, 3, 3),
        )
        .await;
        let next_year = publish(
            store,
            one.id,
            "供暖延时安排",
            "<p>二〇二二年。</p>",
            vec![],
            day(2022, 3, 1),
        )
        .await;

        let run = |q: &str, agency_id: Option<i64>, column: Option<&str>, year: Option<i32>| {
            let req = SearchRequest {
                query: gongkai_proactive::Tokenizer::shared().parse_query(q),
                agency_id,
                column: column.map(|c| gongkai_proactive::ColumnKey::parse(c).unwrap()),
                year,
                offset: 0,
                limit: 10,
            };
            async move {
                let r = store.search(&req).await.unwrap();
                (
                    r.total,
                    r.hits.iter().map(|h| h.item_id).collect::<Vec<_>>(),
                )
            }
        };
        let (total, ids) = run("供暖 延时", Some(one.id), None, None).await;
        assert_eq!(total, 3, "{backend}");
        assert_eq!(ids.len(), 3, "{backend}");
        let mut first_two = ids[..2].to_vec();
        first_two.sort_unstable();
        assert_eq!(
            first_two,
            vec![titled, next_year],
            "{backend}: title matches first"
        );
        assert_eq!(ids[2], in_body, "{backend}");
        // filters: year, agency, column — alone and together
        assert_eq!(
            run("供暖 延时", Some(one.id), None, Some(2021)).await.1,
            vec![titled, in_body],
            "{backend}"
        );
        assert_eq!(
            run("供暖 延时", Some(two.id), None, None).await.1,
            vec![elsewhere],
            "{backend}"
        );
        assert_eq!(run("供暖 延时", None, None, None).await.0, 4, "{backend}");
        assert_eq!(
            run("供暖 延时", None, None, Some(2022)).await.1,
            vec![next_year],
            "{backend}"
        );
        assert_eq!(
            run("供暖", Some(one.id), Some("policy_documents"), Some(2021))
                .await
                .0,
            2,
            "{backend}"
        );
        assert_eq!(
            run("供暖", Some(one.id), Some("fiscal_funds"), None)
                .await
                .0,
            0,
            "{backend}"
        );
        assert_eq!(
            run("供暖", Some(one.id + two.id + 1000), None, None)
                .await
                .0,
            0,
            "{backend}"
        );
        // the filter tokens are not words anyone can search for
        for facet in [format!("a{}", one.id), "y2021".to_owned()] {
            assert_eq!(
                run(&facet, None, None, None).await.0,
                0,
                "{backend}: {facet}"
            );
        }
        // paging walks the same ranked list
        let req = |offset| SearchRequest {
            query: gongkai_proactive::Tokenizer::shared().parse_query("供暖"),
            agency_id: None,
            column: None,
            year: None,
            offset,
            limit: 2,
        };
        let p1 = store.search(&req(0)).await.unwrap();
        let p2 = store.search(&req(2)).await.unwrap();
        let p3 = store.search(&req(4)).await.unwrap();
        assert_eq!(
            (p1.hits.len(), p2.hits.len(), p3.hits.len()),
            (2, 2, 0),
            "{backend}"
        );
        let mut all: Vec<i64> = p1.hits.iter().chain(&p2.hits).map(|h| h.item_id).collect();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 4, "{backend}");
    }
    finish(stores).await;
}

#[tokio::test]
async fn search_finds_published_words_only_and_follows_withdrawal() {
    use crate::attachments::NewAttachment;
    use crate::proactive::{ItemInput, Transition};
    use crate::search::SearchRequest;
    use chrono::TimeZone;
    let stores = stores().await;
    for s in &stores {
        let store = &s.store;
        let agency = bureau(store).await;
        let t0 = chrono::Utc.with_ymd_and_hms(2021, 3, 1, 2, 0, 0).unwrap();
        let a = publish(
            store,
            agency.id,
            "关于印发政务服务好差评实施办法的通知",
            "<p>为提升政务服务水平，现将评价办法印发给你们。</p>",
            vec![],
            t0,
        )
        .await;
        let file = store
            .add_attachment(
                agency.id,
                &NewAttachment {
                    file_name: "企业开办名单.xlsx",
                    media_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    content: b"PK fake bytes",
                    text: "企业名称\t开办日期\n宁夏示例建材有限公司\t2021-02-03",
                    text_status: "extracted",
                },
                &staff("author"),
                t0,
            )
            .await
            .unwrap();
        let again = store
            .add_attachment(
                agency.id,
                &NewAttachment {
                    file_name: "企业开办名单.xlsx",
                    media_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    content: b"PK fake bytes",
                    text: "",
                    text_status: "extracted",
                },
                &staff("author"),
                t0,
            )
            .await
            .unwrap();
        assert_eq!(again.id, file.id, "the same file is stored once");
        let b = publish(
            store,
            agency.id,
            "二〇二一年二月企业开办情况",
            "<p>详见附件。</p>",
            vec![file.to_item_attachment()],
            t0 + chrono::Duration::days(1),
        )
        .await;
        // A draft with its own words never matches.
        store
            .create_item(
                agency.id,
                &ItemInput {
                    column: gongkai_proactive::ColumnKey::parse("policy_documents").unwrap(),
                    title: "草稿标题机密水利工程".into(),
                    document_number: None,
                    written_on: None,
                    topic: None,
                    body_html: "<p>草稿正文机密水利工程</p>".into(),
                },
                &staff("author"),
                t0,
            )
            .await
            .unwrap();

        let search = |q: &str| {
            let q = gongkai_proactive::Tokenizer::shared().parse_query(q);
            let req = SearchRequest {
                query: q,
                agency_id: Some(agency.id),
                column: None,
                year: None,
                offset: 0,
                limit: 10,
            };
            async move { store.search(&req).await.unwrap() }
        };
        // Two words, not a substring of the title.
        let r = search("好差评 办法").await;
        assert_eq!(r.total, 1, "{}", store.backend_name());
        assert_eq!(r.hits[0].item_id, a);
        assert!(r.hits[0].title_html.contains("<mark>好差评</mark>"));
        // Attachment text is searched, and the snippet says where it comes from.
        let r = search("建材 有限公司").await;
        assert_eq!(r.hits.iter().map(|h| h.item_id).collect::<Vec<_>>(), [b]);
        assert_eq!(r.hits[0].snippet_source, "企业开办名单.xlsx");
        assert!(r.hits[0].snippet_html.contains("<mark>"));
        // Drafts are not searchable.
        assert_eq!(search("水利工程").await.total, 0);
        // Year filter.
        let mut req = SearchRequest {
            query: gongkai_proactive::Tokenizer::shared().parse_query("办法"),
            agency_id: Some(agency.id),
            column: None,
            year: Some(2020),
            offset: 0,
            limit: 10,
        };
        assert_eq!(store.search(&req).await.unwrap().total, 0);
        req.year = Some(2021);
        assert_eq!(store.search(&req).await.unwrap().total, 1);

        // Withdrawn: gone from search.
        store
            .transition_item(
                a,
                &Transition::Withdraw {
                    reason: "内容已过时".into(),
                },
                &staff("reviewer"),
                t0,
            )
            .await
            .unwrap();
        assert_eq!(search("好差评 办法").await.total, 0);

        // Public download only through a published version.
        assert!(
            store
                .published_attachment(agency.id, b, file.id)
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            store
                .published_attachment(agency.id, a, file.id)
                .await
                .unwrap()
                .is_none()
        );

        // Scheduled publication: released when due, then searchable.
        let c = store
            .create_item(
                agency.id,
                &ItemInput {
                    column: gongkai_proactive::ColumnKey::parse("policy_documents").unwrap(),
                    title: "关于春节假期政务大厅值班安排的公告".into(),
                    document_number: None,
                    written_on: None,
                    topic: Some("综合政务".into()),
                    body_html: "<p>值班电话另行公布。</p>".into(),
                },
                &staff("author"),
                t0,
            )
            .await
            .unwrap()
            .id;
        store
            .transition_item(c, &Transition::Submit, &staff("author"), t0)
            .await
            .unwrap();
        let at = t0 + chrono::Duration::hours(5);
        store
            .transition_item(
                c,
                &Transition::Approve {
                    publish_at: Some(at),
                },
                &staff("reviewer"),
                t0,
            )
            .await
            .unwrap();
        assert_eq!(search("值班 安排").await.total, 0, "not before its time");
        assert!(store.release_due(t0).await.unwrap().is_empty());
        assert_eq!(store.release_due(at).await.unwrap(), [c]);
        assert_eq!(search("值班 安排").await.total, 1);

        // The index is derived: a full rebuild gives the same answers.
        store.reindex_all().await.unwrap();
        assert_eq!(search("值班 安排").await.total, 1);
        assert_eq!(search("好差评 办法").await.total, 0);
    }
    finish(stores).await;
}

#[tokio::test]
async fn bulk_seeded_items_are_what_publishing_them_gives() {
    use crate::bulk::{BulkItem, BulkOptions};
    use crate::portal::PublicFilter;
    use crate::proactive::{ItemInput, Transition};
    use crate::search::SearchRequest;
    use chrono::TimeZone;
    let column = gongkai_proactive::ColumnKey::parse("policy_documents").unwrap();
    let t0 = chrono::Utc.with_ymd_and_hms(2021, 3, 1, 2, 0, 0).unwrap();
    let content = [
        (
            " 关于印发政务服务好差评实施办法的通知",
            "<p>为提升政务服务水平，现将评价办法印发。</p><script>x</script>",
            Some(" 综合政务 "),
        ),
        (
            "关于建设项目环评审批事项的公告",
            "<p>建设项目环境影响评价文件审批结果公示。</p>",
            None,
        ),
        (
            "2021年企业开办情况通报",
            "<p>企业开办全程网办，优化营商环境。</p>",
            Some(""),
        ),
    ];
    let at = move |i: usize| t0 + chrono::Duration::hours(i as i64 * 30);
    let stores = stores().await;
    for s in &stores {
        let store = &s.store;
        let normal = store
            .create_agency(
                &agency_input("甲局", "0000001", None, AgencyKind::Department),
                &staff("t"),
            )
            .await
            .unwrap();
        let bulk = store
            .create_agency(
                &agency_input("甲局", "0000002", None, AgencyKind::Department),
                &staff("t"),
            )
            .await
            .unwrap();
        let mut normal_ids = Vec::new();
        for (i, (title, body, topic)) in content.iter().enumerate() {
            let input = ItemInput {
                column: column.clone(),
                title: (*title).into(),
                document_number: None,
                written_on: None,
                topic: topic.map(str::to_owned),
                body_html: (*body).into(),
            };
            let item = store
                .create_item(normal.id, &input, &staff("author"), at(i))
                .await
                .unwrap();
            store
                .transition_item(item.id, &Transition::Submit, &staff("author"), at(i))
                .await
                .unwrap();
            store
                .transition_item(
                    item.id,
                    &Transition::Approve { publish_at: None },
                    &staff("reviewer"),
                    at(i),
                )
                .await
                .unwrap();
            normal_ids.push(item.id);
        }
        let col = column.clone();
        let make = move |i: u64| {
            let (title, body, topic) = content[i as usize];
            BulkItem {
                column: col.clone(),
                title: title.into(),
                document_number: None,
                written_on: None,
                topic: topic.map(str::to_owned),
                body_html: body.into(),
                published_at: at(i as usize),
            }
        };
        let options = BulkOptions {
            author: gongkai_proactive::UserId::parse("author").unwrap(),
            reviewer: gongkai_proactive::UserId::parse("reviewer").unwrap(),
            batch: 2,
            threads: 2,
        };
        let mut seen = Vec::new();
        let bulk_ids = store
            .seed_published_bulk(bulk.id, 3, make, &options, &staff("t"), |n| seen.push(n))
            .await
            .unwrap();
        assert_eq!(seen, vec![2, 3], "two batches");
        assert_eq!(bulk_ids.len(), 3);
        // The published versions are the same but for the agency's 索引号 prefix.
        for (n, b) in normal_ids.iter().zip(&bulk_ids) {
            let vn = store.get_published(normal.id, *n).await.unwrap().unwrap();
            let vb = store.get_published(bulk.id, *b).await.unwrap().unwrap();
            assert_eq!(vn.version, vb.version);
            assert_eq!(
                vn.item.index_number.sequence(),
                vb.item.index_number.sequence()
            );
            assert_eq!(vn.item.index_number.year(), vb.item.index_number.year());
            let mut ib = vb.item.clone();
            ib.index_number = vn.item.index_number.clone();
            assert_eq!(vn.item, ib);
        }
        // Search: the same hits, snippets and scores.
        for q in [
            "好差评 办法",
            "建设项目",
            "营商环境",
            "通知",
            "审批 公示",
            "不存在的词语",
        ] {
            let run = |agency_id: i64| {
                let req = SearchRequest {
                    query: gongkai_proactive::Tokenizer::shared().parse_query(q),
                    agency_id: Some(agency_id),
                    column: None,
                    year: Some(2021),
                    offset: 0,
                    limit: 10,
                };
                async move { store.search(&req).await.unwrap() }
            };
            let (rn, rb) = (run(normal.id).await, run(bulk.id).await);
            assert_eq!(rn.total, rb.total, "{q}");
            let strip = |r: &crate::search::SearchResults| {
                r.hits
                    .iter()
                    .map(|h| {
                        (
                            h.title_html.clone(),
                            h.snippet_html.clone(),
                            h.published_on,
                            h.score,
                        )
                    })
                    .collect::<Vec<_>>()
            };
            assert_eq!(strip(&rn), strip(&rb), "{q}");
        }
        assert_eq!(
            store
                .search(&SearchRequest {
                    query: gongkai_proactive::Tokenizer::shared().parse_query("好差评"),
                    agency_id: Some(bulk.id),
                    column: None,
                    year: None,
                    offset: 0,
                    limit: 10,
                })
                .await
                .unwrap()
                .total,
            1
        );
        // The public list shows them alike, and the 索引号 sequence goes on after the seeded ones.
        let ln = store
            .list_public(normal.id, &PublicFilter::default(), 0, 10, 100)
            .await
            .unwrap();
        let lb = store
            .list_public(bulk.id, &PublicFilter::default(), 0, 10, 100)
            .await
            .unwrap();
        assert_eq!(ln.items.len(), 3);
        assert_eq!(
            ln.items.iter().map(|i| &i.title).collect::<Vec<_>>(),
            lb.items.iter().map(|i| &i.title).collect::<Vec<_>>()
        );
        let next = store
            .create_item(
                bulk.id,
                &ItemInput {
                    column: column.clone(),
                    title: "下一条".into(),
                    document_number: None,
                    written_on: None,
                    topic: None,
                    body_html: String::new(),
                },
                &staff("author"),
                t0,
            )
            .await
            .unwrap();
        assert_eq!(next.index_number.sequence(), 4);
        // A column outside the catalogue is refused.
        let bad = store
            .seed_published_bulk(
                bulk.id,
                1,
                move |_| BulkItem {
                    column: gongkai_proactive::ColumnKey::parse("no_such_column").unwrap(),
                    title: "x".into(),
                    document_number: None,
                    written_on: None,
                    topic: None,
                    body_html: String::new(),
                    published_at: t0,
                },
                &options,
                &staff("t"),
                |_| {},
            )
            .await;
        assert!(bad.is_err());
    }
    finish(stores).await;
}

#[tokio::test]
async fn withdrawal_cancels_the_pending_deliveries_of_the_item_only() {
    use crate::proactive::{ProactiveError, Transition};
    use crate::push::{AttemptOutcome, DeliveryState, NewPushTarget, TargetKind};
    use chrono::TimeZone;
    use gongkai_proactive::push::RetryPolicy;
    let stores = stores().await;
    for s in &stores {
        let store = &s.store;
        let agency = bureau(store).await;
        let target = |name: &str, kind: TargetKind| NewPushTarget {
            name: name.into(),
            kind,
            url: (kind == TargetKind::Webhook).then(|| "http://127.0.0.1:9/receive".into()),
            auto_push: true,
        };
        let admin = staff("admin");
        let mut targets = Vec::new();
        for (name, kind) in [
            ("市平台", TargetKind::Webhook),
            ("区平台", TargetKind::Webhook),
            ("自治区平台", TargetKind::Outbox),
        ] {
            let t = store
                .create_push_target(agency.id, &target(name, kind), name, &admin)
                .await
                .unwrap();
            targets.push(t);
        }
        let [failing, in_flight, outbox] = <[_; 3]>::try_from(targets).unwrap();
        let t0 = chrono::Utc.with_ymd_and_hms(2021, 3, 1, 2, 0, 0).unwrap();
        let withdrawn = publish(
            store,
            agency.id,
            "将被撤回的信息",
            "<p>正文</p>",
            vec![],
            t0,
        )
        .await;
        let other = publish(
            store,
            agency.id,
            "继续公开的信息",
            "<p>正文</p>",
            vec![],
            t0,
        )
        .await;
        let now = t0.timestamp();
        for id in [withdrawn, other] {
            let q = store
                .enqueue_push(agency.id, id, "https://gk.example.test", true, &admin, t0)
                .await
                .unwrap();
            assert_eq!(q.queued.len(), 3, "{q:?}");
        }
        let of_item = |list: &[push::Delivery], item: i64, target: i64| {
            list.iter()
                .find(|d| d.item_id == item && d.target_id == target)
                .unwrap()
                .clone()
        };
        let list = store.list_push_deliveries(agency.id, 20).await.unwrap();
        // the outbox delivery of the first item is acknowledged (delivered)
        let pulled = of_item(&list, withdrawn, outbox.id).id;
        store.outbox_read(outbox.id, pulled, 10, now).await.unwrap();
        // the webhooks of the first item: one fails for good, one is in flight
        let claimed = store
            .claim_due_webhooks(now, 60, "lease", 10)
            .await
            .unwrap();
        assert_eq!(claimed.len(), 4, "two webhooks × two items");
        let failed_id = of_item(&list, withdrawn, failing.id).id;
        let in_flight_id = of_item(&list, withdrawn, in_flight.id).id;
        let failure = AttemptOutcome {
            http_status: Some(500),
            error: None,
            duration_ms: 1,
            success: false,
        };
        let give_up = RetryPolicy {
            unit_secs: 60,
            max_attempts: 1,
        };
        assert!(
            store
                .finish_webhook_attempt(failed_id, "lease", &failure, give_up, now)
                .await
                .unwrap()
        );

        let before = store
            .list_audit(&AuditFilter::default())
            .await
            .unwrap()
            .len();
        store
            .transition_item(
                withdrawn,
                &Transition::Withdraw {
                    reason: "内容有误".into(),
                },
                &staff("reviewer"),
                t0 + chrono::Duration::hours(1),
            )
            .await
            .unwrap();

        let list = store.list_push_deliveries(agency.id, 20).await.unwrap();
        let cancelled = of_item(&list, withdrawn, in_flight.id);
        assert_eq!(cancelled.state, DeliveryState::Cancelled, "{cancelled:?}");
        assert_eq!(cancelled.last_error.as_deref(), Some("信息已撤回"));
        assert_eq!(
            of_item(&list, withdrawn, outbox.id).state,
            DeliveryState::Delivered,
            "a delivered one stays delivered"
        );
        assert_eq!(
            of_item(&list, withdrawn, failing.id).state,
            DeliveryState::Failed
        );
        // the other item's deliveries are still pending
        for t in [failing.id, in_flight.id, outbox.id] {
            assert_eq!(of_item(&list, other, t).state, DeliveryState::Pending);
        }
        // the worker that held the cancelled one loses its lease and writes nothing
        let success = AttemptOutcome {
            http_status: Some(200),
            error: None,
            duration_ms: 1,
            success: true,
        };
        assert!(
            !store
                .finish_webhook_attempt(in_flight_id, "lease", &success, give_up, now + 1)
                .await
                .unwrap()
        );
        assert!(
            store
                .list_push_attempts(in_flight_id)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            of_item(
                &store.list_push_deliveries(agency.id, 20).await.unwrap(),
                withdrawn,
                in_flight.id
            )
            .state,
            DeliveryState::Cancelled
        );
        // never claimed again, not served by the outbox, not retried by hand
        let later = now + 86_400 * 30;
        let due = store
            .claim_due_webhooks(later, 60, "lease2", 10)
            .await
            .unwrap();
        assert!(due.iter().all(|d| d.id != in_flight_id), "{due:?}");
        let err = store
            .retry_push_delivery(failed_id, agency.id, &admin, later)
            .await
            .unwrap_err();
        assert!(
            matches!(err, ProactiveError::Invalid(ref m) if m.contains("已撤回")),
            "{err}"
        );
        // audited in the withdrawal's transaction: the withdrawal and the cancellation
        let audit = store.list_audit(&AuditFilter::default()).await.unwrap();
        assert_eq!(audit.len(), before + 2, "{audit:?}");
        let cancel = audit.iter().find(|a| a.action == "push.cancel").unwrap();
        assert!(cancel.before.contains("区平台"), "{cancel:?}");
        assert!(!cancel.before.contains("市平台"), "{cancel:?}");
        assert!(cancel.after.contains("信息已撤回"), "{cancel:?}");
        // counted as pushed: the delivered one only
        assert_eq!(store.pushed_items_count(agency.id, 2021).await.unwrap(), 1);
    }
    finish(stores).await;
}

/// Migration 0015 rebuilds push_deliveries and push_attempts on SQLite: every row, every id
/// and the references between them survive, and new ids continue after the old ones.
#[tokio::test]
async fn sqlite_migration_15_keeps_push_rows_ids_and_references() {
    use crate::proactive::Transition;
    use crate::push::{AttemptOutcome, DeliveryState, NewPushTarget, TargetKind};
    use chrono::TimeZone;
    use gongkai_proactive::push::RetryPolicy;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("gongkai.db"))
        .await
        .unwrap();
    let Store::Sqlite(backend) = &store else {
        unreachable!()
    };
    let pool = &backend.pool;
    // the schema as it was before 0015
    sqlx::raw_sql(migrate::CREATE_TABLE)
        .execute(pool)
        .await
        .unwrap();
    for m in migrate::SQLITE.iter().filter(|m| m.version < 15) {
        sqlx::raw_sql(m.sql).execute(pool).await.unwrap();
        sqlx::query(
            "INSERT INTO schema_migrations (version, description, applied_at) VALUES ($1, $2, 0)",
        )
        .bind(m.version)
        .bind(m.description)
        .execute(pool)
        .await
        .unwrap();
    }
    let agency = bureau(&store).await;
    let admin = staff("admin");
    let target = store
        .create_push_target(
            agency.id,
            &NewPushTarget {
                name: "市平台".into(),
                kind: TargetKind::Webhook,
                url: Some("http://127.0.0.1:9/receive".into()),
                auto_push: false,
            },
            "s",
            &admin,
        )
        .await
        .unwrap();
    let t0 = chrono::Utc.with_ymd_and_hms(2021, 3, 1, 2, 0, 0).unwrap();
    let now = t0.timestamp();
    let mut items = Vec::new();
    for title in ["第一条", "第二条"] {
        let id = publish(&store, agency.id, title, "<p>正文</p>", vec![], t0).await;
        store
            .enqueue_push(agency.id, id, "https://gk.example.test", false, &admin, t0)
            .await
            .unwrap();
        items.push(id);
    }
    // one failed attempt each, so push_attempts references both deliveries
    for d in store
        .claim_due_webhooks(now, 60, "lease", 10)
        .await
        .unwrap()
    {
        let failure = AttemptOutcome {
            http_status: Some(503),
            error: None,
            duration_ms: 3,
            success: false,
        };
        let policy = RetryPolicy {
            unit_secs: 60,
            max_attempts: 5,
        };
        assert!(
            store
                .finish_webhook_attempt(d.id, "lease", &failure, policy, now)
                .await
                .unwrap()
        );
    }
    let deliveries = store.list_push_deliveries(agency.id, 10).await.unwrap();
    assert_eq!(deliveries.len(), 2);
    let digests = store.table_digests().await.unwrap();

    store.migrate().await.unwrap();

    assert_eq!(store.table_digests().await.unwrap(), digests, "same rows");
    assert_eq!(
        store.list_push_deliveries(agency.id, 10).await.unwrap(),
        deliveries
    );
    for d in &deliveries {
        assert_eq!(store.list_push_attempts(d.id).await.unwrap().len(), 1);
    }
    let broken = sqlx::query("PRAGMA foreign_key_check")
        .fetch_all(pool)
        .await
        .unwrap();
    assert!(broken.is_empty(), "foreign keys intact");
    let schema: String =
        sqlx::query("SELECT group_concat(sql, ';') AS s FROM sqlite_master WHERE sql IS NOT NULL")
            .fetch_one(pool)
            .await
            .unwrap()
            .try_get("s")
            .unwrap();
    assert!(!schema.contains("_new"), "{schema}");
    assert!(
        schema.contains("REFERENCES \"push_deliveries\"")
            || schema.contains("REFERENCES push_deliveries"),
        "{schema}"
    );
    // references are still enforced
    let orphan = sqlx::query(
        "INSERT INTO push_attempts (delivery_id, at, duration_ms) VALUES (999999, 0, 0)",
    )
    .execute(pool)
    .await;
    assert!(orphan.is_err(), "{orphan:?}");
    // ids continue after the old ones, and the new state is accepted
    let third = publish(&store, agency.id, "第三条", "<p>正文</p>", vec![], t0).await;
    store
        .enqueue_push(
            agency.id,
            third,
            "https://gk.example.test",
            false,
            &admin,
            t0,
        )
        .await
        .unwrap();
    let list = store.list_push_deliveries(agency.id, 10).await.unwrap();
    let max_old = deliveries.iter().map(|d| d.id).max().unwrap();
    assert!(list[0].id > max_old, "{list:?}");
    store
        .transition_item(
            items[0],
            &Transition::Withdraw {
                reason: "内容有误".into(),
            },
            &staff("reviewer"),
            t0,
        )
        .await
        .unwrap();
    let list = store.list_push_deliveries(agency.id, 10).await.unwrap();
    let first = list.iter().find(|d| d.item_id == items[0]).unwrap();
    assert_eq!(first.state, DeliveryState::Cancelled);
    assert_eq!(list.iter().filter(|d| d.target_id == target.id).count(), 3);
    store.close().await;
}
