-- Console features of proactive disclosure, SQLite. Mirror of migrations/postgres/0013_console.sql.

-- Each agency's 错敏词 list, as staff wrote it (the format of SensitiveWords::parse_list).
CREATE TABLE sensitive_word_lists (
    agency_id  INTEGER PRIMARY KEY REFERENCES agencies(id),
    list_text  TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Uploaded catalogue files waiting for the staff's confirmation (目录导入). The token is random;
-- the content is kept hex-encoded so the logical backup handles it as text.
CREATE TABLE import_uploads (
    token       TEXT PRIMARY KEY,
    agency_id   INTEGER NOT NULL REFERENCES agencies(id),
    user_id     INTEGER NOT NULL REFERENCES users(id),
    file_name   TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    content_hex TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    imported_at INTEGER
);
CREATE INDEX import_uploads_agency ON import_uploads(agency_id, created_at);
