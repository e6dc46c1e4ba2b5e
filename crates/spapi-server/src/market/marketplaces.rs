//! The marketplaces SP-API knows: id, country, currency, language, domain.

/// One marketplace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marketplace {
    /// Marketplace id.
    pub id: &'static str,
    /// ISO 3166-1 alpha-2 country code.
    pub country_code: &'static str,
    /// Display name.
    pub name: &'static str,
    /// ISO 4217 currency.
    pub currency: &'static str,
    /// Default language tag.
    pub language: &'static str,
    /// Amazon domain.
    pub domain: &'static str,
    /// SP-API region (`NA`, `EU`, `FE`).
    pub region: &'static str,
    /// The three digits that start the marketplace's order ids.
    pub order_prefix: &'static str,
}

#[allow(clippy::too_many_arguments)] // a table row, read column by column
const fn m(
    id: &'static str,
    country_code: &'static str,
    name: &'static str,
    currency: &'static str,
    language: &'static str,
    domain: &'static str,
    region: &'static str,
    order_prefix: &'static str,
) -> Marketplace {
    Marketplace {
        id,
        country_code,
        name,
        currency,
        language,
        domain,
        region,
        order_prefix,
    }
}

/// Every marketplace.
pub const MARKETPLACES: &[Marketplace] = &[
    m(
        "ATVPDKIKX0DER",
        "US",
        "Amazon.com",
        "USD",
        "en_US",
        "www.amazon.com",
        "NA",
        "114",
    ),
    m(
        "A2EUQ1WTGCTBG2",
        "CA",
        "Amazon.ca",
        "CAD",
        "en_CA",
        "www.amazon.ca",
        "NA",
        "702",
    ),
    m(
        "A1AM78C64UM0Y8",
        "MX",
        "Amazon.com.mx",
        "MXN",
        "es_MX",
        "www.amazon.com.mx",
        "NA",
        "701",
    ),
    m(
        "A2Q3Y263D00KWC",
        "BR",
        "Amazon.com.br",
        "BRL",
        "pt_BR",
        "www.amazon.com.br",
        "NA",
        "702",
    ),
    m(
        "A1F83G8C2ARO7P",
        "GB",
        "Amazon.co.uk",
        "GBP",
        "en_GB",
        "www.amazon.co.uk",
        "EU",
        "202",
    ),
    m(
        "A1PA6795UKMFR9",
        "DE",
        "Amazon.de",
        "EUR",
        "de_DE",
        "www.amazon.de",
        "EU",
        "302",
    ),
    m(
        "A13V1IB3VIYZZH",
        "FR",
        "Amazon.fr",
        "EUR",
        "fr_FR",
        "www.amazon.fr",
        "EU",
        "402",
    ),
    m(
        "APJ6JRA9NG5V4",
        "IT",
        "Amazon.it",
        "EUR",
        "it_IT",
        "www.amazon.it",
        "EU",
        "403",
    ),
    m(
        "A1RKKUPIHCS9HS",
        "ES",
        "Amazon.es",
        "EUR",
        "es_ES",
        "www.amazon.es",
        "EU",
        "404",
    ),
    m(
        "A1805IZSGTT6HS",
        "NL",
        "Amazon.nl",
        "EUR",
        "nl_NL",
        "www.amazon.nl",
        "EU",
        "405",
    ),
    m(
        "A2NODRKZP88ZB9",
        "SE",
        "Amazon.se",
        "SEK",
        "sv_SE",
        "www.amazon.se",
        "EU",
        "406",
    ),
    m(
        "A1C3SOZRARQ6R3",
        "PL",
        "Amazon.pl",
        "PLN",
        "pl_PL",
        "www.amazon.pl",
        "EU",
        "407",
    ),
    m(
        "AMEN7PMS3EDWL",
        "BE",
        "Amazon.com.be",
        "EUR",
        "fr_BE",
        "www.amazon.com.be",
        "EU",
        "408",
    ),
    m(
        "A28R8C7NBKEWEA",
        "IE",
        "Amazon.ie",
        "EUR",
        "en_IE",
        "www.amazon.ie",
        "EU",
        "409",
    ),
    m(
        "A33AVAJ2PDY3EV",
        "TR",
        "Amazon.com.tr",
        "TRY",
        "tr_TR",
        "www.amazon.com.tr",
        "EU",
        "405",
    ),
    m(
        "A2VIGQ35RCS4UG",
        "AE",
        "Amazon.ae",
        "AED",
        "en_AE",
        "www.amazon.ae",
        "EU",
        "406",
    ),
    m(
        "A17E79C6D8DWNP",
        "SA",
        "Amazon.sa",
        "SAR",
        "ar_AE",
        "www.amazon.sa",
        "EU",
        "407",
    ),
    m(
        "ARBP9OOSHTCHU",
        "EG",
        "Amazon.eg",
        "EGP",
        "ar_AE",
        "www.amazon.eg",
        "EU",
        "408",
    ),
    m(
        "A21TJRUUN4KGV",
        "IN",
        "Amazon.in",
        "INR",
        "en_IN",
        "www.amazon.in",
        "EU",
        "171",
    ),
    m(
        "AE08WJ6YKNBMC",
        "ZA",
        "Amazon.co.za",
        "ZAR",
        "en_ZA",
        "www.amazon.co.za",
        "EU",
        "409",
    ),
    m(
        "A1VC38T7YXB528",
        "JP",
        "Amazon.co.jp",
        "JPY",
        "ja_JP",
        "www.amazon.co.jp",
        "FE",
        "249",
    ),
    m(
        "A39IBJ37TRP1C6",
        "AU",
        "Amazon.com.au",
        "AUD",
        "en_AU",
        "www.amazon.com.au",
        "FE",
        "250",
    ),
    m(
        "A19VAU5U5O7RUS",
        "SG",
        "Amazon.sg",
        "SGD",
        "en_SG",
        "www.amazon.sg",
        "FE",
        "503",
    ),
];

/// The marketplace with this id.
pub fn marketplace(id: &str) -> Option<&'static Marketplace> {
    MARKETPLACES.iter().find(|m| m.id == id)
}

/// Checks that `ids` (parameter `field`) is not empty and names only marketplaces SP-API
/// knows; 400 `InvalidInput` naming the parameter otherwise. For operations that take any
/// marketplace (catalog, product types).
pub fn check_known(field: &str, ids: &[String]) -> crate::error::Result<()> {
    use crate::error::Error;
    if ids.is_empty() {
        return Err(Error::invalid_parameter(
            field,
            "at least one marketplace id is required",
        ));
    }
    for id in ids {
        if marketplace(id).is_none() {
            return Err(Error::invalid_parameter(
                field,
                format!("'{id}' is not a valid marketplace id"),
            ));
        }
    }
    Ok(())
}

/// Checks that `ids` is not empty and names only marketplaces the calling seller participates
/// in; 400 `InvalidInput` otherwise. For operations on the seller's own data (reports, feeds).
pub fn check_participating(
    caller: &crate::auth::Caller,
    ids: &[String],
) -> crate::error::Result<()> {
    use crate::error::Error;
    if ids.is_empty() {
        return Err(Error::invalid_input(
            "marketplaceIds must name at least one marketplace.",
        ));
    }
    for id in ids {
        if !caller.marketplace_ids.contains(id) {
            return Err(Error::invalid_input(format!(
                "Invalid marketplaceId {id}: the seller does not participate in it."
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_region_marketplace_is_known() {
        for (region, ids) in crate::auth::REGIONS {
            for id in *ids {
                assert_eq!(marketplace(id).map(|m| m.region), Some(*region), "{id}");
            }
        }
        assert_eq!(MARKETPLACES.len(), 23);
    }
}
