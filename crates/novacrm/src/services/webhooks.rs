//! A host's webhook endpoints: registered with a URL that passes the outbound guard and the
//! events they want, answered once with their signing secret (kept sealed), listed, deleted;
//! and the delivery log's "resend".

use jiff::Timestamp;
use scheduling::{FieldError, Instant, Obj};
use serde_json::{Value, json};

use super::{Result, ServiceError};
use crate::integrations::outbound::OutboundPolicy;
use crate::integrations::webhook::new_secret;
use crate::outbox::{EVENTS, WEBHOOK, WebhookJob, secret_context};
use crate::sealed::Sealer;
use crate::store::{Host, JobRecord, JobRow, Store, WebhookRecord, new_id};

/// Endpoints one host may register.
pub const MAX_WEBHOOKS: usize = 10;

pub fn to_json(webhook: &WebhookRecord) -> Value {
    let events: Vec<&str> = webhook.events.split_whitespace().collect();
    json!({"id": webhook.id, "url": webhook.url, "events": events,
           "createdAt": webhook.created_at.to_string()})
}

/// Registers `{"url", "events"?}` (every event when `events` is left out); answers the
/// endpoint and its secret, shown this once.
pub async fn create(
    store: &Store,
    sealer: &Sealer,
    policy: &OutboundPolicy,
    host: &Host,
    body: &Value,
    now: Timestamp,
) -> Result<(WebhookRecord, String)> {
    let obj = Obj::new(body, "")?;
    let url = obj.required_str("url")?;
    let url = policy
        .check_url(url)
        .map_err(|m| FieldError::new("url", m))?;
    let events = match obj.array("events")? {
        None => EVENTS.iter().map(|e| (*e).to_owned()).collect::<Vec<_>>(),
        Some(list) => {
            let mut events = Vec::new();
            for value in list {
                let name = value
                    .as_str()
                    .filter(|n| EVENTS.contains(n))
                    .ok_or_else(|| {
                        FieldError::new(
                            "events",
                            format!("each event is one of {}", EVENTS.join(", ")),
                        )
                    })?;
                if !events.iter().any(|e| e == name) {
                    events.push(name.to_owned());
                }
            }
            if events.is_empty() {
                return Err(FieldError::new("events", "choose at least one event").into());
            }
            events
        }
    };
    if store.webhooks(&host.id).await?.len() >= MAX_WEBHOOKS {
        let message = format!("a host may have at most {MAX_WEBHOOKS} endpoints; delete one first");
        return Err(FieldError::new("url", message).into());
    }
    policy
        .check_reachable(&url)
        .await
        .map_err(|m| FieldError::new("url", m))?;
    let id = new_id();
    let secret = new_secret();
    let webhook = WebhookRecord {
        secret_sealed: sealer.seal(&secret, &secret_context(&id)),
        id,
        host_id: host.id.clone(),
        url: url.to_string(),
        events: events.join(" "),
        created_at: Instant::from(now),
    };
    store.add_webhook(&webhook).await?;
    Ok((webhook, secret))
}

pub async fn delete(store: &Store, host: &Host, id: &str) -> Result<()> {
    if store.delete_webhook(&host.id, id).await? {
        Ok(())
    } else {
        Err(ServiceError::NotFound("no such webhook".into()))
    }
}

/// A delivery of the host's, as the log shows it.
#[derive(Debug, Clone)]
pub struct DeliveryView {
    pub job: JobRow,
    pub webhook: Option<WebhookJob>,
}

pub async fn deliveries(store: &Store, host: &Host, limit: i64) -> Result<Vec<DeliveryView>> {
    Ok(store
        .webhook_deliveries(&host.id, limit)
        .await?
        .into_iter()
        .map(|job| {
            let webhook = serde_json::from_str(&job.payload)
                .ok()
                .and_then(|p| WebhookJob::read(&p));
            DeliveryView { job, webhook }
        })
        .collect())
}

/// Sends a delivery again: a failed one goes back in the queue, a delivered one is sent
/// once more with the same message id (receivers that keep ids drop it); a pending one is
/// already on its way.
pub async fn resend(store: &Store, host: &Host, job_id: &str, now: Timestamp) -> Result<()> {
    let job = store
        .host_job(&host.id, WEBHOOK, job_id)
        .await?
        .ok_or_else(|| ServiceError::NotFound("no such delivery".into()))?;
    let now = Instant::from(now);
    if job.failed_at.is_some() {
        store.retry_job(&job.id, Some(&host.id), now).await?;
    } else if job.done_at.is_some() {
        let mut tx = store.write().await?;
        let again = JobRecord {
            host_id: job.host_id,
            booking_id: job.booking_id,
            kind: WEBHOOK.into(),
            payload: job.payload,
            run_at: now,
            ordering_key: None,
        };
        Store::enqueue(&mut tx, &again, now).await?;
        tx.commit().await?;
    }
    Ok(())
}
