//! `/meridian engagement [days]`: how people reacted to the channel's reminders, per event
//! (all its reminders together) and per region of the people reacting — counts only.

use super::Context;
use crate::calendar::OccurrenceKey;
use crate::chat::Outgoing;
use crate::reminders::ReminderKey;
use crate::service::ServiceError;
use crate::store::EventScope;
use chrono::Duration;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Default)]
struct Tally {
    reactions: usize,
    people: BTreeSet<String>,
    by_region: BTreeMap<String, BTreeSet<String>>,
}

pub async fn run(ctx: &Context<'_>, days: u32) -> Result<Vec<Outgoing>, ServiceError> {
    let from = ctx.now - Duration::days(i64::from(days));
    let reactions = ctx.bot.store.reactions(ctx.channel.id, from, ctx.now + Duration::seconds(1)).await?;
    // The 7-day, 1-day and day-of reminders of one event are one event: people count once.
    // A key that does not read (a post of an older meridian) is counted under its own text.
    let mut events: BTreeMap<Event, Tally> = BTreeMap::new();
    for r in reactions.iter().filter(|r| r.purpose == crate::store::Purpose::Reminder) {
        let event = match r.occurrence_key.parse::<ReminderKey>() {
            Ok(key) => Event::Known(key.occurrence),
            Err(_) => Event::Unread(r.occurrence_key.clone()),
        };
        let tally = events.entry(event).or_default();
        tally.reactions += 1;
        tally.people.insert(r.platform_user_id.clone());
        let region = r.reactor_region.clone().unwrap_or_else(|| "region not set".into());
        tally.by_region.entry(region).or_default().insert(r.platform_user_id.clone());
    }
    let milestones: BTreeMap<String, String> = ctx
        .bot
        .store
        .custom_events(EventScope::Channel(ctx.channel.id))
        .await?
        .into_iter()
        .map(|e| (format!("milestone-{}", e.id), e.name))
        .collect();
    let mut text = format!("# Reactions to reminders, last {days} days\n");
    if events.is_empty() {
        text.push_str("No reactions yet.\n");
    }
    for (event, t) in &events {
        let by_region: Vec<String> = t.by_region.iter().map(|(r, people)| format!("{r} {}", people.len())).collect();
        text.push_str(&format!(
            "{}: {} reactions from {} people — {}\n",
            event_label(ctx, &milestones, event),
            t.reactions,
            t.people.len(),
            by_region.join(", ")
        ));
    }
    Ok(vec![ctx.ephemeral(crate::render::to_message(&text))])
}

/// What people reacted to: an occurrence, or a stored key this meridian cannot read.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    /// Listed as its key's text reads, as before keys were typed.
    Known(OccurrenceKey),
    Unread(String),
}

/// `IN:diwali:2026-11-08` as "Diwali (Deepavali) (IN, 8 Nov 2026)"; a team milestone by its name.
fn event_label(ctx: &Context<'_>, milestones: &BTreeMap<String, String>, event: &Event) -> String {
    let key = match event {
        Event::Known(key) => key,
        Event::Unread(text) => return text.clone(),
    };
    let name = milestones.get(&key.id).cloned().or_else(|| {
        let calendar = ctx.bot.library().find(key.region.as_str()).ok()?;
        calendar.occurrences(key.date, key.date).0.into_iter().find(|o| o.id == key.id).map(|o| o.name)
    });
    let region = if key.region.is_team() { "team" } else { key.region.as_str() };
    format!("{} ({region}, {})", name.unwrap_or_else(|| key.id.clone()), key.date.format("%-d %b %Y"))
}
