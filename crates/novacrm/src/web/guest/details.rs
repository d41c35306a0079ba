//! The details step: the form with the host's questions, checked and re-rendered with field
//! errors, and the booking it makes (a slot taken meanwhile sends the guest back to the times).

use crate::format::when_label;
use crate::i18n::Lang;
use crate::services::insights::Step;
use crate::services::{ServiceError, availability, booking, captcha};
use crate::store::{BookingRecord, Host, MeetingTypeRecord};
use crate::web::form::Fields;
use crate::web::guest::widgets::{HostCard, host_and_type, length_carry, month_key, picked_length};
use crate::web::guest::zone_choice::guest_zone;
use crate::web::reader::Reader;
use crate::web::shell::ASSET_VERSION;
use crate::web::shell::encode;
use crate::web::shell::framable;
use crate::web::shell::html;
use crate::web::shell::not_found_for;
use crate::web::state::AppState;
use crate::web::visit::Visit;
use askama::Template;
use axum::extract::Form;
use axum::extract::Path;
use axum::extract::Query;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use scheduling::{FieldError, Instant, Zone};
use serde_json::{Map, Value, json};

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
    /// The length picked, sent back with the form (when not the type's own).
    duration: Option<i64>,
    /// The host approves this booking first: the page says so and the button asks.
    request_only: bool,
    when: String,
    fields: Vec<FormField>,
    errors: Vec<FieldError>,
    /// What the proof-of-work check said, shown above the form.
    captcha_error: Option<String>,
    /// The signed proof-of-work challenge (base64 JSON) the page's script solves.
    challenge: String,
}

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
    typed: &Fields,
    errors: &[FieldError],
    t: Lang,
) -> Vec<FormField> {
    let phone_needed = meeting.needs_guest_phone();
    let first = |name: &str| typed.first(name).to_owned();
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
            chosen: typed.all(&name).to_vec(),
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
pub(crate) struct DetailsQuery {
    start: Option<String>,
    tz: Option<String>,
    duration: Option<String>,
}

#[allow(clippy::too_many_arguments)]
fn calendar_url(
    username: &str,
    type_id: &str,
    zone: &str,
    start: Option<Instant>,
    zone_tz: &Zone,
    gap: Option<Gap>,
    picked: Option<i64>,
    reader: &Reader,
) -> String {
    let mut url = format!(
        "/book/{username}/{type_id}?tz={}{}",
        encode(zone),
        length_carry(picked)
    );
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
        let end = ctx.start.plus_minutes(ctx.minutes());
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
    /// The length picked, when not the type's own.
    picked: Option<i64>,
}

impl DetailsContext {
    fn minutes(&self) -> i64 {
        self.picked.unwrap_or(self.meeting.duration)
    }
}

/// Back to the type's calendar at the chosen day, saying why the time cannot be booked.
fn back_to_calendar(
    username: &str,
    type_id: &str,
    ctx: &DetailsContext,
    gap: Gap,
    reader: &Reader,
) -> Response {
    let (zone, start) = (&ctx.zone, Some(ctx.start));
    let url = calendar_url(
        username,
        type_id,
        zone.name(),
        start,
        zone,
        Some(gap),
        ctx.picked,
        reader,
    );
    Redirect::to(&url).into_response()
}

/// Resolves the page's host, type, zone and start, or the response to send instead.
/// What the guest asked for, as the page's query or form sent it.
struct Asked<'a> {
    start: Option<&'a str>,
    tz: Option<&'a str>,
    duration: Option<&'a str>,
}

async fn details_context(
    state: &AppState,
    username: &str,
    type_id: &str,
    asked: Asked<'_>,
    reader: &Reader,
    headers: &HeaderMap,
) -> Result<DetailsContext, Response> {
    let Asked {
        start,
        tz,
        duration,
    } = asked;
    let (host, meeting) = host_and_type(state, username, type_id, reader.lang)
        .await
        .map_err(|m| not_found_for(reader, headers, &m))?;
    let picked = picked_length(&meeting, duration);
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
            picked,
            reader,
        ))
        .into_response());
    };
    Ok(DetailsContext {
        host,
        meeting,
        zone,
        start,
        picked,
    })
}

fn render_details(
    state: &AppState,
    reader: &Reader,
    headers: &HeaderMap,
    status: StatusCode,
    ctx: &DetailsContext,
    typed: &Fields,
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
    card.duration = Some(ctx.minutes());
    card.when = Some(format!(
        "{when} ({})",
        crate::web::guest::zones::place(ctx.zone.name())
    ));
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
        duration: ctx.picked,
        request_only: ctx
            .meeting
            .offer
            .approval
            .needed(ctx.start, Instant::from(state.clock.now())),
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

pub(crate) async fn details_page(
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
        Asked {
            start: query.start.as_deref(),
            tz: query.tz.as_deref(),
            duration: query.duration.as_deref(),
        },
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
        ctx.picked,
        None,
        None,
        state.clock.now(),
    )
    .await
    .is_ok_and(|a| a.slots.iter().any(|s| s.start == ctx.start));
    if !offered {
        let gap = Gap::of(&state, &ctx).await;
        return back_to_calendar(&username, &type_id, &ctx, gap, &reader);
    }
    let page = render_details(
        &state,
        &reader,
        &headers,
        StatusCode::OK,
        &ctx,
        &Fields::default(),
        Vec::new(),
    );
    framable(page, &ctx.host.embed_origins)
}

/// The API's booking body from the form (answers typed by their question).
fn booking_body(meeting: &MeetingTypeRecord, ctx: &DetailsContext, typed: &Fields) -> Value {
    let first = |name: &str| typed.first(name).to_owned();
    let mut answers = Map::new();
    for q in meeting.questions.as_array().into_iter().flatten() {
        let id = q["id"].as_str().unwrap_or_default();
        let name = question_field_name(id);
        let value = match q["type"].as_str().unwrap_or_default() {
            "checkbox" => Value::Bool(first(&name) == "yes"),
            "multiple_choice" => json!(typed.all(&name).to_vec()),
            _ => Value::String(first(&name)),
        };
        answers.insert(id.to_owned(), value);
    }
    json!({
        "meetingTypeId": meeting.id,
        "duration": ctx.minutes(),
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

pub(crate) async fn submit_details(
    State(state): State<AppState>,
    Path((username, type_id)): Path<(String, String)>,
    reader: Reader,
    headers: HeaderMap,
    visit: Visit,
    Form(typed): Form<Fields>,
) -> Response {
    visit.count(&state, &username, Step::Submit);
    let get = |name: &str| typed.get(name);
    let ctx = match details_context(
        &state,
        &username,
        &type_id,
        Asked {
            start: get("start"),
            tz: get("tz"),
            duration: get("duration"),
        },
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
    let honeypot = typed.all("website").iter().any(|w| !w.trim().is_empty());
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
        let (record, tx) = booking::book(&state.store, &state.sealer, prepared, now).await?;
        tx.commit().await?;
        crate::metrics::count(crate::metrics::Counter::Bookings, record.source.as_str());
        Ok::<BookingRecord, ServiceError>(record)
    }
    .await;
    match result {
        Ok(record) => {
            visit.count(&state, &username, Step::Booked);
            let token = record.guest_token.unwrap_or_default();
            // Embedded, the page then tells the parent site (`novacrm:booked`).
            let announce = if reader.embedded { "&done=booked" } else { "" };
            Redirect::to(&format!(
                "/booking/{token}{}{announce}",
                reader.carry_alone()
            ))
            .into_response()
        }
        // The guest's own standing, not the time: said on the form, by the address.
        Err(ServiceError::Refused {
            code: "guest_limit",
            message,
        }) => framable(
            render_details(
                &state,
                &reader,
                &headers,
                StatusCode::CONFLICT,
                &ctx,
                &typed,
                vec![FieldError::new("guestEmail", message)],
            ),
            &ctx.host.embed_origins,
        ),
        Err(ServiceError::Conflict(_) | ServiceError::Refused { .. }) => {
            back_to_calendar(&username, &type_id, &ctx, Gap::Taken, &reader)
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
