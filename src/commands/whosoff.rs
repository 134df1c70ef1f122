//! `/meridian whosoff [date]`: members on a public holiday that day, by region, and the
//! working-hours overlap of everyone else — a coverage heads-up for managers.

use super::Context;
use crate::chat::{DayRef, Outgoing};
use crate::service::ServiceError;
use crate::team::{coverage, coverage_by_hour, Teammate};
use chrono::Duration;
use serde_json::json;

pub async fn run(ctx: &Context<'_>, day: DayRef) -> Result<Vec<Outgoing>, ServiceError> {
    let date = match day {
        DayRef::Today => ctx.today(),
        DayRef::Tomorrow => ctx.today() + Duration::days(1),
        DayRef::On(date) => date,
    };
    let members: Vec<Teammate> =
        ctx.bot.store.members_of_channel(ctx.channel.id).await?.iter().map(crate::store::Member::teammate).collect();
    let cover = coverage(date, &members, &ctx.bot.library());
    let tz = ctx.channel.settings.timezone;
    // Without an hour everyone shares (round-the-clock shifts), how many are in, hour by hour.
    let runs = if cover.overlap.is_none() && !cover.shifts.is_empty() {
        coverage_by_hour(date, tz, &cover.shifts)
    } else {
        Vec::new()
    };
    let by_hour: Vec<String> = runs.iter().map(|(from, to, n)| format!("{from:02}:00-{to:02}:00 {n}")).collect();
    let uncovered: Vec<String> =
        runs.iter().filter(|(_, _, n)| *n == 0).map(|(from, to, _)| format!("{from:02}:00-{to:02}:00")).collect();
    let groups: Vec<_> = cover
        .off
        .by_region
        .iter()
        .map(|r| {
            let mut holidays: Vec<&str> = r.members.iter().map(|m| m.occasion.as_str()).collect();
            holidays.dedup();
            json!({
                "region": r.region.to_string(),
                "region_name": r.region_name,
                "holiday": holidays.join("; "),
                "people": r.members.iter().map(|m| m.display_name.clone()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let message = ctx.render(
        "whosoff",
        json!({
            "date": date.format("%-d %b %Y").to_string(),
            "weekday": date.format("%A").to_string(),
            "groups": groups,
            "unknown": cover.off.unknown_region,
            "in_count": cover.present.len(),
            "total": cover.total,
            "overlap": cover.overlap.map(|o| vec![o.local(tz)]).unwrap_or_default(),
            "by_hour": by_hour,
            "uncovered": uncovered,
            "zone": crate::posts::zone_label(tz, ctx.now),
            "hours_unknown": cover.hours_unknown,
        }),
    )?;
    Ok(vec![ctx.ephemeral(message)])
}
