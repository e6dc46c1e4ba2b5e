//! FBA Inbound Eligibility v1: whether an ASIN can be sent to FBA (INBOUND, in a marketplace)
//! or commingled (COMMINGLING), with the reasons taken from the catalog.

use crate::error::{Error, Result};
use crate::market::catalog;
use crate::market::fees;
use crate::market::marketplaces;
use crate::store::Store;

/// The answer: eligible or not, and Amazon's reason codes.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    /// Eligible for the program.
    pub eligible: bool,
    /// `FBA_INB_...` codes.
    pub reasons: Vec<&'static str>,
}

/// Product types that cannot be commingled (hygiene and personal care: Amazon keeps each
/// seller's units apart).
const NO_COMMINGLING: &[&str] = &[
    "BEAUTY",
    "HEALTH_PERSONAL_CARE",
    "SKIN_CARE_AGENT",
    "PERSONAL_CARE_APPLIANCE",
    "BABY_PRODUCT",
];

/// The eligibility of `asin` for `program` (`INBOUND` needs `marketplace_id`).
pub async fn preview(
    store: &Store,
    asin: &str,
    program: &str,
    marketplace_id: Option<&str>,
) -> Result<Preview> {
    match program {
        "INBOUND" | "COMMINGLING" => {}
        _ => {
            return Err(Error::invalid_parameter(
                "program",
                "program must be INBOUND or COMMINGLING.",
            ));
        }
    }
    if let Some(mp) = marketplace_id
        && marketplaces::marketplace(mp).is_none()
    {
        return Err(Error::invalid_parameter(
            "marketplaceIds",
            format!("{mp} is not a valid marketplace id."),
        ));
    }
    if program == "INBOUND" && marketplace_id.is_none() {
        return Err(Error::invalid_parameter(
            "marketplaceIds",
            "marketplaceIds is required for the INBOUND program.",
        ));
    }
    let Some(item) = store.get_catalog_item(asin).await? else {
        // Not in the destination catalog.
        return Ok(Preview {
            eligible: false,
            reasons: vec!["FBA_INB_0017"],
        });
    };
    let attrs = catalog::doc_attributes(&item);
    let mut reasons = vec![];
    if item.title.trim().is_empty() {
        reasons.push("FBA_INB_0019");
    }
    if program == "INBOUND" {
        if fees::package_of(&item).is_none() {
            reasons.push("FBA_INB_0004");
        }
        // Lithium batteries and declared dangerous goods go to hazmat review first.
        let batteries =
            catalog::first_value(&attrs, "batteries_required").as_deref() == Some("true");
        let dg = catalog::first_value(&attrs, "supplier_declared_dg_hz_regulation")
            .is_some_and(|v| !matches!(v.as_str(), "not_applicable" | "unknown"));
        if dg {
            reasons.push("FBA_INB_0010");
        } else if batteries {
            reasons.push("FBA_INB_0007");
        }
        if let Some(p) = fees::package_of(&item)
            && (p.weight_oz > 150.0 * 16.0 || p.sides_in.iter().any(|s| *s > 108.0))
        {
            reasons.push("FBA_INB_0053");
        }
    } else if NO_COMMINGLING.contains(&item.product_type.as_str()) {
        reasons.push("FBA_INB_0065");
    }
    Ok(Preview {
        eligible: reasons.is_empty(),
        reasons,
    })
}

/// The eligibility service over the catalog.
#[derive(Clone)]
pub struct Eligibility {
    store: Store,
}

impl Eligibility {
    /// The service over `store`.
    pub fn new(store: Store) -> Self {
        Eligibility { store }
    }

    /// getItemEligibilityPreview.
    pub async fn preview(
        &self,
        asin: &str,
        program: &str,
        marketplace_id: Option<&str>,
    ) -> Result<Preview> {
        preview(&self.store, asin, program, marketplace_id).await
    }
}
