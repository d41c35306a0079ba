//! CalDAV (RFC 4791) on plain reqwest, through the SSRF-guarded client: discovery
//! (`/.well-known/caldav` → current-user-principal → calendar-home-set → the calendars),
//! events in a time range by `calendar-query` (recurrences come back as stored and are
//! expanded by `scheduling::busy`), and booking events written as resources named by their
//! UID with `If-None-Match: *` on create and `If-Match` on update and delete.
//! Works against Apple iCloud, Fastmail, Nextcloud and Radicale alike: only the common core
//! of the protocol, with Basic authentication (app-specific passwords).

use std::fmt::Write as _;
use std::time::Duration;

use reqwest::{Method, StatusCode, Url};
use scheduling::Instant;

use super::outbound::OutboundPolicy;
use super::webdav::{DavResponse, multistatus, read_multistatus};

/// Why a CalDAV call failed, in words for the host, and what it means for the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalDavError {
    /// The server refused the credentials: the host must reconnect.
    Unauthorized(String),
    /// `If-None-Match` / `If-Match` failed: the resource exists already, or changed.
    PreconditionFailed,
    /// Anything else (network, server error, unreadable answer): try again later.
    Failed(String),
}

impl std::fmt::Display for CalDavError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unauthorized(m) | Self::Failed(m) => f.write_str(m),
            Self::PreconditionFailed => f.write_str("the event changed on the server meanwhile"),
        }
    }
}

/// A calendar collection found by discovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteCalendar {
    /// Absolute URL of the collection (ends with `/`).
    pub url: String,
    pub name: String,
    /// Whether it holds events (a VTODO-only list does not).
    pub events: bool,
    /// Whether the user may write to it (as far as the server says).
    pub writable: bool,
}

/// What changed in a collection since a sync token (RFC 6578).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changes {
    /// Everything the collection holds (a first read, or a token the server forgot).
    pub full: bool,
    /// Members added or changed, by URL.
    pub changed: Vec<String>,
    /// Members removed, by URL.
    pub removed: Vec<String>,
    pub token: String,
}

const PRINCIPAL: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:"><d:prop><d:current-user-principal/></d:prop></d:propfind>"#;
const HOME: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:calendar-home-set/></d:prop></d:propfind>"#;
const CALENDARS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:resourcetype/><d:displayname/><c:supported-calendar-component-set/><d:current-user-privilege-set/></d:prop></d:propfind>"#;

/// A CalDAV account: base URL and credentials, spoken to through the guarded client.
#[derive(Debug, Clone)]
pub struct CalDav {
    client: reqwest::Client,
    policy: OutboundPolicy,
    username: String,
    password: String,
}

impl CalDav {
    pub fn new(policy: &OutboundPolicy, username: &str, password: &str) -> Self {
        Self {
            client: policy.client(Duration::from_secs(20)),
            policy: policy.clone(),
            username: username.to_owned(),
            password: password.to_owned(),
        }
    }

    async fn call(
        &self,
        method: &str,
        url: &Url,
        depth: Option<&str>,
        body: Option<String>,
        headers: &[(&str, &str)],
    ) -> Result<(StatusCode, reqwest::header::HeaderMap, String), CalDavError> {
        self.policy
            .check_url(url.as_str())
            .map_err(CalDavError::Failed)?;
        let method = Method::from_bytes(method.as_bytes()).expect("a valid method name");
        let mut request = self
            .client
            .request(method, url.clone())
            .basic_auth(&self.username, Some(&self.password));
        if let Some(depth) = depth {
            request = request.header("Depth", depth);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            let kind = if body.starts_with("BEGIN:VCALENDAR") {
                "text/calendar; charset=utf-8"
            } else {
                "application/xml; charset=utf-8"
            };
            request = request.header("Content-Type", kind).body(body);
        }
        let response = request.send().await.map_err(|e| {
            let mut cause: &dyn std::error::Error = &e;
            while let Some(next) = cause.source() {
                cause = next;
            }
            CalDavError::Failed(format!("the calendar server did not answer: {cause}"))
        })?;
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(CalDavError::Unauthorized(
                "the calendar server refused the user name or password".into(),
            )),
            StatusCode::PRECONDITION_FAILED => Err(CalDavError::PreconditionFailed),
            s if s.is_success() || s == StatusCode::MULTI_STATUS => Ok((s, headers, text)),
            s if s.is_redirection() => {
                let to = headers
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                Err(CalDavError::Failed(format!("redirected to {to:?}")))
            }
            s => Err(CalDavError::Failed(format!(
                "the calendar server answered {} {}",
                s.as_u16(),
                s.canonical_reason().unwrap_or("")
            ))),
        }
    }

    async fn propfind(
        &self,
        url: &Url,
        depth: &str,
        body: &str,
    ) -> Result<Vec<DavResponse>, CalDavError> {
        let (_, _, text) = self
            .call("PROPFIND", url, Some(depth), Some(body.to_owned()), &[])
            .await?;
        multistatus(&text).map_err(CalDavError::Failed)
    }

    /// Follows redirects by hand (the guarded client follows none), re-checking each hop.
    async fn principal(&self, start: &Url) -> Result<Url, CalDavError> {
        let mut url = start.clone();
        for _ in 0..5 {
            let method = Method::from_bytes(b"PROPFIND").expect("a valid method name");
            let response = self
                .client
                .request(method, url.clone())
                .basic_auth(&self.username, Some(&self.password))
                .header("Depth", "0")
                .header("Content-Type", "application/xml; charset=utf-8")
                .body(PRINCIPAL)
                .send()
                .await
                .map_err(|e| {
                    CalDavError::Failed(format!("the calendar server did not answer: {e}"))
                })?;
            if response.status().is_redirection()
                && let Some(next) = response
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
            {
                url = url
                    .join(next)
                    .map_err(|e| CalDavError::Failed(e.to_string()))?;
                self.policy
                    .check_url(url.as_str())
                    .map_err(CalDavError::Failed)?;
                continue;
            }
            if matches!(
                response.status(),
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
            ) {
                return Err(CalDavError::Unauthorized(
                    "the calendar server refused the user name or password".into(),
                ));
            }
            if response.status() != StatusCode::MULTI_STATUS {
                return Err(CalDavError::Failed(format!(
                    "{url} is not a CalDAV address (it answered {})",
                    response.status().as_u16()
                )));
            }
            let text = response.text().await.unwrap_or_default();
            let found = multistatus(&text).map_err(CalDavError::Failed)?;
            let href = found
                .iter()
                .find_map(|r| {
                    r.props
                        .get("current-user-principal")?
                        .hrefs
                        .first()
                        .cloned()
                })
                .ok_or_else(|| {
                    CalDavError::Failed("the server did not name the user's principal".into())
                })?;
            return url
                .join(&href)
                .map_err(|e| CalDavError::Failed(e.to_string()));
        }
        Err(CalDavError::Failed("too many redirects".into()))
    }

    /// The user's calendars: from the URL given (a server, a principal or a calendar home),
    /// then `/.well-known/caldav`.
    pub async fn discover(&self, url: &str) -> Result<Vec<RemoteCalendar>, CalDavError> {
        let base = Url::parse(url)
            .map_err(|_| CalDavError::Failed(format!("{url:?} is not a web address")))?;
        let principal = match self.principal(&base).await {
            Ok(p) => p,
            Err(CalDavError::Unauthorized(m)) => return Err(CalDavError::Unauthorized(m)),
            Err(first) => {
                let well_known = base
                    .join("/.well-known/caldav")
                    .map_err(|e| CalDavError::Failed(e.to_string()))?;
                self.principal(&well_known).await.map_err(|_| first)?
            }
        };
        let home_set = self.propfind(&principal, "0", HOME).await?;
        let home = home_set
            .iter()
            .find_map(|r| r.props.get("calendar-home-set")?.hrefs.first().cloned())
            .ok_or_else(|| CalDavError::Failed("the server did not name a calendar home".into()))?;
        let home = principal
            .join(&home)
            .map_err(|e| CalDavError::Failed(e.to_string()))?;
        let listed = self.propfind(&home, "1", CALENDARS).await?;
        let mut calendars = Vec::new();
        for r in listed {
            let Some(kind) = r.props.get("resourcetype") else {
                continue;
            };
            if !kind.children.iter().any(|c| c == "calendar") {
                continue;
            }
            let url = home
                .join(&r.href)
                .map_err(|e| CalDavError::Failed(e.to_string()))?;
            let components = r
                .props
                .get("supported-calendar-component-set")
                .map(|p| p.components.clone())
                .unwrap_or_default();
            let privileges = r.props.get("current-user-privilege-set");
            let name = r
                .props
                .get("displayname")
                .map(|p| p.text.trim().to_owned())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| {
                    url.path_segments()
                        .and_then(|mut s| s.rfind(|p| !p.is_empty()))
                        .unwrap_or("Calendar")
                        .to_owned()
                });
            calendars.push(RemoteCalendar {
                url: url.to_string(),
                name,
                events: components.is_empty() || components.iter().any(|c| c == "VEVENT"),
                writable: privileges.is_none_or(|p| {
                    p.children
                        .iter()
                        .any(|c| c == "write" || c == "all" || c == "write-content")
                }),
            });
        }
        Ok(calendars)
    }

    /// The iCalendar texts of the events of `calendar` that touch `[from, to)`.
    pub async fn events(
        &self,
        calendar: &str,
        from: Instant,
        to: Instant,
    ) -> Result<Vec<String>, CalDavError> {
        let url = Url::parse(calendar).map_err(|e| CalDavError::Failed(e.to_string()))?;
        let stamp = |i: Instant| i.to_timestamp().strftime("%Y%m%dT%H%M%SZ").to_string();
        let body = format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="{}" end="{}"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>"#,
            stamp(from),
            stamp(to)
        );
        let (_, _, text) = self
            .call("REPORT", &url, Some("1"), Some(body), &[])
            .await?;
        let found = multistatus(&text).map_err(CalDavError::Failed)?;
        Ok(found
            .into_iter()
            .filter_map(|r| r.props.get("calendar-data").map(|p| p.text.clone()))
            .collect())
    }

    /// What changed in `calendar` since `token` (everything, without one), by RFC 6578
    /// sync-collection; `None` when the server does not offer it (read by time range then).
    /// A token the server no longer knows gives a full answer.
    pub async fn changes(
        &self,
        calendar: &str,
        token: Option<&str>,
    ) -> Result<Option<Changes>, CalDavError> {
        let url = Url::parse(calendar).map_err(|e| CalDavError::Failed(e.to_string()))?;
        let report = |token: &str| {
            format!(
                r#"<?xml version="1.0" encoding="utf-8"?>
<d:sync-collection xmlns:d="DAV:"><d:sync-token>{}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"#,
                quick_xml::escape::escape(token)
            )
        };
        let mut answer = self
            .call(
                "REPORT",
                &url,
                Some("0"),
                Some(report(token.unwrap_or(""))),
                &[],
            )
            .await;
        let full = match (&answer, token) {
            // 403 valid-sync-token, 409, 410: the server forgot the token; start over.
            (Err(CalDavError::Failed(_) | CalDavError::PreconditionFailed), Some(_)) => {
                answer = self
                    .call("REPORT", &url, Some("0"), Some(report("")), &[])
                    .await;
                true
            }
            (_, None) => true,
            _ => false,
        };
        let text = match answer {
            Ok((_, _, text)) => text,
            Err(CalDavError::Unauthorized(m)) => return Err(CalDavError::Unauthorized(m)),
            Err(CalDavError::Failed(_) | CalDavError::PreconditionFailed) if full => {
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        let found = read_multistatus(&text).map_err(CalDavError::Failed)?;
        let Some(token) = found.sync_token else {
            return Ok(None);
        };
        let (mut changed, mut removed) = (Vec::new(), Vec::new());
        for r in found.responses {
            let member = url
                .join(&r.href)
                .map_err(|e| CalDavError::Failed(e.to_string()))?;
            if member.path() == url.path() {
                continue;
            }
            if r.status == Some(404) {
                removed.push(member.to_string());
            } else {
                changed.push(member.to_string());
            }
        }
        Ok(Some(Changes {
            full,
            changed,
            removed,
            token,
        }))
    }

    /// The texts of the named members of `calendar`, as (URL, ETag, iCalendar text), 100 a
    /// request (RFC 4791 calendar-multiget).
    pub async fn fetch(
        &self,
        calendar: &str,
        members: &[String],
    ) -> Result<Vec<(String, Option<String>, String)>, CalDavError> {
        let url = Url::parse(calendar).map_err(|e| CalDavError::Failed(e.to_string()))?;
        let mut out = Vec::new();
        for chunk in members.chunks(100) {
            let mut hrefs = String::new();
            for member in chunk.iter().filter_map(|m| Url::parse(m).ok()) {
                let _ = write!(
                    hrefs,
                    "<d:href>{}</d:href>",
                    quick_xml::escape::escape(member.path())
                );
            }
            let body = format!(
                r#"<?xml version="1.0" encoding="utf-8"?>
<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop>{hrefs}</c:calendar-multiget>"#
            );
            let (_, _, text) = self
                .call("REPORT", &url, Some("1"), Some(body), &[])
                .await?;
            for r in multistatus(&text).map_err(CalDavError::Failed)? {
                let Some(data) = r.props.get("calendar-data") else {
                    continue;
                };
                let member = url
                    .join(&r.href)
                    .map_err(|e| CalDavError::Failed(e.to_string()))?;
                let etag = r.props.get("getetag").map(|p| p.text.trim().to_owned());
                out.push((member.to_string(), etag, data.text.clone()));
            }
        }
        Ok(out)
    }

    /// Writes the event `uid` into `calendar`: created when `etag` is `None` (refused with
    /// [`CalDavError::PreconditionFailed`] if it exists), else replaced only if unchanged.
    /// Answers the resource's URL and its new ETag when the server gives one.
    pub async fn put_event(
        &self,
        calendar: &str,
        uid: &str,
        ics: &str,
        etag: Option<&str>,
    ) -> Result<(String, Option<String>), CalDavError> {
        let url = resource_url(calendar, uid)?;
        let condition = match etag {
            None => ("If-None-Match", "*"),
            Some(tag) => ("If-Match", tag),
        };
        let (_, headers, _) = self
            .call("PUT", &url, None, Some(ics.to_owned()), &[condition])
            .await?;
        let etag = headers
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok((url.to_string(), etag))
    }

    /// Deletes an event resource; one already gone counts as deleted.
    pub async fn delete_event(&self, url: &str, etag: Option<&str>) -> Result<(), CalDavError> {
        let url = Url::parse(url).map_err(|e| CalDavError::Failed(e.to_string()))?;
        let headers: Vec<(&str, &str)> = etag.map(|t| ("If-Match", t)).into_iter().collect();
        match self.call("DELETE", &url, None, None, &headers).await {
            Ok(_) => Ok(()),
            Err(CalDavError::Failed(m)) if m.contains(" 404 ") || m.contains(" 410 ") => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// `calendar/` + the UID made safe for a path segment + `.ics`.
fn resource_url(calendar: &str, uid: &str) -> Result<Url, CalDavError> {
    let base = if calendar.ends_with('/') {
        calendar.to_owned()
    } else {
        format!("{calendar}/")
    };
    let name: String = uid
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    Url::parse(&base)
        .and_then(|u| u.join(&format!("{name}.ics")))
        .map_err(|e| CalDavError::Failed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_are_named_by_a_path_safe_uid() {
        let url = resource_url("http://h/jane/work", "b1@x.example/a b").unwrap();
        assert_eq!(url.as_str(), "http://h/jane/work/b1_x.example_a_b.ics");
    }
}
