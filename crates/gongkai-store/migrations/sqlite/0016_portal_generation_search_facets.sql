-- Mirror of migrations/postgres/0016_portal_generation_search_facets.sql.

-- A counter bumped by every change to what public pages are built from (agencies, catalogue
-- columns, items and their versions). Application nodes cache rendered public pages and drop
-- them when it moves, so a change made through another node or the CLI reaches every node.
CREATE TABLE portal_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);
INSERT INTO portal_generation (id, n) VALUES (1, 0);

CREATE TRIGGER portal_generation_agencies_insert AFTER INSERT ON agencies
BEGIN UPDATE portal_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER portal_generation_agencies_update AFTER UPDATE ON agencies
BEGIN UPDATE portal_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER portal_generation_agencies_delete AFTER DELETE ON agencies
BEGIN UPDATE portal_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER portal_generation_columns_insert AFTER INSERT ON catalogue_columns
BEGIN UPDATE portal_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER portal_generation_columns_update AFTER UPDATE ON catalogue_columns
BEGIN UPDATE portal_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER portal_generation_columns_delete AFTER DELETE ON catalogue_columns
BEGIN UPDATE portal_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER portal_generation_items_insert AFTER INSERT ON items
BEGIN UPDATE portal_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER portal_generation_items_update AFTER UPDATE ON items
BEGIN UPDATE portal_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER portal_generation_items_delete AFTER DELETE ON items
BEGIN UPDATE portal_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER portal_generation_versions_insert AFTER INSERT ON item_versions
BEGIN UPDATE portal_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER portal_generation_versions_update AFTER UPDATE ON item_versions
BEGIN UPDATE portal_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER portal_generation_versions_delete AFTER DELETE ON item_versions
BEGIN UPDATE portal_generation SET n = n + 1 WHERE id = 1; END;

-- The search index is reshaped: a `facets` column holds one token per filter value of the item
-- (agency, column, year), so that filters are intersections of posting lists inside FTS5, and
-- the index is split by item id into shards `search_fts_<n>` of 50,000 items, created when first
-- needed (see gongkai_store::search::SHARD_ITEMS). The index is derived data: it is emptied here
-- and rebuilt from the published versions when the store opens (Store::migrate).
DROP TABLE search_fts;
DELETE FROM search_documents;
