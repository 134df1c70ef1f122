//! A channel's calendar: what it follows between two dates (its regions' events and the
//! team's milestones, each once), its reminder plan, and when its reminders start.

use super::{ServiceError, Services};
use crate::calendar::{milestone_occurrences, Kind, Milestone, Occurrence, TableGap};
use crate::reminders::ReminderPlan;
use crate::store::{Channel, ChannelId, CustomEvent, EventKind, EventScope, Store};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashSet;

/// The ledger job whose last run is where a channel's reminders pick up.
pub fn reminders_job(channel: ChannelId) -> String {
    format!("reminders:{channel}")
}

/// Everything a channel follows between two dates: its regions' events (once each, even when
/// it follows both a nation and one of its subdivisions) and the team's milestones.
pub async fn channel_occurrences(
    services: &Services,
    channel: &Channel,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(Vec<Occurrence>, Vec<TableGap>), ServiceError> {
    let mut seen = HashSet::new();
    let mut all = Vec::new();
    let mut gaps = Vec::new();
    for code in &channel.followed_regions {
        let Ok(calendar) = services.library().find(code) else { continue };
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
    let events = services.store.custom_events(EventScope::Channel(channel.id)).await?;
    let milestones: Vec<Milestone> = events.into_iter().map(milestone).collect();
    all.extend(milestone_occurrences(&milestones, from, to));
    all.sort_by(|a, b| (a.date, a.observed, a.kind, &a.name).cmp(&(b.date, b.observed, b.kind, &b.name)));
    Ok((all, gaps))
}

/// A stored custom event as the calendar's milestone.
pub fn milestone(e: CustomEvent) -> Milestone {
    let kind = match e.kind {
        EventKind::Milestone => Kind::Milestone,
        EventKind::Event => Kind::Observance,
    };
    Milestone { id: e.id.0, name: e.name, date: e.date, yearly: e.yearly, kind, note: e.note }
}

/// The ledger job that remembers when a channel's reminders started.
pub fn started_job(channel: ChannelId) -> String {
    format!("reminders-start:{channel}")
}

/// Starts a channel's reminders from `now` when it first follows something; earlier history
/// is not back-filled (not even earlier the same day: following at 21:25 must not post a
/// "today" for a day that is nearly over).
pub async fn start_channel(store: &Store, channel: ChannelId, now: DateTime<Utc>) -> Result<(), ServiceError> {
    for job in [reminders_job(channel), started_job(channel)] {
        if store.last_run(&job).await?.is_none() {
            store.set_last_run(&job, now).await?;
        }
    }
    Ok(())
}

/// A channel's stored settings as a reminder plan; a setting that no longer parses falls
/// back to the default rather than silencing the channel.
pub fn plan_for(channel: &Channel) -> ReminderPlan {
    let schedule = channel.settings.reminder_schedule.clone();
    ReminderPlan::new(channel.settings.timezone, schedule, channel.settings.lead_days.iter().copied())
        .unwrap_or_else(|_| ReminderPlan::in_zone(channel.settings.timezone))
}
