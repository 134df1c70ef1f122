//! `/brief`: a channel's daily brief on its customers' regions — which regions, when, on
//! which days, what a quiet day posts, the dates managers add, and the brief itself now or
//! as a private preview. (Parsing and the manager check happen at acknowledgement time.)

use super::{unchanged, Context, Effects};
use crate::brief::{BriefCommand, BriefSettings};
use crate::chat::Message;
use crate::posts::{local_moment, zone_label};
use crate::service::briefs;
use crate::service::{Once, ServiceError};
use crate::store::{Channel, NewBriefEvent};
use chrono::NaiveTime;
use serde_json::json;

pub async fn run(ctx: &Context<'_>, command: BriefCommand) -> Result<Effects, ServiceError> {
    let store = &ctx.bot.store;
    let channel = &ctx.channel;
    let who = &ctx.actor.display_name;
    match command {
        BriefCommand::Help => Ok(vec![ctx.ephemeral(Message::text(crate::brief::command::USAGE))].into()),
        BriefCommand::Show => Ok(vec![ctx.ephemeral(settings_message(ctx, channel, None).await?)].into()),
        BriefCommand::Regions(given) => {
            let library = ctx.bot.library();
            let resolved: Result<Vec<_>, _> = given.iter().map(|r| library.find(r)).collect();
            let mut known = match resolved {
                Ok(known) => known,
                // Words that are no region each may be one name together ("United Kingdom").
                Err(e) => match library.find(&given.join(" ")) {
                    Ok(calendar) if given.len() > 1 => vec![calendar],
                    _ => return refuse(ctx, format!("brief regions: {e}")),
                },
            };
            let mut seen = std::collections::HashSet::new();
            known.retain(|c| seen.insert(c.code.clone()));
            let codes: Vec<&str> = known.iter().map(|c| c.code.as_str()).collect();
            store.set_customer_regions(channel.id, &codes).await?;
            if channel.customer_regions.is_empty() {
                // A brief needs both a time and regions: it starts when the second is given.
                briefs::start(ctx.bot, channel.id, ctx.now).await?;
            }
            let names: Vec<String> = known.iter().map(|c| format!("{} ({})", c.name, c.code)).collect();
            let changed = format!("{who} set this channel's customers' regions to {}.", names.join(", "));
            changed_settings(ctx, changed).await
        }
        BriefCommand::Time(time) => set_time(ctx, Some(time)).await,
        BriefCommand::Off => {
            if channel.settings.brief_time.is_none() {
                return refuse(ctx, "brief off: this channel has no daily brief");
            }
            set_time(ctx, None).await
        }
        BriefCommand::Days(days) => {
            let settings = BriefSettings { days, ..store.brief_settings(channel.id).await? };
            store.set_brief_settings(channel.id, &settings).await?;
            let which = match days {
                crate::brief::BriefDays::Working => "on working days only",
                crate::brief::BriefDays::Every => "every day, weekends included",
            };
            changed_settings(ctx, format!("{who} set this channel's brief to post {which}.")).await
        }
        BriefCommand::Quiet(quiet) => {
            let settings = BriefSettings { quiet, ..store.brief_settings(channel.id).await? };
            store.set_brief_settings(channel.id, &settings).await?;
            let what = match quiet {
                crate::brief::QuietDay::Line => "post one short line",
                crate::brief::QuietDay::Silent => "post nothing",
            };
            changed_settings(ctx, format!("{who} set this channel's brief to {what} on a quiet day.")).await
        }
        BriefCommand::EventAdd { region, date, name } => {
            let calendar = match ctx.bot.library().find(&region) {
                Ok(c) => c,
                Err(e) => return refuse(ctx, format!("brief event add: {e}")),
            };
            if date < ctx.today() {
                return refuse(
                    ctx,
                    format!(
                        "brief event add: {} is in the past; give a date from today on",
                        date.format("%a %-d %b %Y")
                    ),
                );
            }
            let existing = store.brief_events(channel.id).await?;
            if let Some(twin) = existing.iter().find(|e| {
                e.region == calendar.code.as_str() && e.date == date && e.name.to_lowercase() == name.to_lowercase()
            }) {
                return refuse(
                    ctx,
                    format!("brief event add: '{}' on {} is already there (id {})", twin.name, twin.date, twin.id),
                );
            }
            let event = NewBriefEvent {
                channel: channel.id,
                region: calendar.code.to_string(),
                date,
                name: name.clone(),
                created_by: ctx.actor.user_id.clone(),
            };
            let id = store.add_brief_event(&event).await?;
            let text = format!(
                "📌 {who} added **{name}** for {} customers on {} to the daily brief. ~ id {id}",
                calendar.code,
                date.format("%a %-d %b %Y")
            );
            Ok(Effects::rescheduling(vec![ctx.post(crate::render::to_message(&text))]))
        }
        BriefCommand::EventList => {
            let today = ctx.today();
            let items: Vec<_> = store
                .brief_events(channel.id)
                .await?
                .into_iter()
                .map(|e| {
                    json!({
                        "id": e.id,
                        "region": e.region,
                        "date": e.date.format("%a %-d %b %Y").to_string(),
                        "name": e.name,
                        "past": e.date < today,
                    })
                })
                .collect();
            Ok(vec![ctx.ephemeral(ctx.render("brief_events", json!({ "items": items }))?)].into())
        }
        BriefCommand::EventRemove { id } => {
            let events = store.brief_events(channel.id).await?;
            let Some(event) = events.into_iter().find(|e| e.id == id) else {
                return refuse(
                    ctx,
                    format!(
                        "brief event remove: there is no brief event {id} in this channel; see `/brief event list`"
                    ),
                );
            };
            store.remove_brief_event(channel.id, id).await?;
            let text =
                format!("{who} removed **{}** ({}, {}) from the daily brief.", event.name, event.region, event.date);
            Ok(Effects::rescheduling(vec![ctx.post(crate::render::to_message(&text))]))
        }
        BriefCommand::Now => {
            if channel.customer_regions.is_empty() {
                return refuse(ctx, NO_REGIONS);
            }
            let quiet = store.brief_settings(channel.id).await?.quiet;
            let today = ctx.today();
            let once = briefs::post(ctx.bot, channel, ctx.channel_ref, today, ctx.now, quiet).await?;
            let answer = match once {
                Once::Sent(_) => return Ok(Effects::default()),
                Once::AlreadyDelivered => {
                    "Today's brief is already in this channel (one a day); `/brief preview` shows it to you again."
                        .to_string()
                }
                Once::Nothing => "A quiet day, and this channel's brief says nothing on quiet days.".to_string(),
                Once::Held | Once::Failed(_) => {
                    "meridian could not post the brief just now; it will be posted within a minute or two.".to_string()
                }
            };
            Ok(Effects::rescheduling(vec![ctx.ephemeral(Message::text(answer))]))
        }
        BriefCommand::Preview { date } => {
            if channel.customer_regions.is_empty() {
                return Ok(vec![ctx.ephemeral(Message::text(NO_REGIONS))].into());
            }
            let date = date.unwrap_or_else(|| ctx.today());
            let message = briefs::preview(ctx.bot, channel, date, ctx.now).await?;
            Ok(vec![ctx.ephemeral(message)].into())
        }
    }
}

const NO_REGIONS: &str =
    "This channel has no customers' regions yet, so there is no brief. A manager sets them with `/brief regions AU GB US-CA`.";

fn refuse(ctx: &Context<'_>, reason: impl std::fmt::Display) -> Result<Effects, ServiceError> {
    Ok(vec![ctx.ephemeral(unchanged(reason))].into())
}

/// Turns the brief on at `time`, moves it, or turns it off (`None`).
async fn set_time(ctx: &Context<'_>, time: Option<NaiveTime>) -> Result<Effects, ServiceError> {
    let was_on = ctx.channel.settings.brief_time.is_some();
    let settings = crate::store::ChannelSettings { brief_time: time, ..ctx.channel.settings.clone() };
    ctx.bot.store.update_channel_settings(ctx.channel.id, &settings).await?;
    if time.is_some() && !was_on {
        briefs::start(ctx.bot, ctx.channel.id, ctx.now).await?;
    }
    let who = &ctx.actor.display_name;
    let changed = match time {
        Some(t) => format!("{who} set this channel's daily brief for {}.", t.format("%H:%M")),
        None => format!("{who} turned this channel's daily brief off."),
    };
    changed_settings(ctx, changed).await
}

/// The brief's settings as they are now, announced in the channel with who changed them.
async fn changed_settings(ctx: &Context<'_>, changed: String) -> Result<Effects, ServiceError> {
    let channel = ctx.bot.store.channel(ctx.channel.id).await?.unwrap_or_else(|| ctx.channel.clone());
    Ok(Effects::rescheduling(vec![ctx.post(settings_message(ctx, &channel, Some(changed)).await?)]))
}

async fn settings_message(
    ctx: &Context<'_>,
    channel: &Channel,
    changed: Option<String>,
) -> Result<Message, ServiceError> {
    let s = &ctx.bot.services;
    let settings = s.store.brief_settings(channel.id).await?;
    let tz = channel.settings.timezone;
    let plan = briefs::plan(s, channel).await?;
    let next = plan.and_then(|p| p.next_after(ctx.now)).map(|t| local_moment(t, tz, "%a %-d %b %H:%M"));
    let weekend = briefs::team_weekend(s, channel).iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ");
    let regions = (!channel.customer_regions.is_empty()).then(|| channel.customer_regions.join(", "));
    let codes: Vec<crate::calendar::RegionCode> =
        channel.customer_regions.iter().filter_map(|r| r.parse().ok()).collect();
    ctx.render(
        "brief_settings",
        json!({
            "channel": channel.name,
            "changed": changed,
            "time": channel.settings.brief_time.map(|t| t.format("%H:%M").to_string()),
            "timezone": zone_label(tz, ctx.now),
            "days": settings.days.as_str(),
            "weekend": weekend,
            "quiet": settings.quiet.as_str(),
            "regions": regions,
            "next": next,
            "feeds": s.config.brief.feeds_for(&codes).len(),
        }),
    )
}
