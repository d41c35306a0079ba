//! DNS lookups (hickory): the TXT records that prove a custom domain is the host's.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{NameServerConfigGroup, ResolverConfig, ResolverOpts};
use hickory_resolver::name_server::TokioConnectionProvider;

/// DNS lookups through `NOVACRM_DNS_RESOLVER` (or the system's resolvers), uncached: a host
/// who just created their record is told the truth, not a remembered "no such name".
#[derive(Clone)]
pub struct Dns {
    resolver: Arc<TokioResolver>,
}

impl std::fmt::Debug for Dns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dns").finish_non_exhaustive()
    }
}

impl Dns {
    pub fn new(server: Option<SocketAddr>) -> std::result::Result<Self, String> {
        let provider = TokioConnectionProvider::default();
        let mut builder = match server {
            Some(at) => {
                let servers = NameServerConfigGroup::from_ips_clear(&[at.ip()], at.port(), true);
                TokioResolver::builder_with_config(
                    ResolverConfig::from_parts(None, vec![], servers),
                    provider,
                )
            }
            None => TokioResolver::builder(provider)
                .map_err(|e| format!("cannot read the system's DNS configuration: {e}"))?,
        };
        let options: &mut ResolverOpts = builder.options_mut();
        options.cache_size = 0;
        options.timeout = Duration::from_secs(3);
        options.attempts = 2;
        Ok(Self {
            resolver: Arc::new(builder.build()),
        })
    }

    /// The TXT strings at `name` (each record's strings joined), empty when there is none.
    pub async fn txt(&self, name: &str) -> std::result::Result<Vec<String>, String> {
        match self.resolver.txt_lookup(format!("{name}.")).await {
            Ok(found) => Ok(found
                .iter()
                .map(|txt| {
                    txt.txt_data()
                        .iter()
                        .map(|part| String::from_utf8_lossy(part).into_owned())
                        .collect::<String>()
                })
                .collect()),
            // Only a real "no such record" (NXDOMAIN, or NOERROR without one) is an answer;
            // SERVFAIL, REFUSED and timeouts are the resolver failing.
            Err(e) if e.is_no_records_found() && answered(&e) => Ok(Vec::new()),
            Err(e) => Err(e.to_string()),
        }
    }
}

fn answered(e: &hickory_resolver::ResolveError) -> bool {
    use hickory_resolver::proto::ProtoErrorKind;
    use hickory_resolver::proto::op::ResponseCode;
    e.proto().is_some_and(|p| {
        matches!(p.kind(), ProtoErrorKind::NoRecordsFound { response_code, .. }
            if matches!(response_code, ResponseCode::NoError | ResponseCode::NXDomain))
    })
}
