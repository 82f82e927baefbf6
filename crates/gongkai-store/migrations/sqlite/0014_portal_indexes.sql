-- Mirror of migrations/postgres/0014_portal_indexes.sql.
-- Indexes of the public portal's reads (filtered column lists, feeds, sitemap, JSON API).
-- Partial: only published versions are public, so only they are indexed; the queries repeat
-- the literal `state = 'published'` so that both engines can use them.

-- a column's newest items, optionally within a year (column list, column feed, year facet)
CREATE INDEX item_versions_pub_column ON item_versions(agency_id, column_key, published_at, item_id)
    WHERE state = 'published';
-- an agency's newest items across columns (agency feed, API without a column)
CREATE INDEX item_versions_pub_agency ON item_versions(agency_id, published_at, item_id)
    WHERE state = 'published';
-- a column filtered by 主题分类, and the distinct topics of a column (loose index scan)
CREATE INDEX item_versions_pub_topic ON item_versions(agency_id, column_key, topic, published_at, item_id)
    WHERE state = 'published';
-- a column filtered by 发布机构, and the distinct publishers of a column
CREATE INDEX item_versions_pub_publisher ON item_versions(agency_id, column_key, publisher, published_at, item_id)
    WHERE state = 'published';
-- an agency's items filtered by 主题分类 without a column (API)
CREATE INDEX item_versions_pub_agency_topic ON item_versions(agency_id, topic, published_at, item_id)
    WHERE state = 'published';
-- every published item in id order (sitemap pages)
CREATE INDEX item_versions_pub_item ON item_versions(item_id)
    WHERE state = 'published';
