-- Attachments and the full-text search index, SQLite. Mirror of postgres/0011_search_attachments.sql.

-- Uploaded files (附件), kept in the database so that a backup holds everything and app nodes
-- need no shared disk. `text` is what could be extracted for search and checks.
CREATE TABLE attachments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    agency_id   INTEGER NOT NULL REFERENCES agencies(id),
    sha256      TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    size_bytes  INTEGER NOT NULL,
    text        TEXT NOT NULL,
    text_status TEXT NOT NULL,
    content     BLOB NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX attachments_agency ON attachments(agency_id, sha256);

-- One row per item that has a published version: what search results are filtered and shown by.
CREATE TABLE search_documents (
    item_id      INTEGER PRIMARY KEY REFERENCES items(id),
    agency_id    INTEGER NOT NULL REFERENCES agencies(id),
    column_key   TEXT NOT NULL,
    year         INTEGER NOT NULL,
    topic        TEXT,
    published_at INTEGER NOT NULL
);
CREATE INDEX search_documents_agency ON search_documents(agency_id, column_key, year);

-- The words of each searchable item (jieba tokens joined by spaces), rowid = item id. Contentless:
-- the text itself lives in item_versions and attachments.
CREATE VIRTUAL TABLE search_fts USING fts5(
    title,
    body,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0'
);
