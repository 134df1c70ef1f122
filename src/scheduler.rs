//! Time passing: the loop that wakes at the next due instant and posts what is owed, exactly
//! once, through the post ledger. Its body is one testable call, [`Scheduler::run_due`].
//!
//! Exactly once: every post is claimed in the ledger (unique per channel, purpose and
//! occurrence) before it is sent and marked delivered after. A claim that was never delivered
//! (a crash or a failed send between the two) is taken over once its lease has passed and sent
//! then, while still relevant. Per channel, `last_run` moves forward only up to the first post
//! still owed, so nothing owed falls out of the window. The one gap no ledger can close is a
//! crash after the platform accepted a message but before it was marked delivered; that post
//! is sent again.

use crate::chat::{ChannelRef, Outgoing};
use crate::posts::digest_message;
use crate::reminders::{due, plan_posts, PostingSchedule, Reminder, ReminderPlan};
use crate::service::calendar::{channel_occurrences, plan_for, reminders_job, start_channel, started_job};
use crate::service::pulses::{self, Duty, Nudged, Reported};
use crate::service::{Once, ServiceError, Services};
use crate::store::{Channel, PostKey, PulseSchedule, Purpose};
use crate::team::MemberProfile;
use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;
use tokio::sync::Notify;

/// A post the scheduler made (or tried to), for logs, the console and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posted {
    pub channel: String,
    pub key: String,
    pub at: DateTime<Utc>,
    pub delivered: bool,
}

pub struct Scheduler {
    services: Arc<Services>,
    /// Rung when a command changes what or when a channel posts.
    wake: Arc<Notify>,
}

impl Scheduler {
    pub fn new(services: Arc<Services>, wake: Arc<Notify>) -> Self {
        Scheduler { services, wake }
    }

    /// The loop a running bot keeps: post what is due, then sleep until the next due instant,
    /// or until a command changes a schedule, or until `shutdown` resolves.
    pub async fn run(&self, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        crate::telemetry::metrics::scheduler_lag(std::time::Duration::ZERO);
        loop {
            let next = self.tick(self.services.clock.now()).await;
            let wait = (next - self.services.clock.now()).to_std().unwrap_or_default();
            tokio::select! {
                () = tokio::time::sleep(wait) => {
                    let late = (self.services.clock.now() - next).to_std().unwrap_or_default();
                    crate::telemetry::metrics::scheduler_lag(late);
                }
                () = self.wake.notified() => {}
                () = &mut shutdown => return,
            }
        }
    }

    /// One turn of the loop at `now`: posts what is due and says when to look again (within a
    /// minute after a failure, which is logged). The running loop and the console's simulated
    /// clock both turn it, so they behave alike.
    pub async fn tick(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self.run_due(now).await {
            Ok(posted) => self.next_wake(now, &posted).await,
            Err(e) => {
                // The database itself failed: say so, and try again shortly.
                tracing::error!(error = %e, "scheduler run failed; retrying in a minute");
                now + Self::RETRY
            }
        }
    }

    /// Posts everything due at `now` in every channel.
    /// One channel's failure (a bad setting, a platform error) must not silence the others:
    /// it is logged and reported as an undelivered post, which makes the loop retry soon.
    pub async fn run_due(&self, now: DateTime<Utc>) -> Result<Vec<Posted>, ServiceError> {
        let mut posted = Vec::new();
        // Read once per run, not once per channel.
        let schedules = self.services.store.pulse_schedules().await?;
        for channel in self.services.store.channels().await? {
            let channel_ref = match self.services.channel_ref(&channel).await {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!(channel = %channel.name, error = %e, "channel lookup failed; will retry");
                    posted.push(Posted {
                        channel: channel.name.clone(),
                        key: "channel".into(),
                        at: now,
                        delivered: false,
                    });
                    continue;
                }
            };
            let failed = |what: &str, e: ServiceError| {
                tracing::error!(channel = %channel.name, error = %e, "{what} failed; will retry");
                Posted { channel: channel.name.clone(), key: what.to_string(), at: now, delivered: false }
            };
            match self.services.resend_owed(channel.id, now).await {
                Ok(outcomes) if outcomes.iter().any(Once::owed) => posted.push(Posted {
                    channel: channel.name.clone(),
                    key: "announcement".into(),
                    at: now,
                    delivered: false,
                }),
                Ok(_) => {}
                Err(e) => posted.push(failed("announcements", e)),
            }
            match self.channel_reminders(&channel, &channel_ref, now).await {
                Ok(p) => posted.extend(p),
                Err(e) => posted.push(failed("reminders", e)),
            }
            posted.extend(self.channel_brief(&channel, &channel_ref, now).await);
            let own: Vec<&PulseSchedule> = schedules.iter().filter(|s| s.channel == channel.id).collect();
            if let Err(e) = self.channel_pulses(&channel, &channel_ref, &own, now).await {
                posted.push(failed("pulses", e));
            }
        }
        Ok(posted)
    }

    /// When to run again: at the next due instant, or within a minute when something owed
    /// was not delivered this time or the next due instant could not be worked out.
    pub async fn next_wake(&self, now: DateTime<Utc>, posted: &[Posted]) -> DateTime<Utc> {
        let next = match self.next_due(now).await {
            Ok(next) => next.unwrap_or(now + Self::HORIZON),
            Err(e) => {
                tracing::error!(error = %e, "cannot tell when anything is next due; looking again in a minute");
                now + Self::RETRY
            }
        };
        if posted.iter().any(|p| !p.delivered) {
            next.min(now + Self::RETRY)
        } else {
            next
        }
    }

    async fn channel_reminders(
        &self,
        channel: &Channel,
        channel_ref: &ChannelRef,
        now: DateTime<Utc>,
    ) -> Result<Vec<Posted>, ServiceError> {
        let s = &*self.services;
        let job = reminders_job(channel.id);
        let plan = plan_for(channel);
        // A channel seen for the first time starts now: no back-filling of its history.
        let Some(since) = s.store.last_run(&job).await? else {
            start_channel(&s.store, channel.id, now).await?;
            return Ok(Vec::new());
        };
        // Replan from the start of the channel's day: a zone or schedule changed today may have
        // moved a reminder to a time already past; the ledger keeps the rest from repeating.
        // Never from before the channel started, though.
        let tz = channel.settings.timezone;
        let midnight = now.with_timezone(&tz).date_naive().and_hms_opt(0, 0, 0).unwrap_or_default();
        let day_start = crate::team::local_to_utc(tz, midnight, crate::team::Fold::Earlier);
        let started = s.store.last_run(&started_job(channel.id)).await?.unwrap_or(day_start);
        let since = since.min(day_start.max(started));
        let owed = self.reminders_between(channel, &plan, since, now, true).await?;
        let keys: Vec<PostKey> = owed
            .iter()
            .map(|r| PostKey { channel: channel.id, purpose: Purpose::Reminder, occurrence_key: r.key.clone() })
            .collect();
        // Everything owed at this run is one post: the slot's digest.
        let digest = async |mine: &[usize]| {
            let stored = s.store.members_of_channel(channel.id).await?;
            let members: Vec<MemberProfile> = stored.iter().map(crate::store::Member::team_profile).collect();
            let chosen: Vec<Reminder> = mine.iter().map(|&i| owed[i].clone()).collect();
            let message = digest_message(&s.templates, &s.library(), &chosen, tz, &members, now)?;
            Ok(message.map(|message| Outgoing::Post { channel: channel_ref.clone(), message }))
        };
        let outcomes = s.deliver_together(&keys, now, digest).await?;
        let mut posted = Vec::new();
        let mut first_unfinished: Option<DateTime<Utc>> = None;
        for (reminder, once) in owed.iter().zip(outcomes) {
            if once.owed() {
                first_unfinished = Some(first_unfinished.map_or(reminder.post_at, |t| t.min(reminder.post_at)));
            }
            if !matches!(once, Once::AlreadyDelivered | Once::Nothing) {
                posted.push(Posted {
                    channel: channel.name.clone(),
                    key: reminder.key.clone(),
                    at: now,
                    delivered: matches!(once, Once::Sent(_)),
                });
            }
        }
        let next_since = match first_unfinished {
            Some(t) => (t - Duration::seconds(1)).max(since),
            None => now,
        };
        s.store.set_last_run(&job, next_since).await?;
        Ok(posted)
    }

    /// A channel's daily brief at `now` (its workflow is `service::briefs`): headline feeds
    /// fetched ahead of it, and today's brief once it is due, exactly once.
    async fn channel_brief(&self, channel: &Channel, channel_ref: &ChannelRef, now: DateTime<Utc>) -> Option<Posted> {
        let posted =
            |delivered: bool| Posted { channel: channel.name.clone(), key: "brief".into(), at: now, delivered };
        match crate::service::briefs::run_due(&self.services, channel, channel_ref, now).await {
            Ok(Some(Once::Sent(_))) => Some(posted(true)),
            Ok(Some(once)) if once.owed() => Some(posted(false)),
            Ok(_) => None,
            Err(e) => {
                tracing::error!(channel = %channel.name, error = %e, "brief failed; will retry");
                Some(posted(false))
            }
        }
    }

    /// A channel's pulse duties at `now`: recurring pulses to start, nudges to send, pulses to
    /// close with their results.
    async fn channel_pulses(
        &self,
        channel: &Channel,
        channel_ref: &ChannelRef,
        schedules: &[&PulseSchedule],
        now: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        let s = &*self.services;
        for schedule in schedules {
            pulses::fire_schedule(s, channel, channel_ref, schedule, now).await?;
        }
        let mut unsent = 0;
        for p in s.store.pulses_in_channel(channel.id).await? {
            for duty in pulses::due_now(&p, now) {
                unsent += usize::from(match duty {
                    Duty::Repost => !pulses::repost(s, channel, channel_ref, &p, now).await?,
                    Duty::Report => pulses::report(s, channel, channel_ref, &p, now).await? == Reported::NotDelivered,
                    Duty::Nudge => pulses::nudge(s, channel, channel_ref, &p, now).await? == Nudged::Failed,
                });
            }
        }
        if unsent > 0 {
            // Reported as a failure so that the loop tries again within a minute.
            return Err(ServiceError::Pulse(format!("{unsent} pulse post(s) could not be delivered")));
        }
        Ok(())
    }

    /// Reminders of one channel between two instants: all of them (for a preview) or, with
    /// `catch_up`, what is still owed after a pause.
    async fn reminders_between(
        &self,
        channel: &Channel,
        plan: &ReminderPlan,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        catch_up: bool,
    ) -> Result<Vec<Reminder>, ServiceError> {
        let (first, last) = plan.dates_to_fetch(from, to);
        let (occurrences, _) = channel_occurrences(&self.services, channel, first, last).await?;
        Ok(if catch_up { due(plan, &occurrences, from, to) } else { plan_posts(plan, &occurrences, from, to) })
    }

    /// How far ahead [`Scheduler::next_due`] looks; with nothing due, wake after this.
    pub const HORIZON: Duration = Duration::days(7);
    /// How soon to try again when something owed was not delivered.
    pub const RETRY: Duration = Duration::minutes(1);

    /// The next instant anything is due after `after`, to sleep until (`None`: nothing
    /// within [`Scheduler::HORIZON`]; wake then anyway).
    pub async fn next_due(&self, after: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, ServiceError> {
        let horizon = after + Self::HORIZON;
        let mut next: Option<DateTime<Utc>> = None;
        let mut consider = |t: DateTime<Utc>| {
            if t > after && t <= horizon {
                next = Some(next.map_or(t, |n: DateTime<Utc>| n.min(t)));
            }
        };
        let schedules = self.services.store.pulse_schedules().await?;
        for channel in self.services.store.channels().await? {
            for p in self.services.store.pulses_in_channel(channel.id).await? {
                for (at, _) in pulses::duties(&p) {
                    consider(at);
                }
            }
            for s in schedules.iter().filter(|s| s.channel == channel.id) {
                if let Ok(slots) = PostingSchedule::parse_any(&s.cron) {
                    if let Some(t) =
                        slots.slots_between(channel.settings.timezone, after + Duration::seconds(1), horizon).next()
                    {
                        consider(t);
                    }
                }
            }
            if let Some(t) = crate::service::briefs::next_due(&self.services, &channel, after).await? {
                consider(t);
            }
            let plan = plan_for(&channel);
            let planned = self.reminders_between(&channel, &plan, after + Duration::seconds(1), horizon, false).await?;
            if let Some(first) = planned.first() {
                consider(first.post_at);
            }
        }
        Ok(next)
    }

    /// What a channel would post between two instants, without posting: for `meridian preview`.
    pub async fn preview(
        &self,
        channel: &Channel,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Reminder>, ServiceError> {
        self.reminders_between(channel, &plan_for(channel), from, to, false).await
    }

    /// The daily briefs a channel would post between two instants.
    pub async fn preview_briefs(
        &self,
        channel: &Channel,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(DateTime<Utc>, String)>, ServiceError> {
        crate::service::briefs::planned(&self.services, channel, from, to).await
    }

    /// The pulse posts a channel would see between two instants: scheduled pulses opening,
    /// nudges, and open pulses closing with their results.
    pub async fn preview_pulses(
        &self,
        channel: &Channel,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(DateTime<Utc>, String)>, ServiceError> {
        let mut out = Vec::new();
        for s in self.services.store.pulse_schedules().await?.iter().filter(|s| s.channel == channel.id) {
            let Ok(slots) = PostingSchedule::parse_any(&s.cron) else { continue };
            let theme = s.theme.as_deref().map(|t| format!(" on {t}")).unwrap_or_default();
            for at in slots.slots_between(channel.settings.timezone, from, to) {
                out.push((at, format!("Pulse{theme} opens (schedule {})", s.id)));
            }
        }
        for p in self.services.store.pulses_in_channel(channel.id).await?.iter().filter(|p| p.is_open()) {
            for (at, duty) in pulses::duties(p).into_iter().filter(|(at, _)| *at >= from && *at < to) {
                match duty {
                    Duty::Nudge => {
                        out.push((at, format!("Pulse {} nudge to members who have not answered (DM)", p.id)))
                    }
                    Duty::Report => out.push((at, format!("Pulse {} closes; results posted", p.id))),
                    // A retry, not something the channel is told ahead of.
                    Duty::Repost => {}
                }
            }
        }
        Ok(out)
    }
}
