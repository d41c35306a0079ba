//! Outbound HTTP to addresses a host typed (webhook endpoints, CalDAV servers), guarded
//! against server-side request forgery: private, loopback, link-local and other special
//! networks are refused unless `NOVACRM_OUTBOUND_ALLOW` lists them. The check runs on the URL
//! when it is saved and on **every** connection: the client's resolver drops forbidden
//! addresses (so a name that later resolves inside the network — DNS rebinding — reaches
//! nothing), literal addresses are checked before sending, and redirects are never followed.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::config::{Network, in_network};

/// Networks nobody outside may be sent to: IANA's IPv4 special-purpose registry (every
/// entry not globally reachable, and the deprecated 6to4 relay anycast), multicast, and
/// broadcast. The service's own network and its neighbours' are all in here.
#[rustfmt::skip]
const FORBIDDEN_V4: &[(Ipv4Addr, u8)] = &[
    (Ipv4Addr::UNSPECIFIED, 8),            // "this" network
    (Ipv4Addr::new(10, 0, 0, 0), 8),       // private
    (Ipv4Addr::new(100, 64, 0, 0), 10),    // carrier-grade NAT
    (Ipv4Addr::new(127, 0, 0, 0), 8),      // loopback
    (Ipv4Addr::new(169, 254, 0, 0), 16),   // link-local (cloud metadata lives here)
    (Ipv4Addr::new(172, 16, 0, 0), 12),    // private
    (Ipv4Addr::new(192, 0, 0, 0), 24),     // IETF protocol assignments (DS-Lite, NAT64 discovery…)
    (Ipv4Addr::new(192, 0, 2, 0), 24),     // documentation
    (Ipv4Addr::new(192, 88, 99, 0), 24),   // 6to4 relay anycast (deprecated)
    (Ipv4Addr::new(192, 168, 0, 0), 16),   // private
    (Ipv4Addr::new(198, 18, 0, 0), 15),    // benchmarking
    (Ipv4Addr::new(198, 51, 100, 0), 24),  // documentation
    (Ipv4Addr::new(203, 0, 113, 0), 24),   // documentation
    (Ipv4Addr::new(224, 0, 0, 0), 4),      // multicast
    (Ipv4Addr::new(240, 0, 0, 0), 4),      // reserved, and 255.255.255.255 broadcast
];

/// What an IPv6 network means for the guard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum V6 {
    /// Never reachable from here.
    Refuse,
    /// Carries an IPv4 address in its last 32 bits, which decides.
    Embeds,
}

/// IANA's IPv6 special-purpose registry, every entry not globally reachable (the IETF
/// protocol block whole, with Teredo, which embeds IPv4 obfuscated), plus deprecated
/// site-local, multicast and 6to4 (which embeds IPv4 in bits 16–48; nothing a host types
/// lives there). The three forms that carry an IPv4 address at the end are judged by it.
#[rustfmt::skip]
const SPECIAL_V6: &[(u128, u8, V6)] = &[
    (0, 128, V6::Refuse),                                   // ::  unspecified
    (1, 128, V6::Refuse),                                   // ::1 loopback
    (0, 96, V6::Refuse),                                    // ::a.b.c.d IPv4-compatible (deprecated)
    (0xffff_0000_0000, 96, V6::Embeds),                     // ::ffff:a.b.c.d IPv4-mapped
    (0xffff_0000_0000_0000, 96, V6::Embeds),                // ::ffff:0:a.b.c.d IPv4-translated
    (0x0064_ff9b_u128 << 96, 96, V6::Embeds),               // 64:ff9b::/96 NAT64 well-known
    (0x0064_ff9b_0001_u128 << 80, 48, V6::Refuse),          // 64:ff9b:1::/48 NAT64 local use
    (0x0100_u128 << 112, 64, V6::Refuse),                   // 100::/64 discard only
    (0x0100_0000_0000_0001_u128 << 64, 64, V6::Refuse),     // 100:0:0:1::/64 dummy prefix
    (0x2001_u128 << 112, 23, V6::Refuse),                   // 2001::/23 IETF protocol (Teredo, benchmarking, ORCHID…)
    (0x2001_0db8_u128 << 96, 32, V6::Refuse),               // 2001:db8::/32 documentation
    (0x2002_u128 << 112, 16, V6::Refuse),                   // 2002::/16 6to4
    (0x3fff_u128 << 112, 20, V6::Refuse),                   // 3fff::/20 documentation
    (0x5f00_u128 << 112, 16, V6::Refuse),                   // 5f00::/16 segment routing SIDs
    (0xfc00_u128 << 112, 7, V6::Refuse),                    // fc00::/7 unique local
    (0xfe80_u128 << 112, 10, V6::Refuse),                   // fe80::/10 link-local
    (0xfec0_u128 << 112, 10, V6::Refuse),                   // fec0::/10 site-local (deprecated)
    (0xff00_u128 << 112, 8, V6::Refuse),                    // ff00::/8 multicast
];

fn v6_prefix(ip: u128, net: u128, bits: u8) -> bool {
    let mask = if bits == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(bits))
    };
    ip & mask == net & mask
}

/// Whether `ip` is in a network outbound requests must not reach by default. The most
/// specific IPv6 entry decides, so the IPv4-mapped form inside `::/96`'s neighbourhood is
/// judged by the address it carries.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => FORBIDDEN_V4
            .iter()
            .any(|&(net, bits)| in_network(IpAddr::V4(v4), (IpAddr::V4(net), bits))),
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let decides = SPECIAL_V6
                .iter()
                .filter(|&&(net, len, _)| v6_prefix(bits, net, len))
                .max_by_key(|&&(_, len, _)| len);
            match decides {
                None => false,
                Some((_, _, V6::Refuse)) => true,
                Some((_, _, V6::Embeds)) => {
                    is_internal(IpAddr::V4(Ipv4Addr::from((bits & 0xffff_ffff) as u32)))
                }
            }
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
        super::port::install_tls();
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

    /// One row per registry entry (and per embedded form), with the public neighbours that
    /// must still pass.
    #[test]
    fn internal_networks_are_refused_unless_allowed() {
        let policy = OutboundPolicy::default();
        #[rustfmt::skip]
        let table: &[(&str, bool)] = &[
            // IPv4, refused
            ("0.0.0.0", false), ("0.1.2.3", false), ("10.0.0.1", false), ("100.64.0.1", false),
            ("100.127.255.255", false), ("127.0.0.1", false), ("127.255.255.254", false),
            ("169.254.169.254", false), ("172.16.0.1", false), ("172.31.255.255", false),
            ("192.0.0.8", false), ("192.0.0.170", false), ("192.0.2.1", false),
            ("192.88.99.1", false), ("192.168.1.1", false), ("198.18.0.1", false),
            ("198.19.255.255", false), ("198.51.100.7", false), ("203.0.113.9", false),
            ("224.0.0.1", false), ("239.255.255.250", false), ("240.0.0.1", false),
            ("255.255.255.255", false),
            // IPv4, public neighbours
            ("93.184.216.34", true), ("172.32.0.1", true), ("100.128.0.1", true),
            ("192.88.100.1", true), ("198.20.0.1", true), ("11.0.0.1", true), ("8.8.8.8", true),
            // IPv6, refused
            ("::", false), ("::1", false), ("::127.0.0.1", false), ("::8.8.8.8", false),
            ("::ffff:10.0.0.1", false), ("::ffff:127.0.0.1", false),
            ("::ffff:0:7f00:1", false), ("::ffff:0:a00:1", false),
            ("64:ff9b::7f00:1", false), ("64:ff9b::a9fe:a9fe", false),
            ("64:ff9b:1::7f00:1", false), ("64:ff9b:1::808:808", false),
            ("100::1", false), ("100:0:0:1::1", false), ("2001::1", false),
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", false), ("2001:2::1", false),
            ("2001:1ff::1", false), ("2001:db8::1", false), ("2002:7f00:1::1", false),
            ("2002:808:808::1", false), ("3fff::1", false), ("5f00::1", false),
            ("fc00::1", false), ("fd00::1", false), ("fe80::1", false), ("febf::1", false),
            ("fec0::1", false), ("feff::1", false), ("ff02::1", false),
            // IPv6, public: embedded public IPv4, and global unicast next to the blocks
            ("::ffff:8.8.8.8", true), ("::ffff:0:808:808", true), ("64:ff9b::808:808", true),
            ("2001:200::1", true), ("2001:4860:4860::8888", true), ("2606:4700::1111", true),
            ("2003::1", true), ("3ffe::1", true), ("2620:4f:8000::1", true),
        ];
        for &(ip, public) in table {
            assert_eq!(policy.permits(ip.parse().unwrap()), public, "{ip}");
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
            "http://[::127.0.0.1]/",
            "http://[::ffff:0:7f00:1]/",
            "http://[64:ff9b:1::7f00:1]/",
            "http://[fec0::1]/",
            "http://192.88.99.1/",
            "not a url",
        ] {
            assert!(policy.check_url(bad).is_err(), "{bad}");
        }
    }
}
