//! `/meridian upcoming [days]`: holidays, festivals and milestones ahead for the channel.

use super::Context;
use crate::chat::Outgoing;
use crate::service::ServiceError;
use chrono::Duration;
use serde_json::json;

pub async fn run(ctx: &Context<'_>, days: u32) -> Result<Vec<Outgoing>, ServiceError> {
    let from = ctx.today();
    let to = from + Duration::days(i64::from(days) - 1);
    let (occurrences, gaps) = crate::service::calendar::channel_occurrences(ctx.bot, &ctx.channel, from, to).await?;
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
