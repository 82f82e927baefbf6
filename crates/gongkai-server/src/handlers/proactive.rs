//! Proactive disclosure (主动公开): the staff console for drafting and reviewing items, and the
//! public catalogue pages. Public pages read only published versions.

use super::{AgencyView, render, serde};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{NaiveDate, Offset, Utc};
use gongkai_agency::Role;
use gongkai_proactive::check::{SensitiveWords, is_publishable};
use gongkai_proactive::{
    Catalogue, CheckContext, ColumnKey, DocumentNumber, Finding, Item, Severity, check_item,
};
use gongkai_store::proactive::{ItemInput, ItemRecord, ProactiveError, StoredVersion, Transition};
use minijinja::context;
use serde::{Deserialize, Serialize};

/// Who drafts, edits and submits items.
pub const ITEM_EDITORS: &[Role] = &[Role::Editor, Role::Reviewer];
/// Who approves, returns and withdraws items.
pub const ITEM_REVIEWERS: &[Role] = &[Role::Reviewer];
/// Who sees the console item pages.
pub const ITEM_STAFF: &[Role] = &[Role::Editor, Role::Reviewer];

impl From<ProactiveError> for AppError {
    fn from(e: ProactiveError) -> Self {
        match e {
            ProactiveError::Store(s) => s.into(),
            ProactiveError::Workflow(w @ gongkai_proactive::TransitionError::ReasonRequired(_)) => {
                Self::Invalid(w.to_string())
            }
            ProactiveError::Workflow(w) => Self::Conflict(w.to_string()),
            ProactiveError::Invalid(m) => Self::Invalid(m),
            e @ ProactiveError::Concurrent => Self::Conflict(e.to_string()),
        }
    }
}

/// An item version as pages show it (also the base of the staff view of any version).
#[derive(Debug, Clone, Serialize)]
pub(super) struct ItemView {
    id: i64,
    version: u32,
    state: String,
    state_label: &'static str,
    index_number: String,
    column_key: String,
    column_name: String,
    title: String,
    publisher: String,
    document_number: String,
    written_on: String,
    published_on: String,
    topic: String,
    disclosure_mode: &'static str,
    scope: String,
    body_html: String,
    author: String,
    reviewer: String,
    reason: String,
    attachments: Vec<AttachmentView>,
    /// When a scheduled version goes public (China time).
    publish_at: String,
}

/// An attachment as pages list it.
#[derive(Debug, Clone, Serialize)]
struct AttachmentView {
    id: Option<i64>,
    file_name: String,
    size: String,
    kind: String,
}

impl AttachmentView {
    fn of(a: &gongkai_proactive::Attachment) -> Self {
        let size = match a.size_bytes {
            Some(n) if n >= 1024 * 1024 => format!("{:.1} MB", n as f64 / 1048576.0),
            Some(n) => format!("{:.1} KB", n as f64 / 1024.0),
            None => String::new(),
        };
        let kind = a
            .media_type
            .as_deref()
            .and_then(gongkai_proactive::attachment::AttachmentKind::from_media_type)
            .map(|k| k.label().to_owned())
            .unwrap_or_default();
        Self {
            id: a.id,
            file_name: a.file_name.clone(),
            size,
            kind,
        }
    }
}

fn date(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

impl ItemView {
    pub(super) fn new(id: i64, v: &StoredVersion, catalogue: &Catalogue) -> Self {
        let i = &v.item;
        Self {
            id,
            version: v.version.number,
            state: format!("{:?}", v.version.state),
            state_label: v.version.state.label(),
            index_number: i.index_number.to_string(),
            column_key: i.column.to_string(),
            column_name: catalogue
                .get(&i.column)
                .map(|c| c.name.clone())
                .unwrap_or_else(|| i.column.to_string()),
            title: i.title.clone(),
            publisher: i.publisher.clone(),
            document_number: i
                .document_number
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            written_on: date(i.written_on),
            published_on: date(i.published_on),
            topic: i.topic.clone().unwrap_or_default(),
            disclosure_mode: i.disclosure_mode.label(),
            scope: i.scope.clone(),
            // Stored bodies are sanitised on write; sanitising again on output costs little.
            body_html: gongkai_proactive::html::sanitize(&i.body_html),
            author: v.version.author.to_string(),
            reviewer: v
                .version
                .reviewer
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            reason: v.version.reason.clone().unwrap_or_default(),
            attachments: i.attachments.iter().map(AttachmentView::of).collect(),
            publish_at: v
                .version
                .publish_at
                .map(|t| {
                    t.with_timezone(&china())
                        .format("%Y-%m-%d %H:%M")
                        .to_string()
                })
                .unwrap_or_default(),
        }
    }
}

/// China Standard Time (UTC+8, no daylight saving).
fn china() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| chrono::Utc.fix())
}

#[derive(Debug, Clone, Serialize)]
struct FindingView {
    blocking: bool,
    severity: &'static str,
    field: &'static str,
    message: String,
    /// The line around the finding with the spot in 【】 (personal data masked).
    excerpt: Option<String>,
}

/// A finding with the text it points into (for the excerpt).
struct Located<'a> {
    finding: Finding,
    text: Option<&'a str>,
}

fn finding_views(findings: &[Located<'_>]) -> Vec<FindingView> {
    findings
        .iter()
        .map(|l| {
            let f = &l.finding;
            FindingView {
                blocking: f.severity == Severity::Block,
                severity: f.severity.label(),
                field: f.field.label(),
                message: f.message.clone(),
                excerpt: l
                    .text
                    .zip(f.span.clone())
                    .and_then(|(text, span)| gongkai_proactive::check::excerpt(text, span, 24)),
            }
        })
        .collect()
}

/// Every pre-publication finding of a version: its fields, and the text of its attachments
/// (loaded from the store), each with the text its span points into.
async fn all_findings<'a>(
    state: &AppState,
    agency_id: i64,
    item: &'a Item,
    catalogue: &Catalogue,
    texts: &'a mut Vec<(String, String, String)>,
) -> Result<Vec<Located<'a>>, AppError> {
    let words = super::words::agency_words(state, agency_id).await?;
    texts.clear();
    for a in &item.attachments {
        let Some(id) = a.id else { continue };
        let Some(meta) = state.store.attachment(id).await? else {
            continue;
        };
        let text = state.store.attachment_text(id).await?.unwrap_or_default();
        texts.push((a.file_name.clone(), meta.text_status, text));
    }
    let host = own_host(state);
    let own_hosts: Vec<&str> = host.iter().map(String::as_str).collect();
    let live = live_paths(state, &item.body_html, &own_hosts).await?;
    let mut out: Vec<Located<'a>> = run_checks(item, catalogue, &words, &own_hosts, &live)
        .into_iter()
        .map(|f| {
            let text = match f.field {
                gongkai_proactive::check::Field::Title => Some(item.title.as_str()),
                gongkai_proactive::check::Field::BodyHtml => Some(item.body_html.as_str()),
                _ => None,
            };
            Located { finding: f, text }
        })
        .collect();
    for (name, status, text) in texts.iter() {
        use gongkai_proactive::attachment::TextStatus;
        match TextStatus::from_key(status) {
            Some(TextStatus::Extracted) | Some(TextStatus::NoText) => {}
            other => {
                let why = other
                    .as_ref()
                    .map(|s| s.label().to_owned())
                    .unwrap_or_else(|| status.clone());
                out.push(Located {
                    finding: Finding {
                        kind: gongkai_proactive::FindingKind::MissingMetadata,
                        severity: Severity::Warn,
                        field: gongkai_proactive::check::Field::Attachments,
                        span: None,
                        message: format!(
                            "附件“{name}”的文字未能检查（{why}），请人工核对其中有无个人信息"
                        ),
                    },
                    text: None,
                });
            }
        }
        for f in gongkai_proactive::check::check_attachment_text(name, text, &words) {
            out.push(Located {
                finding: f,
                text: Some(text.as_str()),
            });
        }
    }
    Ok(out)
}

/// The pre-publication checks of gongkai-proactive on one version, with the agency's 错敏词.
fn run_checks(
    item: &Item,
    catalogue: &Catalogue,
    words: &SensitiveWords,
    own_hosts: &[&str],
    published_paths: &std::collections::HashSet<String>,
) -> Vec<Finding> {
    let is_published = |p: &str| published_paths.contains(p);
    let ctx = CheckContext {
        sensitive_words: words,
        catalogue: Some(catalogue),
        own_hosts,
        is_published: &is_published,
    };
    check_item(item, &ctx)
}

/// The host of the configured public address, for absolute links to the site itself.
fn own_host(state: &AppState) -> Option<String> {
    let base = state.config.public_base_url.as_deref()?;
    let rest = base.split("://").nth(1).unwrap_or(base);
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// The internal paths the body links to that lead somewhere public (the others are dead links
/// for the checks): published items and their attachments, existing agencies and columns, and
/// the site's fixed pages.
async fn live_paths(
    state: &AppState,
    body_html: &str,
    own_hosts: &[&str],
) -> Result<std::collections::HashSet<String>, AppError> {
    let seen = std::cell::RefCell::new(Vec::new());
    let _ = gongkai_proactive::check::find_unpublished_links(
        body_html,
        gongkai_proactive::check::Field::BodyHtml,
        own_hosts,
        &|p: &str| {
            seen.borrow_mut().push(p.to_owned());
            true
        },
    );
    let mut live = std::collections::HashSet::new();
    for path in seen.into_inner() {
        if is_live(state, &path).await? {
            live.insert(path);
        }
    }
    Ok(live)
}

async fn is_live(state: &AppState, path: &str) -> Result<bool, AppError> {
    let bare = path
        .split('?')
        .next()
        .unwrap_or_default()
        .trim_end_matches('/');
    let parts: Vec<&str> = bare.split('/').skip(1).collect();
    let id = |s: &str| s.parse::<i64>().ok();
    Ok(match parts.as_slice() {
        [] | [""] | ["search"] | ["sitemap.xml"] | ["robots.txt"] => true,
        ["static", ..] | ["api", "v1", ..] => true,
        ["portal", a] | ["portal", a, "columns"] | ["portal", a, "feed.atom"] => match id(a) {
            Some(a) => state.store.get_agency(a).await?.is_some(),
            None => false,
        },
        ["portal", a, "columns", c] | ["portal", a, "columns", c, "feed.atom"] => match id(a) {
            Some(a) => state.store.catalogue(a).await?.get_str(c).is_some(),
            None => false,
        },
        ["portal", a, "items", i] => match (id(a), id(i)) {
            (Some(a), Some(i)) => state.store.get_published(a, i).await?.is_some(),
            _ => false,
        },
        ["portal", a, "items", i, "attachments", f] => match (id(a), id(i), id(f)) {
            (Some(a), Some(i), Some(f)) => {
                state.store.published_attachment(a, i, f).await?.is_some()
            }
            _ => false,
        },
        _ => false,
    })
}

pub(super) fn columns_of(catalogue: &Catalogue) -> Vec<minijinja::Value> {
    catalogue
        .columns()
        .iter()
        .map(|c| {
            context! {
                key => c.key.as_str(),
                name => c.name.clone(),
                child => c.parent.is_some(),
            }
        })
        .collect()
}

fn with_status(status: StatusCode, html: Html<String>) -> Response {
    (status, html).into_response()
}

// ---- console ----------------------------------------------------------------------------------

/// The form of a draft.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ItemForm {
    #[serde(default)]
    column: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    document_number: String,
    #[serde(default)]
    written_on: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    body: String,
}

impl ItemForm {
    fn of(v: &StoredVersion) -> Self {
        let i = &v.item;
        Self {
            column: i.column.to_string(),
            title: i.title.clone(),
            document_number: i
                .document_number
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            written_on: date(i.written_on),
            topic: i.topic.clone().unwrap_or_default(),
            body: i.body_html.clone(),
        }
    }

    fn parse(&self, catalogue: &Catalogue) -> Result<ItemInput, Vec<String>> {
        let mut errors = Vec::new();
        let column = match ColumnKey::parse(self.column.trim()) {
            Ok(k) if catalogue.get(&k).is_some() => Some(k),
            _ => {
                errors.push("请选择本机关目录中的栏目。".to_owned());
                None
            }
        };
        if self.title.trim().is_empty() {
            errors.push("标题不能为空。".to_owned());
        }
        let document_number = match self.document_number.trim() {
            "" => None,
            s => match DocumentNumber::parse(s) {
                Ok(n) => Some(n),
                Err(e) => {
                    errors.push(format!("文号：{e}"));
                    None
                }
            },
        };
        let written_on = match self.written_on.trim() {
            "" => None,
            s => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push("成文日期的格式应为 YYYY-MM-DD。".to_owned());
                    None
                }
            },
        };
        match column {
            Some(column) if errors.is_empty() => Ok(ItemInput {
                column,
                title: self.title.trim().to_owned(),
                document_number,
                written_on,
                topic: Some(self.topic.trim().to_owned()).filter(|t| !t.is_empty()),
                body_html: self.body.clone(),
            }),
            _ => Err(errors),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

pub(crate) async fn own_item(
    state: &AppState,
    me: &CurrentUser,
    id: i64,
) -> Result<ItemRecord, AppError> {
    let record = state.store.get_item(id).await?.ok_or(AppError::NotFound)?;
    if record.agency_id != me.user().agency_id {
        return Err(AppError::Forbidden);
    }
    Ok(record)
}

pub async fn items(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Html<String>, AppError> {
    let agency_id = me.user().agency_id;
    let catalogue = state.store.catalogue(agency_id).await?;
    let list: Vec<ItemView> = state
        .store
        .list_items(agency_id)
        .await?
        .iter()
        .map(|(id, v)| ItemView::new(*id, v, &catalogue))
        .collect();
    render(
        &state,
        "proactive_items.html",
        Some(&me),
        context! {
            items => serde(&list),
            can_edit => ITEM_EDITORS.contains(&me.user().role),
        },
    )
}

async fn form_page(
    state: &AppState,
    me: &CurrentUser,
    item_id: Option<i64>,
    form: &ItemForm,
    errors: &[String],
    status: StatusCode,
) -> Result<Response, AppError> {
    let catalogue = state.store.catalogue(me.user().agency_id).await?;
    let html = render(
        state,
        "proactive_form.html",
        Some(me),
        context! {
            item_id => item_id,
            form => serde(form),
            errors => serde(errors),
            columns => columns_of(&catalogue),
            topics => serde(gongkai_proactive::item::STANDARD_TOPICS),
        },
    )?;
    Ok(with_status(status, html))
}

pub async fn item_new_form(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Response, AppError> {
    form_page(&state, &me, None, &ItemForm::default(), &[], StatusCode::OK).await
}

pub async fn item_create(
    State(state): State<AppState>,
    me: CurrentUser,
    Form(form): Form<ItemForm>,
) -> Result<Response, AppError> {
    let agency_id = me.user().agency_id;
    let catalogue = state.store.catalogue(agency_id).await?;
    let input = match form.parse(&catalogue) {
        Ok(i) => i,
        Err(errors) => {
            return form_page(
                &state,
                &me,
                None,
                &form,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let record = state
        .store
        .create_item(agency_id, &input, &me.actor(), Utc::now())
        .await?;
    Ok(Redirect::to(&format!("/console/items/{}", record.id)).into_response())
}

/// The console page of an item, with a notice and status (for other handlers of items).
pub(crate) async fn detail_for(
    state: &AppState,
    me: &CurrentUser,
    record: &ItemRecord,
    notice: Option<&str>,
    status: StatusCode,
) -> Result<Response, AppError> {
    detail_page(state, me, record, notice, status).await
}

async fn detail_page(
    state: &AppState,
    me: &CurrentUser,
    record: &ItemRecord,
    notice: Option<&str>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let catalogue = state.store.catalogue(record.agency_id).await?;
    let latest = record.latest().ok_or(AppError::NotFound)?;
    let mut texts = Vec::new();
    let findings = all_findings(
        state,
        record.agency_id,
        &latest.item,
        &catalogue,
        &mut texts,
    )
    .await?;
    let versions: Vec<ItemView> = record
        .versions
        .iter()
        .rev()
        .map(|v| ItemView::new(record.id, v, &catalogue))
        .collect();
    let role = me.user().role;
    let latest_state = latest.version.state;
    use gongkai_proactive::State as S;
    let html = render(
        state,
        "proactive_item.html",
        Some(me),
        context! {
            item => serde(ItemView::new(record.id, latest, &catalogue)),
            versions => serde(&versions),
            findings => serde(finding_views(&findings)),
            notice => notice,
            live => record.live().is_some(),
            form => serde(ItemForm::of(latest)),
            columns => columns_of(&catalogue),
            topics => serde(gongkai_proactive::item::STANDARD_TOPICS),
            can_edit => ITEM_EDITORS.contains(&role)
                && matches!(latest_state, S::Draft | S::Returned | S::Published | S::Withdrawn | S::Superseded),
            can_submit => ITEM_EDITORS.contains(&role) && latest_state == S::Draft,
            can_review => ITEM_REVIEWERS.contains(&role) && latest_state == S::PendingReview,
            can_recall => ITEM_EDITORS.contains(&role)
                && matches!(latest_state, S::PendingReview | S::Scheduled),
            can_attach => ITEM_EDITORS.contains(&role)
                && matches!(latest_state, S::Draft | S::Returned | S::Published | S::Withdrawn | S::Superseded),
            attachment_limit_mb => state.config.attachment_limit / (1024 * 1024),
            can_withdraw => ITEM_REVIEWERS.contains(&role) && record.live().is_some(),
            can_push => super::push::PUSHERS.contains(&role) && record.live().is_some(),
        },
    )?;
    Ok(with_status(status, html))
}

pub async fn item_detail(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let record = own_item(&state, &me, id).await?;
    detail_page(&state, &me, &record, None, StatusCode::OK).await
}

pub async fn item_update(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<ItemForm>,
) -> Result<Response, AppError> {
    let record = own_item(&state, &me, id).await?;
    let catalogue = state.store.catalogue(record.agency_id).await?;
    let input = match form.parse(&catalogue) {
        Ok(i) => i,
        Err(errors) => {
            return form_page(
                &state,
                &me,
                Some(id),
                &form,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    state
        .store
        .edit_item(id, &input, &me.actor(), Utc::now())
        .await?;
    Ok(Redirect::to(&format!("/console/items/{id}")).into_response())
}

/// Runs the pre-publication checks on the working version; `Some(response)` when a blocking
/// finding stops the transition.
async fn blocked(
    state: &AppState,
    me: &CurrentUser,
    record: &ItemRecord,
    what: &str,
) -> Result<Option<Response>, AppError> {
    let catalogue = state.store.catalogue(record.agency_id).await?;
    let latest = record.latest().ok_or(AppError::NotFound)?;
    let mut texts = Vec::new();
    let findings: Vec<Finding> = all_findings(
        state,
        record.agency_id,
        &latest.item,
        &catalogue,
        &mut texts,
    )
    .await?
    .into_iter()
    .map(|l| l.finding)
    .collect();
    if is_publishable(&findings) {
        return Ok(None);
    }
    let notice = format!("发布前检查发现禁止发布的问题，不能{what}，请修改后重试。");
    detail_page(
        state,
        me,
        record,
        Some(&notice),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
    .map(Some)
}

async fn transition(
    state: &AppState,
    me: &CurrentUser,
    id: i64,
    t: Transition,
) -> Result<Response, AppError> {
    let record = own_item(state, me, id).await?;
    let check = match t {
        Transition::Submit => Some("提交审核"),
        Transition::Approve { .. } => Some("审核通过"),
        _ => None,
    };
    if let Some(what) = check
        && let Some(resp) = blocked(state, me, &record, what).await?
    {
        return Ok(resp);
    }
    let after = state
        .store
        .transition_item(id, &t, &me.actor(), Utc::now())
        .await?;
    if matches!(t, Transition::Approve { .. }) && after.live().is_some() {
        super::push::auto_push(state, me, after.agency_id, id).await;
    }
    Ok(Redirect::to(&format!("/console/items/{id}")).into_response())
}

pub async fn item_submit(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    transition(&state, &me, id, Transition::Submit).await
}

/// The approve form: an optional time of publication (定时发布), China time.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ApproveForm {
    #[serde(default)]
    publish_at: String,
}

impl ApproveForm {
    /// `None`: publish now. Accepts `YYYY-MM-DDTHH:MM` (the datetime-local field) or with a space.
    fn publish_at(
        &self,
        now: chrono::DateTime<Utc>,
    ) -> Result<Option<chrono::DateTime<Utc>>, String> {
        let s = self.publish_at.trim();
        if s.is_empty() {
            return Ok(None);
        }
        let parsed = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
            .iter()
            .find_map(|f| chrono::NaiveDateTime::parse_from_str(s, f).ok())
            .ok_or_else(|| "定时发布时间的格式应为 YYYY-MM-DD HH:MM。".to_owned())?;
        let at = parsed
            .and_local_timezone(china())
            .single()
            .ok_or_else(|| "定时发布时间无效。".to_owned())?
            .with_timezone(&Utc);
        if at <= now {
            return Err("定时发布时间应晚于现在；立即发布请留空。".to_owned());
        }
        Ok(Some(at))
    }
}

pub async fn item_approve(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<ApproveForm>,
) -> Result<Response, AppError> {
    match form.publish_at(Utc::now()) {
        Ok(publish_at) => transition(&state, &me, id, Transition::Approve { publish_at }).await,
        Err(message) => {
            let record = own_item(&state, &me, id).await?;
            detail_page(
                &state,
                &me,
                &record,
                Some(&message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// Takes a version back from review or from its schedule.
pub async fn item_recall(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    transition(&state, &me, id, Transition::Recall).await
}

pub async fn item_return(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<ReasonForm>,
) -> Result<Response, AppError> {
    let t = Transition::Return {
        reason: form.reason,
    };
    transition(&state, &me, id, t).await
}

pub async fn item_withdraw(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<ReasonForm>,
) -> Result<Response, AppError> {
    let t = Transition::Withdraw {
        reason: form.reason,
    };
    transition(&state, &me, id, t).await
}

// ---- portal -----------------------------------------------------------------------------------

pub(super) async fn load_agency(state: &AppState, id: i64) -> Result<AgencyView, AppError> {
    let all = state.store.list_agencies().await?;
    let a = all.iter().find(|a| a.id == id).ok_or(AppError::NotFound)?;
    Ok(AgencyView::new(a, &all, 0))
}

pub async fn portal_columns(
    State(state): State<AppState>,
    Path(agency_id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let agency = load_agency(&state, agency_id).await?;
    let catalogue = state.store.catalogue(agency_id).await?;
    render(
        &state,
        "portal_item_columns.html",
        None,
        context! { agency => serde(&agency), columns => columns_of(&catalogue) },
    )
}

pub async fn portal_item(
    State(state): State<AppState>,
    Path((agency_id, item_id)): Path<(i64, i64)>,
) -> Result<Html<String>, AppError> {
    let agency = load_agency(&state, agency_id).await?;
    let version = state
        .store
        .get_published(agency_id, item_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let catalogue = state.store.catalogue(agency_id).await?;
    let view = ItemView::new(item_id, &version, &catalogue);
    render(
        &state,
        "portal_item.html",
        None,
        context! { agency => serde(&agency), item => serde(&view) },
    )
}
