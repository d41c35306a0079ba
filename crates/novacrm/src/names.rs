//! DNS names as the service routes and stores them (a leaf every layer may use).

/// A name as routed and stored: lower-case, no port, no trailing dot; `None` when it is not
/// a DNS name (an IP literal, empty, a bad label). International names become punycode.
pub fn normalise_host(text: &str) -> Option<String> {
    let text = text.trim();
    // A port (`:3000`), but not the colons of an IPv6 literal.
    let text = match text.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            name
        }
        _ => text,
    };
    let text = text.strip_suffix('.').unwrap_or(text);
    match url::Host::parse(text).ok()? {
        url::Host::Domain(name) => {
            let name = name.to_ascii_lowercase();
            let labels_ok = name.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            });
            (labels_ok && name.len() <= 253).then_some(name)
        }
        url::Host::Ipv4(_) | url::Host::Ipv6(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_normalised_as_routed() {
        for (given, want) in [
            ("Jane.NovaCRM.app", Some("jane.novacrm.app")),
            ("jane.novacrm.app:8443", Some("jane.novacrm.app")),
            ("jane.novacrm.app.", Some("jane.novacrm.app")),
            ("bücher.example", Some("xn--bcher-kva.example")),
            ("127.0.0.1", None),
            ("[::1]:80", None),
            ("", None),
            ("bad_label-.example", None),
        ] {
            assert_eq!(normalise_host(given).as_deref(), want, "{given}");
        }
    }
}
