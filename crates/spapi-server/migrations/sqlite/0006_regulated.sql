-- spapi store, schema version 6: regulated orders (e.g. veterinary prescriptions) keep their
-- regulated information and verification status (an OrderRegulatedInfo document) beside the
-- order. Keep logically identical to migrations/postgres/0006_regulated.sql.

UPDATE meta SET value = '6' WHERE key = 'schema.version';

ALTER TABLE orders ADD COLUMN regulated TEXT;
