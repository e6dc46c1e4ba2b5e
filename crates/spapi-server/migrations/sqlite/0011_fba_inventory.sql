-- spapi store, schema version 11: FBA inventory beyond the listing columns. Fulfillable units
-- stay `listings.quantity` and units reserved by pending orders `listings.reserved` of the AFN
-- listing; these tables add the other buckets of FBA Inventory v1 per (seller, SKU,
-- marketplace), the units being researched (with the time they went missing, for the 1-10 /
-- 11-20 / 21+ day breakdown), the stock ledger (every movement of units on hand), and the
-- idempotency tokens of addInventory.

UPDATE meta SET value = '11' WHERE key = 'schema.version';

CREATE TABLE fba_stock (
    seller_id           TEXT    NOT NULL,
    sku                 TEXT    NOT NULL,
    marketplace_id      TEXT    NOT NULL,
    product_name        TEXT,              -- createInventoryItem's name (else the catalog title)
    inbound_working     INTEGER NOT NULL DEFAULT 0 CHECK (inbound_working >= 0),
    inbound_shipped     INTEGER NOT NULL DEFAULT 0 CHECK (inbound_shipped >= 0),
    inbound_receiving   INTEGER NOT NULL DEFAULT 0 CHECK (inbound_receiving >= 0),
    customer_damaged    INTEGER NOT NULL DEFAULT 0 CHECK (customer_damaged >= 0),
    warehouse_damaged   INTEGER NOT NULL DEFAULT 0 CHECK (warehouse_damaged >= 0),
    distributor_damaged INTEGER NOT NULL DEFAULT 0 CHECK (distributor_damaged >= 0),
    carrier_damaged     INTEGER NOT NULL DEFAULT 0 CHECK (carrier_damaged >= 0),
    defective           INTEGER NOT NULL DEFAULT 0 CHECK (defective >= 0),
    expired             INTEGER NOT NULL DEFAULT 0 CHECK (expired >= 0),
    changed_at          INTEGER NOT NULL,  -- last change of a quantity other than inbound
    updated_at          INTEGER NOT NULL,  -- last change of any quantity
    PRIMARY KEY (seller_id, sku, marketplace_id)
) STRICT;

CREATE TABLE fba_researching (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    seller_id      TEXT    NOT NULL,
    sku            TEXT    NOT NULL,
    marketplace_id TEXT    NOT NULL,
    since          INTEGER NOT NULL,       -- when the units went missing
    quantity       INTEGER NOT NULL CHECK (quantity > 0)
) STRICT;

CREATE INDEX fba_researching_sku ON fba_researching (seller_id, sku, marketplace_id, since);

CREATE TABLE fba_ledger (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    seller_id          TEXT    NOT NULL,
    sku                TEXT    NOT NULL,
    marketplace_id     TEXT    NOT NULL,
    fnsku              TEXT    NOT NULL,
    at                 INTEGER NOT NULL,
    event_type         TEXT    NOT NULL,  -- Shipments, CustomerReturns, Receipts, Adjustments, ...
    quantity           INTEGER NOT NULL,  -- signed: units into (+) or out of (-) the disposition
    reference_id       TEXT    NOT NULL,
    fulfillment_center TEXT    NOT NULL,
    disposition        TEXT    NOT NULL,  -- SELLABLE, CUSTOMER_DAMAGED, ..., EXPIRED
    reason             TEXT    NOT NULL
) STRICT;

CREATE INDEX fba_ledger_sku ON fba_ledger (seller_id, sku, marketplace_id, disposition);
CREATE INDEX fba_ledger_time ON fba_ledger (seller_id, at, id);

CREATE TABLE fba_idempotency (
    seller_id    TEXT    NOT NULL,
    token        TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (seller_id, token)
) STRICT;
