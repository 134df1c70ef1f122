//! Which holiday and milestone reminders a channel owes, and the instant each one is posted.
//!
//! A channel follows regions, keeps a clock (its time zone) and a [`PostingSchedule`] in that
//! clock (weekdays 09:00 by default), and wants to hear of each event some days ahead (its
//! lead days: 7, 1 and 0 by default). Everything here is pure: occurrences and instants come
//! in, [`Reminder`]s go out; claiming each post exactly once is the ledger's job.
//!
//! The rules:
//! - **Announce day.** For lead `L`, an event's announce day is its date minus `L` days, read
//!   in the channel's zone. The reminder goes out at the first schedule slot on that day, or,
//!   when the schedule has none that day (a weekend, for a weekday schedule), at the last
//!   slot before it: a Saturday event's day-of reminder goes out on Friday, and so does a
//!   Monday event's "1 day before". `days_before` is then counted from the day it is posted.
//! - **One post per slot.** When two leads of one occurrence land on the same slot (Saturday
//!   and Sunday both falling back to Friday), it is posted once, as the smaller lead.
//! - **Which leads.** Public, bank, festival and milestone events get every lead: people plan
//!   leave, releases and cover around them. Observances and optional holidays get only the
//!   plan's shortest lead (the day itself by default): they are not days off, so a week's
//!   notice would be noise.
//! - **Substitute days** get one reminder of their own, on the day itself when the schedule
//!   has a slot that day ("today: Boxing Day (substitute)"); the holiday's own reminders carry
//!   `observed_on`. A multi-day event (Chinese New Year for 2 days) is reminded of on its
//!   first day only. A day its calendar keeps as a staffing fact only (`announce = false`)
//!   gets no reminder at all.
//! - **Daylight saving.** Slots are wall-clock times: a 09:00 slot is 09:00 local on both
//!   sides of a change. A slot inside a spring-forward gap (02:30) posts at the first instant
//!   after the gap; a slot repeated by a fall-back posts once, on its first pass.
//! - **Catch-up** ([`due`]): after downtime, of the reminders whose time has come, each
//!   occurrence keeps only its latest (a due "1 day before" supersedes a missed "7 days
//!   before"), and an occurrence is stale, so dropped, once its date is past in the channel's
//!   zone. An event today is still worth a late "today" post.
//!
//! The `cron` crate parses the schedule, but its own time-zone iteration skips a slot in a
//! spring-forward gap and fires twice in a fall-back hour; so slots are found in wall-clock
//! time and turned into instants by [`local_to_utc`].

use crate::calendar::{Kind, Occurrence, OccurrenceKey, RegionCode};
use crate::team::{local_to_utc, Fold};
use chrono::{DateTime, Days, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::ops::{Bound, RangeBounds};

mod key;
mod schedule;
mod slots;
pub use key::{NotAReminderKey, ReminderKey};
pub use schedule::{first_second_after, PostingSchedule};

/// Weekdays at 09:00, in the channel's clock.
pub const DEFAULT_SCHEDULE: &str = "0 9 * * MON-FRI";
/// A week ahead, the day before and the day itself.
pub const DEFAULT_LEAD_DAYS: [u32; 3] = [7, 1, 0];
/// The longest lead a plan accepts: a year's notice.
pub const MAX_LEAD_DAYS: u32 = 366;
/// The most days in a row a schedule may leave without a slot, so that a reminder whose
/// announce day has no slot always finds one in the week before it.
const MAX_SILENT_DAYS: u64 = 6;
/// How far from its holiday a substitute day can land (a cascade stops after 14 days).
const SUBSTITUTE_REACH_DAYS: u64 = 15;

/// A channel's reminder settings could not be accepted; the message says what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReminderError {
    #[error("'{expression}' is not a posting schedule: {reason}")]
    Schedule { expression: String, reason: String },
    /// Slots closer than an hour: one rule for every posting schedule, reminders and pulses.
    #[error("'{expression}' posts more than once an hour; a posting schedule posts at most hourly, e.g. \"0 9 * * MON-FRI\"")]
    TooFrequent { expression: String },
    #[error("a reminder {given} days ahead is too far; the most is {MAX_LEAD_DAYS}")]
    LeadTooLong { given: u32 },
    #[error("no lead days given; use 0 for the day itself, 1 for the day before, and so on")]
    NoLeadDays,
}

/// What a channel wants to be reminded of, and when it posts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderPlan {
    timezone: Tz,
    schedule: PostingSchedule,
    /// Distinct, longest first.
    lead_days: Vec<u32>,
}

impl ReminderPlan {
    pub fn new(
        timezone: Tz,
        schedule: PostingSchedule,
        lead_days: impl IntoIterator<Item = u32>,
    ) -> Result<Self, ReminderError> {
        let mut lead_days: Vec<u32> = lead_days.into_iter().collect();
        if let Some(&given) = lead_days.iter().find(|&&l| l > MAX_LEAD_DAYS) {
            return Err(ReminderError::LeadTooLong { given });
        }
        lead_days.sort_unstable_by(|a, b| b.cmp(a));
        lead_days.dedup();
        if lead_days.is_empty() {
            return Err(ReminderError::NoLeadDays);
        }
        Ok(ReminderPlan { timezone, schedule, lead_days })
    }

    /// The default plan for a channel in `timezone`: weekdays 09:00, 7, 1 and 0 days ahead.
    pub fn in_zone(timezone: Tz) -> Self {
        ReminderPlan { timezone, schedule: PostingSchedule::default(), lead_days: DEFAULT_LEAD_DAYS.to_vec() }
    }

    pub fn timezone(&self) -> Tz {
        self.timezone
    }

    pub fn schedule(&self) -> &PostingSchedule {
        &self.schedule
    }

    /// Distinct lead days, longest first.
    pub fn lead_days(&self) -> &[u32] {
        &self.lead_days
    }

    /// The dates (inclusive) of occurrences a caller must fetch, from every followed region, to
    /// plan the posts between `from` and `to`: events up to the longest lead (plus a week of
    /// fallback) after the window, a day either side for zone offsets, and the reach of
    /// substitute days. Fetching more does no harm.
    pub fn dates_to_fetch(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> (NaiveDate, NaiveDate) {
        let local = |t: DateTime<Utc>| t.with_timezone(&self.timezone).date_naive();
        let longest = u64::from(self.lead_days.first().copied().unwrap_or(0));
        let before = local(from) - Days::new(1 + SUBSTITUTE_REACH_DAYS);
        let after = local(to.max(from)) + Days::new(longest + MAX_SILENT_DAYS + 1 + SUBSTITUTE_REACH_DAYS);
        (before, after)
    }

    /// The leads an occurrence of `kind` gets, shortest first.
    fn leads_for(&self, kind: Kind) -> Vec<u32> {
        let mut leads = self.lead_days.clone();
        leads.reverse();
        match kind {
            Kind::Public | Kind::Bank | Kind::Festival | Kind::Milestone => leads,
            Kind::Observance | Kind::Optional => leads.into_iter().take(1).collect(),
        }
    }

    /// When the reminder `lead` days ahead of `date` is posted.
    fn post_time(&self, date: NaiveDate, lead: u32) -> Option<DateTime<Utc>> {
        let announce = date.checked_sub_days(Days::new(u64::from(lead)))?;
        let wall =
            self.schedule.first_wall_slot_on(announce).or_else(|| self.schedule.last_wall_slot_before(announce))?;
        Some(local_to_utc(self.timezone, wall, Fold::Earlier))
    }
}

/// One post a channel owes: an occurrence, how far ahead, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reminder {
    pub occurrence: Occurrence,
    /// The plan's lead this post stands for (the smaller one when two share a slot).
    pub lead_days: u32,
    /// The event's date minus the local date it is posted on: 0 today, 1 tomorrow, 3 on Monday
    /// seen from Friday. From [`due`], counted from the catch-up instant.
    pub days_before: i64,
    pub post_at: DateTime<Utc>,
    /// Names this post across restarts and instances for the ledger.
    pub key: ReminderKey,
    /// The substitute day off, when the holiday has one.
    pub observed_on: Option<NaiveDate>,
}

/// Every reminder whose post time is in [`from`, `to`), by time then name. `occurrences` may
/// come from several regions and reach outside the window; fetch them with
/// [`ReminderPlan::dates_to_fetch`] so that none is missed.
pub fn plan_posts(
    plan: &ReminderPlan,
    occurrences: &[Occurrence],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<Reminder> {
    planned(plan, occurrences, (Bound::Included(from), Bound::Excluded(to)))
}

/// What to post now after a pause: of the reminders planned in (`since`, `now`], the latest
/// of each occurrence whose date (in the channel's zone) is not yet past at `now`, with
/// `days_before` counted from `now`'s local date, since that is when it will be read. The key
/// stays the planned one, so the ledger still posts it once.
/// A reminder this long past its planned time counts as caught up rather than on time.
const LATE_AFTER: Duration = Duration::minutes(15);

pub fn due(plan: &ReminderPlan, occurrences: &[Occurrence], since: DateTime<Utc>, now: DateTime<Utc>) -> Vec<Reminder> {
    let today = now.with_timezone(&plan.timezone).date_naive();
    let mut latest: HashMap<OccurrenceKey, Reminder> = HashMap::new();
    for reminder in planned(plan, occurrences, (Bound::Excluded(since), Bound::Included(now))) {
        if reminder.occurrence.date < today {
            continue;
        }
        let kept = latest.entry(reminder.occurrence.key()).or_insert_with(|| reminder.clone());
        if reminder.post_at > kept.post_at {
            *kept = reminder;
        }
    }
    // A reminder posted late (after downtime) is dropped when the same occurrence has another
    // reminder coming later today: "tomorrow" at nine beats "in 7 days" caught up at eight.
    let mut next_today: HashSet<OccurrenceKey> = HashSet::new();
    for r in planned(plan, occurrences, (Bound::Excluded(now), Bound::Unbounded)) {
        if r.post_at.with_timezone(&plan.timezone).date_naive() == today {
            next_today.insert(r.occurrence.key());
        }
    }
    let mut out: Vec<Reminder> = latest
        .into_values()
        .filter(|r| now - r.post_at <= LATE_AFTER || !next_today.contains(&r.occurrence.key()))
        .map(|mut r| {
            r.days_before = (r.occurrence.date - today).num_days();
            r
        })
        .collect();
    sort(&mut out);
    out
}

fn planned(plan: &ReminderPlan, occurrences: &[Occurrence], window: impl RangeBounds<DateTime<Utc>>) -> Vec<Reminder> {
    let actual: HashSet<(&RegionCode, &str, NaiveDate)> =
        occurrences.iter().filter(|o| !o.observed).map(|o| (&o.region, o.id.as_str(), o.date)).collect();
    let substitutes: HashMap<(&RegionCode, &str, NaiveDate), NaiveDate> = occurrences
        .iter()
        .filter_map(|o| Some(((&o.region, o.id.as_str(), o.observed_for.filter(|_| o.observed)?), o.date)))
        .collect();
    // A nation's holiday reaches a channel through each followed subdivision too: once.
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for occurrence in occurrences {
        let continues =
            occurrence.date.pred_opt().is_some_and(|d| actual.contains(&(&occurrence.region, &occurrence.id, d)));
        if continues || !occurrence.announced() || !seen.insert(occurrence.key()) {
            continue;
        }
        if occurrence.observed {
            // Only on the day: stepping back to an earlier slot would call it "today" wrongly.
            let Some(wall) = plan.schedule.first_wall_slot_on(occurrence.date) else { continue };
            let post_at = local_to_utc(plan.timezone, wall, Fold::Earlier);
            if window.contains(&post_at) {
                out.push(Reminder {
                    occurrence: occurrence.clone(),
                    lead_days: 0,
                    days_before: 0,
                    post_at,
                    key: ReminderKey { occurrence: occurrence.key(), lead: 0 },
                    observed_on: None,
                });
            }
            continue;
        }
        let observed_on = substitutes.get(&(&occurrence.region, occurrence.id.as_str(), occurrence.date)).copied();
        // Shortest lead first: post times only move earlier, so a lead that lands on the
        // previous one's slot is the same post.
        let mut previous = None;
        for lead in plan.leads_for(occurrence.kind) {
            let Some(post_at) = plan.post_time(occurrence.date, lead) else { continue };
            if previous.replace(post_at) == Some(post_at) || !window.contains(&post_at) {
                continue;
            }
            let posted_on = post_at.with_timezone(&plan.timezone).date_naive();
            out.push(Reminder {
                occurrence: occurrence.clone(),
                lead_days: lead,
                days_before: (occurrence.date - posted_on).num_days(),
                post_at,
                key: ReminderKey { occurrence: occurrence.key(), lead },
                observed_on,
            });
        }
    }
    // A substitute day announced in the same slot as its holiday's own reminder (which names
    // the day off already) would say the same thing twice.
    let announced: HashSet<(RegionCode, String, NaiveDate, DateTime<Utc>)> = out
        .iter()
        .filter_map(|r| Some((r.occurrence.region.clone(), r.occurrence.id.clone(), r.observed_on?, r.post_at)))
        .collect();
    out.retain(|r| {
        !r.occurrence.observed
            || !announced.contains(&(
                r.occurrence.region.clone(),
                r.occurrence.id.clone(),
                r.occurrence.date,
                r.post_at,
            ))
    });
    sort(&mut out);
    out
}

fn sort(reminders: &mut [Reminder]) {
    reminders.sort_by(|a, b| (a.post_at, &a.occurrence.name, &a.key).cmp(&(b.post_at, &b.occurrence.name, &b.key)));
}

#[cfg(test)]
mod tests {
    use super::schedule::weekday_set;
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::America::New_York;
    use std::str::FromStr;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn numbered_weekdays_mean_what_they_mean_in_crontab() {
        let numbered = PostingSchedule::parse("0 9 * * 1-5").unwrap();
        let named = PostingSchedule::parse(DEFAULT_SCHEDULE).unwrap();
        let week = (utc("2026-06-01T00:00:00Z"), utc("2026-06-08T00:00:00Z"));
        let slots = |s: &PostingSchedule| s.slots_between(Tz::UTC, week.0, week.1).collect::<Vec<_>>();
        assert_eq!(slots(&numbered), slots(&named));
        assert_eq!(slots(&named).len(), 5);
        assert_eq!(weekday_set("0"), weekday_set("7"));
        assert_eq!(weekday_set("SUN"), Ok(1));
        assert_eq!(weekday_set("FRI-MON"), weekday_set("5,6,0,1"));
        assert_eq!(weekday_set("5-7"), weekday_set("FRI,SAT,SUN"));
        assert_eq!(weekday_set("*/2"), weekday_set("SUN,TUE,THU,SAT"));
    }

    #[test]
    fn a_reminder_schedule_with_a_year_is_refused_because_it_would_fall_silent() {
        // Checked against 2024-2028 only, this one passed and stops after 2030.
        let err = PostingSchedule::parse("0 0 9 * * MON-FRI 2024-2030").unwrap_err().to_string();
        assert!(err.contains("its year field '2024-2030' would make reminders stop"), "{err}");
        // One that starts later was refused as "never posts", though it posts from 2030 on.
        assert!(PostingSchedule::parse("0 0 9 * * MON-FRI 2030-2099").unwrap_err().to_string().contains("year field"));
        assert!(PostingSchedule::parse("0 0 9 * * MON-FRI *").is_ok());
        // A pulse schedule may end: it fires when its slots come, no weekly promise.
        assert!(PostingSchedule::parse_any("0 0 10 * * FRI 2027").is_ok());
    }

    #[test]
    fn the_cron_crate_alone_skips_a_gap_slot_and_repeats_an_overlap_slot() {
        // Why slots are found in wall-clock time: if this starts failing, the crate was fixed.
        let cron = cron::Schedule::from_str("0 30 2 * * *").unwrap();
        let spring: Vec<_> = cron.after(&New_York.with_ymd_and_hms(2026, 3, 7, 12, 0, 0).unwrap()).take(1).collect();
        assert_eq!(spring[0].date_naive(), date(2026, 3, 9), "the crate skips 02:30 on 2026-03-08");
        let cron = cron::Schedule::from_str("0 30 1 * * *").unwrap();
        let fall: Vec<_> = cron.after(&New_York.with_ymd_and_hms(2026, 10, 31, 12, 0, 0).unwrap()).take(2).collect();
        assert_eq!(fall[0].date_naive(), fall[1].date_naive(), "the crate posts 01:30 twice on 2026-11-01");
    }

    #[test]
    fn a_plan_keeps_distinct_leads_longest_first() {
        let plan = ReminderPlan::new(New_York, PostingSchedule::default(), [0, 7, 1, 7]).unwrap();
        assert_eq!(plan.lead_days(), &[7, 1, 0]);
        assert_eq!(plan.leads_for(Kind::Observance), vec![0]);
        assert_eq!(
            ReminderPlan::new(New_York, PostingSchedule::default(), [400]),
            Err(ReminderError::LeadTooLong { given: 400 })
        );
        assert_eq!(ReminderPlan::new(New_York, PostingSchedule::default(), []), Err(ReminderError::NoLeadDays));
    }

    #[test]
    fn the_last_slot_before_a_monday_is_friday() {
        let schedule = PostingSchedule::default();
        assert_eq!(schedule.last_slot_before(New_York, date(2026, 6, 8)), Some(utc("2026-06-05T13:00:00Z")));
        assert_eq!(schedule.first_slot_on(New_York, date(2026, 6, 6)), None);
    }
}
