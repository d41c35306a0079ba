//! Rate limits on the public surface (DESIGN.md §6): token buckets per client address for
//! reads (pages, availability) and for writes (booking, guest changes, sign-up, log-in), and
//! one per host page for bookings from everyone together. A request past its budget gets 429
//! with `Retry-After`: a problem document on the API, a friendly page for people. Nothing is
//! read, written or booked for it.
//!
//! The client is the socket's peer, or — only through `NOVACRM_TRUSTED_PROXIES` — the address
//! a trusted proxy put in `X-Forwarded-For`, counted from the right, so a client cannot choose
//! its own key. IPv6 clients share one budget per /64, the block one subscriber gets.
//!
//! The buckets live in each process (governor, GCRA). With N `serve` processes behind a load
//! balancer a client gets at most N times a budget; the budgets are sized so that even that
//! stops the floods this guards against (hundreds of bookings a second). Log-in attempts,
//! which must hold exactly across processes, are counted in the database instead.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use super::error::ApiError;
use crate::config::{Budget, RateLimits, TrustedProxies};

#[derive(Debug)]
pub struct Limiter {
    reads: DefaultKeyedRateLimiter<IpAddr>,
    writes: DefaultKeyedRateLimiter<IpAddr>,
    host_writes: DefaultKeyedRateLimiter<String>,
    checks: AtomicU64,
}

fn quota(budget: Budget) -> Quota {
    Quota::with_period(budget.every)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(NonZeroU32::new(budget.burst).unwrap_or(NonZeroU32::MIN))
}

impl Limiter {
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
enum Class {
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
            | ["", "book", username, _, "details"] => Some((*username).to_owned()),
            _ => None,
        };
        return Class::Write { host };
    }
    Class::Free
}

/// IPv6 addresses by their /64; IPv4 (and IPv4-mapped) as they are.
pub fn bucket(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                IpAddr::V4(v4)
            } else {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        }
        v4 @ IpAddr::V4(_) => v4,
    }
}

/// The client's address: the peer, or what trusted proxies say, read from the right.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    // The chain as the last proxy saw it, nearest hop last; read only when a proxy is trusted.
    let chain = || {
        let mut chain: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse().ok())
            .collect();
        chain.push(peer);
        chain
    };
    match trusted {
        TrustedProxies::None => peer,
        TrustedProxies::Count(count) => {
            let chain = chain();
            chain[chain.len().saturating_sub(count + 1)]
        }
        TrustedProxies::Networks(networks) => {
            let chain = chain();
            chain
                .iter()
                .rev()
                .find(|ip| !networks.iter().any(|n| crate::config::in_network(**ip, *n)))
                .copied()
                .unwrap_or(chain[0])
        }
    }
}

/// The key a request is counted under: its client (see [`client_ip`]), IPv6 by /64. The
/// socket's peer comes from `ConnectInfo` (set by `serve`; loopback when absent).
pub fn client_key(
    extensions: &axum::http::Extensions,
    headers: &HeaderMap,
    trusted: &TrustedProxies,
) -> IpAddr {
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([127, 0, 0, 1]), |c| c.0.ip());
    bucket(client_ip(peer, headers, trusted))
}

/// The answer for a request past its budget, or `None` to let it through.
pub fn refuse(limiter: &Limiter, trusted: &TrustedProxies, request: &Request) -> Option<Response> {
    let path = request.uri().path();
    let class = classify(request.method(), path);
    if class == Class::Free {
        return None;
    }
    let client = client_key(request.extensions(), request.headers(), trusted);
    let seconds = limiter.check(&class, client)?;
    if path.starts_with("/api/") {
        return Some(
            ApiError::TooManyRequests {
                detail: format!("too many requests from your address; try again in {seconds} s"),
                retry_after: seconds,
            }
            .into_response(),
        );
    }
    let reader = super::pages::Reader::of(request.uri(), request.headers());
    let page = TooMany {
        asset_version: &super::pages::ASSET_VERSION,
        seconds,
        t: reader.lang,
        reader: &reader,
    };
    let mut response = super::pages::html(request.headers(), StatusCode::TOO_MANY_REQUESTS, &page);
    response.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        axum::http::HeaderValue::from(seconds),
    );
    Some(response)
}

#[derive(askama::Template)]
#[template(path = "too_many.html")]
struct TooMany<'a> {
    asset_version: &'a str,
    seconds: u64,
    t: crate::i18n::Lang,
    reader: &'a super::pages::Reader,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(forwarded: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", forwarded.parse().unwrap());
        h
    }

    #[test]
    fn a_client_cannot_pick_its_own_address() {
        let peer: IpAddr = "10.0.0.2".parse().unwrap();
        let spoofed = headers("1.2.3.4, 203.0.113.9");
        assert_eq!(client_ip(peer, &spoofed, &TrustedProxies::None), peer);
        // One proxy: the address it appended (the rightmost), not what the client wrote.
        assert_eq!(
            client_ip(peer, &spoofed, &TrustedProxies::Count(1)),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        let networks = TrustedProxies::parse("10.0.0.0/8, 203.0.113.9").unwrap();
        assert_eq!(
            client_ip(peer, &spoofed, &networks),
            "1.2.3.4".parse::<IpAddr>().unwrap()
        );
        // A peer outside the trusted networks is the client, whatever it forwards.
        let outsider: IpAddr = "198.51.100.7".parse().unwrap();
        assert_eq!(client_ip(outsider, &spoofed, &networks), outsider);
    }

    #[test]
    fn ipv6_clients_share_their_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(bucket(a), bucket(b));
        assert_ne!(bucket(a), bucket("2001:db8:1:3::1".parse().unwrap()));
    }

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
}
