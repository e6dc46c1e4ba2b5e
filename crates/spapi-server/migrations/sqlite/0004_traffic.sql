-- spapi store, schema version 4: usage-plan buckets shared by instances, and what the request
-- log says about throttling, faults and the sandbox port.
-- Keep logically identical to migrations/postgres/0004_traffic.sql.

UPDATE meta SET value = '4' WHERE key = 'schema.version';

-- One token bucket per (application, selling partner, operation) and port (production or
-- sandbox). Used when the store is PostgreSQL, so that several instances behind one load
-- balancer share the usage plans; a single SQLite instance keeps its buckets in memory (see
-- src/http/throttle.rs). The table exists on both backends to keep one schema.
CREATE TABLE throttle_buckets (
    app_id    TEXT    NOT NULL,
    seller_id TEXT    NOT NULL,           -- '' for grantless calls
    operation TEXT    NOT NULL,           -- 'api.operationId', e.g. 'orders_v0.getOrders'
    sandbox   INTEGER NOT NULL,           -- 1: the sandbox port's bucket
    tokens    REAL    NOT NULL,           -- tokens left at `at`
    at        INTEGER NOT NULL,           -- emulator time of the last refill, epoch us
    granted   INTEGER NOT NULL,           -- whether the last call got a token
    PRIMARY KEY (app_id, seller_id, operation, sandbox)
) STRICT;

-- The request log says whether a call was throttled (429 from its usage plan), which injected
-- fault it met (NULL: none), and whether it came in on the sandbox port.
ALTER TABLE request_log ADD COLUMN throttled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE request_log ADD COLUMN fault TEXT;
ALTER TABLE request_log ADD COLUMN sandbox INTEGER NOT NULL DEFAULT 0;
