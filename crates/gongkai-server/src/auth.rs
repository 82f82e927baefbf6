//! Sign-in, sessions, CSRF tokens and access rules.
//!
//! Sessions live in the database (nodes are stateless); the cookie holds only a random token.
//! Every POST carries a `csrf_token` form field: the session's token when signed in, otherwise
//! the token of the pre-session cookie set by the sign-in page (double submit).

use crate::AppState;
use crate::error::AppError;
use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use gongkai_agency::Role;
use gongkai_store::{Session, User};
use std::net::SocketAddr;

pub const SESSION_COOKIE: &str = "gongkai_session";
pub const PRE_SESSION_COOKIE: &str = "gongkai_csrf";
pub const CSRF_FIELD: &str = "csrf_token";

/// Random token, hex-encoded (`bytes` random bytes).
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// A one-time password for a new or reset account: 12 characters without look-alikes.
pub fn one_time_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY346789";
    let mut buf = [0u8; 12];
    OsRng.fill_bytes(&mut buf);
    buf.iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

/// Argon2id hash (PHC string), computed off the async threads.
pub async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("hash: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(format!("hash task: {e}")))?
}

/// Verifies a password against a stored hash; a malformed hash never verifies.
pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// The rule for a new password; `None` when acceptable, else the Chinese reason.
pub fn password_problem(new: &str, confirm: &str, old: &str) -> Option<&'static str> {
    if new.chars().count() < 10 {
        Some("新密码至少 10 个字符。")
    } else if new != confirm {
        Some("两次输入的新密码不一致。")
    } else if new == old {
        Some("新密码不能与原密码相同。")
    } else {
        None
    }
}

/// The signed-in user of a request.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    pub session: Session,
}

/// What the session middleware learned about the request.
#[derive(Debug, Clone)]
pub struct AuthState {
    pub signed_in: Option<SignedIn>,
    /// A session cookie came but matched no live session.
    pub stale_cookie: bool,
    /// The pre-session CSRF token (sign-in page), when the cookie is present.
    pub pre_session_csrf: Option<String>,
    /// The client's address.
    pub address: String,
}

pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, Path=/, Secure when configured.
pub fn set_cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    // Names and values are ASCII tokens we generated.
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Loads the session and checks the CSRF token of every POST (and the body size).
pub async fn session_layer(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Result<Response, AppError> {
    let (mut parts, body) = req.into_parts();
    let address = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_default();
    let now = gongkai_store::now_secs();
    let mut auth = AuthState {
        signed_in: None,
        stale_cookie: false,
        pre_session_csrf: cookie_value(&parts.headers, PRE_SESSION_COOKIE)
            .filter(|t| t.len() == 64),
        address,
    };
    if let Some(token) = cookie_value(&parts.headers, SESSION_COOKIE) {
        match state.store.get_session(&token, now).await? {
            Some((session, user)) => auth.signed_in = Some(SignedIn { user, session }),
            None => auth.stale_cookie = true,
        }
    }

    let is_multipart = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        });
    let limit = if is_multipart {
        state.config.upload_request_limit()
    } else {
        state.config.body_limit
    };
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(AppError::PayloadTooLarge);
    }
    let body = if parts.method == Method::POST {
        let bytes = axum::body::to_bytes(body, limit)
            .await
            .map_err(|_| AppError::PayloadTooLarge)?;
        let expected = match &auth.signed_in {
            Some(s) => Some(s.session.csrf_token.as_str()),
            None => auth.pre_session_csrf.as_deref(),
        };
        let sent = match is_multipart {
            true => multipart_field(&parts.headers, &bytes, CSRF_FIELD).await,
            false => form_urlencoded::parse(&bytes)
                .find(|(k, _)| k == CSRF_FIELD)
                .map(|(_, v)| v.into_owned()),
        };
        match (expected, sent) {
            (Some(e), Some(s)) if constant_time_eq(e.as_bytes(), s.as_bytes()) => {}
            _ => return Err(AppError::Csrf),
        }
        Body::from(bytes)
    } else {
        body
    };
    parts.extensions.insert(auth);
    Ok(next.run(Request::from_parts(parts, body)).await)
}

/// The text of a field of a buffered `multipart/form-data` body (file uploads carry their CSRF
/// token this way; forms put it first, so only the start of the body is parsed).
async fn multipart_field(
    headers: &HeaderMap,
    bytes: &axum::body::Bytes,
    name: &str,
) -> Option<String> {
    use axum::extract::{FromRequest, Multipart};
    let content_type = headers.get(header::CONTENT_TYPE)?;
    let mut req = Request::new(Body::from(bytes.clone()));
    req.headers_mut()
        .insert(header::CONTENT_TYPE, content_type.clone());
    let mut form = Multipart::from_request(req, &()).await.ok()?;
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some(name) {
            return field.text().await.ok();
        }
    }
    None
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user, even one who must still change the initial password.
    SignedIn,
    /// Any signed-in user who has set their own password.
    Staff,
    /// Only these roles (and the password set).
    Roles(&'static [Role]),
}

pub const ADMINS: &[Role] = &[Role::AgencyAdmin, Role::SystemAdmin];
pub const AUDIT_READERS: &[Role] = &[Role::AgencyAdmin, Role::Supervisor, Role::SystemAdmin];
pub const USER_READERS: &[Role] = &[Role::AgencyAdmin, Role::Supervisor, Role::SystemAdmin];
pub const SYSTEM: &[Role] = &[Role::SystemAdmin];

/// Enforces a route's [`Access`] before its handler runs.
pub async fn require(access: Access, req: Request, next: Next) -> Response {
    if access == Access::Public {
        return next.run(req).await;
    }
    let auth = req.extensions().get::<AuthState>().cloned();
    let is_get = req.method() == Method::GET || req.method() == Method::HEAD;
    let Some(auth) = auth else {
        return AppError::Internal("session layer missing".into()).into_response();
    };
    let Some(signed_in) = auth.signed_in else {
        if is_get {
            let to = if auth.stale_cookie {
                "/console/login?expired=1"
            } else {
                "/console/login"
            };
            return Redirect::to(to).into_response();
        }
        return AppError::Unauthorized {
            expired: auth.stale_cookie,
        }
        .into_response();
    };
    if access != Access::SignedIn && signed_in.user.must_change_password {
        if is_get {
            return Redirect::to("/console/password").into_response();
        }
        return AppError::Forbidden.into_response();
    }
    if let Access::Roles(roles) = access
        && !roles.contains(&signed_in.user.role)
    {
        return AppError::Forbidden.into_response();
    }
    next.run(req).await
}

/// Extractor of the signed-in user (the access layer has already let the request through).
pub struct CurrentUser(pub SignedIn, pub String);

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let auth = parts
            .extensions
            .get::<AuthState>()
            .ok_or(AppError::Unauthorized { expired: false })?;
        match &auth.signed_in {
            Some(s) => Ok(CurrentUser(s.clone(), auth.address.clone())),
            None => Err(AppError::Unauthorized {
                expired: auth.stale_cookie,
            }),
        }
    }
}

/// Extractor of the whole auth state (for pages anyone may see).
pub struct MaybeUser(pub AuthState);

impl<S: Send + Sync> FromRequestParts<S> for MaybeUser {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        parts
            .extensions
            .get::<AuthState>()
            .cloned()
            .map(MaybeUser)
            .ok_or_else(|| AppError::Internal("session layer missing".into()))
    }
}

impl CurrentUser {
    pub fn user(&self) -> &User {
        &self.0.user
    }

    pub fn actor(&self) -> gongkai_store::Actor {
        gongkai_store::Actor {
            user_id: Some(self.0.user.id),
            login: self.0.user.login.clone(),
            address: self.1.clone(),
        }
    }

    pub fn csrf(&self) -> &str {
        &self.0.session.csrf_token
    }
}

/// The agencies whose data a user may read: all for a system administrator, the own agency
/// and everything below it for a supervisor, the own agency otherwise.
pub async fn readable_agencies(
    state: &AppState,
    user: &User,
) -> Result<Option<Vec<i64>>, AppError> {
    Ok(match user.role {
        Role::SystemAdmin => None,
        Role::Supervisor => Some(state.store.agency_subtree(user.agency_id).await?),
        _ => Some(vec![user.agency_id]),
    })
}

pub async fn can_read_agency(
    state: &AppState,
    user: &User,
    agency_id: i64,
) -> Result<bool, AppError> {
    Ok(readable_agencies(state, user)
        .await?
        .is_none_or(|ids| ids.contains(&agency_id)))
}

/// Whether a user may change an agency's settings and users.
pub fn can_manage_agency(user: &User, agency_id: i64) -> bool {
    match user.role {
        Role::SystemAdmin => true,
        Role::AgencyAdmin => user.agency_id == agency_id,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_differ() {
        let h = hash_password("correct horse".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse".into(), h.clone()).await);
        assert!(!verify_password("wrong".into(), h.clone()).await);
        assert!(!verify_password("x".into(), "not a hash".into()).await);
        assert_ne!(hash_password("correct horse".into()).await.unwrap(), h);
    }

    #[test]
    fn tokens_and_passwords_look_right() {
        assert_eq!(random_token(32).len(), 64);
        assert_ne!(random_token(32), random_token(32));
        let p = one_time_password();
        assert_eq!(p.chars().count(), 12);
        assert!(
            p.chars()
                .all(|c| c.is_ascii_alphanumeric() && c != 'l' && c != 'O')
        );
    }

    #[test]
    fn password_rules() {
        assert!(password_problem("short", "short", "x").is_some());
        assert!(password_problem("longenough1", "longenough2", "x").is_some());
        assert!(password_problem("longenough1", "longenough1", "longenough1").is_some());
        assert!(password_problem("longenough1", "longenough1", "old").is_none());
    }

    #[test]
    fn cookie_parsing() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; gongkai_session=abc"),
        );
        assert_eq!(cookie_value(&h, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie_value(&h, "b"), None);
        let c = set_cookie("n", "v", Some(0), true);
        assert_eq!(
            c.to_str().unwrap(),
            "n=v; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure"
        );
    }
}
