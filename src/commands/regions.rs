//! `/meridian follow|unfollow|regions`: which regions' calendars a channel is reminded of.

use super::{Context, Effects};
use crate::chat::{Message, Outgoing};
use crate::service::ServiceError;
use serde_json::json;

pub async fn follow(ctx: &Context<'_>, regions: Vec<String>, follow: bool) -> Result<Effects, ServiceError> {
    // Unknown regions are refused before anything is stored, with the close matches. Words
    // that are no region each may be one name together ("United Kingdom" unquoted).
    let library = ctx.bot.library();
    let resolved: Result<Vec<_>, _> = regions.iter().map(|r| library.find(r)).collect();
    let mut known = match resolved {
        Ok(known) => known,
        Err(e) => match library.find(&regions.join(" ")) {
            Ok(calendar) if regions.len() > 1 => vec![calendar],
            _ => return Ok(vec![ctx.ephemeral(super::unchanged(format!("{e}")))].into()),
        },
    };
    // `follow IN IN in` is India once.
    let mut seen = std::collections::HashSet::new();
    known.retain(|c| seen.insert(c.code.clone()));
    if !follow {
        // Unfollowing what the channel does not follow changes nothing: say so privately.
        let missing: Vec<String> = known
            .iter()
            .filter(|c| !ctx.channel.followed_regions.iter().any(|f| f == c.code.as_str()))
            .map(|c| format!("{} ({})", c.name, c.code))
            .collect();
        if !missing.is_empty() {
            let text = format!("This channel does not follow {}", missing.join(", "));
            return Ok(vec![ctx.ephemeral(super::unchanged(text))].into());
        }
    }
    let codes: Vec<&str> = known.iter().map(|c| c.code.as_str()).collect();
    let names = known.iter().map(|c| format!("{} ({})", c.name, c.code)).collect::<Vec<_>>().join(", ");
    let channel = ctx.channel.id;
    let changed = if follow {
        ctx.bot.store.follow_regions(channel, &codes).await?;
        let mut changed = format!("{} set this channel to follow {names}.", ctx.actor.display_name);
        // A channel still on UTC that follows its first region posts in that region's time:
        // 09:00 UTC is 17:00 in Manila, when half the team has gone home.
        let first = &known[0];
        if ctx.channel.followed_regions.is_empty()
            && ctx.channel.settings.timezone == chrono_tz::UTC
            && first.timezone != chrono_tz::UTC
        {
            let settings = crate::store::ChannelSettings { timezone: first.timezone, ..ctx.channel.settings.clone() };
            ctx.bot.store.update_channel_settings(channel, &settings).await?;
            changed.push_str(&format!(
                " It now posts in {}, the time of {}; change that with `/meridian settings tz:Area/City`.",
                crate::posts::zone_label(first.timezone, ctx.now),
                crate::posts::in_sentence(&first.name)
            ));
        }
        changed
    } else {
        ctx.bot.store.unfollow_regions(channel, &codes).await?;
        format!("{} set this channel to stop following {names}.", ctx.actor.display_name)
    };
    crate::service::calendar::start_channel(&ctx.bot.store, channel, ctx.now).await?;
    let followed = ctx.bot.store.followed_regions(channel).await?;
    Ok(Effects::rescheduling(vec![ctx.post(regions_message(ctx, &followed, Some(changed))?)]))
}

pub fn show(ctx: &Context<'_>, changed: Option<String>) -> Result<Vec<Outgoing>, ServiceError> {
    Ok(vec![ctx.ephemeral(regions_message(ctx, &ctx.channel.followed_regions, changed)?)])
}

fn regions_message(ctx: &Context<'_>, followed: &[String], changed: Option<String>) -> Result<Message, ServiceError> {
    let regions: Vec<_> = followed
        .iter()
        .map(|code| {
            let name = ctx.bot.library().find(code).map(|c| c.name.clone()).unwrap_or_else(|_| code.clone());
            json!({ "code": code, "name": name })
        })
        .collect();
    ctx.render("regions", json!({ "regions": regions, "changed": changed }))
}
