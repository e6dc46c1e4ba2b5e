//! Merchant-fulfilled shipping: rate offers (`ship_offers`) and what was bought or made
//! (`ship_records`: shipments, claims, carrier accounts, collection forms), each row a JSON
//! document beside the columns its lookups need. Every lookup is scoped by seller.

use sqlx::AssertSqlSafe;

use super::{Conn, Store, StoreError, StoreTx, on_conn};

/// A rate offer as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct OfferRow {
    /// rateId / ShippingServiceOfferId.
    pub id: String,
    /// The seller quoted.
    pub seller_id: String,
    /// The request token of the quote (Shipping v2), or the offer id itself.
    pub request_token: String,
    /// Quoted at, epoch µs.
    pub created_at_us: i64,
    /// Expires at, epoch µs.
    pub expires_at_us: i64,
    /// The offer and the request it answers (JSON).
    pub doc: String,
}

/// A shipment, claim, carrier account or collection form as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordRow {
    /// `shipment`, `claim`, `carrier_account`, `collection_form`, `v1_shipment`.
    pub kind: String,
    /// Its id (shipmentId, claimId, accountId, collectionFormId).
    pub id: String,
    /// The seller.
    pub seller_id: String,
    /// The package's tracking number, when it has one.
    pub tracking_id: Option<String>,
    /// The Amazon order it ships, when it ships one.
    pub order_id: Option<String>,
    /// Status (per kind).
    pub status: String,
    /// Created at, epoch µs.
    pub created_at_us: i64,
    /// Last change, epoch µs.
    pub updated_at_us: i64,
    /// The document (JSON).
    pub doc: String,
}

const OFFER_COLUMNS: &str = "id, seller_id, request_token, created_at, expires_at, doc";
const RECORD_COLUMNS: &str =
    "kind, id, seller_id, tracking_id, order_id, status, created_at, updated_at, doc";

type OfferTuple = (String, String, String, i64, i64, String);
type RecordTuple = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    i64,
    i64,
    String,
);

fn offer(t: OfferTuple) -> OfferRow {
    OfferRow {
        id: t.0,
        seller_id: t.1,
        request_token: t.2,
        created_at_us: t.3,
        expires_at_us: t.4,
        doc: t.5,
    }
}

fn record(t: RecordTuple) -> RecordRow {
    RecordRow {
        kind: t.0,
        id: t.1,
        seller_id: t.2,
        tracking_id: t.3,
        order_id: t.4,
        status: t.5,
        created_at_us: t.6,
        updated_at_us: t.7,
        doc: t.8,
    }
}

async fn get_offer(
    conn: Conn<'_>,
    seller_id: &str,
    id: &str,
) -> Result<Option<OfferRow>, StoreError> {
    let sql = format!("SELECT {OFFER_COLUMNS} FROM ship_offers WHERE seller_id = $1 AND id = $2");
    let row: Option<OfferTuple> = on_conn!(conn, |c| {
        sqlx::query_as(AssertSqlSafe(sql))
            .bind(seller_id)
            .bind(id)
            .fetch_optional(c)
            .await?
    });
    Ok(row.map(offer))
}

async fn get_record(
    conn: Conn<'_>,
    seller_id: &str,
    kind: &str,
    id: &str,
) -> Result<Option<RecordRow>, StoreError> {
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM ship_records WHERE seller_id = $1 AND kind = $2 AND id = $3"
    );
    let row: Option<RecordTuple> = on_conn!(conn, |c| {
        sqlx::query_as(AssertSqlSafe(sql))
            .bind(seller_id)
            .bind(kind)
            .bind(id)
            .fetch_optional(c)
            .await?
    });
    Ok(row.map(record))
}

async fn records_of_order(
    conn: Conn<'_>,
    seller_id: &str,
    kind: &str,
    order_id: &str,
) -> Result<Vec<RecordRow>, StoreError> {
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM ship_records WHERE seller_id = $1 AND kind = $2 \
         AND order_id = $3 ORDER BY created_at, id"
    );
    let rows: Vec<RecordTuple> = on_conn!(conn, |c| {
        sqlx::query_as(AssertSqlSafe(sql))
            .bind(seller_id)
            .bind(kind)
            .bind(order_id)
            .fetch_all(c)
            .await?
    });
    Ok(rows.into_iter().map(record).collect())
}

impl Store {
    /// A seller's rate offer.
    pub async fn get_ship_offer(
        &self,
        seller_id: &str,
        id: &str,
    ) -> Result<Option<OfferRow>, StoreError> {
        get_offer(self.acquire().await?.conn(), seller_id, id).await
    }

    /// A seller's record of `kind`.
    pub async fn get_ship_record(
        &self,
        seller_id: &str,
        kind: &str,
        id: &str,
    ) -> Result<Option<RecordRow>, StoreError> {
        get_record(self.acquire().await?.conn(), seller_id, kind, id).await
    }

    /// A seller's records with this tracking number (any kind), oldest first.
    pub async fn find_ship_records_by_tracking(
        &self,
        seller_id: &str,
        tracking_id: &str,
    ) -> Result<Vec<RecordRow>, StoreError> {
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM ship_records WHERE seller_id = $1 AND tracking_id = $2 \
             ORDER BY created_at, kind, id"
        );
        let rows: Vec<RecordTuple> = on_conn!(self.acquire().await?.conn(), |c| {
            sqlx::query_as(AssertSqlSafe(sql))
                .bind(seller_id)
                .bind(tracking_id)
                .fetch_all(c)
                .await?
        });
        Ok(rows.into_iter().map(record).collect())
    }

    /// A seller's records of `kind`, oldest first, at most `limit`.
    pub async fn list_ship_records(
        &self,
        seller_id: &str,
        kind: &str,
        limit: u32,
    ) -> Result<Vec<RecordRow>, StoreError> {
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM ship_records WHERE seller_id = $1 AND kind = $2 \
             ORDER BY created_at, id LIMIT {limit}"
        );
        let rows: Vec<RecordTuple> = on_conn!(self.acquire().await?.conn(), |c| {
            sqlx::query_as(AssertSqlSafe(sql))
                .bind(seller_id)
                .bind(kind)
                .fetch_all(c)
                .await?
        });
        Ok(rows.into_iter().map(record).collect())
    }
}

impl StoreTx {
    /// Stores a rate offer.
    pub async fn insert_ship_offer(&mut self, r: &OfferRow) -> Result<(), StoreError> {
        let sql =
            format!("INSERT INTO ship_offers ({OFFER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)");
        on_conn!(self.conn(), |c| {
            sqlx::query(AssertSqlSafe(sql))
                .bind(&r.id)
                .bind(&r.seller_id)
                .bind(&r.request_token)
                .bind(r.created_at_us)
                .bind(r.expires_at_us)
                .bind(&r.doc)
                .execute(c)
                .await?;
        });
        Ok(())
    }

    /// A seller's rate offer, as this transaction sees it.
    pub async fn get_ship_offer(
        &mut self,
        seller_id: &str,
        id: &str,
    ) -> Result<Option<OfferRow>, StoreError> {
        get_offer(self.conn(), seller_id, id).await
    }

    /// A seller's record, as this transaction sees it.
    pub async fn get_ship_record(
        &mut self,
        seller_id: &str,
        kind: &str,
        id: &str,
    ) -> Result<Option<RecordRow>, StoreError> {
        get_record(self.conn(), seller_id, kind, id).await
    }

    /// A seller's records of `kind` for an Amazon order, oldest first.
    pub async fn ship_records_of_order(
        &mut self,
        seller_id: &str,
        kind: &str,
        order_id: &str,
    ) -> Result<Vec<RecordRow>, StoreError> {
        records_of_order(self.conn(), seller_id, kind, order_id).await
    }

    /// Stores a record; [`StoreError::Conflict`] when its (kind, id) is taken.
    pub async fn insert_ship_record(&mut self, r: &RecordRow) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO ship_records ({RECORD_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        );
        on_conn!(self.conn(), |c| {
            sqlx::query(AssertSqlSafe(sql))
                .bind(&r.kind)
                .bind(&r.id)
                .bind(&r.seller_id)
                .bind(&r.tracking_id)
                .bind(&r.order_id)
                .bind(&r.status)
                .bind(r.created_at_us)
                .bind(r.updated_at_us)
                .bind(&r.doc)
                .execute(c)
                .await?;
        });
        Ok(())
    }

    /// Replaces a record's status, tracking number and document.
    pub async fn update_ship_record(&mut self, r: &RecordRow) -> Result<(), StoreError> {
        let sql = "UPDATE ship_records SET tracking_id = $4, status = $5, updated_at = $6, \
                   doc = $7 WHERE kind = $1 AND id = $2 AND seller_id = $3";
        on_conn!(self.conn(), |c| {
            sqlx::query(sql)
                .bind(&r.kind)
                .bind(&r.id)
                .bind(&r.seller_id)
                .bind(&r.tracking_id)
                .bind(&r.status)
                .bind(r.updated_at_us)
                .bind(&r.doc)
                .execute(c)
                .await?;
        });
        Ok(())
    }

    /// Deletes the offers of a quote (once one of them is bought, none can be bought again).
    pub async fn delete_ship_offers(
        &mut self,
        seller_id: &str,
        request_token: &str,
    ) -> Result<(), StoreError> {
        let sql = "DELETE FROM ship_offers WHERE seller_id = $1 AND request_token = $2";
        on_conn!(self.conn(), |c| {
            sqlx::query(sql)
                .bind(seller_id)
                .bind(request_token)
                .execute(c)
                .await?;
        });
        Ok(())
    }

    /// Deletes a record (an unlinked carrier account).
    pub async fn delete_ship_record(
        &mut self,
        seller_id: &str,
        kind: &str,
        id: &str,
    ) -> Result<bool, StoreError> {
        let sql = "DELETE FROM ship_records WHERE seller_id = $1 AND kind = $2 AND id = $3";
        let n = on_conn!(self.conn(), |c| {
            sqlx::query(sql)
                .bind(seller_id)
                .bind(kind)
                .bind(id)
                .execute(c)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }
}
