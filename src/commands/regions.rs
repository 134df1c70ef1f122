//! `/meridian follow|unfollow|regions`: which regions' calendars a channel is reminded of.

use super::{Context, Effects};
use crate::calendar::RegionCode;
use crate::chat::{Message, Outgoing};
use crate::service::ServiceError;
use serde_json::json;

pub async fn follow(ctx: &Context<'_>, regions: Vec<RegionCode>, follow: bool) -> Result<Effects, ServiceError> {
    // Unknown codes are refused before anything is stored, with the close matches.
    let mut known = Vec::new();
    for region in &regions {
        match ctx.bot.library.find(region.as_str()) {
            Ok(calendar) => known.push(calendar),
            Err(e) => return Ok(vec![ctx.ephemeral(super::unchanged(format!("{e}")))].into()),
        }
    }
    let codes: Vec<&str> = known.iter().map(|c| c.code.as_str()).collect();
    let names = known.iter().map(|c| format!("{} ({})", c.name, c.code)).collect::<Vec<_>>().join(", ");
    let channel = ctx.channel.id;
    let changed = if follow {
        ctx.bot.store.follow_regions(channel, &codes).await?;
        format!("{} set this channel to follow {names}.", ctx.actor.display_name)
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
            let name = ctx.bot.library.find(code).map(|c| c.name.clone()).unwrap_or_else(|_| code.clone());
            json!({ "code": code, "name": name })
        })
        .collect();
    ctx.render("regions", json!({ "regions": regions, "changed": changed }))
}
