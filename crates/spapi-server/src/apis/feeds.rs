//! Feeds 2021-06-30: the six operations over `market::feeds`.

use super::reports::{check_marketplaces, decode_token, page_of, query_from, seller, time};
use crate::clock::Clock;
use crate::generated::feeds_2021_06_30::Feeds20210630Api;
use crate::http::{ApiError, RequestContext};
use crate::market::documents::{Documents, UrlOp, new_document_id};
use crate::market::feeds;
use crate::store::Store;
use crate::store::documents::DocumentRow;
use crate::store::feeds::{FeedRow, feed_public_id, feed_store_id};
use serde_json::json;
use spapi_model::feeds_2021_06_30 as m;

/// Feeds over the world's store.
pub struct Feeds {
    store: Store,
    clock: Clock,
    docs: Documents,
}

impl Feeds {
    /// Feeds of the world in `store`, with documents served by `docs`.
    pub fn new(store: Store, clock: Clock, docs: Documents) -> Self {
        Feeds { store, clock, docs }
    }

    async fn own_feed(&self, ctx: &RequestContext, id: &str) -> Result<FeedRow, ApiError> {
        let seller_id = seller(ctx)?;
        let Some(store_id) = feed_store_id(id) else {
            return Err(ApiError::not_found());
        };
        match self
            .store
            .get_feed(store_id)
            .await
            .map_err(ApiError::internal)?
        {
            Some(f) if f.seller_id == seller_id => Ok(f),
            _ => Err(ApiError::not_found()),
        }
    }
}

fn feed_json(f: &FeedRow) -> m::Feed {
    m::Feed {
        feed_id: feed_public_id(f.id),
        feed_type: f.feed_type.clone(),
        marketplace_ids: Some(f.marketplace_ids.clone()),
        created_time: time(f.created_at_us),
        processing_status: m::FeedProcessingStatus::from_wire(&f.status),
        processing_start_time: f.processing_start_us.map(time),
        processing_end_time: f.processing_end_us.map(time),
        result_feed_document_id: f.result_document_id.clone(),
    }
}

#[async_trait::async_trait]
impl Feeds20210630Api for Feeds {
    fn implemented(&self) -> &'static [&'static str] {
        &[
            "getFeeds",
            "createFeed",
            "getFeed",
            "cancelFeed",
            "createFeedDocument",
            "getFeedDocument",
        ]
    }

    async fn get_feeds(
        &self,
        ctx: &RequestContext,
        params: m::params::GetFeeds,
    ) -> Result<m::GetFeedsResponse, ApiError> {
        let seller_id = seller(ctx)?;
        let q = match &params.next_token {
            Some(t) => decode_token(seller_id, t)?,
            None => {
                if params.feed_types.is_empty() {
                    return Err(ApiError::invalid_parameter(
                        "feedTypes",
                        "feedTypes is required when nextToken is not given.",
                    ));
                }
                query_from(
                    seller_id,
                    params.feed_types,
                    params.processing_statuses,
                    params.marketplace_ids,
                    params.page_size,
                    params.created_since.as_deref(),
                    params.created_until.as_deref(),
                    self.clock.now(),
                )?
            }
        };
        let store = &self.store;
        let (rows, next_token) = page_of(
            q,
            |q| async move { store.query_feeds(&q).await },
            |f: &FeedRow| (f.created_at_us, f.id),
        )
        .await?;
        Ok(m::GetFeedsResponse {
            feeds: rows.iter().map(feed_json).collect(),
            next_token,
        })
    }

    async fn create_feed(
        &self,
        ctx: &RequestContext,
        params: m::params::CreateFeed,
    ) -> Result<m::CreateFeedResponse, ApiError> {
        let seller_id = seller(ctx)?.to_string();
        let body = params.body;
        if body.feed_type.trim().is_empty() {
            return Err(ApiError::invalid_input("feedType is required."));
        }
        check_marketplaces(ctx, &body.marketplace_ids)?;
        match self
            .store
            .get_document(&body.input_feed_document_id)
            .await
            .map_err(ApiError::internal)?
        {
            Some(d) if d.seller_id == seller_id && d.kind == "feed" => {}
            _ => {
                return Err(ApiError::invalid_input(format!(
                    "Invalid inputFeedDocumentId {}: create it with createFeedDocument.",
                    body.input_feed_document_id
                )));
            }
        }
        let id = feeds::create(
            &self.store,
            FeedRow {
                id: 0,
                seller_id,
                feed_type: body.feed_type,
                marketplace_ids: body.marketplace_ids,
                options: body.feed_options.map(|o| json!(o)),
                input_document_id: body.input_feed_document_id,
                status: String::new(),
                created_at_us: 0,
                processing_start_us: None,
                processing_end_us: None,
                result_document_id: None,
            },
            self.clock.now(),
        )
        .await?;
        Ok(m::CreateFeedResponse {
            feed_id: feed_public_id(id),
        })
    }

    async fn get_feed(
        &self,
        ctx: &RequestContext,
        params: m::params::GetFeed,
    ) -> Result<m::Feed, ApiError> {
        Ok(feed_json(&self.own_feed(ctx, &params.feed_id).await?))
    }

    async fn cancel_feed(
        &self,
        ctx: &RequestContext,
        params: m::params::CancelFeed,
    ) -> Result<(), ApiError> {
        let f = self.own_feed(ctx, &params.feed_id).await?;
        feeds::cancel(&self.store, &f.seller_id, f.id, self.clock.now()).await?;
        Ok(())
    }

    async fn create_feed_document(
        &self,
        ctx: &RequestContext,
        params: m::params::CreateFeedDocument,
    ) -> Result<m::CreateFeedDocumentResponse, ApiError> {
        let seller_id = seller(ctx)?;
        let content_type = params.body.content_type.trim().to_string();
        if content_type.is_empty() {
            return Err(ApiError::invalid_input("contentType is required."));
        }
        let id = new_document_id();
        self.store
            .insert_document(&DocumentRow {
                id: id.clone(),
                seller_id: seller_id.into(),
                kind: "feed".into(),
                content_type,
                compression: None,
                resource: None,
                content_md5: None,
                generation: None,
                size: 0,
                created_at_us: self.clock.now_us(),
                uploaded_at_us: None,
            })
            .await
            .map_err(ApiError::internal)?;
        Ok(m::CreateFeedDocumentResponse {
            url: self.docs.url(UrlOp::Put, &id),
            feed_document_id: id,
        })
    }

    async fn get_feed_document(
        &self,
        ctx: &RequestContext,
        params: m::params::GetFeedDocument,
    ) -> Result<m::FeedDocument, ApiError> {
        let seller_id = seller(ctx)?;
        let doc = match self
            .store
            .get_document(&params.feed_document_id)
            .await
            .map_err(ApiError::internal)?
        {
            Some(d)
                if d.seller_id == seller_id && (d.kind == "feed" || d.kind == "feed_result") =>
            {
                d
            }
            _ => return Err(ApiError::not_found()),
        };
        Ok(m::FeedDocument {
            url: self.docs.url(UrlOp::Get, &doc.id),
            compression_algorithm: doc
                .compression
                .as_deref()
                .map(m::FeedDocumentCompressionAlgorithm::from_wire),
            feed_document_id: doc.id,
        })
    }
}
