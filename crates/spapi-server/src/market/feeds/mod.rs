//! Feeds: uploaded documents applied to the seller world on the clock, each with a processing
//! report.
//!
//! A feed is created `IN_QUEUE`; [`JOB_START`] moves it to `IN_PROGRESS` after
//! [`QUEUED_FOR`] and [`JOB_PROCESS`] applies it [`PROCESSING_FOR`] later. Only an `IN_QUEUE`
//! feed can be cancelled. Processing runs in one transaction: every change to the world, the
//! outbox events they cause, the processing report, the `DONE` status and the
//! FEED_PROCESSING_FINISHED event commit together, so a job that runs again after a crash
//! applies the feed exactly once. Each message is applied on its own: a bad message is reported
//! and never loses the good ones. A feed that cannot be read at all ends `FATAL` (with a
//! processing report saying why).
//!
//! [`Feeds`] is the API's side: the operations of Feeds 2021-06-30 for a caller, with their
//! rules (the caller's own feeds, documents and marketplaces); getFeeds' search and paging are
//! those of getReports ([`crate::market::reports::search`]).

mod invloader;
pub mod listings_json;
mod xml;

use crate::auth::Caller;
use crate::clock::Clock;
use crate::error::Error;
use crate::market::documents::{Documents, UrlOp, derived_document_id, new_document_id};
use crate::market::marketplaces::check_participating;
use crate::market::reports::search::{self, Filters, Kind, Page};
use crate::market::reports::{DocumentLink, seller};
use crate::store::documents::DocumentRow;
use crate::store::feeds::feed_store_id;
use crate::store::reports::Processing;
use crate::store::{ListingRow, Store, StoreTx};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use spapi_model::feeds_2021_06_30 as m;

pub use crate::store::feeds::{FeedRow, feed_public_id};

/// Job kind: an IN_QUEUE feed starts processing.
pub const JOB_START: &str = "feed.start";
/// Job kind: an IN_PROGRESS feed is applied.
pub const JOB_PROCESS: &str = "feed.process";
/// The notification type of finished feeds.
pub const FEED_PROCESSING_FINISHED: &str = "FEED_PROCESSING_FINISHED";
/// How long a feed waits in the queue (emulator time).
pub const QUEUED_FOR: SignedDuration = SignedDuration::from_secs(2);
/// How long processing takes (emulator time).
pub const PROCESSING_FOR: SignedDuration = SignedDuration::from_secs(3);
/// The largest feed document spapi processes (feeds are parsed whole).
pub const MAX_FEED_BYTES: usize = 64 * 1024 * 1024;

/// Feed types spapi applies.
pub const SUPPORTED: &[&str] = &[
    "JSON_LISTINGS_FEED",
    "POST_INVENTORY_AVAILABILITY_DATA",
    "POST_PRODUCT_PRICING_DATA",
    "POST_FLAT_FILE_INVLOADER_DATA",
];

fn internal(e: impl std::fmt::Display) -> Error {
    Error::internal(e)
}

/// Creates a feed `IN_QUEUE` and enqueues its start; returns the store id.
pub async fn create(store: &Store, mut row: FeedRow, at: Timestamp) -> Result<i64, Error> {
    row.status = "IN_QUEUE".into();
    row.created_at_us = at.as_microsecond();
    let mut tx = store.begin().await?;
    let id = tx.insert_feed(&row).await?;
    let run_at = at.checked_add(QUEUED_FOR).unwrap_or(at).as_microsecond();
    tx.enqueue_job(JOB_START, run_at, &json!({"feedId": id}))
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// [`JOB_START`]: IN_QUEUE -> IN_PROGRESS, and the processing is enqueued (a cancelled feed
/// stays cancelled).
pub async fn start(store: &Store, id: i64, at: Timestamp) -> Result<(), Error> {
    let next = (JOB_PROCESS, "feedId", PROCESSING_FOR);
    crate::market::reports::start_processing(store, Processing::Feed, id, at, next).await
}

/// The FEED_PROCESSING_FINISHED payload object (`feedProcessingFinishedNotification`).
pub fn finished_payload(f: &FeedRow, status: &str, document_id: Option<&str>) -> Value {
    let mut p = json!({
        "sellerId": f.seller_id,
        "accountId": format!("amzn1.merchant.o.{}", f.seller_id),
        "feedId": feed_public_id(f.id),
        "feedType": f.feed_type,
        "processingStatus": status,
    });
    if let Some(d) = document_id {
        p["resultFeedDocumentId"] = json!(d);
    }
    p
}

/// What processing a feed produced.
pub struct Outcome {
    /// `DONE` or `FATAL`.
    pub status: &'static str,
    /// The processing report.
    pub report: Vec<u8>,
    /// Its content type.
    pub content_type: &'static str,
}

/// [`JOB_PROCESS`]: applies an IN_PROGRESS feed and finishes it. Runs again harmlessly.
pub async fn process(store: &Store, id: i64, at: Timestamp) -> Result<(), Error> {
    let Some(feed) = store.get_feed(id).await? else {
        return Ok(());
    };
    if feed.status != "IN_PROGRESS" {
        return Ok(());
    }
    // The input is read before the transaction (the in-memory store has one connection).
    let input = match store
        .get_document(&feed.input_document_id)
        .await?
    {
        Some(doc) if doc.generation.is_some() => {
            crate::market::documents::read_whole(store, &doc, MAX_FEED_BYTES).await
        }
        _ => Err("The feed document was not uploaded: PUT the content to the URL of createFeedDocument before createFeed.".to_string()),
    };
    let doc_id = derived_document_id(&format!("feed-result:{}:{}", feed.seller_id, feed.id));
    store.delete_orphan_chunks(&doc_id).await?;
    let mut tx = store.begin().await?;
    let outcome = match input {
        Err(why) => fatal(&feed, &why),
        Ok(bytes) => match feed.feed_type.as_str() {
            "JSON_LISTINGS_FEED" => listings_json::process(&mut tx, &feed, &bytes, at).await?,
            "POST_INVENTORY_AVAILABILITY_DATA" | "POST_PRODUCT_PRICING_DATA" => {
                xml::process(&mut tx, &feed, &bytes, at).await?
            }
            "POST_FLAT_FILE_INVLOADER_DATA" => {
                invloader::process(&mut tx, &feed, &bytes, at).await?
            }
            other => fatal(
                &feed,
                &format!(
                    "spapi cannot process feeds of type {other} yet; supported types: {}.",
                    SUPPORTED.join(", ")
                ),
            ),
        },
    };
    let generation = i64::from(rand::random::<u32>()) + 1;
    if tx.get_document(&doc_id).await?.is_none() {
        tx.insert_document(&DocumentRow {
            id: doc_id.clone(),
            seller_id: feed.seller_id.clone(),
            kind: "feed_result".into(),
            content_type: outcome.content_type.into(),
            compression: None,
            resource: Some(feed_public_id(id)),
            content_md5: None,
            generation: None,
            size: 0,
            created_at_us: at.as_microsecond(),
            uploaded_at_us: None,
        })
        .await?;
    }
    tx.put_document_bytes(&doc_id, generation, &outcome.report)
        .await?;
    tx.switch_document_content(
        &doc_id,
        generation,
        outcome.report.len() as i64,
        at.as_microsecond(),
    )
    .await?;
    let moved = tx
        .transition(
            Processing::Feed,
            id,
            &["IN_PROGRESS"],
            outcome.status,
            None,
            Some(at.as_microsecond()),
            Some(&doc_id),
        )
        .await?;
    if !moved {
        tx.rollback().await?;
        return Ok(());
    }
    tx.push_outbox(
        FEED_PROCESSING_FINISHED,
        Some(&feed.seller_id),
        &finished_payload(&feed, outcome.status, Some(&doc_id)),
    )
    .await?;
    tx.commit().await.map_err(internal)
}

/// A FATAL outcome: the feed could not be read. The processing report is in the feed type's
/// format family (JSON for JSON feeds, text otherwise).
fn fatal(feed: &FeedRow, why: &str) -> Outcome {
    if feed.feed_type == "JSON_LISTINGS_FEED" {
        let report = json!({
            "header": {"sellerId": feed.seller_id, "version": "2.0", "feedId": feed_public_id(feed.id)},
            "issues": [{"code": "4000000", "severity": "ERROR", "message": why}],
            "summary": {"errors": 1, "warnings": 0, "messagesProcessed": 0, "messagesAccepted": 0, "messagesInvalid": 0},
        });
        Outcome {
            status: "FATAL",
            report: report.to_string().into_bytes(),
            content_type: "application/json",
        }
    } else {
        Outcome {
            status: "FATAL",
            report: format!("Feed Processing Summary:\n\tFatal error\t\t{why}\n").into_bytes(),
            content_type: "text/plain; charset=UTF-8",
        }
    }
}

/// Cancels a seller's feed: only IN_QUEUE feeds can be cancelled (400 otherwise).
pub async fn cancel(store: &Store, seller_id: &str, id: i64, at: Timestamp) -> Result<(), Error> {
    let mut tx = store.begin().await?;
    let feed = match tx.get_feed(id).await? {
        Some(f) if f.seller_id == seller_id => f,
        _ => return Err(Error::not_found()),
    };
    let moved = tx
        .transition(
            Processing::Feed,
            id,
            &["IN_QUEUE"],
            "CANCELLED",
            None,
            Some(at.as_microsecond()),
            None,
        )
        .await?;
    if !moved {
        return Err(Error::invalid_input(format!(
            "The feed cannot be cancelled: its processingStatus is {}; only IN_QUEUE feeds can be cancelled.",
            feed.status
        )));
    }
    tx.push_outbox(
        FEED_PROCESSING_FINISHED,
        Some(seller_id),
        &finished_payload(&feed, "CANCELLED", None),
    )
    .await?;
    tx.commit().await.map_err(internal)
}

/// Writes a changed listing and the stock and offer events the world emits for it
/// ([`crate::market::offers::listing_changed`]).
pub async fn save_listing(
    tx: &mut StoreTx,
    before: Option<&ListingRow>,
    after: &ListingRow,
) -> Result<(), Error> {
    tx.upsert_listing(after).await?;
    crate::market::offers::listing_changed(tx, before, Some(after), after.updated_at_us).await
}

/// Parses a price as the listings table keeps it (a decimal with two places); `None` if it is
/// not a non-negative amount.
pub fn parse_price(s: &str) -> Option<String> {
    let v: f64 = s.trim().parse().ok()?;
    (v.is_finite() && v >= 0.0).then(|| format!("{v:.2}"))
}

/// The Feeds API over the world: every operation for a caller, on the world's clock, with
/// documents served by the document service.
#[derive(Clone)]
pub struct Feeds {
    store: Store,
    clock: Clock,
    docs: Documents,
}

impl Feeds {
    /// Feeds of the world in `store`, on `clock`, with documents served by `docs`.
    pub fn new(store: Store, clock: Clock, docs: Documents) -> Self {
        Feeds { store, clock, docs }
    }

    /// getFeeds: one page of the caller's feeds, newest first (see
    /// [`crate::market::reports::search`]).
    pub async fn search(&self, caller: &Caller, filters: Filters) -> Result<Page<FeedRow>, Error> {
        let q = search::query(Kind::Feeds, seller(caller)?, filters, self.clock.now())?;
        let store = &self.store;
        search::page(
            Kind::Feeds,
            q,
            |q| async move { store.query_feeds(&q).await },
            |f: &FeedRow| (f.created_at_us, f.id),
        )
        .await
    }

    /// createFeed: a feed of the caller's over a feed document of theirs (made by
    /// createFeedDocument), in marketplaces they sell in; its feedId.
    pub async fn request(
        &self,
        caller: &Caller,
        spec: m::CreateFeedSpecification,
    ) -> Result<String, Error> {
        let seller_id = seller(caller)?.to_string();
        if spec.feed_type.trim().is_empty() {
            return Err(Error::invalid_input("feedType is required."));
        }
        check_participating(caller, &spec.marketplace_ids)?;
        match self
            .store
            .get_document(&spec.input_feed_document_id)
            .await?
        {
            Some(d) if d.seller_id == seller_id && d.kind == "feed" => {}
            _ => {
                return Err(Error::invalid_input(format!(
                    "Invalid inputFeedDocumentId {}: create it with createFeedDocument.",
                    spec.input_feed_document_id
                )));
            }
        }
        let row = FeedRow {
            id: 0,
            seller_id,
            feed_type: spec.feed_type,
            marketplace_ids: spec.marketplace_ids,
            options: spec.feed_options.map(|o| json!(o)),
            input_document_id: spec.input_feed_document_id,
            status: String::new(),
            created_at_us: 0,
            processing_start_us: None,
            processing_end_us: None,
            result_document_id: None,
        };
        let id = create(&self.store, row, self.clock.now()).await?;
        Ok(feed_public_id(id))
    }

    /// getFeed: the caller's feed `feed_id`; 404 for an unknown id or another seller's.
    pub async fn feed(&self, caller: &Caller, feed_id: &str) -> Result<FeedRow, Error> {
        let seller_id = seller(caller)?;
        let Some(id) = feed_store_id(feed_id) else {
            return Err(Error::not_found());
        };
        match self.store.get_feed(id).await? {
            Some(f) if f.seller_id == seller_id => Ok(f),
            _ => Err(Error::not_found()),
        }
    }

    /// cancelFeed: cancels the caller's feed `feed_id`, which must be IN_QUEUE (the free
    /// function [`cancel`] holds the rule); 404 for an unknown id or another seller's.
    pub async fn cancel(&self, caller: &Caller, feed_id: &str) -> Result<(), Error> {
        let seller_id = seller(caller)?;
        let Some(id) = feed_store_id(feed_id) else {
            return Err(Error::not_found());
        };
        cancel(&self.store, seller_id, id, self.clock.now()).await
    }

    /// createFeedDocument: a new, empty feed document of the caller's and the URL its content
    /// is uploaded to (with the same `content_type`).
    pub async fn create_document(
        &self,
        caller: &Caller,
        content_type: &str,
    ) -> Result<DocumentLink, Error> {
        let seller_id = seller(caller)?;
        let content_type = content_type.trim();
        if content_type.is_empty() {
            return Err(Error::invalid_input("contentType is required."));
        }
        let id = new_document_id();
        self.store
            .insert_document(&DocumentRow {
                id: id.clone(),
                seller_id: seller_id.into(),
                kind: "feed".into(),
                content_type: content_type.into(),
                compression: None,
                resource: None,
                content_md5: None,
                generation: None,
                size: 0,
                created_at_us: self.clock.now_us(),
                uploaded_at_us: None,
            })
            .await?;
        Ok(DocumentLink {
            url: self.docs.url(UrlOp::Put, &id),
            id,
            compression: None,
        })
    }

    /// getFeedDocument: a feed document of the caller's (an input or a processing report) and
    /// its download URL.
    pub async fn document(&self, caller: &Caller, id: &str) -> Result<DocumentLink, Error> {
        let seller_id = seller(caller)?;
        match self.store.get_document(id).await? {
            Some(d)
                if d.seller_id == seller_id && (d.kind == "feed" || d.kind == "feed_result") =>
            {
                Ok(DocumentLink {
                    url: self.docs.url(UrlOp::Get, &d.id),
                    id: d.id,
                    compression: d.compression,
                })
            }
            _ => Err(Error::not_found()),
        }
    }
}
