//! `/milestone add|list|remove`: the team's own dates, reminded like holidays.

use super::Context;
use crate::bot::BotError;
use crate::calendar::{milestone_occurrences, Kind, Milestone};
use crate::chat::{Message, Outgoing};
use crate::store::{CustomEventId, EventKind, EventScope, NewCustomEvent};
use chrono::NaiveDate;
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
            let next = next_occurrence(e, today);
            json!({ "id": e.id.0, "name": e.name, "date": e.date.to_string(), "yearly": e.yearly, "next": next.to_string() })
        })
        .collect();
    Ok(vec![ctx.ephemeral(ctx.render("milestones", json!({ "items": items }))?)])
}

/// When a milestone next happens on or after `today`, by the same rule reminders use.
fn next_occurrence(e: &crate::store::CustomEvent, today: NaiveDate) -> NaiveDate {
    let m = Milestone {
        id: e.id.0,
        name: e.name.clone(),
        date: e.date,
        yearly: e.yearly,
        kind: Kind::Milestone,
        note: None,
    };
    let horizon = today.max(e.date) + chrono::Duration::days(366);
    milestone_occurrences(&[m], today, horizon).first().map(|o| o.date).unwrap_or(e.date)
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
