-- spapi store, schema version 15: FBA Inbound 2024-03-20. One row per inbound plan whose
-- `doc` holds the whole plan (items, packing and placement options, shipments with their
-- boxes, transportation and delivery window options) as JSON text; the operations its
-- asynchronous calls record; per-SKU prep and compliance details; problems the control plane
-- queues for the next operation of a kind.

UPDATE meta SET value = '15' WHERE key = 'schema.version';

CREATE TABLE inbound_plans (
    seller_id   TEXT    NOT NULL,
    plan_id     TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    created_at  BIGINT NOT NULL,  -- epoch µs
    updated_at  BIGINT NOT NULL,  -- epoch µs
    doc         TEXT    NOT NULL,
    PRIMARY KEY (seller_id, plan_id)
);

CREATE INDEX inbound_plans_created ON inbound_plans (seller_id, created_at, plan_id);
CREATE INDEX inbound_plans_updated ON inbound_plans (seller_id, updated_at, plan_id);

CREATE TABLE inbound_operations (
    operation_id TEXT    NOT NULL PRIMARY KEY,
    seller_id    TEXT    NOT NULL,
    plan_id      TEXT    NOT NULL,
    operation    TEXT    NOT NULL,  -- the operationId of the call (createInboundPlan ...)
    status       TEXT    NOT NULL,  -- IN_PROGRESS, SUCCESS, FAILED
    problems     TEXT    NOT NULL,  -- JSON array of OperationProblem
    request      TEXT    NOT NULL,  -- JSON: what the job applies
    created_at   BIGINT NOT NULL
);

CREATE INDEX inbound_operations_seller ON inbound_operations (seller_id, operation_id);

CREATE TABLE inbound_sku_details (
    seller_id      TEXT NOT NULL,
    marketplace_id TEXT NOT NULL,
    msku           TEXT NOT NULL,
    prep           TEXT,  -- JSON MskuPrepDetailInput set by setPrepDetails
    compliance     TEXT,  -- JSON TaxDetails set by updateItemComplianceDetails
    PRIMARY KEY (seller_id, marketplace_id, msku)
);

CREATE TABLE inbound_faults (
    seller_id TEXT NOT NULL,
    operation TEXT NOT NULL,  -- operationId the problem is for
    code      TEXT NOT NULL,
    message   TEXT NOT NULL,
    PRIMARY KEY (seller_id, operation)
);
