//! The tables of what leaves the server on a host's behalf: webhook endpoints (with their
//! sealed signing secrets), the webhook deliveries (jobs of kind `webhook`), and the secret
//! token of the host's calendar feed.

use scheduling::Instant;
use sqlx::any::AnyRow;

use super::db::{Result, Store, get};
use super::jobs::JobRow;

/// A host's webhook endpoint as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRecord {
    pub id: String,
    pub host_id: String,
    pub url: String,
    /// Event names, space-separated.
    pub events: String,
    pub secret_sealed: String,
    pub created_at: Instant,
}

impl WebhookRecord {
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: get(r, "webhook_id")?,
            host_id: get(r, "app_user_id")?,
            url: get(r, "url")?,
            events: get(r, "events")?,
            secret_sealed: get(r, "secret_sealed")?,
            created_at: Instant::from_millis(get(r, "created_at")?),
        })
    }

    pub fn listens_to(&self, event: &str) -> bool {
        super::jobs::listens(&self.events, event)
    }
}

const WEBHOOK_COLUMNS: &str =
    "webhook_id, app_user_id, url, events, secret_sealed, created_at FROM webhook_endpoint";

impl Store {
    /// Adds an endpoint; like every change to where bookings fan out, it moves the host's
    /// schedule version (a booking that read the fan-out before its lock reads it again).
    pub async fn add_webhook(&self, webhook: &WebhookRecord) -> Result<()> {
        let mut tx = self.write().await?;
        Store::lock_host(&mut tx, &webhook.host_id).await?;
        sqlx::query(
            "INSERT INTO webhook_endpoint (webhook_id, app_user_id, url, events, secret_sealed, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&webhook.id)
        .bind(&webhook.host_id)
        .bind(&webhook.url)
        .bind(&webhook.events)
        .bind(&webhook.secret_sealed)
        .bind(webhook.created_at.as_millis())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn webhooks(&self, host_id: &str) -> Result<Vec<WebhookRecord>> {
        let sql = format!(
            "SELECT {WEBHOOK_COLUMNS} WHERE app_user_id = $1 ORDER BY created_at, webhook_id"
        );
        self.all(
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(host_id),
            WebhookRecord::from_row,
        )
        .await
    }

    /// One endpoint by id (any host's: the worker's view; services check the owner).
    pub async fn webhook(&self, id: &str) -> Result<Option<WebhookRecord>> {
        let sql = format!("SELECT {WEBHOOK_COLUMNS} WHERE webhook_id = $1");
        self.one(
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id),
            WebhookRecord::from_row,
        )
        .await
    }

    /// Deletes a host's endpoint and its pending deliveries; false when the host has none
    /// by that id.
    pub async fn delete_webhook(&self, host_id: &str, id: &str) -> Result<bool> {
        let mut tx = self.write().await?;
        Store::lock_host(&mut tx, host_id).await?;
        let done =
            sqlx::query("DELETE FROM webhook_endpoint WHERE webhook_id = $1 AND app_user_id = $2")
                .bind(id)
                .bind(host_id)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() > 0 {
            sqlx::query(
                "DELETE FROM job WHERE kind = 'webhook' AND app_user_id = $1 \
                 AND ordering_key LIKE $2 AND done_at IS NULL",
            )
            .bind(host_id)
            .bind(format!("webhook:{id}:%"))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// A host's latest webhook deliveries, newest first.
    pub async fn webhook_deliveries(&self, host_id: &str, limit: i64) -> Result<Vec<JobRow>> {
        self.host_jobs_of_kind(host_id, "webhook", limit).await
    }

    // ---- calendar feed ---------------------------------------------------------------------

    /// The host's feed token, sealed for `feed:HOST`, if one was issued.
    pub async fn feed_token(&self, host_id: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT feed_token_sealed FROM app_user WHERE app_user_id = $1")
            .bind(host_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row
            .map(|r| get::<Option<String>>(&r, "feed_token_sealed"))
            .transpose()?
            .flatten())
    }

    /// Issues `fresh` (its clear form, and sealed for `feed:HOST`) as the feed token: always
    /// with `replace` (rotation), else only when there is none yet. Returns the sealed token
    /// in force. Only the hash and the sealed copy are stored.
    pub async fn issue_feed_token(
        &self,
        host_id: &str,
        fresh: &str,
        sealed: &str,
        replace: bool,
    ) -> Result<String> {
        let mut tx = self.write().await?;
        let condition = if replace {
            ""
        } else {
            " AND feed_token_hash IS NULL"
        };
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE app_user SET feed_token_hash = $1, feed_token_sealed = $2 \
             WHERE app_user_id = $3{condition}"
        )))
        .bind(crate::crypto::token_hash(fresh))
        .bind(sealed)
        .bind(host_id)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query("SELECT feed_token_sealed FROM app_user WHERE app_user_id = $1")
            .bind(host_id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        get(&row, "feed_token_sealed")
    }

    /// The host whose feed this token opens.
    pub async fn host_by_feed_token(&self, token: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT app_user_id FROM app_user WHERE feed_token_hash = $1")
            .bind(crate::crypto::token_hash(token))
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| get(&r, "app_user_id")).transpose()
    }
}
