//! Signing up, logging in and out of the dashboard (session cookie, a form token before the
//! session exists). Errors re-render next to the fields.

use crate::format::Locale;
use crate::services::{ServiceError, accounts};
use crate::web::client::ClientIp;
use crate::web::cookie::session_cookie;
use crate::web::dashboard::kit::Posted;
use crate::web::dashboard::kit::problems;
use crate::web::dashboard::kit::set_cookie;
use crate::web::form::Fields;
use crate::web::shell::ASSET_VERSION;
use crate::web::shell::html;
use crate::web::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::extract::{Form, FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use scheduling::FieldError;

// ---- sign up, log in, log out ------------------------------------------------------------

struct AuthField {
    name: &'static str,
    label: &'static str,
    input_type: &'static str,
    autocomplete: &'static str,
    value: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "dash_auth.html")]
struct AuthPage<'a> {
    asset_version: &'a str,
    csrf: &'a str,
    title: &'static str,
    signup: bool,
    general_error: Option<String>,
    fields: Vec<AuthField>,
    /// Sign-up asks for the host's zone: the select, and what was wrong with it.
    zone_groups: Option<Vec<crate::web::guest::zones::ZoneGroup>>,
    zone_error: Option<String>,
    /// Nothing typed yet: the script may start the select from the browser's zone.
    prefill: bool,
}

/// Before there is a session, forms carry a token that must match a `SameSite=Strict`
/// cookie (double submit): another site can neither read nor send it.
const FORM_COOKIE: &str = "novacrm_form";

/// The sign-up or log-in page, with its form token (reused from the cookie, or new).
fn auth_page(
    headers: &HeaderMap,
    status: StatusCode,
    signup: bool,
    typed: &Fields,
    errors: &[FieldError],
) -> Response {
    let specs: &[(&'static str, &'static str, &'static str, &'static str)] = if signup {
        &[
            (
                "username",
                "Username (your link: /book/username)",
                "text",
                "username",
            ),
            ("name", "Your name", "text", "name"),
            ("email", "Email", "email", "email"),
            (
                "password",
                "Password (at least 10 characters)",
                "password",
                "new-password",
            ),
        ]
    } else {
        &[
            ("username", "Username", "text", "username"),
            ("password", "Password", "password", "current-password"),
        ]
    };
    let fields = specs
        .iter()
        .map(|&(name, label, input_type, autocomplete)| AuthField {
            name,
            label,
            input_type,
            autocomplete,
            value: if name == "password" {
                String::new()
            } else {
                typed.first(name).to_owned()
            },
            error: errors
                .iter()
                .find(|e| e.field == name)
                .map(|e| e.message.clone()),
        })
        .collect();
    let general_error = errors
        .iter()
        .find(|e| !specs.iter().any(|s| s.0 == e.field) && e.field != "timezone")
        .map(ToString::to_string);
    // The zone: as typed, else the browser's (the cookie the booking pages' script leaves),
    // else a guess from the language, as the booking pages choose; the script also sets the
    // browser's zone.
    let zone_groups = signup.then(|| {
        let choice =
            crate::web::guest::zone_choice::ZoneChoice::of(Some(typed.first("timezone")), headers);
        let chosen = match &choice {
            crate::web::guest::zone_choice::ZoneChoice::Chosen(name)
            | crate::web::guest::zone_choice::ZoneChoice::Guessed(name)
                if !name.is_empty() =>
            {
                name.as_str()
            }
            _ => scheduling::AvailabilitySettings::DEFAULT_ZONE,
        };
        crate::web::guest::zones::groups(chosen, Timestamp::now(), Locale::from_headers(headers))
    });
    let title = if signup {
        "Create your account"
    } else {
        "Log in"
    };
    let (csrf, set_cookie) = crate::web::csrf::form_token(headers, FORM_COOKIE, "/dashboard");
    let mut response = html(
        headers,
        status,
        &AuthPage {
            asset_version: &ASSET_VERSION,
            csrf: &csrf,
            title,
            signup,
            general_error,
            fields,
            zone_groups,
            prefill: typed.first("timezone").is_empty(),
            zone_error: errors
                .iter()
                .find(|e| e.field == "timezone")
                .map(|e| e.message.clone()),
        },
    );
    if let Some(cookie) = set_cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

pub(crate) async fn signup_page(headers: HeaderMap) -> Response {
    auth_page(&headers, StatusCode::OK, true, &Fields::default(), &[])
}

pub(crate) async fn login_page(headers: HeaderMap) -> Response {
    auth_page(&headers, StatusCode::OK, false, &Fields::default(), &[])
}

async fn start_session(
    state: &AppState,
    username: &str,
    password: &str,
    client: std::net::IpAddr,
    now: Timestamp,
) -> Result<Response, ServiceError> {
    let (_, token) = accounts::log_in(&state.store, username, password, client, now).await?;
    let mut response = Redirect::to("/dashboard").into_response();
    set_cookie(&mut response, &token, accounts::SESSION_DAYS * 86_400);
    Ok(response)
}

/// A sign-up or log-in form, once its token has matched its cookie (there is no session yet
/// to hold one); a stale form is refused with what to do.
pub(crate) struct AuthForm(Fields);

impl FromRequest<AppState> for AuthForm {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let headers = request.headers().clone();
        let Form(fields) = Form::<Fields>::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if crate::web::csrf::form_token_matches(&headers, FORM_COOKIE, fields.first("csrf")) {
            Ok(Self(fields))
        } else {
            let message = "This form has expired. Reload the page and try again.";
            Err((StatusCode::FORBIDDEN, message).into_response())
        }
    }
}

pub(crate) async fn signup(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    AuthForm(f): AuthForm,
) -> Response {
    let now = state.clock.now();
    let (username, password) = (f.first("username").trim(), f.first("password"));
    let result = async {
        accounts::create_host(
            &state.store,
            username,
            f.first("name"),
            f.first("email"),
            password,
            Some(f.first("timezone")),
            now,
        )
        .await?;
        start_session(&state, username, password, client, now).await
    }
    .await;
    result.unwrap_or_else(|e| {
        auth_page(
            &headers,
            StatusCode::UNPROCESSABLE_ENTITY,
            true,
            &f,
            &problems(e),
        )
    })
}

pub(crate) async fn login(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    AuthForm(f): AuthForm,
) -> Response {
    start_session(
        &state,
        f.first("username").trim(),
        f.first("password"),
        client,
        state.clock.now(),
    )
    .await
    .unwrap_or_else(|e| {
        auth_page(
            &headers,
            StatusCode::UNPROCESSABLE_ENTITY,
            false,
            &f,
            &problems(e),
        )
    })
}

pub(crate) async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    posted: Result<Posted, Response>,
) -> Response {
    match posted {
        Ok(Posted(..)) => {
            if let Some(token) = session_cookie(&headers) {
                let _ = state
                    .store
                    .delete_session(&crate::crypto::token_hash(token))
                    .await;
            }
        }
        // A stale or forged form: the host stays logged in.
        Err(refused) if !refused.status().is_redirection() => return refused,
        // Logged out already (or the session expired): nothing to end but the cookie.
        Err(_) => {}
    }
    let mut response = Redirect::to("/dashboard/login").into_response();
    set_cookie(&mut response, "", 0);
    response
}
