-- spapi store, schema version 2 (SQLite): developer apps, sellers and their authorizations.
-- Keep logically identical to migrations/postgres/0002_auth.sql.
-- Secrets, passwords, codes and tokens are never stored in clear: client secrets, refresh
-- tokens, authorization codes and access tokens as SHA-256 hex (they are high-entropy random
-- strings), seller passwords with argon2.

UPDATE meta SET value = '2' WHERE key = 'schema.version';

CREATE TABLE apps (
    application_id     TEXT    NOT NULL PRIMARY KEY,
    name               TEXT    NOT NULL,
    client_id          TEXT    NOT NULL UNIQUE,
    client_secret_hash TEXT    NOT NULL,
    redirect_uris      TEXT    NOT NULL,  -- JSON array of strings
    roles              TEXT    NOT NULL,  -- JSON array of role names
    draft              INTEGER NOT NULL,  -- 0 published, 1 draft
    hybrid             INTEGER NOT NULL,  -- 1: also an MWS app (consent adds mws_auth_token)
    created_at         INTEGER NOT NULL
) STRICT;

CREATE TABLE sellers (
    selling_partner_id TEXT    NOT NULL PRIMARY KEY,
    name               TEXT    NOT NULL,
    email              TEXT    NOT NULL UNIQUE,
    password_hash      TEXT    NOT NULL,
    region             TEXT    NOT NULL,  -- NA, EU or FE
    marketplace_ids    TEXT    NOT NULL,  -- JSON array
    created_at         INTEGER NOT NULL
) STRICT;

-- A seller's authorization of an app: what a refresh token stands for.
CREATE TABLE authorizations (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id     TEXT    NOT NULL REFERENCES apps (application_id),
    selling_partner_id TEXT    NOT NULL REFERENCES sellers (selling_partner_id),
    roles              TEXT    NOT NULL,  -- JSON array: the roles granted at consent
    refresh_token_hash TEXT    NOT NULL UNIQUE,
    created_at         INTEGER NOT NULL,
    expires_at         INTEGER NOT NULL,
    revoked_at         INTEGER
) STRICT;

CREATE INDEX authorizations_app_seller ON authorizations (application_id, selling_partner_id);

-- Authorization codes from the consent flow (spapi_oauth_code): single use, short-lived.
CREATE TABLE auth_codes (
    code_hash          TEXT    NOT NULL PRIMARY KEY,
    application_id     TEXT    NOT NULL REFERENCES apps (application_id),
    selling_partner_id TEXT    NOT NULL REFERENCES sellers (selling_partner_id),
    roles              TEXT    NOT NULL,
    redirect_uri       TEXT,
    expires_at         INTEGER NOT NULL,
    used_at            INTEGER
) STRICT;
-- Access tokens (Atza|), grantless tokens and Restricted Data Tokens (Atz.sprdt|).
CREATE TABLE access_tokens (
    token_hash         TEXT    NOT NULL PRIMARY KEY,
    kind               TEXT    NOT NULL CHECK (kind IN ('seller', 'grantless', 'rdt')),
    application_id     TEXT    NOT NULL REFERENCES apps (application_id),
    authorization_id   INTEGER REFERENCES authorizations (id),
    scope              TEXT,              -- grantless: the LWA scope
    restricted         TEXT,              -- rdt: JSON list of {method, path, dataElements}
    created_at         INTEGER NOT NULL,
    expires_at         INTEGER NOT NULL
) STRICT;

CREATE INDEX access_tokens_expires_at ON access_tokens (expires_at);
