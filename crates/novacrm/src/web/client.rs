//! Who the client is: the socket's peer, or — only through `NOVACRM_TRUSTED_PROXIES` — the
//! address a trusted proxy put in `X-Forwarded-For`, counted from the right, so a client cannot
//! choose its own key. IPv6 clients share one key per /64, the block one subscriber gets.

use crate::config::TrustedProxies;
use crate::web::error::ApiError;
use crate::web::state::AppState;
use axum::extract::ConnectInfo;
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

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

/// The socket's peer, from `ConnectInfo` (set by `serve`; loopback when absent).
pub fn peer(extensions: &axum::http::Extensions) -> IpAddr {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([127, 0, 0, 1]), |c| c.0.ip())
}

/// The key a request is counted under: its client (see [`client_ip`]), IPv6 by /64.
pub fn client_key(
    extensions: &axum::http::Extensions,
    headers: &HeaderMap,
    trusted: &TrustedProxies,
) -> IpAddr {
    bucket(client_ip(peer(extensions), headers, trusted))
}

/// The client's address as the rate limits see it (peer, or trusted proxies' word; IPv6 by
/// /64), for what must be counted per client in the database (failed log-ins).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub std::net::IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(crate::web::client::client_key(
            &parts.extensions,
            &parts.headers,
            &state.config.trusted_proxies,
        )))
    }
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
}
