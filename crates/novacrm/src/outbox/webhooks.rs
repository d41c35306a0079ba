//! Webhook deliveries as outbox jobs. Each booking change writes, in its own transaction, one
//! job per endpoint that listens to the event, carrying the exact body to send (the booking
//! as of that change) and its message id. Jobs of one endpoint and booking share an ordering
//! key, so a receiver sees `booking.created` before `booking.cancelled`, always; a retry
//! resends the same body under the same `webhook-id`.

use super::job::{Change, job};
use crate::store::{BookingRecord, Fanout, JobRecord};
use scheduling::{BookingStatus, Instant};
use serde_json::{Value, json};

pub const WEBHOOK: &str = "webhook";

/// The events an endpoint may listen to.
pub const EVENTS: [&str; 8] = [
    "booking.created",
    "booking.rescheduled",
    "booking.cancelled",
    "booking.completed",
    "booking.no_show",
    "booking.requested",
    "booking.rejected",
    "booking.expired",
];

/// The event a change (already applied to `booking`) is.
fn event(change: Change, booking: &BookingRecord) -> Option<&'static str> {
    Some(match change {
        Change::Booked if booking.status == BookingStatus::Pending => "booking.requested",
        Change::Booked | Change::Approved => "booking.created",
        Change::Rescheduled { .. } => "booking.rescheduled",
        Change::Cancelled => "booking.cancelled",
        Change::Declined => "booking.rejected",
        Change::Expired => "booking.expired",
        Change::Closed => match booking.status {
            BookingStatus::Cancelled => "booking.cancelled",
            BookingStatus::Completed => "booking.completed",
            BookingStatus::NoShow => "booking.no_show",
            BookingStatus::Rejected => "booking.rejected",
            BookingStatus::Expired => "booking.expired",
            BookingStatus::Confirmed | BookingStatus::Pending => return None,
        },
    })
}

/// The context a secret is sealed under: its endpoint.
pub fn secret_context(webhook_id: &str) -> String {
    format!("webhook:{webhook_id}")
}

/// What the job carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookJob {
    pub webhook_id: String,
    pub message_id: String,
    pub event: String,
    pub body: String,
}

impl WebhookJob {
    pub fn to_json(&self) -> String {
        json!({"webhookId": self.webhook_id, "messageId": self.message_id,
               "event": self.event, "body": self.body})
        .to_string()
    }

    pub fn read(payload: &Value) -> Option<Self> {
        let text = |k: &str| payload[k].as_str().map(str::to_owned);
        Some(Self {
            webhook_id: text("webhookId")?,
            message_id: text("messageId")?,
            event: text("event")?,
            body: text("body")?,
        })
    }
}

/// The deliveries of `change` to every endpoint of the host that wants it (`fanout`).
pub(super) fn deliveries(
    booking: &BookingRecord,
    change: Change,
    fanout: &Fanout,
    now: Instant,
) -> Vec<JobRecord> {
    let Some(event) = event(change, booking) else {
        return Vec::new();
    };
    let mut endpoints = fanout.endpoints_for(event).peekable();
    if endpoints.peek().is_none() {
        return Vec::new();
    }
    let mut data = booking.to_json();
    if let Change::Rescheduled { previous_start } = change {
        data["previousStartTime"] = json!(previous_start.to_string());
    }
    let body = json!({"type": event, "timestamp": now.to_string(), "data": data}).to_string();
    endpoints
        .map(|endpoint| {
            let payload = WebhookJob {
                webhook_id: endpoint.to_owned(),
                message_id: format!("msg_{}", crate::store::new_id().replace('-', "")),
                event: event.to_owned(),
                body: body.clone(),
            };
            let mut record = job(booking, WEBHOOK, payload.to_json(), now);
            record.ordering_key = Some(format!("webhook:{endpoint}:{}", booking.id));
            record
        })
        .collect()
}
