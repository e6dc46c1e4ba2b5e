//! AWD shipment labels: a small hand-written PDF, one page per case (capped), each with the
//! shipment, the case number, the addresses and a barcode of the case id drawn as bars.

use spapi_model::awd_2024_05_09 as m;

/// At most this many pages (one per case); a larger shipment's last page says how many more.
const MAX_PAGES: i64 = 100;

fn escape(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii() && !c.is_ascii_control())
        .flat_map(|c| match c {
            '(' | ')' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect()
}

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

/// Bars of a barcode for `text`: a start pattern, 9 modules per byte (its bits, wide bars for
/// ones), and a stop pattern; (x offset, width) in points.
fn bars(text: &str) -> Vec<(f64, f64)> {
    let mut x = 0.0;
    let mut out = vec![];
    let bar = |wide: bool, x: &mut f64, out: &mut Vec<(f64, f64)>| {
        let w = if wide { 2.4 } else { 1.0 };
        out.push((*x, w));
        *x += w + 1.2;
    };
    for _ in 0..3 {
        bar(false, &mut x, &mut out);
    }
    for b in text.bytes() {
        for i in (0..8).rev() {
            bar(b >> i & 1 == 1, &mut x, &mut out);
        }
        x += 1.5;
    }
    for _ in 0..3 {
        bar(true, &mut x, &mut out);
    }
    out
}

fn page_content(s: &m::InboundShipment, case: i64, cases: i64) -> String {
    let mut c = String::new();
    let text = |x: i32, y: i32, size: i32, t: &str, c: &mut String| {
        c.push_str(&format!(
            "BT /F1 {size} Tf {x} {y} Td ({}) Tj ET\n",
            escape(t)
        ));
    };
    text(40, 800, 20, "AMAZON WAREHOUSING AND DISTRIBUTION", &mut c);
    text(40, 770, 14, &format!("Shipment {}", s.shipment_id), &mut c);
    text(40, 750, 12, &format!("Order {}", s.order_id), &mut c);
    text(40, 730, 12, &format!("Case {case} of {cases}"), &mut c);
    if let Some(r) = &s.destination_region {
        text(40, 710, 12, &format!("Region {r}"), &mut c);
    }
    text(40, 680, 11, "SHIP FROM:", &mut c);
    for (i, l) in address_lines(&s.origin_address).iter().enumerate() {
        text(40, 665 - 14 * i as i32, 10, l, &mut c);
    }
    text(320, 680, 11, "SHIP TO:", &mut c);
    for (i, l) in address_lines(&s.destination_address).iter().enumerate() {
        text(320, 665 - 14 * i as i32, 10, l, &mut c);
    }
    let code = format!("{}C{case:03}", s.shipment_id);
    c.push_str("0 0 0 rg\n");
    for (x, w) in bars(&code) {
        c.push_str(&format!("{:.1} 480 {:.1} 90 re f\n", 40.0 + x, w));
    }
    text(40, 462, 12, &code, &mut c);
    if case == MAX_PAGES.min(cases) && cases > MAX_PAGES {
        text(
            40,
            420,
            11,
            &format!(
                "{} more cases: print this page for each of them with its own number.",
                cases - MAX_PAGES
            ),
            &mut c,
        );
    }
    c
}

/// The label PDF of a shipment.
pub fn shipment_labels(s: &m::InboundShipment) -> Vec<u8> {
    let cases: i64 = s
        .shipment_container_quantities
        .iter()
        .map(|p| p.count.max(1))
        .sum::<i64>()
        .max(1);
    let pages = cases.min(MAX_PAGES);
    // Objects: 1 catalog, 2 pages, 3 font, then (page, content) per page.
    let mut objects: Vec<String> = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".into(),
        String::new(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".into(),
    ];
    let mut kids = vec![];
    for case in 1..=pages {
        let page_obj = objects.len() + 1;
        let content_obj = page_obj + 1;
        kids.push(format!("{page_obj} 0 R"));
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents {content_obj} 0 R >>"
        ));
        let content = page_content(s, case, cases);
        objects.push(format!(
            "<< /Length {} >>\nstream\n{content}endstream",
            content.len()
        ));
    }
    objects[1] = format!(
        "<< /Type /Pages /Kids [{}] /Count {pages} >>",
        kids.join(" ")
    );
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = vec![];
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
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
