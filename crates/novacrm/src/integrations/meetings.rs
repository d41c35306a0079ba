//! Video links made for each booking: a Jitsi room on the configured server (no account,
//! no call: an unguessable room name), a Zoom meeting through the server's server-to-server
//! OAuth app (`POST /users/me/meetings`), a Teams meeting through Microsoft Graph
//! (`POST /users/{host email}/onlineMeetings`, client-credentials token). Google Meet links
//! come with the host's Google Calendar event (`services::calendars`). Base URLs from config.

use std::time::Duration;

use scheduling::Instant;
use serde_json::{Value, json};

use super::port::SendError;
use crate::config::{TeamsConfig, ZoomConfig};

/// What the meeting is, for the provider's own record of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingDraft {
    pub topic: String,
    pub start: Instant,
    pub end: Instant,
    /// The host's email: their Teams user.
    pub host_email: String,
}

#[derive(Debug, Clone)]
pub struct MeetingLinks {
    jitsi_url: String,
    zoom: Option<ZoomConfig>,
    teams: Option<TeamsConfig>,
    client: reqwest::Client,
}

/// A failed call to a provider: 401/403/404 will not mend by themselves, the rest may.
fn http_error(provider: &str, status: u16, body: &str) -> SendError {
    let shown: String = body.chars().take(200).collect();
    let message = format!("{provider} answered {status}: {shown}");
    if matches!(status, 400 | 401 | 403 | 404) {
        SendError::permanent(message)
    } else {
        SendError::transient(message)
    }
}

impl MeetingLinks {
    pub fn new(jitsi_url: &str, zoom: Option<ZoomConfig>, teams: Option<TeamsConfig>) -> Self {
        super::port::install_tls();
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .expect("an HTTP client with a timeout");
        Self {
            jitsi_url: jitsi_url.trim_end_matches('/').to_owned(),
            zoom,
            teams,
            client,
        }
    }

    /// Whether this server can make Zoom (`zoom`) or Teams (`teams`) links.
    pub fn offers_zoom(&self) -> bool {
        self.zoom.is_some()
    }

    pub fn offers_teams(&self) -> bool {
        self.teams.is_some()
    }

    /// A fresh Jitsi room: 128 random bits in its name, so nobody stumbles into it.
    pub fn jitsi(&self) -> String {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).expect("the OS random source works");
        let room = crate::crypto::hex(&bytes);
        format!("{}/NovaCRM-{room}", self.jitsi_url)
    }

    async fn send(
        &self,
        provider: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<Value, SendError> {
        let response = request
            .send()
            .await
            .map_err(|e| SendError::transient(format!("{provider} did not answer: {e}")))?;
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        if !(200..300).contains(&status) {
            return Err(http_error(provider, status, &text));
        }
        serde_json::from_str(&text)
            .map_err(|e| SendError::transient(format!("{provider} sent unreadable JSON: {e}")))
    }

    /// A Zoom meeting's join URL.
    pub async fn zoom(&self, draft: &MeetingDraft) -> Result<String, SendError> {
        let zoom = self
            .zoom
            .as_ref()
            .ok_or_else(|| SendError::permanent("Zoom is not set up on this server"))?;
        let token = self
            .send(
                "Zoom",
                self.client
                    .post(format!("{}/oauth/token", zoom.oauth_url))
                    .basic_auth(&zoom.client_id, Some(&zoom.client_secret))
                    .form(&[
                        ("grant_type", "account_credentials"),
                        ("account_id", zoom.account_id.as_str()),
                    ]),
            )
            .await?;
        let token = token["access_token"]
            .as_str()
            .ok_or_else(|| SendError::transient("Zoom sent no access token"))?;
        let minutes = (draft.end.as_millis() - draft.start.as_millis()) / 60_000;
        let body = json!({"topic": draft.topic, "type": 2, "start_time": draft.start.to_string(),
                          "duration": minutes, "timezone": "UTC",
                          "settings": {"join_before_host": false, "waiting_room": true}});
        let meeting = self
            .send(
                "Zoom",
                self.client
                    .post(format!("{}/users/me/meetings", zoom.api_url))
                    .bearer_auth(token)
                    .json(&body),
            )
            .await?;
        meeting["join_url"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| SendError::transient("Zoom sent no join_url"))
    }

    /// A Teams meeting's join URL.
    pub async fn teams(&self, draft: &MeetingDraft) -> Result<String, SendError> {
        let teams = self
            .teams
            .as_ref()
            .ok_or_else(|| SendError::permanent("Microsoft Teams is not set up on this server"))?;
        let token = self
            .send(
                "Microsoft",
                self.client
                    .post(format!(
                        "{}/{}/oauth2/v2.0/token",
                        teams.login_url, teams.tenant_id
                    ))
                    .form(&[
                        ("grant_type", "client_credentials"),
                        ("client_id", teams.client_id.as_str()),
                        ("client_secret", teams.client_secret.as_str()),
                        ("scope", "https://graph.microsoft.com/.default"),
                    ]),
            )
            .await?;
        let token = token["access_token"]
            .as_str()
            .ok_or_else(|| SendError::transient("Microsoft sent no access token"))?;
        let user: String =
            url::form_urlencoded::byte_serialize(draft.host_email.as_bytes()).collect();
        let body = json!({"subject": draft.topic, "startDateTime": draft.start.to_string(),
                          "endDateTime": draft.end.to_string()});
        let meeting = self
            .send(
                "Microsoft Graph",
                self.client
                    .post(format!("{}/users/{user}/onlineMeetings", teams.graph_url))
                    .bearer_auth(token)
                    .json(&body),
            )
            .await?;
        meeting["joinWebUrl"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| SendError::transient("Graph sent no joinWebUrl"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitsi_rooms_are_unguessable_and_on_the_configured_server() {
        let links = MeetingLinks::new("https://jitsi.example/", None, None);
        let (a, b) = (links.jitsi(), links.jitsi());
        assert!(a.starts_with("https://jitsi.example/NovaCRM-"));
        assert_eq!(a.len(), "https://jitsi.example/NovaCRM-".len() + 32);
        assert_ne!(a, b);
    }
}
