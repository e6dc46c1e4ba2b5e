//! Feeds 2021-06-30: the six operations over `market::feeds`.
//!
//! The binding is implemented on the market service itself ([`Feeds`]): each operation takes
//! its parameters, asks the service, and shapes the answer into the model's types.

use crate::generated::feeds_2021_06_30::Feeds20210630Api;
use crate::http::{ApiError, RequestContext};
use crate::market::feeds::{FeedRow, feed_public_id};
use crate::market::reports::search::Filters;
use crate::time::iso_us;
use spapi_model::feeds_2021_06_30 as m;

pub use crate::market::feeds::Feeds;

fn feed_json(f: &FeedRow) -> m::Feed {
    m::Feed {
        feed_id: feed_public_id(f.id),
        feed_type: f.feed_type.clone(),
        marketplace_ids: Some(f.marketplace_ids.clone()),
        created_time: iso_us(f.created_at_us),
        processing_status: m::FeedProcessingStatus::from_wire(&f.status),
        processing_start_time: f.processing_start_us.map(iso_us),
        processing_end_time: f.processing_end_us.map(iso_us),
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
        let filters = Filters {
            types: params.feed_types,
            statuses: params.processing_statuses,
            marketplace_ids: params.marketplace_ids,
            page_size: params.page_size,
            created_since: params.created_since,
            created_until: params.created_until,
            next_token: params.next_token,
        };
        let page = self.search(&ctx.caller, filters).await?;
        Ok(m::GetFeedsResponse {
            feeds: page.rows.iter().map(feed_json).collect(),
            next_token: page.next_token,
        })
    }

    async fn create_feed(
        &self,
        ctx: &RequestContext,
        params: m::params::CreateFeed,
    ) -> Result<m::CreateFeedResponse, ApiError> {
        let feed_id = self.request(&ctx.caller, params.body).await?;
        Ok(m::CreateFeedResponse { feed_id })
    }

    async fn get_feed(
        &self,
        ctx: &RequestContext,
        params: m::params::GetFeed,
    ) -> Result<m::Feed, ApiError> {
        Ok(feed_json(&self.feed(&ctx.caller, &params.feed_id).await?))
    }

    async fn cancel_feed(
        &self,
        ctx: &RequestContext,
        params: m::params::CancelFeed,
    ) -> Result<(), ApiError> {
        Ok(self.cancel(&ctx.caller, &params.feed_id).await?)
    }

    async fn create_feed_document(
        &self,
        ctx: &RequestContext,
        params: m::params::CreateFeedDocument,
    ) -> Result<m::CreateFeedDocumentResponse, ApiError> {
        let doc = self
            .create_document(&ctx.caller, &params.body.content_type)
            .await?;
        Ok(m::CreateFeedDocumentResponse {
            feed_document_id: doc.id,
            url: doc.url,
        })
    }

    async fn get_feed_document(
        &self,
        ctx: &RequestContext,
        params: m::params::GetFeedDocument,
    ) -> Result<m::FeedDocument, ApiError> {
        let doc = self.document(&ctx.caller, &params.feed_document_id).await?;
        Ok(m::FeedDocument {
            feed_document_id: doc.id,
            url: doc.url,
            compression_algorithm: doc
                .compression
                .as_deref()
                .map(m::FeedDocumentCompressionAlgorithm::from_wire),
        })
    }
}
