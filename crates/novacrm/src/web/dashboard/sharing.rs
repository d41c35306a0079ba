//! "Share & embed": the host's booking links (the main one, their subdomain, their verified
//! domains), their own domains with the DNS records to create and a Verify button, and the
//! snippets that embed the page on their site (inline or as a pop-up) with the sites allowed
//! to show it. Through the same services as `/api/domains` and `PATCH /api/profile`.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::json;

use crate::services::domains::{self, TXT_LABEL};
use crate::services::{ServiceError, profile};
use crate::store::{DomainRecord, DomainStatus};
use crate::web::dashboard::kit::{
    Notice, Posted, Session, form_status, problems, tell, waiting_notice,
};
use crate::web::form::Fields;
use crate::web::shell::{ASSET_VERSION, html};
use crate::web::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard/sharing", get(sharing_page))
        .route("/dashboard/domains", post(add_domain))
        .route("/dashboard/domains/{id}/verify", post(verify_domain))
        .route("/dashboard/domains/{id}/delete", post(remove_domain))
        .route("/dashboard/embed", post(save_embed))
}

/// A domain as the page shows it.
struct DomainRow {
    id: String,
    domain: String,
    /// "Verified — your page is served here" and the like.
    state: &'static str,
    serving: bool,
    problem: Option<String>,
    txt_name: String,
    txt_value: String,
}

#[derive(Template)]
#[template(path = "dash_sharing.html")]
struct SharingPage<'a> {
    asset_version: &'a str,
    csrf: String,
    flash: Option<String>,
    notice: Option<Notice>,
    /// `(label, address)`: every address the page is served at.
    links: Vec<(String, String)>,
    domains: Vec<DomainRow>,
    cname: String,
    typed_domain: String,
    domain_error: Option<String>,
    inline_snippet: String,
    popup_snippet: String,
    embed: String,
    embed_error: Option<String>,
}

fn state_of(record: &DomainRecord) -> &'static str {
    match record.status {
        DomainStatus::Pending => "Waiting for its DNS records",
        DomainStatus::Verified => "Verified — your booking page is served here",
        DomainStatus::Lapsed => "Stopped — its TXT record is gone, so the page is not served here",
    }
}

/// What the form sent and what was wrong with it, to show again.
#[derive(Default)]
struct Typed {
    domain: String,
    domain_error: Option<String>,
    embed: Option<String>,
    embed_error: Option<String>,
}

async fn render(state: &AppState, headers: &HeaderMap, s: Session, typed: Typed) -> Response {
    let notice = waiting_notice(state, &s).await;
    let base = state.public_url().to_owned();
    let scheme = if base.starts_with("https://") {
        "https"
    } else {
        "http"
    };
    let names = state.names();
    let records = state.store.domains(&s.host.id).await.unwrap_or_default();
    let mut links = vec![(
        "Your link".to_owned(),
        format!("{base}/book/{}", s.host.username),
    )];
    if let Some(base_domain) = &names.base_domain {
        links.push((
            "Your own subdomain".to_owned(),
            format!("{scheme}://{}.{base_domain}/book", s.host.username),
        ));
    }
    for record in records
        .iter()
        .filter(|r| r.status == DomainStatus::Verified)
    {
        links.push((
            format!("At {}", record.domain),
            format!("https://{}/", record.domain),
        ));
    }
    let page_url = format!("{base}/book/{}", s.host.username);
    let status = form_status(
        &[&typed.domain_error, &typed.embed_error]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>(),
    );
    let page = SharingPage {
        asset_version: &ASSET_VERSION,
        flash: None,
        notice,
        links,
        domains: records
            .iter()
            .map(|r| DomainRow {
                id: r.id.clone(),
                domain: r.domain.clone(),
                state: state_of(r),
                serving: r.status == DomainStatus::Verified,
                problem: r.last_error.clone(),
                txt_name: format!("{TXT_LABEL}.{}", r.domain),
                txt_value: r.txt_value.clone(),
            })
            .collect(),
        cname: names.cname_target,
        typed_domain: typed.domain,
        domain_error: typed.domain_error,
        inline_snippet: format!(
            "<div data-novacrm-url=\"{page_url}\"></div>\n<script src=\"{base}/embed.js\" async></script>"
        ),
        popup_snippet: format!(
            "<button type=\"button\" data-novacrm-popup=\"{page_url}\">Book a meeting</button>\n<script src=\"{base}/embed.js\" async></script>"
        ),
        embed: typed
            .embed
            .unwrap_or_else(|| s.host.embed_origins.replace(' ', "\n")),
        embed_error: typed.embed_error,
        csrf: s.csrf,
    };
    html(headers, status, &page)
}

/// A refusal as the one line shown under its field (a conflict, too, is its message).
fn in_words(e: ServiceError) -> String {
    problems(e)
        .into_iter()
        .map(|f| f.message)
        .collect::<Vec<_>>()
        .join(" ")
}

async fn sharing_page(State(state): State<AppState>, s: Session, headers: HeaderMap) -> Response {
    render(&state, &headers, s, Typed::default()).await
}

#[derive(serde::Deserialize)]
pub(crate) struct NewDomain {
    #[serde(default)]
    domain: String,
}

async fn add_domain(
    State(state): State<AppState>,
    headers: HeaderMap,
    Posted(s, form): Posted<NewDomain>,
) -> Response {
    let names = state.names();
    match domains::add(
        &state.store,
        &names,
        &s.host,
        &form.domain,
        state.clock.now(),
    )
    .await
    {
        Ok(record) => {
            let text = format!(
                "Added {}. Create its two DNS records below, then press Verify.",
                record.domain
            );
            tell(&state, &s, Ok(text), "/dashboard/sharing#domains").await
        }
        Err(e) => {
            let typed = Typed {
                domain: form.domain,
                domain_error: Some(in_words(e)),
                ..Typed::default()
            };
            render(&state, &headers, s, typed).await
        }
    }
}

async fn verify_domain(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted(s, _): Posted,
) -> Response {
    let outcome = domains::verify(
        &state.store,
        &state.dns,
        &state.domains,
        &s.host,
        &id,
        state.clock.now(),
    )
    .await
    .and_then(|record| match record.status {
        DomainStatus::Verified => Ok(format!(
            "{} is verified: your booking page is served there now.",
            record.domain
        )),
        _ => Err(ServiceError::Conflict(format!(
            "{} is not verified yet: {}",
            record.domain,
            record.last_error.unwrap_or_default()
        ))),
    });
    tell(&state, &s, outcome, "/dashboard/sharing#domains").await
}

async fn remove_domain(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted(s, _): Posted,
) -> Response {
    let outcome = domains::remove(&state.store, &state.domains, &s.host, &id)
        .await
        .map(|()| "Removed. Your booking page is no longer served at that domain.".to_owned());
    tell(&state, &s, outcome, "/dashboard/sharing#domains").await
}

/// Saves the sites allowed to frame the booking page (one a line).
async fn save_embed(
    State(state): State<AppState>,
    headers: HeaderMap,
    Posted(s, f): Posted<Fields>,
) -> Response {
    let typed = f.first("embedOrigins").to_owned();
    let lines: Vec<String> = typed
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    match profile::update_profile(&state.store, &s.host, &json!({ "embedOrigins": lines })).await {
        Ok(host) => {
            let text = if host.embed_origins.is_empty() {
                "Saved. Your booking page can be embedded on this site only.".to_owned()
            } else {
                format!(
                    "Saved. Your booking page can now be embedded on {}.",
                    host.embed_origins.replace(' ', ", ")
                )
            };
            tell(&state, &s, Ok(text), "/dashboard/sharing#embed").await
        }
        Err(e) => {
            let typed = Typed {
                embed: Some(typed),
                embed_error: Some(in_words(e)),
                ..Typed::default()
            };
            render(&state, &headers, s, typed).await
        }
    }
}
