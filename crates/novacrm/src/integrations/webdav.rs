//! Multistatus answers of `WebDAV` (RFC 4918), read by local names: each response's href, the
//! properties found and its own status, and a sync report's token (RFC 6578). CalDAV's client
//! asks; this reads what comes back.

use std::collections::HashMap;

use quick_xml::Reader;
use quick_xml::events::Event;

/// One `<response>` of a multistatus answer: its href, the properties found (status 200),
/// and its own status when it has one (a sync report's 404 for a removed member).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct DavResponse {
    pub(super) href: String,
    pub(super) props: HashMap<String, Prop>,
    pub(super) status: Option<u16>,
}

/// A multistatus answer: its responses, and the sync token a sync report ends with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Multistatus {
    pub(super) responses: Vec<DavResponse>,
    pub(super) sync_token: Option<String>,
}

/// A property's content as far as CalDAV needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Prop {
    pub(super) text: String,
    pub(super) hrefs: Vec<String>,
    /// Local names of child elements (`collection`, `calendar`, `write`, …).
    pub(super) children: Vec<String>,
    /// `name` attributes of `<comp>` children (supported-calendar-component-set).
    pub(super) components: Vec<String>,
}

/// Reads a multistatus body by local names (DAV: and CalDAV names do not collide here).
pub(super) fn multistatus(body: &str) -> Result<Vec<DavResponse>, String> {
    read_multistatus(body).map(|m| m.responses)
}

pub(super) fn read_multistatus(body: &str) -> Result<Multistatus, String> {
    let mut reader = Reader::from_str(body);
    let mut stack: Vec<String> = Vec::new();
    let mut responses = Vec::new();
    let mut response = DavResponse::default();
    let mut pending: HashMap<String, Prop> = HashMap::new();
    let mut status_ok = false;
    let mut current: Option<String> = None;
    let mut text = String::new();
    let mut sync_token = None;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("the server's XML is unreadable: {e}"))?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                let depth_in_prop = stack
                    .iter()
                    .rposition(|s| s == "prop")
                    .map(|i| stack.len() - i);
                match depth_in_prop {
                    Some(1) => {
                        pending.entry(name.clone()).or_default();
                        if !empty {
                            current = Some(name.clone());
                        }
                    }
                    Some(_) => {
                        if let Some(prop) = current.as_ref().and_then(|c| pending.get_mut(c)) {
                            prop.children.push(name.clone());
                            if name == "comp"
                                && let Ok(Some(attr)) = e.try_get_attribute("name")
                                && let Ok(value) = attr.unescape_value()
                            {
                                prop.components.push(value.to_ascii_uppercase());
                            }
                        }
                    }
                    None => {}
                }
                if !empty {
                    text.clear();
                    stack.push(name);
                }
            }
            Event::Text(t) => {
                text.push_str(&t.decode().map_err(|e| e.to_string())?);
            }
            Event::CData(t) => {
                text.push_str(&t.decode().map_err(|e| e.to_string())?);
            }
            Event::GeneralRef(r) => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    text.push(c);
                } else {
                    let name = r.decode().map_err(|e| e.to_string())?;
                    text.push_str(match name.as_ref() {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        "apos" => "'",
                        _ => "",
                    });
                }
            }
            Event::End(_) => {
                let name = stack.pop().unwrap_or_default();
                let parent = stack.last().map(String::as_str);
                match name.as_str() {
                    "href" => {
                        let href = text.trim().to_owned();
                        if parent == Some("response") {
                            response.href = href;
                        } else if let Some(prop) = current.as_ref().and_then(|c| pending.get_mut(c))
                        {
                            prop.hrefs.push(href);
                        }
                    }
                    "status" if parent == Some("propstat") => {
                        status_ok = text.split_whitespace().nth(1) == Some("200");
                    }
                    "status" if parent == Some("response") => {
                        response.status =
                            text.split_whitespace().nth(1).and_then(|c| c.parse().ok());
                    }
                    "sync-token" if parent == Some("multistatus") => {
                        sync_token = Some(text.trim().to_owned());
                    }
                    "propstat" => {
                        if status_ok {
                            response.props.extend(pending.drain());
                        }
                        pending.clear();
                        status_ok = false;
                    }
                    "response" => responses.push(std::mem::take(&mut response)),
                    _ => {}
                }
                if current.as_deref() == Some(name.as_str())
                    && stack.last().map(String::as_str) == Some("prop")
                {
                    if let Some(prop) = pending.get_mut(&name) {
                        prop.text.push_str(&text);
                    }
                    current = None;
                }
                text.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(Multistatus {
        responses,
        sync_token,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multistatus_answers_are_read_by_local_name() {
        let body = r#"<?xml version="1.0"?>
<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
 <response><href>/jane/work/</href>
  <propstat><prop><resourcetype><collection/><C:calendar/></resourcetype>
   <displayname>Work &amp; more</displayname>
   <C:supported-calendar-component-set><C:comp name="VEVENT"/></C:supported-calendar-component-set>
  </prop><status>HTTP/1.1 200 OK</status></propstat>
  <propstat><prop><getctag/></prop><status>HTTP/1.1 404 Not Found</status></propstat>
 </response>
 <response><href>/jane/</href><propstat><prop><current-user-principal><href>/jane/</href></current-user-principal>
  <C:calendar-data><![CDATA[BEGIN:VCALENDAR]]>&#13;
</C:calendar-data></prop><status>HTTP/1.1 200 OK</status></propstat></response>
</multistatus>"#;
        let found = multistatus(body).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].href, "/jane/work/");
        let kind = &found[0].props["resourcetype"];
        assert_eq!(kind.children, ["collection", "calendar"]);
        assert_eq!(found[0].props["displayname"].text, "Work & more");
        assert_eq!(
            found[0].props["supported-calendar-component-set"].components,
            ["VEVENT"]
        );
        assert!(
            !found[0].props.contains_key("getctag"),
            "only status 200 counts"
        );
        assert_eq!(found[1].props["current-user-principal"].hrefs, ["/jane/"]);
        assert_eq!(found[1].props["calendar-data"].text, "BEGIN:VCALENDAR\r\n");
    }

    #[test]
    fn sync_reports_name_changed_and_removed_members_and_the_new_token() {
        let body = r#"<?xml version="1.0"?>
<d:multistatus xmlns:d="DAV:">
 <d:response><d:href>/jane/work/a.ics</d:href><d:propstat><d:prop><d:getetag>"1"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
 <d:response><d:href>/jane/work/b.ics</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>
 <d:sync-token>http://radicale.org/ns/sync/42</d:sync-token>
</d:multistatus>"#;
        let found = read_multistatus(body).unwrap();
        assert_eq!(
            found.sync_token.as_deref(),
            Some("http://radicale.org/ns/sync/42")
        );
        assert_eq!(found.responses[0].status, None);
        assert_eq!(found.responses[0].props["getetag"].text, "\"1\"");
        assert_eq!(found.responses[1].status, Some(404));
    }
}
