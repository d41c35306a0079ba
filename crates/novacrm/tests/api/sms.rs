//! Text messages through Twilio's REST API (its stand-in): reminders, a `C` reply that cancels,
//! and STOP, with inbound webhooks signed as Twilio signs them.

use novacrm::integrations::sms::twilio_signature;

use crate::support::app::{Backend, TestApp, spawn_app};

use crate::messages::{TUE_9, WED_9, book, reminders_to, state_of};

/// An inbound text as Twilio posts it; its `MessageSid` follows from the body (one message,
/// one sid).
fn webhook_params(from: &str, body: &str) -> Vec<(String, String)> {
    let sid = novacrm::crypto::hex(body.as_bytes());
    let sid = format!("SM{sid:0>32}");
    [
        ("AccountSid", "AC00000000000000000000000000000001"),
        ("MessageSid", sid.as_str()),
        ("From", from),
        ("To", "+15005550006"),
        ("Body", body),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect()
}

async fn inbound(app: &TestApp, params: &[(String, String)], signature: &str) -> u16 {
    app.client
        .post(app.url("/webhooks/twilio/sms"))
        .header("x-twilio-signature", signature)
        .form(params)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn texts_remind_and_a_c_reply_cancels(backend: Backend) {
    let app = spawn_app(backend).await;
    let booked = book(&app, TUE_9, "ada@example.com", Some("+1 (415) 555-0100")).await;
    let id = booked["id"].as_str().unwrap();
    app.run_jobs().await;
    app.set_now("2026-11-23T14:00:00Z");
    assert_eq!(app.run_jobs().await, 2, "the email and the text reminder");
    let texts = app.twilio.texts();
    assert_eq!(texts.len(), 1);
    assert_eq!(texts[0].to, "+14155550100");
    assert_eq!(texts[0].from, "+15005550006");
    assert!(
        texts[0].body.contains("Reply C to cancel"),
        "{}",
        texts[0].body
    );
    assert!(!texts[0].body.contains("CANCEL"));
    assert!(
        texts[0]
            .body
            .contains(booked["manageUrl"].as_str().unwrap())
    );

    let params = webhook_params("+14155550100", " c ");
    let url = app.url("/webhooks/twilio/sms");
    assert_eq!(inbound(&app, &params, "forged").await, 403);
    let wrong_key = twilio_signature("not-the-token", &url, &params);
    assert_eq!(inbound(&app, &params, &wrong_key).await, 403);
    assert_eq!(state_of(&app, id).await["status"], "CONFIRMED");
    let signature = twilio_signature(&app.twilio.auth_token, &url, &params);
    assert_eq!(inbound(&app, &params, &signature).await, 200);
    let cancelled = state_of(&app, id).await;
    assert_eq!(cancelled["status"], "CANCELLED");
    assert_eq!(cancelled["cancelReason"], "Cancelled by text message");
    assert_eq!(
        app.run_jobs().await,
        3,
        "two notices and the confirming text"
    );
    let last = app.twilio.texts().pop().unwrap();
    assert!(
        last.body
            .starts_with("Cancelled: your Consultation with Jane Smith"),
        "{}",
        last.body
    );
    // The same signed request, sent again after a new booking: answered, and nothing more.
    let again = book(&app, WED_9, "ada@example.com", Some("+14155550100")).await;
    assert_eq!(inbound(&app, &params, &signature).await, 200);
    let again = state_of(&app, again["id"].as_str().unwrap()).await;
    assert_eq!(again["status"], "CONFIRMED", "a replay cancels nothing");
}

async fn stop_silences_text_reminders(backend: Backend) {
    let app = spawn_app(backend).await;
    book(&app, TUE_9, "ada@example.com", Some("+14155550100")).await;
    let url = app.url("/webhooks/twilio/sms");
    let params = webhook_params("+14155550100", "STOP");
    let signature = twilio_signature(&app.twilio.auth_token, &url, &params);
    assert_eq!(inbound(&app, &params, &signature).await, 200);
    app.set_now("2026-11-23T14:00:00Z");
    app.run_jobs().await;
    assert!(app.twilio.texts().is_empty(), "STOP means no texts");
    assert_eq!(
        reminders_to(&app, "ada@example.com"),
        1,
        "the email still goes"
    );
    // START lets them through again.
    let params = webhook_params("+14155550100", "START");
    let signature = twilio_signature(&app.twilio.auth_token, &url, &params);
    assert_eq!(inbound(&app, &params, &signature).await, 200);
    assert!(!app.store.sms_opted_out("+14155550100").await.unwrap());
}

crate::on_both_backends!(
    texts_remind_and_a_c_reply_cancels,
    stop_silences_text_reminders
);
