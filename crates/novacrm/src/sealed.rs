//! Secrets at rest (webhook signing secrets, calendar passwords and tokens): sealed with
//! AES-256-GCM under a key derived from `NOVACRM_SECRET` — or, unset, from a secret generated
//! once and kept in the database, shared by every process. Each value is bound to where it
//! is stored (the associated data names its table and row), so a sealed value copied to
//! another row does not open. Stored form: `v1.` + base64(nonce ‖ ciphertext+tag).
//!
//! Changing `NOVACRM_SECRET` makes every sealed value unreadable: the affected webhook or
//! calendar connection reports it and must be set up again.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use jiff::Timestamp;
use scheduling::Instant;
use sha2::Digest;

use crate::crypto::random_token;
use crate::store::{Store, StoreError};

const PREFIX: &str = "v1.";

pub struct Sealer {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealer").finish_non_exhaustive()
    }
}

impl Sealer {
    pub fn from_secret(base: &str) -> Self {
        let key = sha2::Sha256::digest(format!("novacrm seal\0{base}").as_bytes());
        let cipher = Aes256Gcm::new_from_slice(&key).expect("SHA-256 gives a 32-byte key");
        Self { cipher }
    }

    /// The key from `NOVACRM_SECRET`, else from the database's generated secret.
    pub async fn load(
        store: &Store,
        secret: Option<&str>,
        now: Timestamp,
    ) -> Result<Self, StoreError> {
        let base = match secret {
            Some(secret) => secret.to_owned(),
            None => {
                store
                    .server_secret("seal", || random_token(""), Instant::from(now))
                    .await?
            }
        };
        Ok(Self::from_secret(&base))
    }

    /// Seals `plain` for the place `context` names (e.g. `webhook:ID`).
    pub fn seal(&self, plain: &str, context: &str) -> String {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).expect("the OS random source works");
        let sealed = self
            .cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .expect("AES-GCM encrypts any message of this size");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("{PREFIX}{}", B64.encode(out))
    }

    /// Opens a value sealed for `context`; `None` when the key changed or it was tampered with.
    pub fn open(&self, sealed: &str, context: &str) -> Option<String> {
        let bytes = B64.decode(sealed.strip_prefix(PREFIX)?).ok()?;
        if bytes.len() < 12 + 16 {
            return None;
        }
        let (nonce, body) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().ok()?;
        let plain = self
            .cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: body,
                    aad: context.as_bytes(),
                },
            )
            .ok()?;
        String::from_utf8(plain).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_key_and_context() {
        let sealer = Sealer::from_secret("one");
        let sealed = sealer.seal("whsec_abc", "webhook:1");
        assert!(!sealed.contains("whsec_abc"));
        assert_ne!(sealed, sealer.seal("whsec_abc", "webhook:1"), "fresh nonce");
        assert_eq!(
            sealer.open(&sealed, "webhook:1").as_deref(),
            Some("whsec_abc")
        );
        assert_eq!(
            sealer.open(&sealed, "webhook:2"),
            None,
            "moved to another row"
        );
        assert_eq!(Sealer::from_secret("two").open(&sealed, "webhook:1"), None);
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(sealer.open(&tampered, "webhook:1"), None);
        assert_eq!(sealer.open("plain", "webhook:1"), None);
    }
}
