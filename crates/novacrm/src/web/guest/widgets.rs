//! The pieces the guest pages (and the host's reschedule picker) draw with: the host card, the
//! month calendar with the day's times, and the booking a guest link opens.

use crate::format::date_label;
use crate::i18n::Lang;
use crate::services::availability;
use crate::store::{BookingRecord, Host, MeetingTypeRecord};
use crate::web::guest::zone_choice::ZoneChoice;
use crate::web::reader::Reader;
use crate::web::shell::ASSET_VERSION;
use crate::web::shell::not_found_for;
use crate::web::state::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use scheduling::{Location, Slot, Zone};
use std::collections::BTreeMap;

pub(crate) async fn host_and_type(
    state: &AppState,
    username: &str,
    type_id: &str,
    t: Lang,
) -> Result<(Host, MeetingTypeRecord), String> {
    let host = state
        .store
        .host_by_username(username)
        .await
        .ok()
        .flatten()
        .ok_or_else(|| t.msg1("no-page", "name", username))?;
    let meeting = state
        .store
        .meeting_type(&host.id, type_id)
        .await
        .ok()
        .flatten()
        .filter(|m| m.active && !m.archived)
        .ok_or_else(|| t.msg1("type-closed", "host", &host.name))?;
    Ok((host, meeting))
}

#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct CalendarQuery {
    pub tz: Option<String>,
    pub month: Option<String>,
    pub date: Option<String>,
    pub taken: Option<String>,
    /// The length picked of a type offering several (minutes; others are ignored).
    pub duration: Option<String>,
}

/// The length a guest picked (`?duration=`), if the type offers it and it is not its own.
pub(crate) fn picked_length(meeting: &MeetingTypeRecord, asked: Option<&str>) -> Option<i64> {
    let asked: i64 = asked?.trim().parse().ok()?;
    let offered = meeting.durations().ok()?;
    (asked != meeting.duration && offered.iter().any(|d| i64::from(d.get()) == asked))
        .then_some(asked)
}

/// `&duration=N` for links that keep a picked length (empty for the type's own).
pub(crate) fn length_carry(picked: Option<i64>) -> String {
    picked.map_or_else(String::new, |d| format!("&duration={d}"))
}

/// One length on the picker above the calendar.
struct LengthChoice {
    minutes: i64,
    href: String,
    selected: bool,
}

#[allow(
    clippy::struct_excessive_bools,
    reason = "a day's four independent marks, read by the template"
)]
struct DayCell {
    day: i8,
    date: Date,
    label: String,
    free: bool,
    selected: bool,
    today: bool,
    past: bool,
}

struct SlotLink {
    start: String,
    label: String,
    /// Seats still free, for a type with seats.
    seats_left: Option<u32>,
}

struct SlotGroup {
    name: String,
    slots: Vec<SlotLink>,
}

#[derive(Template)]
#[template(path = "book_calendar.html")]
struct CalendarPage<'a> {
    asset_version: &'a str,
    t: Lang,
    reader: &'a Reader,
    card: HostCard,
    zone: &'a str,
    /// "Berlin, Germany · UTC+01:00 CET", and the time there now.
    zone_place: String,
    zone_label: String,
    zone_now: String,
    /// The zone shown is a guess the script checks (its name), or the guest's choice (`None`).
    zone_guess: Option<&'a str>,
    zone_groups: Vec<crate::web::guest::zones::ZoneGroup>,
    bad_zone: Option<String>,
    /// Why the guest is back here: a time just taken, or one never open.
    gap: Option<String>,
    month_param: String,
    month_label: String,
    prev_month: Option<String>,
    next_month: Option<String>,
    /// Each column's weekday, in full and short.
    weekday_names: Vec<(&'static str, &'static str)>,
    weeks: Vec<Vec<Option<DayCell>>>,
    any_free: bool,
    selected_label: Option<String>,
    groups: Vec<SlotGroup>,
    mode: CalendarMode,
    /// The lengths to pick from (empty unless the type offers several and this is a booking).
    lengths: Vec<LengthChoice>,
    /// `&duration=N` while a length other than the type's own is picked.
    length_carry: String,
}

/// What the calendar is for: booking (the default) or moving an existing booking.
pub(crate) struct CalendarMode {
    /// Where a chosen time leads (`?start=…&tz=…` is appended).
    pub slot_base: String,
    pub back_href: String,
    pub back_label: String,
    pub heading: Option<String>,
    pub note: Option<String>,
    /// Whether the guest may pick one of the type's lengths (a move keeps the booked one).
    pub pick_length: bool,
}

/// The booking pages' left pane: who the guest meets, for what, how long, where.
pub(crate) struct HostCard {
    pub host_name: String,
    pub initials: String,
    pub photo_url: Option<String>,
    pub welcome: String,
    pub type_name: Option<String>,
    pub duration: Option<i64>,
    pub location: Option<String>,
    pub description: Option<String>,
    /// `style` of the page's body: the host's brand colour, when they chose one.
    pub brand_style: String,
    /// The chosen time, with its zone (the details page).
    pub when: Option<String>,
    /// The photo's absolute address for link previews (only with a configured public URL).
    pub og_image: Option<String>,
}

impl HostCard {
    pub fn new(host: &Host, meeting: Option<&MeetingTypeRecord>, t: Lang) -> Self {
        Self {
            host_name: host.name.clone(),
            initials: initials(&host.name),
            photo_url: crate::services::profile::photo_path(host),
            welcome: host.welcome.clone(),
            type_name: meeting.map(|m| m.name.clone()),
            duration: meeting.map(|m| m.duration),
            location: meeting
                .and_then(|m| m.location.as_ref())
                .map(|l| location_text(l, &host.name, None, t)),
            description: meeting.and_then(|m| m.description.clone()),
            brand_style: brand_style(host),
            when: None,
            og_image: None,
        }
    }

    /// Link previews need absolute addresses: the photo's, under the configured public URL.
    #[must_use]
    pub fn previewed(mut self, public_url: Option<&str>) -> Self {
        self.og_image = public_url
            .zip(self.photo_url.as_deref())
            .map(|(base, path)| format!("{}{path}", base.trim_end_matches('/')));
        self
    }
}

/// Where the meeting happens, in the guest's words (`Location::describe`, translated).
pub(crate) fn location_text(
    location: &Location,
    host_name: &str,
    guest_phone: Option<&str>,
    t: Lang,
) -> String {
    match location {
        Location::InPerson { address } => t.msg1("location-in-person", "address", address),
        Location::HostCallsGuest => match guest_phone {
            Some(phone) => t.msg2("location-host-calls-at", "host", host_name, "phone", phone),
            None => t.msg1("location-host-calls", "host", host_name),
        },
        Location::GuestCallsHost { phone } => {
            t.msg2("location-guest-calls", "host", host_name, "phone", phone)
        }
        Location::Link { url } => t.msg1("location-link", "url", url),
        Location::Video { provider } => t.msg1("location-video", "provider", provider.name()),
    }
}

/// `--brand: #0F766E` for a host's chosen colour, else nothing.
pub(crate) fn brand_style(host: &Host) -> String {
    if host.brand_color.is_empty() {
        String::new()
    } else {
        format!("--brand: {}", host.brand_color)
    }
}

/// "Jane Smith" → "JS"; "cher" → "C".
pub(crate) fn initials(name: &str) -> String {
    let mut words = name.split_whitespace().filter_map(|w| w.chars().next());
    let first = words.next();
    let last = words.next_back();
    first
        .into_iter()
        .chain(last)
        .flat_map(char::to_uppercase)
        .collect()
}

fn parse_month(text: &str) -> Option<(i16, i8)> {
    let (y, m) = text.split_once('-')?;
    let (y, m) = (y.parse().ok()?, m.parse().ok()?);
    Date::new(y, m, 1).ok().map(|_| (y, m))
}

pub(crate) fn month_key(date: Date) -> String {
    format!("{:04}-{:02}", date.year(), date.month())
}

/// Renders the calendar page, or the response to send instead.
pub(crate) async fn render_calendar(
    state: &AppState,
    username: &str,
    type_id: &str,
    query: &CalendarQuery,
    reader: &Reader,
    headers: &HeaderMap,
    mut mode: CalendarMode,
) -> Result<(Bytes, bool), Response> {
    let t = reader.lang;
    let (host, meeting) = match host_and_type(state, username, type_id, t).await {
        Ok(found) => found,
        Err(message) => return Err(not_found_for(reader, headers, &message)),
    };
    if mode.back_label.is_empty() {
        mode.back_label.clone_from(&host.name);
    }
    let Ok(settings) = state.store.availability(&host.id).await else {
        return Err(not_found_for(reader, headers, &t.msg("page-unavailable")));
    };
    let choice = ZoneChoice::of(query.tz.as_deref(), headers);
    let (zone, bad_zone) = choice.resolve(&settings.zone);
    let now = state.clock.now();
    let picked = picked_length(&meeting, query.duration.as_deref());
    let Ok(answer) = availability::public_slots(
        &state.store,
        &state.cache,
        username,
        type_id,
        picked,
        None,
        None,
        now,
    )
    .await
    else {
        return Err(not_found_for(reader, headers, &t.msg("page-unavailable")));
    };
    let locale = reader.locale;
    let tz = zone.time_zone().clone();
    let mut by_date: BTreeMap<Date, Vec<(Slot, Option<u32>)>> = BTreeMap::new();
    let seats = answer
        .seats
        .iter()
        .copied()
        .map(Some)
        .chain(std::iter::repeat(None));
    for (slot, seats_left) in answer.slots.iter().zip(seats) {
        by_date
            .entry(
                slot.start
                    .to_timestamp()
                    .to_zoned_datetime(tz.clone())
                    .date(),
            )
            .or_default()
            .push((*slot, seats_left));
    }
    let today = now.to_zoned_datetime(tz.clone()).date();
    let first_month = today.first_of_month();
    let last_month = by_date
        .keys()
        .next_back()
        .map_or(first_month, |d| d.first_of_month());
    let month = query
        .month
        .as_deref()
        .and_then(parse_month)
        .and_then(|(y, m)| Date::new(y, m, 1).ok())
        .filter(|m| *m >= first_month && *m <= last_month)
        .or_else(|| by_date.keys().next().map(|d| d.first_of_month()))
        .unwrap_or(first_month);
    let in_month = |d: &Date| d.first_of_month() == month;
    let selected = query
        .date
        .as_deref()
        .and_then(|d| d.parse::<Date>().ok())
        .filter(|d| by_date.contains_key(d))
        .or_else(|| by_date.keys().find(|d| in_month(d)).copied());
    // The grid: leading blanks, then the month's days, in weeks of seven.
    let offset = if locale.sunday_first {
        month.weekday().to_sunday_zero_offset()
    } else {
        month.weekday().to_monday_zero_offset()
    } as usize;
    let mut cells: Vec<Option<DayCell>> = (0..offset).map(|_| None).collect();
    for day in 1..=month.days_in_month() {
        let date = month.with().day(day).build().expect("a day of this month");
        cells.push(Some(DayCell {
            day,
            date,
            label: date_label(date, t),
            free: by_date.contains_key(&date),
            selected: selected == Some(date),
            today: date == today,
            past: date < today,
        }));
    }
    while !cells.len().is_multiple_of(7) {
        cells.push(None);
    }
    let mut weeks = Vec::new();
    let mut iter = cells.into_iter().peekable();
    while iter.peek().is_some() {
        weeks.push(iter.by_ref().take(7).collect());
    }
    let mut weekday_names: Vec<(&str, &str)> =
        (0..7).map(|d| crate::format::weekday_names(t, d)).collect();
    if locale.sunday_first {
        weekday_names.rotate_right(1);
    }
    let groups = selected
        .and_then(|d| by_date.get(&d))
        .map(|slots| {
            let mut groups: Vec<SlotGroup> = ["part-morning", "part-afternoon", "part-evening"]
                .into_iter()
                .map(|id| SlotGroup {
                    name: t.msg(id),
                    slots: Vec::new(),
                })
                .collect();
            for (slot, seats_left) in slots {
                let local = slot.start.to_timestamp().to_zoned_datetime(tz.clone());
                let index = match local.hour() {
                    0..=11 => 0,
                    12..=16 => 1,
                    _ => 2,
                };
                groups[index].slots.push(SlotLink {
                    start: slot.start.to_string(),
                    label: locale.time(local.hour(), local.minute()),
                    seats_left: *seats_left,
                });
            }
            groups.retain(|g| !g.slots.is_empty());
            groups
        })
        .unwrap_or_default();
    let shift = |months: i8| month.checked_add(jiff::Span::new().months(months)).ok();
    let now_local = now.to_zoned_datetime(tz.clone());
    let offered = meeting.durations().unwrap_or_default();
    let lengths = if mode.pick_length && offered.len() > 1 {
        offered
            .iter()
            .map(|d| {
                let minutes = i64::from(d.get());
                LengthChoice {
                    minutes,
                    href: format!(
                        "?tz={}{}{}",
                        crate::web::shell::encode(zone.name()),
                        length_carry((minutes != meeting.duration).then_some(minutes)),
                        reader.carry()
                    ),
                    selected: minutes == picked.unwrap_or(meeting.duration),
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut card =
        HostCard::new(&host, Some(&meeting), t).previewed(state.config.public_url.as_deref());
    card.duration = Some(picked.unwrap_or(meeting.duration));
    let page = CalendarPage {
        asset_version: &ASSET_VERSION,
        t,
        reader,
        card,
        zone: zone.name(),
        zone_place: crate::web::guest::zones::place(zone.name()),
        zone_label: crate::web::guest::zones::zone_label(&zone, now),
        zone_now: locale.time(now_local.hour(), now_local.minute()),
        zone_guess: matches!(choice, ZoneChoice::Guessed(_)).then(|| zone.name()),
        zone_groups: crate::web::guest::zones::groups(zone.name(), now, locale),
        bad_zone,
        gap: match query.taken.as_deref() {
            None => None,
            Some("no") => Some(t.msg("gap-closed")),
            Some(_) => Some(t.msg("gap-taken")),
        },
        month_param: month_key(month),
        month_label: locale.month_title(month),
        prev_month: shift(-1).filter(|m| *m >= first_month).map(month_key),
        next_month: shift(1).filter(|m| *m <= last_month).map(month_key),
        weekday_names,
        weeks,
        any_free: by_date.keys().any(in_month),
        selected_label: selected.map(|d| date_label(d, t)),
        groups,
        mode,
        lengths,
        length_carry: length_carry(picked),
    };
    crate::web::shell::render(headers, &page).ok_or_else(|| {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "something went wrong on our side",
        )
            .into_response()
    })
}

/// A booking seen through its guest token, with what the pages show about it.
#[derive(Debug)]
pub struct GuestBooking {
    pub booking: BookingRecord,
    pub host: Host,
    pub meeting: MeetingTypeRecord,
    pub host_zone: Zone,
}

pub async fn guest_booking(state: &AppState, token: &str) -> Option<GuestBooking> {
    let booking = state
        .store
        .booking_by_guest_token(token)
        .await
        .ok()
        .flatten()?;
    let host = state
        .store
        .host_by_id(&booking.host_id)
        .await
        .ok()
        .flatten()?;
    let meeting = state
        .store
        .meeting_type(&host.id, &booking.meeting_type_id)
        .await
        .ok()
        .flatten()?;
    let host_zone = state.store.availability(&host.id).await.ok()?.zone;
    Some(GuestBooking {
        booking,
        host,
        meeting,
        host_zone,
    })
}
