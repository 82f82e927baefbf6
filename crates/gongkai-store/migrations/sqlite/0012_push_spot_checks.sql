-- Push to upper-level platforms (推送) and spot checks (抽查/自查整改), SQLite.
-- Mirror of migrations/postgres/0012_push_spot_checks.sql.

-- Where an agency pushes its published items: a webhook it calls, or an outbox the platform
-- pulls. `secret` is kept in clear for webhooks only (the payload is signed with it);
-- `secret_hash` (SHA-256, hex) authenticates the outbox's Bearer token.
CREATE TABLE push_targets (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    agency_id   INTEGER NOT NULL REFERENCES agencies(id),
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('webhook', 'outbox')),
    url         TEXT,
    secret      TEXT,
    secret_hash TEXT NOT NULL,
    enabled     BOOLEAN NOT NULL,
    auto_push   BOOLEAN NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX push_targets_agency ON push_targets(agency_id, id);

-- One published version of an item for one target. The payload is the JSON sent, fixed when
-- the delivery is queued. A webhook delivery is claimed by one node at a time with a lease.
CREATE TABLE push_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    target_id       INTEGER NOT NULL REFERENCES push_targets(id),
    agency_id       INTEGER NOT NULL REFERENCES agencies(id),
    item_id         INTEGER NOT NULL REFERENCES items(id),
    version         INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    payload         TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    lease_token     TEXT,
    lease_until     INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    delivered_at    INTEGER,
    UNIQUE (target_id, item_id, version)
);
CREATE INDEX push_deliveries_due ON push_deliveries(state, next_attempt_at);
CREATE INDEX push_deliveries_agency ON push_deliveries(agency_id, id);

-- Every attempt of a delivery: HTTP status or error, and how long it took.
CREATE TABLE push_attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id INTEGER NOT NULL REFERENCES push_deliveries(id),
    at          INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    http_status INTEGER,
    error       TEXT
);
CREATE INDEX push_attempts_delivery ON push_attempts(delivery_id, id);

-- A spot check: a reproducible sample (seed) of the items published in a period.
CREATE TABLE spot_checks (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    agency_id   INTEGER NOT NULL REFERENCES agencies(id),
    title       TEXT NOT NULL,
    period_from TEXT NOT NULL,
    period_to   TEXT NOT NULL,
    sample_rule TEXT NOT NULL,
    population  INTEGER NOT NULL,
    seed        INTEGER NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('open', 'closed')),
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    closed_by   TEXT,
    closed_at   INTEGER
);
CREATE INDEX spot_checks_agency ON spot_checks(agency_id, id);

-- One sampled item of a check with its finding and correction (整改情况).
CREATE TABLE spot_check_entries (
    check_id     INTEGER NOT NULL REFERENCES spot_checks(id),
    item_id      INTEGER NOT NULL REFERENCES items(id),
    position     INTEGER NOT NULL,
    index_number TEXT NOT NULL,
    title        TEXT NOT NULL,
    published_on TEXT,
    finding      TEXT CHECK (finding IN ('compliant', 'problem')),
    problem      TEXT NOT NULL,
    correction   TEXT NOT NULL,
    corrected_on TEXT,
    updated_by   TEXT,
    updated_at   INTEGER,
    PRIMARY KEY (check_id, item_id)
);
