-- spapi store, schema version 12: a seller's supply sources (Supply Sources 2020-07-01), the
-- locations it fulfils from (ship-from, in-store pickup, curbside). The address, configuration
-- and capabilities are stored as the API's documents (JSON text); status is Active, Inactive
-- or Archived.

UPDATE meta SET value = '12' WHERE key = 'schema.version';

CREATE TABLE supply_sources (
    id               BIGSERIAL PRIMARY KEY,
    seller_id        TEXT    NOT NULL,
    supply_source_id TEXT    NOT NULL UNIQUE,
    code             TEXT    NOT NULL,   -- supplySourceCode, unique per seller
    alias            TEXT    NOT NULL,
    status           TEXT    NOT NULL,   -- Active, Inactive, Archived
    address          TEXT    NOT NULL,   -- Address document
    configuration    TEXT,               -- SupplySourceConfiguration document
    capabilities     TEXT,               -- SupplySourceCapabilities document
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    UNIQUE (seller_id, code)
);

CREATE INDEX supply_sources_seller ON supply_sources (seller_id, id);
