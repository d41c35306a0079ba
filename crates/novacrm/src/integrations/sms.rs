//! Text messages as a port: [`SmsSender`] sends one [`Sms`]; the adapter is Twilio's REST API
//! over reqwest (base URL from config, so tests point it at a local server), plus a recording
//! fake. Also the check of Twilio's webhook signature (`X-Twilio-Signature`), which inbound
//! messages must pass before anything acts on them.

use std::sync::Mutex;

use base64::Engine;
use hmac::{KeyInit, Mac};

use super::port::{BoxFuture, SendError};
use crate::config::TwilioConfig;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sms {
    /// The job's id: logged with the send, so a retried send is recognisable.
    pub id: String,
    /// E.164.
    pub to: String,
    pub body: String,
}

pub trait SmsSender: Send + Sync + std::fmt::Debug {
    fn send<'a>(&'a self, sms: &'a Sms) -> BoxFuture<'a, Result<(), SendError>>;
}

#[derive(Debug, Clone)]
pub struct Twilio {
    client: reqwest::Client,
    config: TwilioConfig,
}

impl Twilio {
    pub fn new(config: TwilioConfig) -> Self {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .expect("an HTTP client with a timeout");
        Self { client, config }
    }
}

/// Twilio's answer to a refused message: `{"code": 21610, "message": "…"}`.
#[derive(Debug, serde::Deserialize)]
struct TwilioError {
    code: Option<i64>,
    message: Option<String>,
}

impl SmsSender for Twilio {
    fn send<'a>(&'a self, sms: &'a Sms) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async move {
            let url = format!(
                "{}/2010-04-01/Accounts/{}/Messages.json",
                self.config.base_url.trim_end_matches('/'),
                self.config.account_sid
            );
            let response = self
                .client
                .post(&url)
                .basic_auth(&self.config.account_sid, Some(&self.config.auth_token))
                .form(&[
                    ("To", sms.to.as_str()),
                    ("From", self.config.from.as_str()),
                    ("Body", sms.body.as_str()),
                ])
                .send()
                .await
                .map_err(|e| SendError::transient(format!("Twilio: {e}")))?;
            let status = response.status();
            if status.is_success() {
                return Ok(());
            }
            let detail = response.json::<TwilioError>().await.ok();
            let message = format!(
                "Twilio answered {status}: {} (code {})",
                detail
                    .as_ref()
                    .and_then(|d| d.message.clone())
                    .unwrap_or_default(),
                detail.and_then(|d| d.code).unwrap_or_default()
            );
            // 429 and 5xx pass; any other 4xx (bad number, unsubscribed recipient) will not.
            let permanent = status.is_client_error() && status.as_u16() != 429;
            Err(SendError { message, permanent })
        })
    }
}

/// `X-Twilio-Signature` for a POST to `url` with form `params`: base64 of HMAC-SHA1 keyed by
/// the auth token over the URL followed by every parameter's name and value, sorted by name.
pub fn twilio_signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(auth_token.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Whether `signature` is Twilio's for this request (compared in constant time).
pub fn twilio_signature_valid(
    auth_token: &str,
    url: &str,
    params: &[(String, String)],
    signature: &str,
) -> bool {
    let expected = twilio_signature(auth_token, url, params);
    let (a, b) = (expected.as_bytes(), signature.trim().as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Keeps every text it is given.
#[derive(Debug, Default)]
pub struct RecordingSms {
    sent: Mutex<Vec<Sms>>,
}

impl RecordingSms {
    pub fn sent(&self) -> Vec<Sms> {
        self.sent.lock().expect("sms lock").clone()
    }
}

impl SmsSender for RecordingSms {
    fn send<'a>(&'a self, sms: &'a Sms) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async move {
            self.sent.lock().expect("sms lock").push(sms.clone());
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_matches_twilios_documented_example() {
        // The example of Twilio's request-validation documentation and helper libraries.
        let params: Vec<(String, String)> = [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+14158675310"),
            ("Digits", "1234"),
            ("From", "+14158675310"),
            ("To", "+18005551212"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        let signature = twilio_signature("12345", url, &params);
        assert_eq!(signature, "GvWf1cFY/Q7PnoempGyD5oXAezc=");
        assert!(twilio_signature_valid("12345", url, &params, &signature));
        assert!(!twilio_signature_valid("12345", url, &params, "forged="));
    }
}
