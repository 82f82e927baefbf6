//! The public portal: one page per agency with the standard columns, plus health and metrics.

use super::{AgencyView, PORTAL_COLUMNS, agency_tree, render, serde};
use crate::AppState;
use crate::error::AppError;
use crate::templates::STYLESHEET;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;

pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
        .into_response()
}

pub async fn index(State(state): State<AppState>) -> Result<Html<String>, AppError> {
    let all = state.store.list_agencies().await?;
    let tree = agency_tree(&all, None);
    render(
        &state,
        "portal_index.html",
        None,
        context! { agencies => serde(&tree) },
    )
}

async fn load(state: &AppState, id: i64) -> Result<AgencyView, AppError> {
    let all = state.store.list_agencies().await?;
    let a = all.iter().find(|a| a.id == id).ok_or(AppError::NotFound)?;
    Ok(AgencyView::new(a, &all, 0))
}

fn columns() -> Vec<minijinja::Value> {
    PORTAL_COLUMNS
        .iter()
        .map(|(key, label)| context! { key => *key, label => *label })
        .collect()
}

pub async fn agency(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let agency = load(&state, id).await?;
    render(
        &state,
        "portal_agency.html",
        None,
        context! { agency => serde(&agency), columns => columns() },
    )
}

pub async fn column(
    State(state): State<AppState>,
    Path((id, column)): Path<(i64, String)>,
) -> Result<Html<String>, AppError> {
    let (key, label) = PORTAL_COLUMNS
        .iter()
        .find(|(k, _)| *k == column)
        .ok_or(AppError::NotFound)?;
    let agency = load(&state, id).await?;
    render(
        &state,
        "portal_column.html",
        None,
        context! {
            agency => serde(&agency),
            columns => columns(),
            column => context! { key => *key, label => *label },
        },
    )
}
