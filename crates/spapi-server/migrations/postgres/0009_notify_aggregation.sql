-- spapi store, schema version 9: ANY_OFFER_CHANGED aggregation. A pending delivery of an
-- aggregating subscription names the item it is about, so a later change of the same item within
-- the period replaces its envelope.

UPDATE meta SET value = '9' WHERE key = 'schema.version';

ALTER TABLE notify_deliveries ADD COLUMN coalesce_key TEXT;
CREATE INDEX notify_deliveries_coalesce ON notify_deliveries (subscription_id, coalesce_key)
    WHERE coalesce_key IS NOT NULL AND state = 'pending';
