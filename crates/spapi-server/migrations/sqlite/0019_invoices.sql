-- spapi store, schema version 19: Brazil's invoices. Invoices 2024-06-19 (the NF-e of the
-- seller's Brazilian orders, their exports, government invoices of inbound shipments) and
-- Shipment Invoicing v0 (the NF-e a seller submits for an FBA shipment).
-- Keep logically identical to migrations/postgres/0019_invoices.sql.

UPDATE meta SET value = '19' WHERE key = 'schema.version';

-- One NF-e per (seller, order, invoice type). `id` is the NF-e number (externalInvoiceId)
-- unless the seller submitted the NF-e (Shipment Invoicing), whose own number and key are kept.
CREATE TABLE invoices (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    invoice_id       TEXT    NOT NULL UNIQUE,
    seller_id        TEXT    NOT NULL,
    marketplace_id   TEXT    NOT NULL,
    order_id         TEXT    NOT NULL,
    shipment_id      TEXT    NOT NULL,
    transaction_id   TEXT    NOT NULL,  -- BUSINESS_TRANSACTION_ID
    invoice_type     TEXT    NOT NULL,
    transaction_type TEXT    NOT NULL,
    series           TEXT    NOT NULL,
    status           TEXT    NOT NULL,  -- AUTHORIZED, REJECTED, CANCELED
    issued_at        INTEGER NOT NULL,
    error_code       TEXT,
    gov_response     TEXT,
    external_id      TEXT,  -- the NF-e number of a submitted invoice; NULL: `id`
    access_key       TEXT,  -- the access key of a submitted invoice; NULL: derived
    UNIQUE (seller_id, order_id, invoice_type)
) STRICT;

CREATE INDEX invoices_seller_issued ON invoices (seller_id, marketplace_id, issued_at, id);

-- Invoice exports (createInvoicesExport); `filters` is the request as JSON.
-- status: REQUESTED, PROCESSING, DONE, ERROR.
CREATE TABLE invoice_exports (
    export_id      TEXT    NOT NULL PRIMARY KEY,
    seller_id      TEXT    NOT NULL,
    marketplace_id TEXT    NOT NULL,
    status         TEXT    NOT NULL,
    filters        TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    started_at     INTEGER,
    finished_at    INTEGER,
    error_message  TEXT,
    document_id    TEXT
) STRICT;

CREATE INDEX invoice_exports_seller ON invoice_exports (seller_id, marketplace_id, created_at, export_id);

-- The NF-e a seller submitted for a Brazilian shipment (submitInvoice), the last one wins.
-- status: Processing, Accepted, Errored; `errors` is a JSON array of what was wrong.
CREATE TABLE shipment_invoices (
    seller_id     TEXT    NOT NULL,
    shipment_id   TEXT    NOT NULL,
    order_id      TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    submitted_at  INTEGER NOT NULL,
    content       TEXT    NOT NULL,  -- the NF-e XML as submitted
    errors        TEXT    NOT NULL,
    PRIMARY KEY (seller_id, shipment_id)
) STRICT;

-- Government invoices Amazon issues for a seller's inbound shipment (createGovernmentInvoice).
-- status: PROCESSING, SUCCESS, ERROR.
CREATE TABLE government_invoices (
    seller_id        TEXT    NOT NULL,
    shipment_id      TEXT    NOT NULL,
    invoice_type     TEXT    NOT NULL,
    transaction_type TEXT    NOT NULL,
    marketplace_id   TEXT    NOT NULL,
    inbound_plan_id  TEXT,
    status           TEXT    NOT NULL,
    access_key       TEXT,
    errors           TEXT    NOT NULL,  -- JSON array of {errorCode, description}
    request          TEXT    NOT NULL,  -- the request as JSON
    created_at       INTEGER NOT NULL,
    PRIMARY KEY (seller_id, shipment_id, invoice_type, transaction_type)
) STRICT;
