//! One application error that becomes a response: a stable snake_case code, a status, and a
//! Chinese message for the user, kept apart from the detail that is only logged.
//!
//! Handlers return [`AppError`]; it becomes an empty response carrying an [`ErrorPage`]
//! extension, which the outer middleware renders with the `error.html` template.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("not signed in (expired: {expired})")]
    Unauthorized { expired: bool },
    #[error("forbidden")]
    Forbidden,
    #[error("csrf token missing or wrong")]
    Csrf,
    #[error("body too large")]
    PayloadTooLarge,
    #[error("invalid input: {0}")]
    Invalid(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("too many attempts")]
    Throttled,
    #[error("internal: {0}")]
    Internal(String),
}

/// What the error page shows.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    pub code: &'static str,
    pub message: String,
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::Csrf => StatusCode::FORBIDDEN,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Throttled => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::Unauthorized { expired: true } => "session_expired",
            Self::Unauthorized { expired: false } => "not_signed_in",
            Self::Forbidden => "forbidden",
            Self::Csrf => "csrf_failed",
            Self::PayloadTooLarge => "payload_too_large",
            Self::Invalid(_) => "invalid_input",
            Self::Conflict(_) => "conflict",
            Self::Throttled => "too_many_attempts",
            Self::Internal(_) => "internal_error",
        }
    }

    /// The message shown to the user (never the internal detail).
    pub fn public_message(&self) -> String {
        match self {
            Self::NotFound => "页面不存在。".into(),
            Self::Unauthorized { expired: true } => "登录已过期，请重新登录。".into(),
            Self::Unauthorized { expired: false } => "请先登录。".into(),
            Self::Forbidden => "您没有执行此操作的权限。".into(),
            Self::Csrf => "表单已失效（安全校验未通过），请返回刷新页面后重新提交。".into(),
            Self::PayloadTooLarge => "提交的内容过大，请减小后重试。".into(),
            Self::Invalid(m) | Self::Conflict(m) => m.clone(),
            Self::Throttled => "登录失败次数过多，请 15 分钟后再试。".into(),
            Self::Internal(_) => {
                "服务器内部错误，请稍后再试；如持续出现，请联系系统管理员。".into()
            }
        }
    }
}

impl From<gongkai_store::StoreError> for AppError {
    fn from(e: gongkai_store::StoreError) -> Self {
        match e {
            gongkai_store::StoreError::NotFound(_) => Self::NotFound,
            other => Self::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let Self::Internal(detail) = &self {
            tracing::error!(code = self.code(), detail = %detail, "request failed");
        } else {
            tracing::debug!(code = self.code(), "request refused");
        }
        let mut resp = status.into_response();
        resp.extensions_mut().insert(ErrorPage {
            code: self.code(),
            message: self.public_message(),
        });
        resp
    }
}
