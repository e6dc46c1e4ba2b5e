//! The XML feeds POST_INVENTORY_AVAILABILITY_DATA (`Inventory`: SKU, Quantity) and
//! POST_PRODUCT_PRICING_DATA (`Price`: SKU, StandardPrice), applied message by message to the
//! seller's listings in the feed's marketplaces, with an XML `ProcessingReport`.

use super::{Outcome, parse_price};
use crate::error::Error;
use crate::store::StoreTx;
use crate::store::feeds::{FeedRow, feed_public_id};
use jiff::Timestamp;
use quick_xml::events::Event;

/// One `Message` of the envelope, as far as spapi reads it.
#[derive(Debug, Default, Clone)]
struct Message {
    id: String,
    sku: String,
    quantity: Option<String>,
    price: Option<String>,
    currency: Option<String>,
    delete: bool,
}

/// One `Result` of the processing report.
struct Outcome1 {
    message_id: String,
    code: &'static str,
    number: &'static str,
    description: String,
    sku: String,
}

fn parse(bytes: &[u8]) -> Result<Vec<Message>, String> {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    reader.config_mut().trim_text(true);
    let mut buf = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let mut cur: Option<Message> = None;
    loop {
        match reader.read_event_into(&mut buf) {
            Err(e) => return Err(format!("The feed is not well-formed XML: {e}")),
            Ok(Event::Eof) => break,
            Ok(Event::Start(e)) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if name == "Message" {
                    cur = Some(Message::default());
                }
                if name == "StandardPrice"
                    && let Some(m) = cur.as_mut()
                {
                    for a in e.attributes().flatten() {
                        if a.key.local_name().as_ref() == b"currency" {
                            m.currency = Some(String::from_utf8_lossy(&a.value).into_owned());
                        }
                    }
                }
                path.push(name);
            }
            Ok(Event::End(_)) => {
                if path.pop().as_deref() == Some("Message")
                    && let Some(m) = cur.take()
                {
                    out.push(m);
                }
            }
            Ok(Event::Text(t)) => {
                let text = t
                    .decode()
                    .map_err(|e| format!("bad text: {e}"))?
                    .trim()
                    .to_string();
                let text = quick_xml::escape::unescape(&text)
                    .map(|c| c.into_owned())
                    .unwrap_or(text);
                if let (Some(m), Some(leaf)) = (cur.as_mut(), path.last()) {
                    match leaf.as_str() {
                        "MessageID" => m.id = text,
                        "SKU" => m.sku = text,
                        "Quantity" => m.quantity = Some(text),
                        "StandardPrice" => m.price = Some(text),
                        "OperationType" => m.delete = text == "Delete",
                        _ => {}
                    }
                }
            }
            Ok(_) => {}
        }
        buf.clear();
    }
    Ok(out)
}

fn esc(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

/// Processes the feed document.
pub async fn process(
    tx: &mut StoreTx,
    feed: &FeedRow,
    bytes: &[u8],
    at: Timestamp,
) -> Result<Outcome, Error> {
    let inventory = feed.feed_type == "POST_INVENTORY_AVAILABILITY_DATA";
    let messages = match parse(bytes) {
        Ok(m) if !m.is_empty() => m,
        Ok(_) => return Ok(report(feed, 0, &[], "The envelope has no Message.")),
        Err(why) => return Ok(report(feed, 0, &[], &why)),
    };
    let mut results = Vec::new();
    for m in &messages {
        let fail = |number: &'static str, description: String| Outcome1 {
            message_id: m.id.clone(),
            code: "Error",
            number,
            description,
            sku: m.sku.clone(),
        };
        if m.sku.is_empty() {
            results.push(fail("90000", "The message has no SKU.".into()));
            continue;
        }
        let mut outcome = None;
        for mp in &feed.marketplace_ids {
            let Some(before) = tx.get_listing(&feed.seller_id, &m.sku, mp).await? else {
                outcome = Some(fail(
                    "13013",
                    format!(
                        "The SKU '{}' does not match any SKU in your catalog for marketplace {mp}.",
                        m.sku
                    ),
                ));
                break;
            };
            let mut after = before.clone();
            if inventory {
                let Some(q) = m
                    .quantity
                    .as_deref()
                    .and_then(|q| q.parse::<i64>().ok())
                    .filter(|q| *q >= 0)
                else {
                    outcome = Some(fail(
                        "5000",
                        "Quantity must be a non-negative integer.".into(),
                    ));
                    break;
                };
                if before.fulfillment_channel == "AFN" {
                    outcome = Some(fail(
                        "13016",
                        "The SKU is fulfilled by Amazon: its quantity cannot be set by an inventory feed.".into(),
                    ));
                    break;
                }
                after.quantity = q;
            } else {
                let Some(p) = m.price.as_deref().and_then(parse_price) else {
                    outcome = Some(fail(
                        "5000",
                        "StandardPrice must be a non-negative amount.".into(),
                    ));
                    break;
                };
                if let Some(c) = &m.currency
                    && c != &before.currency
                    && c != "DEFAULT"
                {
                    outcome = Some(fail(
                        "8560",
                        format!(
                            "The currency {c} is not the marketplace's currency {}.",
                            before.currency
                        ),
                    ));
                    break;
                }
                after.price = p;
            }
            after.updated_at_us = at.as_microsecond();
            super::save_listing(tx, Some(&before), &after).await?;
        }
        if let Some(o) = outcome {
            results.push(o);
        }
    }
    Ok(report(feed, messages.len(), &results, ""))
}

fn report(feed: &FeedRow, processed: usize, results: &[Outcome1], fatal: &str) -> Outcome {
    let errors = results.iter().filter(|r| r.code == "Error").count();
    let mut body = String::new();
    body.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    body.push_str("<AmazonEnvelope xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:noNamespaceSchemaLocation=\"amzn-envelope.xsd\">\n");
    body.push_str(&format!(
        "\t<Header>\n\t\t<DocumentVersion>1.02</DocumentVersion>\n\t\t<MerchantIdentifier>{}</MerchantIdentifier>\n\t</Header>\n",
        esc(&feed.seller_id)
    ));
    body.push_str("\t<MessageType>ProcessingReport</MessageType>\n\t<Message>\n\t\t<MessageID>1</MessageID>\n\t\t<ProcessingReport>\n");
    body.push_str(&format!(
        "\t\t\t<DocumentTransactionID>{}</DocumentTransactionID>\n\t\t\t<StatusCode>Complete</StatusCode>\n",
        feed_public_id(feed.id)
    ));
    body.push_str(&format!(
        "\t\t\t<ProcessingSummary>\n\t\t\t\t<MessagesProcessed>{processed}</MessagesProcessed>\n\t\t\t\t<MessagesSuccessful>{}</MessagesSuccessful>\n\t\t\t\t<MessagesWithError>{errors}</MessagesWithError>\n\t\t\t\t<MessagesWithWarning>0</MessagesWithWarning>\n\t\t\t</ProcessingSummary>\n",
        processed.saturating_sub(errors)
    ));
    if !fatal.is_empty() {
        body.push_str(&format!(
            "\t\t\t<Result>\n\t\t\t\t<MessageID>0</MessageID>\n\t\t\t\t<ResultCode>Error</ResultCode>\n\t\t\t\t<ResultMessageCode>5001</ResultMessageCode>\n\t\t\t\t<ResultDescription>{}</ResultDescription>\n\t\t\t</Result>\n",
            esc(fatal)
        ));
    }
    for r in results {
        body.push_str(&format!(
            "\t\t\t<Result>\n\t\t\t\t<MessageID>{}</MessageID>\n\t\t\t\t<ResultCode>{}</ResultCode>\n\t\t\t\t<ResultMessageCode>{}</ResultMessageCode>\n\t\t\t\t<ResultDescription>{}</ResultDescription>\n\t\t\t\t<AdditionalInfo>\n\t\t\t\t\t<SKU>{}</SKU>\n\t\t\t\t</AdditionalInfo>\n\t\t\t</Result>\n",
            esc(&r.message_id),
            r.code,
            r.number,
            esc(&r.description),
            esc(&r.sku)
        ));
    }
    body.push_str("\t\t</ProcessingReport>\n\t</Message>\n</AmazonEnvelope>\n");
    Outcome {
        // A malformed envelope is still a processed feed at Amazon: DONE with a report of the
        // error (Amazon reserves FATAL for feeds it cannot read at all).
        status: if fatal.is_empty() || processed > 0 {
            "DONE"
        } else {
            "FATAL"
        },
        report: body.into_bytes(),
        content_type: "text/xml; charset=UTF-8",
    }
}
