//! `meridian run`: the bot as a service. Connects every platform whose tokens are set (Slack
//! and Discord at once when both are), serves the HTTP endpoints (health, readiness, metrics,
//! the platforms' routes, ICS feeds), runs the scheduler, and stops cleanly on Ctrl-C or
//! SIGTERM. With no platform token it is the console.
//!
//! Stopping: `/readyz` turns 503 at once, the platforms stop handing over events, the work
//! already acknowledged (votes, replies) and the scheduler's turn in progress finish, the
//! ledger claims this process holds but did not deliver are released for another instance
//! to take at once, and the process exits — all within [`STOP_WITHIN`].

use super::app::load_parts;
use crate::chat::Platforms;
use crate::clock::{Clock, ShiftedClock, SystemClock};
use crate::store::Store;
use anyhow::Context;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How long stopping may take, from the signal to the exit: service managers wait 10 s
/// before they kill (Docker's default; systemd's unit in deploy/ says so too).
pub const STOP_WITHIN: Duration = Duration::from_secs(8);

#[derive(clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub console: super::console::Args,
    /// With --clock: while the bot waits for its next post, time flows this many times
    /// faster (a rehearsal of a month in minutes; the work itself takes real time).
    #[arg(long, requires = "clock", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub clock_rate: u32,
}

pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let RunArgs { console: args, clock_rate } = args;
    let config = args.setup.load()?;
    if !config.slack.enabled() && !config.discord.enabled() {
        return super::console::run(args, true);
    }
    // `--clock` here starts real time at the given instant (a rehearsal, or a test).
    let tz: chrono_tz::Tz =
        args.tz.parse().map_err(|_| anyhow::anyhow!("--tz: '{}' is not an IANA time zone", args.tz))?;
    let clock: Arc<dyn Clock> = match &args.clock {
        Some(text) => {
            let start = crate::platforms::console::parse_instant(text, tz).with_context(|| {
                format!("--clock: '{text}' is not a time from 1900 to 2200 such as 2026-11-05T08:00Z")
            })?;
            Arc::new(ShiftedClock::fast_forwarding(start, clock_rate))
        }
        None => Arc::new(SystemClock),
    };
    super::memory::limit_arenas();
    let parts = load_parts(config)?;
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(super::memory::workers()).enable_all().build()?;
    runtime.block_on(serve(parts, clock))?;
    Ok(ExitCode::SUCCESS)
}

async fn serve(parts: crate::bot::Parts, clock: Arc<dyn Clock>) -> anyhow::Result<()> {
    let config = parts.config.clone();
    crate::telemetry::metrics::install();
    let _sole_use = crate::store::SoleUse::claim(config.database.expose())?;
    let store = Store::connect(config.database.expose())
        .await
        .context("cannot open the database")?
        .with_channel_defaults(config.defaults.clone());
    let (stop, stopped) = watch::channel(false);
    let mut platforms = Platforms::default();
    let mut routes = crate::http::base_routes().merge(crate::http::operations_routes(store.clone()));
    // Each platform adapter connects here (its REST client, checked with its token), adds
    // itself to `platforms` and its HTTP routes to `routes`, and starts listening below once
    // the bot exists.
    // --- Slack: one connection per workspace token ---
    let slack = match config.slack.enabled() {
        true => Some(crate::platforms::slack::Slack::connect(&config.slack).await?),
        false => None,
    };
    if let Some(slack) = &slack {
        platforms.add_workspace(slack.team_id(), slack.platform());
        routes = routes.merge(slack.routes());
    }
    // --- Discord: one connection for every server ---
    let discord = match config.discord.enabled() {
        true => Some(crate::platforms::discord::Discord::connect(&config.discord).await?),
        false => None,
    };
    if let Some(discord) = &discord {
        platforms.add(discord.platform());
    }
    let bot = Arc::new(parts.bot(store, clock, platforms));
    if let Some(slack) = &slack {
        slack.start(bot.clone()).await?;
        let mode = match config.slack.mode {
            crate::config::SlackMode::Socket => "Socket Mode",
            crate::config::SlackMode::Http => "HTTP mode",
        };
        crate::telemetry::logs::status(&format!("meridian: slack workspace {} connected ({mode})", slack.team_id()));
    }
    // --- Discord: the gateway, and the Interactions Endpoint URL in HTTP mode ---
    let mut discord_gateway = match discord {
        Some(discord) => {
            let (discord_routes, gateway) = discord.serve(bot.clone()).await?;
            routes = routes.merge(discord_routes);
            Some(gateway)
        }
        None => None,
    };
    // --- HR's calendars: ICS feeds, and the watcher that reloads changed calendars ---
    routes = routes.merge(crate::feeds::routes(bot.services.clone()));
    let watched = bot.services.clone();
    let watch_stop = stopped.clone();
    tokio::spawn(async move { crate::service::library::watch(watched, until_stopped(watch_stop)).await });
    let (address, http) = crate::http::serve(config.http.listen, routes, until_stopped(stopped.clone()))
        .await
        .with_context(|| format!("[http] listen: cannot listen on {}", config.http.listen))?;
    tracing::info!(%address, "meridian http listening");
    crate::telemetry::logs::status(&format!("meridian: http listening on {address}"));
    // Start-up's parsing is done: what it freed goes back to the system, and so does what
    // later work frees.
    let mut trim_stop = stopped.clone();
    tokio::spawn(async move {
        let first = tokio::time::Instant::now() + Duration::from_secs(1);
        let mut every = tokio::time::interval_at(first, super::memory::GIVE_BACK_EVERY);
        loop {
            tokio::select! {
                _ = every.tick() => {}
                _ = trim_stop.wait_for(|stop| *stop) => return,
            }
            super::memory::give_back();
            let code = super::memory::give_back_code();
            tracing::debug!(code, "memory given back");
        }
    });
    let scheduler = bot.scheduler();
    let scheduler_stop = stopped.clone();
    let scheduling = tokio::spawn(async move { scheduler.run(until_stopped(scheduler_stop)).await });
    // The open pulses' messages show how many have answered, a round every few seconds.
    let services = bot.services.clone();
    let mut live_stop = stopped.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(crate::service::pulses::LIVE_COUNT_EVERY);
        loop {
            tokio::select! {
                _ = every.tick() => {}
                _ = live_stop.wait_for(|stop| *stop) => return,
            }
            if let Err(e) = crate::service::pulses::show_live_counts(&services, services.clock.now()).await {
                tracing::warn!(error = %e, "live pulse counts not shown");
            }
        }
    });
    // A gateway that Discord shuts for good (refused intents) stops meridian too.
    let discord_down = async {
        match discord_gateway.as_mut() {
            Some(gateway) => gateway.failure().await,
            None => std::future::pending().await,
        }
    };
    let failure = tokio::select! {
        () = shutdown_signal() => None,
        reason = discord_down => Some(reason),
    };
    crate::telemetry::logs::status("meridian: stopping");
    let stopping = tokio::time::Instant::now();
    crate::telemetry::ready::stopping();
    let _ = stop.send(true);
    // The platforms stop handing over events and finish what they acknowledged, while the
    // scheduler finishes its turn; together, not one after the other, within the budget
    // (the last second is kept for releasing claims and closing the database).
    let finished = tokio::time::timeout(STOP_WITHIN - Duration::from_secs(1), async {
        let slack_stopped = async {
            if let Some(slack) = &slack {
                slack.stop().await;
            }
        };
        let discord_stopped = async {
            // (A gateway that failed has no shard left to close.)
            if let (Some(gateway), None) = (discord_gateway, &failure) {
                gateway.stop().await;
            }
        };
        let platforms_stopped = async {
            tokio::join!(slack_stopped, discord_stopped);
            // Then the work they acknowledged, on either platform, finishes.
            bot.underway.drain(STOP_WITHIN).await;
        };
        let _ = tokio::join!(platforms_stopped, scheduling, http);
    })
    .await;
    if finished.is_err() {
        tracing::warn!("stopping with work still in progress");
    }
    release_claims(&bot.services).await;
    let _ = tokio::time::timeout(Duration::from_millis(500), bot.store.close()).await;
    tracing::info!(took = ?stopping.elapsed(), "meridian stopped");
    match failure {
        Some(reason) => Err(anyhow::anyhow!(reason)),
        None => Ok(()),
    }
}

/// Gives back the ledger claims this process holds but has not delivered (a send that failed
/// or was cut short), so that another instance sends them now rather than after the lease.
/// A post still being sent at this moment keeps its claim: it may yet reach the platform.
async fn release_claims(services: &crate::service::Services) {
    let sending = services.sending.keys();
    match tokio::time::timeout(Duration::from_millis(500), services.store.release_claims(&services.instance, &sending))
        .await
    {
        Ok(Ok(0)) => {}
        Ok(Ok(released)) => tracing::info!(released, "undelivered claims released for another instance"),
        Ok(Err(e)) => tracing::warn!(error = %e, "claims not released; another instance takes them after the lease"),
        Err(_) => tracing::warn!("claims not released in time; another instance takes them after the lease"),
    }
}

/// Resolves once `stop` says so.
async fn until_stopped(mut stopped: watch::Receiver<bool>) {
    let _ = stopped.wait_for(|stop| *stop).await;
}

/// Ctrl-C, or SIGTERM from a service manager.
pub(super) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
