//! `/meridian upcoming [days]`: holidays, festivals and milestones ahead for the channel.

use super::Context;
use crate::bot::{Bot, BotError};
use crate::calendar::{milestone_occurrences, Kind, Milestone, Occurrence, TableGap};
use crate::chat::Outgoing;
use crate::store::{Channel, EventKind, EventScope};
use chrono::{Duration, NaiveDate};
use serde_json::json;
use std::collections::HashSet;

pub async fn run(ctx: &Context<'_>, days: u32) -> Result<Vec<Outgoing>, BotError> {
    let from = ctx.today();
    let to = from + Duration::days(i64::from(days) - 1);
    let (occurrences, gaps) = channel_occurrences(ctx.bot, &ctx.channel, from, to).await?;
    let items: Vec<_> = occurrences
        .iter()
        .map(|o| {
            json!({
                "date": o.date.format("%-d %b %Y").to_string(),
                "weekday": o.date.format("%a").to_string(),
                "name": o.name,
                "kind": o.kind.as_str(),
                "region": if o.region.is_team() { "team".to_string() } else { o.region.to_string() },
                "emoji": o.culture.as_ref().and_then(|c| c.emoji.clone()),
                "observed": o.observed,
            })
        })
        .collect();
    let gaps: Vec<String> = gaps.iter().map(ToString::to_string).collect();
    let message = ctx.render(
        "upcoming",
        json!({ "days": days, "regions": ctx.channel.followed_regions, "items": items, "gaps": gaps }),
    )?;
    Ok(vec![ctx.ephemeral(message)])
}

/// Everything a channel follows between two dates: its regions' events (once each, even when
/// it follows both a nation and one of its subdivisions) and the team's milestones.
pub async fn channel_occurrences(
    bot: &Bot,
    channel: &Channel,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(Vec<Occurrence>, Vec<TableGap>), BotError> {
    let mut seen = HashSet::new();
    let mut all = Vec::new();
    let mut gaps = Vec::new();
    for code in &channel.followed_regions {
        let Ok(calendar) = bot.library.find(code) else { continue };
        let (occurrences, region_gaps) = calendar.occurrences(from, to);
        for o in occurrences {
            if seen.insert(o.key()) {
                all.push(o);
            }
        }
        for g in region_gaps {
            if !gaps.contains(&g) {
                gaps.push(g);
            }
        }
    }
    // The channel's own milestones plus the workspace-wide ones (the store includes those).
    let milestones: Vec<Milestone> = bot
        .store
        .custom_events(EventScope::Channel(channel.id))
        .await?
        .into_iter()
        .map(|e| {
            let kind = match e.kind {
                EventKind::Milestone => Kind::Milestone,
                EventKind::Event => Kind::Observance,
            };
            Milestone { id: e.id.0, name: e.name, date: e.date, yearly: e.yearly, kind, note: e.note }
        })
        .collect();
    all.extend(milestone_occurrences(&milestones, from, to));
    all.sort_by(|a, b| (a.date, a.observed, a.kind, &a.name).cmp(&(b.date, b.observed, b.kind, &b.name)));
    Ok((all, gaps))
}
