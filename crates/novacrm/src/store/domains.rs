//! Hosts' custom domains: added pending, verified by their TXT record, re-checked by a job,
//! and the table of verified ones every process routes by.

use scheduling::Instant;
use sqlx::any::AnyRow;

use super::db::{Result, Store, get};

/// A custom domain as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainRecord {
    pub id: String,
    pub host_id: String,
    /// Lower-case ASCII (IDN as punycode), no trailing dot.
    pub domain: String,
    /// What the TXT record `_novacrm.<domain>` must hold.
    pub txt_value: String,
    pub status: DomainStatus,
    /// Why the last check failed, in words for the host.
    pub last_error: Option<String>,
    pub created_at: Instant,
    pub checked_at: Option<Instant>,
    pub verified_at: Option<Instant>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DomainStatus {
    /// Added; its record was not found yet.
    Pending,
    /// Proven: pages are served at it.
    Verified,
    /// Was verified, its record is gone: not served until it is verified again.
    Lapsed,
}

impl DomainStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Verified => "verified",
            Self::Lapsed => "lapsed",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "verified" => Self::Verified,
            "lapsed" => Self::Lapsed,
            _ => Self::Pending,
        }
    }
}

impl DomainRecord {
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: get(r, "custom_domain_id")?,
            host_id: get(r, "app_user_id")?,
            domain: get(r, "domain")?,
            txt_value: get(r, "txt_value")?,
            status: DomainStatus::parse(&get::<String>(r, "status")?),
            last_error: get(r, "last_error")?,
            created_at: Instant::from_millis(get(r, "created_at")?),
            checked_at: get::<Option<i64>>(r, "checked_at")?.map(Instant::from_millis),
            verified_at: get::<Option<i64>>(r, "verified_at")?.map(Instant::from_millis),
        })
    }
}

macro_rules! domain_select {
    ($rest:literal) => {
        concat!(
            "SELECT custom_domain_id, app_user_id, domain, txt_value, status, last_error, \
             created_at, checked_at, verified_at FROM custom_domain ",
            $rest
        )
    };
}

impl Store {
    /// Adds `record`; `false` when the domain is already someone's (this host's included).
    pub async fn insert_domain(&self, record: &DomainRecord) -> Result<bool> {
        let mut tx = self.write().await?;
        let done = sqlx::query(
            "INSERT INTO custom_domain (custom_domain_id, app_user_id, domain, txt_value, status, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (domain) DO NOTHING",
        )
        .bind(&record.id)
        .bind(&record.host_id)
        .bind(&record.domain)
        .bind(&record.txt_value)
        .bind(record.status.as_str())
        .bind(record.created_at.as_millis())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// The host's domains, oldest first.
    pub async fn domains(&self, host_id: &str) -> Result<Vec<DomainRecord>> {
        self.all(
            sqlx::query(domain_select!(
                "WHERE app_user_id = $1 ORDER BY created_at, domain"
            ))
            .bind(host_id),
            DomainRecord::from_row,
        )
        .await
    }

    /// One of the host's domains.
    pub async fn domain(&self, host_id: &str, id: &str) -> Result<Option<DomainRecord>> {
        self.one(
            sqlx::query(domain_select!(
                "WHERE app_user_id = $1 AND custom_domain_id = $2"
            ))
            .bind(host_id)
            .bind(id),
            DomainRecord::from_row,
        )
        .await
    }

    /// A domain by id, whoever's it is (for the re-checking job).
    pub async fn domain_by_id(&self, id: &str) -> Result<Option<DomainRecord>> {
        self.one(
            sqlx::query(domain_select!("WHERE custom_domain_id = $1")).bind(id),
            DomainRecord::from_row,
        )
        .await
    }

    /// Records a check's outcome: the new status, and why it failed (`None` when it passed).
    pub async fn record_domain_check(
        &self,
        id: &str,
        status: DomainStatus,
        error: Option<&str>,
        at: Instant,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        sqlx::query(
            "UPDATE custom_domain SET status = $2, last_error = $3, checked_at = $4, \
             verified_at = CASE WHEN $2 = 'verified' THEN COALESCE(verified_at, $4) ELSE NULL END \
             WHERE custom_domain_id = $1",
        )
        .bind(id)
        .bind(status.as_str())
        .bind(error)
        .bind(at.as_millis())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes one of the host's domains; `false` when there was none.
    pub async fn delete_domain(&self, host_id: &str, id: &str) -> Result<bool> {
        let mut tx = self.write().await?;
        let done = sqlx::query(
            "DELETE FROM custom_domain WHERE app_user_id = $1 AND custom_domain_id = $2",
        )
        .bind(host_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// Every verified domain with its host's username: what requests are routed by.
    pub async fn verified_domains(&self) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query(
            "SELECT d.domain, u.username FROM custom_domain d \
             JOIN app_user u ON u.app_user_id = d.app_user_id WHERE d.status = 'verified'",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((get(r, "domain")?, get(r, "username")?)))
            .collect()
    }
}
