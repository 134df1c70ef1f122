//! What one scheduler run decides, for every channel at once, from one read of the store:
//! which reminders each channel owes now, and when anything is next due. The calendars'
//! occurrences are expanded once per set of regions and dates and shared by every channel
//! that follows the same regions, and channels that plan alike (same zone, schedule, lead
//! days, occurrences and window) share one answer. Nothing here waits on the store or a
//! platform: [`RunInputs::load`] reads, [`plan_reminders`] decides, the scheduler writes and
//! sends (issue #19: the per-channel queries and cron walks this replaced made each post
//! cost ~15 ms of CPU).

use super::calendar::{milestone, plan_for, reminders_job, started_job};
use crate::calendar::{milestone_occurrences, Library, Milestone, Occurrence};
use crate::chat::ChannelRef;
use crate::reminders::{due, plan_posts, Reminder};
use crate::store::{
    Channel, ChannelId, CustomEvent, Pulse, PulseSchedule, Purpose, Store, StoreError, Workspace, WorkspaceId,
};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Everything a run reads from the store, in a handful of queries.
#[derive(Debug, Default)]
pub struct RunInputs {
    pub channels: Vec<Channel>,
    pub schedules: Vec<PulseSchedule>,
    pub workspaces: HashMap<WorkspaceId, Workspace>,
    /// The reminder jobs' last runs (`reminders:N`, `reminders-start:N`).
    pub last_runs: HashMap<String, DateTime<Utc>>,
    pub events: Vec<CustomEvent>,
    /// Each channel's pulses, oldest first.
    pub pulses: HashMap<ChannelId, Vec<Pulse>>,
    /// Channels with an announcement still owed.
    pub owed_announcements: HashSet<ChannelId>,
    /// The briefs' settings (channels that kept the defaults are absent) and when each was
    /// turned on (`brief-start:N`), so that no channel's brief plan costs a query.
    pub brief_settings: HashMap<ChannelId, crate::brief::BriefSettings>,
    pub brief_starts: HashMap<String, DateTime<Utc>>,
}

impl RunInputs {
    pub async fn load(store: &Store) -> Result<RunInputs, StoreError> {
        let mut pulses: HashMap<ChannelId, Vec<Pulse>> = HashMap::new();
        for p in store.all_pulses().await? {
            pulses.entry(p.channel).or_default().push(p);
        }
        let owed = store.all_owed_payloads(Purpose::Announcement).await?;
        Ok(RunInputs {
            channels: store.channels().await?,
            schedules: store.pulse_schedules().await?,
            workspaces: store.workspaces().await?,
            last_runs: store.last_runs("reminders").await?,
            events: store.all_custom_events().await?,
            pulses,
            owed_announcements: owed.iter().map(|(post, _)| post.key.channel).collect(),
            brief_settings: store.all_brief_settings().await?,
            brief_starts: store.last_runs("brief-start:").await?,
        })
    }

    /// How the platform names `channel` (as `Services::channel_ref` does, without a query).
    pub fn channel_ref(&self, channel: &Channel) -> ChannelRef {
        ChannelRef {
            platform: channel.platform,
            workspace: self.workspaces.get(&channel.workspace).map(|w| w.external_id.clone()).unwrap_or_default(),
            id: channel.external_id.clone(),
            name: channel.name.clone(),
        }
    }

    /// The channel's own milestones and its workspace's (as `Store::custom_events` gives them).
    pub fn milestones_of(&self, channel: &Channel) -> Vec<Milestone> {
        self.events
            .iter()
            .filter(|e| e.channel == Some(channel.id) || (e.channel.is_none() && e.workspace == channel.workspace))
            .cloned()
            .map(milestone)
            .collect()
    }

    /// The channel's brief settings and when its brief was turned on, as read for this run.
    pub fn brief_of(&self, channel: ChannelId) -> (crate::brief::BriefSettings, Option<DateTime<Utc>>) {
        let settings = self.brief_settings.get(&channel).copied().unwrap_or_default();
        (settings, self.brief_starts.get(&super::briefs::start_job(channel)).copied())
    }

    pub fn pulses_of(&self, channel: ChannelId) -> &[Pulse] {
        self.pulses.get(&channel).map(Vec::as_slice).unwrap_or_default()
    }
}

/// Occurrences expanded once per (regions followed, dates) and shared; a channel with
/// milestones of its own gets its own list.
pub struct SharedOccurrences<'l> {
    library: &'l Library,
    by_regions: HashMap<(Vec<String>, NaiveDate, NaiveDate), Arc<Vec<Occurrence>>>,
}

impl<'l> SharedOccurrences<'l> {
    pub fn new(library: &'l Library) -> Self {
        SharedOccurrences { library, by_regions: HashMap::new() }
    }

    /// What `channel` follows between two dates: the same list, in the same order, as
    /// `service::calendar::channel_occurrences`.
    pub fn of_channel(
        &mut self,
        channel: &Channel,
        milestones: &[Milestone],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Arc<Vec<Occurrence>> {
        let library = self.library;
        let shared = self
            .by_regions
            .entry((channel.followed_regions.clone(), from, to))
            .or_insert_with(|| {
                let mut seen = HashSet::new();
                let mut all = Vec::new();
                for code in &channel.followed_regions {
                    let Ok(calendar) = library.find(code) else { continue };
                    for o in calendar.occurrences(from, to).0 {
                        if seen.insert(o.key()) {
                            all.push(o);
                        }
                    }
                }
                sort(&mut all);
                Arc::new(all)
            })
            .clone();
        let own = milestone_occurrences(milestones, from, to);
        if own.is_empty() {
            return shared;
        }
        // The stable sort of the sorted shared list and the milestones orders them as
        // sorting the unsorted concatenation would.
        let mut all: Vec<Occurrence> = shared.as_ref().clone();
        all.extend(own);
        sort(&mut all);
        Arc::new(all)
    }
}

fn sort(all: &mut [Occurrence]) {
    all.sort_by(|a, b| (a.date, a.observed, a.kind, &a.name).cmp(&(b.date, b.observed, b.kind, &b.name)));
}

/// What a channel owes at this run.
#[derive(Debug, Clone)]
pub struct Owed {
    /// Index into [`RunInputs::channels`].
    pub channel: usize,
    /// Where its window started: `last_run` moves from here.
    pub since: DateTime<Utc>,
    pub reminders: Arc<Vec<Reminder>>,
}

/// The reminders every channel owes at `now`, and the jobs of channels seen for the first
/// time, to start at `now` (no back-filling of their history).
pub struct ReminderRun {
    pub owed: Vec<Owed>,
    pub started: Vec<(String, DateTime<Utc>)>,
}

/// Channels that plan alike share one answer: the plan's parts, the occurrences (by
/// identity: one shared list) and the window.
type PlanKey = (Tz, String, Vec<u32>, usize, DateTime<Utc>, DateTime<Utc>);

/// Decides what every channel owes at `now`: the scheduler's reminder rules
/// (`reminders::due` from the channel's last run, replanned from the start of its day), for
/// all channels at once.
pub fn plan_reminders(library: &Library, inputs: &RunInputs, now: DateTime<Utc>) -> ReminderRun {
    let mut shared = SharedOccurrences::new(library);
    // The occurrences are kept with each answer, so their address is not reused by another
    // list while a key names it.
    type Answer = (Arc<Vec<Occurrence>>, Arc<Vec<Reminder>>);
    let mut answers: HashMap<PlanKey, Answer> = HashMap::new();
    let mut run = ReminderRun { owed: Vec::new(), started: Vec::new() };
    for (i, channel) in inputs.channels.iter().enumerate() {
        let job = reminders_job(channel.id);
        let Some(&since) = inputs.last_runs.get(&job) else {
            for job in [job, started_job(channel.id)] {
                if !inputs.last_runs.contains_key(&job) {
                    run.started.push((job, now));
                }
            }
            continue;
        };
        // Replan from the start of the channel's day: a zone or schedule changed today may
        // have moved a reminder to a time already past; the ledger keeps the rest from
        // repeating. Never from before the channel started, though.
        let tz = channel.settings.timezone;
        let midnight = now.with_timezone(&tz).date_naive().and_hms_opt(0, 0, 0).unwrap_or_default();
        let day_start = crate::team::local_to_utc(tz, midnight, crate::team::Fold::Earlier);
        let started = inputs.last_runs.get(&started_job(channel.id)).copied().unwrap_or(day_start);
        let since = since.min(day_start.max(started));
        let plan = plan_for(channel);
        let (first, last) = plan.dates_to_fetch(since, now);
        let occurrences = shared.of_channel(channel, &inputs.milestones_of(channel), first, last);
        let key: PlanKey = (
            tz,
            plan.schedule().expression().to_string(),
            plan.lead_days().to_vec(),
            Arc::as_ptr(&occurrences) as usize,
            since,
            now,
        );
        let reminders = match answers.get(&key) {
            Some((_, reminders)) => reminders.clone(),
            None => {
                let reminders = Arc::new(due(&plan, &occurrences, since, now));
                // The occurrences are kept with the answer, so their address is not reused
                // by another list while the key names it.
                answers.insert(key, (occurrences, reminders.clone()));
                reminders
            }
        };
        run.owed.push(Owed { channel: i, since, reminders });
    }
    run
}

/// The first reminder each channel would post in (`after`, `until`), for the next wake-up.
pub fn first_planned(
    library: &Library,
    inputs: &RunInputs,
    after: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let mut shared = SharedOccurrences::new(library);
    let mut answers: HashMap<PlanKey, Option<DateTime<Utc>>> = HashMap::new();
    let mut keep = Vec::new();
    let mut next: Option<DateTime<Utc>> = None;
    let from = crate::reminders::first_second_after(after);
    for channel in &inputs.channels {
        let plan = plan_for(channel);
        let (first, last) = plan.dates_to_fetch(from, until);
        let occurrences = shared.of_channel(channel, &inputs.milestones_of(channel), first, last);
        let key: PlanKey = (
            channel.settings.timezone,
            plan.schedule().expression().to_string(),
            plan.lead_days().to_vec(),
            Arc::as_ptr(&occurrences) as usize,
            from,
            until,
        );
        let first_post = *answers
            .entry(key)
            .or_insert_with(|| plan_posts(&plan, &occurrences, from, until).first().map(|r| r.post_at));
        keep.push(occurrences);
        if let Some(t) = first_post {
            next = Some(next.map_or(t, |n| n.min(t)));
        }
    }
    next
}

/// The channels of `inputs` with `owed` announcements, for `Services::resend_owed`.
pub fn owes_announcements(inputs: &RunInputs, channel: ChannelId) -> bool {
    inputs.owed_announcements.contains(&channel)
}
