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

use crate::bot::{Bot, BotError};
use crate::chat::{ChannelRef, Outgoing, Platforms};
use crate::commands::channel_occurrences;
use crate::commands::pulse;
use crate::commands::whosoff::profile;
use crate::posts::reminder_message;
use crate::pulse::{nudge_at, nudge_due, Theme, DEFAULT_NUDGE_LEAD};
use crate::reminders::{due, plan_posts, PostingSchedule, Reminder, ReminderPlan};
use crate::store::{Channel, Claim, PostKey, PulseSchedule};
use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;

/// A post the scheduler made (or tried to), for logs, the console and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posted {
    pub channel: String,
    pub key: String,
    pub at: DateTime<Utc>,
    pub delivered: bool,
}

pub struct Scheduler {
    bot: Arc<Bot>,
    instance_id: String,
}

const REMINDERS: &str = "reminder";

impl Scheduler {
    pub fn new(bot: Arc<Bot>, instance_id: String) -> Self {
        Scheduler { bot, instance_id }
    }

    /// The loop a running bot keeps: post what is due, then sleep until the next due instant,
    /// or until a command changes a schedule, or until `shutdown` resolves.
    pub async fn run(&self, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            let now = self.bot.clock.now();
            let next = match self.run_due(now).await {
                Ok(posted) => self.next_wake(now, &posted).await,
                Err(e) => {
                    // The database itself failed: say so, and try again shortly.
                    tracing::error!(error = %e, "scheduler run failed; retrying in a minute");
                    now + Self::RETRY
                }
            };
            let wait = (next - self.bot.clock.now()).to_std().unwrap_or_default();
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = self.bot.schedule_changed.notified() => {}
                () = &mut shutdown => return,
            }
        }
    }

    pub fn platforms(&self) -> &Platforms {
        &self.bot.platforms
    }

    /// Posts everything due at `now` in every channel.
    /// One channel's failure (a bad setting, a platform error) must not silence the others:
    /// it is logged and reported as an undelivered post, which makes the loop retry soon.
    pub async fn run_due(&self, now: DateTime<Utc>) -> Result<Vec<Posted>, BotError> {
        let mut posted = Vec::new();
        // Read once per run, not once per channel.
        let schedules = self.bot.store.pulse_schedules().await?;
        for channel in self.bot.store.channels().await? {
            let channel_ref = match self.channel_ref(&channel).await {
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
            let failed = |what: &str, e: BotError| {
                tracing::error!(channel = %channel.name, error = %e, "{what} failed; will retry");
                Posted { channel: channel.name.clone(), key: what.to_string(), at: now, delivered: false }
            };
            match self.channel_reminders(&channel, &channel_ref, now).await {
                Ok(p) => posted.extend(p),
                Err(e) => posted.push(failed("reminders", e)),
            }
            let own: Vec<&PulseSchedule> = schedules.iter().filter(|s| s.channel == channel.id).collect();
            if let Err(e) = self.channel_pulses(&channel, &channel_ref, &own, now).await {
                posted.push(failed("pulses", e));
            }
        }
        Ok(posted)
    }

    /// When to run again: at the next due instant, or within a minute when something owed
    /// was not delivered this time.
    pub async fn next_wake(&self, now: DateTime<Utc>, posted: &[Posted]) -> DateTime<Utc> {
        let next = self.next_due(now).await.unwrap_or(None).unwrap_or(now + Self::HORIZON);
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
    ) -> Result<Vec<Posted>, BotError> {
        let job = format!("{REMINDERS}s:{}", channel.id);
        let plan = plan_for(channel);
        // A channel seen for the first time starts now: no back-filling of its history.
        let Some(since) = self.bot.store.last_run(&job).await? else {
            self.bot.store.set_last_run(&job, now).await?;
            return Ok(Vec::new());
        };
        // Replan from the start of the channel's day: a zone or schedule changed today may have
        // moved a reminder to a time already past; the ledger keeps the rest from repeating.
        let tz = channel.settings.timezone;
        let midnight = now.with_timezone(&tz).date_naive().and_hms_opt(0, 0, 0).unwrap_or_default();
        let day_start = crate::team::local_to_utc(tz, midnight, crate::team::Fold::Earlier);
        let since = since.min(day_start);
        let owed = self.reminders_between(channel, &plan, since, now, true).await?;
        let members: Vec<_> = self.bot.store.members_of_channel(channel.id).await?.iter().map(profile).collect();
        let mut posted = Vec::new();
        let mut first_unfinished: Option<DateTime<Utc>> = None;
        for reminder in owed {
            let key = PostKey { channel: channel.id, purpose: REMINDERS.into(), occurrence_key: reminder.key.clone() };
            let mut owed_later =
                |at: DateTime<Utc>| first_unfinished = Some(first_unfinished.map_or(at, |t| t.min(at)));
            let post = match self.bot.store.claim_post(&key, &self.instance_id, now).await? {
                Claim::Won(post) => post,
                Claim::Taken { delivered: true, .. } => continue,
                Claim::Taken { delivered: false, .. } => {
                    // The store decides whether the claim may be taken over (its lease).
                    let Some(post) = self.bot.store.claim_or_reclaim(&key, &self.instance_id, now).await? else {
                        // Held by another live instance: come back for it rather than lose it.
                        owed_later(reminder.post_at);
                        posted.push(Posted {
                            channel: channel.name.clone(),
                            key: reminder.key,
                            at: now,
                            delivered: false,
                        });
                        continue;
                    };
                    post
                }
            };
            let message = reminder_message(
                &self.bot.templates,
                &self.bot.library,
                &reminder,
                channel.settings.timezone,
                &members,
            )?;
            let outgoing = Outgoing::Post { channel: channel_ref.clone(), message };
            match self.bot.platforms.deliver(&outgoing).await {
                Ok(message_ref) => {
                    let message_ref = message_ref.map(|r| r.0).unwrap_or_default();
                    self.bot.store.mark_delivered(post, &message_ref, now).await?;
                    posted.push(Posted { channel: channel.name.clone(), key: reminder.key, at: now, delivered: true });
                }
                Err(e) => {
                    tracing::warn!(channel = %channel.name, key = %reminder.key, error = %e, "reminder not delivered; will retry");
                    owed_later(reminder.post_at);
                    posted.push(Posted { channel: channel.name.clone(), key: reminder.key, at: now, delivered: false });
                }
            }
        }
        let next_since = match first_unfinished {
            Some(t) => (t - Duration::seconds(1)).max(since),
            None => now,
        };
        self.bot.store.set_last_run(&job, next_since).await?;
        Ok(posted)
    }

    /// A channel's pulse duties at `now`: recurring pulses to start, nudges to send, pulses to
    /// close with their results.
    async fn channel_pulses(
        &self,
        channel: &Channel,
        channel_ref: &ChannelRef,
        schedules: &[&PulseSchedule],
        now: DateTime<Utc>,
    ) -> Result<(), BotError> {
        for schedule in schedules {
            let job = pulse::schedule_job(schedule.id.0);
            let Ok(slots) = PostingSchedule::parse_any(&schedule.cron) else { continue };
            let since = self.bot.store.last_run(&job).await?.unwrap_or(now);
            // Only the latest firing missed while down is run: one pulse, not a backlog.
            let fire = slots
                .slots_between(channel.settings.timezone, since + Duration::seconds(1), now + Duration::seconds(1))
                .last();
            if let Some(at) = fire {
                let key = PostKey {
                    channel: channel.id,
                    purpose: "pulse-schedule".into(),
                    occurrence_key: format!("{}:{}", schedule.id, at.to_rfc3339()),
                };
                // Won only, never taken over: a firing whose process died after creating the
                // pulse must not create a second one (the question itself is re-sent below).
                if let Claim::Won(post) = self.bot.store.claim_post(&key, &self.instance_id, now).await? {
                    let theme = schedule.theme.as_deref().and_then(|t| t.parse::<Theme>().ok());
                    if let Some(asked) = pulse::pick(&self.bot, channel, theme, now).await? {
                        let (by, duration) = (&schedule.created_by, schedule.duration);
                        let launched = pulse::launch(&self.bot, channel, channel_ref, asked, duration, by, now).await?;
                        self.bot.store.mark_delivered(post, &format!("pulse-{}", launched.id), now).await?;
                    }
                }
            }
            self.bot.store.set_last_run(&job, now).await?;
        }
        let mut unsent = 0;
        for p in self.bot.store.pulses_in_channel(channel.id).await? {
            // A question that never went out (a failed send, a crash after its claim); a minute
            // of grace so a launch still in progress elsewhere is not posted twice.
            if p.is_open() && p.message_ref.is_none() && p.closes_at > now && p.opens_at + Self::RETRY <= now {
                unsent += usize::from(!pulse::repost(&self.bot, channel, channel_ref, &p, now).await?);
            }
            if p.closes_at <= now || !p.is_open() {
                // Also re-sends results a crash left undelivered (the ledger knows).
                if p.is_open() || p.closed_at.is_some_and(|c| now - c < Duration::days(7)) {
                    let reported = pulse::report(&self.bot, channel, channel_ref, &p, now).await?;
                    unsent += usize::from(reported == pulse::Reported::NotDelivered);
                }
            } else if p.is_open() && nudge_due(p.opens_at, p.closes_at, now, DEFAULT_NUDGE_LEAD, false) {
                pulse::nudge(&self.bot, channel, &p, now).await?;
            }
        }
        if unsent > 0 {
            // Reported as a failure so that the loop tries again within a minute.
            return Err(BotError::Pulse(format!("{unsent} pulse post(s) could not be delivered")));
        }
        Ok(())
    }

    /// Starts a channel's reminders from `now` when it first follows something; earlier
    /// history is not back-filled.
    pub async fn start_channel(
        store: &crate::store::Store,
        channel: crate::store::ChannelId,
        now: DateTime<Utc>,
    ) -> Result<(), BotError> {
        let job = format!("{REMINDERS}s:{channel}");
        if store.last_run(&job).await?.is_none() {
            store.set_last_run(&job, now).await?;
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
    ) -> Result<Vec<Reminder>, BotError> {
        let (first, last) = plan.dates_to_fetch(from, to);
        let (occurrences, _) = channel_occurrences(&self.bot, channel, first, last).await?;
        Ok(if catch_up { due(plan, &occurrences, from, to) } else { plan_posts(plan, &occurrences, from, to) })
    }

    /// How far ahead [`Scheduler::next_due`] looks; with nothing due, wake after this.
    pub const HORIZON: Duration = Duration::days(7);
    /// How soon to try again when something owed was not delivered.
    pub const RETRY: Duration = Duration::minutes(1);

    /// The next instant anything is due after `after`, to sleep until (`None`: nothing
    /// within [`Scheduler::HORIZON`]; wake then anyway).
    pub async fn next_due(&self, after: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, BotError> {
        let horizon = after + Self::HORIZON;
        let mut next: Option<DateTime<Utc>> = None;
        let mut consider = |t: DateTime<Utc>| {
            if t > after && t <= horizon {
                next = Some(next.map_or(t, |n: DateTime<Utc>| n.min(t)));
            }
        };
        let schedules = self.bot.store.pulse_schedules().await?;
        for channel in self.bot.store.channels().await? {
            for p in self.bot.store.pulses_in_channel(channel.id).await? {
                // A minute after a close, a look whether its results went out (a retry).
                if let Some(closed) = p.closed_at {
                    consider(closed + Self::RETRY);
                    continue;
                }
                consider(p.closes_at);
                consider(nudge_at(p.opens_at, p.closes_at, DEFAULT_NUDGE_LEAD));
                if p.message_ref.is_none() {
                    consider(p.opens_at + Self::RETRY);
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
    ) -> Result<Vec<Reminder>, BotError> {
        self.reminders_between(channel, &plan_for(channel), from, to, false).await
    }

    /// The pulse posts a channel would see between two instants: scheduled pulses opening,
    /// nudges, and open pulses closing with their results.
    pub async fn preview_pulses(
        &self,
        channel: &Channel,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(DateTime<Utc>, String)>, BotError> {
        let mut out = Vec::new();
        for s in self.bot.store.pulse_schedules().await?.iter().filter(|s| s.channel == channel.id) {
            let Ok(slots) = PostingSchedule::parse_any(&s.cron) else { continue };
            let theme = s.theme.as_deref().map(|t| format!(" on {t}")).unwrap_or_default();
            for at in slots.slots_between(channel.settings.timezone, from, to) {
                out.push((at, format!("Pulse{theme} opens (schedule {})", s.id)));
            }
        }
        for p in self.bot.store.pulses_in_channel(channel.id).await?.iter().filter(|p| p.is_open()) {
            let nudge = nudge_at(p.opens_at, p.closes_at, DEFAULT_NUDGE_LEAD);
            if nudge >= from && nudge < to {
                out.push((nudge, format!("Pulse #{} nudge to members who have not answered (DM)", p.id)));
            }
            if p.closes_at >= from && p.closes_at < to {
                out.push((p.closes_at, format!("Pulse #{} closes; results posted", p.id)));
            }
        }
        Ok(out)
    }

    async fn channel_ref(&self, channel: &Channel) -> Result<ChannelRef, BotError> {
        let workspace = self.bot.store.workspace(channel.workspace).await?;
        Ok(ChannelRef {
            platform: channel.platform,
            workspace: workspace.map(|w| w.external_id).unwrap_or_default(),
            id: channel.external_id.clone(),
            name: channel.name.clone(),
        })
    }
}

/// A channel's stored settings as a reminder plan; a setting that no longer parses falls
/// back to the default rather than silencing the channel.
pub fn plan_for(channel: &Channel) -> ReminderPlan {
    let schedule = PostingSchedule::parse(&channel.settings.reminder_cron).unwrap_or_default();
    ReminderPlan::new(channel.settings.timezone, schedule.clone(), channel.settings.lead_days.iter().copied())
        .unwrap_or_else(|_| ReminderPlan::in_zone(channel.settings.timezone))
}
