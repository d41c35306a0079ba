//! The guest's booking flow: meeting types → month calendar → the day's times in the guest's
//! zone → details form → confirmation with an `.ics` file. Plain links and forms, so it all
//! works with JavaScript off; a slot taken meanwhile sends the guest back to the times.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use jiff::civil::Date;
use scheduling::{FieldError, Instant, Slot, Weekday, Zone};
use serde_json::{Map, Value, json};

use super::{ASSET_VERSION, HTML, Locale, encode, framable, html, not_found, respond};
pub use crate::format::{MONTHS, date_label, when_label};
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
        .route("/cal/{file}", get(super::ics::feed))
        .merge(super::manage::router())
}

async fn host_and_type(
    state: &AppState,
    username: &str,
    type_id: &str,
) -> Result<(Host, MeetingTypeRecord), String> {
    let host = state
        .store
        .host_by_username(username)
        .await
        .ok()
        .flatten()
        .ok_or_else(|| format!("There is no booking page at /book/{username}."))?;
    let meeting = state
        .store
        .meeting_type(&host.id, type_id)
        .await
        .ok()
        .flatten()
        .filter(|m| m.active && !m.archived)
        .ok_or_else(|| {
            format!(
                "This meeting type of {} is not open for booking.",
                host.name
            )
        })?;
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
    username: &'a str,
    host_name: &'a str,
    types: Vec<TypeCard>,
}

async fn types_page(
    State(state): State<AppState>,
    Path(username): Path<String>,
    headers: HeaderMap,
    visit: Visit,
) -> Response {
    visit.count(&state, &username, Step::View);
    let Ok(Some(host)) = state.store.host_by_username(&username).await else {
        return not_found(
            &headers,
            &format!("There is no booking page at /book/{username}."),
        );
    };
    let Ok(types) = state.store.meeting_types(&host.id).await else {
        return not_found(&headers, "This booking page is not available right now.");
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
        username: &username,
        host_name: &host.name,
        types,
    };
    framable(html(&headers, StatusCode::OK, &page), &host.embed_origins)
}

#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct CalendarQuery {
    pub tz: Option<String>,
    pub month: Option<String>,
    pub date: Option<String>,
    pub taken: Option<String>,
}

struct DayCell {
    day: i8,
    date: Date,
    label: String,
    free: bool,
    selected: bool,
}

struct SlotLink {
    start: String,
    label: String,
}

struct SlotGroup {
    name: &'static str,
    slots: Vec<SlotLink>,
}

#[derive(Template)]
#[template(path = "book_calendar.html")]
struct CalendarPage<'a> {
    asset_version: &'a str,
    host_name: &'a str,
    location: Option<String>,
    type_name: &'a str,
    duration: i64,
    zone: &'a str,
    bad_zone: Option<String>,
    taken: bool,
    zones: &'a [String],
    month_param: String,
    month_label: String,
    prev_month: Option<String>,
    next_month: Option<String>,
    weekday_names: Vec<&'static str>,
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

/// IANA zone names for the searchable zone lists.
pub static ZONES: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
    let mut names: Vec<String> = jiff::tz::db()
        .available()
        .map(|n| n.as_str().to_owned())
        .filter(|n| {
            n.contains('/')
                && !n.starts_with("Etc/")
                && !n.starts_with("SystemV/")
                && !n.starts_with("posix/")
                && !n.starts_with("right/")
        })
        .collect();
    names.sort();
    names.dedup();
    names
});

/// The guest's zone from `?tz=`, or the host's (with the bad name, if one was given).
fn guest_zone(tz: Option<&str>, host_zone: &Zone) -> (Zone, Option<String>) {
    match tz.filter(|t| !t.trim().is_empty()) {
        None => (host_zone.clone(), None),
        Some(name) => match Zone::parse(name) {
            Ok(zone) => (zone, None),
            Err(_) => (host_zone.clone(), Some(name.to_owned())),
        },
    }
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
    tz: Option<String>,
    month: Option<String>,
    date: Option<String>,
    taken: bool,
    locale: Locale,
    gzip: bool,
}

async fn calendar_page(
    State(state): State<AppState>,
    Path((username, type_id)): Path<(String, String)>,
    Query(query): Query<CalendarQuery>,
    headers: HeaderMap,
    visit: Visit,
) -> Response {
    visit.count(&state, &username, Step::Type);
    let Ok(Some(page_host)) = state.store.host_version(&username).await else {
        return not_found(
            &headers,
            &format!("There is no booking page at /book/{username}."),
        );
    };
    let now_ms = Instant::ceil(state.clock.now()).as_millis();
    let key = PageKey {
        host_id: page_host.id,
        type_id: type_id.clone(),
        version: page_host.version,
        minute: now_ms.div_euclid(60_000),
        on_the_minute: now_ms.rem_euclid(60_000) == 0,
        tz: query.tz.clone(),
        month: query.month.clone(),
        date: query.date.clone(),
        taken: query.taken.is_some(),
        locale: Locale::from_headers(&headers),
        gzip: super::accepts_gzip(&headers),
    };
    let embed = page_host.embed_origins;
    if let Some(body) = state.pages.0.get(&key) {
        return framable(respond(StatusCode::OK, body, key.gzip, HTML), &embed);
    }
    let mode = CalendarMode {
        slot_base: format!("/book/{username}/{type_id}/details"),
        back_href: format!("/book/{username}"),
        back_label: String::new(),
        heading: None,
        note: None,
    };
    let response = render_calendar(&state, &username, &type_id, &query, &headers, mode).await;
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
    headers: &HeaderMap,
    mut mode: CalendarMode,
) -> Result<(Bytes, bool), Response> {
    let (host, meeting) = match host_and_type(state, username, type_id).await {
        Ok(found) => found,
        Err(message) => return Err(not_found(headers, &message)),
    };
    if mode.back_label.is_empty() {
        mode.back_label.clone_from(&host.name);
    }
    let Ok(settings) = state.store.availability(&host.id).await else {
        return Err(not_found(
            headers,
            "This booking page is not available right now.",
        ));
    };
    let (zone, bad_zone) = guest_zone(query.tz.as_deref(), &settings.zone);
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
        return Err(not_found(
            headers,
            "This booking page is not available right now.",
        ));
    };
    let locale = Locale::from_headers(headers);
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
            label: date_label(date),
            free: by_date.contains_key(&date),
            selected: selected == Some(date),
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
    let mut weekday_names: Vec<&'static str> = Weekday::ALL.iter().map(|d| d.name()).collect();
    if locale.sunday_first {
        weekday_names.rotate_right(1);
    }
    let groups = selected
        .and_then(|d| by_date.get(&d))
        .map(|slots| {
            let mut groups = vec![
                SlotGroup {
                    name: "Morning",
                    slots: Vec::new(),
                },
                SlotGroup {
                    name: "Afternoon",
                    slots: Vec::new(),
                },
                SlotGroup {
                    name: "Evening",
                    slots: Vec::new(),
                },
            ];
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
    let page = CalendarPage {
        asset_version: &ASSET_VERSION,
        host_name: &host.name,
        location: meeting
            .location
            .as_ref()
            .map(|l| l.describe(&host.name, None)),
        type_name: &meeting.name,
        duration: meeting.duration,
        zone: zone.name(),
        bad_zone,
        taken: query.taken.is_some(),
        zones: &ZONES,
        month_param: month_key(month),
        month_label: format!("{} {}", MONTHS[month.month() as usize - 1], month.year()),
        prev_month: shift(-1).filter(|m| *m >= first_month).map(month_key),
        next_month: shift(1).filter(|m| *m <= last_month).map(month_key),
        weekday_names,
        weeks,
        any_free: by_date.keys().any(in_month),
        selected_label: selected.map(date_label),
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
    location: Option<String>,
    username: &'a str,
    host_name: &'a str,
    type_id: &'a str,
    type_name: &'a str,
    duration: i64,
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

/// A fixed field of the form: name, label, kind, input type, autocomplete, required.
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
    Fixed("guestName", "Name", "short_text", "text", Some("name"), true),
    Fixed("guestEmail", "Email", "short_text", "email", Some("email"), true),
    Fixed("guestPhone", "Phone (optional, with country code)", "short_text", "tel", Some("tel"), false),
    Fixed("guestCompany", "Company (optional)", "short_text", "text", Some("organization"), false),
    Fixed("meetingNotes", "What would you like to discuss?", "long_text", "text", None, false),
];

fn fields(meeting: &MeetingTypeRecord, typed: &Typed, errors: &[FieldError]) -> Vec<FormField> {
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
                    "Phone, with country code (the host will call you)".into()
                } else {
                    label.into()
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
    taken: bool,
) -> String {
    let mut url = format!("/book/{username}/{type_id}?tz={}", encode(zone));
    if let Some(start) = start {
        let date = start
            .to_timestamp()
            .to_zoned_datetime(zone_tz.time_zone().clone())
            .date();
        url = format!("{url}&month={}&date={date}", month_key(date));
    }
    if taken {
        url.push_str("&taken=1");
    }
    url.push_str("#times");
    url
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
    headers: &HeaderMap,
) -> Result<DetailsContext, Response> {
    let (host, meeting) = host_and_type(state, username, type_id)
        .await
        .map_err(|m| not_found(headers, &m))?;
    let settings = state
        .store
        .availability(&host.id)
        .await
        .map_err(|_| not_found(headers, "This booking page is not available right now."))?;
    let (zone, _) = guest_zone(tz, &settings.zone);
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
            false,
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
    headers: &HeaderMap,
    status: StatusCode,
    username: &str,
    ctx: &DetailsContext,
    typed: &Typed,
    errors: Vec<FieldError>,
) -> Response {
    let locale = Locale::from_headers(headers);
    let date = ctx
        .start
        .to_timestamp()
        .to_zoned_datetime(ctx.zone.time_zone().clone())
        .date();
    let page = DetailsPage {
        asset_version: &ASSET_VERSION,
        location: ctx
            .meeting
            .location
            .as_ref()
            .map(|l| l.describe(&ctx.host.name, None)),
        username,
        host_name: &ctx.host.name,
        type_id: &ctx.meeting.id,
        type_name: &ctx.meeting.name,
        duration: ctx.meeting.duration,
        zone: ctx.zone.name(),
        date_param: date.to_string(),
        start: ctx.start.to_string(),
        when: when_label(ctx.start, &ctx.zone, locale),
        fields: fields(&ctx.meeting, typed, &errors),
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
            true,
        );
        return Redirect::to(&url).into_response();
    }
    let page = render_details(
        &state,
        &headers,
        StatusCode::OK,
        &username,
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
            Redirect::to(&format!("/booking/{token}")).into_response()
        }
        Err(ServiceError::Conflict(_)) => {
            let url = calendar_url(
                &username,
                &type_id,
                ctx.zone.name(),
                Some(ctx.start),
                &ctx.zone,
                true,
            );
            Redirect::to(&url).into_response()
        }
        Err(ServiceError::Invalid(errors)) => framable(
            render_details(
                &state,
                &headers,
                StatusCode::UNPROCESSABLE_ENTITY,
                &username,
                &ctx,
                &typed,
                errors,
            ),
            &ctx.host.embed_origins,
        ),
        Err(ServiceError::NotFound(message)) => not_found(&headers, &message),
        Err(ServiceError::Throttled { message, .. }) => {
            (StatusCode::TOO_MANY_REQUESTS, message).into_response()
        }
        Err(ServiceError::Store(e)) => {
            tracing::error!(error = %e, "booking from the page failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "something went wrong on our side; nothing was booked, please retry",
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
