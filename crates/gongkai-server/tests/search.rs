//! Attachments, full-text search and scheduled publication over HTTP, on SQLite always and on
//! PostgreSQL when `GONGKAI_TEST_POSTGRES_URL` is set: uploads are sniffed and checked, a
//! planted 身份证号 in an attachment blocks publication, search finds published words in
//! bodies and attachments (not a substring of the title) and forgets withdrawn items, and
//! public downloads go only through a published version.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on setup failure by design

mod common;

use common::{TestApp, backends, crawl, planted_resident_id};
use reqwest::StatusCode;

/// An XLSX workbook with these rows.
fn xlsx(rows: &[&[&str]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            sheet
                .write_string(u32::try_from(r).unwrap(), u16::try_from(c).unwrap(), *cell)
                .unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

fn item_id_of(location: &str) -> i64 {
    location
        .trim_start_matches("/console/items/")
        .split('#')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// The first attachment id linked from a console item page.
fn attachment_ids(page: &str) -> Vec<i64> {
    page.split("href=\"/console/attachments/")
        .skip(1)
        .map(|p| p.split('"').next().unwrap().parse().unwrap())
        .collect()
}

async fn api_total(app: &TestApp, q: &str) -> i64 {
    let url = format!("{}/api/v1/search?q={}", app.base, urlencode(q));
    let r = reqwest::get(url).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: serde_json::Value = r.json().await.unwrap();
    v["total"].as_i64().unwrap()
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn attachments_search_and_schedule() {
    for postgres in backends() {
        let app = TestApp::spawn(postgres).await;
        let editor = app.sign_in("demo-editor").await;
        let reviewer = app.sign_in("demo-reviewer").await;
        let dept = app.dept;

        let title = "关于公布二〇二一年第三季度企业开办情况的通知";
        let id = editor
            .create(title, "<p>各有关单位：现将本季度企业开办情况予以公布。</p>")
            .await;

        // Internal links are checked against what is public: a dead one is reported with its
        // spot, a live one is not.
        let linked = editor
            .create(
                "关于转发上级文件的通知",
                &format!(
                    "<p>详见<a href=\"/portal/{dept}/items/999999\">原文件</a>和\
                     <a href=\"/portal/{dept}/columns/department_documents\">部门文件</a>。</p>"
                ),
            )
            .await;
        let (_, page) = editor.get(&format!("/console/items/{linked}")).await;
        // (the page escapes “/” as &#x2f;)
        let dead = format!("链接指向未发布的页面：&#x2f;portal&#x2f;{dept}&#x2f;items&#x2f;999999");
        assert!(page.contains(&dead), "{page}");
        assert_eq!(page.matches("链接指向未发布的页面").count(), 1, "{page}");

        // A file whose content does not match its extension is refused, nothing attached.
        let (status, _, page) = editor
            .upload(
                &format!("/console/items/{id}/attachments"),
                &[("名单.pdf", xlsx(&[&["x"]]))],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("扩展名与文件内容不符"), "{page}");
        assert!(attachment_ids(&page).is_empty());

        // A workbook with a planted resident id blocks submission, with the spot shown masked.
        let id_number = planted_resident_id();
        let (status, location, _) = editor
            .upload(
                &format!("/console/items/{id}/attachments"),
                &[(
                    "开办名单.xlsx",
                    xlsx(&[
                        &["企业名称", "法定代表人", "证件号码"],
                        &["宁夏示例建材有限公司", "张某", &id_number],
                    ]),
                )],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "upload");
        assert_eq!(item_id_of(&location), id);
        let (status, page) = editor.act(id, "submit", "").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("开办名单.xlsx"), "{page}");
        assert!(page.contains("位置："), "{page}");
        assert!(!page.contains(&id_number), "the id number is shown masked");
        let bad = attachment_ids(&page);
        assert_eq!(bad.len(), 1);

        // Replace it with a clean workbook; the old one is removed.
        let (status, _, _) = editor
            .post(
                &format!("/console/items/{id}/attachments/{}/remove", bad[0]),
                &[],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let clean = xlsx(&[
            &["企业名称", "登记机关"],
            &["宁夏示例建材有限公司", "灵武市审批服务管理局"],
        ]);
        let (status, _, _) = editor
            .upload(
                &format!("/console/items/{id}/attachments"),
                &[("开办名单（公开版）.xlsx", clean.clone())],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, page) = editor.get(&format!("/console/items/{id}")).await;
        let ids = attachment_ids(&page);
        assert_eq!(ids.len(), 1, "{page}");
        let file_id = ids[0];
        assert_ne!(file_id, bad[0]);

        // Not public yet: neither the item, nor its file, nor search.
        let public_file = format!("/portal/{dept}/items/{id}/attachments/{file_id}");
        assert_eq!(app.get(&public_file).await.0, StatusCode::NOT_FOUND);
        assert_eq!(api_total(&app, "示例 建材").await, 0);

        assert_eq!(editor.act(id, "submit", "").await.0, StatusCode::SEE_OTHER);
        assert_eq!(
            reviewer.act(id, "approve", "").await.0,
            StatusCode::SEE_OTHER
        );

        // Published: the page links the file, the file downloads, search finds its words.
        let (status, page) = app.get(&format!("/portal/{dept}/items/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains(&public_file), "{page}");
        let r = reqwest::get(format!("{}{public_file}", app.base))
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(
            r.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .contains("filename*=UTF-8''")
        );
        assert_eq!(r.bytes().await.unwrap().as_ref(), clean.as_slice());
        // The removed file was never published.
        assert_eq!(
            app.get(&format!("/portal/{dept}/items/{id}/attachments/{}", bad[0]))
                .await
                .0,
            StatusCode::NOT_FOUND
        );
        // Two words from the attachment, and two words of the body that are not a substring
        // of the title.
        assert_eq!(api_total(&app, "示例 建材").await, 1);
        assert_eq!(api_total(&app, "有关单位 予以公布").await, 1);
        let (status, page) = app
            .get(&format!("/search?q={}", urlencode("企业开办 公布")))
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(
            page.contains(&format!("/portal/{dept}/items/{id}")),
            "{page}"
        );
        assert!(page.contains("<mark>"), "{page}");
        // Bad parameters get a clear message, not an error page.
        let (status, page) = app.get("/search?q=x&year=abc").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("年份应为四位数字"), "{page}");

        // Scheduled publication: not public until the scheduler releases it.
        let later = editor
            .create(
                "关于国庆假期政务服务大厅值班安排的公告",
                "<p>值班电话另行通知。</p>",
            )
            .await;
        assert_eq!(
            editor.act(later, "submit", "").await.0,
            StatusCode::SEE_OTHER
        );
        let (status, _, page) = reviewer
            .post(
                &format!("/console/items/{later}/approve"),
                &[("publish_at", "2000-01-01T08:00")],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("应晚于现在"), "{page}");
        let at = chrono::Utc::now() + chrono::Duration::days(1);
        let local = at
            .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
            .format("%Y-%m-%dT%H:%M")
            .to_string();
        let (status, _, _) = reviewer
            .post(
                &format!("/console/items/{later}/approve"),
                &[("publish_at", local.as_str())],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, page) = editor.get(&format!("/console/items/{later}")).await;
        assert!(page.contains("定时发布"), "{page}");
        assert_eq!(
            app.get(&format!("/portal/{dept}/items/{later}")).await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(api_total(&app, "国庆 值班").await, 0);
        let released = app
            .store
            .release_due(at + chrono::Duration::minutes(1))
            .await
            .unwrap();
        assert_eq!(released, [later]);
        assert_eq!(
            app.get(&format!("/portal/{dept}/items/{later}")).await.0,
            StatusCode::OK
        );
        assert_eq!(api_total(&app, "国庆 值班").await, 1);

        // Withdrawn: gone from search and downloads.
        assert_eq!(
            reviewer.act(id, "withdraw", "名单有误，待核实").await.0,
            StatusCode::SEE_OTHER
        );
        assert_eq!(api_total(&app, "示例 建材").await, 0);
        assert_eq!(app.get(&public_file).await.0, StatusCode::NOT_FOUND);

        // Nothing unpublished anywhere on the public site.
        for (path, body) in crawl(&app).await {
            assert!(!body.contains("宁夏示例建材"), "{path}");
            assert!(!body.contains(&id_number), "{path}");
            assert!(!body.contains("名单有误"), "{path}");
        }
        app.finish().await;
    }
}
