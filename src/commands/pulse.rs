//! `/pulse`: start (from the bank or a manager's own question), schedule, unschedule, close,
//! results and list. Parsing and the manager check happen at acknowledgement (`Bot::accept`);
//! the pulse's life itself is the pulses service's.

use super::{Context, Effects};
use crate::chat::{Message, Outgoing};
use crate::pulse::QuestionId;
use crate::pulse::{PulseCommand, QuestionSpec, USAGE};
use crate::service::pulses::{self, schedule_job, Asked, Reported};
use crate::service::ServiceError;
use crate::store::{NewPulseSchedule, Pulse};
use chrono::TimeDelta;

pub async fn run(ctx: &Context<'_>, command: PulseCommand) -> Result<Effects, ServiceError> {
    let s = &*ctx.bot.services;
    let default = TimeDelta::from_std(ctx.bot.config.pulse.default_duration).unwrap_or(crate::pulse::DEFAULT_DURATION);
    let duration = |d: Option<TimeDelta>| d.unwrap_or(default);
    match command {
        PulseCommand::Help => Ok(vec![ctx.ephemeral(Message::text(USAGE))].into()),
        PulseCommand::Start { question, duration: d } => {
            let question = match question {
                QuestionSpec::Bank { theme } => match pulses::pick(s, &ctx.channel, theme, ctx.now).await? {
                    Some(q) => q,
                    None => {
                        let none = Message::text("The question bank has no question for that theme.");
                        return Ok(vec![ctx.ephemeral(none)].into());
                    }
                },
                QuestionSpec::Custom { text, answer } => {
                    Asked { id: QuestionId::custom(&text), theme: None, why: None, text, answer }
                }
            };
            let by = &ctx.actor.user_id;
            let launched = pulses::launch(s, &ctx.channel, ctx.channel_ref, question, duration(d), by, ctx.now).await?;
            if launched.posted {
                return Ok(Effects::rescheduling(Vec::new()));
            }
            Ok(Effects::rescheduling(vec![ctx.ephemeral(Message::text(format!(
                "Pulse {} is open but its question could not be posted just now; meridian will post it again \
                 within a minute or two.",
                launched.id
            )))]))
        }
        PulseCommand::Schedule { cron, theme, duration: d } => {
            // Fired as reminders are: crontab weekday numbers, channel wall-clock time, DST-safe.
            let slots = cron.schedule();
            let tz = ctx.channel.settings.timezone;
            let upcoming: Vec<_> = slots.slots_between(tz, ctx.now, ctx.now + TimeDelta::days(400)).take(60).collect();
            let shortest = upcoming.windows(2).map(|w| w[1] - w[0]).min();
            if upcoming.is_empty() {
                return Ok(vec![ctx.ephemeral(Message::text(format!(
                    "`{}` never comes round in the next year; nothing was scheduled.",
                    cron.as_written()
                )))]
                .into());
            }
            if let Some(gap) = shortest.filter(|gap| *gap < duration(d)) {
                return Ok(vec![ctx.ephemeral(Message::text(format!(
                    "Each pulse would still be open ({}) when the next one starts ({} later); use a shorter `for:` \
                     or a sparser schedule. Nothing was scheduled.",
                    human(duration(d)),
                    human(gap)
                )))]
                .into());
            }
            // Another schedule of the channel that would have a pulse open at the same time.
            let window = |at: chrono::DateTime<chrono::Utc>, d: TimeDelta| (at, at + d);
            let mine: Vec<_> = upcoming.iter().map(|at| window(*at, duration(d))).collect();
            for other in ctx.bot.store.pulse_schedules().await?.iter().filter(|s| s.channel == ctx.channel.id) {
                let their = other.cron.schedule();
                let clash = their
                    .slots_between(tz, ctx.now, ctx.now + TimeDelta::days(400))
                    .take(60)
                    .map(|at| window(at, other.duration))
                    .find(|(opens, closes)| mine.iter().any(|(o, c)| o < closes && opens < c));
                if let Some((opens, _)) = clash {
                    return Ok(vec![ctx.ephemeral(Message::text(format!(
                        "Schedule {} (`{}`) would have a pulse open at the same time, on {}; two pulses at once \
                         split the answers. Pick other times or `/pulse unschedule {}` first. Nothing was scheduled.",
                        other.id,
                        other.cron.as_written(),
                        opens.with_timezone(&tz).format("%a %-d %b %H:%M"),
                        other.id
                    )))]
                    .into());
                }
            }
            let schedule = NewPulseSchedule {
                channel: ctx.channel.id,
                cron: cron.clone(),
                theme: theme.map(|t| t.as_str().to_string()),
                duration: duration(d),
                created_by: ctx.actor.user_id.clone(),
            };
            let id = ctx.bot.store.save_pulse_schedule(&schedule).await?;
            ctx.bot.store.set_last_run(&schedule_job(id.0), ctx.now).await?;
            let about = theme.map(|t| format!(" on {}", t.title())).unwrap_or_default();
            let first = crate::posts::local_moment(upcoming[0], tz, "%a %-d %b %H:%M");
            Ok(Effects::rescheduling(vec![ctx.post(Message::text(format!(
                "{} scheduled a recurring pulse{about} (`{}`, {} time; schedule {id}). Each stays open {}; the first \
                 opens {first}. Stop it with `/pulse unschedule {id}`.",
                ctx.actor.display_name,
                cron.as_written(),
                tz.name(),
                human(duration(d))
            )))]))
        }
        PulseCommand::Unschedule { id } => {
            let mine = ctx
                .bot
                .store
                .pulse_schedules()
                .await?
                .into_iter()
                .find(|s| s.id.0 == id as i64 && s.channel == ctx.channel.id);
            let Some(schedule) = mine else {
                return Ok(vec![ctx.ephemeral(Message::text(format!(
                    "There is no pulse schedule {id} in this channel; `/pulse list` shows them."
                )))]
                .into());
            };
            ctx.bot.store.remove_pulse_schedule(schedule.id).await?;
            Ok(Effects::rescheduling(vec![ctx.post(Message::text(format!(
                "{} stopped the recurring pulse `{}` (schedule {id}). Pulses already open stay open.",
                ctx.actor.display_name, schedule.cron
            )))]))
        }
        PulseCommand::Close { id } => {
            let Some(pulse) = find(ctx, id, true).await? else {
                let open: Vec<String> = ctx
                    .bot
                    .store
                    .pulses_in_channel(ctx.channel.id)
                    .await?
                    .iter()
                    .filter(|p| p.is_open())
                    .map(|p| p.id.to_string())
                    .collect();
                let none = match id {
                    Some(id) if !open.is_empty() => {
                        format!("There is no open pulse {id} in this channel; open now: {}.", open.join(", "))
                    }
                    _ => "There is no open pulse in this channel to close.".to_string(),
                };
                return Ok(vec![ctx.ephemeral(Message::text(none))].into());
            };
            match pulses::report(s, &ctx.channel, ctx.channel_ref, &pulse, ctx.now).await? {
                Reported::NotDelivered => Ok(Effects::rescheduling(vec![ctx.ephemeral(Message::text(format!(
                    "Pulse {} is closed, but its results could not be posted just now; meridian will post \
                     them within a minute or two.",
                    pulse.id
                )))])),
                Reported::Posted | Reported::NothingToDo => Ok(Effects::rescheduling(Vec::new())),
            }
        }
        PulseCommand::Results { id } => {
            let Some(pulse) = find(ctx, id, false).await? else {
                let none = match id {
                    Some(id) => format!("There is no pulse {id} in this channel; `/pulse list` shows them."),
                    None => "No pulse has run in this channel yet.".to_string(),
                };
                return Ok(vec![ctx.ephemeral(Message::text(none))].into());
            };
            let message = pulses::results_message(s, &ctx.channel, ctx.channel_ref, &pulse, false).await?;
            Ok(vec![ctx.ephemeral(message)].into())
        }
        PulseCommand::List => list(ctx).await.map(Effects::from),
    }
}

async fn find(
    ctx: &Context<'_>,
    id: Option<crate::pulse::PulseId>,
    open_only: bool,
) -> Result<Option<Pulse>, ServiceError> {
    let mut pulses = ctx.bot.store.pulses_in_channel(ctx.channel.id).await?;
    pulses.retain(|p| !open_only || p.is_open());
    pulses.sort_by_key(|p| p.opens_at);
    Ok(match id {
        Some(id) => pulses.into_iter().find(|p| p.id == id),
        None => pulses.pop(),
    })
}

async fn list(ctx: &Context<'_>) -> Result<Vec<Outgoing>, ServiceError> {
    let pulses = ctx.bot.store.pulses_in_channel(ctx.channel.id).await?;
    let tz = ctx.channel.settings.timezone;
    let mut text = String::from("# Pulses in this channel\n");
    for p in pulses.iter().rev().take(10) {
        let state = if p.is_open() {
            format!("open until {}", crate::posts::local_moment(p.closes_at, tz, "%a %-d %b %H:%M"))
        } else {
            "closed".to_string()
        };
        text.push_str(&format!("{} \"{}\" — {state}\n", p.id, p.question));
    }
    for s in ctx.bot.store.pulse_schedules().await?.iter().filter(|s| s.channel == ctx.channel.id) {
        text.push_str(&format!(
            "~ Schedule {}: `{}` ({} time), {}\n",
            s.id,
            s.cron,
            tz.name(),
            s.theme.as_deref().unwrap_or("any theme")
        ));
    }
    if pulses.is_empty() {
        text.push_str("None yet. A manager can start one with `/pulse`.\n");
    }
    Ok(vec![ctx.ephemeral(crate::render::to_message(&text))])
}

fn human(d: TimeDelta) -> String {
    if d.num_minutes() % (24 * 60) == 0 {
        format!("{} day(s)", d.num_days())
    } else if d.num_minutes() % 60 == 0 {
        format!("{} hour(s)", d.num_hours())
    } else {
        format!("{} minutes", d.num_minutes())
    }
}
