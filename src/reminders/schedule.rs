//! A channel's posting schedule: a cron expression in the channel's clock, checked once (it
//! parses, posts at most hourly and at least weekly), with its slots found from its fields
//! (`slots.rs`) and turned into instants across DST changes.

use super::slots::DaySlots;
use super::{ReminderError, DEFAULT_SCHEDULE, MAX_SILENT_DAYS};
use crate::team::{local_to_utc, Fold};
use chrono::{DateTime, Days, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::Serialize;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock};

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
    pub(super) cron: Arc<cron::Schedule>,
    /// Its slots by day and time of day, to find them without walking `cron` (`None` for a
    /// schedule with too many slots a day to tabulate).
    pub(super) slots: Option<Arc<DaySlots>>,
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
    pub(super) fn cron_slots_after(&self, local: NaiveDateTime) -> impl Iterator<Item = NaiveDateTime> + '_ {
        self.cron.after(&Utc.from_utc_datetime(&local)).map(|t| t.naive_utc())
    }

    pub(super) fn first_wall_slot_on(&self, date: NaiveDate) -> Option<NaiveDateTime> {
        if let Some(slots) = &self.slots {
            return slots.first_on(date);
        }
        let before_midnight = date.and_time(NaiveTime::MIN) - chrono::Duration::seconds(1);
        self.cron_slots_after(before_midnight).next().filter(|slot| slot.date() == date)
    }

    pub(super) fn last_wall_slot_before(&self, date: NaiveDate) -> Option<NaiveDateTime> {
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
pub(super) fn weekday_set(field: &str) -> Result<WeekdaySet, String> {
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

/// Where a search for slots strictly after `t` starts: the next whole second. Slots fall on
/// whole minutes, so this misses none, where `t + 1s` would skip a slot less than a second
/// after `t` (a scheduler turn at 03:29:59.4 must still wake for 03:30).
pub fn first_second_after(t: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::SubsecRound;
    t.trunc_subsecs(0) + chrono::Duration::seconds(1)
}
