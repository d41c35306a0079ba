//! Rate limits on the public surface (docs/DESIGN.md §6): token buckets per client address for
//! reads (pages, availability) and for writes (booking, guest changes, sign-up, log-in), and
//! one per host page for bookings from everyone together. A request past its budget gets 429
//! with `Retry-After`: a problem document on the API, a friendly page for people. Nothing is
//! read, written or booked for it.
//!
//! The client is the socket's peer, or — only through `NOVACRM_TRUSTED_PROXIES` — the address
//! a trusted proxy put in `X-Forwarded-For`, counted from the right, so a client cannot choose
//! its own key. IPv6 clients share one budget per /64, the block one subscriber gets.
//!
//! On PostgreSQL the buckets live in the database (GCRA, one `INSERT … ON CONFLICT DO UPDATE
//! … WHERE … RETURNING` per check), so N `serve` processes spend one budget. On SQLite —
//! one process by design — they live in the process (governor, also GCRA). Log-in attempts
//! are counted in the database on both.

use crate::config::{Budget, RateLimits, TrustedProxies};
use crate::store::{Backend, Store};
use crate::web::client::client_key;
use crate::web::error::ApiError;
use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

/// Where the budgets are counted.
#[derive(Debug)]
pub enum Limiter {
    Local(Box<Local>),
    Shared(Shared),
}

/// In this process.
#[derive(Debug)]
pub struct Local {
    reads: DefaultKeyedRateLimiter<IpAddr>,
    writes: DefaultKeyedRateLimiter<IpAddr>,
    host_writes: DefaultKeyedRateLimiter<String>,
    checks: AtomicU64,
}

/// In the database, for every process of it.
#[derive(Debug)]
pub struct Shared {
    store: Store,
    limits: RateLimits,
    checks: AtomicU64,
}

impl Limiter {
    /// Shared on PostgreSQL, local on SQLite.
    pub fn new(limits: &RateLimits, store: &Store) -> Self {
        match store.backend() {
            Backend::Postgres => Self::Shared(Shared {
                store: store.clone(),
                limits: *limits,
                checks: AtomicU64::new(0),
            }),
            Backend::Sqlite => Self::Local(Box::new(Local::new(limits))),
        }
    }

    async fn check(&self, class: &Class, client: IpAddr) -> Option<u64> {
        match self {
            Self::Local(local) => local.check(class, client),
            Self::Shared(shared) => shared.check(class, client).await,
        }
    }
}

impl Shared {
    /// Whole seconds to wait, or `None`. A database that cannot answer lets the request
    /// through (it will find the same database down, and say so).
    async fn check(&self, class: &Class, client: IpAddr) -> Option<u64> {
        let now = jiff::Timestamp::now().as_millisecond();
        if self.checks.fetch_add(1, Ordering::Relaxed) % 10_000 == 9_999 {
            let _ = self.store.forget_full_buckets(now).await;
        }
        let spend = |key: String, budget: Budget| async move {
            let every = i64::try_from(budget.every.as_millis())
                .unwrap_or(i64::MAX)
                .max(1);
            match self
                .store
                .spend_rate(&key, now, every, i64::from(budget.burst.max(1)))
                .await
            {
                Ok(wait) => wait.map(|ms| u64::try_from(ms / 1000 + 1).unwrap_or(1)),
                Err(e) => {
                    tracing::warn!(error = %e, "rate limit unread; letting the request through");
                    None
                }
            }
        };
        match class {
            Class::Free => None,
            Class::Read => spend(format!("r:{client}"), self.limits.reads).await,
            Class::Write { host } => match spend(format!("w:{client}"), self.limits.writes).await {
                Some(wait) => Some(wait),
                None => match host {
                    Some(h) => spend(format!("h:{h}"), self.limits.host_writes).await,
                    None => None,
                },
            },
        }
    }
}

fn quota(budget: Budget) -> Quota {
    Quota::with_period(budget.every)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(NonZeroU32::new(budget.burst).unwrap_or(NonZeroU32::MIN))
}

impl Local {
    pub fn new(limits: &RateLimits) -> Self {
        Self {
            reads: DefaultKeyedRateLimiter::dashmap(quota(limits.reads)),
            writes: DefaultKeyedRateLimiter::dashmap(quota(limits.writes)),
            host_writes: DefaultKeyedRateLimiter::dashmap(quota(limits.host_writes)),
            checks: AtomicU64::new(0),
        }
    }

    /// Whole seconds to wait, or `None` when the request may go ahead.
    fn check(&self, class: &Class, client: IpAddr) -> Option<u64> {
        // Forget idle clients now and then, so the maps stay the size of current traffic.
        if self.checks.fetch_add(1, Ordering::Relaxed) % 10_000 == 9_999 {
            for limiter in [&self.reads, &self.writes] {
                limiter.retain_recent();
                limiter.shrink_to_fit();
            }
            self.host_writes.retain_recent();
        }
        let now = DefaultClock::default().now();
        let wait = |result: Result<(), governor::NotUntil<_>>| {
            result
                .err()
                .map(|not_until| not_until.wait_time_from(now).as_secs() + 1)
        };
        match class {
            Class::Free => None,
            Class::Read => wait(self.reads.check_key(&client)),
            Class::Write { host } => wait(self.writes.check_key(&client)).or_else(|| {
                host.as_ref()
                    .and_then(|h| wait(self.host_writes.check_key(h)))
            }),
        }
    }
}

/// What a request spends.
#[derive(Debug, PartialEq, Eq)]
pub enum Class {
    Free,
    Read,
    /// With the host whose page takes a booking, when there is one.
    Write {
        host: Option<String>,
    },
}

/// Public pages and the public API spend reads; their POSTs, sign-up and log-in spend
/// writes. The host's own authenticated work, assets, health checks and signed webhooks are
/// free.
fn classify(method: &Method, path: &str) -> Class {
    let public = path.starts_with("/book/")
        || path.starts_with("/booking/")
        || path.starts_with("/api/public/");
    let entry = matches!(
        path,
        "/dashboard/signup" | "/dashboard/login" | "/api/session"
    );
    let reading = method == Method::GET || method == Method::HEAD;
    if public && reading {
        return Class::Read;
    }
    if (public || entry) && !reading && method != Method::OPTIONS {
        let segments: Vec<&str> = path.split('/').collect();
        let host = match segments.as_slice() {
            ["", "api", "public", "booking", username, "book"]
            | ["", "book", username, _, "details"] => Some(as_routed(username)),
            _ => None,
        };
        return Class::Write { host };
    }
    Class::Free
}

/// A path segment as the router hands it to the handler: percent-decoded, so `sp%61m` and
/// `spam` spend one host's budget. (A segment that is not UTF-8 after decoding names no host
/// the handler could find; it keeps its raw form and its own, useless, bucket.)
fn as_routed(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8()
        .map_or_else(|_| segment.to_owned(), std::borrow::Cow::into_owned)
}

/// What `request` spends and from whom, or `None` when it is free.
pub fn spending(trusted: &TrustedProxies, request: &Request) -> Option<(Class, IpAddr)> {
    let class = classify(request.method(), request.uri().path());
    if class == Class::Free {
        return None;
    }
    let client = client_key(request.extensions(), request.headers(), trusted);
    Some((class, client))
}

impl Limiter {
    /// Spends `class` for `client`: whole seconds to wait, or `None` to go ahead.
    pub async fn spend(&self, class: &Class, client: IpAddr) -> Option<u64> {
        let seconds = self.check(class, client).await?;
        let budget = match class {
            Class::Read => "read",
            _ => "write",
        };
        crate::metrics::count(crate::metrics::Counter::RateLimited, budget);
        Some(seconds)
    }
}

/// The answer for a request past its budget: a problem document on the API, a page for
/// people, both with `Retry-After`.
pub fn refusal(seconds: u64, request: &Request) -> Response {
    let path = request.uri().path();
    if path.starts_with("/api/") {
        return ApiError::TooManyRequests {
            detail: format!("too many requests from your address; try again in {seconds} s"),
            retry_after: seconds,
        }
        .into_response();
    }
    let reader = crate::web::reader::Reader::of(request.uri(), request.headers());
    let page = TooMany {
        asset_version: &crate::web::shell::ASSET_VERSION,
        seconds,
        t: reader.lang,
        reader: &reader,
    };
    let mut response =
        crate::web::shell::html(request.headers(), StatusCode::TOO_MANY_REQUESTS, &page);
    response.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        axum::http::HeaderValue::from(seconds),
    );
    response
}

#[derive(askama::Template)]
#[template(path = "too_many.html")]
struct TooMany<'a> {
    asset_version: &'a str,
    seconds: u64,
    t: crate::i18n::Lang,
    reader: &'a crate::web::reader::Reader,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_posts_are_writes_and_the_hosts_own_work_is_free() {
        assert_eq!(
            classify(&Method::POST, "/api/public/booking/jane/book"),
            Class::Write {
                host: Some("jane".into())
            }
        );
        assert_eq!(
            classify(&Method::POST, "/dashboard/login"),
            Class::Write { host: None }
        );
        assert_eq!(classify(&Method::GET, "/book/jane"), Class::Read);
        assert_eq!(classify(&Method::PATCH, "/api/bookings/x"), Class::Free);
        assert_eq!(classify(&Method::GET, "/static/app.css"), Class::Free);
        assert_eq!(classify(&Method::POST, "/webhooks/twilio/sms"), Class::Free);
    }

    /// Percent-encoding the username once bought a fresh per-host bucket per spelling.
    #[test]
    fn every_spelling_of_a_host_spends_one_budget() {
        for path in [
            "/api/public/booking/spam3/book",
            "/api/public/booking/sp%61m3/book",
            "/api/public/booking/%73%70%61%6D%33/book",
            "/book/sp%61m3/quick/details",
        ] {
            assert_eq!(
                classify(&Method::POST, path),
                Class::Write {
                    host: Some("spam3".into())
                },
                "{path}"
            );
        }
        let budget = Budget {
            burst: 2,
            every: std::time::Duration::from_hours(1),
        };
        let limiter = Local::new(&RateLimits {
            host_writes: budget,
            ..RateLimits::default()
        });
        let host = |path| classify(&Method::POST, path);
        let spent: Vec<bool> = [
            "/api/public/booking/spam3/book",
            "/api/public/booking/sp%61m3/book",
            "/api/public/booking/%73pam3/book",
        ]
        .into_iter()
        .enumerate()
        .map(|(i, path)| {
            let client = IpAddr::from([10, 0, 0, i as u8 + 1]);
            limiter.check(&host(path), client).is_none()
        })
        .collect();
        assert_eq!(
            spent,
            [true, true, false],
            "the third spelling finds the bucket empty"
        );
    }
}
