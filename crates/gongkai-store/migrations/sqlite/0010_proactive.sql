-- Proactive disclosure (主动公开), SQLite. Mirror of migrations/postgres/0010_proactive.sql.

-- The catalogue (主动公开目录) of each agency: its columns (栏目) in display order.
CREATE TABLE catalogue_columns (
    agency_id      INTEGER NOT NULL REFERENCES agencies(id),
    column_key     TEXT NOT NULL,
    name           TEXT NOT NULL,
    parent_key     TEXT,
    statutory_item INTEGER,
    position       INTEGER NOT NULL,
    PRIMARY KEY (agency_id, column_key)
);

-- The last 流水号 of the 索引号 handed out per agency and year.
CREATE TABLE index_sequences (
    agency_id  INTEGER NOT NULL REFERENCES agencies(id),
    year       INTEGER NOT NULL,
    last_value INTEGER NOT NULL,
    PRIMARY KEY (agency_id, year)
);

-- One row per item (政府信息); its content lives in its versions.
CREATE TABLE items (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    agency_id    INTEGER NOT NULL REFERENCES agencies(id),
    index_number TEXT NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX items_agency ON items(agency_id, id);

-- The versions of an item with their review state. Only rows in state 'published' are public.
CREATE TABLE item_versions (
    item_id         INTEGER NOT NULL REFERENCES items(id),
    number          INTEGER NOT NULL,
    agency_id       INTEGER NOT NULL REFERENCES agencies(id),
    state           TEXT NOT NULL,
    column_key      TEXT NOT NULL,
    title           TEXT NOT NULL,
    publisher       TEXT NOT NULL,
    document_number TEXT,
    written_on      TEXT,
    published_on    TEXT,
    topic           TEXT,
    disclosure_mode TEXT NOT NULL,
    scope           TEXT NOT NULL,
    kind            TEXT NOT NULL,
    validity        TEXT,
    body_html       TEXT NOT NULL,
    attachments     TEXT NOT NULL,
    author          TEXT NOT NULL,
    editors         TEXT NOT NULL,
    reviewer        TEXT,
    reason          TEXT,
    publish_at      INTEGER,
    published_at    INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (item_id, number)
);
CREATE INDEX item_versions_public ON item_versions(agency_id, state, column_key, published_at);
