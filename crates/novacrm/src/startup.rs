//! Building and running the application: `Application::build` connects, migrates, seeds the
//! demo when asked and binds the listener; `run_until_stopped` serves until SIGTERM/Ctrl-C,
//! letting in-flight requests finish (each write is one transaction, so nothing is left
//! half-written either way).

use std::net::SocketAddr;
use std::sync::Arc;

use jiff::Timestamp;
use serde_json::json;
use tokio::net::TcpListener;

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::integrations::Integrations;
use crate::integrations::meetings::MeetingLinks;
use crate::messages::Sender;
use crate::sealed::Sealer;
use crate::services::accounts;
use crate::services::availability::SlotCache;
use crate::services::calendars::Calendars;
use crate::services::captcha::Captcha;
use crate::services::meeting_types;
use crate::store::Store;
use crate::web::router;
use crate::web::state::AppState;
use crate::worker::Worker;

#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    state: AppState,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        Self::build_with_clock(config, Arc::new(SystemClock)).await
    }

    pub async fn build_with_clock(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let integrations = Integrations::from_config(&config)?;
        Self::build_with(config, clock, integrations).await
    }

    /// Builds with the given clock and adapters (tests pass fakes or local servers).
    pub async fn build_with(
        mut config: Config,
        clock: Arc<dyn Clock>,
        integrations: Integrations,
    ) -> anyhow::Result<Self> {
        crate::integrations::install_tls();
        let store = Store::connect(&config.database.url).await?;
        let listener = TcpListener::bind(&config.listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
        let bound = listener.local_addr()?;
        config.public_url = Some(config.public_url(bound));
        let sealer = Arc::new(
            Sealer::load(&store, config.secret.as_deref(), clock.now())
                .await
                .map_err(|e| anyhow::anyhow!("cannot load the sealing secret: {e}"))?,
        );
        let moved = store
            .seal_clear_tokens(|token, context| sealer.seal(token, context))
            .await
            .map_err(|e| anyhow::anyhow!("cannot move clear tokens to their hashes: {e}"))?;
        if moved > 0 {
            tracing::info!(moved, "guest and feed tokens now stored hashed and sealed");
        }
        let sender = Sender::new(
            config.public_url.as_deref().unwrap_or_default(),
            config.mail_from.as_deref(),
            sealer.clone(),
        )
        .map_err(anyhow::Error::msg)?;
        let sender = Arc::new(sender);
        let calendars = Calendars::new(
            store.clone(),
            sealer.clone(),
            integrations.outbound.clone(),
            sender.clone(),
            integrations.google.clone(),
        );
        let meetings = integrations.meetings.clone();
        let dns = integrations.dns.clone();
        let worker = Worker::new(
            store.clone(),
            integrations,
            sender.clone(),
            sealer.clone(),
            calendars.clone(),
            config.job_lease,
        );
        let captcha = Captcha::load(
            &store,
            config.secret.as_deref(),
            config.captcha,
            clock.now(),
        )
        .await
        .map_err(|e| anyhow::anyhow!("cannot load the CAPTCHA secret: {e}"))?;
        let state = AppState {
            funnel: crate::services::funnel::Funnel::start(store.clone()),
            insights: Arc::default(),
            store,
            cache: Arc::new(SlotCache::new(calendars.clone())),
            calendars,
            meetings,
            clock,
            config: Arc::new(config),
            sender,
            worker,
            captcha: Arc::new(captcha),
            sealer,
            domains: Arc::default(),
            dns,
        };
        state.domains.reload(&state.store).await?;
        if state.config.demo {
            seed_demo(&state.store, state.clock.now()).await?;
        }
        Ok(Self { listener, state })
    }

    pub fn address(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub fn public_url(&self) -> String {
        self.state.config.public_url(self.address())
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until SIGTERM (or Ctrl-C), then drains: no new connections or jobs; in-flight
    /// requests and the jobs this process holds finish (jobs within [`DRAIN`]; one cut off
    /// past it is retried by any process once its lease ends).
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let store = self.state.store.clone();
        let (stop, stopping) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            shutdown_signal().await;
            let _ = stop.send(true);
        });
        let worker = self.state.config.worker.then(|| {
            self.state.worker.clone().spawn(
                self.state.clock.clone(),
                self.state.config.job_poll,
                stopping.clone(),
            )
        });
        self.state.domains.spawn_refresh(self.state.store.clone());
        self.state.store.follow_changes();
        let app = router(self.state).into_make_service_with_connect_info::<SocketAddr>();
        let mut until = stopping.clone();
        axum::serve(self.listener, app)
            .with_graceful_shutdown(async move {
                let _ = until.wait_for(|stopped| *stopped).await;
            })
            .await?;
        if let Some(worker) = worker
            && tokio::time::timeout(DRAIN, worker).await.is_err()
        {
            tracing::warn!("jobs still running after the drain period; their leases will lapse");
        }
        tracing::info!("stopped");
        store.close().await;
        Ok(())
    }
}

/// How long a stopping process waits for the jobs it holds.
const DRAIN: std::time::Duration = std::time::Duration::from_secs(25);

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { () = ctrl_c => {}, () = terminate => {} }
    tracing::info!("shutting down: finishing in-flight requests");
}

/// Adds the demo host `jane` with two meeting types, when the database has no host yet.
pub async fn seed_demo(store: &Store, now: Timestamp) -> anyhow::Result<()> {
    if store.host_count().await? > 0 {
        return Ok(());
    }
    let jane = accounts::create_host(
        store,
        "jane",
        "Jane Smith",
        "jane@example.com",
        "demo-password-jane",
        None,
        now,
    )
    .await
    .map_err(|e| anyhow::anyhow!("cannot seed the demo host: {e}"))?;
    for (name, duration, description) in [
        ("Quick Call", 15, "A short call to get to know each other."),
        ("Consultation", 30, "Let's discuss your project in detail."),
    ] {
        meeting_types::create_meeting_type(
            store,
            // The demo's types name no video provider, so none is asked.
            &MeetingLinks::new(crate::config::JITSI_URL, None, None),
            &jane,
            &json!({"name": name, "duration": duration, "description": description}),
            now,
        )
        .await
        .map_err(|e| anyhow::anyhow!("cannot seed the demo meeting types: {e}"))?;
    }
    Ok(())
}
