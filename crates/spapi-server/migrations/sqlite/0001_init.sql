-- spapi store, schema version 1 (SQLite).
--
-- Keep this file and migrations/postgres/0001_init.sql logically identical: same tables, columns,
-- nullability, defaults and indexes. Conventions: times are epoch microseconds (INTEGER), JSON
-- documents are TEXT. Tables are STRICT so a wrongly typed bind fails here as it would on
-- PostgreSQL instead of being silently stored.
--
-- Ids: `INTEGER PRIMARY KEY` makes the column an alias of the rowid (it must be spelled INTEGER,
-- not BIGINT, for that); AUTOINCREMENT forbids reusing the id of a deleted row, which matches the
-- identity columns on PostgreSQL. `Store::reset` clears `sqlite_sequence` so ids restart at 1.

-- World settings (seed, ...) and store bookkeeping. Keys starting with `schema.` describe the
-- schema itself and survive `Store::reset`.
CREATE TABLE meta (
    key   TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

INSERT INTO meta (key, value) VALUES ('schema.version', '1');

-- Durable jobs on the clock. A worker claims due rows (pending, run_at <= now) by setting them
-- running with a lease (locked_by, locked_until); a running row whose lease has expired is due
-- again.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT    NOT NULL,
    run_at       INTEGER NOT NULL,
    payload      TEXT    NOT NULL,
    state        TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'running', 'done', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    locked_by    TEXT,
    locked_until INTEGER,
    created_at   INTEGER NOT NULL
) STRICT;

CREATE INDEX jobs_state_run_at ON jobs (state, run_at);

-- Events caused by writes, committed in the same transaction as the write (transactional
-- outbox); the notifier delivers them in id order and stamps delivered_at.
CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    topic        TEXT    NOT NULL,
    seller_id    TEXT,
    payload      TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    delivered_at INTEGER
) STRICT;

-- Partial index: only undelivered rows, which is all the notifier ever scans.
CREATE INDEX outbox_undelivered ON outbox (id) WHERE delivered_at IS NULL;

-- Every HTTP request the emulator answered, for the control plane's request log.
CREATE TABLE request_log (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id   TEXT    NOT NULL,
    at           INTEGER NOT NULL,
    method       TEXT    NOT NULL,
    path         TEXT    NOT NULL,
    operation_id TEXT,
    status       INTEGER NOT NULL,
    seller_id    TEXT,
    app_id       TEXT,
    duration_us  INTEGER NOT NULL
) STRICT;

CREATE INDEX request_log_at ON request_log (at, id);
