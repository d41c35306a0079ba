//! The booking as an iCalendar file (RFC 5545): a stable UID (the booking id), UTC times,
//! escaped text and folded lines, so every calendar reads it the same way.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use scheduling::{BookingStatus, Instant};

use super::guest::{GuestBooking, guest_booking};
use super::not_found;
use crate::web::AppState;

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace("\r\n", "\\n")
        .replace('\n', "\\n")
}

fn stamp(at: Instant) -> String {
    at.to_timestamp().strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// Folds a content line at 75 octets (continuation lines start with a space).
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for ch in line.chars() {
        if width + ch.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(ch);
        width += ch.len_utf8();
    }
    out.push_str("\r\n");
}

pub fn calendar(found: &GuestBooking, domain: &str) -> String {
    let GuestBooking {
        booking,
        host,
        meeting,
        ..
    } = found;
    let status = if booking.status == BookingStatus::Cancelled {
        "CANCELLED"
    } else {
        "CONFIRMED"
    };
    let mut description = format!("{} minutes with {}.", meeting.duration, host.name);
    if let Some(notes) = &booking.meeting_notes {
        description.push_str("\n\n");
        description.push_str(notes);
    }
    let lines = [
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//NovaCRM//Scheduling//EN".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        "METHOD:PUBLISH".to_owned(),
        "BEGIN:VEVENT".to_owned(),
        format!("UID:{}@{domain}", booking.id),
        format!("DTSTAMP:{}", stamp(booking.updated_at)),
        format!("DTSTART:{}", stamp(booking.start)),
        format!("DTEND:{}", stamp(booking.end)),
        format!(
            "SUMMARY:{}",
            escape(&format!("{} with {}", meeting.name, host.name))
        ),
        format!("DESCRIPTION:{}", escape(&description)),
        format!(
            "ORGANIZER;CN=\"{}\":mailto:{}",
            host.name.replace('"', "'"),
            host.email
        ),
        format!(
            "ATTENDEE;CN=\"{}\";ROLE=REQ-PARTICIPANT:mailto:{}",
            booking.guest_name.replace('"', "'"),
            booking.guest_email
        ),
        format!("STATUS:{status}"),
        "END:VEVENT".to_owned(),
        "END:VCALENDAR".to_owned(),
    ];
    let mut out = String::new();
    for line in lines {
        fold(&line, &mut out);
    }
    out
}

pub async fn download(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(found) = guest_booking(&state, &token).await else {
        return not_found(
            &headers,
            "We could not find this booking. The link may be incomplete.",
        );
    };
    let domain = state
        .config
        .public_url
        .as_deref()
        .and_then(|u| u.split("://").nth(1))
        .map_or("novacrm.local", |rest| {
            rest.split(['/', ':']).next().unwrap_or("novacrm.local")
        })
        .to_owned();
    let mut response = calendar(&found, &domain).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"meeting.ics\""),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_at_75_octets_and_text_is_escaped() {
        let mut out = String::new();
        fold(&format!("DESCRIPTION:{}", "é".repeat(60)), &mut out);
        assert!(out.split("\r\n").all(|l| l.len() <= 75));
        assert_eq!(escape("a;b,c\nd\\"), "a\\;b\\,c\\nd\\\\");
    }
}
