-- gongkai schema v1 (SQLite). Mirror of migrations/postgres/0001_init.sql: keep versions identical.
CREATE TABLE agencies (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    parent_id       INTEGER REFERENCES agencies(id),
    name            TEXT NOT NULL,
    uscc            TEXT NOT NULL UNIQUE,
    division_code   TEXT NOT NULL,
    kind            TEXT NOT NULL,
    report_deadline TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX agencies_parent ON agencies(parent_id);

CREATE TABLE users (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    agency_id            INTEGER NOT NULL REFERENCES agencies(id),
    login                TEXT NOT NULL UNIQUE,
    display_name         TEXT NOT NULL,
    role                 TEXT NOT NULL,
    password_hash        TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL,
    disabled             BOOLEAN NOT NULL DEFAULT FALSE,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
);
CREATE INDEX users_agency ON users(agency_id);

CREATE TABLE sessions (
    token      TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE login_failures (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    throttle_key TEXT NOT NULL,
    at      INTEGER NOT NULL
);
CREATE INDEX login_failures_key ON login_failures(throttle_key, at);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    actor_id    INTEGER,
    actor_login TEXT NOT NULL,
    agency_id   INTEGER,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    before_summary TEXT NOT NULL,
    after_summary  TEXT NOT NULL,
    address     TEXT NOT NULL
);
CREATE INDEX audit_log_agency ON audit_log(agency_id, at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
