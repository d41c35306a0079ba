//! Hosts: accounts, credentials, sessions and API tokens, the profile and photo, the
//! onboarding checklist, the one-shot flash message, and the per-host lock every booking
//! takes.

use super::db::{Backend, Result, Store, Tx, new_id};
use super::follow::PageHost;
use super::records::host_columns;
use super::records::{Host, Onboarding};
use super::schedule::save_availability;
use scheduling::{AvailabilitySettings, Instant};
use sqlx::Row;

impl Store {
    // ---- hosts -------------------------------------------------------------------------

    pub async fn create_host(
        &self,
        username: &str,
        name: &str,
        email: &str,
        password_hash: &str,
        settings: &AvailabilitySettings,
        now: Instant,
    ) -> Result<Host> {
        let mut tx = self.write().await?;
        let id = new_id();
        sqlx::query(
            "INSERT INTO app_user (app_user_id, username, name, email, password_hash, \
             booking_version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 0, $6, $6)",
        )
        .bind(&id)
        .bind(username)
        .bind(name)
        .bind(email)
        .bind(password_hash)
        .bind(now.as_millis())
        .execute(&mut *tx)
        .await?;
        save_availability(&mut tx, &id, settings, now).await?;
        tx.commit().await?;
        Ok(Host {
            id,
            username: username.into(),
            name: name.into(),
            email: email.into(),
            booking_version: 0,
            embed_origins: String::new(),
            welcome: String::new(),
            brand_color: String::new(),
            photo_digest: None,
            onboarding: Onboarding::default(),
            page_analytics: true,
            week_start: scheduling::Weekday::Mon,
        })
    }

    pub async fn host_count(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM app_user")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
    }

    pub async fn host_by_username(&self, username: &str) -> Result<Option<Host>> {
        self.one(
            sqlx::query(concat!(
                "SELECT ",
                host_columns!(),
                " FROM app_user WHERE username = $1"
            ))
            .bind(username),
            Host::from_row,
        )
        .await
    }

    pub async fn host_by_id(&self, id: &str) -> Result<Option<Host>> {
        self.one(
            sqlx::query(concat!(
                "SELECT ",
                host_columns!(),
                " FROM app_user WHERE app_user_id = $1"
            ))
            .bind(id),
            Host::from_row,
        )
        .await
    }

    pub async fn host_by_token_hash(&self, token_hash: &str) -> Result<Option<Host>> {
        self.one(
            sqlx::query(concat!(
                "SELECT ",
                host_columns!(u),
                " FROM api_token t JOIN app_user u ON u.app_user_id = t.app_user_id \
             WHERE t.token_hash = $1"
            ))
            .bind(token_hash),
            Host::from_row,
        )
        .await
    }

    /// The host and their password hash, for logging in.
    pub async fn credentials(&self, username: &str) -> Result<Option<(Host, String)>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            host_columns!(),
            ", password_hash FROM app_user WHERE username = $1"
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((Host::from_row(&r)?, r.try_get("password_hash")?)))
            .transpose()
    }

    pub async fn add_session(
        &self,
        host_id: &str,
        token_hash: &str,
        expires: Instant,
        now: Instant,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO session (token_hash, app_user_id, expires_at, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(host_id)
        .bind(expires.as_millis())
        .bind(now.as_millis())
        .execute(&self.writes)
        .await?;
        Ok(())
    }

    pub async fn host_by_session(&self, token_hash: &str, now: Instant) -> Result<Option<Host>> {
        self.one(
            sqlx::query(concat!(
                "SELECT ",
                host_columns!(u),
                " FROM session s JOIN app_user u ON u.app_user_id = s.app_user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2"
            ))
            .bind(token_hash)
            .bind(now.as_millis()),
            Host::from_row,
        )
        .await
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM session WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.writes)
            .await?;
        Ok(())
    }

    pub async fn add_token(&self, host_id: &str, token_hash: &str, now: Instant) -> Result<()> {
        sqlx::query(
            "INSERT INTO api_token (api_token_id, app_user_id, token_hash, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(new_id())
        .bind(host_id)
        .bind(token_hash)
        .bind(now.as_millis())
        .execute(&self.writes)
        .await?;
        Ok(())
    }

    /// Locks the host for a change of their schedule and bumps the version that keys the
    /// availability cache. Every booking write and every rule change goes through here.
    pub async fn lock_host(tx: &mut Tx, host_id: &str) -> Result<i64> {
        let row = sqlx::query(
            "UPDATE app_user SET booking_version = booking_version + 1 WHERE app_user_id = $1 \
             RETURNING booking_version",
        )
        .bind(host_id)
        .fetch_one(&mut **tx)
        .await?;
        Ok(row.try_get("booking_version")?)
    }

    /// The host's current schedule version (one indexed read).
    /// What a cached public page needs of its host: one indexed row.
    pub async fn host_version(&self, username: &str) -> Result<Option<PageHost>> {
        if let Some(kept) = self.pages.get(username) {
            return Ok(Some(kept));
        }
        let seen = self.pages.generation();
        let row = sqlx::query(
            "SELECT app_user_id, booking_version, embed_origins, busy_synced_at, \
             busy_covered_until FROM app_user WHERE username = $1",
        )
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(PageHost {
                id: r.try_get("app_user_id")?,
                version: r.try_get("booking_version")?,
                embed_origins: r.try_get("embed_origins")?,
                busy_synced_at: r
                    .try_get::<Option<i64>, _>("busy_synced_at")?
                    .map(Instant::from_millis),
                busy_covered_until: r
                    .try_get::<Option<i64>, _>("busy_covered_until")?
                    .map(Instant::from_millis),
            })
        })
        .transpose()
        .inspect(|found| {
            if let Some(host) = found {
                self.pages.keep(seen, username, host);
            }
        })
    }

    /// Saves the host's booking-page profile (validated by the caller) and bumps the
    /// version that keys the cached pages, which show it.
    pub async fn set_profile(&self, host: &Host) -> Result<()> {
        let mut tx = self.write().await?;
        Self::lock_host(&mut tx, &host.id).await?;
        sqlx::query(
            "UPDATE app_user SET name = $1, welcome = $2, brand_color = $3, embed_origins = $4, \
             link_shared = $5, page_analytics = $6, week_start = $7 WHERE app_user_id = $8",
        )
        .bind(&host.name)
        .bind(&host.welcome)
        .bind(&host.brand_color)
        .bind(&host.embed_origins)
        .bind(i64::from(host.onboarding.shared))
        .bind(i64::from(host.page_analytics))
        .bind(host.week_start.key())
        .bind(&host.id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ticks a step of the host's onboarding checklist (`hours_set` or `types_set`).
    pub async fn tick_onboarding(tx: &mut Tx, host_id: &str, step: OnboardingStep) -> Result<()> {
        let sql = match step {
            OnboardingStep::Hours => "UPDATE app_user SET hours_set = 1 WHERE app_user_id = $1",
            OnboardingStep::Types => "UPDATE app_user SET types_set = 1 WHERE app_user_id = $1",
        };
        sqlx::query(sql).bind(host_id).execute(&mut **tx).await?;
        Ok(())
    }

    /// Replaces (or with `None` removes) the host's photo; its digest names its URL.
    pub async fn set_photo(&self, host_id: &str, photo: Option<(&str, &[u8], &str)>) -> Result<()> {
        let mut tx = self.write().await?;
        Self::lock_host(&mut tx, host_id).await?;
        sqlx::query("DELETE FROM host_photo WHERE app_user_id = $1")
            .bind(host_id)
            .execute(&mut *tx)
            .await?;
        if let Some((content_type, bytes, _)) = photo {
            sqlx::query(
                "INSERT INTO host_photo (app_user_id, content_type, bytes) VALUES ($1, $2, $3)",
            )
            .bind(host_id)
            .bind(content_type)
            .bind(bytes)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE app_user SET photo_digest = $1 WHERE app_user_id = $2")
            .bind(photo.map(|(_, _, digest)| digest))
            .bind(host_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The host's photo, if it still has this digest: content type and bytes.
    pub async fn photo(&self, username: &str, digest: &str) -> Result<Option<(String, Vec<u8>)>> {
        let row = sqlx::query(
            "SELECT p.content_type, p.bytes FROM host_photo p \
             JOIN app_user u ON u.app_user_id = p.app_user_id \
             WHERE u.username = $1 AND u.photo_digest = $2",
        )
        .bind(username)
        .bind(digest)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((r.try_get("content_type")?, r.try_get("bytes")?)))
            .transpose()
    }

    /// Leaves a message for the session's next dashboard page (replacing one not yet shown).
    pub async fn set_flash(
        &self,
        session_hash: &str,
        kind: &str,
        body: &str,
        now: Instant,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM flash_message WHERE session_hash = $1")
            .bind(session_hash)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO flash_message (session_hash, kind, body, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(session_hash)
        .bind(kind)
        .bind(body)
        .bind(now.as_millis())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The session's waiting message (kind, text), taken: it shows once.
    pub async fn take_flash(&self, session_hash: &str) -> Result<Option<(String, String)>> {
        let row =
            sqlx::query("DELETE FROM flash_message WHERE session_hash = $1 RETURNING kind, body")
                .bind(session_hash)
                .fetch_optional(&self.writes)
                .await?;
        row.map(|r| Ok((r.try_get("kind")?, r.try_get("body")?)))
            .transpose()
    }
}

/// A step of the onboarding checklist the host ticks by doing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnboardingStep {
    Hours,
    Types,
}

impl Store {
    /// On PostgreSQL, starts following changes in the background (reconnecting after any
    /// error); elsewhere does nothing.
    pub fn follow_changes(&self) {
        if self.backend != Backend::Postgres {
            return;
        }
        let (url, rows) = (self.url.clone(), self.pages.clone());
        tokio::spawn(async move {
            loop {
                if let Err(e) = super::follow::listen(&url, &rows).await {
                    tracing::warn!(error = %e, "lost the change notifications; reading hosts per request");
                }
                rows.set_live(false);
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        });
    }

    /// The in-memory page rows (for tests and `/metrics`).
    pub fn page_rows(&self) -> &super::follow::PageRows {
        &self.pages
    }
}
