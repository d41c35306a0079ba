//! Hosts at their own addresses (docs/DESIGN.md §13): `jane.{base}` and verified custom
//! domains serve jane's pages; verification is a real DNS lookup (hickory) against a local
//! DNS server; a domain whose record goes away stops serving; `/internal/tls-ask` answers
//! the proxy's on-demand TLS question only for names we serve, and only to allowed peers.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::app::no_redirects;
use crate::support::app::{Backend, NowTs, TestApp, assert_problem, fields, spawn_app_with};
use crate::support::forms::{dashboard_login, form, hidden_csrf};
use crate::support::outside::FakeDns;

const BASE: &str = "novacrm.test";

async fn app_with_dns(backend: Backend) -> (TestApp, FakeDns) {
    let dns = FakeDns::start().await;
    let at = dns.address;
    let app = spawn_app_with(backend, |c| {
        c.base_domain = Some(BASE.into());
        c.cname_target = Some(format!("domains.{BASE}"));
        c.dns_resolver = Some(at);
    })
    .await;
    (app, dns)
}

/// `GET path` as if sent to `host`: status and body.
async fn at_host(app: &TestApp, host: &str, path: &str) -> (u16, String) {
    let response = app
        .client
        .get(app.url(path))
        .header("Host", host)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn tls_ask(app: &TestApp, domain: &str) -> u16 {
    app.get(&format!("/internal/tls-ask?domain={domain}"))
        .await
        .status
}

async fn subdomains_serve_their_hosts_pages(backend: Backend) {
    let (app, _dns) = app_with_dns(backend).await;
    for host in [
        "jane.novacrm.test",
        "JANE.NovaCRM.test.",
        "jane.novacrm.test:8443",
    ] {
        let (status, page) = at_host(&app, host, "/book").await;
        assert_eq!(status, 200, "{host}");
        assert!(page.contains("Jane Smith"), "{host}");
    }
    let (status, page) = at_host(&app, "jane.novacrm.test", "/").await;
    assert_eq!(status, 200);
    assert!(page.contains("Quick Call"));
    let (status, page) = at_host(
        &app,
        "jane.novacrm.test",
        &format!("/book/{}", app.quick_call),
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("Quick Call"));
    // The long form keeps working there and everywhere.
    let (status, _) = at_host(&app, "jane.novacrm.test", "/book/jane").await;
    assert_eq!(status, 200);
    // No such host; and the service's own names are no host's.
    assert_eq!(at_host(&app, "nobody.novacrm.test", "/book").await.0, 404);
    assert_eq!(at_host(&app, "www.novacrm.test", "/book").await.0, 404);
    // Links on the page come from the public URL, never from the Host it was asked for.
    let (_, page) = at_host(&app, "evil.example", "/book/jane").await;
    assert!(!page.contains("evil.example"));
    // The proxy may get certificates for existing hosts' subdomains only.
    assert_eq!(tls_ask(&app, "jane.novacrm.test").await, 200);
    assert_eq!(tls_ask(&app, "Jane.NovaCRM.test.").await, 200);
    assert_eq!(tls_ask(&app, "nobody.novacrm.test").await, 404);
    assert_eq!(tls_ask(&app, "a.jane.novacrm.test").await, 404);
    assert_eq!(tls_ask(&app, "novacrm.test").await, 404);
    assert_eq!(tls_ask(&app, "127.0.0.1").await, 404);
}

async fn add(app: &TestApp, token: &str, domain: &str) -> crate::support::app::Answer {
    let request = app
        .client
        .post(app.url("/api/domains"))
        .bearer_auth(token)
        .json(&json!({ "domain": domain }));
    app.send(request).await
}

async fn verify(app: &TestApp, id: &str) -> Value {
    let answer = app
        .authed(Method::POST, &format!("/api/domains/{id}/verify"), None)
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    answer.body
}

async fn custom_domains_are_verified_by_dns_and_lapse_without_it(backend: Backend) {
    let (app, dns) = app_with_dns(backend).await;
    // Bad names are refused with a field error; nothing is added.
    for bad in [
        "192.0.2.7",
        "[2001:db8::1]",
        "jane.novacrm.test",
        "novacrm.test",
        "localhost",
        "a b.example",
        "book.example.com/x",
    ] {
        let refused = add(&app, &app.token, bad).await;
        assert_problem(&refused, 422);
        assert_eq!(fields(&refused), ["domain"], "{bad}");
    }
    let added = add(&app, &app.token, "Book.Acme.Example.").await;
    assert_eq!(added.status, 201, "{:?}", added.body);
    let domain = &added.body;
    assert_eq!(domain["domain"], "book.acme.example");
    assert_eq!(domain["status"], "pending");
    assert_eq!(domain["cname"], "domains.novacrm.test");
    assert_eq!(domain["txt"]["name"], "_novacrm.book.acme.example");
    let id = domain["id"].as_str().unwrap().to_owned();
    let value = domain["txt"]["value"].as_str().unwrap().to_owned();
    // International names are stored as punycode.
    let idn = add(&app, &app.token, "Bücher.Acme.Example").await;
    assert_eq!(idn.body["domain"], "xn--bcher-kva.acme.example");

    // Not served, and no certificate, before it is verified.
    assert_eq!(at_host(&app, "book.acme.example", "/book").await.0, 404);
    assert_eq!(tls_ask(&app, "book.acme.example").await, 404);
    let missing = verify(&app, &id).await;
    assert_eq!(missing["status"], "pending");
    assert!(
        missing["lastError"]
            .as_str()
            .unwrap()
            .contains("no TXT record"),
        "{missing}"
    );
    dns.set_txt(
        "_novacrm.book.acme.example",
        &["novacrm-verify=someone-else"],
    );
    let wrong = verify(&app, &id).await;
    assert_eq!(wrong["status"], "pending");
    assert!(
        wrong["lastError"].as_str().unwrap().contains("holds"),
        "{wrong}"
    );

    dns.set_txt("_novacrm.book.acme.example", &["v=spf1 -all", &value]);
    let verified = verify(&app, &id).await;
    assert_eq!(verified["status"], "verified", "{verified}");
    assert_eq!(verified["lastError"], Value::Null);
    let (status, page) = at_host(&app, "BOOK.acme.example", "/").await;
    assert_eq!(status, 200);
    assert!(page.contains("Jane Smith"));
    assert_eq!(
        at_host(
            &app,
            "book.acme.example",
            &format!("/book/{}", app.consultation)
        )
        .await
        .0,
        200
    );
    assert_eq!(tls_ask(&app, "book.acme.example").await, 200);
    assert_eq!(tls_ask(&app, "book.acme.example.").await, 200);

    // One domain, one host.
    let bob = app.add_host("bob", "Bob Jones").await;
    let bobs = novacrm::services::accounts::create_token(&app.store, &bob, app.clock.now_ts())
        .await
        .unwrap();
    let taken = add(&app, &bobs, "book.acme.example").await;
    assert_problem(&taken, 409);
    let listed = app.authed(Method::GET, "/api/domains", None).await.body;
    assert_eq!(listed.as_array().unwrap().len(), 2);

    // A resolver outage says nothing about the record: the six-hourly check keeps serving.
    dns.set_failing(true);
    let six_hours = jiff::SignedDuration::from_secs(6 * 3600 + 60);
    app.clock.set(app.clock.now_ts() + six_hours);
    assert!(app.run_jobs().await >= 1);
    let listed = app.authed(Method::GET, "/api/domains", None).await.body;
    let kept = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!(kept["status"], "verified", "{kept}");
    assert!(
        kept["lastError"].as_str().unwrap().contains("failed"),
        "{kept}"
    );
    dns.set_failing(false);
    // The record goes; the next check lapses the domain and it stops serving.
    dns.remove_txt("_novacrm.book.acme.example");
    app.clock.set(app.clock.now_ts() + six_hours);
    assert!(app.run_jobs().await >= 1);
    let listed = app.authed(Method::GET, "/api/domains", None).await.body;
    let lapsed = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!(lapsed["status"], "lapsed", "{lapsed}");
    assert!(
        lapsed["lastError"]
            .as_str()
            .unwrap()
            .contains("no TXT record")
    );
    // Every process reloads its routes within DomainTable::REFRESH.
    let mut stopped = false;
    for _ in 0..80 {
        if tls_ask(&app, "book.acme.example").await == 404 {
            stopped = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(stopped, "a lapsed domain must stop serving");
    assert_eq!(at_host(&app, "book.acme.example", "/book").await.0, 404);

    // Verified again, then removed: it stops at once.
    dns.set_txt("_novacrm.book.acme.example", &[&value]);
    assert_eq!(verify(&app, &id).await["status"], "verified");
    assert_eq!(tls_ask(&app, "book.acme.example").await, 200);
    let removed = app
        .authed(Method::DELETE, &format!("/api/domains/{id}"), None)
        .await;
    assert_eq!(removed.status, 204);
    assert_eq!(tls_ask(&app, "book.acme.example").await, 404);
    let gone = app
        .authed(Method::POST, &format!("/api/domains/{id}/verify"), None)
        .await;
    assert_problem(&gone, 404);
}

async fn hosts_add_and_verify_domains_in_the_dashboard(backend: Backend) {
    let (app, dns) = app_with_dns(backend).await;
    let session = dashboard_login(&app).await;
    let client = no_redirects();
    let get = |path: &'static str| {
        let request = client.get(app.url(path)).header("cookie", &session);
        async move { request.send().await.unwrap().text().await.unwrap() }
    };
    let page = get("/dashboard/sharing").await;
    assert!(
        page.contains("https://jane.novacrm.test/book")
            || page.contains("http://jane.novacrm.test/book"),
        "the subdomain link: {page}"
    );
    let csrf = hidden_csrf(&page);
    let post = |path: String, fields: Vec<(&'static str, String)>| {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let body = form(&pairs);
        let request = client
            .post(app.url(&path))
            .header("cookie", &session)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        async move { request.send().await.unwrap() }
    };
    let refused = post(
        "/dashboard/domains".into(),
        vec![("csrf", csrf.clone()), ("domain", "192.0.2.1".into())],
    )
    .await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.unwrap();
    assert!(page.contains("IP address"), "{page}");
    assert!(page.contains("value=\"192.0.2.1\""), "what was typed stays");
    let added = post(
        "/dashboard/domains".into(),
        vec![
            ("csrf", csrf.clone()),
            ("domain", "book.acme.example".into()),
        ],
    )
    .await;
    assert_eq!(added.status(), 303);
    let page = get("/dashboard/sharing").await;
    for shown in [
        "Added book.acme.example",
        "_novacrm.book.acme.example",
        "domains.novacrm.test",
        "Waiting for its DNS records",
    ] {
        assert!(page.contains(shown), "{shown}: {page}");
    }
    let listed = app.authed(Method::GET, "/api/domains", None).await.body;
    let id = listed[0]["id"].as_str().unwrap().to_owned();
    let value = listed[0]["txt"]["value"].as_str().unwrap().to_owned();
    assert!(page.contains(&value));
    let early = post(
        format!("/dashboard/domains/{id}/verify"),
        vec![("csrf", csrf.clone())],
    )
    .await;
    assert_eq!(early.status(), 303);
    assert!(
        get("/dashboard/sharing")
            .await
            .contains("is not verified yet: no TXT record")
    );
    dns.set_txt("_novacrm.book.acme.example", &[&value]);
    post(
        format!("/dashboard/domains/{id}/verify"),
        vec![("csrf", csrf.clone())],
    )
    .await;
    let page = get("/dashboard/sharing").await;
    assert!(page.contains("book.acme.example is verified"), "{page}");
    assert!(page.contains("https://book.acme.example/"), "{page}");
    post(
        format!("/dashboard/domains/{id}/delete"),
        vec![("csrf", csrf.clone())],
    )
    .await;
    assert!(get("/dashboard/sharing").await.contains("no longer served"));
    assert_eq!(tls_ask(&app, "book.acme.example").await, 404);
}

async fn internal_routes_answer_only_allowed_peers(backend: Backend) {
    let app = spawn_app_with(backend, |c| {
        c.base_domain = Some(BASE.into());
        c.internal_allow = vec![("10.0.0.0".parse().unwrap(), 8)];
    })
    .await;
    assert_eq!(tls_ask(&app, "jane.novacrm.test").await, 404);
}

/// Verifies `domain` for jane through the fake DNS; answers its id.
async fn verified(app: &TestApp, dns: &FakeDns, domain: &str) -> String {
    let added = add(app, &app.token, domain).await;
    assert_eq!(added.status, 201, "{:?}", added.body);
    let id = added.body["id"].as_str().unwrap().to_owned();
    let value = added.body["txt"]["value"].as_str().unwrap();
    dns.set_txt(&format!("_novacrm.{domain}"), &[value]);
    assert_eq!(verify(app, &id).await["status"], "verified");
    id
}

/// Once jane has a verified domain, the links her guests get lead there (the address they
/// booked at): the manage, reschedule and cancel links, "book again" at the domain's
/// `/book`, the invite's description. Her own email keeps the main address (the dashboard
/// lives there), and so do the Message-ID and the invite's UID.
async fn guests_links_use_the_hosts_verified_domain(backend: Backend) {
    let (app, dns) = app_with_dns(backend).await;
    verified(&app, &dns, "meet.acme.example").await;
    let booked = app
        .book(
            &app.consultation,
            crate::support::app::TUE_9,
            "ada@example.com",
        )
        .await;
    assert_eq!(booked.status, 201, "{:?}", booked.body);
    app.run_jobs().await;
    let guest = &app.smtp.to("ada@example.com")[0];
    let text = guest.text();
    assert!(
        text.contains("https://meet.acme.example/booking/nvb_"),
        "the manage link on jane's domain: {text}"
    );
    assert!(
        !text.contains(&app.address),
        "no link to the main address: {text}"
    );
    let token = text
        .split("https://meet.acme.example/booking/")
        .nth(1)
        .unwrap()
        .split(|c: char| c.is_whitespace() || c == '/' || c == '#')
        .next()
        .unwrap()
        .to_owned();
    let (status, page) = at_host(&app, "meet.acme.example", &format!("/booking/{token}")).await;
    assert_eq!(status, 200, "the link opens on the domain: {page}");
    let invite = guest.attachment();
    assert!(
        icalendar::parser::unfold(&invite).contains("https://meet.acme.example/booking/"),
        "{invite}"
    );
    let host = &app.smtp.to("jane@example.com")[0];
    assert!(
        host.text()
            .contains(&format!("{}/dashboard/bookings", app.address)),
        "{}",
        host.text()
    );
    for mail in [guest, host] {
        let id = mail.message_id();
        assert!(
            !id.contains("acme"),
            "Message-IDs keep the main domain: {id}"
        );
    }

    // The cancel confirmation's "book again" is the domain's own page.
    let id = booked.body["id"].as_str().unwrap();
    let cancelled = app
        .patch(
            &format!("/api/bookings/{id}"),
            json!({"status": "CANCELLED"}),
        )
        .await;
    assert_eq!(cancelled.status, 200, "{:?}", cancelled.body);
    app.run_jobs().await;
    let last = app.smtp.to("ada@example.com").pop().unwrap();
    assert!(
        last.text().contains("https://meet.acme.example/book"),
        "{}",
        last.text()
    );
    assert!(!last.text().contains("/book/jane"), "{}", last.text());
}

/// A child process killed when the test ends, however it ends.
struct Stop(std::process::Child);

impl Drop for Stop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A real Caddy (Debian's) in front of the service, as docs/deploy/Caddyfile sets it up but
/// with its local CA: a verified domain gets a certificate on demand and its page over HTTPS;
/// a name the service does not serve gets no certificate, so no connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caddy_serves_verified_domains_over_https_and_refuses_others() {
    let (app, dns) = app_with_dns(Backend::Sqlite).await;
    verified(&app, &dns, "book.acme.example").await;
    let port = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    };
    let (http, https) = (port(), port());
    let upstream = app.address.trim_start_matches("http://").to_owned();
    let home = std::env::temp_dir().join(format!("novacrm-caddy-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&home).unwrap();
    let caddyfile = home.join("Caddyfile");
    std::fs::write(
        &caddyfile,
        format!(
            "{{\n\tadmin off\n\tlocal_certs\n\tskip_install_trust\n\thttp_port {http}\n\thttps_port {https}\n\
             \ton_demand_tls {{\n\t\task http://{upstream}/internal/tls-ask\n\t}}\n}}\n\
             https:// {{\n\ttls {{\n\t\ton_demand\n\t}}\n\treverse_proxy {upstream}\n}}\n"
        ),
    )
    .unwrap();
    let caddy = std::process::Command::new("caddy")
        .args(["run", "--adapter", "caddyfile", "--config"])
        .arg(&caddyfile)
        .env("HOME", &home)
        .env("XDG_DATA_HOME", &home)
        .env("XDG_CONFIG_HOME", &home)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("caddy must be installed (apt-get install caddy)");
    let caddy = Stop(caddy);
    let root = home.join("caddy/pki/authorities/local/root.crt");
    let mut started = false;
    for _ in 0..100 {
        if root.exists() && std::net::TcpStream::connect(("127.0.0.1", https)).is_ok() {
            started = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(started, "caddy did not start");
    let ca = reqwest::Certificate::from_pem(&std::fs::read(&root).unwrap()).unwrap();
    let at = std::net::SocketAddr::from(([127, 0, 0, 1], https));
    let client = crate::support::app::http_client()
        .tls_certs_only([ca])
        .resolve("book.acme.example", at)
        .resolve("unknown.example", at)
        .build()
        .unwrap();
    let page = client
        .get(format!("https://book.acme.example:{https}/"))
        .send()
        .await
        .expect("a verified domain is served over HTTPS");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Jane Smith"));
    let refused = client
        .get(format!("https://unknown.example:{https}/"))
        .send()
        .await;
    assert!(
        refused.is_err(),
        "no certificate for a name we do not serve: {refused:?}"
    );
    drop(caddy);
    let _ = std::fs::remove_dir_all(&home);
}

crate::on_both_backends!(
    subdomains_serve_their_hosts_pages,
    custom_domains_are_verified_by_dns_and_lapse_without_it,
    internal_routes_answer_only_allowed_peers,
    hosts_add_and_verify_domains_in_the_dashboard,
    guests_links_use_the_hosts_verified_domain,
);
