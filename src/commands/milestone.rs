//! `/milestone add|list|remove`: the team's own dates, reminded like holidays.

use super::Context;
use crate::bot::BotError;
use crate::chat::{Message, Outgoing};
use crate::store::{CustomEventId, EventKind, EventScope, NewCustomEvent};
use chrono::{Datelike, NaiveDate};
use serde_json::json;

pub async fn add(ctx: &Context<'_>, name: String, date: NaiveDate, yearly: bool) -> Result<Vec<Outgoing>, BotError> {
    let event = NewCustomEvent {
        scope: EventScope::Channel(ctx.channel.id),
        name: name.clone(),
        date,
        yearly,
        kind: EventKind::Milestone,
        note: None,
        created_by: ctx.actor.user_id.clone(),
    };
    let id = ctx.bot.store.add_custom_event(&event).await?;
    crate::scheduler::Scheduler::start_channel(&ctx.bot.store, ctx.channel.id, ctx.now).await?;
    ctx.bot.schedule_changed.notify_one();
    let every = if yearly { " (every year)" } else { "" };
    let text = format!(
        "🏁 {} added the milestone *{name}* on {}{every}. This channel will be reminded ahead of it. ~ id {id}",
        ctx.actor.display_name,
        date.format("%a %-d %b %Y")
    );
    Ok(vec![ctx.post(Message::text(text))])
}

pub async fn list(ctx: &Context<'_>) -> Result<Vec<Outgoing>, BotError> {
    let today = ctx.today();
    let mut events = ctx.bot.store.custom_events(EventScope::Channel(ctx.channel.id)).await?;
    events.retain(|e| e.kind == EventKind::Milestone && (e.yearly || e.date >= today));
    events.sort_by_key(|e| e.date);
    let items: Vec<_> = events
        .iter()
        .map(|e| {
            let next = if e.yearly { next_yearly(e.date, today) } else { e.date };
            json!({ "id": e.id.0, "name": e.name, "date": e.date.to_string(), "yearly": e.yearly, "next": next.to_string() })
        })
        .collect();
    Ok(vec![ctx.ephemeral(ctx.render("milestones", json!({ "items": items }))?)])
}

pub async fn remove(ctx: &Context<'_>, id: i64) -> Result<Vec<Outgoing>, BotError> {
    // Only this channel's milestones may be removed from here.
    let mine = ctx.bot.store.custom_events(EventScope::Channel(ctx.channel.id)).await?;
    let Some(event) = mine.into_iter().find(|e| e.id.0 == id && e.channel == Some(ctx.channel.id)) else {
        return Ok(vec![ctx.ephemeral(Message::text(format!(
            "milestone: there is no milestone {id} in this channel. See `/milestone list`."
        )))]);
    };
    ctx.bot.store.remove_custom_event(CustomEventId(id)).await?;
    ctx.bot.schedule_changed.notify_one();
    Ok(vec![ctx.post(Message::text(format!("{} removed the milestone *{}*.", ctx.actor.display_name, event.name)))])
}

/// The next anniversary on or after `today` (a 29 February one falls on the 28th in common years).
fn next_yearly(date: NaiveDate, today: NaiveDate) -> NaiveDate {
    let on = |year: i32| date.with_year(year).or_else(|| NaiveDate::from_ymd_opt(year, 2, 28)).unwrap_or(date);
    let this_year = on(today.year());
    if this_year >= today {
        this_year
    } else {
        on(today.year() + 1)
    }
}
