//! `spapi notifications tail`: the emulator's inbox of delivered notifications (control plane
//! `GET /emulator/v1/notifications`), and its dead letters.

use crate::control::{Client, Target, seg};
use clap::{Args, Subcommand};
use serde_json::Value;
use std::collections::HashSet;
use std::time::Duration;

/// `spapi notifications ...`
#[derive(Subcommand)]
pub enum NotificationsCommand {
    /// Prints the latest delivered notifications, oldest first; with --follow keeps printing
    /// new ones.
    Tail(Tail),
}

/// `spapi notifications tail`
#[derive(Args)]
pub struct Tail {
    /// How many of the latest notifications to print first.
    #[arg(short = 'n', long, default_value_t = 20)]
    lines: u32,
    /// Keep printing notifications as they are delivered.
    #[arg(short, long)]
    follow: bool,
    /// Poll interval with --follow, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    interval_ms: u64,
    /// Only this subscription.
    #[arg(long)]
    subscription: Option<String>,
    /// Only this notification type (`ORDER_CHANGE`).
    #[arg(long = "type")]
    notification_type: Option<String>,
    /// The dead letters instead of the inbox.
    #[arg(long)]
    dead_letters: bool,
    /// The whole envelope, one JSON object per line, instead of a summary line.
    #[arg(long)]
    json: bool,
}

fn summary(n: &Value) -> String {
    let env = &n["envelope"];
    let payload = env.get("Payload").or_else(|| env.get("payload"));
    // The first field of the payload object that names what changed, when there is one.
    let subject = payload
        .and_then(|p| p.as_object())
        .and_then(|p| p.values().next())
        .and_then(|o| o.get("AmazonOrderId").or_else(|| o.get("ChangeReason")))
        .and_then(Value::as_str)
        .unwrap_or("");
    let mut line = format!(
        "{}  {:<22} {:<14} sub={} attempts={} {}",
        n["finished_at"].as_str().unwrap_or("-"),
        n["notification_type"].as_str().unwrap_or("?"),
        n["seller_id"].as_str().unwrap_or("-"),
        n["subscription_id"].as_str().unwrap_or("?"),
        n["attempts"],
        subject,
    );
    if let Some(e) = n["last_error"].as_str() {
        line.push_str(&format!("  error: {e}"));
    }
    line
}

/// `spapi notifications`.
pub async fn run(t: Target<NotificationsCommand>) -> anyhow::Result<()> {
    let c = Client::new(&t)?;
    let NotificationsCommand::Tail(tail) = t.command;
    let path = if tail.dead_letters {
        "/notifications/dead-letters"
    } else {
        "/notifications"
    };
    let url = |limit: u32| {
        let mut q = vec![format!("limit={limit}")];
        if let Some(s) = &tail.subscription {
            q.push(format!("subscription={}", seg(s)));
        }
        if let Some(s) = &tail.notification_type {
            q.push(format!("type={}", seg(s)));
        }
        format!("{path}?{}", q.join("&"))
    };
    let show = |n: &Value| {
        if tail.json {
            println!("{}", n["envelope"]);
        } else {
            println!("{}", summary(n));
        }
    };
    let mut seen: HashSet<i64> = HashSet::new();
    let v = c
        .call(reqwest::Method::GET, &url(tail.lines.clamp(1, 1000)), None)
        .await?;
    // The inbox lists the newest last.
    for n in v["notifications"].as_array().into_iter().flatten() {
        seen.insert(n["id"].as_i64().unwrap_or_default());
        show(n);
    }
    if !tail.follow {
        return Ok(());
    }
    let interval = Duration::from_millis(tail.interval_ms.max(50));
    loop {
        tokio::time::sleep(interval).await;
        let v = c.call(reqwest::Method::GET, &url(1000), None).await?;
        for n in v["notifications"].as_array().into_iter().flatten() {
            if seen.insert(n["id"].as_i64().unwrap_or_default()) {
                show(n);
            }
        }
    }
}
