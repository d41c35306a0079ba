//! A host's defences against spam bookings: addresses and domains that may not book, and
//! cancelling many bookings at once — with the usual notices, or, when they are spam, quietly
//! (no email to the "guest", whose address may be a victim's) and blocking their senders.

use jiff::Timestamp;
use scheduling::{BookingStatus, FieldError, Instant, Obj};
use serde_json::Value;

use super::booking::set_status;
use super::validate;
use super::{Result, ServiceError};
use crate::store::{Actor, BookingRecord, Host, Store};

/// At most this many ids in one request.
const MAX_IDS: usize = 500;

/// `eve@example.com` blocks one address, `example.com` (or `@example.com`) a whole domain.
/// Lower-cased; refused unless it looks like one of the two.
pub fn read_pattern(text: &str, field: &str) -> Result<String, FieldError> {
    let pattern = text.trim().trim_start_matches('@').to_ascii_lowercase();
    let (local, domain) = pattern.rsplit_once('@').unwrap_or(("", &pattern));
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain.len() <= 253
        && domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        && domain.split('.').all(|label| label.len() <= 63);
    let local_ok = !pattern.contains('@')
        || (!local.is_empty()
            && local.len() <= 64
            && !local.chars().any(|c| c.is_whitespace() || c.is_control()));
    if domain_ok && local_ok {
        Ok(pattern)
    } else {
        Err(FieldError::new(
            field,
            format!("{text:?} is neither an email address nor a domain (example.com)"),
        ))
    }
}

/// Blocks a pattern for the host: the pattern as stored, and `false` when it was blocked
/// already.
pub async fn block(
    store: &Store,
    host: &Host,
    text: &str,
    now: Timestamp,
) -> Result<(String, bool)> {
    let pattern = read_pattern(text, "pattern")?;
    let mut tx = store.write().await?;
    let added = Store::add_guest_block(&mut tx, &host.id, &pattern, Instant::from(now)).await?;
    tx.commit().await?;
    Ok((pattern, added))
}

pub async fn unblock(store: &Store, host: &Host, text: &str) -> Result<()> {
    let not_blocked = || ServiceError::NotFound(format!("{} is not blocked", text.trim()));
    let pattern = read_pattern(text, "pattern").map_err(|_| not_blocked())?;
    if store.remove_guest_block(&host.id, &pattern).await? {
        Ok(())
    } else {
        Err(not_blocked())
    }
}

/// Which bookings a bulk cancel is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    Ids(Vec<String>),
    /// Every confirmed, unfinished booking from this address or domain.
    From(String),
}

/// A bulk cancel: `{"ids": [...]}` or `{"from": "eve@example.com" | "example.com"}`, with
/// `"spam": true` to tell nobody and block the senders, and an optional `"reason"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkCancel {
    pub selection: Selection,
    pub spam: bool,
    pub reason: Option<String>,
}

impl BulkCancel {
    pub fn read(body: &Value) -> Result<Self> {
        let obj = Obj::new(body, "")?;
        if obj.has("ids") == obj.has("from") {
            return Err(FieldError::new(
                "ids",
                "give either ids or from (an email address or a domain), not both",
            )
            .into());
        }
        let ids = match body.get("ids") {
            None => None,
            Some(value) => {
                let items = value
                    .as_array()
                    .ok_or_else(|| FieldError::new("ids", "must be a list of booking ids"))?;
                let ids: Option<Vec<String>> = items
                    .iter()
                    .map(|v| v.as_str().filter(|s| !s.is_empty()).map(str::to_owned))
                    .collect();
                let ids = ids.ok_or_else(|| FieldError::new("ids", "must be booking ids"))?;
                if ids.is_empty() || ids.len() > MAX_IDS {
                    return Err(FieldError::new(
                        "ids",
                        format!("give from 1 to {MAX_IDS} booking ids"),
                    )
                    .into());
                }
                Some(ids)
            }
        };
        let selection = if let Some(ids) = ids {
            Selection::Ids(ids)
        } else {
            let from = obj
                .str("from")?
                .ok_or_else(|| FieldError::new("from", "must be an address or a domain"))?;
            Selection::From(read_pattern(from, "from")?)
        };
        let spam = obj.bool("spam")?.unwrap_or(false);
        let reason = validate::optional_text(&obj, "reason", 1000)?;
        Ok(Self {
            selection,
            spam,
            reason,
        })
    }
}

/// Cancels the selected confirmed bookings in one transaction and returns them. Spam is
/// cancelled quietly (reminders dropped, nothing sent) and its senders blocked: the address,
/// or the domain when the selection named one.
pub async fn cancel_many(
    store: &Store,
    host: &Host,
    bulk: BulkCancel,
    now: Timestamp,
) -> Result<Vec<BookingRecord>> {
    let at = Instant::from(now);
    let mut tx = store.write().await?;
    Store::lock_host(&mut tx, &host.id).await?;
    let targets = match &bulk.selection {
        Selection::Ids(ids) => {
            let mut found = Vec::with_capacity(ids.len());
            for id in ids {
                let booking = Store::booking_in(&mut tx, &host.id, id)
                    .await?
                    .ok_or_else(|| ServiceError::NotFound(format!("no booking {id}")))?;
                found.push(booking);
            }
            found
        }
        Selection::From(pattern) => {
            let (email, domain) = if pattern.contains('@') {
                (pattern.as_str(), "")
            } else {
                ("", pattern.as_str())
            };
            Store::bookings_from_guest(&mut tx, &host.id, email, domain, at).await?
        }
    };
    let reason = bulk
        .reason
        .clone()
        .or_else(|| bulk.spam.then(|| "Cancelled as spam".to_owned()));
    let mut cancelled = Vec::new();
    for mut booking in targets {
        if booking.status != BookingStatus::Confirmed {
            continue;
        }
        set_status(
            &mut tx,
            &mut booking,
            BookingStatus::Cancelled,
            reason.clone(),
            Actor::Host,
            bulk.spam,
            now,
        )
        .await?;
        if bulk.spam && matches!(bulk.selection, Selection::Ids(_)) {
            let sender = booking.guest_email.to_ascii_lowercase();
            Store::add_guest_block(&mut tx, &host.id, &sender, at).await?;
        }
        cancelled.push(booking);
    }
    if bulk.spam
        && let Selection::From(pattern) = &bulk.selection
    {
        Store::add_guest_block(&mut tx, &host.id, pattern, at).await?;
    }
    tx.commit().await?;
    Ok(cancelled)
}
