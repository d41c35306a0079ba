//! Outbound webhooks, signed per the Standard Webhooks scheme: headers `webhook-id` (the
//! message id, the same on every retry so receivers can drop duplicates), `webhook-timestamp`
//! (Unix seconds at sending) and `webhook-signature` = `v1,` + base64(HMAC-SHA256(key,
//! `id.timestamp.body`)), where the key is the base64 part of the endpoint's `whsec_` secret.
//! Sent through the SSRF-guarded client ([`super::outbound`]); any 2xx is delivered, anything
//! else (or no answer within 15 s) is retried by the outbox.

use std::fmt::Write as _;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{KeyInit, Mac};

use super::outbound::OutboundPolicy;
use super::port::{BoxFuture, SendError};

pub const SECRET_PREFIX: &str = "whsec_";

/// One signed POST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub url: String,
    pub message_id: String,
    pub secret: String,
    pub body: String,
}

/// `v1,<base64>` for `body` sent as message `id` at `timestamp`; `None` for a malformed secret.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = B64.decode(secret.strip_prefix(SECRET_PREFIX)?).ok()?;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Some(format!("v1,{}", B64.encode(mac.finalize().into_bytes())))
}

/// A fresh secret: `whsec_` + base64 of 24 random bytes.
pub fn new_secret() -> String {
    let mut key = [0u8; 24];
    getrandom::fill(&mut key).expect("the OS random source works");
    format!("{SECRET_PREFIX}{}", B64.encode(key))
}

/// Where webhooks go out.
pub trait WebhookSender: Send + Sync + std::fmt::Debug {
    /// Sends at `timestamp` (Unix seconds); `Ok` on a 2xx answer.
    fn send<'a>(
        &'a self,
        delivery: &'a Delivery,
        timestamp: i64,
    ) -> BoxFuture<'a, Result<(), SendError>>;
}

/// The real sender: HTTP through the guarded client.
#[derive(Debug, Clone)]
pub struct HttpWebhooks {
    policy: OutboundPolicy,
    client: reqwest::Client,
}

impl HttpWebhooks {
    pub fn new(policy: OutboundPolicy) -> Self {
        let client = policy.client(Duration::from_secs(15));
        Self { policy, client }
    }
}

impl WebhookSender for HttpWebhooks {
    fn send<'a>(
        &'a self,
        delivery: &'a Delivery,
        timestamp: i64,
    ) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async move {
            // Checked again at sending: the allow-list may have changed since it was saved.
            let url = self
                .policy
                .check_url(&delivery.url)
                .map_err(SendError::permanent)?;
            let signature = signature(
                &delivery.secret,
                &delivery.message_id,
                timestamp,
                &delivery.body,
            )
            .ok_or_else(|| SendError::permanent("the endpoint's secret is malformed"))?;
            let response = self
                .client
                .post(url)
                .header("content-type", "application/json")
                .header("webhook-id", &delivery.message_id)
                .header("webhook-timestamp", timestamp.to_string())
                .header("webhook-signature", signature)
                .body(delivery.body.clone())
                .send()
                .await
                .map_err(|e| SendError::transient(describe(&e)))?;
            let status = response.status();
            if status.is_success() {
                return Ok(());
            }
            let mut message = format!("HTTP {}", status.as_u16());
            let text = response.text().await.unwrap_or_default();
            let text = text.trim();
            if !text.is_empty() {
                let shown: String = text.chars().take(200).collect();
                let _ = write!(message, ": {shown}");
            }
            Err(SendError::transient(message))
        })
    }
}

/// The innermost cause of a transport error ("connection refused", "… internal addresses").
fn describe(error: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    if error.is_timeout() {
        "no answer within 15 s".into()
    } else {
        format!("could not connect: {cause}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Standard Webhooks reference vector.
    #[test]
    fn signatures_match_the_specification_example() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            signature(secret, id, 1_614_265_330, body).unwrap(),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        assert!(new_secret().starts_with(SECRET_PREFIX));
        assert_eq!(signature("nope", id, 1, body), None);
    }
}
