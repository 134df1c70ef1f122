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
//!
//! A run reads every channel's state at once and decides before it writes or sends
//! (`service::planning`); claims, deliveries and last runs are written in batches and the
//! digests sent concurrently, so its cost follows the posts, not the queries (issue #19).
//! Deliveries are recorded as each digest is sent, by one writer that puts whatever queued
//! meanwhile in one transaction, so the gap above stays the digests in flight.

use crate::chat::{ChannelRef, Outgoing};
use crate::posts::digest_message;
use crate::reminders::{due, first_second_after, plan_posts, Reminder, ReminderPlan};
use crate::service::calendar::{channel_occurrences, plan_for, reminders_job};
use crate::service::planning::{first_planned, plan_reminders, RunInputs};
use crate::service::pulses::{self, Duty, Nudged, Reported};
use crate::service::{Claiming, Once, ServiceError, Services};
use crate::store::{Channel, ChannelId, PostId, PostKey, Pulse, PulseSchedule, Purpose};
use crate::team::Teammate;
use chrono::{DateTime, Duration, Utc};
use futures::StreamExt as _;
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
            let (started, at) = (std::time::Instant::now(), self.services.clock.now());
            let next = self.tick(at).await;
            tracing::debug!(%at, took = ?started.elapsed(), %next, "scheduler turn");
            // The clock may run faster than real time (a rehearsal's `--clock-rate`).
            let clock = &self.services.clock;
            let wait = clock.real_duration(next - clock.now());
            clock.waiting(true);
            tokio::select! {
                () = tokio::time::sleep(wait) => {
                    clock.waiting(false);
                    let late = (clock.now() - next).to_std().unwrap_or_default();
                    crate::telemetry::metrics::scheduler_lag(late);
                }
                () = self.wake.notified() => clock.waiting(false),
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
    ///
    /// A run reads what it needs for every channel in a few queries ([`RunInputs`]), decides
    /// every channel's reminders without waiting on anything ([`plan_reminders`]), claims
    /// them in one batch, sends the digests concurrently (the delivery layer paces each
    /// channel) and records deliveries and last runs in one batch each.
    pub async fn run_due(&self, now: DateTime<Utc>) -> Result<Vec<Posted>, ServiceError> {
        let s = &*self.services;
        let inputs = RunInputs::load(&s.store).await?;
        let mut posted = Vec::new();
        for channel in inputs.channels.iter().filter(|c| inputs.owed_announcements.contains(&c.id)) {
            match s.resend_owed(channel.id, now).await {
                Ok(outcomes) if outcomes.iter().any(Once::owed) => posted.push(Posted {
                    channel: channel.name.clone(),
                    key: "announcement".into(),
                    at: now,
                    delivered: false,
                }),
                Ok(_) => {}
                Err(e) => posted.push(failed(channel, "announcements", e, now)),
            }
        }
        posted.extend(self.reminders(&inputs, now).await?);
        // Briefs and pulses, channel by channel but many channels at once: each channel's
        // own steps stay in order, and 500 channels' briefs do not wait on one another.
        let inputs = &inputs;
        let mut per_channel = Vec::with_capacity(inputs.channels.len());
        for channel in &inputs.channels {
            per_channel.push(async move {
                let mut posted = Vec::new();
                let channel_ref = inputs.channel_ref(channel);
                posted.extend(self.channel_brief(inputs, channel, &channel_ref, now).await);
                let own: Vec<&PulseSchedule> = inputs.schedules.iter().filter(|s| s.channel == channel.id).collect();
                if let Err(e) =
                    self.channel_pulses(channel, &channel_ref, &own, inputs.pulses_of(channel.id), now).await
                {
                    posted.push(failed(channel, "pulses", e, now));
                }
                posted
            });
        }
        let per_channel: Vec<Vec<Posted>> =
            futures::stream::iter(per_channel).buffered(Self::SENDS_AT_ONCE).collect().await;
        posted.extend(per_channel.into_iter().flatten());
        Ok(posted)
    }

    /// Every channel's reminders at `now`: everything a channel owes at this run is one
    /// post, the slot's digest.
    async fn reminders(&self, inputs: &RunInputs, now: DateTime<Utc>) -> Result<Vec<Posted>, ServiceError> {
        let s = &*self.services;
        let library = s.library();
        let run = plan_reminders(&library, inputs, now);
        let mut keys = Vec::new();
        let mut spans = Vec::with_capacity(run.owed.len());
        for owed in &run.owed {
            let channel = inputs.channels[owed.channel].id;
            let start = keys.len();
            keys.extend(owed.reminders.iter().map(|r| PostKey {
                channel,
                purpose: Purpose::Reminder,
                occurrence_key: r.key.to_string(),
            }));
            spans.push(start..keys.len());
        }
        let mut outcomes = vec![Once::Nothing; keys.len()];
        let mut claims = s.claim_many(&keys, now).await?.into_iter();
        // Per channel, the keys this run holds, with their guards.
        let mut sends = Vec::new();
        for (o, span) in spans.iter().enumerate() {
            let mut mine = Vec::new();
            for k in span.clone() {
                match claims.next() {
                    Some(Claiming::Mine(claimed)) => mine.push((k, claimed)),
                    Some(Claiming::Delivered) => outcomes[k] = Once::AlreadyDelivered,
                    Some(Claiming::Held) | None => outcomes[k] = Once::Held,
                }
            }
            if !mine.is_empty() {
                sends.push((o, mine));
            }
        }
        let posting: Vec<ChannelId> = sends.iter().map(|(o, _)| inputs.channels[run.owed[*o].channel].id).collect();
        let members =
            if posting.is_empty() { Default::default() } else { s.store.members_of_channels(&posting).await? };
        let (run, keys, spans, members) = (&run, &keys, &spans, &members);
        // Each digest's posts are marked delivered as soon as it is sent, through one writer
        // that puts whatever has queued meanwhile in one transaction: a crash then re-sends
        // at most the digests in flight, not everything the run had sent.
        let (marks, queued) = tokio::sync::mpsc::unbounded_channel::<(PostId, String)>();
        let writer = tokio::spawn(Self::mark_delivered_as_sent(s.store.clone(), queued, now));
        let mut digests = Vec::with_capacity(sends.len());
        for (o, mine) in sends {
            let marks = marks.clone();
            digests.push(async move {
                let owed = &run.owed[o];
                let channel = &inputs.channels[owed.channel];
                let chosen: Vec<Reminder> =
                    mine.iter().map(|(k, _)| owed.reminders[k - spans[o].start].clone()).collect();
                let profiles: Vec<Teammate> = members
                    .get(&channel.id)
                    .map(|m| m.iter().map(crate::store::Member::teammate).collect())
                    .unwrap_or_default();
                let tz = channel.settings.timezone;
                let result = match digest_message(&s.templates, &s.library(), &chosen, tz, &profiles, now) {
                    Err(e) => Err(ServiceError::from(e)),
                    Ok(None) => Ok(Ok(None)),
                    Ok(Some(message)) => {
                        let outgoing = Outgoing::Post { channel: inputs.channel_ref(channel), message };
                        let carried: Vec<&PostKey> = mine.iter().map(|(k, _)| &keys[*k]).collect();
                        Ok(s.send_carrying(&carried, &outgoing).await.map(Some))
                    }
                };
                if let Ok(Ok(sent)) = &result {
                    // Nothing to say (`None`) is done too: the keys are settled.
                    let id = sent.as_ref().and_then(|r| r.as_ref()).map(|r| r.0.clone()).unwrap_or_default();
                    for (_, claimed) in &mine {
                        // The writer outlives every sender; a closed queue cannot happen here.
                        let _ = marks.send((claimed.post, id.clone()));
                    }
                }
                (o, mine, result)
            });
        }
        drop(marks);
        let sent: Vec<_> = futures::stream::iter(digests).buffer_unordered(Self::SENDS_AT_ONCE).collect().await;
        // Every sender is gone with its digest, so the writer finishes what has queued.
        match writer.await {
            Ok(written) => written?,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            // Cancelled as the runtime stops: what it did not record stays owed, and is
            // taken over after the lease.
            Err(_) => {}
        }
        let mut broken = vec![false; run.owed.len()];
        let mut posted = Vec::new();
        for (o, mine, result) in &sent {
            let channel = &inputs.channels[run.owed[*o].channel];
            match result {
                Err(e) => {
                    // Its claims stay undelivered and its window stays open: a later run
                    // takes them over.
                    tracing::error!(channel = %channel.name, error = %e, "reminders failed; will retry");
                    posted.push(Posted {
                        channel: channel.name.clone(),
                        key: "reminders".into(),
                        at: now,
                        delivered: false,
                    });
                    broken[*o] = true;
                }
                Ok(Ok(sent)) => {
                    for (k, _) in mine {
                        outcomes[*k] = match sent {
                            Some(message_ref) => Once::Sent(message_ref.clone()),
                            None => Once::Nothing,
                        };
                    }
                }
                Ok(Err(e)) => {
                    let what: Vec<&str> = mine.iter().map(|(k, _)| keys[*k].occurrence_key.as_str()).collect();
                    tracing::warn!(posts = ?what, error = %e, "not delivered; will retry");
                    for (k, _) in mine {
                        outcomes[*k] = Once::Failed(e.clone());
                    }
                }
            }
        }
        // Only now, with every delivery recorded, may another task take these keys.
        drop(sent);
        let mut last_runs = run.started.clone();
        for (o, owed) in run.owed.iter().enumerate() {
            if broken[o] {
                continue;
            }
            let channel = &inputs.channels[owed.channel];
            let mut first_unfinished: Option<DateTime<Utc>> = None;
            for (reminder, once) in owed.reminders.iter().zip(&outcomes[spans[o].clone()]) {
                if once.owed() {
                    first_unfinished = Some(first_unfinished.map_or(reminder.post_at, |t| t.min(reminder.post_at)));
                }
                if !matches!(once, Once::AlreadyDelivered | Once::Nothing) {
                    posted.push(Posted {
                        channel: channel.name.clone(),
                        key: reminder.key.to_string(),
                        at: now,
                        delivered: matches!(once, Once::Sent(_)),
                    });
                }
            }
            let next_since = match first_unfinished {
                Some(t) => (t - Duration::seconds(1)).max(owed.since),
                None => now,
            };
            last_runs.push((reminders_job(channel.id), next_since));
        }
        s.store.set_last_runs(&last_runs).await?;
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

    /// A channel's daily brief at `now` (its workflow is `service::briefs`): headline feeds
    /// fetched ahead of it, and today's brief once it is due, exactly once.
    async fn channel_brief(
        &self,
        inputs: &RunInputs,
        channel: &Channel,
        channel_ref: &ChannelRef,
        now: DateTime<Utc>,
    ) -> Option<Posted> {
        let posted =
            |delivered: bool| Posted { channel: channel.name.clone(), key: "brief".into(), at: now, delivered };
        let (settings, started) = inputs.brief_of(channel.id);
        match crate::service::briefs::run_due_from(&self.services, channel, channel_ref, settings, started, now).await {
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
        known: &[Pulse],
        now: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        let s = &*self.services;
        let mut opened = false;
        for schedule in schedules {
            opened |= pulses::fire_schedule(s, channel, channel_ref, schedule, now).await?;
        }
        // The run's read of the pulses, unless one was opened since.
        let fresh;
        let current = if opened {
            fresh = s.store.pulses_in_channel(channel.id).await?;
            &fresh[..]
        } else {
            known
        };
        let mut unsent = 0;
        for p in current {
            for duty in pulses::due_now(p, now) {
                unsent += usize::from(match duty {
                    Duty::Repost => !pulses::repost(s, channel, channel_ref, p, now).await?,
                    Duty::Report => pulses::report(s, channel, channel_ref, p, now).await? == Reported::NotDelivered,
                    Duty::Nudge => pulses::nudge(s, channel, channel_ref, p, now).await? == Nudged::Failed,
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
    /// How many digests a run sends at once (each channel is still paced by the delivery
    /// layer); deciding and recording do not wait on them one by one.
    const SENDS_AT_ONCE: usize = 32;
    /// The most deliveries one transaction records.
    const MARKS_AT_ONCE: usize = 1024;

    /// Records deliveries as they arrive on `queued` until every sender is gone: each
    /// transaction takes what has queued since the last, so marking keeps pace with sending
    /// without a transaction per post.
    async fn mark_delivered_as_sent(
        store: crate::store::Store,
        mut queued: tokio::sync::mpsc::UnboundedReceiver<(PostId, String)>,
        at: DateTime<Utc>,
    ) -> Result<(), crate::store::StoreError> {
        let mut batch = Vec::new();
        while let Some(first) = queued.recv().await {
            batch.push(first);
            while batch.len() < Self::MARKS_AT_ONCE {
                match queued.try_recv() {
                    Ok(mark) => batch.push(mark),
                    Err(_) => break,
                }
            }
            store.mark_delivered_many(&batch, at).await?;
            batch.clear();
        }
        Ok(())
    }
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
        let inputs = RunInputs::load(&self.services.store).await?;
        for channel in &inputs.channels {
            for p in inputs.pulses_of(channel.id) {
                for (at, _) in pulses::duties(p) {
                    consider(at);
                }
            }
            for s in inputs.schedules.iter().filter(|s| s.channel == channel.id) {
                let slots = s.cron.schedule();
                if let Some(t) =
                    slots.slots_between(channel.settings.timezone, first_second_after(after), horizon).next()
                {
                    consider(t);
                }
            }
        }
        // Every channel's brief plan, from what the run read at once.
        for channel in &inputs.channels {
            let (settings, started) = inputs.brief_of(channel.id);
            let plan = crate::service::briefs::plan_from(&self.services, channel, settings, started);
            if let Some(t) =
                plan.and_then(|plan| crate::service::briefs::next_due_of(&self.services, channel, &plan, after))
            {
                consider(t);
            }
        }
        if let Some(t) = first_planned(&self.services.library(), &inputs, after, horizon) {
            consider(t);
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
            let slots = s.cron.schedule();
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

/// A piece of a channel's run that failed: logged, and reported as undelivered so that the
/// loop tries again soon.
fn failed(channel: &Channel, what: &str, e: ServiceError, now: DateTime<Utc>) -> Posted {
    tracing::error!(channel = %channel.name, error = %e, "{what} failed; will retry");
    Posted { channel: channel.name.clone(), key: what.to_string(), at: now, delivered: false }
}
