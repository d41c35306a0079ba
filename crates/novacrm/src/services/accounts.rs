//! A host's account: sign-up, log-in (with its throttle), sessions and API tokens.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use jiff::Timestamp;
use scheduling::{AvailabilitySettings, FieldError, Instant, Obj};
use serde_json::json;

use super::validate::{self, gather};
use super::{Result, ServiceError};
use crate::crypto::{random_token, token_hash};
use crate::store::{Host, Store};

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
