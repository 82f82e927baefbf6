-- gongkai schema v2: sessions are keyed by the SHA-256 of the cookie token, never the token
-- itself, so a copy of the database does not give live sessions. Sessions of v1 held plain
-- tokens and end here (staff sign in again). Same text for SQLite and PostgreSQL.
DELETE FROM sessions;
ALTER TABLE sessions RENAME COLUMN token TO token_hash;
