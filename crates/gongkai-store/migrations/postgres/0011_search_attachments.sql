-- Attachments and the full-text search index, PostgreSQL. Mirror of sqlite/0011_search_attachments.sql.

-- Uploaded files (附件), kept in the database so that app nodes stay stateless.
CREATE TABLE attachments (
    id          BIGSERIAL PRIMARY KEY,
    agency_id   BIGINT NOT NULL REFERENCES agencies(id),
    sha256      TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    size_bytes  BIGINT NOT NULL,
    text        TEXT NOT NULL,
    text_status TEXT NOT NULL,
    content     BYTEA NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX attachments_agency ON attachments(agency_id, sha256);

-- One row per item that has a published version, with its words (jieba tokens; title weight A,
-- body and attachment text weight B) under the 'simple' configuration.
CREATE TABLE search_documents (
    item_id      BIGINT PRIMARY KEY REFERENCES items(id),
    agency_id    BIGINT NOT NULL REFERENCES agencies(id),
    column_key   TEXT NOT NULL,
    year         INTEGER NOT NULL,
    topic        TEXT,
    published_at BIGINT NOT NULL,
    words        TSVECTOR NOT NULL
);
CREATE INDEX search_documents_agency ON search_documents(agency_id, column_key, year);
CREATE INDEX search_documents_words ON search_documents USING GIN (words);
