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
    created_at INTEGER NOT NULL,  -- epoch µs
    updated_at INTEGER NOT NULL,  -- epoch µs
    doc        TEXT    NOT NULL,
    PRIMARY KEY (seller_id, id)
) STRICT;

CREATE INDEX awd_orders_updated ON awd_orders (seller_id, grp, updated_at, id);

CREATE TABLE awd_shipments (
    seller_id  TEXT    NOT NULL,
    id         TEXT    NOT NULL,  -- shipmentId
    grp        TEXT    NOT NULL,  -- the inbound orderId
    status     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    doc        TEXT    NOT NULL,
    PRIMARY KEY (seller_id, id)
) STRICT;

CREATE INDEX awd_shipments_updated ON awd_shipments (seller_id, updated_at, id);
CREATE INDEX awd_shipments_created ON awd_shipments (seller_id, created_at, id);

CREATE TABLE awd_inventory (
    seller_id    TEXT    NOT NULL,
    sku          TEXT    NOT NULL,
    onhand       INTEGER NOT NULL,  -- units in AWD, reserved included
    reserved     INTEGER NOT NULL,  -- units held by confirmed distribution orders
    inbound      INTEGER NOT NULL,  -- units of confirmed inbound orders not received yet
    replenishing INTEGER NOT NULL,  -- units on their way from AWD to FBA
    expirations  TEXT    NOT NULL,  -- JSON {expiration: units on hand}
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (seller_id, sku)
) STRICT;

CREATE TABLE awd_auto_replenishment (
    seller_id  TEXT    NOT NULL,
    sku        TEXT    NOT NULL,
    threshold  INTEGER NOT NULL,  -- FBA units (fulfillable + inbound) below which AWD sends more
    quantity   INTEGER NOT NULL,  -- units per replenishment
    check_at   INTEGER NOT NULL,  -- the pending check job's time (stale jobs do nothing)
    PRIMARY KEY (seller_id, sku)
) STRICT;

-- Documents may now be labels (AWD shipment labels; the kind is general so that other label
-- documents can use it). SQLite cannot change a CHECK constraint: the table is rebuilt with
-- the same columns and index.
CREATE TABLE documents_new (
    id             TEXT    NOT NULL PRIMARY KEY,
    seller_id      TEXT    NOT NULL,
    kind           TEXT    NOT NULL CHECK (kind IN ('feed', 'report', 'feed_result', 'upload', 'label')),
    content_type   TEXT    NOT NULL,
    compression    TEXT,               -- GZIP when the stored bytes are gzip
    resource       TEXT,               -- Uploads: the resource the upload is for
    content_md5    TEXT,               -- Uploads: the base64 MD5 the content must have
    generation     INTEGER,            -- current chunk set; NULL until content exists
    size           INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    uploaded_at    INTEGER
) STRICT;
INSERT INTO documents_new (id, seller_id, kind, content_type, compression, resource, content_md5,
    generation, size, created_at, uploaded_at)
SELECT id, seller_id, kind, content_type, compression, resource, content_md5, generation, size,
    created_at, uploaded_at FROM documents;
DROP TABLE documents;
ALTER TABLE documents_new RENAME TO documents;
CREATE INDEX documents_seller ON documents (seller_id, kind, created_at);
