//! Nudges: a direct message to the members who have not answered, once per pulse.

use crate::chat::{ChannelRef, Message, Outgoing, UserRef};
use crate::pulse::nudge_message;
use crate::service::{ServiceError, Services};
use crate::store::{Channel, PostKey, Pulse, Purpose};
use chrono::{DateTime, Utc};

/// What [`nudge`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nudged {
    /// Sent to this many people (perhaps none: everyone had answered).
    Sent(usize),
    /// Sent before, or being sent by another instance.
    NothingToDo,
    /// Every message failed; the nudge stays owed and is tried again as a whole.
    Failed,
}

/// Direct messages to the channel's members who have not answered (not saying who did).
/// A nudge is one ledger post: when some messages went out it is done (sending the rest
/// again would need a record of who had not voted); when every one failed it stays owed.
pub async fn nudge(
    s: &Services,
    channel: &Channel,
    channel_ref: &ChannelRef,
    pulse: &Pulse,
    now: DateTime<Utc>,
) -> Result<Nudged, ServiceError> {
    let key =
        PostKey { channel: channel.id, purpose: Purpose::PulseNudge, occurrence_key: format!("pulse-{}", pulse.id.0) };
    let crate::service::Claiming::Mine(claimed) = s.claim(&key, now).await? else {
        return Ok(Nudged::NothingToDo);
    };
    let post = claimed.post;
    let text = nudge_message(&channel.name, &pulse.question, pulse.closes_at, now);
    let opted_out: std::collections::HashSet<String> = s
        .store
        .members_of_channel(channel.id)
        .await?
        .into_iter()
        .filter(|m| m.profile.opted_out)
        .map(|m| m.platform_user_id)
        .collect();
    let (mut sent, mut failed) = (0, 0);
    for user_id in s.members_of(channel, channel_ref).await? {
        if opted_out.contains(&user_id) || user_id == pulse.created_by {
            continue;
        }
        if s.store.has_voted(pulse.id, &user_id).await? == Some(false) {
            let user = UserRef { platform: channel.platform, workspace: channel_ref.workspace.clone(), user_id };
            match s.delivery.send(&Outgoing::Direct { user, message: Message::text(&text) }).await {
                Ok(_) => sent += 1,
                Err(e) => {
                    tracing::warn!(pulse = %pulse.id, error = %e, "nudge not delivered");
                    failed += 1;
                }
            }
        }
    }
    if sent == 0 && failed > 0 {
        return Ok(Nudged::Failed);
    }
    s.store.mark_delivered(post, &format!("{sent} direct messages"), now).await?;
    Ok(Nudged::Sent(sent))
}
