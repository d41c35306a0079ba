//! The guest's booking flow: meeting types → month calendar → the day's times in the guest's
//! zone → details form → confirmation with an `.ics` file. Plain links and forms, so it all
//! works with JavaScript off; a slot taken meanwhile sends the guest back to the times.
//! Every page speaks the guest's language (`Reader`); field errors from the booking service
//! stay in English.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use jiff::civil::Date;
use scheduling::{FieldError, Instant, Location, Slot, Zone};
use serde_json::{Map, Value, json};

use super::{ASSET_VERSION, HTML, Lang, Reader, encode, framable, html, not_found_for, respond};
pub use crate::format::{date_label, when_label};
use crate::services::cache::Cache;
use crate::services::insights::Step;
use crate::services::{ServiceError, availability, booking, captcha};
use crate::store::{BookingRecord, Host, MeetingTypeRecord};
use crate::web::AppState;
use crate::web::visit::Visit;
use axum::body::Bytes;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/book/{username}", get(types_page))
        .route("/book/{username}/{type_id}", get(calendar_page))
        .route(
            "/book/{username}/{type_id}/details",
            get(details_page).post(submit_details),
        )
        .route("/book/{username}/photo/{digest}", get(photo))
        .route("/cal/{file}", get(super::ics::feed))
        .merge(super::manage::router())
}

async fn host_and_type(
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

struct TypeCard {
    id: String,
    name: String,
    duration: i64,
    description: Option<String>,
    color: String,
}

#[derive(Template)]
#[template(path = "book_types.html")]
struct TypesPage<'a> {
    asset_version: &'a str,
    t: Lang,
    reader: &'a Reader,
    username: &'a str,
    card: HostCard,
    types: Vec<TypeCard>,
}

async fn types_page(
    State(state): State<AppState>,
    Path(username): Path<String>,
    reader: Reader,
    headers: HeaderMap,
    visit: Visit,
) -> Response {
    let t = reader.lang;
    visit.count(&state, &username, Step::View);
    let Ok(Some(host)) = state.store.host_by_username(&username).await else {
        return not_found_for(&reader, &headers, &t.msg1("no-page", "name", &username));
    };
    let Ok(types) = state.store.meeting_types(&host.id).await else {
        return not_found_for(&reader, &headers, &t.msg("page-unavailable"));
    };
    let types = types
        .into_iter()
        .filter(|m| m.active)
        .map(|m| TypeCard {
            id: m.id,
            name: m.name,
            duration: m.duration,
            description: m.description,
            color: m.color,
        })
        .collect();
    let page = TypesPage {
        asset_version: &ASSET_VERSION,
        t,
        reader: &reader,
        username: &username,
        card: HostCard::new(&host, None, t).previewed(state.config.public_url.as_deref()),
        types,
    };
    framable(html(&headers, StatusCode::OK, &page), &host.embed_origins)
}

/// The host's photo, under its digest: the address changes with the photo, so it is cached
/// for a year.
async fn photo(
    State(state): State<AppState>,
    Path((username, digest)): Path<(String, String)>,
    reader: Reader,
    headers: HeaderMap,
) -> Response {
    match state.store.photo(&username, &digest).await {
        Ok(Some((content_type, bytes))) => (
            [
                (axum::http::header::CONTENT_TYPE, content_type),
                (
                    axum::http::header::CACHE_CONTROL,
                    "public, max-age=31536000, immutable".to_owned(),
                ),
                (
                    axum::http::header::CONTENT_SECURITY_POLICY,
                    "default-src 'none'; sandbox".to_owned(),
                ),
            ],
            bytes,
        )
            .into_response(),
        _ => not_found_for(&reader, &headers, &reader.lang.msg("photo-gone")),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct CalendarQuery {
    pub tz: Option<String>,
    pub month: Option<String>,
    pub date: Option<String>,
    pub taken: Option<String>,
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
    zone_groups: Vec<super::zones::ZoneGroup>,
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
}

/// What the calendar is for: booking (the default) or moving an existing booking.
pub(super) struct CalendarMode {
    /// Where a chosen time leads (`?start=…&tz=…` is appended).
    pub slot_base: String,
    pub back_href: String,
    pub back_label: String,
    pub heading: Option<String>,
    pub note: Option<String>,
}

/// The booking pages' left pane: who the guest meets, for what, how long, where.
pub(super) struct HostCard {
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
            photo_url: crate::services::host::photo_path(host),
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
pub(super) fn location_text(
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
pub(super) fn brand_style(host: &Host) -> String {
    if host.brand_color.is_empty() {
        String::new()
    } else {
        format!("--brand: {}", host.brand_color)
    }
}

/// "Jane Smith" → "JS"; "cher" → "C".
pub(super) fn initials(name: &str) -> String {
    let mut words = name.split_whitespace().filter_map(|w| w.chars().next());
    let first = words.next();
    let last = words.next_back();
    first
        .into_iter()
        .chain(last)
        .flat_map(char::to_uppercase)
        .collect()
}

/// How the page came to show its zone: the guest chose it (a link's `?tz=`, or the cookie
/// the browser's zone or an earlier choice left), or it is a guess (the language's region,
/// else the host's zone) that the page's script checks against the browser.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum ZoneChoice {
    Chosen(String),
    Guessed(String),
}

/// Name of the cookie that remembers the guest's zone (set by `app.js`, read here).
pub(super) const ZONE_COOKIE: &str = "tz";

impl ZoneChoice {
    pub fn of(query_tz: Option<&str>, headers: &HeaderMap) -> Self {
        let cookie = crate::web::extract::cookie(headers, ZONE_COOKIE);
        let chosen = query_tz
            .filter(|t| !t.trim().is_empty())
            .or(cookie.filter(|c| Zone::parse(c).is_ok()));
        if let Some(name) = chosen {
            Self::Chosen(name.to_owned())
        } else {
            let language = headers
                .get(axum::http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok());
            Self::Guessed(super::zones::guess(language).unwrap_or_default().to_owned())
        }
    }

    /// The zone to show (the host's when the guess has none), and a bad name the guest typed.
    pub fn resolve(&self, host_zone: &Zone) -> (Zone, Option<String>) {
        match self {
            Self::Chosen(name) | Self::Guessed(name) if name.is_empty() => {
                (host_zone.clone(), None)
            }
            Self::Chosen(name) | Self::Guessed(name) => match Zone::parse(name) {
                Ok(zone) => (zone, None),
                Err(_) => (host_zone.clone(), Some(name.clone())),
            },
        }
    }
}

/// The guest's zone from `?tz=`, or the host's.
fn guest_zone(tz: Option<&str>, host_zone: &Zone) -> Zone {
    tz.and_then(|t| Zone::parse(t).ok())
        .unwrap_or_else(|| host_zone.clone())
}

fn parse_month(text: &str) -> Option<(i16, i8)> {
    let (y, m) = text.split_once('-')?;
    let (y, m) = (y.parse().ok()?, m.parse().ok()?);
    Date::new(y, m, 1).ok().map(|_| (y, m))
}

fn month_key(date: Date) -> String {
    format!("{:04}-{:02}", date.year(), date.month())
}

/// Rendered calendar pages, as sent (gzip or not).
#[derive(Debug)]
pub struct PageCache(Cache<PageKey, Bytes>);

impl Default for PageCache {
    fn default() -> Self {
        Self(Cache::new(32 * 1024 * 1024))
    }
}

/// Everything a calendar page depends on: the host's schedule version covers the data,
/// `now` enters by the minute (slots and dates change on whole minutes), the rest is the
/// request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    host_id: String,
    type_id: String,
    version: i64,
    minute: i64,
    on_the_minute: bool,
    zone: ZoneChoice,
    month: Option<String>,
    date: Option<String>,
    taken: Option<String>,
    /// The language, conventions and query (the switcher's links) of the page.
    reader: Reader,
    gzip: bool,
}

async fn calendar_page(
    State(state): State<AppState>,
    Path((username, type_id)): Path<(String, String)>,
    Query(query): Query<CalendarQuery>,
    reader: Reader,
    headers: HeaderMap,
    visit: Visit,
) -> Response {
    visit.count(&state, &username, Step::Type);
    let Ok(Some(page_host)) = state.store.host_version(&username).await else {
        let message = reader.lang.msg1("no-page", "name", &username);
        return not_found_for(&reader, &headers, &message);
    };
    let now_ms = Instant::ceil(state.clock.now()).as_millis();
    let key = PageKey {
        host_id: page_host.id,
        type_id: type_id.clone(),
        version: page_host.version,
        minute: now_ms.div_euclid(60_000),
        on_the_minute: now_ms.rem_euclid(60_000) == 0,
        zone: ZoneChoice::of(query.tz.as_deref(), &headers),
        month: query.month.clone(),
        date: query.date.clone(),
        taken: query.taken.clone(),
        reader: reader.clone(),
        gzip: super::accepts_gzip(&headers),
    };
    let embed = page_host.embed_origins;
    if let Some(body) = state.pages.0.get(&key) {
        return framable(respond(StatusCode::OK, body, key.gzip, HTML), &embed);
    }
    let mode = CalendarMode {
        slot_base: format!("/book/{username}/{type_id}/details"),
        back_href: format!("/book/{username}{}", reader.carry_alone()),
        back_label: String::new(),
        heading: None,
        note: None,
    };
    let response =
        render_calendar(&state, &username, &type_id, &query, &reader, &headers, mode).await;
    match response {
        Ok((body, gzip)) => {
            state.pages.0.put(key, body.clone());
            framable(respond(StatusCode::OK, body, gzip, HTML), &embed)
        }
        Err(response) => response,
    }
}

/// Renders the calendar page, or the response to send instead.
pub(super) async fn render_calendar(
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
    let Ok(answer) = availability::public_slots(
        &state.store,
        &state.cache,
        username,
        type_id,
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
    let mut by_date: BTreeMap<Date, Vec<Slot>> = BTreeMap::new();
    for slot in &answer.slots {
        by_date
            .entry(
                slot.start
                    .to_timestamp()
                    .to_zoned_datetime(tz.clone())
                    .date(),
            )
            .or_default()
            .push(*slot);
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
            for slot in slots {
                let local = slot.start.to_timestamp().to_zoned_datetime(tz.clone());
                let index = match local.hour() {
                    0..=11 => 0,
                    12..=16 => 1,
                    _ => 2,
                };
                groups[index].slots.push(SlotLink {
                    start: slot.start.to_string(),
                    label: locale.time(local.hour(), local.minute()),
                });
            }
            groups.retain(|g| !g.slots.is_empty());
            groups
        })
        .unwrap_or_default();
    let shift = |months: i8| month.checked_add(jiff::Span::new().months(months)).ok();
    let now_local = now.to_zoned_datetime(tz.clone());
    let page = CalendarPage {
        asset_version: &ASSET_VERSION,
        t,
        reader,
        card: HostCard::new(&host, Some(&meeting), t).previewed(state.config.public_url.as_deref()),
        zone: zone.name(),
        zone_place: super::zones::place(zone.name()),
        zone_label: super::zones::zone_label(&zone, now),
        zone_now: locale.time(now_local.hour(), now_local.minute()),
        zone_guess: matches!(choice, ZoneChoice::Guessed(_)).then(|| zone.name()),
        zone_groups: super::zones::groups(zone.name(), now, locale),
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
    };
    super::render(headers, &page).ok_or_else(|| {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "something went wrong on our side",
        )
            .into_response()
    })
}

/// One input of the details form.
struct FormField {
    name: String,
    label: String,
    kind: String,
    input_type: &'static str,
    autocomplete: Option<&'static str>,
    required: bool,
    options: Vec<String>,
    value: String,
    chosen: Vec<String>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "book_details.html")]
struct DetailsPage<'a> {
    asset_version: &'a str,
    t: Lang,
    reader: &'a Reader,
    card: HostCard,
    username: &'a str,
    type_id: &'a str,
    zone: &'a str,
    date_param: String,
    start: String,
    when: String,
    fields: Vec<FormField>,
    errors: Vec<FieldError>,
    /// What the proof-of-work check said, shown above the form.
    captcha_error: Option<String>,
    /// The signed proof-of-work challenge (base64 JSON) the page's script solves.
    challenge: String,
}

/// Values the guest typed, by form field name (repeated names for multiple choice).
type Typed = HashMap<String, Vec<String>>;

fn question_field_name(id: &str) -> String {
    format!("q_{id}")
}

/// A fixed field of the form: name, label (a message id), kind, input type, autocomplete,
/// required.
struct Fixed(
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    bool,
);

#[rustfmt::skip]
const FIXED_FIELDS: [Fixed; 5] = [
    Fixed("guestName", "field-name", "short_text", "text", Some("name"), true),
    Fixed("guestEmail", "field-email", "short_text", "email", Some("email"), true),
    Fixed("guestPhone", "field-phone", "short_text", "tel", Some("tel"), false),
    Fixed("guestCompany", "field-company", "short_text", "text", Some("organization"), false),
    Fixed("meetingNotes", "field-notes", "long_text", "text", None, false),
];

fn fields(
    meeting: &MeetingTypeRecord,
    typed: &Typed,
    errors: &[FieldError],
    t: Lang,
) -> Vec<FormField> {
    let phone_needed = meeting.needs_guest_phone();
    let first = |name: &str| {
        typed
            .get(name)
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_default()
    };
    let error_for = |field: &str| {
        errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.clone())
    };
    let mut out: Vec<FormField> = FIXED_FIELDS
        .iter()
        .map(
            |&Fixed(name, label, kind, input_type, autocomplete, required)| FormField {
                name: name.into(),
                label: if name == "guestPhone" && phone_needed {
                    t.msg("field-phone-needed")
                } else {
                    t.msg(label)
                },
                kind: kind.into(),
                input_type,
                autocomplete,
                required: required || (name == "guestPhone" && phone_needed),
                options: Vec::new(),
                value: first(name),
                chosen: Vec::new(),
                error: error_for(name),
            },
        )
        .collect();
    for q in meeting.questions.as_array().into_iter().flatten() {
        let id = q["id"].as_str().unwrap_or_default();
        let name = question_field_name(id);
        let kind = q["type"].as_str().unwrap_or("short_text");
        out.push(FormField {
            value: first(&name),
            chosen: typed.get(&name).cloned().unwrap_or_default(),
            label: q["label"].as_str().unwrap_or_default().into(),
            kind: kind.into(),
            input_type: if kind == "phone" { "tel" } else { "text" },
            autocomplete: None,
            required: q["required"].as_bool().unwrap_or(false),
            options: q["options"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|o| o.as_str().map(str::to_owned))
                .collect(),
            error: error_for(&format!("answers.{id}")),
            name,
        });
    }
    out
}

#[derive(Debug, serde::Deserialize)]
struct DetailsQuery {
    start: Option<String>,
    tz: Option<String>,
}

fn calendar_url(
    username: &str,
    type_id: &str,
    zone: &str,
    start: Option<Instant>,
    zone_tz: &Zone,
    gap: Option<Gap>,
    reader: &Reader,
) -> String {
    let mut url = format!("/book/{username}/{type_id}?tz={}", encode(zone));
    if let Some(start) = start {
        let date = start
            .to_timestamp()
            .to_zoned_datetime(zone_tz.time_zone().clone())
            .date();
        url = format!("{url}&month={}&date={date}", month_key(date));
    }
    match gap {
        Some(Gap::Taken) => url.push_str("&taken=1"),
        Some(Gap::Closed) => url.push_str("&taken=no"),
        None => {}
    }
    url.push_str(&reader.carry());
    url.push_str("#times");
    url
}

/// Why a time the guest asked for cannot be booked: somebody booked it meanwhile, or it
/// was never open (an old or hand-made link, a day outside the hours).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gap {
    Taken,
    Closed,
}

impl Gap {
    /// Taken when a live booking of the host now covers the time; closed otherwise.
    async fn of(state: &AppState, ctx: &DetailsContext) -> Self {
        let end = ctx.start.plus_minutes(ctx.meeting.duration);
        let day_before = ctx.start.plus_minutes(-24 * 60);
        let filter = crate::store::BookingFilter {
            not_cancelled: true,
            from: Some(day_before),
            to: Some(end),
            ..Default::default()
        };
        let taken = state
            .store
            .bookings_page(&ctx.host.id, filter, None, 500)
            .await
            .is_ok_and(|found| found.iter().any(|b| b.start < end && b.end > ctx.start));
        if taken { Self::Taken } else { Self::Closed }
    }
}

struct DetailsContext {
    host: Host,
    meeting: MeetingTypeRecord,
    zone: Zone,
    start: Instant,
}

/// Resolves the page's host, type, zone and start, or the response to send instead.
async fn details_context(
    state: &AppState,
    username: &str,
    type_id: &str,
    start: Option<&str>,
    tz: Option<&str>,
    reader: &Reader,
    headers: &HeaderMap,
) -> Result<DetailsContext, Response> {
    let (host, meeting) = host_and_type(state, username, type_id, reader.lang)
        .await
        .map_err(|m| not_found_for(reader, headers, &m))?;
    let settings = state
        .store
        .availability(&host.id)
        .await
        .map_err(|_| not_found_for(reader, headers, &reader.lang.msg("page-unavailable")))?;
    let zone = guest_zone(tz, &settings.zone);
    let Some(start) = start
        .and_then(|s| Instant::parse_timestamp(s).ok())
        .map(Instant::from)
    else {
        return Err(Redirect::to(&calendar_url(
            username,
            type_id,
            zone.name(),
            None,
            &zone,
            None,
            reader,
        ))
        .into_response());
    };
    Ok(DetailsContext {
        host,
        meeting,
        zone,
        start,
    })
}

fn render_details(
    state: &AppState,
    reader: &Reader,
    headers: &HeaderMap,
    status: StatusCode,
    ctx: &DetailsContext,
    typed: &Typed,
    errors: Vec<FieldError>,
) -> Response {
    let (t, locale) = (reader.lang, reader.locale);
    let date = ctx
        .start
        .to_timestamp()
        .to_zoned_datetime(ctx.zone.time_zone().clone())
        .date();
    let when = when_label(ctx.start, &ctx.zone, locale);
    let mut card = HostCard::new(&ctx.host, Some(&ctx.meeting), t);
    card.when = Some(format!("{when} ({})", super::zones::place(ctx.zone.name())));
    let page = DetailsPage {
        asset_version: &ASSET_VERSION,
        t,
        reader,
        card,
        username: &ctx.host.username,
        type_id: &ctx.meeting.id,
        zone: ctx.zone.name(),
        date_param: date.to_string(),
        start: ctx.start.to_string(),
        when,
        fields: fields(&ctx.meeting, typed, &errors, t),
        captcha_error: errors
            .iter()
            .find(|e| e.field == captcha::FIELD)
            .map(|e| e.message.clone()),
        errors,
        challenge: state.captcha.encoded_challenge(state.clock.now()),
    };
    html(headers, status, &page)
}

async fn details_page(
    State(state): State<AppState>,
    Path((username, type_id)): Path<(String, String)>,
    Query(query): Query<DetailsQuery>,
    reader: Reader,
    headers: HeaderMap,
    visit: Visit,
) -> Response {
    visit.count(&state, &username, Step::Slot);
    let ctx = match details_context(
        &state,
        &username,
        &type_id,
        query.start.as_deref(),
        query.tz.as_deref(),
        &reader,
        &headers,
    )
    .await
    {
        Ok(ctx) => ctx,
        Err(response) => return response,
    };
    let offered = availability::public_slots(
        &state.store,
        &state.cache,
        &username,
        &type_id,
        None,
        None,
        state.clock.now(),
    )
    .await
    .is_ok_and(|a| a.slots.iter().any(|s| s.start == ctx.start));
    if !offered {
        let url = calendar_url(
            &username,
            &type_id,
            ctx.zone.name(),
            Some(ctx.start),
            &ctx.zone,
            Some(Gap::of(&state, &ctx).await),
            &reader,
        );
        return Redirect::to(&url).into_response();
    }
    let page = render_details(
        &state,
        &reader,
        &headers,
        StatusCode::OK,
        &ctx,
        &Typed::new(),
        Vec::new(),
    );
    framable(page, &ctx.host.embed_origins)
}

/// The API's booking body from the form (answers typed by their question).
fn booking_body(meeting: &MeetingTypeRecord, ctx: &DetailsContext, typed: &Typed) -> Value {
    let first = |name: &str| {
        typed
            .get(name)
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_default()
    };
    let mut answers = Map::new();
    for q in meeting.questions.as_array().into_iter().flatten() {
        let id = q["id"].as_str().unwrap_or_default();
        let name = question_field_name(id);
        let value = match q["type"].as_str().unwrap_or_default() {
            "checkbox" => Value::Bool(first(&name) == "yes"),
            "multiple_choice" => json!(typed.get(&name).cloned().unwrap_or_default()),
            _ => Value::String(first(&name)),
        };
        answers.insert(id.to_owned(), value);
    }
    json!({
        "meetingTypeId": meeting.id,
        "startTime": ctx.start.to_string(),
        "timezone": ctx.zone.name(),
        "guestName": first("guestName"),
        "guestEmail": first("guestEmail"),
        "guestPhone": first("guestPhone"),
        "guestCompany": first("guestCompany"),
        "meetingNotes": first("meetingNotes"),
        "answers": answers,
    })
}

async fn submit_details(
    State(state): State<AppState>,
    Path((username, type_id)): Path<(String, String)>,
    reader: Reader,
    headers: HeaderMap,
    visit: Visit,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    visit.count(&state, &username, Step::Submit);
    let mut typed = Typed::new();
    for (name, value) in pairs {
        typed.entry(name).or_default().push(value);
    }
    let get = |name: &str| typed.get(name).and_then(|v| v.first()).map(String::as_str);
    let ctx = match details_context(
        &state,
        &username,
        &type_id,
        get("start"),
        get("tz"),
        &reader,
        &headers,
    )
    .await
    {
        Ok(ctx) => ctx,
        Err(response) => return response,
    };
    let now = state.clock.now();
    let body = booking_body(&ctx.meeting, &ctx, &typed);
    // The honeypot: people never see this field; form-filling bots fill it. Nothing is booked.
    let honeypot = typed
        .get("website")
        .is_some_and(|v| v.iter().any(|w| !w.trim().is_empty()));
    let result = async {
        if honeypot {
            tracing::info!("refused a booking form with the honeypot filled");
            let trap = FieldError::new("website", "leave this field empty");
            return Err(ServiceError::Invalid(vec![trap]));
        }
        let prepared = booking::prepare(&state.store, &username, &body, now).await?;
        if state.captcha.required {
            let host_id = &prepared.host().id;
            let solution = get(captcha::FIELD).filter(|s| !s.trim().is_empty());
            match (solution, get(captcha::CHALLENGE_FIELD)) {
                // Without JavaScript the form's own challenge comes back unsolved.
                (None, Some(challenge)) => {
                    state
                        .captcha
                        .spend_unsolved(&state.store, host_id, challenge, now)
                        .await?;
                }
                (solution, _) => {
                    state
                        .captcha
                        .spend_solution(&state.store, host_id, solution, now)
                        .await?;
                }
            }
        }
        let (record, tx) = booking::book(&state.store, prepared, now).await?;
        tx.commit().await?;
        Ok::<BookingRecord, ServiceError>(record)
    }
    .await;
    match result {
        Ok(record) => {
            visit.count(&state, &username, Step::Booked);
            let token = record.guest_token.unwrap_or_default();
            Redirect::to(&format!("/booking/{token}{}", reader.carry_alone())).into_response()
        }
        Err(ServiceError::Conflict(_)) => {
            let url = calendar_url(
                &username,
                &type_id,
                ctx.zone.name(),
                Some(ctx.start),
                &ctx.zone,
                Some(Gap::Taken),
                &reader,
            );
            Redirect::to(&url).into_response()
        }
        Err(ServiceError::Invalid(errors)) => framable(
            render_details(
                &state,
                &reader,
                &headers,
                StatusCode::UNPROCESSABLE_ENTITY,
                &ctx,
                &typed,
                errors,
            ),
            &ctx.host.embed_origins,
        ),
        Err(ServiceError::NotFound(message)) => not_found_for(&reader, &headers, &message),
        Err(ServiceError::Throttled { message, .. }) => {
            (StatusCode::TOO_MANY_REQUESTS, message).into_response()
        }
        Err(ServiceError::Store(e)) => {
            tracing::error!(error = %e, "booking from the page failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                reader.lang.msg("booking-failed"),
            )
                .into_response()
        }
    }
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
