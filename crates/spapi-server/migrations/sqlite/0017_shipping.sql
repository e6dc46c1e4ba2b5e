-- spapi store, schema version 17: merchant-fulfilled shipping (Merchant Fulfillment v0,
-- Shipping v2 and v1). `ship_offers` are the rate offers a seller was quoted (they expire);
-- `ship_records` hold what was bought or made: shipments with their labels and tracking
-- plans, claims, linked carrier accounts, collection forms, each as its API answers it (JSON).

UPDATE meta SET value = '17' WHERE key = 'schema.version';

CREATE TABLE ship_offers (
    id            TEXT    NOT NULL PRIMARY KEY,  -- rateId / ShippingServiceOfferId
    seller_id     TEXT    NOT NULL,
    request_token TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,  -- epoch µs
    expires_at    INTEGER NOT NULL,  -- epoch µs
    doc           TEXT    NOT NULL
) STRICT;

CREATE INDEX ship_offers_token ON ship_offers (seller_id, request_token);

CREATE TABLE ship_records (
    kind        TEXT    NOT NULL,  -- shipment, claim, carrier_account, collection_form, v1_shipment
    id          TEXT    NOT NULL,
    seller_id   TEXT    NOT NULL,
    tracking_id TEXT,
    order_id    TEXT,              -- the Amazon order id (shipments of Amazon orders)
    status      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,  -- epoch µs
    updated_at  INTEGER NOT NULL,  -- epoch µs
    doc         TEXT    NOT NULL,
    PRIMARY KEY (kind, id)
) STRICT;

CREATE INDEX ship_records_tracking ON ship_records (seller_id, tracking_id);
CREATE INDEX ship_records_order ON ship_records (seller_id, kind, order_id);
CREATE INDEX ship_records_created ON ship_records (seller_id, kind, created_at, id);
