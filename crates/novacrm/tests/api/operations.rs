//! What operators watch: `/readyz` (the database answers and has this build's migrations),
//! `/metrics` in the Prometheus text format — parsed here line by line as a scraper would —
//! and that both of the internal answers stay with the machines allowed to ask.

use std::collections::HashMap;

use crate::support::app::{Backend, TUE_9, spawn_app, spawn_app_with};

/// Samples by metric name and labels.
type Samples = HashMap<(String, Vec<(String, String)>), f64>;

/// A sample: metric name and labels → value. Fails on any line a scraper would reject.
fn parse_prometheus(text: &str) -> Samples {
    let mut samples = HashMap::new();
    let mut typed: HashMap<String, String> = HashMap::new();
    for line in text.lines() {
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# ") {
            let mut parts = rest.splitn(3, ' ');
            let (keyword, name, tail) =
                (parts.next().unwrap(), parts.next().unwrap(), parts.next());
            match keyword {
                "HELP" => assert!(tail.is_some_and(|h| !h.is_empty()), "{line}"),
                "TYPE" => {
                    let kind = tail.unwrap();
                    assert!(["counter", "gauge", "histogram"].contains(&kind), "{line}");
                    assert!(
                        typed.insert(name.to_owned(), kind.to_owned()).is_none(),
                        "one TYPE per metric: {line}"
                    );
                }
                _ => panic!("unknown comment {line}"),
            }
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("value of {line}"));
        let (name, labels) = match series.split_once('{') {
            Some((name, rest)) => {
                let body = rest.strip_suffix('}').unwrap_or_else(|| panic!("{line}"));
                let mut labels = Vec::new();
                let mut rest = body;
                while !rest.is_empty() {
                    let (key, after) = rest.split_once("=\"").unwrap_or_else(|| panic!("{line}"));
                    let mut value = String::new();
                    let mut chars = after.char_indices();
                    let end = loop {
                        match chars.next() {
                            Some((_, '\\')) => value.push(chars.next().unwrap().1),
                            Some((i, '"')) => break i,
                            Some((_, c)) => value.push(c),
                            None => panic!("unterminated label in {line}"),
                        }
                    };
                    labels.push((key.to_owned(), value));
                    rest = after[end + 1..]
                        .strip_prefix(',')
                        .unwrap_or(&after[end + 1..]);
                }
                (name, labels)
            }
            None => (series, Vec::new()),
        };
        assert!(
            name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
            "metric name {name}"
        );
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| name.strip_suffix(s))
            .filter(|base| typed.get(*base).is_some_and(|t| t == "histogram"))
            .unwrap_or(name);
        assert!(
            typed.contains_key(family),
            "a sample before its TYPE: {line}"
        );
        samples.insert((name.to_owned(), labels), value);
    }
    samples
}

fn sample(samples: &Samples, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let labels: Vec<(String, String)> = labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    samples.get(&(name.to_owned(), labels)).copied()
}

async fn operators_see_readiness_and_metrics(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_eq!(app.get("/readyz").await.status, 200);
    app.get("/book/jane").await;
    let booked = app.book(&app.quick_call, TUE_9, "ops@example.com").await;
    assert_eq!(booked.status, 201);
    let scraped = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(scraped.status(), 200);
    assert!(
        scraped.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let samples = parse_prometheus(&scraped.text().await.unwrap());
    let page = [
        ("route", "/book/{username}"),
        ("method", "GET"),
        ("status", "200"),
    ];
    assert!(sample(&samples, "novacrm_http_requests_total", &page).unwrap() >= 1.0);
    let book = [
        ("route", "/api/public/booking/{username}/book"),
        ("method", "POST"),
        ("status", "201"),
    ];
    assert!(sample(&samples, "novacrm_http_requests_total", &book).unwrap() >= 1.0);
    let route = "/api/public/booking/{username}/book";
    let count = sample(
        &samples,
        "novacrm_http_request_duration_seconds_count",
        &[("route", route)],
    )
    .unwrap();
    let all = sample(
        &samples,
        "novacrm_http_request_duration_seconds_bucket",
        &[("route", route), ("le", "+Inf")],
    )
    .unwrap();
    assert!((count - all).abs() < f64::EPSILON && count >= 1.0);
    assert!(
        sample(
            &samples,
            "novacrm_bookings_total",
            &[("source", "public_api")]
        )
        .unwrap()
            >= 1.0
    );
    // The booking's two emails wait in the queue (the suite runs the worker by hand).
    assert_eq!(
        sample(&samples, "novacrm_jobs_due", &[("kind", "email")]),
        Some(2.0)
    );
    assert!(
        sample(
            &samples,
            "novacrm_jobs_oldest_due_seconds",
            &[("kind", "email")]
        )
        .is_some()
    );
    app.run_jobs().await;
    let samples = parse_prometheus(
        &app.client
            .get(app.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert_eq!(
        sample(&samples, "novacrm_jobs_due", &[("kind", "email")]),
        None
    );

    // A database behind this build's migrations is not ready.
    sqlx::query(
        "DELETE FROM schema_migration WHERE version = (SELECT MAX(version) FROM schema_migration)",
    )
    .execute(app.store.pool())
    .await
    .unwrap();
    assert_eq!(app.get("/readyz").await.status, 503);
}

async fn metrics_answer_only_allowed_peers(backend: Backend) {
    let app = spawn_app_with(backend, |c| {
        c.internal_allow = vec![("10.0.0.0".parse().unwrap(), 8)];
    })
    .await;
    assert_eq!(app.get("/metrics").await.status, 404);
    assert_eq!(
        app.get("/readyz").await.status,
        200,
        "readiness is for every balancer"
    );
}

crate::on_both_backends!(
    operators_see_readiness_and_metrics,
    metrics_answer_only_allowed_peers,
);
