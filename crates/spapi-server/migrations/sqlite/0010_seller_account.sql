-- spapi store, schema version 10 (SQLite): a seller's account as the Sellers API shows it
-- (business, business type, selling plan, primary contact), JSON text; NULL means the account is
-- derived from the seller id. Keep logically identical to migrations/postgres/0010_seller_account.sql.

UPDATE meta SET value = '10' WHERE key = 'schema.version';

ALTER TABLE sellers ADD COLUMN account TEXT;
