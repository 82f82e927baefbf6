-- Mirror of migrations/sqlite/0016_portal_generation_search_facets.sql.

-- A counter bumped by every change to what public pages are built from (agencies, catalogue
-- columns, items and their versions). Application nodes cache rendered public pages and drop
-- them when it moves, so a change made through another node or the CLI reaches every node.
-- Statement-level triggers: one bump per statement, not per row.
CREATE TABLE portal_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  BIGINT NOT NULL
);
INSERT INTO portal_generation (id, n) VALUES (1, 0);

CREATE FUNCTION portal_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN UPDATE portal_generation SET n = n + 1 WHERE id = 1; RETURN NULL; END;
$$;
CREATE TRIGGER portal_generation_agencies AFTER INSERT OR UPDATE OR DELETE ON agencies
FOR EACH STATEMENT EXECUTE FUNCTION portal_generation_bump();
CREATE TRIGGER portal_generation_columns AFTER INSERT OR UPDATE OR DELETE ON catalogue_columns
FOR EACH STATEMENT EXECUTE FUNCTION portal_generation_bump();
CREATE TRIGGER portal_generation_items AFTER INSERT OR UPDATE OR DELETE ON items
FOR EACH STATEMENT EXECUTE FUNCTION portal_generation_bump();
CREATE TRIGGER portal_generation_versions AFTER INSERT OR UPDATE OR DELETE ON item_versions
FOR EACH STATEMENT EXECUTE FUNCTION portal_generation_bump();

-- Search filters stay columns of search_documents here (the GIN index answers the words, the
-- planner combines them with the filters); nothing to change for the facets of SQLite.
