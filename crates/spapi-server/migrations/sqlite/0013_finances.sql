-- spapi store, schema version 13: financial events. One row per event the world posts (a
-- ShipmentEvent when an order ships), in the transaction of its cause: the seller, marketplace,
-- currency, order, the settlement group it falls in (14-day cycles per seller and currency),
-- when it was posted, its total in minor units, and the Finances v0 event document.

UPDATE meta SET value = '13' WHERE key = 'schema.version';

CREATE TABLE finance_events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    seller_id       TEXT    NOT NULL,
    marketplace_id  TEXT    NOT NULL,
    currency        TEXT    NOT NULL,
    amazon_order_id TEXT    NOT NULL,
    kind            TEXT    NOT NULL,  -- Shipment, Refund
    group_id        TEXT    NOT NULL,  -- FinancialEventGroupId
    group_start     INTEGER  NOT NULL,  -- start of the group's cycle, epoch us
    posted_at       INTEGER  NOT NULL,  -- PostedDate, epoch us
    total           INTEGER  NOT NULL,  -- sum of the event's amounts, minor units
    doc             TEXT    NOT NULL   -- the Finances v0 event (JSON)
) STRICT;

CREATE INDEX finance_events_posted ON finance_events (seller_id, posted_at, id);
CREATE INDEX finance_events_order ON finance_events (seller_id, amazon_order_id, id);
CREATE INDEX finance_events_group ON finance_events (seller_id, group_id, posted_at, id);
