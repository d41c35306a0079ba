//! Which host's pages a request's Host names (docs/DESIGN.md §13): `jane.{base}/book` and a
//! verified custom domain's `/` and `/book` serve jane's booking page, by rewriting the path
//! to `/book/jane…` before anything else sees it (rate limits included, so every spelling of a
//! host spends one budget). The Host is normalised (case, port, trailing dot); an unknown
//! one is served as the main site, and links are always built from `NOVACRM_PUBLIC_URL`.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::Uri;
use axum::http::header::HOST;

use crate::names::normalise_host;
use crate::services::domains::DomainTable;

/// Subdomains of the base domain that are never a host's (the service's own names).
const RESERVED: &[&str] = &["www", "app", "api", "mail", "domains", "static", "admin"];

#[derive(Debug)]
pub struct HostRoutes {
    pub base_domain: Option<String>,
    pub public_host: String,
    pub table: Arc<DomainTable>,
}

impl HostRoutes {
    /// The username whose pages the (normalised) host name serves, if any.
    pub fn username(&self, host: &str) -> Option<String> {
        if host == self.public_host {
            return None;
        }
        if let Some(base) = &self.base_domain
            && let Some(sub) = subdomain(host, base)
        {
            return Some(sub.to_owned());
        }
        self.table.username(host)
    }

    /// Rewrites `request`'s path when its Host is a host's address.
    pub fn route(&self, mut request: Request) -> Request {
        // No subdomains and no verified domain: every request is the main site's, and the
        // Host need not be parsed (this runs on every request).
        if self.base_domain.is_none() && self.table.is_empty() {
            return request;
        }
        let host = request
            .headers()
            .get(HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| request.uri().host())
            .and_then(normalise_host);
        let Some(username) = host.and_then(|h| self.username(&h)) else {
            return request;
        };
        if let Some(path) = rewrite(&username, request.uri().path()) {
            let target = match request.uri().query() {
                Some(query) => format!("{path}?{query}"),
                None => path,
            };
            if let Ok(uri) = target.parse::<Uri>() {
                *request.uri_mut() = uri;
            }
        }
        request
    }
}

/// `jane` for `jane.{base}`: one label, not one of ours.
pub fn subdomain<'a>(host: &'a str, base: &str) -> Option<&'a str> {
    let sub = host.strip_suffix(base)?.strip_suffix('.')?;
    (!sub.is_empty() && !sub.contains('.') && !RESERVED.contains(&sub)).then_some(sub)
}

/// The path a host address's `path` is served at: `/`, `/book` → the host's page;
/// `/book/{type}…` → that type of theirs; `/book/{username}…` stays; anything else (assets,
/// `/booking/{token}`, the API) is the same on every address.
fn rewrite(username: &str, path: &str) -> Option<String> {
    match path {
        "" | "/" | "/book" | "/book/" => Some(format!("/book/{username}")),
        _ => {
            let rest = path.strip_prefix("/book/")?;
            let first = rest.split('/').next().unwrap_or_default();
            let decoded = percent_encoding::percent_decode_str(first).decode_utf8_lossy();
            (decoded != username).then(|| format!("/book/{username}/{rest}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_address_serves_that_hosts_pages_only() {
        assert_eq!(rewrite("jane", "/").as_deref(), Some("/book/jane"));
        assert_eq!(rewrite("jane", "/book").as_deref(), Some("/book/jane"));
        assert_eq!(
            rewrite("jane", "/book/abc").as_deref(),
            Some("/book/jane/abc")
        );
        assert_eq!(
            rewrite("jane", "/book/abc/details").as_deref(),
            Some("/book/jane/abc/details")
        );
        assert_eq!(rewrite("jane", "/book/jane/abc"), None);
        assert_eq!(rewrite("jane", "/book/j%61ne"), None);
        assert_eq!(rewrite("jane", "/static/app.css"), None);
        assert_eq!(rewrite("jane", "/booking/nvb_x"), None);
        assert_eq!(rewrite("jane", "/api/public/booking/jane"), None);
    }

    #[test]
    fn subdomains_are_one_label_and_never_ours() {
        assert_eq!(subdomain("jane.novacrm.app", "novacrm.app"), Some("jane"));
        assert_eq!(subdomain("novacrm.app", "novacrm.app"), None);
        assert_eq!(subdomain("a.jane.novacrm.app", "novacrm.app"), None);
        assert_eq!(subdomain("www.novacrm.app", "novacrm.app"), None);
        assert_eq!(subdomain("janenovacrm.app", "novacrm.app"), None);
    }
}
