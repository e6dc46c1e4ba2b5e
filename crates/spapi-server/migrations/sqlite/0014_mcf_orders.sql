-- spapi store, schema version 14: Multi-Channel Fulfillment orders (Fulfillment Outbound
-- 2020-07-01). One row per (seller, sellerFulfillmentOrderId); `doc` holds the order as
-- getFulfillmentOrder answers it plus the units it holds on the AFN listings, as JSON text.
-- The units themselves stay in the listing columns (fulfillable `quantity`, `reserved`).

UPDATE meta SET value = '14' WHERE key = 'schema.version';

CREATE TABLE mcf_orders (
    seller_id            TEXT    NOT NULL,
    order_id             TEXT    NOT NULL,  -- sellerFulfillmentOrderId
    displayable_order_id TEXT    NOT NULL,
    status               TEXT    NOT NULL,
    status_updated_at    INTEGER NOT NULL,  -- epoch µs of the last status change
    package_number       INTEGER,  -- the shipment's package, once planned (tracking)
    doc                  TEXT    NOT NULL,
    PRIMARY KEY (seller_id, order_id)
) STRICT;

CREATE UNIQUE INDEX mcf_orders_displayable ON mcf_orders (seller_id, displayable_order_id);
CREATE INDEX mcf_orders_package ON mcf_orders (seller_id, package_number);
CREATE INDEX mcf_orders_updated ON mcf_orders (seller_id, status_updated_at, order_id);
