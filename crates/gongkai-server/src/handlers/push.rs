//! 推送: the console page of push targets and deliveries, the push button of a published item,
//! and the outbox API that platforms pull.
//!
//! Outbox protocol: `GET /api/v1/push/outbox/{target_id}?after=<cursor>` with
//! `Authorization: Bearer <secret>`. The answer lists the pending items after the cursor in
//! order (at most 100), each with its cursor, and `next_cursor`. Sending `after=N` acknowledges
//! everything up to N: those deliveries are marked delivered. A platform therefore stores a page,
//! then asks for the next one with the page's `next_cursor`; a page it lost is served again.
//! A missing or wrong token, an unknown or disabled target: 401 without data.

use super::{format_time, render, serde};
use crate::AppState;
use crate::auth::{self, ADMINS, CurrentUser};
use crate::error::AppError;
use crate::handlers::proactive::ITEM_EDITORS;
use axum::Json;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use gongkai_agency::Role;
use gongkai_store::push::{Delivery, NewPushTarget, OutboxEntry, PushTarget, TargetKind};
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Who sees the push page.
pub const PUSH_VIEWERS: &[Role] = &[
    Role::Editor,
    Role::Reviewer,
    Role::AgencyAdmin,
    Role::SystemAdmin,
];
/// Who pushes published items and retries failed deliveries (the item staff).
pub const PUSHERS: &[Role] = ITEM_EDITORS;
/// Who manages the push targets (the agency's administrators).
pub const PUSH_ADMINS: &[Role] = ADMINS;

/// Deliveries shown on the console page.
const LOG_SIZE: i64 = 100;
/// Items per outbox page.
const OUTBOX_PAGE: i64 = 100;

#[derive(Debug, Clone, Serialize)]
struct TargetView {
    id: i64,
    name: String,
    kind: &'static str,
    kind_label: &'static str,
    url: String,
    enabled: bool,
    auto_push: bool,
    created_at: String,
}

impl TargetView {
    fn new(t: &PushTarget) -> Self {
        Self {
            id: t.id,
            name: t.name.clone(),
            kind: t.kind.key(),
            kind_label: t.kind.label(),
            url: t.url.clone().unwrap_or_default(),
            enabled: t.enabled,
            auto_push: t.auto_push,
            created_at: format_time(t.created_at),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
struct AttemptView {
    at: String,
    result: String,
    duration_ms: i64,
}

#[derive(Debug, Clone, Serialize)]
struct DeliveryView {
    id: i64,
    target_name: String,
    item_id: i64,
    version: i64,
    index_number: String,
    title: String,
    state: &'static str,
    state_label: &'static str,
    attempts: i64,
    next_attempt_at: String,
    last_error: String,
    created_at: String,
    delivered_at: String,
    log: Vec<AttemptView>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct TargetForm {
    name: String,
    kind: String,
    url: String,
    auto_push: String,
}

impl TargetForm {
    fn parse(&self) -> Result<NewPushTarget, BTreeMap<&'static str, String>> {
        let mut errors = BTreeMap::new();
        let name = self.name.trim();
        if name.is_empty() {
            errors.insert("name", "名称：不能为空".to_owned());
        } else if name.chars().count() > 100 {
            errors.insert("name", "名称：不能超过 100 个字".to_owned());
        }
        let kind = TargetKind::parse(self.kind.trim());
        if kind.is_none() {
            errors.insert("kind", "推送方式：请选择主动推送或平台拉取".to_owned());
        }
        let url = self.url.trim();
        let url = match kind {
            Some(TargetKind::Webhook) => match reqwest::Url::parse(url) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
                    Some(u.to_string())
                }
                _ => {
                    errors.insert(
                        "url",
                        "接收地址：主动推送须填写以 http:// 或 https:// 开头的完整地址".to_owned(),
                    );
                    None
                }
            },
            _ => None,
        };
        match kind {
            Some(kind) if errors.is_empty() => Ok(NewPushTarget {
                name: name.to_owned(),
                kind,
                url,
                auto_push: !self.auto_push.is_empty(),
            }),
            _ => Err(errors),
        }
    }
}

async fn page(
    state: &AppState,
    me: &CurrentUser,
    form: &TargetForm,
    errors: &BTreeMap<&'static str, String>,
    created: Option<(&PushTarget, &str)>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let agency_id = me.user().agency_id;
    let targets: Vec<TargetView> = state
        .store
        .list_push_targets(agency_id)
        .await?
        .iter()
        .map(TargetView::new)
        .collect();
    let deliveries: Vec<Delivery> = state
        .store
        .list_push_deliveries(agency_id, LOG_SIZE)
        .await?;
    let mut log = Vec::with_capacity(deliveries.len());
    for d in deliveries {
        let attempts = state.store.list_push_attempts(d.id).await?;
        log.push(DeliveryView {
            id: d.id,
            target_name: d.target_name,
            item_id: d.item_id,
            version: d.version,
            index_number: d.index_number,
            title: d.title,
            state: d.state.key(),
            state_label: d.state.label(),
            attempts: d.attempts,
            next_attempt_at: if d.state == gongkai_store::push::DeliveryState::Pending {
                format_time(d.next_attempt_at)
            } else {
                String::new()
            },
            last_error: d.last_error.unwrap_or_default(),
            created_at: format_time(d.created_at),
            delivered_at: d.delivered_at.map(format_time).unwrap_or_default(),
            log: attempts
                .iter()
                .map(|a| AttemptView {
                    at: format_time(a.at),
                    result: match (a.http_status, &a.error) {
                        (Some(s), None) => format!("HTTP {s}"),
                        (_, Some(e)) => e.clone(),
                        (None, None) => String::new(),
                    },
                    duration_ms: a.duration_ms,
                })
                .collect(),
        });
    }
    let role = me.user().role;
    let created = created.map(|(t, secret)| {
        context! {
            target => serde(TargetView::new(t)),
            secret => secret,
            outbox_path => format!("/api/v1/push/outbox/{}", t.id),
        }
    });
    let html = render(
        state,
        "push.html",
        Some(me),
        context! {
            targets => serde(&targets),
            deliveries => serde(&log),
            can_manage => PUSH_ADMINS.contains(&role),
            can_retry => PUSHERS.contains(&role),
            form => serde(form),
            errors => serde(errors),
            has_errors => !errors.is_empty(),
            created => created,
        },
    )?;
    let mut resp = (status, html).into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

pub async fn push_page(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Response, AppError> {
    let form = TargetForm {
        kind: "webhook".into(),
        ..TargetForm::default()
    };
    page(&state, &me, &form, &BTreeMap::new(), None, StatusCode::OK).await
}

/// Creates a target; the page shows its secret this once (not a redirect: the secret must not
/// travel in a URL, and the response is not cached).
pub async fn target_create(
    State(state): State<AppState>,
    me: CurrentUser,
    Form(form): Form<TargetForm>,
) -> Result<Response, AppError> {
    let input = match form.parse() {
        Ok(i) => i,
        Err(errors) => {
            return page(
                &state,
                &me,
                &form,
                &errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let secret = auth::random_token(32);
    let target = state
        .store
        .create_push_target(me.user().agency_id, &input, &secret, &me.actor())
        .await?;
    let blank = TargetForm {
        kind: "webhook".into(),
        ..TargetForm::default()
    };
    page(
        &state,
        &me,
        &blank,
        &BTreeMap::new(),
        Some((&target, secret.as_str())),
        StatusCode::OK,
    )
    .await
}

async fn set_enabled(
    state: &AppState,
    me: &CurrentUser,
    id: i64,
    enabled: bool,
) -> Result<Response, AppError> {
    let target = state
        .store
        .get_push_target(id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !auth::can_manage_agency(me.user(), target.agency_id) {
        return Err(AppError::Forbidden);
    }
    state
        .store
        .set_push_target_enabled(id, enabled, &me.actor())
        .await?;
    Ok(Redirect::to("/console/push").into_response())
}

pub async fn target_enable(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    set_enabled(&state, &me, id, true).await
}

pub async fn target_disable(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    set_enabled(&state, &me, id, false).await
}

/// The push button of a published item: one delivery per enabled target of the agency.
pub async fn item_push(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let record = state.store.get_item(id).await?.ok_or(AppError::NotFound)?;
    if record.agency_id != me.user().agency_id {
        return Err(AppError::Forbidden);
    }
    let enabled = state
        .store
        .list_push_targets(record.agency_id)
        .await?
        .iter()
        .any(|t| t.enabled);
    if !enabled {
        return Err(AppError::Invalid(
            "本机关还没有启用的推送目标，请联系机关管理员在“推送”页面添加。".into(),
        ));
    }
    state
        .store
        .enqueue_push(
            record.agency_id,
            id,
            state.config.public_base_url.as_deref().unwrap_or_default(),
            false,
            &me.actor(),
            Utc::now(),
        )
        .await?;
    Ok(Redirect::to("/console/push").into_response())
}

/// Queues a newly published item for the targets marked “发布后自动推送” (after a publication;
/// a failure is logged, the publication stands).
pub async fn auto_push(state: &AppState, me: &CurrentUser, agency_id: i64, item_id: i64) {
    let result = state
        .store
        .enqueue_push(
            agency_id,
            item_id,
            state.config.public_base_url.as_deref().unwrap_or_default(),
            true,
            &me.actor(),
            Utc::now(),
        )
        .await;
    if let Err(e) = result {
        tracing::warn!(item = item_id, error = %e, "automatic push not queued");
    }
}

pub async fn delivery_retry(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    state
        .store
        .retry_push_delivery(
            id,
            me.user().agency_id,
            &me.actor(),
            gongkai_store::now_secs(),
        )
        .await?;
    Ok(Redirect::to("/console/push").into_response())
}

// ---- the outbox API ------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
pub struct OutboxQuery {
    after: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct OutboxPage {
    items: Vec<OutboxEntry>,
    /// Send it as `after` to acknowledge this page and get the next one.
    next_cursor: i64,
}

#[derive(Debug, Serialize)]
struct ApiError {
    error: &'static str,
    message: &'static str,
}

fn api_error(status: StatusCode, error: &'static str, message: &'static str) -> Response {
    let mut resp = (status, Json(ApiError { error, message })).into_response();
    if status == StatusCode::UNAUTHORIZED {
        resp.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    resp
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

pub async fn outbox(
    State(state): State<AppState>,
    Path(target_id): Path<String>,
    Query(q): Query<OutboxQuery>,
    headers: HeaderMap,
) -> Response {
    let unauthorized = || {
        api_error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "缺少或错误的访问令牌",
        )
    };
    let (Some(token), Ok(target_id)) = (bearer(&headers), target_id.parse::<i64>()) else {
        return unauthorized();
    };
    let target = match state.store.outbox_target(target_id, token).await {
        Ok(Some(t)) => t,
        Ok(None) => return unauthorized(),
        Err(e) => return AppError::from(e).into_response(),
    };
    let after = match q.after.as_deref().map(str::trim) {
        None | Some("") => 0,
        Some(s) => match s.parse::<i64>() {
            Ok(n) if n >= 0 => n,
            _ => {
                return api_error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_cursor",
                    "after 须为非负整数",
                );
            }
        },
    };
    match state
        .store
        .outbox_read(target.id, after, OUTBOX_PAGE, gongkai_store::now_secs())
        .await
    {
        Ok(items) => {
            let next_cursor = items.last().map_or(after, |e| e.cursor);
            let mut resp = Json(OutboxPage { items, next_cursor }).into_response();
            resp.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            resp
        }
        Err(e) => AppError::from(e).into_response(),
    }
}
