//! The service's small cryptographic helpers: random tokens, their stored hashes, and hex. A
//! leaf every layer may use.

use sha2::Digest;

/// A random token: `prefix` + 48 hex digits (192 bits).
pub fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).expect("the OS provides randomness");
    format!("{prefix}{}", hex(&bytes))
}

/// SHA-256 of a token, hex: tokens are stored hashed and looked up by hash.
pub fn token_hash(token: &str) -> String {
    hex(&sha2::Sha256::digest(token.as_bytes()))
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}
