//! `meridian run`: the bot as a service. Connects every platform whose tokens are set (Slack
//! and Discord at once when both are), serves the HTTP endpoints, runs the scheduler, and
//! stops cleanly on Ctrl-C or SIGTERM. With no platform token it is the console.

use super::app::load_parts;
use super::console::{load_config, Args};
use crate::chat::Platforms;
use crate::clock::{Clock, ShiftedClock, SystemClock};
use crate::store::Store;
use anyhow::Context;
use std::process::ExitCode;
use std::sync::Arc;
use tokio::sync::watch;

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = load_config(args.config.as_deref(), args.database.clone())?;
    if !config.slack.enabled() && !config.discord.enabled() {
        return super::console::run(args, true);
    }
    // `--clock` here starts real time at the given instant (a rehearsal, or a test).
    let tz: chrono_tz::Tz =
        args.tz.parse().map_err(|_| anyhow::anyhow!("--tz: '{}' is not an IANA time zone", args.tz))?;
    let clock: Arc<dyn Clock> = match &args.clock {
        Some(text) => {
            Arc::new(ShiftedClock::starting_at(crate::platforms::console::parse_instant(text, tz).with_context(
                || format!("--clock: '{text}' is not a time from 1900 to 2200 such as 2026-11-05T08:00Z"),
            )?))
        }
        None => Arc::new(SystemClock),
    };
    let parts = load_parts(config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(serve(parts, clock))?;
    Ok(ExitCode::SUCCESS)
}

async fn serve(parts: crate::bot::Parts, clock: Arc<dyn Clock>) -> anyhow::Result<()> {
    let config = parts.config.clone();
    let _sole_use = crate::store::SoleUse::claim(config.database.expose())?;
    let store = Store::connect(config.database.expose())
        .await
        .context("cannot open the database")?
        .with_channel_defaults(config.defaults.channel_settings());
    let (stop, stopped) = watch::channel(false);
    let mut platforms = Platforms::default();
    let mut routes = crate::http::base_routes();
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
        eprintln!("meridian: slack workspace {} connected ({mode})", slack.team_id());
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
    eprintln!("meridian: http listening on {address}");
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
    eprintln!("meridian: stopping");
    let _ = stop.send(true);
    if let Some(slack) = &slack {
        slack.stop().await;
    }
    // (A gateway that failed has no shard left to close.)
    if let (Some(gateway), None) = (discord_gateway, &failure) {
        gateway.stop().await;
    }
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        let _ = scheduling.await;
        let _ = http.await;
    })
    .await;
    bot.store.close().await;
    match failure {
        Some(reason) => Err(anyhow::anyhow!(reason)),
        None => Ok(()),
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
