//! CSV exports of a host's bookings and of their insights day by day: RFC 4180 (CRLF, quoted
//! where needed), UTF-8, instants in UTC with the host-local date and time beside them.
//!
//! `bookings.csv` is streamed: the store is read a page at a time along the `(start, id)`
//! cursor and each page becomes one chunk of the body, so memory stays the same for ten
//! bookings or a million. `daily.csv` has one row per day of an insights period (at most 13
//! months) and is written at once.
//!
//! Every cell goes through [`cell`]: one that a spreadsheet would read as a formula (it
//! begins with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, so a
//! guest's name cannot run in the host's spreadsheet.

use std::borrow::Cow;

use axum::body::Bytes;
use futures_util::Stream;
use jiff::Timestamp;
use scheduling::{Instant, Zone};

use super::Result;
use super::insights::{self, Period, Step, date_text};
use crate::store::{BookingRecord, Host, Store};

/// Bookings read (and written) per chunk.
pub const PAGE: i64 = 500;

pub const BOOKINGS_HEADER: [&str; 24] = [
    "id",
    "status",
    "source",
    "meeting_type",
    "guest_name",
    "guest_email",
    "guest_phone",
    "guest_company",
    "guest_timezone",
    "start_utc",
    "end_utc",
    "start_local_date",
    "start_local_time",
    "created_utc",
    "created_local_date",
    "created_local_time",
    "first_start_utc",
    "reschedule_count",
    "cancelled_utc",
    "cancelled_by",
    "late_cancel",
    "cancel_reason",
    "meeting_notes",
    "host_timezone",
];

/// A cell as written: a would-be formula is defused with a leading `'`.
pub fn cell(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Writes one record of cells (each through [`cell`]) to an in-memory CSV chunk.
fn record<'a>(out: &mut csv::Writer<Vec<u8>>, cells: impl IntoIterator<Item = &'a str>) {
    for c in cells {
        out.write_field(cell(c).as_bytes())
            .expect("writing CSV to memory cannot fail");
    }
    out.write_record(None::<&[u8]>)
        .expect("writing CSV to memory cannot fail");
}

fn chunk(out: csv::Writer<Vec<u8>>) -> Bytes {
    Bytes::from(out.into_inner().expect("an in-memory CSV flushes"))
}

fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new())
}

/// `(UTC instant, host-local date, host-local HH:MM)` of an instant.
fn when(at: Instant, zone: &Zone) -> [String; 3] {
    let local = zone.time_zone().to_datetime(at.to_timestamp());
    [
        at.to_string(),
        local.date().to_string(),
        format!("{:02}:{:02}", local.hour(), local.minute()),
    ]
}

fn booking_row(out: &mut csv::Writer<Vec<u8>>, b: &BookingRecord, type_name: &str, zone: &Zone) {
    let [start, start_date, start_time] = when(b.start, zone);
    let [created, created_date, created_time] = when(b.created_at, zone);
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    record(
        out,
        [
            b.id.as_str(),
            b.status.as_str(),
            b.source.as_str(),
            type_name,
            &b.guest_name,
            &b.guest_email,
            &opt(&b.guest_phone),
            &opt(&b.guest_company),
            &b.timezone,
            &start,
            &b.end.to_string(),
            &start_date,
            &start_time,
            &created,
            &created_date,
            &created_time,
            &b.first_start.to_string(),
            &b.reschedule_count.to_string(),
            &b.cancelled_at.map(|at| at.to_string()).unwrap_or_default(),
            b.cancelled_by.map_or("", crate::store::Actor::as_str),
            if b.late_cancel { "true" } else { "false" },
            &opt(&b.cancel_reason),
            &opt(&b.meeting_notes),
            zone.name(),
        ],
    );
}

/// Where the bookings export has got to.
struct Cursor {
    store: Store,
    host_id: String,
    zone: Zone,
    types: Vec<(String, String)>,
    after: Option<(Instant, String)>,
    header: bool,
    done: bool,
}

/// `bookings.csv`: every booking of the host, oldest start first, one chunk per page read.
pub async fn bookings_csv(
    store: &Store,
    host: &Host,
) -> Result<impl Stream<Item = Result<Bytes>> + Send + 'static> {
    let zone = store.availability(&host.id).await?.zone;
    let types = store
        .meeting_types_all(&host.id)
        .await?
        .into_iter()
        .map(|m| (m.id, m.name))
        .collect();
    let start = Cursor {
        store: store.clone(),
        host_id: host.id.clone(),
        zone,
        types,
        after: None,
        header: true,
        done: false,
    };
    Ok(futures_util::stream::try_unfold(start, next_page))
}

async fn next_page(mut c: Cursor) -> Result<Option<(Bytes, Cursor)>> {
    if c.done {
        return Ok(None);
    }
    let after = c.after.as_ref().map(|(at, id)| (*at, id.as_str()));
    let page = c.store.bookings_after(&c.host_id, after, PAGE).await?;
    let mut out = writer();
    if std::mem::take(&mut c.header) {
        record(&mut out, BOOKINGS_HEADER);
    }
    for b in &page {
        let name = c
            .types
            .iter()
            .find(|(id, _)| *id == b.meeting_type_id)
            .map_or("", |(_, name)| name.as_str());
        booking_row(&mut out, b, name, &c.zone);
    }
    c.done = page.len() < PAGE as usize;
    c.after = page.last().map(|b| (b.start, b.id.clone()));
    Ok(Some((chunk(out), c)))
}

/// `daily.csv`: for each host-local day of the period, the bookings created (not
/// cancelled) and the funnel's daily-unique visitors per step.
pub async fn daily_csv(
    store: &Store,
    cache: &insights::FactsCache,
    host: &Host,
    from: Option<&str>,
    to: Option<&str>,
    now: Timestamp,
) -> Result<Bytes> {
    let (zone, today) = insights::host_today(store, host, now).await?;
    let period = Period::read(from, to, today)?;
    let report = insights::report(store, cache, host, &zone, period, now).await?;
    let s = &report.current;
    let mut out = writer();
    let mut header = vec!["date", "weekday", "bookings"];
    header.extend(Step::ALL.map(Step::as_str));
    record(&mut out, header);
    for (i, &(day, count)) in s.by_day.iter().enumerate() {
        let weekday = insights::weekday_of(day).key();
        let mut row = vec![date_text(day), weekday.to_owned(), count.to_string()];
        row.extend(s.daily_funnel[i].iter().map(ToString::to_string));
        record(&mut out, row.iter().map(String::as_str));
    }
    Ok(chunk(out))
}
