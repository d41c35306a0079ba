//! The API's contract: the OpenAPI document covers every route, and every write endpoint refuses bad bodies without changing anything.

use reqwest::Method;
use serde_json::json;

use crate::support::app::{Backend, TUE_9, assert_problem, fields, spawn_app};

async fn the_openapi_document_covers_every_route(backend: Backend) {
    let app = spawn_app(backend).await;
    let doc = app.get("/api/openapi.json").await;
    assert_eq!(doc.status, 200);
    assert_eq!(doc.body["openapi"], "3.1.0");
    // The router is built from this table alone; each path's methods are checked against
    // the live router's own 405 answer, so the table is the router, and every entry must be
    // in the document.
    for (path, methods) in novacrm::web::api::table() {
        for method in methods {
            assert!(
                doc.body["paths"][path][method].is_object(),
                "{method} {path} is undocumented"
            );
        }
        let concrete = path
            .split('/')
            .map(|part| if part.starts_with('{') { "x" } else { part })
            .collect::<Vec<_>>()
            .join("/");
        let refused = app
            .client
            .request(Method::TRACE, app.url(&concrete))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 405, "TRACE {concrete}");
        let mut allowed: Vec<String> = refused.headers()["allow"]
            .to_str()
            .unwrap()
            .split(',')
            .map(|m| m.trim().to_ascii_lowercase())
            .filter(|m| m != "head")
            .collect();
        allowed.sort();
        let mut declared: Vec<String> = methods.iter().map(ToString::to_string).collect();
        declared.sort();
        assert_eq!(
            allowed, declared,
            "{path}: the router answers what the table says"
        );
    }
    // And the document names no JSON route the router does not serve.
    let table = novacrm::web::api::table();
    for (path, item) in doc.body["paths"].as_object().unwrap() {
        if !path.starts_with("/api/") {
            continue;
        }
        for method in item.as_object().unwrap().keys() {
            assert!(
                table
                    .iter()
                    .any(|(p, ms)| p == path && ms.contains(&method.as_str())),
                "{method} {path} is documented but not routed"
            );
        }
    }
    let ui = app.client.get(app.url("/api/docs/")).send().await.unwrap();
    assert_eq!(ui.status(), 200);
    assert!(ui.text().await.unwrap().contains("swagger"));
}

async fn every_write_endpoint_refuses_bad_bodies_and_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let booked = app.book(&app.quick_call, TUE_9, "a@example.com").await;
    let booking = booked.body["id"].as_str().unwrap().to_owned();
    let settings_before = app
        .authed(Method::GET, "/api/availability", None)
        .await
        .body;
    let types_before = app
        .authed(Method::GET, "/api/meeting-types", None)
        .await
        .body;
    let bookings_before = app.authed(Method::GET, "/api/bookings", None).await.body;
    let endpoints = [
        (
            Method::PATCH,
            "/api/availability".to_owned(),
            json!({"bufferTime": "15"}),
        ),
        (
            Method::POST,
            "/api/meeting-types".to_owned(),
            json!({"name": "X", "duration": "30"}),
        ),
        (
            Method::PATCH,
            format!("/api/meeting-types/{}", app.quick_call),
            json!({"duration": [15]}),
        ),
        (
            Method::PATCH,
            format!("/api/bookings/{booking}"),
            json!({"status": 5}),
        ),
        (
            Method::POST,
            "/api/blocked-time".to_owned(),
            json!({"startTime": 5, "endTime": true}),
        ),
        (
            Method::POST,
            "/api/public/booking/jane/book".to_owned(),
            json!({"meetingTypeId": app.quick_call, "startTime": {}}),
        ),
    ];
    for (method, path, wrong_types) in endpoints {
        assert_problem(&app.raw(method.clone(), &path, "{\"oops\": ").await, 400);
        assert_problem(&app.raw(method.clone(), &path, "[]").await, 400);
        assert_problem(
            &app.raw(
                method.clone(),
                &path,
                &format!("{{\"pad\":\"{}\"}}", "x".repeat(70_000)),
            )
            .await,
            413,
        );
        let form = app
            .client
            .request(method.clone(), app.url(&path))
            .bearer_auth(&app.token)
            .header("content-type", "text/plain")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(form.status(), 415, "{method} {path}");
        let typed = app.authed(method.clone(), &path, Some(wrong_types)).await;
        assert_problem(&typed, 422);
        assert!(
            !fields(&typed).is_empty(),
            "{method} {path}: {:?}",
            typed.body
        );
    }
    for (method, path) in [
        (Method::PATCH, "/api/meeting-types/nope"),
        (Method::DELETE, "/api/meeting-types/nope"),
        (Method::PATCH, "/api/bookings/nope"),
        (Method::DELETE, "/api/blocked-time/nope"),
    ] {
        let body = (method == Method::PATCH).then(|| json!({"status": "CANCELLED", "name": "x"}));
        assert_problem(&app.authed(method, path, body).await, 404);
    }
    assert_eq!(
        app.authed(Method::GET, "/api/availability", None)
            .await
            .body,
        settings_before
    );
    assert_eq!(
        app.authed(Method::GET, "/api/meeting-types", None)
            .await
            .body,
        types_before
    );
    assert_eq!(
        app.authed(Method::GET, "/api/bookings", None).await.body,
        bookings_before
    );
    assert_eq!(
        app.authed(Method::GET, "/api/blocked-time", None)
            .await
            .body,
        json!([])
    );
}

/// JSON answers are gzipped for a client that accepts gzip, and sent plain to one that says
/// `gzip;q=0` or nothing; the decompressed body is the same document.
async fn json_is_compressed_where_the_client_accepts_it(backend: Backend) {
    use std::io::Read;
    let app = spawn_app(backend).await;
    let path = format!(
        "/api/public/booking/jane/availability?meetingTypeId={}",
        app.quick_call
    );
    let fetch = |encoding: Option<&'static str>| {
        let mut request = app.client.get(app.url(&path));
        if let Some(encoding) = encoding {
            request = request.header("accept-encoding", encoding);
        }
        async move { request.send().await.unwrap() }
    };
    let plain = fetch(None).await;
    assert_eq!(plain.status(), 200);
    assert!(plain.headers().get("content-encoding").is_none());
    let plain: serde_json::Value = plain.json().await.unwrap();
    assert!(!plain["slots"].as_array().unwrap().is_empty(), "{plain}");

    let zipped = fetch(Some("br;q=1, gzip;q=0.8")).await;
    assert_eq!(zipped.status(), 200);
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    let bytes = zipped.bytes().await.unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut text)
        .unwrap();
    let unzipped: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(unzipped, plain);

    let refused = fetch(Some("gzip;q=0")).await;
    assert!(refused.headers().get("content-encoding").is_none());
}

crate::on_both_backends!(
    the_openapi_document_covers_every_route,
    json_is_compressed_where_the_client_accepts_it,
    every_write_endpoint_refuses_bad_bodies_and_changes_nothing,
);
