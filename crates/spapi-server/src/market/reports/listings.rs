//! Listings reports: GET_MERCHANT_LISTINGS_ALL_DATA, GET_MERCHANT_LISTINGS_DATA (active
//! listings only) and GET_FLAT_FILE_OPEN_LISTINGS_DATA, from the `listings` table.

use super::tsv::Tsv;
use crate::market::documents::DocumentWriter;
use crate::store::reports::ReportRow;
use crate::store::{ListingRow, Store, StoreError};

/// Listings read per page.
pub(super) const PAGE: u32 = 500;

/// The merchant listings columns (US layout).
const MERCHANT_LISTINGS: &[&str] = &[
    "item-name",
    "item-description",
    "listing-id",
    "seller-sku",
    "price",
    "quantity",
    "open-date",
    "image-url",
    "item-is-marketplace",
    "product-id-type",
    "zshop-shipping-fee",
    "item-note",
    "item-condition",
    "zshop-category1",
    "zshop-browse-path",
    "zshop-storefront-feature",
    "asin1",
    "asin2",
    "asin3",
    "will-ship-internationally",
    "expedited-shipping",
    "zshop-boldface",
    "product-id",
    "bid-for-featured-placement",
    "add-delete",
    "pending-quantity",
    "fulfillment-channel",
    "merchant-shipping-group",
    "status",
];

/// A stable listing id in Amazon's shape (`MMDD` + 7 alphanumerics).
pub(super) fn listing_id(l: &ListingRow) -> String {
    let tail = crate::market::alnum_tail(
        &format!("{}|{}|{}", l.seller_id, l.sku, l.marketplace_id),
        7,
    );
    let date = jiff::Timestamp::from_microsecond(l.created_at_us)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .strftime("%m%d")
        .to_string();
    format!("{date}{tail}")
}

/// Amazon's `fulfillment-channel` value: `DEFAULT` for merchant fulfilled, `AMAZON_<region>`.
pub(super) fn channel(l: &ListingRow) -> String {
    if l.fulfillment_channel == "AFN" {
        let region = crate::market::marketplaces::marketplace(&l.marketplace_id)
            .map(|m| m.region)
            .unwrap_or("NA");
        format!("AMAZON_{region}")
    } else {
        "DEFAULT".into()
    }
}

/// Flat-file date format of listings reports.
pub(super) fn flat_date(us: i64) -> String {
    jiff::Timestamp::from_microsecond(us)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .strftime("%Y-%m-%d %H:%M:%S UTC")
        .to_string()
}

/// The report's listings, page by page (keyset on SKU and marketplace).
pub(super) struct ListingPages<'a> {
    store: &'a Store,
    report: &'a ReportRow,
    after: Option<(String, String)>,
    done: bool,
}

impl<'a> ListingPages<'a> {
    pub(super) fn new(store: &'a Store, report: &'a ReportRow) -> Self {
        ListingPages {
            store,
            report,
            after: None,
            done: false,
        }
    }

    /// The next page, `None` at the end.
    pub(super) async fn next(&mut self) -> Result<Option<Vec<ListingRow>>, StoreError> {
        if self.done {
            return Ok(None);
        }
        let page = self
            .store
            .listings_page(
                &self.report.seller_id,
                &self.report.marketplace_ids,
                self.after.as_ref().map(|(a, b)| (a.as_str(), b.as_str())),
                PAGE,
            )
            .await?;
        self.done = (page.len() as u32) < PAGE;
        match page.last() {
            Some(last) => self.after = Some((last.sku.clone(), last.marketplace_id.clone())),
            None => return Ok(None),
        }
        Ok(Some(page))
    }
}

/// Title and main image link (absolute under `public_base`) of an ASIN from the catalog.
pub(super) async fn catalog_facts(
    store: &Store,
    asin: &str,
    public_base: &str,
) -> Result<(String, String), StoreError> {
    Ok(match store.get_catalog_item(asin).await? {
        Some(c) => {
            let images = crate::market::catalog::item_images(&c, public_base);
            let image = images
                .pointer("/0/link")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string();
            (c.title, image)
        }
        None => (String::new(), String::new()),
    })
}

/// GET_MERCHANT_LISTINGS_ALL_DATA (`active_only` false) and GET_MERCHANT_LISTINGS_DATA.
pub async fn merchant_listings(
    store: &Store,
    report: &ReportRow,
    public_base: &str,
    w: &mut DocumentWriter,
    active_only: bool,
) -> Result<(), StoreError> {
    let header = if active_only {
        &MERCHANT_LISTINGS[..MERCHANT_LISTINGS.len() - 1]
    } else {
        MERCHANT_LISTINGS
    };
    let mut tsv = Tsv::new(w, header).await?;
    let mut pages = ListingPages::new(store, report);
    while let Some(page) = pages.next().await? {
        for l in page {
            let active =
                l.status == "BUYABLE" && (l.quantity > 0 || l.fulfillment_channel == "AFN");
            if active_only && !active {
                continue;
            }
            let (title, image) = catalog_facts(store, &l.asin, public_base).await?;
            // FBA listings show no quantity in these reports (Amazon holds the stock).
            let quantity = if l.fulfillment_channel == "AFN" {
                String::new()
            } else {
                l.quantity.to_string()
            };
            let mut row = vec![
                title,
                String::new(),
                listing_id(&l),
                l.sku.clone(),
                l.price.clone(),
                quantity,
                flat_date(l.created_at_us),
                image,
                "y".into(),
                "1".into(),
                String::new(),
                String::new(),
                "11".into(),
                String::new(),
                String::new(),
                String::new(),
                l.asin.clone(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                l.asin.clone(),
                String::new(),
                String::new(),
                l.reserved.to_string(),
                channel(&l),
                "Migrated Template".into(),
                if active { "Active" } else { "Inactive" }.into(),
            ];
            if active_only {
                // The active listings report has no status column.
                row.pop();
            }
            tsv.row(&row).await?;
        }
    }
    tsv.finish().await
}

/// GET_FLAT_FILE_OPEN_LISTINGS_DATA: the inventory report (sku, asin, price, quantity).
pub async fn open_listings(
    store: &Store,
    report: &ReportRow,
    w: &mut DocumentWriter,
) -> Result<(), StoreError> {
    let mut tsv = Tsv::new(w, &["sku", "asin", "price", "quantity"]).await?;
    let mut pages = ListingPages::new(store, report);
    while let Some(page) = pages.next().await? {
        for l in page {
            let quantity = if l.fulfillment_channel == "AFN" {
                String::new()
            } else {
                l.quantity.to_string()
            };
            tsv.row(&[l.sku, l.asin, l.price, quantity]).await?;
        }
    }
    tsv.finish().await
}
