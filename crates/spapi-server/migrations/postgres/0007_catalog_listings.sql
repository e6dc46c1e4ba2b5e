-- spapi store, schema version 7: Catalog Items, Listings Items and product types.
-- Keep logically identical to migrations/sqlite/0007_catalog_listings.sql.
-- A listing keeps its columns (which orders and the buyer simulator read and write) and gains
-- the document the Listings API stores: product type, condition, attributes and issues. A
-- listing without an attributes document (a generated one) shows attributes derived from its
-- catalog item and its columns.

UPDATE meta SET value = '7' WHERE key = 'schema.version';

ALTER TABLE listings ADD COLUMN product_type TEXT;
ALTER TABLE listings ADD COLUMN condition_type TEXT;
ALTER TABLE listings ADD COLUMN attributes TEXT;      -- the submitted attributes (JSON object)
ALTER TABLE listings ADD COLUMN issues TEXT;          -- the Issue array (JSON)
ALTER TABLE listings ADD COLUMN issue_severity TEXT;  -- the worst issue: ERROR, WARNING or NULL

-- searchListingsItems: one seller's listings in a marketplace, by update time.
CREATE INDEX listings_seller_market_updated ON listings (seller_id, marketplace_id, updated_at);

ALTER TABLE catalog_items ADD COLUMN classification_id TEXT NOT NULL DEFAULT '';
ALTER TABLE catalog_items ADD COLUMN created_at BIGINT NOT NULL DEFAULT 0;

CREATE INDEX catalog_items_brand ON catalog_items (brand);
CREATE INDEX catalog_items_classification ON catalog_items (classification_id);

-- Product identifiers (EAN, UPC, GTIN, ISBN, JAN) of catalog items, for identifier searches.
CREATE TABLE catalog_identifiers (
    identifier_type TEXT NOT NULL,
    identifier      TEXT NOT NULL,
    asin            TEXT NOT NULL,
    PRIMARY KEY (identifier_type, identifier, asin)
);

CREATE INDEX catalog_identifiers_asin ON catalog_identifiers (asin);

-- Words of catalog item titles and brands (lower case), for keyword searches: each keyword
-- of a search must be one of an item's words.
CREATE TABLE catalog_keywords (
    keyword TEXT NOT NULL,
    asin    TEXT NOT NULL,
    PRIMARY KEY (keyword, asin)
);

CREATE INDEX catalog_keywords_asin ON catalog_keywords (asin);
