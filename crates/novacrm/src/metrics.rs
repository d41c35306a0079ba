//! What `/metrics` reports (Prometheus text format 0.0.4): counters and latency histograms
//! this process keeps (HTTP requests by route, bookings made, outbound failures by
//! integration, rate-limit refusals); the job queue is read from the database at scrape time.
//! A leaf: the web layer, the services and the worker count into the one registry.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{LazyLock, Mutex, PoisonError};

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
struct Inner {
    /// (route, method, status) → requests.
    requests: BTreeMap<(String, String, u16), u64>,
    /// route → latency.
    latency: BTreeMap<String, Histogram>,
    /// (counter, label value) → count, for the named counters of [`Counter`].
    counters: BTreeMap<(Counter, String), u64>,
}

/// The counters other layers bump, each with one label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Counter {
    /// Bookings made, by where (`public_api`, `page`).
    Bookings,
    /// Outbound calls that failed, by integration (the job kind: `email`, `webhook`…).
    OutboundFailures,
    /// Requests refused by a rate limit, by budget (`read`, `write`, `host`).
    RateLimited,
}

impl Counter {
    fn name(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Self::Bookings => (
                "novacrm_bookings_total",
                "source",
                "Bookings made by this process.",
            ),
            Self::OutboundFailures => (
                "novacrm_outbound_failures_total",
                "integration",
                "Outbound calls (email, SMS, webhooks, calendars, video) that failed.",
            ),
            Self::RateLimited => (
                "novacrm_rate_limited_total",
                "budget",
                "Requests refused with 429 by a rate limit.",
            ),
        }
    }
}

static REGISTRY: LazyLock<Mutex<Inner>> = LazyLock::new(Mutex::default);

fn registry() -> std::sync::MutexGuard<'static, Inner> {
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One HTTP request answered: its route pattern (`/book/{username}`), method and status.
pub fn observe_request(route: &str, method: &str, status: u16, seconds: f64) {
    let mut inner = registry();
    *inner
        .requests
        .entry((route.to_owned(), method.to_owned(), status))
        .or_default() += 1;
    let histogram = inner.latency.entry(route.to_owned()).or_default();
    histogram.count += 1;
    histogram.sum += seconds;
    for (bound, count) in BUCKETS.iter().zip(histogram.counts.iter_mut()) {
        if seconds <= *bound {
            *count += 1;
        }
    }
}

pub fn count(counter: Counter, label: &str) {
    *registry()
        .counters
        .entry((counter, label.to_owned()))
        .or_default() += 1;
}

/// A gauge read at scrape time: name, help, and `(labels, value)` samples.
#[derive(Debug)]
pub struct Gauge {
    pub name: &'static str,
    pub help: &'static str,
    /// `({labels}, value)`, the value as written.
    pub samples: Vec<(String, String)>,
}

/// The exposition: this process's counters and histograms, then `gauges`.
pub fn render(gauges: &[Gauge]) -> String {
    let inner = registry();
    let mut out = String::new();
    out.push_str("# HELP novacrm_http_requests_total HTTP requests answered, by route pattern, method and status.\n# TYPE novacrm_http_requests_total counter\n");
    for ((route, method, status), n) in &inner.requests {
        let _ = writeln!(
            out,
            "novacrm_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {n}",
            escape(route)
        );
    }
    out.push_str("# HELP novacrm_http_request_duration_seconds Time to answer, by route pattern.\n# TYPE novacrm_http_request_duration_seconds histogram\n");
    for (route, h) in &inner.latency {
        let route = escape(route);
        for (bound, n) in BUCKETS.iter().zip(h.counts) {
            let _ = writeln!(
                out,
                "novacrm_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "novacrm_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}\nnovacrm_http_request_duration_seconds_sum{{route=\"{route}\"}} {}\nnovacrm_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
            h.count, h.sum, h.count
        );
    }
    for counter in [
        Counter::Bookings,
        Counter::OutboundFailures,
        Counter::RateLimited,
    ] {
        let (name, label, help) = counter.name();
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
        for ((c, value), n) in &inner.counters {
            if *c == counter {
                let _ = writeln!(out, "{name}{{{label}=\"{}\"}} {n}", escape(value));
            }
        }
    }
    for gauge in gauges {
        let _ = writeln!(
            out,
            "# HELP {} {}\n# TYPE {} gauge",
            gauge.name, gauge.help, gauge.name
        );
        for (labels, value) in &gauge.samples {
            let _ = writeln!(out, "{}{labels} {value}", gauge.name);
        }
    }
    out
}

/// A label value as the text format needs it.
pub fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
