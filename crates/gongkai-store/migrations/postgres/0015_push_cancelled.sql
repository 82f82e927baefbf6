-- Push deliveries can be cancelled (取消): the pending deliveries of an item are cancelled when
-- the item is withdrawn. PostgreSQL. Mirror of migrations/sqlite/0015_push_cancelled.sql.

ALTER TABLE push_deliveries DROP CONSTRAINT push_deliveries_state_check;
ALTER TABLE push_deliveries ADD CONSTRAINT push_deliveries_state_check
    CHECK (state IN ('pending', 'delivered', 'failed', 'cancelled'));
-- The pending deliveries of an item, found when it is withdrawn.
CREATE INDEX push_deliveries_item ON push_deliveries(item_id, state);
