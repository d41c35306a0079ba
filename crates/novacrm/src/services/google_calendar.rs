//! Google Calendar for a host: the OAuth connection (scopes checked, tokens sealed and
//! refreshed one at a time per connection), reading free/busy, writing events and Meet links.

use jiff::Timestamp;
use scheduling::{BookingStatus, FieldError, Instant};
use serde_json::{Value, json};

use super::{Result, ServiceError};
use crate::integrations::google::{EventDraft, Google, GoogleError, Tokens};
use crate::integrations::{BoxFuture, SendError};
use crate::messages::{Found, Recipient};
use crate::store::{CalendarRecord, ConnectionRecord, Host, new_id};

use super::calendars::{Calendars, secret_context};
/// What a Google connection keeps sealed.
fn tokens_json(access: &str, refresh: &str, expires_at: Instant) -> String {
    json!({"access": access, "refresh": refresh, "expiresAt": expires_at.as_millis()}).to_string()
}

fn failed(e: &GoogleError) -> SendError {
    match e {
        GoogleError::InvalidGrant(_) => SendError::permanent(e.to_string()),
        _ => SendError::transient(e.to_string()),
    }
}

impl Calendars {
    fn google(&self) -> Result<&Google> {
        self.google.as_ref().ok_or_else(|| {
            ServiceError::NotFound("Google Calendar is not set up on this server".into())
        })
    }

    /// Connects the Google account that granted `code`: the scopes are checked, the tokens
    /// sealed, the calendars listed (the primary one gets bookings; owned ones are checked for
    /// conflicts), and busy times read once.
    pub async fn connect_google(
        &self,
        host: &Host,
        code: &str,
        redirect_uri: &str,
        now: Timestamp,
    ) -> Result<Vec<CalendarRecord>> {
        let google = self.google()?;
        let now_i = Instant::from(now);
        let refused = |m: String| ServiceError::Invalid(vec![FieldError::new("google", m)]);
        let tokens: Tokens = google
            .exchange(code, redirect_uri, now_i)
            .await
            .map_err(|e| refused(e.to_string()))?;
        let missing: Vec<&str> = crate::integrations::google::SCOPES
            .iter()
            .copied()
            .filter(|scope| !tokens.scopes.iter().any(|g| g == scope))
            .collect();
        if !missing.is_empty() {
            return Err(refused(
                "Google did not grant access to your calendars; connect again and tick both boxes"
                    .into(),
            ));
        }
        let Some(refresh) = tokens.refresh_token.clone() else {
            return Err(refused("Google sent no refresh token; remove NovaCRM's access in your Google account and connect again".into()));
        };
        let listed = google
            .calendars(&tokens.access_token)
            .await
            .map_err(|e| refused(e.to_string()))?;
        let account = listed
            .iter()
            .find(|c| c.primary)
            .map_or_else(|| "Google account".to_owned(), |c| c.id.clone());
        let id = new_id();
        let connection = ConnectionRecord {
            secret_sealed: self.sealer.seal(
                &tokens_json(&tokens.access_token, &refresh, tokens.expires_at),
                &secret_context(&id),
            ),
            id,
            host_id: host.id.clone(),
            provider: "google".into(),
            url: String::new(),
            username: account,
            scopes: tokens.scopes.join(" "),
            token_expires_at: Some(tokens.expires_at),
            status: "ok".into(),
            last_error: None,
            last_sync_at: None,
            created_at: now_i,
        };
        let calendars: Vec<CalendarRecord> = listed
            .into_iter()
            .enumerate()
            .map(|(i, c)| CalendarRecord {
                check_conflicts: c.primary || c.writable,
                add_bookings: c.primary && c.writable,
                ..CalendarRecord::found(&connection, i, c.id, c.name, c.writable)
            })
            .collect();
        self.attach(&host.id, &connection, &calendars, now_i)
            .await?;
        Ok(self.store.calendars(&host.id).await?)
    }

    /// A usable access token: the stored one, or a refreshed one when it is about to expire
    /// or `refused` (the token Google just refused) is still the stored one. One refresh at a
    /// time per connection; a rotated refresh token is saved; `invalid_grant` marks the
    /// connection for reconnecting.
    async fn access_token(
        &self,
        connection_id: &str,
        now: Instant,
        refused: Option<&str>,
    ) -> std::result::Result<String, GoogleError> {
        let google = self.google.as_ref().ok_or_else(|| {
            GoogleError::Failed("Google Calendar is not set up on this server".into())
        })?;
        let lock = self
            .refreshing
            .lock()
            .expect("refresh lock map")
            .entry(connection_id.to_owned())
            .or_default()
            .clone();
        let _held = lock.lock().await;
        let store_error = |e: crate::store::StoreError| GoogleError::Failed(e.to_string());
        let connection = self
            .store
            .connection(connection_id)
            .await
            .map_err(store_error)?
            .ok_or_else(|| GoogleError::Failed("the connection was removed".into()))?;
        let sealed = self
            .sealer
            .open(&connection.secret_sealed, &secret_context(&connection.id))
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .ok_or_else(|| GoogleError::InvalidGrant("the saved tokens cannot be read".into()))?;
        let access = sealed["access"].as_str().unwrap_or_default().to_owned();
        let refresh = sealed["refresh"].as_str().unwrap_or_default().to_owned();
        let expires = Instant::from_millis(sealed["expiresAt"].as_i64().unwrap_or(0));
        let expiring = expires.as_millis() - now.as_millis() < 60_000;
        if !expiring && refused != Some(access.as_str()) {
            return Ok(access);
        }
        match google.refresh(&refresh, now).await {
            Ok(fresh) => {
                let refresh = fresh.refresh_token.unwrap_or(refresh);
                let sealed = self.sealer.seal(
                    &tokens_json(&fresh.access_token, &refresh, fresh.expires_at),
                    &secret_context(&connection.id),
                );
                self.store
                    .set_connection_secret(&connection.id, &sealed, fresh.expires_at)
                    .await
                    .map_err(store_error)?;
                Ok(fresh.access_token)
            }
            Err(e) => {
                if matches!(e, GoogleError::InvalidGrant(_)) {
                    let message = "Google no longer accepts this connection; connect again";
                    self.store
                        .set_connection_status(
                            &connection.id,
                            "needs_reconnect",
                            Some(message),
                            None,
                        )
                        .await
                        .map_err(store_error)?;
                }
                Err(e)
            }
        }
    }

    /// Runs `call` with a token, refreshing once and retrying once if Google refuses it.
    async fn with_token<'a, T>(
        &self,
        connection_id: &str,
        now: Instant,
        call: impl Fn(String) -> BoxFuture<'a, std::result::Result<T, GoogleError>>,
    ) -> std::result::Result<T, GoogleError> {
        let token = self.access_token(connection_id, now, None).await?;
        match call(token.clone()).await {
            Err(GoogleError::Unauthorized) => {
                let fresh = self.access_token(connection_id, now, Some(&token)).await?;
                call(fresh).await
            }
            other => other,
        }
    }

    pub(super) async fn sync_google(
        &self,
        connection: &ConnectionRecord,
        calendars: &[&CalendarRecord],
        from: Instant,
        to: Instant,
        now: Instant,
    ) -> Result<()> {
        let Some(google) = &self.google else {
            return Ok(());
        };
        let ids: Vec<String> = calendars.iter().map(|c| c.remote_id.clone()).collect();
        let ids = &ids;
        let read = self
            .with_token(&connection.id, now, |token| {
                Box::pin(async move { google.free_busy(&token, ids, from, to).await })
            })
            .await;
        match read {
            Ok(found) => {
                let mut failure = None;
                for cal in calendars {
                    match found.get(&cal.remote_id) {
                        Some(Ok(busy)) => {
                            let busy = busy
                                .iter()
                                .map(|(s, e)| (s.as_millis(), e.as_millis()))
                                .collect();
                            self.store
                                .save_calendar_busy(cal, busy, from, to, now)
                                .await?;
                        }
                        Some(Err(message)) => {
                            self.store.fail_calendar_sync(cal, message).await?;
                            failure = Some(format!("{:?}: {message}", cal.name));
                        }
                        None => {
                            self.store
                                .fail_calendar_sync(cal, "not in Google's answer")
                                .await?;
                            failure = Some(format!("{:?} was not in Google's answer", cal.name));
                        }
                    }
                }
                let (status, error, synced) = match &failure {
                    Some(m) => ("error", Some(m.as_str()), None),
                    None => ("ok", None, Some(now)),
                };
                self.store
                    .set_connection_status(&connection.id, status, error, synced)
                    .await?;
            }
            Err(e) => {
                let message = e.to_string();
                for cal in calendars {
                    self.store.fail_calendar_sync(cal, &message).await?;
                }
                let status = if matches!(e, GoogleError::InvalidGrant(_)) {
                    "needs_reconnect"
                } else {
                    "error"
                };
                self.store
                    .set_connection_status(&connection.id, status, Some(&message), None)
                    .await?;
            }
        }
        Ok(())
    }

    /// A Google Meet link for a booking: its event is written now, with a conference, in the
    /// host's Google calendar that gets bookings (else their first writable one), and
    /// recorded so the booking's calendar job updates that event rather than making another.
    pub async fn meet_link(
        &self,
        found: &Found,
        now: Instant,
    ) -> std::result::Result<String, SendError> {
        let transient = |e: crate::store::StoreError| SendError::transient(e.to_string());
        let host_id = &found.host.id;
        let connections = self.store.connections(host_id).await.map_err(transient)?;
        let calendars = self.store.calendars(host_id).await.map_err(transient)?;
        let google: Vec<&ConnectionRecord> = connections
            .iter()
            .filter(|c| c.provider == "google")
            .collect();
        let target = calendars
            .iter()
            .filter(|c| google.iter().any(|g| g.id == c.connection_id) && c.writable)
            .max_by_key(|c| (c.add_bookings, c.position == 0));
        let Some(cal) = target else {
            return Err(SendError::permanent(
                "Google Meet links need a connected Google Calendar (Dashboard → Integrations)",
            ));
        };
        let connection = google
            .iter()
            .find(|g| g.id == cal.connection_id)
            .copied()
            .expect("the calendar's connection is in the list");
        self.write_google(connection, cal, found, now)
            .await?
            .flatten()
            .ok_or_else(|| SendError::transient("Google made no Meet link yet"))
    }

    pub(super) async fn write_google(
        &self,
        connection: &ConnectionRecord,
        cal: &CalendarRecord,
        found: &Found,
        now: Instant,
    ) -> std::result::Result<Option<Option<String>>, SendError> {
        let google = self
            .google
            .as_ref()
            .ok_or_else(|| SendError::permanent("Google Calendar is not set up on this server"))?;
        let transient = |e: crate::store::StoreError| SendError::transient(e.to_string());
        let b = &found.booking;
        let recorded = self
            .store
            .calendar_event(&b.id, &cal.id)
            .await
            .map_err(transient)?;
        if b.status == BookingStatus::Cancelled {
            let Some((event_id, _)) = recorded else {
                return Ok(None);
            };
            let event_id = &event_id;
            self.with_token(&connection.id, now, |token| {
                Box::pin(async move { google.delete_event(&token, &cal.remote_id, event_id).await })
            })
            .await
            .map_err(|e| failed(&e))?;
            self.store
                .forget_calendar_event(&b.id, &cal.id)
                .await
                .map_err(transient)?;
            return Ok(Some(None));
        }
        let (summary, description, location) = self.sender.with_invite(
            b,
            &found.host,
            &found.meeting,
            scheduling::invite::Method::Publish,
            Recipient::Host,
            |i| {
                (
                    i.summary.to_owned(),
                    i.description.to_owned(),
                    i.location.map(str::to_owned),
                )
            },
        );
        let draft = EventDraft {
            ical_uid: self.sender.uid(&b.id),
            summary,
            description,
            location,
            start: b.start,
            end: b.end,
            attendee_name: b.guest_name.clone(),
            attendee_email: b.guest_email.clone(),
            meet_request: matches!(
                found.meeting.location,
                Some(scheduling::Location::Video {
                    provider: scheduling::VideoProvider::GoogleMeet
                })
            )
            .then(|| b.id.clone()),
        };
        let draft = &draft;
        if let Some((event_id, _)) = recorded {
            let event_id = &event_id;
            self.with_token(&connection.id, now, |token| {
                Box::pin(async move {
                    google
                        .update_event(&token, &cal.remote_id, event_id, draft)
                        .await
                })
            })
            .await
            .map_err(|e| failed(&e))?;
        } else {
            let (event_id, meet) = self
                .with_token(&connection.id, now, |token| {
                    Box::pin(
                        async move { google.insert_event(&token, &cal.remote_id, draft).await },
                    )
                })
                .await
                .map_err(|e| failed(&e))?;
            self.store
                .save_calendar_event(&b.id, &cal.id, &event_id, None)
                .await
                .map_err(transient)?;
            return Ok(Some(meet));
        }
        Ok(Some(None))
    }
}
