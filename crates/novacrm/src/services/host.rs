//! A host's own data: accounts and tokens, availability settings, meeting types, blocked
//! time. Every change to what the engine reads locks the host, which bumps the version that
//! keys the availability cache.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use jiff::Timestamp;
use scheduling::{
    AvailabilitySettings, FieldError, Instant, MeetingDuration, Obj, RecurrenceRule, SlotInterval,
};
use serde_json::{Value, json};
use sha2::Digest;

use super::validate::{self, gather};
use super::{Result, ServiceError};
use crate::crypto::{hex, random_token, token_hash};
use crate::store::{BlockedRecord, Host, MeetingTypeRecord, OnboardingStep, Store, new_id};

/// Usernames are the booking link: lowercase letters, digits and dashes, 3–32 long.
pub fn check_username(username: &str) -> Result<(), FieldError> {
    let ok = (3..=32).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !username.starts_with('-')
        && !username.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(
            "username",
            "use 3–32 lowercase letters, digits or dashes (e.g. jane-smith)",
        ))
    }
}

pub fn hash_password(password: &str) -> Result<String, FieldError> {
    if password.chars().count() < 10 {
        return Err(FieldError::new(
            "password",
            "must be at least 10 characters",
        ));
    }
    Ok(argon2::Argon2::default()
        .hash_password(password.as_bytes())
        .expect("argon2 with default parameters and a random salt hashes any password")
        .to_string())
}

pub async fn create_host(
    store: &Store,
    username: &str,
    name: &str,
    email: &str,
    password: &str,
    zone: Option<&str>,
    now: Timestamp,
) -> Result<Host> {
    let body = json!({"name": name, "email": email});
    let obj = Obj::new(&body, "")?;
    // Every problem at once, so a sign-up form can mark all its fields.
    let mut errors = Vec::new();
    gather(&mut errors, check_username(username));
    let name = gather(&mut errors, validate::required_text(&obj, "name", 200));
    let email = gather(&mut errors, validate::email(&obj, "email"));
    let hash = gather(&mut errors, hash_password(password));
    // The seed's hours (Mon–Fri 09–17) in the host's own zone.
    let settings = gather(
        &mut errors,
        AvailabilitySettings::read(
            &zone.map_or_else(|| json!({}), |z| json!({"timezone": z})),
            "",
        )
        .map_err(|_| FieldError::new("timezone", "choose the time zone you work in")),
    );
    let (Some(name), Some(email), Some(hash), Some(settings), true) =
        (name, email, hash, settings, errors.is_empty())
    else {
        return Err(ServiceError::Invalid(errors));
    };
    if store.host_by_username(username).await?.is_some() {
        return Err(ServiceError::Conflict(format!(
            "the username {username:?} is taken"
        )));
    }
    Ok(store
        .create_host(
            username,
            &name,
            &email,
            &hash,
            &settings,
            Instant::from(now),
        )
        .await?)
}

/// A hash of a random password, verified in place of a missing user's.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    hash_password(&random_token("dummy_")).expect("a long random password hashes")
});

/// How long a dashboard session lasts.
pub const SESSION_DAYS: i64 = 14;

/// Failed log-ins allowed per account, and per client address, in [`LOGIN_WINDOW_MINUTES`].
pub const LOGIN_FAILURES_PER_ACCOUNT: i64 = 10;
pub const LOGIN_FAILURES_PER_CLIENT: i64 = 50;
pub const LOGIN_WINDOW_MINUTES: i64 = 15;

/// Refuses a log-in while its account or its client address has failed too often lately.
async fn check_login_throttle(store: &Store, keys: &[(String, i64)], now: Instant) -> Result<()> {
    let since = now.plus_minutes(-LOGIN_WINDOW_MINUTES);
    for (key, allowed) in keys {
        let (failures, oldest) = store.login_failures(key, since).await?;
        if failures >= *allowed {
            let free_at = oldest.unwrap_or(now).plus_minutes(LOGIN_WINDOW_MINUTES);
            let retry_after = u64::try_from((free_at.as_millis() - now.as_millis()) / 1000)
                .unwrap_or(0)
                .max(1);
            return Err(ServiceError::Throttled {
                message: format!(
                    "too many failed log-ins; try again in {} minutes",
                    retry_after.div_ceil(60)
                ),
                retry_after,
            });
        }
    }
    Ok(())
}

/// Checks a username and password and opens a session; returns the host and the cookie's
/// token. A wrong username and a wrong password get the same answer, in the same time; an
/// account or a client address with too many recent failures is refused before any check
/// (counted in the database, so it holds across processes).
pub async fn log_in(
    store: &Store,
    username: &str,
    password: &str,
    client: std::net::IpAddr,
    now: Timestamp,
) -> Result<(Host, String)> {
    let at = Instant::from(now);
    let account_key = format!("user:{}", username.trim().to_lowercase());
    let keys = [
        (account_key.clone(), LOGIN_FAILURES_PER_ACCOUNT),
        (format!("ip:{client}"), LOGIN_FAILURES_PER_CLIENT),
    ];
    check_login_throttle(store, &keys, at).await?;
    let refused = || {
        ServiceError::Invalid(vec![FieldError::new(
            "password",
            "the username or password is wrong",
        )])
    };
    // An unknown username costs the same hash as a known one, so timing tells nothing.
    let found = store.credentials(username).await?;
    let hash = found
        .as_ref()
        .map_or_else(|| DUMMY_HASH.clone(), |(_, hash)| hash.clone());
    let password = password.to_owned();
    // Hashing takes tens of milliseconds of CPU: off the async workers, so logins cannot
    // stall page requests.
    let verified = tokio::task::spawn_blocking(move || {
        argon2::password_hash::phc::PasswordHash::new(&hash).is_ok_and(|parsed| {
            argon2::Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false);
    let host = match found {
        Some((host, _)) if verified => host,
        _ => {
            let keys: Vec<String> = keys.into_iter().map(|(key, _)| key).collect();
            store.record_login_failure(&keys, at).await?;
            return Err(refused());
        }
    };
    store.clear_login_failures(&account_key).await?;
    let token = random_token("nvs_");
    let expires = at.plus_minutes(SESSION_DAYS * 24 * 60);
    store
        .add_session(&host.id, &token_hash(&token), expires, at)
        .await?;
    Ok((host, token))
}

/// Creates an API token for the host and returns it (the only time it is seen).
pub async fn create_token(store: &Store, host: &Host, now: Timestamp) -> Result<String> {
    let token = random_token("nvc_");
    store
        .add_token(&host.id, &token_hash(&token), Instant::from(now))
        .await?;
    Ok(token)
}

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

pub async fn update_availability(
    store: &Store,
    host: &Host,
    patch: &Value,
    now: Timestamp,
) -> Result<AvailabilitySettings> {
    let mut tx = store.write().await?;
    Store::lock_host(&mut tx, &host.id).await?;
    let current = Store::availability_in(&mut tx, &host.id).await?;
    let next = current.patched(patch)?;
    Store::save_availability(&mut tx, &host.id, &next, Instant::from(now)).await?;
    Store::tick_onboarding(&mut tx, &host.id, OnboardingStep::Hours).await?;
    tx.commit().await?;
    Ok(next)
}

/// Applies the fields present in `body` to `m` (a new type starts from defaults).
fn apply_meeting_type(m: &mut MeetingTypeRecord, body: &Value, creating: bool) -> Result<()> {
    let obj = Obj::new(body, "")?;
    let mut errors = Vec::new();
    if (creating || obj.has("name"))
        && let Some(name) = gather(&mut errors, validate::required_text(&obj, "name", 100))
    {
        m.name = name;
    }
    if creating || obj.has("duration") {
        let d = obj.int("duration").and_then(|d| {
            let d = d.ok_or_else(|| obj.error("duration", "is required"))?;
            MeetingDuration::new(d)
                .map_err(|e| obj.error("duration", e))
                .map(|d| i64::from(d.get()))
        });
        if let Some(d) = gather(&mut errors, d) {
            m.duration = d;
        }
    }
    if obj.has("description") {
        m.description = gather(
            &mut errors,
            validate::optional_text(&obj, "description", 1000),
        )
        .flatten();
    }
    if let Some(color) = gather(&mut errors, validate::color(&obj, "color")).flatten() {
        m.color = color;
    }
    if let Some(questions) = gather(&mut errors, validate::questions(&obj, "questions")).flatten() {
        m.questions = questions;
    }
    if obj.has("confirmationMessage") {
        m.confirmation_message = gather(
            &mut errors,
            validate::optional_text(&obj, "confirmationMessage", 2000),
        )
        .flatten();
    }
    if obj.has("slotInterval") {
        let interval = obj.int("slotInterval").and_then(|i| {
            i.map(|i| {
                SlotInterval::new(i)
                    .map(|s| i64::from(s.get()))
                    .map_err(|e| obj.error("slotInterval", e))
            })
            .transpose()
        });
        match interval {
            Ok(i) => m.slot_interval = i,
            Err(e) => errors.push(e),
        }
    }
    if obj.has("location") {
        let location = match obj.get("location") {
            None | Some(Value::Null) => Ok(None),
            Some(value) => scheduling::Location::read(value, "location").map(Some),
        };
        match location {
            Ok(l) => m.location = l,
            Err(e) => errors.push(e),
        }
    }
    match obj.bounded("guestCutoffHours", 0, 8760) {
        Ok(Some(hours)) => m.guest_cutoff_hours = hours,
        Ok(None) => {}
        Err(e) => errors.push(e),
    }
    match obj.bool("active") {
        Ok(Some(active)) => m.active = active,
        Ok(None) => {}
        Err(e) => errors.push(e),
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::Invalid(errors))
    }
}

pub async fn create_meeting_type(
    store: &Store,
    host: &Host,
    body: &Value,
    now: Timestamp,
) -> Result<MeetingTypeRecord> {
    let mut m = MeetingTypeRecord::with_defaults(new_id(), &host.id);
    apply_meeting_type(&mut m, body, true)?;
    let mut tx = store.write().await?;
    Store::lock_host(&mut tx, &host.id).await?;
    Store::insert_meeting_type(&mut tx, &m, Instant::from(now)).await?;
    Store::tick_onboarding(&mut tx, &host.id, OnboardingStep::Types).await?;
    tx.commit().await?;
    Ok(m)
}

pub async fn update_meeting_type(
    store: &Store,
    host: &Host,
    id: &str,
    body: &Value,
    now: Timestamp,
) -> Result<MeetingTypeRecord> {
    let mut tx = store.write().await?;
    Store::lock_host(&mut tx, &host.id).await?;
    let mut m = Store::meeting_type_in(&mut tx, &host.id, id)
        .await?
        .filter(|m| !m.archived)
        .ok_or_else(|| ServiceError::NotFound("no such meeting type".into()))?;
    apply_meeting_type(&mut m, body, false)?;
    Store::update_meeting_type(&mut tx, &m, Instant::from(now)).await?;
    Store::tick_onboarding(&mut tx, &host.id, OnboardingStep::Types).await?;
    tx.commit().await?;
    Ok(m)
}

/// Deletes a meeting type; one with bookings is archived instead, so its bookings keep it.
pub async fn delete_meeting_type(
    store: &Store,
    host: &Host,
    id: &str,
    now: Timestamp,
) -> Result<()> {
    let mut tx = store.write().await?;
    Store::lock_host(&mut tx, &host.id).await?;
    let mut m = Store::meeting_type_in(&mut tx, &host.id, id)
        .await?
        .filter(|m| !m.archived)
        .ok_or_else(|| ServiceError::NotFound("no such meeting type".into()))?;
    if Store::meeting_type_has_bookings(&mut tx, id).await? {
        m.archived = true;
        m.active = false;
        Store::update_meeting_type(&mut tx, &m, Instant::from(now)).await?;
    } else {
        Store::delete_meeting_type(&mut tx, &host.id, id).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Blocked times one host may keep; with [`MAX_TIMES_PER_DAY`], this bounds what any
/// schedule can cost an availability query.
pub const MAX_BLOCKED_TIMES: i64 = 200;
/// Occurrences a day one recurring blocked time may have.
pub const MAX_TIMES_PER_DAY: usize = 24;

pub async fn create_blocked_time(
    store: &Store,
    host: &Host,
    body: &Value,
    now: Timestamp,
) -> Result<BlockedRecord> {
    let obj = Obj::new(body, "")?;
    let blocked = scheduling::scenario::read_blocked_time(&obj)?;
    if blocked.end() <= blocked.start() {
        return Err(obj.error("endTime", "must be after startTime").into());
    }
    if obj.bool("recurring")? == Some(true) && blocked.rule().is_none() {
        return Err(obj
            .error("recurrenceRule", "is required when recurring is true")
            .into());
    }
    if let Some(rule) = blocked.rule()
        && rule.times_per_day() > MAX_TIMES_PER_DAY
    {
        return Err(obj
            .error(
                "recurrenceRule",
                format!(
                    "repeats {} times a day; at most {MAX_TIMES_PER_DAY} (hourly) are allowed — \
                     block one longer interval instead",
                    rule.times_per_day()
                ),
            )
            .into());
    }
    let record = BlockedRecord {
        id: new_id(),
        start: blocked.start(),
        end: blocked.end(),
        reason: validate::optional_text(&obj, "reason", 200)?,
        rule: blocked.rule().map(RecurrenceRule::to_string),
    };
    let mut tx = store.write().await?;
    Store::lock_host(&mut tx, &host.id).await?;
    if Store::blocked_time_count(&mut tx, &host.id).await? >= MAX_BLOCKED_TIMES {
        return Err(FieldError::new(
            "",
            format!(
                "you have {MAX_BLOCKED_TIMES} blocked times, the most a schedule may hold; \
                 delete old ones or combine them with a repeating rule"
            ),
        )
        .into());
    }
    Store::insert_blocked_time(&mut tx, &host.id, &record, Instant::from(now)).await?;
    tx.commit().await?;
    Ok(record)
}

pub async fn delete_blocked_time(store: &Store, host: &Host, id: &str) -> Result<()> {
    let mut tx = store.write().await?;
    Store::lock_host(&mut tx, &host.id).await?;
    if !Store::delete_blocked_time(&mut tx, &host.id, id).await? {
        return Err(ServiceError::NotFound("no such blocked time".into()));
    }
    tx.commit().await?;
    Ok(())
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
