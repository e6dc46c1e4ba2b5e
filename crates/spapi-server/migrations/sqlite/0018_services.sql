-- spapi store, schema version 18: Services v1. Service jobs (one row per job, `doc` the
-- ServiceJob document as getServiceJobByServiceJobId answers it, beside the columns its filters
-- need), the seller's technicians, the schedules of its service stores (resources), the
-- reservations that take capacity from them, and the document upload destinations with the
-- AES key and IV the client encrypts with.

UPDATE meta SET value = '18' WHERE key = 'schema.version';

CREATE TABLE service_jobs (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    seller_id        TEXT    NOT NULL,
    service_job_id   TEXT    NOT NULL UNIQUE,
    service_order_id TEXT    NOT NULL,
    product_order_id TEXT    NOT NULL,  -- the buyer order the service was bought with
    marketplace_id   TEXT    NOT NULL,
    store_id         TEXT    NOT NULL,
    status           TEXT    NOT NULL,  -- serviceJobStatus
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    schedule_start   INTEGER,           -- start of the ACTIVE appointment, epoch µs
    doc              TEXT    NOT NULL   -- ServiceJob document
) STRICT;

CREATE INDEX service_jobs_created ON service_jobs (seller_id, marketplace_id, created_at);
CREATE INDEX service_jobs_updated ON service_jobs (seller_id, marketplace_id, updated_at);
CREATE INDEX service_jobs_order ON service_jobs (product_order_id);
CREATE INDEX service_jobs_store ON service_jobs (seller_id, store_id, schedule_start);

CREATE TABLE service_technicians (
    seller_id     TEXT NOT NULL,
    technician_id TEXT NOT NULL,
    name          TEXT NOT NULL,
    skills        TEXT NOT NULL,        -- JSON array of skills
    PRIMARY KEY (seller_id, technician_id)
) STRICT;

CREATE TABLE service_schedules (
    seller_id   TEXT    NOT NULL,
    resource_id TEXT    NOT NULL,       -- a service store
    schedules   TEXT    NOT NULL,       -- JSON array of AvailabilityRecord
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (seller_id, resource_id)
) STRICT;

CREATE TABLE service_reservations (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    seller_id      TEXT    NOT NULL,
    reservation_id TEXT    NOT NULL UNIQUE,
    resource_id    TEXT    NOT NULL,
    kind           TEXT    NOT NULL,    -- ReservationType
    availability   TEXT    NOT NULL,    -- AvailabilityRecord document
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;

CREATE INDEX service_reservations_resource ON service_reservations (seller_id, resource_id);

CREATE TABLE service_uploads (
    upload_destination_id TEXT    PRIMARY KEY,  -- also the id of its `documents` row
    seller_id             TEXT    NOT NULL,
    content_type          TEXT    NOT NULL,
    content_length        INTEGER NOT NULL,
    aes_key               TEXT    NOT NULL,     -- base64, 256 bits
    aes_iv                TEXT    NOT NULL,     -- base64, 128 bits
    created_at            INTEGER NOT NULL
) STRICT;
