//! AWD shipment labels: a PDF (`market::pdf`), one page per case (capped), each with the
//! shipment, the case number, the addresses and a Code 128 barcode of the case id.

use crate::market::pdf::{Page, document};
use spapi_model::awd_2024_05_09 as m;

/// At most this many pages (one per case); a larger shipment's last page says how many more.
const MAX_PAGES: i64 = 100;

fn address_lines(a: &m::Address) -> Vec<String> {
    let mut out = vec![a.name.clone(), a.address_line1.clone()];
    out.extend(a.address_line2.clone());
    out.push(format!(
        "{} {} {} {}",
        a.city.clone().unwrap_or_default(),
        a.state_or_region,
        a.postal_code.clone().unwrap_or_default(),
        a.country_code
    ));
    out
}

fn page(s: &m::InboundShipment, case: i64, cases: i64) -> Page {
    let mut p = Page::new(595.0, 842.0);
    p.text(40.0, 800.0, 20.0, "AMAZON WAREHOUSING AND DISTRIBUTION");
    p.text(40.0, 770.0, 14.0, &format!("Shipment {}", s.shipment_id));
    p.text(40.0, 750.0, 12.0, &format!("Order {}", s.order_id));
    p.text(40.0, 730.0, 12.0, &format!("Case {case} of {cases}"));
    if let Some(r) = &s.destination_region {
        p.text(40.0, 710.0, 12.0, &format!("Region {r}"));
    }
    for (x, title, address) in [
        (40.0, "SHIP FROM:", &s.origin_address),
        (320.0, "SHIP TO:", &s.destination_address),
    ] {
        p.text(x, 680.0, 11.0, title);
        for (i, l) in address_lines(address).iter().enumerate() {
            p.text(x, 665.0 - 14.0 * i as f64, 10.0, l);
        }
    }
    let code = format!("{}C{case:03}", s.shipment_id);
    p.code128(40.0, 480.0, 515.0, 90.0, &code);
    p.text(40.0, 462.0, 12.0, &code);
    if case == MAX_PAGES.min(cases) && cases > MAX_PAGES {
        p.text(
            40.0,
            420.0,
            11.0,
            &format!(
                "{} more cases: print this page for each of them with its own number.",
                cases - MAX_PAGES
            ),
        );
    }
    p
}

/// The label PDF of a shipment: one page per case (at most [`MAX_PAGES`]), each with the
/// case id as a Code 128 barcode.
pub fn shipment_labels(s: &m::InboundShipment) -> Vec<u8> {
    let cases: i64 = s
        .shipment_container_quantities
        .iter()
        .map(|p| p.count.max(1))
        .sum::<i64>()
        .max(1);
    let pages: Vec<Page> = (1..=cases.min(MAX_PAGES))
        .map(|case| page(s, case, cases))
        .collect();
    document(&format!("AWD shipment {} labels", s.shipment_id), &pages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pdf_with_one_page_per_case_and_a_valid_xref() {
        let s = m::InboundShipment {
            shipment_id: "AWDSH(1)".into(),
            shipment_container_quantities: vec![m::DistributionPackageQuantity {
                count: 3,
                ..Default::default()
            }],
            ..Default::default()
        };
        let pdf = shipment_labels(&s);
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.starts_with("%PDF-1.4"));
        assert!(text.contains("/Count 3"));
        assert!(text.contains("Case 3 of 3"));
        assert!(text.contains("AWDSH\\(1\\)"));
        // startxref points at the xref table.
        let at: usize = text
            .rsplit("startxref\n")
            .next()
            .and_then(|t| t.lines().next())
            .and_then(|n| n.parse().ok())
            .unwrap();
        assert!(pdf[at..].starts_with(b"xref"));
    }
}
