//! Outbound HTTP to addresses a host typed (webhook endpoints, CalDAV servers), guarded
//! against server-side request forgery: private, loopback, link-local and other special
//! networks are refused unless `NOVACRM_OUTBOUND_ALLOW` lists them. The check runs on the URL
//! when it is saved and on **every** connection: the client's resolver drops forbidden
//! addresses (so a name that later resolves inside the network — DNS rebinding — reaches
//! nothing), literal addresses are checked before sending, and redirects are never followed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::config::{Network, in_network};

/// Networks nobody outside may be sent to: the service's own and its neighbours'.
#[rustfmt::skip]
const FORBIDDEN_V4: &[(Ipv4Addr, u8)] = &[
    (Ipv4Addr::UNSPECIFIED, 8),            // "this" network
    (Ipv4Addr::new(10, 0, 0, 0), 8),       // private
    (Ipv4Addr::new(100, 64, 0, 0), 10),    // carrier-grade NAT
    (Ipv4Addr::new(127, 0, 0, 0), 8),      // loopback
    (Ipv4Addr::new(169, 254, 0, 0), 16),   // link-local (cloud metadata lives here)
    (Ipv4Addr::new(172, 16, 0, 0), 12),    // private
    (Ipv4Addr::new(192, 0, 0, 0), 24),     // IETF protocol assignments
    (Ipv4Addr::new(192, 0, 2, 0), 24),     // documentation
    (Ipv4Addr::new(192, 168, 0, 0), 16),   // private
    (Ipv4Addr::new(198, 18, 0, 0), 15),    // benchmarking
    (Ipv4Addr::new(198, 51, 100, 0), 24),  // documentation
    (Ipv4Addr::new(203, 0, 113, 0), 24),   // documentation
    (Ipv4Addr::new(224, 0, 0, 0), 4),      // multicast
    (Ipv4Addr::new(240, 0, 0, 0), 4),      // reserved, broadcast
];

/// Whether `ip` is in a network outbound requests must not reach by default.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => FORBIDDEN_V4
            .iter()
            .any(|&(net, bits)| in_network(IpAddr::V4(v4), (IpAddr::V4(net), bits))),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_internal(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_unspecified()
                || v6.is_loopback()
                || first & 0xfe00 == 0xfc00 // unique local
                || first & 0xffc0 == 0xfe80 // link-local
                || first & 0xff00 == 0xff00 // multicast
                || (first == 0x2001 && v6.segments()[1] == 0x0db8) // documentation
                || first == 0x2002 // 6to4: embeds an IPv4 address
                || v6.segments()[..6] == [0x64, 0xff9b, 0, 0, 0, 0] // NAT64
                || v6 == Ipv6Addr::UNSPECIFIED
        }
    }
}

/// The guard's rule: not internal, or explicitly allowed.
#[derive(Debug, Clone, Default)]
pub struct OutboundPolicy {
    allow: Vec<Network>,
}

impl OutboundPolicy {
    pub fn new(allow: Vec<Network>) -> Self {
        Self { allow }
    }

    pub fn permits(&self, ip: IpAddr) -> bool {
        !is_internal(ip) || self.allow.iter().any(|n| in_network(ip, *n))
    }

    /// A URL a host typed, checked for shape (http or https, a host, no credentials in it)
    /// and, when its host is a literal address, for where it points.
    pub fn check_url(&self, text: &str) -> Result<Url, String> {
        let url = Url::parse(text.trim())
            .map_err(|_| format!("{text:?} is not a web address (https://…)"))?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err("the address must start with https://".into());
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("put no user name or password in the address".into());
        }
        let ip = match url.host() {
            None => return Err("the address has no host".into()),
            Some(url::Host::Domain(_)) => None,
            Some(url::Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
            Some(url::Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
        };
        if let Some(ip) = ip
            && !self.permits(ip)
        {
            return Err(format!(
                "{ip} is a private or internal address; use a public address"
            ));
        }
        Ok(url)
    }

    /// Resolves the URL's host now and refuses it when every address is internal — the
    /// early answer for a host typing a URL (the resolver checks again on every send).
    pub async fn check_reachable(&self, url: &Url) -> Result<(), String> {
        let Some(url::Host::Domain(name)) = url.host() else {
            return Ok(());
        };
        let port = url.port_or_known_default().unwrap_or(443);
        let not_found = || format!("we could not find {name:?}; check the address");
        let lookup = tokio::net::lookup_host((name, port));
        let addresses: Vec<SocketAddr> = tokio::time::timeout(Duration::from_secs(5), lookup)
            .await
            .map_err(|_| not_found())?
            .map_err(|_| not_found())?
            .collect();
        if addresses.iter().any(|a| self.permits(a.ip())) {
            Ok(())
        } else {
            Err(format!(
                "{name} points to a private or internal address; use a public address"
            ))
        }
    }

    /// An HTTP client that can only reach permitted addresses and follows no redirects.
    pub fn client(&self, timeout: Duration) -> reqwest::Client {
        crate::integrations::install_tls();
        reqwest::Client::builder()
            .dns_resolver(Arc::new(GuardedResolver(self.clone())))
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(timeout)
            .user_agent("NovaCRM-Scheduling/1 (+webhooks)")
            .build()
            .expect("an HTTP client with a guarded resolver")
    }
}

/// The system resolver, keeping only permitted addresses.
#[derive(Debug)]
struct GuardedResolver(OutboundPolicy);

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.0.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| policy.permits(a.ip()))
                .collect();
            if found.is_empty() {
                let refused = format!("{host} resolves only to internal addresses");
                return Err(refused.into());
            }
            Ok(Box::new(found.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_networks_are_refused_unless_allowed() {
        let policy = OutboundPolicy::default();
        for ip in [
            "10.0.0.1",
            "127.0.0.1",
            "169.254.169.254",
            "192.168.1.1",
            "172.31.255.255",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "::",
        ] {
            assert!(!policy.permits(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "172.32.0.1", "2606:4700::1111"] {
            assert!(policy.permits(ip.parse().unwrap()), "{ip}");
        }
        let tests = OutboundPolicy::new(vec![("127.0.0.0".parse().unwrap(), 8)]);
        assert!(tests.permits("127.0.0.1".parse().unwrap()));
        assert!(!tests.permits("10.0.0.1".parse().unwrap()));
    }

    #[test]
    fn urls_are_checked_for_shape_and_literal_addresses() {
        let policy = OutboundPolicy::default();
        assert!(policy.check_url("https://crm.example.com/hooks").is_ok());
        for bad in [
            "ftp://crm.example.com",
            "https://user:pw@crm.example.com",
            "http://10.0.0.1/hook",
            "http://[::1]:8080/",
            "http://169.254.169.254/latest/meta-data",
            "not a url",
        ] {
            assert!(policy.check_url(bad).is_err(), "{bad}");
        }
    }
}
