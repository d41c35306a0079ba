//! Who reads a page: the language and the date conventions, from `?lang=` and
//! `Accept-Language`, and the language switcher's links.

use crate::format::Locale;
use crate::i18n::Lang;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Uri, header};

fn accept_language(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
}

impl Locale {
    /// How a dashboard reader reads dates and times, from `Accept-Language` (in English).
    pub fn from_headers(headers: &HeaderMap) -> Self {
        Self::from_accept_language(accept_language(headers))
    }
}

/// Who reads a guest page: its language — `?lang=` (from the switcher's links), else the
/// first of `Accept-Language` we speak, else English — with the reader's conventions, and
/// the page's query for the switcher.
///
/// A language chosen with `?lang=` travels in the URL, not in a cookie: the pages' own links,
/// forms and redirects carry it on (`carry`), so it works without JavaScript and the cached
/// calendar pages never set a cookie. Entering anew (an email's link) goes by the browser's
/// language again.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reader {
    pub lang: Lang,
    pub locale: Locale,
    /// The language came from `?lang=`: the pages' links carry it on.
    pub chosen: bool,
    /// Shown inside another site (`?embed=1`, from `/embed.js`): no page chrome, and the
    /// pages' links carry it on like the language.
    pub embedded: bool,
    /// The page's query, for the switcher's links.
    query: Option<String>,
    /// Where the switcher's links lead: this page (empty), or another (see `at`).
    base: String,
}

/// One link of the language switcher.
#[derive(Debug)]
pub struct LangLink {
    pub code: &'static str,
    pub name: &'static str,
    pub href: String,
    pub current: bool,
}

impl Reader {
    pub fn of(uri: &Uri, headers: &HeaderMap) -> Self {
        let asked = uri.query().and_then(|q| {
            q.split('&')
                .filter_map(|pair| pair.strip_prefix("lang="))
                .find_map(Lang::parse)
        });
        let header = accept_language(headers);
        let lang = asked
            .or_else(|| Lang::negotiate(header))
            .unwrap_or_default();
        Self {
            lang,
            locale: Locale::for_guest(lang, header),
            chosen: asked.is_some(),
            embedded: uri
                .query()
                .is_some_and(|q| q.split('&').any(|pair| pair == "embed=1")),
            query: uri.query().map(str::to_owned),
            base: String::new(),
        }
    }

    /// The reader of a page answering a form's POST: the switcher leads to `path` instead,
    /// the page to GET.
    #[must_use]
    pub fn at(&self, path: &str) -> Self {
        Self {
            query: None,
            base: path.to_owned(),
            ..self.clone()
        }
    }

    /// `&lang=de` (and `&embed=1`) to append to a link's query when the reader chose the
    /// language (is embedded), else "".
    pub fn carry(&self) -> String {
        let mut carried = String::new();
        if self.chosen {
            carried.push_str("&lang=");
            carried.push_str(self.lang.code());
        }
        if self.embedded {
            carried.push_str("&embed=1");
        }
        carried
    }

    /// `?lang=de` (`?embed=1`, `?lang=de&embed=1`) for a link without a query, else "".
    pub fn carry_alone(&self) -> String {
        self.carry().replacen('&', "?", 1)
    }

    /// The switcher: this page in every language, its other query parameters kept. The links
    /// are query-only (`?tz=…&lang=de`), relative to the page itself, so nothing in the
    /// request's path can lead them elsewhere.
    pub fn switcher(&self) -> Vec<LangLink> {
        let kept: Vec<&str> = self
            .query
            .as_deref()
            .unwrap_or_default()
            .split('&')
            .filter(|pair| !pair.is_empty() && !pair.starts_with("lang="))
            .collect();
        Lang::ALL
            .into_iter()
            .map(|lang| {
                let mut pairs = kept.clone();
                let own = format!("lang={}", lang.code());
                pairs.push(&own);
                LangLink {
                    code: lang.code(),
                    name: lang.name(),
                    href: format!("{}?{}", self.base, pairs.join("&")),
                    current: lang == self.lang,
                }
            })
            .collect()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Reader {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::of(&parts.uri, &parts.headers))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn the_switcher_keeps_the_address_and_the_choice_travels_in_links() {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static("de-DE"));
        let uri: Uri = "/book/jane/t1?tz=Europe/Paris&lang=fr&month=2026-12"
            .parse()
            .unwrap();
        let reader = Reader::of(&uri, &headers);
        assert_eq!((reader.lang, reader.chosen), (Lang::Fr, true));
        assert_eq!(reader.carry(), "&lang=fr");
        let links = reader.switcher();
        assert_eq!(links[1].href, "?tz=Europe/Paris&month=2026-12&lang=de");
        assert!(links[2].current && !links[1].current);

        let plain = Reader::of(&"/booking/nvb_x".parse().unwrap(), &headers);
        assert_eq!((plain.lang, plain.chosen), (Lang::De, false));
        assert_eq!(
            plain.carry_alone(),
            "",
            "nothing to carry: the browser chose"
        );
        assert_eq!(plain.switcher()[0].href, "?lang=en");
        let posted = Reader::of(&"/booking/nvb_x/cancel?lang=fr".parse().unwrap(), &headers);
        assert_eq!(
            posted.at("/booking/nvb_x").switcher()[3].href,
            "/booking/nvb_x?lang=es"
        );
        let framed = Reader::of(&"/book/jane?embed=1&lang=de".parse().unwrap(), &headers);
        assert_eq!(framed.carry(), "&lang=de&embed=1");
        assert_eq!(framed.carry_alone(), "?lang=de&embed=1");
        let framed = Reader::of(&"/book/jane?embed=1".parse().unwrap(), &headers);
        assert_eq!(framed.carry_alone(), "?embed=1");
        let unknown = Reader::of(&"/book/jane?lang=pt".parse().unwrap(), &HeaderMap::new());
        assert_eq!((unknown.lang, unknown.chosen), (Lang::En, false));
    }
}
