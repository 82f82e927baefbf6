-- Push deliveries can be cancelled (取消): the pending deliveries of an item are cancelled when
-- the item is withdrawn. SQLite. Mirror of migrations/postgres/0015_push_cancelled.sql.
--
-- SQLite cannot change a CHECK constraint in place, so push_deliveries is rebuilt with the same
-- columns in the same order (logical backups and digests are unchanged), and push_attempts
-- with it: it references push_deliveries, and with foreign keys on (they are; this runs in the
-- migration's transaction) the old table can only be dropped once nothing references it.

CREATE TABLE push_deliveries_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    target_id       INTEGER NOT NULL REFERENCES push_targets(id),
    agency_id       INTEGER NOT NULL REFERENCES agencies(id),
    item_id         INTEGER NOT NULL REFERENCES items(id),
    version         INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    payload         TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'cancelled')),
    attempts        INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    lease_token     TEXT,
    lease_until     INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    delivered_at    INTEGER,
    UNIQUE (target_id, item_id, version)
);
INSERT INTO push_deliveries_new SELECT * FROM push_deliveries;

CREATE TABLE push_attempts_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id INTEGER NOT NULL REFERENCES push_deliveries_new(id),
    at          INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    http_status INTEGER,
    error       TEXT
);
INSERT INTO push_attempts_new SELECT * FROM push_attempts;

-- Keep the AUTOINCREMENT high-water marks (ids are never reused).
DELETE FROM sqlite_sequence WHERE name IN ('push_deliveries_new', 'push_attempts_new');
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'push_deliveries_new', seq FROM sqlite_sequence WHERE name = 'push_deliveries';
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'push_attempts_new', seq FROM sqlite_sequence WHERE name = 'push_attempts';

DROP TABLE push_attempts;
DROP TABLE push_deliveries;
-- Renaming also rewrites push_attempts_new's reference to push_deliveries_new.
ALTER TABLE push_deliveries_new RENAME TO push_deliveries;
ALTER TABLE push_attempts_new RENAME TO push_attempts;

CREATE INDEX push_deliveries_due ON push_deliveries(state, next_attempt_at);
CREATE INDEX push_deliveries_agency ON push_deliveries(agency_id, id);
CREATE INDEX push_attempts_delivery ON push_attempts(delivery_id, id);
-- The pending deliveries of an item, found when it is withdrawn.
CREATE INDEX push_deliveries_item ON push_deliveries(item_id, state);
