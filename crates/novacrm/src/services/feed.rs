//! The host's subscribable calendar feed: a secret, revocable `webcal://…/cal/{token}.ics`
//! of their bookings (cancelled ones as `STATUS:CANCELLED`, so subscribed calendars drop
//! them), for calendars we do not integrate with. The token is issued on first use and
//! rotated on demand; the old link then answers 404.

use jiff::Timestamp;
use scheduling::Instant;

use super::Result;
use crate::crypto::random_token;
use crate::messages::{Recipient, Sender};
use crate::sealed::Sealer;
use crate::store::{BookingFilter, Host, Store};

/// How far back the feed reaches; everything ahead is in it.
const PAST_DAYS: i64 = 90;
/// The most bookings one feed carries.
const MAX_EVENTS: i64 = 5_000;
/// How often subscribers are asked to look again.
pub const REFRESH_MINUTES: u32 = 15;

fn url(base: &str, token: &str) -> String {
    let rest = base
        .strip_prefix("https://")
        .or_else(|| base.strip_prefix("http://"))
        .unwrap_or(base);
    format!("webcal://{rest}/cal/{token}.ics")
}

/// The feed's address, issuing its token on first use.
pub async fn feed_url(store: &Store, sealer: &Sealer, host: &Host, base: &str) -> Result<String> {
    issue(store, sealer, host, base, false).await
}

/// A new address; the old one stops working at once.
pub async fn rotate(store: &Store, sealer: &Sealer, host: &Host, base: &str) -> Result<String> {
    issue(store, sealer, host, base, true).await
}

/// The token is stored hashed (for the lookup) and sealed (to show the link again). A sealed
/// copy that no longer opens (`NOVACRM_SECRET` changed) gets a new link.
async fn issue(
    store: &Store,
    sealer: &Sealer,
    host: &Host,
    base: &str,
    replace: bool,
) -> Result<String> {
    let context = format!("feed:{}", host.id);
    let fresh = random_token("feed_");
    let sealed = sealer.seal(&fresh, &context);
    let in_force = store
        .issue_feed_token(&host.id, &fresh, &sealed, replace)
        .await?;
    let token = if let Some(token) = sealer.open(&in_force, &context) {
        token
    } else {
        store
            .issue_feed_token(&host.id, &fresh, &sealed, true)
            .await?;
        fresh
    };
    Ok(url(base, &token))
}

/// The `.ics` text of the feed `token` opens, or `None` for an unknown (or rotated) token.
pub async fn feed_ics(
    store: &Store,
    sender: &Sender,
    token: &str,
    now: Timestamp,
) -> Result<Option<String>> {
    let Some(host_id) = store.host_by_feed_token(token).await? else {
        return Ok(None);
    };
    let Some(host) = store.host_by_id(&host_id).await? else {
        return Ok(None);
    };
    let from = Instant::from(now).plus_minutes(-PAST_DAYS * 24 * 60);
    let filter = BookingFilter {
        from: Some(from),
        ..BookingFilter::default()
    };
    let bookings = store
        .bookings_page(&host.id, filter, None, MAX_EVENTS)
        .await?;
    let types = store.meeting_types_all(&host.id).await?;
    let events: Vec<Vec<String>> = bookings
        .iter()
        .filter_map(|b| {
            let meeting = types.iter().find(|m| m.id == b.meeting_type_id)?;
            Some(sender.event_lines(b, &host, meeting, Recipient::Host))
        })
        .collect();
    let name = format!("{} — NovaCRM bookings", host.name);
    Ok(Some(scheduling::invite::feed(
        &name,
        REFRESH_MINUTES,
        &events,
    )))
}
