//! A CAPTCHA without a third party: ALTCHA proof of work (v2, through the `altcha` crate).
//!
//! A challenge asks for the counter whose SHA-256 (with a random salt and nonce) starts with
//! a signed key prefix; the counter is drawn between [`WORK`]'s bounds, so a browser spends
//! well under a second on it while the guest types, and a spammer pays that for every booking.
//! Challenges are signed with the server's secret (HMAC-SHA-256), carry their own issue and
//! expiry times (signed too, checked against the service's clock), and are spent once: the
//! signature is remembered in the database until the challenge has expired, so a replay is
//! refused by every `serve` process.
//!
//! Without JavaScript nothing can solve the challenge, so the booking form also accepts the
//! signed challenge *unsolved* — if the form was open at least [`FALLBACK_MIN_MS`], the
//! challenge is fresh and unspent, and the host's page has taken fewer than
//! [`FALLBACK_PER_HOUR`] such bookings in the last hour (counted in the database). A real
//! person reads and types for longer than that; a bot that waits is held to a trickle per
//! host, on top of the per-client write limit and the honeypot.

use std::collections::BTreeMap;

use altcha::{Challenge, CreateChallengeOptions, Payload, Solution, VerifySolutionOptions};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use jiff::Timestamp;
use scheduling::{FieldError, Instant};
use serde_json::json;

use super::Result;
use crate::crypto::{random_token, token_hash};
use crate::store::Spend;
use crate::store::Store;

/// The body field (API) and form field (page) that carries the solution.
pub const FIELD: &str = "altcha";
/// The form field that carries the challenge itself, for the no-JavaScript path.
pub const CHALLENGE_FIELD: &str = "altcha_challenge";
/// How long a challenge may be solved and used.
const LIFETIME_MS: i64 = 30 * 60_000;
/// The counter a client must find lies in this range: ~27 500 SHA-256 on average.
const WORK: (u32, u32) = (5_000, 50_000);
/// Without JavaScript the form must have been open this long…
const FALLBACK_MIN_MS: i64 = 3_000;
/// …and one host's page takes at most this many such bookings an hour.
const FALLBACK_PER_HOUR: i64 = 20;
/// Spent challenges are remembered past their expiry for the hourly count.
const KEEP_MS: i64 = LIFETIME_MS + 3_600_000;

/// Issues and checks challenges. `required` is off only when `NOVACRM_CAPTCHA=off`.
#[derive(Clone)]
pub struct Captcha {
    secret: String,
    pub required: bool,
}

impl std::fmt::Debug for Captcha {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Captcha")
            .field("secret", &"***")
            .field("required", &self.required)
            .finish()
    }
}

fn invalid(message: &str) -> super::ServiceError {
    FieldError::new(FIELD, message).into()
}

impl Captcha {
    /// The signing key: derived from `NOVACRM_SECRET` when set, else generated once and kept
    /// in the database (so every process signs and checks alike).
    pub async fn load(
        store: &Store,
        secret: Option<&str>,
        required: bool,
        now: Timestamp,
    ) -> Result<Self> {
        let base = match secret {
            Some(secret) => secret.to_owned(),
            None => {
                store
                    .server_secret("captcha", || random_token(""), Instant::from(now))
                    .await?
            }
        };
        Ok(Self {
            secret: token_hash(&format!("novacrm captcha\0{base}")),
            required,
        })
    }

    /// A fresh signed challenge, valid for half an hour from `now`.
    pub fn challenge(&self, now: Timestamp) -> Challenge {
        let mut random = [0u8; 4];
        getrandom::fill(&mut random).expect("the OS provides randomness");
        let counter = WORK.0 + u32::from_le_bytes(random) % (WORK.1 - WORK.0);
        let issued = now.as_millisecond();
        let data = BTreeMap::from([
            ("issued".to_owned(), json!(issued)),
            ("expires".to_owned(), json!(issued + LIFETIME_MS)),
        ]);
        altcha::create_challenge(CreateChallengeOptions {
            algorithm: "SHA-256".into(),
            cost: 1,
            counter: Some(counter),
            data: Some(data),
            hmac_signature_secret: Some(self.secret.clone()),
            ..CreateChallengeOptions::default()
        })
        .expect("fixed, valid challenge options")
    }

    /// A challenge as the form carries it: base64 of its JSON.
    pub fn encoded_challenge(&self, now: Timestamp) -> String {
        let challenge = serde_json::to_vec(&self.challenge(now)).expect("a challenge is JSON");
        BASE64.encode(challenge)
    }

    /// Checks a solution (`base64(JSON {challenge, solution})`, as the ALTCHA widget sends it)
    /// and spends it for a booking on `host_id`'s page.
    pub async fn spend_solution(
        &self,
        store: &Store,
        host_id: &str,
        text: Option<&str>,
        now: Timestamp,
    ) -> Result<()> {
        let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
            return Err(invalid(
                "is required: solve a challenge from GET /api/public/captcha and send \
                 base64(JSON {challenge, solution})",
            ));
        };
        let payload: Payload = BASE64
            .decode(text)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| {
                invalid("is not an ALTCHA payload: base64(JSON {challenge, solution})")
            })?;
        let verified = self.verify(&payload.challenge, &payload.solution);
        if !verified.signed {
            return Err(invalid("is not a challenge from this server"));
        }
        let (_, expires) = Self::fresh(&payload.challenge, now)?;
        if !verified.solved {
            return Err(invalid("is not a valid solution of its challenge"));
        }
        self.spend(store, &payload.challenge, host_id, None, now, expires)
            .await
    }

    /// The no-JavaScript path: the form's own challenge, unsolved (see the module notes).
    pub async fn spend_unsolved(
        &self,
        store: &Store,
        host_id: &str,
        text: &str,
        now: Timestamp,
    ) -> Result<()> {
        let challenge: Challenge = BASE64
            .decode(text.trim())
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| invalid("is not a challenge from this server"))?;
        let unsolved = Solution {
            counter: 0,
            derived_key: String::new(),
            time: None,
        };
        if !self.verify(&challenge, &unsolved).signed {
            return Err(invalid("is not a challenge from this server"));
        }
        let (issued, expires) = Self::fresh(&challenge, now)?;
        if now.as_millisecond() - issued < FALLBACK_MIN_MS {
            return Err(invalid(
                "That was quicker than a person types. Please check your details and press \
                 Book meeting again.",
            ));
        }
        let hour_ago = Instant::from_millis(now.as_millisecond() - 3_600_000);
        let cap = Some((hour_ago, FALLBACK_PER_HOUR));
        self.spend(store, &challenge, host_id, cap, now, expires)
            .await
    }

    fn verify(&self, challenge: &Challenge, solution: &Solution) -> Verified {
        let options = VerifySolutionOptions::new(challenge, solution, self.secret.clone());
        match altcha::verify_solution(options) {
            Ok(result) => Verified {
                signed: result.invalid_signature == Some(false),
                solved: result.verified,
            },
            Err(_) => Verified {
                signed: false,
                solved: false,
            },
        }
    }

    /// The signed issue and expiry times, or the error when the challenge has expired.
    fn fresh(challenge: &Challenge, now: Timestamp) -> Result<(i64, i64)> {
        let data = challenge.parameters.data.as_ref();
        let read = |key: &str| {
            data.and_then(|d| d.get(key))
                .and_then(serde_json::Value::as_i64)
        };
        let (Some(issued), Some(expires)) = (read("issued"), read("expires")) else {
            return Err(invalid("is not a challenge from this server"));
        };
        if now.as_millisecond() > expires {
            return Err(invalid("has expired: get a new challenge"));
        }
        Ok((issued, expires))
    }

    async fn spend(
        &self,
        store: &Store,
        challenge: &Challenge,
        host_id: &str,
        cap: Option<(Instant, i64)>,
        now: Timestamp,
        expires: i64,
    ) -> Result<()> {
        let signature = challenge.signature.as_deref().unwrap_or_default();
        let fresh = store
            .spend_captcha(
                signature,
                host_id,
                cap,
                Instant::from(now),
                Instant::from_millis(expires - LIFETIME_MS + KEEP_MS),
            )
            .await?;
        match fresh {
            Spend::Spent => Ok(()),
            Spend::Replayed => Err(invalid("was already used: get a new challenge")),
            Spend::Capped => Err(invalid(
                "This page takes only a few bookings an hour without JavaScript. Please turn \
                 JavaScript on for this page, or try again later.",
            )),
        }
    }
}

struct Verified {
    signed: bool,
    solved: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn captcha() -> Captcha {
        Captcha {
            secret: "test".into(),
            required: true,
        }
    }

    #[test]
    fn a_solved_challenge_verifies_and_a_tampered_one_does_not() {
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let c = captcha();
        let challenge = c.challenge(now);
        let solution = altcha::solve_challenge(altcha::SolveChallengeOptions::new(&challenge))
            .unwrap()
            .unwrap();
        let ok = c.verify(&challenge, &solution);
        assert!(ok.signed && ok.solved);
        assert!(solution.counter >= WORK.0 && solution.counter < WORK.1);
        let mut cheaper = challenge.clone();
        cheaper.parameters.key_prefix = "00".into();
        assert!(!c.verify(&cheaper, &solution).signed);
        let other = Captcha {
            secret: "other".into(),
            required: true,
        };
        assert!(!other.verify(&challenge, &solution).signed);
        let wrong = Solution {
            counter: solution.counter + 1,
            ..solution
        };
        let bad = c.verify(&challenge, &wrong);
        assert!(bad.signed && !bad.solved);
    }

    #[test]
    fn challenges_expire_on_the_service_clock() {
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let c = captcha();
        let challenge = c.challenge(now);
        assert!(Captcha::fresh(&challenge, now).is_ok());
        let later = now + jiff::SignedDuration::from_millis(LIFETIME_MS + 1);
        assert!(Captcha::fresh(&challenge, later).is_err());
    }
}
