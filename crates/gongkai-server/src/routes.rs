//! The one route table, grouped by audience, and the router built from it.
//!
//! Every route declares its [`Access`]; the router enforces it with a layer, and tests list the
//! table to try each route as every kind of user.

use crate::auth::{self, ADMINS, AUDIT_READERS, Access, SYSTEM, USER_READERS};
use crate::error::{AppError, ErrorPage};
use crate::handlers::catalogue as catalogue_admin;
use crate::handlers::import::IMPORTERS;
use crate::handlers::proactive::{ITEM_EDITORS, ITEM_REVIEWERS, ITEM_STAFF};
use crate::handlers::push::{PUSH_ADMINS, PUSH_VIEWERS, PUSHERS};
use crate::handlers::spot_check::{SPOT_CHECK_READERS, SPOT_CHECKERS};
use crate::handlers::stats::STATS_READERS;
use crate::handlers::words::CATALOGUE_MANAGERS;
use crate::handlers::{
    api, attachments, console, feeds, import, listing, portal, proactive, push, search, spot_check,
    stats, versions, words,
};
use crate::{AppState, metrics, page_cache};
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use minijinja::context;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Who a route is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Operations: health, metrics, assets.
    Ops,
    /// The public portal.
    Portal,
    /// The staff console.
    Console,
    /// Machine-to-machine APIs (their own tokens, not sessions) and the public JSON read API.
    Api,
}

/// One entry of the route table.
pub struct RouteDef {
    pub method: Method,
    pub path: &'static str,
    pub audience: Audience,
    pub access: Access,
    handler: MethodRouter<AppState>,
}

impl RouteDef {
    /// Whether answers of this route may be kept by the [`page_cache`]: public `GET` pages and
    /// reads of the portal and the public API, except search (every query differs; its cost is
    /// kept low by the index instead), attachment downloads (large) and the push outbox (its
    /// answer depends on the puller's token and moves its cursor).
    pub fn cacheable(&self) -> bool {
        self.method == Method::GET
            && self.access == Access::Public
            && matches!(self.audience, Audience::Portal | Audience::Api)
            && !self.path.contains("search")
            && !self.path.contains("attachments")
            && !self.path.contains("/push/")
            && !self.path.starts_with("/console")
    }
}

fn r(
    method: Method,
    path: &'static str,
    audience: Audience,
    access: Access,
    handler: MethodRouter<AppState>,
) -> RouteDef {
    RouteDef {
        method,
        path,
        audience,
        access,
        handler,
    }
}

/// All routes of the application.
pub fn table() -> Vec<RouteDef> {
    use Access::*;
    use Audience::*;
    let g = Method::GET;
    let p = Method::POST;
    vec![
        r(g.clone(), "/healthz", Ops, Public, get(portal::healthz)),
        r(g.clone(), "/metrics", Ops, Public, get(portal::metrics)),
        r(
            g.clone(),
            "/static/app.css",
            Ops,
            Public,
            get(portal::stylesheet),
        ),
        r(g.clone(), "/", Portal, Public, get(portal::index)),
        r(
            g.clone(),
            "/portal/{agency_id}",
            Portal,
            Public,
            get(portal::agency),
        ),
        r(
            g.clone(),
            "/portal/{agency_id}/{column}",
            Portal,
            Public,
            get(portal::column),
        ),
        r(
            g.clone(),
            "/console/login",
            Console,
            Public,
            get(console::login_form),
        ),
        r(
            p.clone(),
            "/console/login",
            Console,
            Public,
            post(console::login),
        ),
        r(
            p.clone(),
            "/console/logout",
            Console,
            SignedIn,
            post(console::logout),
        ),
        r(
            p.clone(),
            "/console/logout-everywhere",
            Console,
            SignedIn,
            post(console::logout_everywhere),
        ),
        r(
            g.clone(),
            "/console/password",
            Console,
            SignedIn,
            get(console::password_form),
        ),
        r(
            p.clone(),
            "/console/password",
            Console,
            SignedIn,
            post(console::change_password),
        ),
        r(
            g.clone(),
            "/console",
            Console,
            Staff,
            get(console::dashboard),
        ),
        r(
            g.clone(),
            "/console/settings",
            Console,
            Staff,
            get(console::settings),
        ),
        r(
            g.clone(),
            "/console/agencies",
            Console,
            Staff,
            get(console::agencies),
        ),
        r(
            g.clone(),
            "/console/agencies/new",
            Console,
            Roles(SYSTEM),
            get(console::agency_new_form),
        ),
        r(
            p.clone(),
            "/console/agencies",
            Console,
            Roles(SYSTEM),
            post(console::agency_create),
        ),
        r(
            g.clone(),
            "/console/agencies/{id}",
            Console,
            Staff,
            get(console::agency_detail),
        ),
        r(
            p.clone(),
            "/console/agencies/{id}",
            Console,
            Roles(ADMINS),
            post(console::agency_update),
        ),
        r(
            g.clone(),
            "/console/users",
            Console,
            Roles(USER_READERS),
            get(console::users),
        ),
        r(
            p.clone(),
            "/console/users",
            Console,
            Roles(ADMINS),
            post(console::user_create),
        ),
        r(
            p.clone(),
            "/console/users/{id}/reset-password",
            Console,
            Roles(ADMINS),
            post(console::user_reset_password),
        ),
        r(
            p.clone(),
            "/console/users/{id}/disable",
            Console,
            Roles(ADMINS),
            post(console::user_disable),
        ),
        r(
            p.clone(),
            "/console/users/{id}/enable",
            Console,
            Roles(ADMINS),
            post(console::user_enable),
        ),
        r(
            g.clone(),
            "/console/audit",
            Console,
            Roles(AUDIT_READERS),
            get(console::audit),
        ),
        r(
            g.clone(),
            "/console/audit.csv",
            Console,
            Roles(AUDIT_READERS),
            get(console::audit_csv),
        ),
        r(
            g.clone(),
            "/console/audit.xlsx",
            Console,
            Roles(AUDIT_READERS),
            get(console::audit_xlsx),
        ),
        // proactive disclosure (主动公开)
        r(
            g.clone(),
            "/portal/{agency_id}/columns",
            Portal,
            Public,
            get(proactive::portal_columns),
        ),
        r(
            g.clone(),
            "/portal/{agency_id}/columns/{column}",
            Portal,
            Public,
            get(listing::portal_column),
        ),
        r(
            g.clone(),
            "/portal/{agency_id}/items/{item_id}",
            Portal,
            Public,
            get(proactive::portal_item),
        ),
        // feeds, sitemap and the JSON read API (published data only)
        r(
            g.clone(),
            "/portal/{agency_id}/feed.atom",
            Portal,
            Public,
            get(feeds::agency_feed),
        ),
        r(
            g.clone(),
            "/portal/{agency_id}/columns/{column}/feed.atom",
            Portal,
            Public,
            get(feeds::column_feed),
        ),
        r(
            g.clone(),
            "/sitemap.xml",
            Portal,
            Public,
            get(feeds::sitemap),
        ),
        // `/sitemap-{n}.xml`: the router has no partial-segment parameters
        r(
            g.clone(),
            "/{sitemap_file}",
            Portal,
            Public,
            get(feeds::sitemap_part),
        ),
        r(g.clone(), "/robots.txt", Ops, Public, get(feeds::robots)),
        r(
            g.clone(),
            "/api/v1/agencies",
            Api,
            Public,
            get(api::agencies),
        ),
        r(
            g.clone(),
            "/api/v1/agencies/{agency_id}/columns",
            Api,
            Public,
            get(api::columns),
        ),
        r(
            g.clone(),
            "/api/v1/agencies/{agency_id}/items",
            Api,
            Public,
            get(api::items),
        ),
        r(
            g.clone(),
            "/api/v1/agencies/{agency_id}/items/{item_id}",
            Api,
            Public,
            get(api::item),
        ),
        r(
            g.clone(),
            "/api/v1/{*rest}",
            Api,
            Public,
            get(api::not_found),
        ),
        r(
            g.clone(),
            "/portal/{agency_id}/items/{item_id}/attachments/{attachment_id}",
            Portal,
            Public,
            get(attachments::public_download),
        ),
        r(g.clone(), "/search", Portal, Public, get(search::page)),
        r(
            g.clone(),
            "/api/v1/search",
            Portal,
            Public,
            get(search::api),
        ),
        r(
            p.clone(),
            "/console/items/{id}/attachments",
            Console,
            Roles(ITEM_EDITORS),
            post(attachments::upload),
        ),
        r(
            p.clone(),
            "/console/items/{id}/attachments/{attachment_id}/remove",
            Console,
            Roles(ITEM_EDITORS),
            post(attachments::remove),
        ),
        r(
            g.clone(),
            "/console/attachments/{id}",
            Console,
            Roles(ITEM_STAFF),
            get(attachments::staff_download),
        ),
        r(
            p.clone(),
            "/console/items/{id}/recall",
            Console,
            Roles(ITEM_EDITORS),
            post(proactive::item_recall),
        ),
        r(
            g.clone(),
            "/console/items",
            Console,
            Roles(ITEM_STAFF),
            get(proactive::items),
        ),
        r(
            g.clone(),
            "/console/items/new",
            Console,
            Roles(ITEM_EDITORS),
            get(proactive::item_new_form),
        ),
        r(
            p.clone(),
            "/console/items",
            Console,
            Roles(ITEM_EDITORS),
            post(proactive::item_create),
        ),
        r(
            g.clone(),
            "/console/items/{id}",
            Console,
            Roles(ITEM_STAFF),
            get(proactive::item_detail),
        ),
        r(
            p.clone(),
            "/console/items/{id}",
            Console,
            Roles(ITEM_EDITORS),
            post(proactive::item_update),
        ),
        r(
            p.clone(),
            "/console/items/{id}/submit",
            Console,
            Roles(ITEM_EDITORS),
            post(proactive::item_submit),
        ),
        r(
            p.clone(),
            "/console/items/{id}/approve",
            Console,
            Roles(ITEM_REVIEWERS),
            post(proactive::item_approve),
        ),
        r(
            p.clone(),
            "/console/items/{id}/return",
            Console,
            Roles(ITEM_REVIEWERS),
            post(proactive::item_return),
        ),
        r(
            p.clone(),
            "/console/items/{id}/withdraw",
            Console,
            Roles(ITEM_REVIEWERS),
            post(proactive::item_withdraw),
        ),
        // push to upper-level platforms (推送)
        r(
            p.clone(),
            "/console/items/{id}/push",
            Console,
            Roles(PUSHERS),
            post(push::item_push),
        ),
        r(
            g.clone(),
            "/console/push",
            Console,
            Roles(PUSH_VIEWERS),
            get(push::push_page),
        ),
        r(
            p.clone(),
            "/console/push/targets",
            Console,
            Roles(PUSH_ADMINS),
            post(push::target_create),
        ),
        r(
            p.clone(),
            "/console/push/targets/{id}/enable",
            Console,
            Roles(PUSH_ADMINS),
            post(push::target_enable),
        ),
        r(
            p.clone(),
            "/console/push/targets/{id}/disable",
            Console,
            Roles(PUSH_ADMINS),
            post(push::target_disable),
        ),
        r(
            p.clone(),
            "/console/push/deliveries/{id}/retry",
            Console,
            Roles(PUSHERS),
            post(push::delivery_retry),
        ),
        r(
            g.clone(),
            "/api/v1/push/outbox/{target_id}",
            Api,
            Public,
            get(push::outbox),
        ),
        // spot checks (抽查 / 自查整改)
        r(
            g.clone(),
            "/console/spot-checks",
            Console,
            Roles(SPOT_CHECK_READERS),
            get(spot_check::list),
        ),
        r(
            g.clone(),
            "/console/spot-checks/new",
            Console,
            Roles(SPOT_CHECKERS),
            get(spot_check::new_form),
        ),
        r(
            p.clone(),
            "/console/spot-checks",
            Console,
            Roles(SPOT_CHECKERS),
            post(spot_check::create),
        ),
        r(
            g.clone(),
            "/console/spot-checks/{id}",
            Console,
            Roles(SPOT_CHECK_READERS),
            get(spot_check::detail),
        ),
        r(
            p.clone(),
            "/console/spot-checks/{id}/entries",
            Console,
            Roles(SPOT_CHECKERS),
            post(spot_check::record),
        ),
        r(
            p.clone(),
            "/console/spot-checks/{id}/close",
            Console,
            Roles(SPOT_CHECKERS),
            post(spot_check::close),
        ),
        // console features of proactive disclosure: versions, catalogue, 错敏词, statistics,
        // import
        r(
            g.clone(),
            "/console/items/{id}/versions/{number}",
            Console,
            Roles(ITEM_STAFF),
            get(versions::version_detail),
        ),
        r(
            g.clone(),
            "/console/catalogue",
            Console,
            Roles(CATALOGUE_MANAGERS),
            get(catalogue_admin::catalogue_page),
        ),
        r(
            p.clone(),
            "/console/catalogue/add",
            Console,
            Roles(CATALOGUE_MANAGERS),
            post(catalogue_admin::column_add),
        ),
        r(
            p.clone(),
            "/console/catalogue/rename",
            Console,
            Roles(CATALOGUE_MANAGERS),
            post(catalogue_admin::column_rename),
        ),
        r(
            p.clone(),
            "/console/catalogue/move",
            Console,
            Roles(CATALOGUE_MANAGERS),
            post(catalogue_admin::column_move),
        ),
        r(
            p.clone(),
            "/console/catalogue/delete",
            Console,
            Roles(CATALOGUE_MANAGERS),
            post(catalogue_admin::column_delete),
        ),
        r(
            g.clone(),
            "/console/sensitive-words",
            Console,
            Roles(CATALOGUE_MANAGERS),
            get(words::words_page),
        ),
        r(
            p.clone(),
            "/console/sensitive-words",
            Console,
            Roles(CATALOGUE_MANAGERS),
            post(words::words_save),
        ),
        r(
            g.clone(),
            "/console/statistics",
            Console,
            Roles(STATS_READERS),
            get(stats::statistics),
        ),
        r(
            g.clone(),
            "/console/statistics.csv",
            Console,
            Roles(STATS_READERS),
            get(stats::statistics_csv),
        ),
        r(
            g.clone(),
            "/console/statistics.xlsx",
            Console,
            Roles(STATS_READERS),
            get(stats::statistics_xlsx),
        ),
        r(
            g.clone(),
            "/console/items/import",
            Console,
            Roles(IMPORTERS),
            get(import::import_form),
        ),
        r(
            p.clone(),
            "/console/items/import",
            Console,
            Roles(IMPORTERS),
            post(import::import_upload),
        ),
        r(
            p.clone(),
            "/console/items/import/confirm",
            Console,
            Roles(IMPORTERS),
            post(import::import_confirm),
        ),
    ]
}

/// The complete application router with its middleware stack.
pub fn router(state: AppState) -> Router {
    let mut app: Router<AppState> = Router::new();
    for def in table() {
        let access = def.access;
        let cacheable = def.cacheable();
        let mut handler =
            def.handler
                .route_layer(middleware::from_fn(move |req: Request, next: Next| {
                    auth::require(access, req, next)
                }));
        if cacheable {
            handler = handler.route_layer(middleware::from_fn_with_state(
                state.clone(),
                page_cache::serve,
            ));
        }
        app = app.route(def.path, handler);
    }
    // The session layer enforces the form limit; multipart uploads get their larger one.
    let limit = state.config.upload_request_limit();
    let timeout = state.config.request_timeout;
    app.fallback(|| async { AppError::NotFound })
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::session_layer,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            page_cache::invalidate_on_write,
        ))
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(state.clone(), render_errors))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(security_header(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; \
             form-action 'self'; frame-ancestors 'none'",
        ))
        .layer(security_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(security_header(header::REFERRER_POLICY, "same-origin"))
        .layer(security_header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

fn security_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// Renders the Chinese error page for error responses without a body of their own.
async fn render_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    let page = resp.extensions().get::<ErrorPage>().cloned();
    let page = match page {
        Some(p) => p,
        None if status == StatusCode::PAYLOAD_TOO_LARGE => ErrorPage {
            code: "payload_too_large",
            message: AppError::PayloadTooLarge.public_message(),
        },
        None if status == StatusCode::REQUEST_TIMEOUT => ErrorPage {
            code: "timeout",
            message: "请求处理超时，请稍后再试。".into(),
        },
        None => return resp,
    };
    let ctx = context! { status => status.as_u16(), code => page.code, message => page.message };
    match state.templates.render("error.html", ctx) {
        Ok(html) => {
            let (mut parts, _) = resp.into_parts();
            parts.headers.remove(header::CONTENT_LENGTH);
            parts.headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            (parts, Html(html)).into_response()
        }
        Err(_) => resp,
    }
}
