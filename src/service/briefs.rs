//! The daily brief's workflow, in one place for the scheduler, `/brief` and the command line:
//! gathering what a channel's brief needs (its customer regions' calendars, the team's
//! shifts, the events managers added, milestones, headlines), posting it once per channel
//! and local day through the post ledger, and the plan `next_due` and `preview` read.

use super::{Once, ServiceError, Services};
use crate::brief::schedule::{due_at, BriefPlan};
use crate::brief::{compose, last_date, message, Brief, BriefInput, BriefSettings, CustomerEvent, Headline, QuietDay};
use crate::calendar::{milestone_occurrences, RegionCalendar, RegionCode};
use crate::chat::{ChannelRef, Message, Outgoing};
use crate::store::{Channel, ChannelId, EventKind, EventScope, PostKey, Purpose};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use std::sync::Arc;

/// How long before a brief its headline feeds are fetched.
pub const PREFETCH: Duration = Duration::minutes(10);

/// The time a brief is shown for when the channel has none set (`meridian brief`, previews).
const DEFAULT_TIME: (u32, u32) = (8, 30);

/// The ledger job that remembers when a channel's brief was turned on.
pub fn start_job(channel: ChannelId) -> String {
    format!("brief-start:{channel}")
}

/// The ledger key of a channel's brief for a date.
pub fn brief_key(channel: ChannelId, date: NaiveDate) -> PostKey {
    PostKey { channel, purpose: Purpose::Brief, occurrence_key: date.to_string() }
}

/// The customer regions' calendars, in the channel's order (unknown codes left out).
fn customer_calendars(s: &Services, channel: &Channel) -> Vec<Arc<RegionCalendar>> {
    channel.customer_regions.iter().filter_map(|code| s.library().find(code).ok()).collect()
}

/// The team's weekend: that of the first region the channel follows, else Saturday and Sunday.
pub fn team_weekend(s: &Services, channel: &Channel) -> Vec<Weekday> {
    channel
        .followed_regions
        .iter()
        .find_map(|code| s.library().find(code).ok())
        .map(|c| c.weekend.clone())
        .unwrap_or_else(|| vec![Weekday::Sat, Weekday::Sun])
}

/// The channel's brief schedule; `None` when it has no brief (no time, or no customer
/// regions). Read-only: before the scheduler first sees the brief, it counts as on from the
/// start of time.
pub async fn plan(s: &Services, channel: &Channel) -> Result<Option<BriefPlan>, ServiceError> {
    if channel.settings.brief_time.is_none() {
        return Ok(None);
    }
    let settings = s.store.brief_settings(channel.id).await?;
    let started = s.store.last_run(&start_job(channel.id)).await?;
    Ok(plan_from(s, channel, settings, started))
}

/// [`plan`] from settings and a start already read (a scheduler run reads every channel's
/// at once).
pub fn plan_from(
    s: &Services,
    channel: &Channel,
    settings: BriefSettings,
    started: Option<DateTime<Utc>>,
) -> Option<BriefPlan> {
    let time = channel.settings.brief_time?;
    if customer_calendars(s, channel).is_empty() {
        return None;
    }
    Some(BriefPlan {
        tz: channel.settings.timezone,
        time,
        weekend: team_weekend(s, channel),
        days: settings.days,
        started: started.unwrap_or(DateTime::<Utc>::MIN_UTC),
    })
}

/// Marks the brief as on from `now` when it was off: nothing earlier is owed.
pub async fn start(s: &Services, channel: ChannelId, now: DateTime<Utc>) -> Result<(), ServiceError> {
    s.store.set_last_run(&start_job(channel), now).await?;
    Ok(())
}

/// The feeds of the channel's customer regions.
fn feeds(s: &Services, channel: &Channel) -> Vec<(RegionCode, String)> {
    let regions: Vec<RegionCode> = customer_calendars(s, channel).iter().map(|c| c.code.clone()).collect();
    s.config.brief.feeds_for(&regions)
}

/// What the scheduler does for a channel's brief at `now`: fetches its headlines when the
/// brief is near, and posts today's brief once it is due (once: the ledger keeps it so).
pub async fn run_due(
    s: &Services,
    channel: &Channel,
    channel_ref: &ChannelRef,
    now: DateTime<Utc>,
) -> Result<Option<Once>, ServiceError> {
    let settings = s.store.brief_settings(channel.id).await?;
    let started = s.store.last_run(&start_job(channel.id)).await?;
    run_due_from(s, channel, channel_ref, settings, started, now).await
}

/// [`run_due`] with the channel's brief settings and start already read.
pub async fn run_due_from(
    s: &Services,
    channel: &Channel,
    channel_ref: &ChannelRef,
    settings: BriefSettings,
    started: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Option<Once>, ServiceError> {
    let Some(mut plan) = plan_from(s, channel, settings, started) else { return Ok(None) };
    if plan.started == DateTime::<Utc>::MIN_UTC {
        // Seen for the first time: the brief starts now, not with a morning already over.
        start(s, channel.id, now).await?;
        plan.started = now;
    }
    if plan.next_after(now).is_some_and(|next| next - now <= PREFETCH) {
        s.headlines.prefetch(&feeds(s, channel));
    }
    let Some(date) = plan.owed(now) else { return Ok(None) };
    post(s, channel, channel_ref, date, now, settings.quiet).await.map(Some)
}

/// Posts the brief of `date` now, through the ledger: once per channel and date, whether the
/// scheduler or `/brief now` asks. Headlines shown are remembered, so no later brief repeats
/// them.
pub async fn post(
    s: &Services,
    channel: &Channel,
    channel_ref: &ChannelRef,
    date: NaiveDate,
    now: DateTime<Utc>,
    quiet: QuietDay,
) -> Result<Once, ServiceError> {
    let mut shown: Vec<String> = Vec::new();
    let once = s
        .deliver_once(&brief_key(channel.id, date), now, async || {
            let brief = brief_for(s, channel, date, now, true).await?;
            shown = brief.headlines.iter().map(|h| h.key.clone()).collect();
            let message = message::brief_message(&s.templates, &s.library(), &brief, quiet)?;
            Ok(message.map(|message| Outgoing::Post { channel: channel_ref.clone(), message }))
        })
        .await?;
    if matches!(once, Once::Sent(_)) {
        s.store.record_headlines(channel.id, &shown, date).await?;
    }
    Ok(once)
}

/// The channel's brief of `date`, its local times read at `at`. Headlines are fetched only
/// when asked and `date` is the channel's today (news is not history).
pub async fn brief_for(
    s: &Services,
    channel: &Channel,
    date: NaiveDate,
    at: DateTime<Utc>,
    with_headlines: bool,
) -> Result<Brief, ServiceError> {
    let regions = customer_calendars(s, channel);
    let last = last_date(date);
    let members = s.store.members_of_channel(channel.id).await?;
    let team: Vec<_> = members
        .iter()
        .map(|m| &m.profile)
        .filter(|p| !p.opted_out)
        .filter_map(|p| Some((p.timezone_in(&s.library())?, p.working_hours?)))
        .collect();
    let events: Vec<CustomerEvent> = s
        .store
        .brief_events(channel.id)
        .await?
        .into_iter()
        .filter(|e| e.date >= date && e.date <= last)
        .filter_map(|e| Some(CustomerEvent { id: e.id, region: e.region.parse().ok()?, date: e.date, name: e.name }))
        .collect();
    let stored = s.store.custom_events(EventScope::Channel(channel.id)).await?;
    let milestones: Vec<_> =
        stored.into_iter().filter(|e| e.kind == EventKind::Milestone).map(super::calendar::milestone).collect();
    let milestones = milestone_occurrences(&milestones, date, last);
    let today = at.with_timezone(&channel.settings.timezone).date_naive();
    let headlines = if with_headlines && date == today { headlines(s, channel, date).await? } else { Vec::new() };
    Ok(compose(BriefInput {
        date,
        at,
        channel_tz: channel.settings.timezone,
        regions: &regions,
        business_hours: s.config.brief.business_hours,
        team: &team,
        events: &events,
        milestones: &milestones,
        headlines,
    }))
}

/// The headlines for the brief of `date`: per region at most `[brief] headlines`, none the
/// channel was shown in an earlier brief.
async fn headlines(s: &Services, channel: &Channel, date: NaiveDate) -> Result<Vec<Headline>, ServiceError> {
    let per_region = s.config.brief.headlines;
    let feeds = feeds(s, channel);
    if per_region == 0 || feeds.is_empty() {
        return Ok(Vec::new());
    }
    let fetched = s.headlines.collect(&feeds).await;
    let keys: Vec<String> = fetched.iter().map(|h| h.key.clone()).collect();
    let shown = s.store.headlines_shown_before(channel.id, &keys, date).await?;
    let mut out: Vec<Headline> = Vec::new();
    for h in fetched {
        let taken = out.iter().filter(|o| o.region == h.region).count();
        if taken < per_region && !shown.contains(&h.key) && !out.iter().any(|o| o.key == h.key) {
            out.push(h);
        }
    }
    Ok(out)
}

/// The instant a brief of `date` would be posted: the channel's brief time, or 08:30.
pub fn posting_instant(channel: &Channel, date: NaiveDate) -> DateTime<Utc> {
    let time = channel
        .settings
        .brief_time
        .unwrap_or_else(|| NaiveTime::from_hms_opt(DEFAULT_TIME.0, DEFAULT_TIME.1, 0).unwrap_or_default());
    due_at(date, time, channel.settings.timezone)
}

/// The brief of `date` as it would be posted, for `/brief preview` and `meridian brief`: a
/// quiet day shows its line even where the channel posts nothing. Headlines only for today,
/// and they are not remembered as shown.
pub async fn preview(
    s: &Services,
    channel: &Channel,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Message, ServiceError> {
    let today = now.with_timezone(&channel.settings.timezone).date_naive();
    let at = if date == today { now } else { posting_instant(channel, date) };
    let brief = brief_for(s, channel, date, at, date == today).await?;
    let message = message::brief_message(&s.templates, &s.library(), &brief, QuietDay::Line)?;
    Ok(message.unwrap_or_else(|| Message::text("(nothing to say)")))
}

/// The next instant after `after` the scheduler must wake for a channel's brief: its headline
/// fetch, or the brief itself.
pub async fn next_due(
    s: &Services,
    channel: &Channel,
    after: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, ServiceError> {
    let Some(plan) = plan(s, channel).await? else { return Ok(None) };
    Ok(next_due_of(s, channel, &plan, after))
}

/// [`next_due`] of a plan already made.
pub fn next_due_of(s: &Services, channel: &Channel, plan: &BriefPlan, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let next = plan.next_after(after)?;
    let fetch = next - PREFETCH;
    Some(if fetch > after && !feeds(s, channel).is_empty() { fetch } else { next })
}

/// The briefs a channel would post in `[from, to)`, for `meridian preview`.
pub async fn planned(
    s: &Services,
    channel: &Channel,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(DateTime<Utc>, String)>, ServiceError> {
    let Some(plan) = plan(s, channel).await? else { return Ok(Vec::new()) };
    let regions = channel.customer_regions.join(", ");
    Ok(plan.between(from, to).into_iter().map(|(_, at)| (at, format!("Daily brief ({regions})"))).collect())
}
