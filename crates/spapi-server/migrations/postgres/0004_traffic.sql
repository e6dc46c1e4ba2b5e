-- spapi store, schema version 4: usage-plan buckets shared by instances, and what the request
-- log says about throttling, faults and the sandbox port.
-- Keep logically identical to migrations/sqlite/0004_traffic.sql.

UPDATE meta SET value = '4' WHERE key = 'schema.version';

-- One token bucket per (application, selling partner, operation) and port (production or
-- sandbox). Several instances behind one load balancer share these rows, so each usage plan
-- holds across instances as it does at Amazon (see src/http/throttle.rs).
CREATE TABLE throttle_buckets (
    app_id    TEXT             NOT NULL,
    seller_id TEXT             NOT NULL,  -- '' for grantless calls
    operation TEXT             NOT NULL,  -- 'api.operationId', e.g. 'orders_v0.getOrders'
    sandbox   BOOLEAN          NOT NULL,  -- the sandbox port's bucket
    tokens    DOUBLE PRECISION NOT NULL,  -- tokens left at `at`
    at        BIGINT           NOT NULL,  -- emulator time of the last refill, epoch us
    granted   BOOLEAN          NOT NULL,  -- whether the last call got a token
    PRIMARY KEY (app_id, seller_id, operation, sandbox)
);

-- The request log says whether a call was throttled (429 from its usage plan), which injected
-- fault it met (NULL: none), and whether it came in on the sandbox port.
ALTER TABLE request_log ADD COLUMN throttled BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE request_log ADD COLUMN fault TEXT;
ALTER TABLE request_log ADD COLUMN sandbox BOOLEAN NOT NULL DEFAULT false;
