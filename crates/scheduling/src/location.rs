//! Where a meeting happens, as a meeting type states it: in person at an address, a phone
//! call (and who calls whom), or a link to any video service. Parsed at the boundary; the
//! pages, emails and invites only read it.

use serde_json::{Value, json};

use crate::field::{FieldError, Obj};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// At an address.
    InPerson { address: String },
    /// The host calls the guest at the number the guest gives (so it is required).
    HostCallsGuest,
    /// The guest calls the host at this number.
    GuestCallsHost { phone: String },
    /// A video or conference link: Zoom, Meet, Teams, Jitsi…
    Link { url: String },
    /// A video call whose link a provider makes for each booking (through the outbox); a
    /// booking shows it once made ([`Location::for_booking`]).
    Video { provider: VideoProvider },
}

/// Who makes a booking's video link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoProvider {
    /// A room on the configured Jitsi server; no account needed.
    Jitsi,
    /// Through the host's Google Calendar connection.
    GoogleMeet,
    /// Zoom, through the server's server-to-server OAuth app.
    Zoom,
    /// Microsoft Teams, through Graph `onlineMeetings`.
    Teams,
}

impl VideoProvider {
    pub const ALL: [Self; 4] = [Self::Jitsi, Self::GoogleMeet, Self::Zoom, Self::Teams];

    pub fn key(self) -> &'static str {
        match self {
            Self::Jitsi => "jitsi",
            Self::GoogleMeet => "google_meet",
            Self::Zoom => "zoom",
            Self::Teams => "teams",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Jitsi => "Jitsi Meet",
            Self::GoogleMeet => "Google Meet",
            Self::Zoom => "Zoom",
            Self::Teams => "Microsoft Teams",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.key() == key)
    }
}

impl Location {
    /// Reads `{"kind": "in_person", "address"}`, `{"kind": "phone", "caller": "host"}`,
    /// `{"kind": "phone", "caller": "guest", "phone"}` or `{"kind": "link", "url"}`.
    pub fn read(value: &Value, path: &str) -> Result<Self, FieldError> {
        let obj = Obj::new(value, path)?;
        let text = |key: &str, max: usize| -> Result<String, FieldError> {
            let value = obj.required_str(key)?.trim();
            if value.is_empty() {
                return Err(obj.error(key, "is required"));
            }
            if value.chars().count() > max {
                return Err(obj.error(key, format!("must be at most {max} characters")));
            }
            if value.chars().any(|c| c.is_control() && c != '\n') {
                return Err(obj.error(key, "must not contain control characters"));
            }
            Ok(value.to_owned())
        };
        match obj.required_str("kind")? {
            "in_person" => Ok(Self::InPerson {
                address: text("address", 500)?,
            }),
            "phone" => match obj.str("caller")?.unwrap_or("host") {
                "host" => Ok(Self::HostCallsGuest),
                "guest" => Ok(Self::GuestCallsHost {
                    phone: text("phone", 40)?,
                }),
                other => Err(obj.error(
                    "caller",
                    format!("{other:?} is not a caller (\"host\" or \"guest\")"),
                )),
            },
            "link" => {
                let url = text("url", 2000)?;
                let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
                // A URI proper: RFC 3986 characters (a browser percent-encodes the rest).
                let ascii = url
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-._~:/?#@!$&'()*+,;=%".contains(c));
                if !scheme_ok || !ascii || url.len() < 10 {
                    return Err(obj.error(
                        "url",
                        format!("{url:?} is not a web link (https://zoom.us/j/…)"),
                    ));
                }
                Ok(Self::Link { url })
            }
            "video" => {
                let key = obj.required_str("provider")?;
                let provider = VideoProvider::parse(key).ok_or_else(|| {
                    obj.error(
                        "provider",
                        format!(
                            "{key:?} is not a video provider (jitsi, google_meet, zoom or teams)"
                        ),
                    )
                })?;
                Ok(Self::Video { provider })
            }
            other => Err(obj.error(
                "kind",
                format!("{other:?} is not a location kind (in_person, phone, link or video)"),
            )),
        }
    }

    pub fn to_json(&self) -> Value {
        match self {
            Self::InPerson { address } => json!({"kind": "in_person", "address": address}),
            Self::HostCallsGuest => json!({"kind": "phone", "caller": "host"}),
            Self::GuestCallsHost { phone } => {
                json!({"kind": "phone", "caller": "guest", "phone": phone})
            }
            Self::Link { url } => json!({"kind": "link", "url": url}),
            Self::Video { provider } => json!({"kind": "video", "provider": provider.key()}),
        }
    }

    /// The location of one booking: a video call with its link made is shown as that link.
    #[must_use]
    pub fn for_booking(&self, meeting_link: Option<&str>) -> Self {
        match (self, meeting_link) {
            (Self::Video { .. }, Some(url)) => Self::Link {
                url: url.to_owned(),
            },
            _ => self.clone(),
        }
    }

    /// The stored form: a kind and its value.
    pub fn to_columns(&self) -> (&'static str, Option<&str>) {
        match self {
            Self::InPerson { address } => ("in_person", Some(address)),
            Self::HostCallsGuest => ("phone_host_calls", None),
            Self::GuestCallsHost { phone } => ("phone_guest_calls", Some(phone)),
            Self::Link { url } => ("link", Some(url)),
            Self::Video { provider } => ("video", Some(provider.key())),
        }
    }

    pub fn from_columns(kind: &str, value: Option<String>) -> Result<Self, String> {
        let value = || {
            value
                .clone()
                .ok_or_else(|| format!("location {kind} needs a value"))
        };
        Ok(match kind {
            "in_person" => Self::InPerson { address: value()? },
            "phone_host_calls" => Self::HostCallsGuest,
            "phone_guest_calls" => Self::GuestCallsHost { phone: value()? },
            "link" => Self::Link { url: value()? },
            "video" => {
                let key = value()?;
                Self::Video {
                    provider: VideoProvider::parse(&key)
                        .ok_or_else(|| format!("unknown video provider {key:?}"))?,
                }
            }
            other => return Err(format!("unknown location kind {other:?}")),
        })
    }

    /// One line for people, given the host's name and the guest's phone (if any):
    /// "Phone call: Jane Smith will call you at +1 415 555 0100".
    pub fn describe(&self, host_name: &str, guest_phone: Option<&str>) -> String {
        match self {
            Self::InPerson { address } => format!("In person: {address}"),
            Self::HostCallsGuest => match guest_phone {
                Some(phone) => format!("Phone call: {host_name} will call you at {phone}"),
                None => format!("Phone call: {host_name} will call you"),
            },
            Self::GuestCallsHost { phone } => {
                format!("Phone call: please call {host_name} at {phone}")
            }
            Self::Link { url } => format!("Video call: {url}"),
            Self::Video { provider } => {
                format!(
                    "Video call on {}: the link comes with the confirmation",
                    provider.name()
                )
            }
        }
    }

    /// The iCalendar LOCATION text (an address, a number or the link).
    pub fn calendar_text(&self, guest_phone: Option<&str>) -> Option<String> {
        match self {
            Self::InPerson { address } => Some(address.clone()),
            Self::HostCallsGuest => guest_phone.map(|p| format!("Phone: {p}")),
            Self::GuestCallsHost { phone } => Some(format!("Phone: {phone}")),
            Self::Link { url } => Some(url.clone()),
            Self::Video { provider } => Some(provider.name().to_owned()),
        }
    }

    pub fn url(&self) -> Option<&str> {
        match self {
            Self::Link { url } => Some(url),
            _ => None,
        }
    }

    /// Whether the guest must leave a phone number for this meeting.
    pub fn needs_guest_phone(&self) -> bool {
        matches!(self, Self::HostCallsGuest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_from_its_columns_and_json() {
        for value in [
            json!({"kind": "in_person", "address": "1 Main St, Springfield"}),
            json!({"kind": "phone", "caller": "host"}),
            json!({"kind": "phone", "caller": "guest", "phone": "+1 415 555 0100"}),
            json!({"kind": "link", "url": "https://meet.jit.si/novacrm-demo"}),
            json!({"kind": "video", "provider": "zoom"}),
            json!({"kind": "video", "provider": "google_meet"}),
        ] {
            let location = Location::read(&value, "location").unwrap();
            assert_eq!(location.to_json(), value);
            let (kind, column) = location.to_columns();
            let back = Location::from_columns(kind, column.map(str::to_owned)).unwrap();
            assert_eq!(back, location);
        }
    }

    #[test]
    fn a_link_must_be_a_web_address() {
        let error = Location::read(
            &json!({"kind": "link", "url": "javascript:alert(1)"}),
            "location",
        )
        .unwrap_err();
        assert_eq!(error.field, "location.url");
        let error = Location::read(&json!({"kind": "fax"}), "location").unwrap_err();
        assert_eq!(error.field, "location.kind");
    }
}
