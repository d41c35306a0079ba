//! A host's profile: name, welcome, brand colour, photo, the sites that may embed the
//! booking page, and the dashboard's own settings.

use scheduling::{FieldError, Obj};
use serde_json::{Value, json};
use sha2::Digest;

use super::validate::{self, gather};
use super::{Result, ServiceError};
use crate::crypto::hex;
use crate::store::{Host, Store};

/// The most origins a host may allow to frame their booking pages.
pub const MAX_EMBED_ORIGINS: usize = 10;
/// The longest origin accepted.
const MAX_ORIGIN_LEN: usize = 300;

/// The origins allowed to frame a host's booking pages, normalised (host in lower case, no
/// trailing slash) and joined by spaces as they go into `frame-ancestors`:
/// `https://host[:port]` with a dotted host, a leading `*.` for every subdomain, or
/// `http(s)://localhost[:port]` — exactly the document's `EmbedOrigin` pattern. Nothing else
/// can pass, so nothing a host types can add a directive to the policy.
pub fn embed_origins(values: &[String]) -> Result<String, FieldError> {
    if values.len() > MAX_EMBED_ORIGINS {
        let message = format!("list at most {MAX_EMBED_ORIGINS} sites");
        return Err(FieldError::new("embedOrigins", message));
    }
    let mut origins: Vec<String> = Vec::new();
    for value in values {
        let origin = origin(value).ok_or_else(|| {
            FieldError::new(
                "embedOrigins",
                format!("{value:?} is not a site address like https://www.example.com"),
            )
        })?;
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    Ok(origins.join(" "))
}

fn origin(value: &str) -> Option<String> {
    if value.len() > MAX_ORIGIN_LEN {
        return None;
    }
    let (scheme, rest) = match value.strip_prefix("https://") {
        Some(rest) => ("https", rest),
        None => ("http", value.strip_prefix("http://")?),
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let (host, port) = match rest.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    };
    let port_ok = port.is_none_or(|p| {
        !p.starts_with('0')
            && p.len() <= 5
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.parse::<u32>().is_ok_and(|n| (1..=65_535).contains(&n))
    });
    let label_ok = |l: &str| {
        (1..=63).contains(&l.len())
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    let named = host.strip_prefix("*.").unwrap_or(host);
    let host_ok = host == "localhost"
        || (scheme == "https" && named.contains('.') && named.split('.').all(label_ok));
    let port = port.map_or_else(String::new, |p| format!(":{p}"));
    (port_ok && host_ok).then(|| format!("{scheme}://{}{port}", host.to_ascii_lowercase()))
}

/// The host's profile as the API shows it.
pub fn profile_json(host: &Host) -> Value {
    let origins: Vec<&str> = host.embed_origins.split_whitespace().collect();
    json!({"username": host.username, "name": host.name, "email": host.email,
           "welcome": host.welcome, "brandColor": none_if_empty(&host.brand_color),
           "photoUrl": photo_path(host), "embedOrigins": origins,
           "pageAnalytics": host.page_analytics, "weekStart": host.week_start.key()})
}

fn none_if_empty(text: &str) -> Option<&str> {
    (!text.is_empty()).then_some(text)
}

/// Where the booking pages load the host's photo: named by its digest, so it can be cached
/// for a year and a new photo is a new address.
pub fn photo_path(host: &Host) -> Option<String> {
    host.photo_digest
        .as_ref()
        .map(|d| format!("/book/{}/photo/{d}", host.username))
}

/// Applies the fields present of `{"name", "welcome", "brandColor", "embedOrigins",
/// "linkShared", "pageAnalytics", "weekStart"}` (`null` leaves a field as it is).
pub async fn update_profile(store: &Store, host: &Host, patch: &Value) -> Result<Host> {
    let obj = Obj::new(patch, "")?;
    let mut next = host.clone();
    let mut errors = Vec::new();
    // `null` leaves a field as it is (as everywhere in the API), except `brandColor`, where
    // it asks for the default colour.
    let given = |key: &str| obj.has(key) && !patch[key].is_null();
    if given("name")
        && let Some(name) = gather(&mut errors, validate::single_line(&obj, "name", 200))
    {
        match name {
            Some(name) => next.name = name,
            None => errors.push(FieldError::new("name", "is required")),
        }
    }
    if given("welcome")
        && let Some(welcome) = gather(&mut errors, validate::optional_text(&obj, "welcome", 300))
    {
        next.welcome = welcome.unwrap_or_default();
    }
    if obj.has("brandColor") {
        let color = validate::color(&obj, "brandColor").and_then(|c| match c {
            Some(c) if !readable_on(&c) => Err(FieldError::new(
                "brandColor",
                format!("{c} is too light for white text on buttons; pick a darker shade"),
            )),
            c => Ok(c),
        });
        if let Some(color) = gather(&mut errors, color) {
            next.brand_color = color.unwrap_or_default();
        }
    }
    if given("embedOrigins") {
        let values = obj.array("embedOrigins").and_then(|list| {
            list.map_or(&[][..], Vec::as_slice)
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| FieldError::new("embedOrigins", "must be a list of site addresses"))
        });
        if let Some(origins) = gather(&mut errors, values.and_then(|v| embed_origins(&v))) {
            next.embed_origins = origins;
        }
    }
    if let Some(on) = gather(&mut errors, obj.bool("pageAnalytics")).flatten() {
        next.page_analytics = on;
    }
    let week_start = obj.parse_str("weekStart", |t| {
        scheduling::Weekday::from_key(t)
            .ok_or_else(|| "must be one of mon, tue, wed, thu, fri, sat, sun".to_owned())
    });
    if let Some(day) = gather(&mut errors, week_start).flatten() {
        next.week_start = day;
    }
    if given("linkShared") {
        match patch["linkShared"].as_bool() {
            Some(shared) => next.onboarding.shared = shared,
            None => errors.push(FieldError::new("linkShared", "must be true or false")),
        }
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    store.set_profile(&next).await?;
    Ok(next)
}

/// White text on this colour meets WCAG AA (4.5:1), so buttons in it stay readable.
fn readable_on(hex: &str) -> bool {
    let channel = |i: usize| {
        let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0)) / 255.0;
        if c <= 0.040_45 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
    1.05 / (luminance + 0.05) >= 4.5
}

/// The largest photo a host may upload.
pub const PHOTO_MAX_BYTES: usize = 512 * 1024;

/// Checks an uploaded photo: PNG, JPEG or WebP by its signature (whatever name or type it was
/// sent with), at most 512 KB; answers its content type.
pub fn check_photo(bytes: &[u8]) -> Result<&'static str> {
    let fail = |m: &str| Err(ServiceError::Invalid(vec![FieldError::new("photo", m)]));
    if bytes.is_empty() {
        return fail("choose a photo to upload");
    }
    if bytes.len() > PHOTO_MAX_BYTES {
        return fail("is larger than 512 KB; please upload a smaller photo");
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 24 && &bytes[12..16] == b"IHDR" {
        Ok("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok("image/jpeg")
    } else if bytes.len() > 16 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Ok("image/webp")
    } else {
        fail("must be a PNG, JPEG or WebP image")
    }
}

/// Replaces the host's photo with a checked upload (or removes it with `None`).
pub async fn set_photo(store: &Store, host: &Host, bytes: Option<&[u8]>) -> Result<Host> {
    let mut next = host.clone();
    if let Some(bytes) = bytes {
        let content_type = check_photo(bytes)?;
        let digest = hex(&sha2::Sha256::digest(bytes)[..12]);
        store
            .set_photo(&host.id, Some((content_type, bytes, &digest)))
            .await?;
        next.photo_digest = Some(digest);
    } else {
        store.set_photo(&host.id, None).await?;
        next.photo_digest = None;
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origins(values: &[&str]) -> Result<String, FieldError> {
        embed_origins(&values.iter().map(ToString::to_string).collect::<Vec<_>>())
    }

    #[test]
    fn embed_origins_are_normalised_and_nothing_else_passes() {
        assert_eq!(
            origins(&["https://CRM.Example.com/", "https://*.example.org:8443"]).unwrap(),
            "https://crm.example.com https://*.example.org:8443"
        );
        assert_eq!(
            origins(&["http://localhost:3000"]).unwrap(),
            "http://localhost:3000"
        );
        for bad in [
            "crm.example.com",
            "http://crm.example.com",
            "https://crm.example.com/path",
            "https://crm.example.com; script-src *",
            "https://a b.com",
            "https://*",
            "https://example.com:0",
            "https://example.com:99999",
            "'self'",
            "javascript://x.com",
            "https://-x.example.com",
            "HTTPS://example.com",
            "http://LOCALHOST",
            "https://*.localhost",
            " https://example.com",
            "",
        ] {
            assert!(origins(&[bad]).is_err(), "{bad}");
        }
        let many: Vec<String> = (0..11)
            .map(|i| format!("https://s{i}.example.com"))
            .collect();
        assert!(embed_origins(&many).is_err());
    }
}
