//! The guest pages in the guest's language: chosen from `Accept-Language` (by q-value), or
//! with `?lang=` from the switcher, which the pages' own links and forms then carry on; dates
//! and times written the language's way, with the region's week start and clock.

use crate::support::app::{Backend, TestApp, no_redirects, spawn_app};
use crate::support::forms::form;

/// Tuesday 2026-11-24 09:00 New York, 15:00 in Berlin: the first free time.
const START: &str = "2026-11-24T14:00:00Z";

async fn page_in(app: &TestApp, path: &str, accept_language: Option<&str>) -> String {
    let mut request = app.client.get(app.url(path));
    if let Some(language) = accept_language {
        request = request.header("accept-language", language);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.unwrap()
}

/// The calendar's column heads, in order (their `abbr`).
fn weekday_heads(page: &str) -> Vec<&str> {
    page.split("<th scope=\"col\" abbr=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect()
}

/// What one language's pages must say.
struct Expected {
    accept_language: &'static str,
    lang: &'static str,
    heading: &'static str,
    month: &'static str,
    day: &'static str,
    time: &'static str,
    afternoon: &'static str,
    first_weekday: &'static str,
    when: &'static str,
    notes_label: &'static str,
    submit: &'static str,
}

async fn the_pages_speak(backend: Backend, expected: Expected) {
    let app = spawn_app(backend).await;
    let ty = &app.consultation;
    let header = Some(expected.accept_language);
    let calendar = page_in(&app, &format!("/book/jane/{ty}?tz=Europe/Berlin"), header).await;
    assert!(
        calendar.contains(&format!("<html lang=\"{}\">", expected.lang)),
        "{calendar}"
    );
    for text in [
        expected.heading,
        expected.month,
        expected.day,
        expected.afternoon,
    ] {
        assert!(calendar.contains(text), "{}: {text}", expected.lang);
    }
    assert!(
        calendar.contains(&format!(">{}<", expected.time)),
        "{}: {}",
        expected.lang,
        expected.time
    );
    assert_eq!(weekday_heads(&calendar)[0], expected.first_weekday);
    for (code, name) in [
        ("en", "English"),
        ("de", "Deutsch"),
        ("fr", "Français"),
        ("es", "Español"),
    ] {
        assert!(
            calendar.contains(&format!("lang=\"{code}\" hreflang=\"{code}\"")),
            "the switcher offers {name}"
        );
        assert!(calendar.contains(&format!(">{name}</a>")));
    }

    let details = page_in(
        &app,
        &format!("/book/jane/{ty}/details?start={START}&tz=Europe/Berlin"),
        header,
    )
    .await;
    for text in [expected.when, expected.notes_label, expected.submit] {
        assert!(details.contains(text), "{}: {text}", expected.lang);
    }
}

pub async fn german_guests_read_german(backend: Backend) {
    the_pages_speak(
        backend,
        Expected {
            accept_language: "de-DE,de;q=0.9,en;q=0.8",
            lang: "de",
            heading: "Datum und Uhrzeit auswählen",
            month: "November 2026",
            day: "Dienstag, 24. November",
            time: "15:00",
            afternoon: "<h3>Nachmittag</h3>",
            first_weekday: "Montag",
            when: "Dienstag, 24. November 2026 um 15:00",
            notes_label: "Worüber möchten Sie sprechen?",
            submit: "Termin buchen",
        },
    )
    .await;
}

pub async fn french_guests_read_french(backend: Backend) {
    the_pages_speak(
        backend,
        Expected {
            accept_language: "fr-FR,fr;q=0.9",
            lang: "fr",
            heading: "Choisissez une date et une heure",
            month: "novembre 2026",
            day: "mardi 24 novembre",
            time: "15:00",
            afternoon: "<h3>Après-midi</h3>",
            first_weekday: "lundi",
            when: "mardi 24 novembre 2026 à 15:00",
            notes_label: "De quoi souhaitez-vous parler",
            submit: "Réserver le rendez-vous",
        },
    )
    .await;
}

pub async fn spanish_guests_read_spanish(backend: Backend) {
    the_pages_speak(
        backend,
        Expected {
            accept_language: "es-ES,es;q=0.9",
            lang: "es",
            heading: "Selecciona una fecha y una hora",
            month: "noviembre de 2026",
            day: "martes, 24 de noviembre",
            time: "15:00",
            afternoon: "<h3>Tarde</h3>",
            first_weekday: "lunes",
            when: "martes, 24 de noviembre de 2026, 15:00",
            notes_label: "¿De qué te gustaría hablar?",
            submit: "Reservar reunión",
        },
    )
    .await;
}

pub async fn english_stays_the_default_with_us_conventions(backend: Backend) {
    the_pages_speak(
        backend,
        Expected {
            accept_language: "it-IT,it;q=0.9,en-US;q=0.8",
            lang: "en",
            heading: "Select a date and time",
            month: "November 2026",
            day: "Tuesday, November 24",
            time: "15:00",
            afternoon: "<h3>Afternoon</h3>",
            first_weekday: "Monday",
            when: "Tuesday, November 24, 2026 at 15:00",
            notes_label: "What would you like to discuss?",
            submit: "Book meeting",
        },
    )
    .await;
    // No header at all: English, the US week and clock.
    let app = spawn_app(backend).await;
    let ty = &app.consultation;
    let calendar = page_in(&app, &format!("/book/jane/{ty}?tz=Europe/Berlin"), None).await;
    assert!(calendar.contains("<html lang=\"en\">"));
    assert!(calendar.contains(">3:00 PM<") && calendar.contains("Select a date and time"));
    assert_eq!(weekday_heads(&calendar)[0], "Sunday");
}

/// `?lang=` beats `Accept-Language`, and the flow carries it on: days, times, the details
/// form, the booking page after it; the cached calendar never answers in another language.
pub async fn the_switcher_overrides_the_browser_language(backend: Backend) {
    let app = spawn_app(backend).await;
    let ty = &app.consultation;
    let german = Some("de-DE");
    let path = format!("/book/jane/{ty}?tz=Europe/Berlin");
    let calendar = page_in(&app, &format!("{path}&lang=fr"), german).await;
    assert!(calendar.contains("<html lang=\"fr\">") && calendar.contains("novembre 2026"));
    assert!(calendar.contains(">15:00<"), "the region's clock stays");
    assert_eq!(weekday_heads(&calendar)[0], "lundi");
    assert!(
        calendar.contains("&#38;lang=fr\">15:00</a>")
            || calendar.contains("&amp;lang=fr\">15:00</a>"),
        "the times carry the language: {calendar}"
    );
    assert!(
        calendar.contains("<input type=\"hidden\" name=\"lang\" value=\"fr\">"),
        "the zone form carries it"
    );
    assert!(calendar.contains("aria-current=\"true\">Français</a>"));
    assert!(
        calendar.contains("tz=Europe/Berlin&#38;lang=de\"")
            || calendar.contains("tz=Europe/Berlin&amp;lang=de\""),
        "the switcher keeps the other parameters"
    );

    // The same address without ?lang= is German for this reader, English for another: the
    // page cache keeps them apart.
    let vary = app.client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(vary.headers()["vary"], "accept-encoding, accept-language");
    let again = page_in(&app, &path, german).await;
    assert!(again.contains("<html lang=\"de\">") && again.contains("Dienstag, 24. November"));
    let english = page_in(&app, &path, Some("en-US")).await;
    assert!(english.contains("<html lang=\"en\">") && english.contains(">3:00 PM<"));

    let details_path = format!("/book/jane/{ty}/details?start={START}&tz=Europe/Berlin&lang=fr");
    let details = page_in(&app, &details_path, german).await;
    assert!(details.contains("mardi 24 novembre 2026 à 15:00"));
    let booked = no_redirects()
        .post(app.url(&details_path))
        .header("accept-language", "de-DE")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[
            ("start", START),
            ("tz", "Europe/Berlin"),
            ("guestName", "Anne Invitée"),
            ("guestEmail", "anne@example.com"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(booked.status(), 303);
    let location = booked.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.ends_with("?lang=fr"), "{location}");
    let confirmed = page_in(&app, &location, german).await;
    assert!(
        confirmed.contains("Votre rendez-vous est confirmé"),
        "{confirmed}"
    );
    assert!(confirmed.contains("mardi 24 novembre 2026 à 15:00"));

    // A page we cannot find says so in the reader's language too.
    let missing = app
        .client
        .get(app.url("/book/nobody"))
        .header("accept-language", "es")
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let missing = missing.text().await.unwrap();
    assert!(missing.contains("Aquí no hay nada que reservar") && missing.contains("/book/nobody"));
}

crate::on_both_backends!(
    german_guests_read_german,
    french_guests_read_french,
    spanish_guests_read_spanish,
    english_stays_the_default_with_us_conventions,
    the_switcher_overrides_the_browser_language,
);
