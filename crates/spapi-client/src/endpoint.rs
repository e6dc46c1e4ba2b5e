//! Where a client sends its calls: the SP-API host, the Login with Amazon token endpoint, and the
//! Seller Central consent page.

use std::fmt;
use std::str::FromStr;

/// Amazon's LWA token endpoint (the same for every region).
pub const AMAZON_LWA_URL: &str = "https://api.amazon.com/auth/o2/token";

/// An SP-API region: one seller authorization covers the marketplaces of one region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Region {
    /// North America: US, CA, MX, BR.
    NorthAmerica,
    /// Europe, with TR, AE, SA, EG, IN and ZA.
    Europe,
    /// Far East: JP, AU, SG.
    FarEast,
}

impl Region {
    /// `NA`, `EU` or `FE`.
    pub fn code(self) -> &'static str {
        match self {
            Region::NorthAmerica => "NA",
            Region::Europe => "EU",
            Region::FarEast => "FE",
        }
    }

    /// The SP-API host of the region (`sellingpartnerapi-na.amazon.com`).
    pub fn host(self) -> &'static str {
        match self {
            Region::NorthAmerica => "sellingpartnerapi-na.amazon.com",
            Region::Europe => "sellingpartnerapi-eu.amazon.com",
            Region::FarEast => "sellingpartnerapi-fe.amazon.com",
        }
    }

    /// The Seller Central of the region's main marketplace, whose `/apps/authorize/consent` page
    /// sellers authorize apps on. Sellers of other marketplaces have their own Seller Central
    /// (`sellercentral.amazon.de`, ...): give it with [`Endpoint::with_consent_url`].
    pub fn seller_central(self) -> &'static str {
        match self {
            Region::NorthAmerica => "https://sellercentral.amazon.com",
            Region::Europe => "https://sellercentral-europe.amazon.com",
            Region::FarEast => "https://sellercentral.amazon.co.jp",
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Region {
    type Err = String;

    /// `NA`/`EU`/`FE` (any case), or `us-east-1`/`eu-west-1`/`us-west-2`, the AWS regions
    /// Amazon's documentation pairs with each.
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "na" | "us-east-1" | "north-america" => Ok(Region::NorthAmerica),
            "eu" | "eu-west-1" | "europe" => Ok(Region::Europe),
            "fe" | "us-west-2" | "far-east" => Ok(Region::FarEast),
            other => Err(format!("unknown region {other:?}: use NA, EU or FE")),
        }
    }
}

/// The URLs a client talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// SP-API base URL, without a trailing slash (`https://sellingpartnerapi-na.amazon.com`).
    pub base_url: String,
    /// LWA token endpoint (`https://api.amazon.com/auth/o2/token`).
    pub lwa_url: String,
    /// Base URL of the Seller Central that shows the consent page
    /// (`<consent_url>/apps/authorize/consent`).
    pub consent_url: String,
}

impl Endpoint {
    /// Amazon's production endpoint of `region`.
    pub fn production(region: Region) -> Self {
        Endpoint {
            base_url: format!("https://{}", region.host()),
            lwa_url: AMAZON_LWA_URL.into(),
            consent_url: region.seller_central().into(),
        }
    }

    /// Amazon's static sandbox of `region` (`sandbox.sellingpartnerapi-na.amazon.com`). The
    /// sandbox uses production LWA credentials.
    pub fn sandbox(region: Region) -> Self {
        Endpoint {
            base_url: format!("https://sandbox.{}", region.host()),
            ..Self::production(region)
        }
    }

    /// A custom server such as spapi, which serves SP-API, LWA (`/auth/o2/token`) and the
    /// consent pages on one base URL (`http://127.0.0.1:8910`).
    pub fn custom(base_url: impl Into<String>) -> Self {
        let base = base_url.into().trim_end_matches('/').to_string();
        Endpoint {
            lwa_url: format!("{base}/auth/o2/token"),
            consent_url: base.clone(),
            base_url: base,
        }
    }

    /// The same endpoint with another LWA token URL.
    pub fn with_lwa_url(mut self, lwa_url: impl Into<String>) -> Self {
        self.lwa_url = lwa_url.into();
        self
    }

    /// The same endpoint with another Seller Central base URL for the consent page.
    pub fn with_consent_url(mut self, consent_url: impl Into<String>) -> Self {
        self.consent_url = consent_url.into().trim_end_matches('/').to_string();
        self
    }

    /// Whether the endpoint uses https (a client refuses to send secrets over plain http to
    /// anything but a loopback address).
    pub fn is_loopback_or_https(&self) -> bool {
        [&self.base_url, &self.lwa_url]
            .iter()
            .all(|u| is_https_or_loopback(u))
    }
}

/// Whether `url` is https, or http to a loopback host (`127.0.0.0/8`, `[::1]`, `localhost`).
pub fn is_https_or_loopback(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("https://") {
        return true;
    }
    let Some(rest) = lower.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    host == "localhost"
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        let e = Endpoint::production(Region::Europe);
        assert_eq!(e.base_url, "https://sellingpartnerapi-eu.amazon.com");
        assert_eq!(e.lwa_url, AMAZON_LWA_URL);
        let s = Endpoint::sandbox(Region::FarEast);
        assert_eq!(
            s.base_url,
            "https://sandbox.sellingpartnerapi-fe.amazon.com"
        );
        let c = Endpoint::custom("http://127.0.0.1:8910/");
        assert_eq!(c.base_url, "http://127.0.0.1:8910");
        assert_eq!(c.lwa_url, "http://127.0.0.1:8910/auth/o2/token");
        assert_eq!("eu".parse::<Region>().unwrap(), Region::Europe);
        assert!("xx".parse::<Region>().is_err());
    }

    #[test]
    fn loopback() {
        assert!(is_https_or_loopback("https://example.com"));
        assert!(is_https_or_loopback("http://127.0.0.1:8910/x"));
        assert!(is_https_or_loopback("http://localhost/"));
        assert!(is_https_or_loopback("http://[::1]:80/"));
        assert!(!is_https_or_loopback("http://example.com"));
        assert!(!is_https_or_loopback("http://10.0.0.1"));
    }
}
