//! `/meridian me`: a member's own region, time zone, working hours and opt-out.

use super::Context;
use crate::chat::{MeUpdate, Message, Outgoing};
use crate::service::ServiceError;
use crate::store::MemberProfile;
use crate::team::WorkingHours;

pub async fn run(ctx: &Context<'_>, update: MeUpdate) -> Result<Vec<Outgoing>, ServiceError> {
    let mut profile = ctx.member.profile.clone();
    if let Some(region) = &update.region {
        match ctx.bot.library().find(region.as_str()) {
            Ok(calendar) if calendar.is_company() => {
                let text = format!(
                    "me: region: {} is a company calendar, not a region; write `calendar:{}` (and your region, such as region:IN-MH)",
                    calendar.code, calendar.code
                );
                return Ok(vec![ctx.ephemeral(super::unchanged(text))]);
            }
            Ok(calendar) => {
                profile.region = Some(calendar.code.nation().unwrap_or_else(|| calendar.code.clone()));
                profile.subdivision = calendar.code.nation().map(|_| calendar.code.clone());
            }
            Err(e) => return Ok(vec![ctx.ephemeral(super::unchanged(format!("me: {e}")))]),
        }
    }
    if let Some(calendar) = &update.calendar {
        profile.calendar = match calendar {
            None => None,
            Some(code) => match ctx.bot.library().find(code.as_str()) {
                Ok(found) if found.is_company() => Some(found.code.clone()),
                Ok(found) => {
                    let text = format!(
                        "me: calendar: {} is a region, not a company calendar; write `region:{}`",
                        found.code, found.code
                    );
                    return Ok(vec![ctx.ephemeral(super::unchanged(text))]);
                }
                Err(e) => return Ok(vec![ctx.ephemeral(super::unchanged(format!("me: calendar: {e}")))]),
            },
        };
    }
    if let Some(tz) = update.timezone {
        profile.timezone = Some(tz);
    }
    if let Some(hours) = &update.hours {
        match hours.parse::<WorkingHours>() {
            Ok(h) => profile.working_hours = Some(h),
            Err(e) => return Ok(vec![ctx.ephemeral(super::unchanged(format!("me: hours: {e}")))]),
        }
    }
    if let Some(opted_out) = update.opted_out {
        profile.opted_out = opted_out;
    }
    let changed = profile != ctx.member.profile;
    if changed {
        ctx.bot.store.set_member_profile(ctx.member.id, &profile).await?;
    }
    Ok(vec![ctx.ephemeral(Message::text(describe(ctx, &profile, changed)))])
}

fn describe(ctx: &Context<'_>, p: &MemberProfile, changed: bool) -> String {
    let region = p.subdivision.as_ref().or(p.region.as_ref()).map_or("not set", |r| r.as_str());
    let region_tz = ctx.bot.library().find(region).ok().map(|c| c.timezone.name().to_string());
    let tz = match (p.timezone, region_tz) {
        (Some(tz), _) => tz.name().to_string(),
        (None, Some(tz)) => format!("{tz} (your region's)"),
        (None, None) => "not set".to_string(),
    };
    let hours = p.working_hours.map(|h| h.to_string()).unwrap_or_else(|| "not set".to_string());
    let lead = if changed { "Saved. " } else { "" };
    let out = if p.opted_out { " You are left out of who-is-off answers and nudges." } else { "" };
    let company = match &p.calendar {
        Some(code) => format!(", company calendar {code} (your days off follow it)"),
        None => String::new(),
    };
    format!("{lead}Your settings: region {region}{company}, time zone {tz}, hours {hours}.{out}")
}
