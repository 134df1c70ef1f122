//! Votes: a click on a pulse button recorded (one per person, anonymous), and the live count
//! on the question's message.

use super::prompt_message_with;
use crate::chat::{Actor, Message, MessageRef, Outgoing};
use crate::pulse::{Choice, PULSE_CLOSED, VOTE_RECORDED};
use crate::service::{ServiceError, Services};
use crate::store::{ChannelId, PulseId, WorkspaceId};
use chrono::{DateTime, Utc};

/// Pulses that took votes since their message last showed its count. A click only marks its
/// pulse here; [`show_live_counts`] edits each message at most once per round, so a burst of
/// clicks makes one edit, within the platforms' limits on edits (Slack: about 50 a minute).
#[derive(Debug, Default)]
pub struct LiveCounts(std::sync::Mutex<std::collections::HashSet<PulseId>>);

impl LiveCounts {
    fn touch(&self, pulse: PulseId) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).insert(pulse);
    }

    fn take(&self) -> Vec<PulseId> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).drain().collect()
    }
}

/// How often a running bot shows the new counts of pulses being answered.
pub const LIVE_COUNT_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// Edits the message of every open pulse that took votes since the last round to show how
/// many have answered. Nothing is lost if an edit fails: the next vote marks it again, and
/// the closing edit replaces it anyway.
pub async fn show_live_counts(s: &Services, now: DateTime<Utc>) -> Result<usize, ServiceError> {
    let mut shown = 0;
    for id in s.live.take() {
        let Some(pulse) = s.store.pulse(id).await? else { continue };
        let Some(message_ref) = pulse.message_ref.clone().filter(|_| pulse.is_open() && now < pulse.closes_at) else {
            continue;
        };
        let Some(channel) = s.store.channel(pulse.channel).await? else { continue };
        let channel_ref = s.channel_ref(&channel).await?;
        let answers = s.store.voter_count(pulse.id).await?;
        let prompt = super::stored_prompt(s, &pulse, now);
        let update = Outgoing::Update {
            channel: channel_ref,
            message_ref: MessageRef(message_ref),
            message: prompt_message_with(pulse.id, &prompt, Some(answers)),
        };
        match s.delivery.send(&update).await {
            Ok(_) => shown += 1,
            Err(e) => tracing::warn!(pulse = %pulse.id, error = %e, "the live count was not shown"),
        }
    }
    Ok(shown)
}

/// A click on a pulse button: one vote per person, changed by clicking again. Reads the
/// voter's region (the segment) and writes only the vote. Returns what the voter is told.
pub async fn vote(
    s: &Services,
    actor: &Actor,
    workspace: WorkspaceId,
    channel: ChannelId,
    value: &str,
) -> Result<Message, ServiceError> {
    let Ok(Choice { pulse: pulse_id, index: choice }) = value.parse::<Choice>() else {
        return Ok(Message::text("That button is not one meridian knows."));
    };
    let now = s.clock.now();
    let pulse = s.store.pulse(pulse_id).await?;
    if pulse.as_ref().is_some_and(|p| p.channel != channel) {
        return Ok(Message::text("That pulse belongs to another channel; answer it there."));
    }
    // A pulse past its closing time refuses votes even before the scheduler has closed it.
    let Some(pulse) = pulse.filter(|p| p.is_open() && now < p.closes_at) else {
        return Ok(Message::text(PULSE_CLOSED));
    };
    let Some(choice) = u32::try_from(choice).ok().filter(|&c| (c as usize) < pulse.options.len()) else {
        return Ok(Message::text("That button is not one meridian knows."));
    };
    let member = s.store.member_by_platform_id(workspace, &actor.user_id).await?;
    let segment = member.as_ref().and_then(|m| m.profile.region.as_ref()).map(|r| r.as_str());
    match s.store.record_vote(pulse.id, &actor.user_id, choice, segment, now).await {
        Ok(_) => {
            crate::telemetry::metrics::vote_recorded();
            s.live.touch(pulse.id);
            Ok(Message::text(VOTE_RECORDED))
        }
        Err(crate::store::StoreError::PulseClosed(_)) => Ok(Message::text(PULSE_CLOSED)),
        Err(e) => Err(e.into()),
    }
}
