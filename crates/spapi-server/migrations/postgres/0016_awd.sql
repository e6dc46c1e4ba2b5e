-- spapi store, schema version 16: Amazon Warehousing and Distribution (AWD 2024-05-09).
-- Orders (inbound, outbound, replenishment) and inbound shipments keep their state as JSON
-- documents beside the columns their lists filter and sort on; inventory is one row per seller
-- and SKU with its buckets; auto-replenishment rules are set through the control plane.

UPDATE meta SET value = '16' WHERE key = 'schema.version';

CREATE TABLE awd_orders (
    seller_id  TEXT    NOT NULL,
    id         TEXT    NOT NULL,  -- orderId
    grp        TEXT    NOT NULL,  -- INBOUND | OUTBOUND | REPLENISHMENT
    status     TEXT    NOT NULL,
    created_at BIGINT NOT NULL,  -- epoch µs
    updated_at BIGINT NOT NULL,  -- epoch µs
    doc        TEXT    NOT NULL,
    PRIMARY KEY (seller_id, id)
);

CREATE INDEX awd_orders_updated ON awd_orders (seller_id, grp, updated_at, id);

CREATE TABLE awd_shipments (
    seller_id  TEXT    NOT NULL,
    id         TEXT    NOT NULL,  -- shipmentId
    grp        TEXT    NOT NULL,  -- the inbound orderId
    status     TEXT    NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    doc        TEXT    NOT NULL,
    PRIMARY KEY (seller_id, id)
);

CREATE INDEX awd_shipments_updated ON awd_shipments (seller_id, updated_at, id);
CREATE INDEX awd_shipments_created ON awd_shipments (seller_id, created_at, id);

CREATE TABLE awd_inventory (
    seller_id    TEXT    NOT NULL,
    sku          TEXT    NOT NULL,
    onhand       BIGINT NOT NULL,  -- units in AWD, reserved included
    reserved     BIGINT NOT NULL,  -- units held by confirmed distribution orders
    inbound      BIGINT NOT NULL,  -- units of confirmed inbound orders not received yet
    replenishing BIGINT NOT NULL,  -- units on their way from AWD to FBA
    expirations  TEXT    NOT NULL,  -- JSON {expiration: units on hand}
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (seller_id, sku)
);

CREATE TABLE awd_auto_replenishment (
    seller_id  TEXT    NOT NULL,
    sku        TEXT    NOT NULL,
    threshold  BIGINT NOT NULL,  -- FBA units (fulfillable + inbound) below which AWD sends more
    quantity   BIGINT NOT NULL,  -- units per replenishment
    check_at   BIGINT NOT NULL,  -- the pending check job's time (stale jobs do nothing)
    PRIMARY KEY (seller_id, sku)
);

-- Documents may now be labels (AWD shipment labels; the kind is general so that other label
-- documents can use it).
ALTER TABLE documents DROP CONSTRAINT IF EXISTS documents_kind_check;
ALTER TABLE documents ADD CONSTRAINT documents_kind_check
    CHECK (kind IN ('feed', 'report', 'feed_result', 'upload', 'label'));
