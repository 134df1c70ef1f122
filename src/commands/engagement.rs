//! `/meridian engagement [days]`: how people reacted to the channel's reminders, per event
//! and per region of the people reacting (counts only).

use super::Context;
use crate::bot::BotError;
use crate::chat::Outgoing;
use chrono::{Duration, NaiveDate};
use std::collections::BTreeMap;

pub async fn run(ctx: &Context<'_>, days: u32) -> Result<Vec<Outgoing>, BotError> {
    let from = ctx.now - Duration::days(i64::from(days));
    let rows = ctx.bot.store.engagement(ctx.channel.id, from, ctx.now + Duration::seconds(1)).await?;
    // One line per event, whatever lead its reminders had; regions summed within it.
    let mut events: BTreeMap<String, (u64, u64, BTreeMap<String, u64>)> = BTreeMap::new();
    for row in rows.iter().filter(|r| r.purpose == "reminder") {
        let entry = events.entry(event_label(ctx, &row.occurrence_key)).or_default();
        entry.0 += row.reactions;
        entry.1 += row.reactors;
        *entry.2.entry(row.reactor_region.clone().unwrap_or_else(|| "region not set".into())).or_default() +=
            row.reactors;
    }
    let mut text = format!("# Reactions to reminders, last {days} days\n");
    if events.is_empty() {
        text.push_str("No reactions yet.\n");
    }
    for (label, (reactions, people, regions)) in events {
        let by_region: Vec<String> = regions.iter().map(|(r, n)| format!("{r} {n}")).collect();
        text.push_str(&format!("{label}: {reactions} reactions from {people} people — {}\n", by_region.join(", ")));
    }
    Ok(vec![ctx.ephemeral(crate::render::to_message(&text))])
}

/// `IN:diwali:2026-11-08:lead1` as "Diwali (Deepavali) (IN, 8 Nov 2026)".
fn event_label(ctx: &Context<'_>, key: &str) -> String {
    let parts: Vec<&str> = key.split(':').collect();
    let (Some(region), Some(id), Some(date)) = (parts.first(), parts.get(1), parts.get(2)) else {
        return key.to_string();
    };
    let Ok(date) = NaiveDate::parse_from_str(date, "%Y-%m-%d") else { return key.to_string() };
    let name = ctx
        .bot
        .library
        .find(region)
        .ok()
        .and_then(|c| c.occurrences(date, date).0.into_iter().find(|o| o.id == *id).map(|o| o.name))
        .unwrap_or_else(|| id.to_string());
    format!("{name} ({region}, {})", date.format("%-d %b %Y"))
}
