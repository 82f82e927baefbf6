//! Console features of proactive disclosure over HTTP, on SQLite always and on PostgreSQL when
//! `GONGKAI_TEST_POSTGRES_URL` is set: catalogue editing, the agency's 错敏词 list in the
//! pre-publication checks, the staff view of earlier versions, the yearly statistics, and the
//! import of an existing catalogue (GBK CSV, all or nothing, idempotent).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on setup failure by design

mod common;

use chrono::Datelike;
use common::{NEW_PASSWORD, Session, TestApp, backends, crawl};
use gongkai_agency::Role;
use gongkai_store::{Actor, AuditFilter, NewUser};
use reqwest::StatusCode;

async fn actions_since(app: &TestApp, after: i64) -> Vec<String> {
    let mut log = app
        .store
        .list_audit(&AuditFilter {
            limit: 10_000,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    log.retain(|r| r.id > after);
    log.reverse();
    log.into_iter().map(|r| r.action).collect()
}

async fn last_audit_id(app: &TestApp) -> i64 {
    app.store
        .list_audit(&AuditFilter {
            limit: 1,
            ..AuditFilter::default()
        })
        .await
        .unwrap()
        .first()
        .map_or(0, |r| r.id)
}

/// Posts a file as `multipart/form-data` with the session's CSRF token first.
async fn upload(s: &Session, path: &str, file_name: &str, bytes: &[u8]) -> (StatusCode, String) {
    let b = "----gongkai-test-boundary-7d1f";
    let mut body = Vec::new();
    body.extend(
        format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{}\r\n",
            s.csrf
        )
        .as_bytes(),
    );
    body.extend(
        format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend(format!("\r\n--{b}--\r\n").as_bytes());
    let r = s
        .client
        .post(format!("{}{path}", s.base))
        .header("content-type", format!("multipart/form-data; boundary={b}"))
        .body(body)
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

fn token_of(html: &str) -> String {
    let marker = "name=\"token\" value=\"";
    let start = html.find(marker).expect("preview has a confirm form") + marker.len();
    html[start..start + 32].to_owned()
}

/// Order of the column names as the catalogue page lists them.
fn positions(page: &str, names: &[&str]) -> Vec<usize> {
    names
        .iter()
        .map(|n| {
            page.find(&format!("{n}</th>"))
                .unwrap_or_else(|| panic!("{n} missing"))
        })
        .collect()
}

#[tokio::test]
async fn catalogue_add_rename_move_and_delete_only_when_unused() {
    for postgres in backends() {
        let app = TestApp::spawn_with(postgres, |c| c.demo_items = false).await;
        let admin = app.sign_in("demo-admin").await;
        let editor = app.sign_in("demo-editor").await;
        let before = last_audit_id(&app).await;

        let (status, page) = admin.get("/console/catalogue").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("部门文件</th>") && page.contains("其他</th>"));
        // editors do not edit the catalogue
        assert_eq!(
            editor.get("/console/catalogue").await.0,
            StatusCode::FORBIDDEN
        );

        let (status, loc, _) = admin
            .post(
                "/console/catalogue/add",
                &[("name", "人事信息"), ("key", "")],
            )
            .await;
        assert_eq!(
            (status, loc.as_str()),
            (StatusCode::SEE_OTHER, "/console/catalogue")
        );
        let (status, _, page) = admin
            .post("/console/catalogue/add", &[("name", "部门文件")])
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("栏目名称“部门文件”已存在"), "{page}");
        assert!(page.contains("aria-describedby=\"add-error\""));
        let (status, _, page) = admin
            .post(
                "/console/catalogue/add",
                &[("name", "乙"), ("key", "Bad Key")],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("栏目标识“Bad Key”无效"), "{page}");

        let (status, _, _) = admin
            .post(
                "/console/catalogue/rename",
                &[("key", "col-1"), ("name", "人事任免")],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, page) = admin.get("/console/catalogue").await;
        let p = positions(&page, &["其他", "人事任免"]);
        assert!(p[0] < p[1]);
        let (status, _, _) = admin
            .post(
                "/console/catalogue/move",
                &[("key", "col-1"), ("direction", "up")],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, page) = admin.get("/console/catalogue").await;
        let p = positions(&page, &["其他", "人事任免"]);
        assert!(p[1] < p[0], "moved up before 其他");
        // the portal shows the renamed column in its new place
        let (_, portal) = app.get(&format!("/portal/{}/columns", app.dept)).await;
        let (a, b) = (
            portal.find("人事任免").unwrap(),
            portal.find(">其他<").unwrap(),
        );
        assert!(a < b);

        // a column with items cannot be deleted
        editor.create("关于印发某办法的通知", "<p>正文</p>").await;
        let (status, _, page) = admin
            .post(
                "/console/catalogue/delete",
                &[("key", "department_documents")],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page.contains("栏目“部门文件”中还有 1 个信息版本") && page.contains("不能删除"),
            "{page}"
        );
        assert!(page.contains("部门文件</th>"));
        let (status, _, _) = admin
            .post("/console/catalogue/delete", &[("key", "col-1")])
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, page) = admin.get("/console/catalogue").await;
        assert!(!page.contains("人事任免"));

        let actions = actions_since(&app, before).await;
        assert_eq!(
            actions,
            [
                "catalogue.column_add",
                "catalogue.column_rename",
                "catalogue.column_move",
                "item.create",
                "catalogue.column_delete"
            ]
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn the_agencys_sensitive_words_block_or_warn_on_publication() {
    for postgres in backends() {
        let app = TestApp::spawn_with(postgres, |c| c.demo_items = false).await;
        let editor = app.sign_in("demo-editor").await;
        let reviewer = app.sign_in("demo-reviewer").await;

        // the demo bureau starts with its own short list
        let (status, page) = reviewer.get("/console/sensitive-words").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("法制政府 =&gt; 法治政府"), "{page}");

        // a bad list is refused line by line and nothing is stored
        let before = last_audit_id(&app).await;
        let (status, _, page) = reviewer
            .post(
                "/console/sensitive-words",
                &[("words", "内部资料\n!\n甲 => 甲\n内部资料\n")],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("第 2 行：词条为空"), "{page}");
        assert!(page.contains("第 3 行：建议用词与词语“甲”相同"), "{page}");
        assert!(
            page.contains("第 4 行：词语“内部资料”与第 1 行重复"),
            "{page}"
        );
        assert!(page.contains("aria-invalid=\"true\""));
        assert!(actions_since(&app, before).await.is_empty());

        // a word the agency adds blocks submission
        let list = "法制政府 => 法治政府\n!内部资料\n";
        let (status, loc, _) = reviewer
            .post("/console/sensitive-words", &[("words", list)])
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(loc, "/console/sensitive-words?saved=1");
        assert_eq!(actions_since(&app, before).await, ["sensitive_words.set"]);
        let blocked = editor
            .create("关于内部资料管理的通知", "<p>本件为内部资料。</p>")
            .await;
        let (status, page) = editor.act(blocked, "submit", "").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("含有敏感词“内部资料”"), "{page}");
        assert!(page.contains("不能提交审核"), "{page}");

        // a mistaken word only warns: submission and approval go through
        let warned = editor
            .create("关于推进法制政府建设的通知", "<p>加快建设法制政府。</p>")
            .await;
        let (_, page) = editor.get(&format!("/console/items/{warned}")).await;
        assert!(
            page.contains("疑似错词“法制政府”，应为“法治政府”"),
            "{page}"
        );
        assert_eq!(
            editor.act(warned, "submit", "").await.0,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            reviewer.act(warned, "approve", "").await.0,
            StatusCode::SEE_OTHER
        );

        // once the agency removes the word, the first item may be submitted
        let (status, _, _) = reviewer
            .post("/console/sensitive-words", &[("words", "# 暂无\n")])
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(
            editor.act(blocked, "submit", "").await.0,
            StatusCode::SEE_OTHER
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn staff_see_earlier_versions_and_nobody_else_does() {
    for postgres in backends() {
        let app = TestApp::spawn_with(postgres, |c| c.demo_items = false).await;
        let editor = app.sign_in("demo-editor").await;
        let reviewer = app.sign_in("demo-reviewer").await;
        let id = editor
            .create("第一版标题VERSIONONE", "<p>第一版正文BODYONE</p>")
            .await;
        assert_eq!(editor.act(id, "submit", "").await.0, StatusCode::SEE_OTHER);
        assert_eq!(
            reviewer.act(id, "approve", "").await.0,
            StatusCode::SEE_OTHER
        );
        let (status, _, _) = editor
            .post(
                &format!("/console/items/{id}"),
                &[
                    ("column", "department_documents"),
                    ("title", "第二版标题VERSIONTWO"),
                    ("document_number", "灵审管发〔2021〕12号"),
                    ("written_on", "2021-03-01"),
                    ("topic", "综合政务"),
                    ("body", "<p>第二版正文BODYTWO</p>"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);

        let (_, page) = editor.get(&format!("/console/items/{id}")).await;
        assert!(page.contains(&format!("href=\"/console/items/{id}/versions/1\"")));
        assert!(page.contains(&format!("href=\"/console/items/{id}/versions/2\"")));
        let v1 = format!("/console/items/{id}/versions/1");
        let (status, page) = reviewer.get(&v1).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("第一版标题VERSIONONE") && page.contains("BODYONE"));
        assert!(page.contains("已发布") && page.contains("demo-reviewer"));
        assert!(page.contains("灵审管发〔2021〕12号") && page.contains("综合政务"));
        let (status, page) = editor.get(&format!("/console/items/{id}/versions/2")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("VERSIONTWO") && page.contains("草稿"));
        assert!(!page.contains("BODYONE"));
        assert_eq!(
            editor
                .get(&format!("/console/items/{id}/versions/3"))
                .await
                .0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            editor
                .get(&format!("/console/items/{id}/versions/x"))
                .await
                .0,
            StatusCode::NOT_FOUND
        );

        // the public is sent to the sign-in page; staff of another agency are refused
        let (status, page) = app.get(&v1).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(!page.contains("VERSIONONE"));
        let agencies = app.store.list_agencies().await.unwrap();
        let other = agencies.iter().find(|a| a.name == "灵武市教育局").unwrap();
        app.store
            .create_user(
                &NewUser {
                    agency_id: other.id,
                    login: "edu-editor".into(),
                    display_name: "教育局信息员".into(),
                    role: Role::Editor,
                    password_hash: gongkai_server::auth::hash_password(NEW_PASSWORD.into())
                        .await
                        .unwrap(),
                    must_change_password: false,
                },
                &Actor::system(),
            )
            .await
            .unwrap();
        let outsider = app.sign_in("edu-editor").await;
        let (status, page) = outsider.get(&v1).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(!page.contains("VERSIONONE"));

        // the portal shows the published version and never links to versions
        let (status, page) = app.get(&format!("/portal/{}/items/{id}", app.dept)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("VERSIONONE") && !page.contains("VERSIONTWO"));
        for (path, body) in crawl(&app).await {
            assert!(!body.contains("/versions/"), "{path} links to a version");
            assert!(!body.contains("VERSIONTWO"), "{path} shows the draft");
        }
        app.finish().await;
    }
}

const HEADER: &str =
    "索引号,标题,发文字号,成文日期,发布日期,栏目,主题分类,文件类型,有效性,废止日期,内容摘要\n";

fn old_catalogue(bad_row: bool) -> String {
    let date = if bad_row {
        "2021年2月30日"
    } else {
        "2021年3月30日"
    };
    format!(
        "{HEADER}\
         ,关于印发灵武市政务服务事项清单的通知IMPORTONE,灵审管发〔2021〕3号,2021年2月20日,2021年3月1日,部门文件,综合政务,行政规范性文件,有效,,政务服务事项清单正文摘要\n\
         ,灵武市审批服务管理局2020年工作总结IMPORTTWO,,,{date},重点工作,综合政务,,,,\n\
         ,关于废止某办法的通知IMPORTTHREE,灵审管发〔2019〕1号,2019/5/1,2019/5/6,部门文件,综合政务,行政规范性文件,废止,2021-06-30,\n"
    )
}

#[tokio::test]
async fn import_of_a_gbk_catalogue_is_all_or_nothing_and_idempotent() {
    for postgres in backends() {
        let app = TestApp::spawn_with(postgres, |c| c.demo_items = false).await;
        let reviewer = app.sign_in("demo-reviewer").await;
        let editor = app.sign_in("demo-editor").await;
        let dept = app.dept;
        let count = || async { app.store.list_items(dept).await.unwrap().len() };

        // editors may not import (the rows are published at once)
        assert_eq!(
            editor.get("/console/items/import").await.0,
            StatusCode::FORBIDDEN
        );
        let (status, page) = reviewer.get("/console/items/import").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("enctype=\"multipart/form-data\""));

        // a GBK file with one bad row: the row error is shown and nothing is imported
        let before = last_audit_id(&app).await;
        let bad = encoding_rs::GB18030
            .encode(&old_catalogue(true))
            .0
            .into_owned();
        let (status, page) = upload(&reviewer, "/console/items/import", "old.csv", &bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
        assert!(page.contains("gb18030"), "{page}");
        assert!(
            page.contains("<td>第 3 行</td><td>发布日期</td><td>“2021年2月30日”不是有效日期"),
            "{page}"
        );
        assert!(page.contains("整个文件都不会导入"));
        assert!(!page.contains("name=\"token\""));
        assert_eq!(count().await, 0);
        assert!(actions_since(&app, before).await.is_empty());

        // without a file, or not as multipart: the form again with the reason
        let (status, _, page) = reviewer.post("/console/items/import", &[]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("请选择要上传的目录文件"), "{page}");

        // the fixed file: preview, confirm, published in its portal column
        let good = encoding_rs::GB18030
            .encode(&old_catalogue(false))
            .0
            .into_owned();
        let (status, page) = upload(&reviewer, "/console/items/import", "old.csv", &good).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("确认导入 3 条信息"), "{page}");
        assert_eq!(count().await, 0, "a preview imports nothing");
        let token = token_of(&page);
        // only the uploader confirms
        let (status, _, _) = editor
            .post("/console/items/import/confirm", &[("token", &token)])
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _, page) = reviewer
            .post("/console/items/import/confirm", &[("token", &token)])
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("已导入 3 条信息"), "{page}");
        assert_eq!(count().await, 3);
        let actions = actions_since(&app, before).await;
        assert_eq!(
            actions,
            [
                "items.import_upload",
                "item.import",
                "item.import",
                "item.import",
                "items.import"
            ]
        );
        let (_, column) = app
            .get(&format!("/portal/{dept}/columns/department_documents"))
            .await;
        assert!(column.contains("IMPORTONE") && column.contains("IMPORTTHREE"));
        assert!(column.contains("2021-03-01"));
        let (_, column) = app.get(&format!("/portal/{dept}/columns/key_work")).await;
        assert!(column.contains("IMPORTTWO"));
        // imported by the reviewer, published, with the import as the reason
        let items = app.store.list_items(dept).await.unwrap();
        for (_, v) in &items {
            assert_eq!(v.version.state, gongkai_proactive::State::Published);
            assert_eq!(v.version.author.as_str(), "demo-reviewer");
            assert!(v.version.reason.as_deref().unwrap().contains("old.csv"));
            assert!(
                v.item
                    .index_number
                    .to_string()
                    .starts_with("11640181MB0000002")
            );
        }

        // the same confirmation twice does nothing
        let (status, _, page) = reviewer
            .post("/console/items/import/confirm", &[("token", &token)])
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(page.contains("已经导入过"), "{page}");
        // re-importing the same file adds nothing
        let (status, page) = upload(&reviewer, "/console/items/import", "old.csv", &good).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("都已存在"), "{page}");
        assert_eq!(page.matches("已存在，跳过").count(), 3);
        let (status, _, page) = reviewer
            .post(
                "/console/items/import/confirm",
                &[("token", &token_of_any(&page))],
            )
            .await;
        // no confirm form is offered; a forged token finds nothing
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
        assert_eq!(count().await, 3);

        // statistics count what was published: two items in 2021, table 二 from the rows
        let (status, page) = reviewer.get("/console/statistics?year=2021").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains("<th scope=\"row\">部门文件</th><td>1</td><td>1</td>"),
            "{page}"
        );
        assert!(page.contains("<th scope=\"row\">重点工作</th><td>1</td><td>1</td>"));
        assert!(page.contains("<th scope=\"row\">合计</th><td>2</td><td>2</td>"));
        // 行政规范性文件: issued 2021 (one), repealed 2021 (one), in force at the end (one)
        assert!(
            page.contains("<th scope=\"row\">行政规范性文件</th><td>1</td><td>1</td><td>1</td>"),
            "{page}"
        );
        let (status, page) = reviewer.get("/console/statistics?year=2019").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("<th scope=\"row\">部门文件</th><td>1</td><td>1</td>"));
        assert!(
            page.contains("<th scope=\"row\">行政规范性文件</th><td>1</td><td>0</td><td>1</td>")
        );
        let (status, csv) = reviewer.get("/console/statistics.csv?year=2021").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            csv.contains("部门文件,1,1") && csv.contains("行政规范性文件,1,1,1"),
            "{csv}"
        );
        assert_eq!(
            reviewer.get("/console/statistics?year=21").await.0,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        app.finish().await;
    }
}

/// The token of a confirm form if there is one, else a made-up one.
fn token_of_any(html: &str) -> String {
    if html.contains("name=\"token\"") {
        token_of(html)
    } else {
        "0".repeat(32)
    }
}

#[tokio::test]
async fn statistics_count_items_published_through_the_review() {
    for postgres in backends() {
        let app = TestApp::spawn_with(postgres, |c| c.demo_items = false).await;
        let editor = app.sign_in("demo-editor").await;
        let reviewer = app.sign_in("demo-reviewer").await;
        let year = gongkai_store::proactive::china_date(chrono::Utc::now()).year();
        let mut published = 0;
        for n in 0..3 {
            let id = editor.create(&format!("统计测试{n}"), "<p>正文</p>").await;
            if n < 2 {
                assert_eq!(editor.act(id, "submit", "").await.0, StatusCode::SEE_OTHER);
                assert_eq!(
                    reviewer.act(id, "approve", "").await.0,
                    StatusCode::SEE_OTHER
                );
                published += 1;
            }
        }
        let (status, page) = editor
            .get(&format!("/console/statistics?year={year}"))
            .await;
        assert_eq!(status, StatusCode::OK);
        let row =
            format!("<th scope=\"row\">部门文件</th><td>{published}</td><td>{published}</td>");
        assert!(page.contains(&row), "{page}");
        assert!(page.contains("政府网站"));
        assert!(
            page.contains("推送到自治区、市等上级平台的信息：0 条"),
            "{page}"
        );
        let (_, page) = editor
            .get(&format!("/console/statistics?year={}", year - 1))
            .await;
        assert!(page.contains("<th scope=\"row\">部门文件</th><td>0</td><td>0</td>"));
        app.finish().await;
    }
}

/// The counts of a row of a statistics table on the page: the cells after its row header.
fn page_row(page: &str, label: &str) -> Vec<f64> {
    let start = page
        .find(&format!("<th scope=\"row\">{label}</th>"))
        .unwrap_or_else(|| panic!("no row {label}: {page}"));
    let row = &page[start..];
    let row = &row[..row.find("</tr>").unwrap()];
    row.split("<td>")
        .skip(1)
        .map(|c| c.split("</td>").next().unwrap().parse().unwrap())
        .collect()
}

/// The numbers of the first sheet row whose first cell is `label`.
fn sheet_row(rows: &[Vec<calamine::Data>], label: &str) -> Vec<f64> {
    let row = rows
        .iter()
        .find(|r| r.first().is_some_and(|c| *c == label))
        .unwrap_or_else(|| panic!("no row {label}: {rows:?}"));
    row.iter()
        .skip(1)
        .filter_map(|c| match c {
            calamine::Data::Float(f) => Some(*f),
            calamine::Data::Int(i) => Some(*i as f64),
            _ => None,
        })
        .collect()
}

/// Issue 4: the statistics page's “下载 Excel” gives the same tables as an XLSX workbook.
#[tokio::test]
async fn statistics_download_as_excel_holds_the_numbers_of_the_page() {
    use calamine::Reader;
    for postgres in backends() {
        // the demo bureau's items of 2021
        let app = TestApp::spawn(postgres).await;
        let editor = app.sign_in("demo-editor").await;
        let (status, page) = editor.get("/console/statistics?year=2021").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains("<a href=\"/console/statistics.xlsx?year=2021\">下载 Excel</a>"),
            "{page}"
        );
        let r = editor
            .get_response("/console/statistics.xlsx?year=2021")
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(
            r.headers()["content-type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        // RFC 6266 / 5987: an ASCII fallback and the Chinese name percent-encoded in UTF-8
        let disposition = r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_owned();
        let (fallback, encoded) = disposition
            .split_once("; filename*=UTF-8''")
            .unwrap_or_else(|| panic!("{disposition}"));
        assert_eq!(fallback, "attachment; filename=\"statistics-2021.xlsx\"");
        let name_bytes: Vec<u8> = {
            let mut out = Vec::new();
            let mut bytes = encoded.bytes();
            while let Some(b) = bytes.next() {
                if b == b'%' {
                    let hex = [bytes.next().unwrap(), bytes.next().unwrap()];
                    out.push(u8::from_str_radix(std::str::from_utf8(&hex).unwrap(), 16).unwrap());
                } else {
                    assert!(
                        b.is_ascii_alphanumeric() || b".-_".contains(&b),
                        "{encoded}"
                    );
                    out.push(b);
                }
            }
            out
        };
        assert_eq!(
            String::from_utf8(name_bytes).unwrap(),
            "主动公开统计-2021.xlsx"
        );

        let bytes = r.bytes().await.unwrap().to_vec();
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let sheet = book.worksheet_range("主动公开统计").unwrap();
        let rows: Vec<Vec<calamine::Data>> = sheet.rows().map(<[_]>::to_vec).collect();
        let text = |r: usize, c: usize| rows[r].get(c).map(ToString::to_string).unwrap_or_default();
        assert_eq!(text(0, 0), "2021 年主动公开信息统计");
        let header = rows
            .iter()
            .position(|r| r.first().is_some_and(|c| *c == "栏目"))
            .unwrap();
        assert_eq!(
            [text(header, 1), text(header, 2)],
            ["政府网站".to_owned(), "合计".to_owned()]
        );
        // the total of the year, as the page shows it, and it is not nothing
        let total = page_row(&page, "合计");
        assert!(total[1] > 0.0, "{total:?}");
        assert_eq!(sheet_row(&rows, "合计"), total);
        // every column of the catalogue, in the page's order, with its counts
        let page_columns: Vec<(String, Vec<f64>)> = page
            .split("<tr><th scope=\"row\">")
            .skip(1)
            .map(|r| {
                let name = r.split("</th>").next().unwrap();
                let name = name.trim_start_matches("　└ ").to_owned();
                (
                    name.clone(),
                    page_row(&page, r.split("</th>").next().unwrap()),
                )
            })
            .take_while(|(n, _)| n != "合计")
            .collect();
        let sheet_columns: Vec<(String, Vec<f64>)> = rows[header + 1..]
            .iter()
            .map(|r| {
                (
                    r[0].to_string(),
                    sheet_row(std::slice::from_ref(r), &r[0].to_string()),
                )
            })
            .take_while(|(n, _)| n != "合计")
            .collect();
        assert!(page_columns.len() >= 13, "{page_columns:?}");
        assert_eq!(sheet_columns, page_columns);
        // pushed items, and table 二 (一)
        let pushed: f64 = page
            .split("上级平台的信息：")
            .nth(1)
            .and_then(|s| s.split(" 条").next())
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            sheet_row(&rows, "本年推送到自治区、市等上级平台的信息（条）"),
            [pushed]
        );
        for label in ["规章", "行政规范性文件"] {
            assert_eq!(sheet_row(&rows, label), page_row(&page, label), "{label}");
        }
        assert!(
            rows.iter()
                .any(|r| r.get(1).is_some_and(|c| *c == "本年制发件数"))
        );
        // a bad year: the same answer as the page
        let r = editor
            .get_response("/console/statistics.xlsx?year=21")
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        app.finish().await;
    }
}
