-- spapi store, schema version 8: documents (feed uploads, report and processing-report
-- downloads, Uploads API destinations), reports with their schedules, and feeds.
-- Keep logically identical to migrations/postgres/0008_documents_reports_feeds.sql.

UPDATE meta SET value = '8' WHERE key = 'schema.version';

-- A document: its metadata here, its bytes in `document_chunks`. `generation` names the set of
-- chunks that is the content: an upload or a generator writes a fresh generation and switches
-- to it in one statement, so a reader never sees half a document and an interrupted write
-- leaves only orphan chunks (removed when the next write of that document finishes).
-- kind: feed (input of createFeed), report, feed_result, upload (Uploads API).
CREATE TABLE documents (
    id             TEXT    NOT NULL PRIMARY KEY,
    seller_id      TEXT    NOT NULL,
    kind           TEXT    NOT NULL CHECK (kind IN ('feed', 'report', 'feed_result', 'upload')),
    content_type   TEXT    NOT NULL,
    compression    TEXT,               -- GZIP when the stored bytes are gzip
    resource       TEXT,               -- Uploads: the resource the upload is for
    content_md5    TEXT,               -- Uploads: the base64 MD5 the content must have
    generation     INTEGER,            -- current chunk set; NULL until content exists
    size           INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    uploaded_at    INTEGER
) STRICT;

CREATE INDEX documents_seller ON documents (seller_id, kind, created_at);

CREATE TABLE document_chunks (
    document_id    TEXT    NOT NULL,
    generation     INTEGER NOT NULL,
    seq            INTEGER NOT NULL,
    data           BLOB    NOT NULL,
    PRIMARY KEY (document_id, generation, seq)
) STRICT;

-- Reports. The public reportId is a number derived from `id` (see store::reports).
-- status: IN_QUEUE, IN_PROGRESS, DONE, CANCELLED, FATAL.
CREATE TABLE reports (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    seller_id        TEXT    NOT NULL,
    report_type      TEXT    NOT NULL,
    marketplace_ids  TEXT    NOT NULL,   -- JSON array
    options          TEXT,               -- JSON object (reportOptions)
    data_start       INTEGER,
    data_end         INTEGER,
    schedule_id      TEXT,
    status           TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    processing_start INTEGER,
    processing_end   INTEGER,
    document_id      TEXT
) STRICT;

-- getReports: one seller's reports by creation time (newest first), filtered.
CREATE INDEX reports_seller_created ON reports (seller_id, created_at, id);

-- Report schedules: at `next_at` a report is created and the schedule moves on by `period`.
CREATE TABLE report_schedules (
    id               TEXT    NOT NULL PRIMARY KEY,
    seller_id        TEXT    NOT NULL,
    report_type      TEXT    NOT NULL,
    marketplace_ids  TEXT    NOT NULL,   -- JSON array, sorted
    options          TEXT,
    period           TEXT    NOT NULL,
    next_at          INTEGER NOT NULL,
    created_at       INTEGER NOT NULL
) STRICT;

CREATE INDEX report_schedules_seller ON report_schedules (seller_id, report_type);

-- Feeds. The public feedId is a number derived from `id` (see store::feeds).
CREATE TABLE feeds (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    seller_id          TEXT    NOT NULL,
    feed_type          TEXT    NOT NULL,
    marketplace_ids    TEXT    NOT NULL,
    options            TEXT,
    input_document_id  TEXT    NOT NULL,
    status             TEXT    NOT NULL,
    created_at         INTEGER NOT NULL,
    processing_start   INTEGER,
    processing_end     INTEGER,
    result_document_id TEXT
) STRICT;

CREATE INDEX feeds_seller_created ON feeds (seller_id, created_at, id);
