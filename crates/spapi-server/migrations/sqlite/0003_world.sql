-- spapi store, schema version 3: the seller world's catalog, listings and orders.
-- Keep logically identical to migrations/postgres/0003_world.sql.
-- Documents are stored in their SP-API wire shape (JSON text); the columns beside them exist
-- for the filters the APIs offer, each with an index that serves it.

UPDATE meta SET value = '3' WHERE key = 'schema.version';

-- Catalog items (shared by all sellers of a marketplace).
CREATE TABLE catalog_items (
    asin           TEXT    NOT NULL PRIMARY KEY,
    title          TEXT    NOT NULL,
    brand          TEXT    NOT NULL,
    product_type   TEXT    NOT NULL,
    doc            TEXT    NOT NULL   -- attributes, dimensions, images, classifications
) STRICT;

-- A seller's offer of a SKU in a marketplace.
CREATE TABLE listings (
    seller_id           TEXT    NOT NULL,
    sku                 TEXT    NOT NULL,
    marketplace_id      TEXT    NOT NULL,
    asin                TEXT    NOT NULL,
    fulfillment_channel TEXT    NOT NULL CHECK (fulfillment_channel IN ('MFN', 'AFN')),
    price               TEXT    NOT NULL,  -- decimal amount in the marketplace currency
    currency            TEXT    NOT NULL,
    quantity            INTEGER NOT NULL,  -- sellable units (MFN stock, or FBA fulfillable)
    reserved            INTEGER NOT NULL,  -- units held by pending orders
    status              TEXT    NOT NULL,  -- BUYABLE, DISCOVERABLE
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    PRIMARY KEY (seller_id, sku, marketplace_id)
) STRICT;

CREATE INDEX listings_asin ON listings (asin);

-- Orders. `doc` is the Order object and `items` the OrderItem array, personal data
-- included (the API layer removes it for calls without a Restricted Data Token).
CREATE TABLE orders (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    amazon_order_id       TEXT    NOT NULL UNIQUE,
    seller_id             TEXT    NOT NULL,
    marketplace_id        TEXT    NOT NULL,
    order_status          TEXT    NOT NULL,
    fulfillment_channel   TEXT    NOT NULL,
    payment_method        TEXT,
    buyer_email           TEXT,
    seller_order_id       TEXT,
    easy_ship_status      TEXT,
    electronic_invoice_status TEXT,
    is_ispu               INTEGER NOT NULL,
    store_chain_store_id  TEXT,
    supply_source_id      TEXT,
    purchase_at           INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    earliest_delivery_at  INTEGER,
    latest_delivery_at    INTEGER,
    latest_ship_at        INTEGER,
    doc                   TEXT    NOT NULL,
    items                 TEXT    NOT NULL
) STRICT;

-- getOrders pages through one seller's orders by purchase or by last-update time.
CREATE INDEX orders_seller_purchase ON orders (seller_id, purchase_at, id);
CREATE INDEX orders_seller_updated ON orders (seller_id, updated_at, id);
CREATE INDEX orders_seller_buyer_email ON orders (seller_id, buyer_email);
CREATE INDEX orders_seller_seller_order_id ON orders (seller_id, seller_order_id);
