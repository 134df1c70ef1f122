//! `/meridian settings`: a channel's time zone, reminder schedule, lead times and brief time.

use super::{Context, Effects};
use crate::chat::{Message, Outgoing, SettingsUpdate};
use crate::reminders::{PostingSchedule, ReminderPlan};
use crate::service::ServiceError;
use serde_json::json;

pub async fn run(ctx: &Context<'_>, update: SettingsUpdate) -> Result<Effects, ServiceError> {
    if update.is_empty() {
        return Ok(vec![ctx.ephemeral(message(ctx, &ctx.channel.settings, None)?)].into());
    }
    let mut settings = ctx.channel.settings.clone();
    if let Some(tz) = update.timezone {
        settings.timezone = tz;
    }
    if let Some(schedule) = &update.schedule {
        match PostingSchedule::parse(schedule) {
            Ok(s) => settings.reminder_schedule = s,
            Err(e) => return Ok(vec![refuse(ctx, e)].into()),
        }
    }
    if let Some(leads) = update.lead_days {
        // The plan checks the leads the same way the scheduler will read them.
        if let Err(e) = ReminderPlan::new(settings.timezone, settings.reminder_schedule.clone(), leads.iter().copied())
        {
            return Ok(vec![refuse(ctx, e)].into());
        }
        settings.lead_days = leads;
    }
    if let Some(time) = update.brief_time {
        settings.brief_time = time;
    }
    ctx.bot.store.update_channel_settings(ctx.channel.id, &settings).await?;
    if settings.brief_time.is_some() && ctx.channel.settings.brief_time.is_none() {
        // A brief turned on now starts now: no brief for a morning already over.
        crate::service::briefs::start(ctx.bot, ctx.channel.id, ctx.now).await?;
    }
    let changed = format!("{} changed this channel's settings.", ctx.actor.display_name);
    Ok(Effects::rescheduling(vec![ctx.post(message(ctx, &settings, Some(changed))?)]))
}

fn refuse(ctx: &Context<'_>, error: impl std::fmt::Display) -> Outgoing {
    ctx.ephemeral(super::unchanged(format!("settings: {error}")))
}

fn message(
    ctx: &Context<'_>,
    s: &crate::store::ChannelSettings,
    changed: Option<String>,
) -> Result<Message, ServiceError> {
    ctx.render(
        "settings",
        json!({
            "channel": ctx.channel.name,
            "timezone": s.timezone.name(),
            "schedule": s.reminder_schedule.expression(),
            "leads": s.lead_days,
            "brief_time": s.brief_time.map(|t| t.format("%H:%M").to_string()),
            "changed": changed,
        }),
    )
}
