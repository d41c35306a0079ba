//! Forms as a browser with JavaScript off sends them: url-encoding, the CSRF field and cookie,
//! and jane's dashboard login.

use crate::support::app::{TestApp, no_redirects};

/// A form body, url-encoded as a browser encodes it.
pub fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{k}={}", novacrm::web::shell::encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub fn hidden_csrf(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    html[at..at + html[at..].find('"').unwrap()].to_owned()
}

pub fn set_cookie(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|v| v.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie"))
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

/// Logs jane in through the form; answers her session cookie.
pub async fn dashboard_login(app: &TestApp) -> String {
    let client = no_redirects();
    let page = client
        .get(app.url("/dashboard/login"))
        .send()
        .await
        .unwrap();
    let form_cookie = set_cookie(&page, "novacrm_form");
    let token = hidden_csrf(&page.text().await.unwrap());
    let done = client
        .post(app.url("/dashboard/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", form_cookie)
        .body(form(&[
            ("csrf", &token),
            ("username", "jane"),
            ("password", "demo-password-jane"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 303);
    set_cookie(&done, "novacrm_session")
}

/// A dashboard page's HTML as the holder of `session` sees it (redirects not followed).
pub async fn dashboard_page(app: &TestApp, session: &str, path: &str) -> String {
    no_redirects()
        .get(app.url(path))
        .header("cookie", session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Posts `fields` as a browser posts a form, with `session`'s cookie (redirects not followed).
pub async fn post_form(
    app: &TestApp,
    session: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    no_redirects()
        .post(app.url(path))
        .header("cookie", session)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(fields))
        .send()
        .await
        .unwrap()
}
