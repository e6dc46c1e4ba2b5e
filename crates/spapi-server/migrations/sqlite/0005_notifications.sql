-- spapi store, schema version 5: the Notifications API (destinations, subscriptions) and the
-- deliveries of notifications made from outbox events.
-- Keep logically identical to migrations/postgres/0005_notifications.sql.

UPDATE meta SET value = '5' WHERE key = 'schema.version';

-- Destinations belong to an application (created with grantless tokens). `resource` is the
-- Notifications API `DestinationResource` document; `resource_key` identifies the resource
-- (the SQS ARN, or the EventBridge region and account) so that an app cannot create it twice.
-- `http_url` / `http_secret`: the spapi HTTP sink of the destination (control plane), if any.
CREATE TABLE notify_destinations (
    id             TEXT    NOT NULL PRIMARY KEY,
    application_id TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    resource       TEXT    NOT NULL,
    resource_key   TEXT    NOT NULL,
    http_url       TEXT,
    http_secret    TEXT,
    created_at     INTEGER NOT NULL,
    UNIQUE (application_id, resource_key)
) STRICT;

-- Subscriptions: one per (seller, application, notification type, payload version).
-- `processing_directive` is the `ProcessingDirective` document, NULL when none was given.
CREATE TABLE notify_subscriptions (
    id                   TEXT    NOT NULL PRIMARY KEY,
    application_id       TEXT    NOT NULL,
    seller_id            TEXT    NOT NULL,
    notification_type    TEXT    NOT NULL,
    payload_version      TEXT    NOT NULL,
    destination_id       TEXT    NOT NULL REFERENCES notify_destinations (id),
    processing_directive TEXT,
    created_at           INTEGER NOT NULL,
    UNIQUE (seller_id, application_id, notification_type, payload_version)
) STRICT;

CREATE INDEX notify_subscriptions_match ON notify_subscriptions (notification_type, seller_id);
CREATE INDEX notify_subscriptions_destination ON notify_subscriptions (destination_id);

-- One notification for one subscription: the envelope as sent, and where its delivery stands.
-- pending -> delivered | dead (retries exhausted) | cancelled (subscription deleted).
-- A subscription's pending rows are delivered one at a time in id order.
CREATE TABLE notify_deliveries (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription_id   TEXT    NOT NULL,
    application_id    TEXT    NOT NULL,
    seller_id         TEXT,
    notification_type TEXT    NOT NULL,
    destination_id    TEXT    NOT NULL,
    event_id          INTEGER,             -- the outbox entry; NULL for test notifications
    notification_id   TEXT    NOT NULL,
    envelope          TEXT    NOT NULL,
    state             TEXT    NOT NULL DEFAULT 'pending'
                      CHECK (state IN ('pending', 'delivered', 'dead', 'cancelled')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   INTEGER NOT NULL,
    last_error        TEXT,
    locked_until      INTEGER,
    created_at        INTEGER NOT NULL,
    finished_at       INTEGER
) STRICT;

CREATE INDEX notify_deliveries_queue ON notify_deliveries (subscription_id, state, id);
CREATE INDEX notify_deliveries_due ON notify_deliveries (state, next_attempt_at);
CREATE INDEX notify_deliveries_finished ON notify_deliveries (state, finished_at, id);
