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
    let name = gather(&mut errors, validate::required_line(&obj, "name", 200));
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

/// Failed log-ins allowed in [`LOGIN_WINDOW_MINUTES`]: on one account from one client network,
/// and from one network on any account.
pub const LOGIN_FAILURES_PER_ACCOUNT: i64 = 10;
pub const LOGIN_FAILURES_PER_CLIENT: i64 = 50;
/// Failures on one account from every network together past which only networks without a
/// failure of their own on it may still try (a password spray from many addresses).
pub const LOGIN_FAILURES_PER_ACCOUNT_EVERYWHERE: i64 = 100;
pub const LOGIN_WINDOW_MINUTES: i64 = 15;

/// The client's network for throttling: the address itself for IPv4, its /64 for IPv6 (one
/// household or host gets a whole /64).
fn network(client: std::net::IpAddr) -> String {
    match client {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

/// The throttle's keys of one attempt: the account from this network, this network, and the
/// account everywhere.
fn login_keys(username: &str, client: std::net::IpAddr) -> [String; 3] {
    let account = account_key(username);
    let net = network(client);
    [
        format!("{account}|net:{net}"),
        format!("net:{net}"),
        account,
    ]
}

fn account_key(username: &str) -> String {
    format!("user:{}", username.trim().to_lowercase())
}

/// Whether an attempt with these recent failures (`[account from here, here, account]`) must
/// wait, and until when. Strangers cannot lock an owner out: the account's own budget is per
/// network, and the account-wide one only stops networks that have failed on it themselves.
fn login_refused(counts: &[(i64, Option<Instant>)], now: Instant) -> Option<Instant> {
    let [
        (here, here_oldest),
        (net, net_oldest),
        (everywhere, everywhere_oldest),
    ] = counts
    else {
        return None;
    };
    let free_at =
        |oldest: &Option<Instant>| oldest.unwrap_or(now).plus_minutes(LOGIN_WINDOW_MINUTES);
    if *here >= LOGIN_FAILURES_PER_ACCOUNT {
        Some(free_at(here_oldest))
    } else if *net >= LOGIN_FAILURES_PER_CLIENT {
        Some(free_at(net_oldest))
    } else if *everywhere >= LOGIN_FAILURES_PER_ACCOUNT_EVERYWHERE && *here > 0 {
        Some(free_at(everywhere_oldest).max(free_at(here_oldest)))
    } else {
        None
    }
}

/// Checks a username and password and opens a session; returns the host and the cookie's
/// token. A wrong username and a wrong password get the same answer, in the same time. Each
/// attempt is reserved in the database before the password is hashed (so concurrent guesses
/// and every `serve` process share one count), and refused while its keys are spent.
pub async fn log_in(
    store: &Store,
    username: &str,
    password: &str,
    client: std::net::IpAddr,
    now: Timestamp,
) -> Result<(Host, String)> {
    let at = Instant::from(now);
    let keys = login_keys(username, client);
    let since = at.plus_minutes(-LOGIN_WINDOW_MINUTES);
    if let Some(free_at) = store
        .reserve_login(&keys, since, at, |counts| login_refused(counts, at))
        .await?
    {
        let retry_after = u64::try_from((free_at.as_millis() - at.as_millis()) / 1000)
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
    // A wrong password leaves its reservation standing: that is the failure.
    let Some((host, _)) = found.filter(|_| verified) else {
        return Err(refused());
    };
    let [here, net, everywhere] = &keys;
    store
        .release_login(&[net.clone(), everywhere.clone()], at, here)
        .await?;
    let token = random_token("nvs_");
    let expires = at.plus_minutes(SESSION_DAYS * 24 * 60);
    store
        .add_session(&host.id, &token_hash(&token), expires, at)
        .await?;
    Ok((host, token))
}

/// The operator's way in for a host locked out from their own network (`novacrm user
/// unlock`): forgets the account's failed log-ins from everywhere.
pub async fn unlock(store: &Store, username: &str) -> Result<u64> {
    // Only a real username: the keys are matched with LIKE, where `_` and `%` match others.
    check_username(username.trim())?;
    Ok(store.forget_login_failures(&account_key(username)).await?)
}

/// Creates an API token for the host and returns it (the only time it is seen).
pub async fn create_token(store: &Store, host: &Host, now: Timestamp) -> Result<String> {
    let token = random_token("nvc_");
    store
        .add_token(&host.id, &token_hash(&token), Instant::from(now))
        .await?;
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strangers_cannot_lock_an_owner_out() {
        let now = Instant::from_millis(1_800_000_000_000);
        let at = |n: i64| (n, Some(now.plus_minutes(-5)));
        let none = (0, None);
        // Ten failures from this network on this account: this network waits.
        assert!(login_refused(&[at(10), at(10), at(10)], now).is_some());
        // Fifty from this network on any accounts: it waits.
        assert!(login_refused(&[none, at(50), none], now).is_some());
        // A spray from everywhere: networks that failed on the account wait ...
        assert!(login_refused(&[at(1), at(1), at(100)], now).is_some());
        // ... and one that never failed on it (the owner's) still tries.
        assert_eq!(login_refused(&[none, none, at(5_000)], now), None);
        assert_eq!(login_refused(&[at(9), at(49), at(99)], now), None);
        let free = login_refused(&[at(10), none, none], now).unwrap();
        assert_eq!(free, now.plus_minutes(LOGIN_WINDOW_MINUTES - 5));
    }

    #[test]
    fn networks_are_addresses_and_ipv6_slash_64s() {
        let v4: std::net::IpAddr = "203.0.113.7".parse().unwrap();
        let a: std::net::IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: std::net::IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(network(v4), "203.0.113.7");
        assert_eq!(network(a), network(b));
        assert_eq!(login_keys(" Jane ", v4)[2], "user:jane");
        assert_eq!(login_keys("jane", a)[0], "user:jane|net:2001:db8:1:2::/64");
    }
}
