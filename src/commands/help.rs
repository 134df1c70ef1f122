//! `/meridian help`: what the bot can do, privately to the person asking.

use super::Context;
use crate::chat::Outgoing;
use crate::service::ServiceError;

pub fn run(ctx: &Context<'_>) -> Result<Vec<Outgoing>, ServiceError> {
    Ok(vec![ctx.ephemeral(ctx.render("help", serde_json::json!({}))?)])
}
