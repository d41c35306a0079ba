//! A host's own addresses (docs/DESIGN.md §13): a custom domain is added pending, with a TXT
//! record to create (`_novacrm.<domain>` = a value we chose) and a CNAME target; it is
//! verified by a real DNS lookup, re-checked by a job, and served only while verified. The
//! routing table every process keeps of verified domains lives here too ([`DomainTable`]).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use jiff::Timestamp;
use scheduling::{FieldError, Instant};
use serde_json::{Value, json};

use super::{Result, ServiceError};
use crate::crypto::random_token;
use crate::integrations::dns::Dns;
use crate::names::normalise_host;
use crate::store::{DomainRecord, DomainStatus, Host, JobRecord, Store, new_id};

/// The label under which a domain's proof is published.
pub const TXT_LABEL: &str = "_novacrm";
/// How often verified (and lapsed) domains are looked up again.
pub const RECHECK_MS: i64 = 6 * 60 * 60 * 1000;
/// How many domains one host may add.
const MAX_PER_HOST: usize = 10;

/// Where the names of this deployment are: what a custom domain may not be.
#[derive(Debug, Clone)]
pub struct Names {
    /// `NOVACRM_BASE_DOMAIN`: hosts' subdomains live under it.
    pub base_domain: Option<String>,
    /// The public URL's host.
    pub public_host: String,
    /// What a custom domain's CNAME points at.
    pub cname_target: String,
}

/// A domain a host typed, checked: a DNS name of at least two labels, not an IP literal, not
/// ours (the base domain, its subdomains, the public host).
pub fn parse_domain(text: &str, names: &Names) -> std::result::Result<String, FieldError> {
    let bad = |why: &str| FieldError::new("domain", why.to_owned());
    let trimmed = text.trim();
    let bare = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))
        .unwrap_or(trimmed)
        .trim_end_matches('/');
    if bare.is_empty() {
        return Err(bad("enter the domain, e.g. book.example.com"));
    }
    if bare.contains(['/', '?', '#', '@', ' ']) {
        return Err(bad(
            "enter only the domain, e.g. book.example.com, without a path",
        ));
    }
    let unbracketed = bare.trim_start_matches('[').trim_end_matches(']');
    if unbracketed.parse::<std::net::IpAddr>().is_ok() {
        return Err(bad(
            "an IP address cannot be a booking address: enter a domain name",
        ));
    }
    let name = normalise_host(bare)
        .filter(|n| !n.contains(':'))
        .ok_or_else(|| bad("this is not a valid domain name (e.g. book.example.com)"))?;
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2
        || labels
            .last()
            .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(bad("enter a full domain name, e.g. book.example.com"));
    }
    let ours = |base: &str| name == base || name.ends_with(&format!(".{base}"));
    if names.base_domain.as_deref().is_some_and(ours) || ours(&names.public_host) {
        return Err(bad(
            "this name is ours already: your page is at your own subdomain; add a domain you own",
        ));
    }
    Ok(name)
}

/// The API's (and the dashboard's) view of a domain: what to create at the DNS provider.
pub fn to_json(record: &DomainRecord, names: &Names) -> Value {
    json!({
        "id": record.id,
        "domain": record.domain,
        "status": record.status.as_str(),
        "cname": names.cname_target,
        "txt": {"name": format!("{TXT_LABEL}.{}", record.domain), "value": record.txt_value},
        "lastError": record.last_error,
        "checkedAt": record.checked_at.map(|t| t.to_string()),
        "verifiedAt": record.verified_at.map(|t| t.to_string()),
        "createdAt": record.created_at.to_string(),
    })
}

/// Adds `text` as one of the host's domains, pending until verified.
pub async fn add(
    store: &Store,
    names: &Names,
    host: &Host,
    text: &str,
    now: Timestamp,
) -> Result<DomainRecord> {
    let domain = parse_domain(text, names)?;
    if store.domains(&host.id).await?.len() >= MAX_PER_HOST {
        return Err(ServiceError::Conflict(format!(
            "an account may have {MAX_PER_HOST} domains; remove one first"
        )));
    }
    let record = DomainRecord {
        id: new_id(),
        host_id: host.id.clone(),
        domain,
        txt_value: random_token("novacrm-verify="),
        status: DomainStatus::Pending,
        last_error: None,
        created_at: Instant::from(now),
        checked_at: None,
        verified_at: None,
    };
    if !store.insert_domain(&record).await? {
        return Err(ServiceError::Conflict(format!(
            "{} is already connected to a NovaCRM account; one domain serves one booking page",
            record.domain
        )));
    }
    Ok(record)
}

/// Looks the domain's TXT record up now and records the outcome. A verified domain is served
/// from this moment (every process within [`DomainTable`]'s refresh) and re-checked by a job.
pub async fn verify(
    store: &Store,
    dns: &Dns,
    table: &DomainTable,
    host: &Host,
    id: &str,
    now: Timestamp,
) -> Result<DomainRecord> {
    let record = store
        .domain(&host.id, id)
        .await?
        .ok_or_else(|| ServiceError::NotFound("no such domain".into()))?;
    let checked = check(store, dns, &record, Instant::from(now)).await?;
    if checked.status == DomainStatus::Verified {
        plan_recheck(store, &host.id, Instant::from(now)).await?;
    }
    table.reload(store).await?;
    Ok(checked)
}

/// Removes one of the host's domains; it stops being served at once.
pub async fn remove(store: &Store, table: &DomainTable, host: &Host, id: &str) -> Result<()> {
    if !store.delete_domain(&host.id, id).await? {
        return Err(ServiceError::NotFound("no such domain".into()));
    }
    table.reload(store).await?;
    Ok(())
}

/// The re-checking job's work: every verified or lapsed domain of the host looked up again.
/// A domain whose record is gone lapses (it stops being served; the dashboard says why); a
/// lapsed one whose record is back is served again. Returns whether the host still has
/// domains to watch (the job then plans its next run).
pub async fn recheck_host(store: &Store, dns: &Dns, host_id: &str, now: Instant) -> Result<bool> {
    let mut watching = false;
    for record in store.domains(host_id).await? {
        if record.status == DomainStatus::Pending {
            continue;
        }
        watching = true;
        let checked = check(store, dns, &record, now).await?;
        if record.status == DomainStatus::Verified && checked.status == DomainStatus::Lapsed {
            tracing::warn!(domain = %record.domain, error = ?checked.last_error,
                "a custom domain stopped verifying; it is no longer served");
        }
    }
    Ok(watching)
}

/// Queues the host's re-check, unless one is queued already.
async fn plan_recheck(store: &Store, host_id: &str, now: Instant) -> Result<()> {
    let mut tx = store.write().await?;
    if !Store::has_pending_job(&mut tx, host_id, crate::outbox::DOMAIN_CHECK).await? {
        let record = JobRecord {
            host_id: Some(host_id.to_owned()),
            booking_id: None,
            kind: crate::outbox::DOMAIN_CHECK.into(),
            payload: "{}".into(),
            run_at: Instant::from_millis(now.as_millis() + RECHECK_MS),
            ordering_key: None,
        };
        Store::enqueue(&mut tx, &record, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn check(
    store: &Store,
    dns: &Dns,
    record: &DomainRecord,
    now: Instant,
) -> Result<DomainRecord> {
    let name = format!("{TXT_LABEL}.{}", record.domain);
    let answer = dns.txt(&name).await;
    // A resolver that cannot answer says nothing about the record: the status stays.
    let unanswered = answer.is_err();
    let error = match answer {
        Ok(values) if values.iter().any(|v| v.trim() == record.txt_value) => None,
        Ok(values) if values.is_empty() => Some(format!(
            "no TXT record at {name} yet (DNS changes can take a few minutes to appear)"
        )),
        Ok(values) => Some(format!(
            "the TXT record at {name} holds {:?}, not {:?}",
            values.join(" "),
            record.txt_value
        )),
        Err(e) => Some(format!("the DNS lookup of {name} failed: {e}")),
    };
    let status = match (&error, record.status) {
        (None, _) => DomainStatus::Verified,
        (Some(_), kept) if unanswered => kept,
        (Some(_), DomainStatus::Pending) => DomainStatus::Pending,
        (Some(_), _) => DomainStatus::Lapsed,
    };
    store
        .record_domain_check(&record.id, status, error.as_deref(), now)
        .await?;
    let mut checked = record.clone();
    checked.status = status;
    checked.last_error = error;
    checked.checked_at = Some(now);
    Ok(checked)
}

/// Verified domains → their host's username, as every process routes by. Reloaded at once
/// after a change in this process, and every [`DomainTable::REFRESH`] from the database, so a
/// domain verified (or removed) through another process is routed within that time.
#[derive(Debug, Default)]
pub struct DomainTable {
    routes: RwLock<HashMap<String, String>>,
}

impl DomainTable {
    pub const REFRESH: Duration = Duration::from_secs(5);

    /// The username whose pages `domain` (normalised) serves.
    pub fn username(&self, domain: &str) -> Option<String> {
        self.routes
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(domain)
            .cloned()
    }

    /// Whether no domain is verified (requests then need no lookup).
    pub fn is_empty(&self) -> bool {
        self.routes
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .is_empty()
    }

    /// Whether `domain` is a verified custom domain.
    pub fn serves(&self, domain: &str) -> bool {
        self.username(domain).is_some()
    }

    pub async fn reload(&self, store: &Store) -> Result<()> {
        let fresh: HashMap<String, String> = store.verified_domains().await?.into_iter().collect();
        *self
            .routes
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = fresh;
        Ok(())
    }

    /// Reloads every [`Self::REFRESH`] until the process ends.
    pub fn spawn_refresh(self: &Arc<Self>, store: Store) {
        let table = Arc::clone(self);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Self::REFRESH);
            loop {
                every.tick().await;
                if let Err(e) = table.reload(&store).await {
                    tracing::warn!(error = %e, "could not reload the custom domains");
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        Names {
            base_domain: Some("novacrm.app".into()),
            public_host: "app.novacrm.app".into(),
            cname_target: "domains.novacrm.app".into(),
        }
    }

    #[test]
    fn only_real_domains_of_others_may_be_added() {
        let ok = |t: &str| parse_domain(t, &names());
        assert_eq!(ok("Book.Example.COM.").unwrap(), "book.example.com");
        assert_eq!(ok("https://book.example.com/").unwrap(), "book.example.com");
        assert_eq!(
            ok("Bücher.Beispiel.de").unwrap(),
            "xn--bcher-kva.beispiel.de"
        );
        for bad in [
            "",
            "192.0.2.1",
            "[2001:db8::1]",
            "localhost",
            "novacrm.app",
            "jane.novacrm.app",
            "app.novacrm.app",
            "book.example.com/path",
            "exa mple.com",
            "1.2.3.999",
            &format!("{}.example.com", "a".repeat(64)),
        ] {
            assert!(ok(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
