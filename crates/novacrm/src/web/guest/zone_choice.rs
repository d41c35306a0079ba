//! Which zone a guest reads times in: `?tz=`, else the zone cookie, else a guess from the
//! language, else the host's.

use axum::http::HeaderMap;
use scheduling::Zone;

/// How the page came to show its zone: the guest chose it (a link's `?tz=`, or the cookie
/// the browser's zone or an earlier choice left), or it is a guess (the language's region,
/// else the host's zone) that the page's script checks against the browser.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum ZoneChoice {
    Chosen(String),
    Guessed(String),
}

/// Name of the cookie that remembers the guest's zone (set by `app.js`, read here).
pub(crate) const ZONE_COOKIE: &str = "tz";

impl ZoneChoice {
    pub fn of(query_tz: Option<&str>, headers: &HeaderMap) -> Self {
        let cookie = crate::web::cookie::cookie(headers, ZONE_COOKIE);
        let chosen = query_tz
            .filter(|t| !t.trim().is_empty())
            .or(cookie.filter(|c| Zone::parse(c).is_ok()));
        if let Some(name) = chosen {
            Self::Chosen(name.to_owned())
        } else {
            let language = headers
                .get(axum::http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok());
            Self::Guessed(
                crate::web::guest::zones::guess(language)
                    .unwrap_or_default()
                    .to_owned(),
            )
        }
    }

    /// The zone to show (the host's when the guess has none), and a bad name the guest typed.
    pub fn resolve(&self, host_zone: &Zone) -> (Zone, Option<String>) {
        match self {
            Self::Chosen(name) | Self::Guessed(name) if name.is_empty() => {
                (host_zone.clone(), None)
            }
            Self::Chosen(name) | Self::Guessed(name) => match Zone::parse(name) {
                Ok(zone) => (zone, None),
                Err(_) => (host_zone.clone(), Some(name.clone())),
            },
        }
    }
}

/// The guest's zone from `?tz=`, or the host's.
pub(crate) fn guest_zone(tz: Option<&str>, host_zone: &Zone) -> Zone {
    tz.and_then(|t| Zone::parse(t).ok())
        .unwrap_or_else(|| host_zone.clone())
}
