//! What every adapter shares: the boxed future its trait methods return, the error a send ends
//! in (and whether a retry could help), and the process's TLS provider.

use std::future::Future;
use std::pin::Pin;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a send failed, and whether trying again could help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    pub message: String,
    /// A refusal that a retry cannot change (a bad address, an unsubscribed number).
    pub permanent: bool,
}

impl SendError {
    pub fn transient(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            permanent: false,
        }
    }

    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            permanent: true,
        }
    }
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Makes ring the process's TLS provider (reqwest and lettre speak rustls; reqwest is built
/// without a default provider to keep aws-lc's C build out). Safe to call any number of times.
pub fn install_tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
