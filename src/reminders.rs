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

use crate::calendar::{Kind, Occurrence, RegionCode};
use crate::team::{local_to_utc, Fold};
use chrono::{DateTime, Days, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::ops::{Bound, RangeBounds};
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock};

mod slots;
use slots::DaySlots;

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

/// When a channel posts, as a cron expression in the channel's local time. It can only exist
/// valid: it parses, and it posts at least once in every 7 days.
///
/// Accepted forms: the classic 5 fields `minute hour day-of-month month day-of-week`
/// (`0 9 * * MON-FRI`), or 6-7 fields with seconds first and an optional year last
/// (`0 0 9 * * MON-FRI`). Numbered weekdays mean what they mean in crontab in every form:
/// 0 and 7 are Sunday, 1 is Monday; names (`MON-FRI`, `SAT,SUN`) avoid the question.
/// Restricting both the day of month and the day of week is refused: crontab would post on
/// either, the `cron` crate only on both, and nobody should have to remember which.
#[derive(Clone)]
pub struct PostingSchedule {
    expression: String,
    /// Shared: every channel's plan holds its schedule, and a scheduler run copies plans.
    cron: Arc<cron::Schedule>,
    /// Its slots by day and time of day, to find them without walking `cron` (`None` for a
    /// schedule with too many slots a day to tabulate).
    slots: Option<Arc<DaySlots>>,
}

impl PostingSchedule {
    /// A reminder schedule: it must post at least once in every 7 days, so that an event on
    /// a day without a slot can step back to an earlier one.
    pub fn parse(expression: &str) -> Result<Self, ReminderError> {
        // Every read of a channel parses its stored schedule, and checking that it posts
        // weekly walks four years of slots: the answer for an expression never changes, so
        // it is kept (a few distinct expressions exist in any installation).
        static PARSED: OnceLock<Mutex<HashMap<String, Result<PostingSchedule, ReminderError>>>> = OnceLock::new();
        let parsed = PARSED.get_or_init(Default::default);
        if let Some(known) = parsed.lock().unwrap_or_else(|e| e.into_inner()).get(expression) {
            return known.clone();
        }
        let answer = Self::parse_checked(expression);
        let mut parsed = parsed.lock().unwrap_or_else(|e| e.into_inner());
        if parsed.len() >= 4096 {
            parsed.clear();
        }
        parsed.insert(expression.to_string(), answer.clone());
        answer
    }

    fn parse_checked(expression: &str) -> Result<Self, ReminderError> {
        let schedule = Self::parse_any(expression)?;
        // A year field that is not `*` makes the schedule end (or start) some day; checked
        // over any fixed window it could pass today and fall silent later.
        if let Some(year) = expression.split_whitespace().nth(6).filter(|y| !matches!(*y, "*" | "?")) {
            return Err(ReminderError::Schedule {
                expression: expression.trim().to_string(),
                reason: format!(
                    "its year field '{year}' would make reminders stop some day; leave the year out (or use *)"
                ),
            });
        }
        if !schedule.posts_at_most_hourly() {
            return Err(ReminderError::TooFrequent { expression: schedule.expression.clone() });
        }
        schedule
            .check_posts_weekly()
            .map_err(|reason| ReminderError::Schedule { expression: expression.trim().to_string(), reason })?;
        Ok(schedule)
    }

    /// Whether its slots are at least an hour apart (looking at its first 48 from a fixed
    /// Monday, so the answer never changes): the one frequency rule for reminders and
    /// pulses. A reminder posts at the first slot of its day anyway; a pulse needs time.
    pub fn posts_at_most_hourly(&self) -> bool {
        let reference = Utc.with_ymd_and_hms(2025, 1, 6, 0, 0, 0).single().unwrap_or_default();
        let runs: Vec<DateTime<Utc>> =
            self.slots_between(Tz::UTC, reference, reference + Duration::days(3660)).take(48).collect();
        runs.windows(2).all(|w| w[1] - w[0] >= Duration::hours(1))
    }

    /// Any recurring schedule (a monthly pulse), read the same way: crontab weekday numbers,
    /// local wall-clock time, DST-safe slots.
    pub fn parse_any(expression: &str) -> Result<Self, ReminderError> {
        let fail = |reason: String| ReminderError::Schedule { expression: expression.trim().to_string(), reason };
        let fields: Vec<&str> = expression.split_whitespace().collect();
        let (seconds, rest) = match fields.len() {
            5 => ("0", &fields[..]),
            6 | 7 => (fields[0], &fields[1..]),
            n => {
                return Err(fail(format!(
                    "it has {n} fields; expected 5 (minute hour day-of-month month day-of-week, such as \
                     \"{DEFAULT_SCHEDULE}\"), or 6-7 with seconds first and a year last"
                )))
            }
        };
        let (minute, hour, day_of_month, month, day_of_week) = (rest[0], rest[1], rest[2], rest[3], rest[4]);
        let weekdays = weekday_set(day_of_week).map_err(|r| fail(format!("day of week: {r}")))?;
        if !matches!(day_of_month, "*" | "?") && weekdays != ALL_WEEKDAYS {
            return Err(fail(format!(
                "it restricts both the day of month ('{day_of_month}') and the day of week ('{day_of_week}'); \
                 give one of them as *"
            )));
        }
        let year = rest.get(5).map(|y| format!(" {y}")).unwrap_or_default();
        let translated = format!("{seconds} {minute} {hour} {day_of_month} {month} {}{year}", weekday_field(weekdays));
        let cron = cron::Schedule::from_str(&translated).map_err(|e| fail(blame(seconds, rest, &e)))?;
        let slots = DaySlots::new(&cron, weekdays).map(Arc::new);
        Ok(PostingSchedule { expression: fields.join(" "), cron: Arc::new(cron), slots })
    }

    /// The expression as given (whitespace tidied).
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// Every slot in [`from`, `to`), as instants, in order, each once.
    pub fn slots_between(
        &self,
        tz: Tz,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> impl Iterator<Item = DateTime<Utc>> + '_ {
        // Start a day early in wall-clock time: a slot in a spring-forward gap reads earlier
        // than the instant it posts at.
        let start = tz.from_utc_datetime(&from.naive_utc()).naive_local() - Days::new(1);
        let mut last = None;
        self.wall_slots_after(start)
            .map(move |wall| local_to_utc(tz, wall, Fold::Earlier))
            .skip_while(move |t| *t < from)
            .take_while(move |t| *t < to)
            // Two slots in one gap (02:00 and 02:30) post at the same instant: once.
            .filter(move |t| last.replace(*t) != Some(*t))
    }

    /// The first slot on the local `date`, if the schedule has one that day.
    pub fn first_slot_on(&self, tz: Tz, date: NaiveDate) -> Option<DateTime<Utc>> {
        self.first_wall_slot_on(date).map(|wall| local_to_utc(tz, wall, Fold::Earlier))
    }

    /// The last slot on a local day before `date`, looking back at most a week.
    pub fn last_slot_before(&self, tz: Tz, date: NaiveDate) -> Option<DateTime<Utc>> {
        self.last_wall_slot_before(date).map(|wall| local_to_utc(tz, wall, Fold::Earlier))
    }

    /// Wall-clock slots strictly after `local`. The `cron` crate is run in UTC, which has no
    /// gaps and no repeats, so it yields every wall-clock slot exactly once.
    fn wall_slots_after(&self, local: NaiveDateTime) -> Box<dyn Iterator<Item = NaiveDateTime> + '_> {
        match &self.slots {
            Some(slots) => Box::new(slots.after(local)),
            None => Box::new(self.cron_slots_after(local)),
        }
    }

    /// [`Self::wall_slots_after`] by the `cron` crate's own iterator: the reference the
    /// tabulated slots are checked against, and the way for schedules too dense to tabulate.
    fn cron_slots_after(&self, local: NaiveDateTime) -> impl Iterator<Item = NaiveDateTime> + '_ {
        self.cron.after(&Utc.from_utc_datetime(&local)).map(|t| t.naive_utc())
    }

    fn first_wall_slot_on(&self, date: NaiveDate) -> Option<NaiveDateTime> {
        if let Some(slots) = &self.slots {
            return slots.first_on(date);
        }
        let before_midnight = date.and_time(NaiveTime::MIN) - chrono::Duration::seconds(1);
        self.cron_slots_after(before_midnight).next().filter(|slot| slot.date() == date)
    }

    fn last_wall_slot_before(&self, date: NaiveDate) -> Option<NaiveDateTime> {
        if let Some(slots) = &self.slots {
            return slots.last_before(date, MAX_SILENT_DAYS + 1);
        }
        let midnight = Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN));
        // `next_back` looks strictly before its start, so this is the day before or earlier.
        let slot = self.cron.after(&midnight).next_back()?.naive_utc();
        (slot.date() >= date - Days::new(MAX_SILENT_DAYS + 1)).then_some(slot)
    }

    /// Refuses a schedule that leaves a week without a post, by walking four years of
    /// slot days (a whole leap cycle). Without a year field (refused by [`Self::parse`]) the
    /// slots of any four years show every gap the schedule can leave, so the window's
    /// position does not matter.
    fn check_posts_weekly(&self) -> Result<(), String> {
        let start = NaiveDate::from_ymd_opt(2024, 1, 1).expect("a valid date");
        let end = NaiveDate::from_ymd_opt(2028, 1, 8).expect("a valid date");
        let mut previous = start - Days::new(1);
        while previous < end {
            let end_of_day = previous.and_hms_opt(23, 59, 59).expect("a valid time");
            let Some(next) = self.wall_slots_after(end_of_day).next() else {
                return Err(if previous < start {
                    "it never posts".to_string()
                } else {
                    format!("it stops posting after {previous}")
                });
            };
            let silent = (next.date() - previous).num_days() - 1;
            if silent > MAX_SILENT_DAYS as i64 {
                return Err(format!(
                    "it leaves {silent} days in a row without a post ({} to {}); reminders need a post \
                     at least once in every 7 days",
                    previous + Days::new(1),
                    next.date() - Days::new(1)
                ));
            }
            previous = next.date();
        }
        Ok(())
    }
}

impl Default for PostingSchedule {
    fn default() -> Self {
        PostingSchedule::parse(DEFAULT_SCHEDULE).expect("the default schedule is valid")
    }
}

impl PartialEq for PostingSchedule {
    fn eq(&self, other: &Self) -> bool {
        self.expression == other.expression
    }
}

impl Eq for PostingSchedule {}

impl fmt::Debug for PostingSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PostingSchedule({:?})", self.expression)
    }
}

impl fmt::Display for PostingSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.expression)
    }
}

impl FromStr for PostingSchedule {
    type Err = ReminderError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        PostingSchedule::parse(text)
    }
}

impl Serialize for PostingSchedule {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.expression)
    }
}

impl<'de> serde::Deserialize<'de> for PostingSchedule {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        PostingSchedule::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Which field the `cron` crate refused, in words: its own message quotes the translated
/// expression and, for hours, says "less than 23" where it means 23 or less.
fn blame(seconds: &str, rest: &[&str], error: &cron::error::Error) -> String {
    const FIELDS: [(&str, &str); 6] = [
        ("second", "0-59"),
        ("minute", "0-59"),
        ("hour", "0-23"),
        ("day of month", "1-31"),
        ("month", "1-12 or JAN-DEC"),
        ("year", "1970-2100"),
    ];
    let given = [
        Some(seconds),
        rest.first().copied(),
        rest.get(1).copied(),
        rest.get(2).copied(),
        rest.get(3).copied(),
        rest.get(5).copied(),
    ];
    for (i, ((name, range), value)) in FIELDS.iter().zip(given).enumerate() {
        let Some(value) = value else { continue };
        let mut alone = ["*"; 7];
        alone[if i == 5 { 6 } else { i }] = value;
        if cron::Schedule::from_str(&alone.join(" ")).is_err() {
            return format!(
                "{name} '{value}' is not valid; expected {range}, a list (1,15), a range (9-17) or a step (*/2)"
            );
        }
    }
    error.to_string().lines().last().unwrap_or("it does not parse").to_string()
}

/// Weekdays as a bit set, bit 0 = Sunday, in crontab's numbering.
type WeekdaySet = u8;
const ALL_WEEKDAYS: WeekdaySet = 0b111_1111;
const WEEKDAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// Reads a crontab day-of-week field (`MON-FRI`, `1-5`, `SAT,SUN`, `FRI-MON`, `*/2`) into a
/// set, so that numbers can be handed to the `cron` crate as names: it counts Sunday as 1.
fn weekday_set(field: &str) -> Result<WeekdaySet, String> {
    let mut set = 0;
    for item in field.split(',') {
        let (base, step) = match item.split_once('/') {
            Some((base, step)) => match step.parse::<usize>() {
                Ok(n) if n > 0 => (base, n),
                _ => return Err(format!("'{step}' is not a step; expected a whole number such as 2")),
            },
            None => (item, 1),
        };
        // Days as crontab numbers, 7 standing for Sunday at the end of a range.
        let days: Vec<u32> = match base.split_once('-') {
            _ if base == "*" || base == "?" => (0..=6).collect(),
            Some((first, last)) => {
                let (first, last) = (weekday_number(first)?, weekday_number(last)?);
                if first <= last {
                    (first..=last).collect()
                } else {
                    // A range across the weekend, such as FRI-MON.
                    (first..=6).chain(0..=last).collect()
                }
            }
            None if step > 1 => (weekday_number(base)?..=6).collect(),
            None => vec![weekday_number(base)?],
        };
        for day in days.into_iter().step_by(step) {
            set |= 1 << (day % 7);
        }
    }
    Ok(set)
}

fn weekday_number(text: &str) -> Result<u32, String> {
    if let Ok(n) = text.parse::<u32>() {
        return if n <= 7 {
            Ok(n)
        } else {
            Err(format!("{n} is not a day of the week; 0-7, where 0 and 7 are Sunday"))
        };
    }
    match text.parse::<Weekday>() {
        Ok(day) => Ok(day.num_days_from_sunday()),
        Err(_) => Err(format!("'{text}' is not a day of the week; expected MON..SUN or 0-7 (0 and 7 are Sunday)")),
    }
}

fn weekday_field(set: WeekdaySet) -> String {
    if set == ALL_WEEKDAYS {
        return "*".to_string();
    }
    (0..7).filter(|d| set & (1 << d) != 0).map(|d| WEEKDAY_NAMES[d]).collect::<Vec<_>>().join(",")
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
    /// Names this post across restarts and instances for the ledger:
    /// `IN:diwali:2026-11-08:lead1`.
    pub key: String,
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
    let mut latest: BTreeMap<String, Reminder> = BTreeMap::new();
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
    let mut next_today: HashSet<String> = HashSet::new();
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
                    key: format!("{}:lead0", occurrence.key()),
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
                key: format!("{}:lead{lead}", occurrence.key()),
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

/// Where a search for slots strictly after `t` starts: the next whole second. Slots fall on
/// whole minutes, so this misses none, where `t + 1s` would skip a slot less than a second
/// after `t` (a scheduler turn at 03:29:59.4 must still wake for 03:30).
pub fn first_second_after(t: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::SubsecRound;
    t.trunc_subsecs(0) + chrono::Duration::seconds(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::New_York;

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
