//! `/milestone add|list|remove`: the team's own dates, reminded like holidays.

use super::{Context, Effects};
use crate::calendar::milestone_occurrences;
use crate::chat::{Block, Message, Outgoing, Rich};
use crate::service::ServiceError;
use crate::store::{CustomEventId, EventKind, EventScope, NewCustomEvent};
use chrono::NaiveDate;
use serde_json::json;

pub async fn add(ctx: &Context<'_>, name: String, date: NaiveDate, yearly: bool) -> Result<Effects, ServiceError> {
    if !yearly && date < ctx.today() {
        let text = format!(
            "milestone: {} is in the past, so there is nothing to remind of. Give a date from today on, \
             or add `yearly` for an anniversary.",
            date.format("%a %-d %b %Y")
        );
        return Ok(vec![ctx.ephemeral(super::unchanged(text))].into());
    }
    let existing = ctx.bot.store.custom_events(EventScope::Channel(ctx.channel.id)).await?;
    let same = existing
        .iter()
        .find(|e| e.kind == EventKind::Milestone && e.date == date && e.name.to_lowercase() == name.to_lowercase());
    if let Some(twin) = same {
        let text = format!("milestone: '{}' on {} is already there (id {}).", twin.name, twin.date, twin.id);
        return Ok(vec![ctx.ephemeral(super::unchanged(text))].into());
    }
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
    crate::service::calendar::start_channel(&ctx.bot.store, ctx.channel.id, ctx.now).await?;
    let every = if yearly { " (every year)" } else { "" };
    let text = Rich::plain(format!("🏁 {} added the milestone ", ctx.actor.display_name)).bold(&name).text(format!(
        " on {}{every}. This channel will be reminded ahead of it. ~ id {id}",
        date.format("%a %-d %b %Y")
    ));
    Ok(Effects::rescheduling(vec![ctx.post(Message::of(vec![Block::Section { text }]))]))
}

pub async fn list(ctx: &Context<'_>) -> Result<Vec<Outgoing>, ServiceError> {
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
    // Dates are bounded when typed, but a row stored before that may hold any date.
    let Some(horizon) = today.max(e.date).checked_add_signed(chrono::Duration::days(366)) else { return e.date };
    let m = crate::service::calendar::milestone(e.clone());
    milestone_occurrences(&[m], today, horizon).first().map(|o| o.date).unwrap_or(e.date)
}

pub async fn remove(ctx: &Context<'_>, id: i64) -> Result<Effects, ServiceError> {
    // Only this channel's milestones may be removed from here.
    let mine = ctx.bot.store.custom_events(EventScope::Channel(ctx.channel.id)).await?;
    let Some(event) = mine.into_iter().find(|e| e.id.0 == id && e.channel == Some(ctx.channel.id)) else {
        return Ok(vec![ctx.ephemeral(Message::text(format!(
            "milestone: there is no milestone {id} in this channel. See `/milestone list`."
        )))]
        .into());
    };
    ctx.bot.store.remove_custom_event(CustomEventId(id)).await?;
    let text = Rich::plain(format!("{} removed the milestone ", ctx.actor.display_name)).bold(&event.name).text(".");
    Ok(Effects::rescheduling(vec![ctx.post(Message::of(vec![Block::Section { text }]))]))
}
