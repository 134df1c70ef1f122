//! Reminders as a channel sees them: which posts it owes for the regions it follows, at what
//! local time, across weekends, daylight-saving changes, month ends, leap days and downtime.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::America::{New_York, Toronto};
use chrono_tz::Asia::Kolkata;
use chrono_tz::Europe::{Berlin, London};
use chrono_tz::Tz;
use meridian::calendar::{Kind, Library, Occurrence};
use meridian::reminders::{due, plan_posts, PostingSchedule, Reminder, ReminderError, ReminderKey, ReminderPlan};
use proptest::prelude::*;

mod common;

use common::{date, library, utc};

/// What a caller does: fetch the followed regions' occurrences the plan asks for.
fn occurrences(plan: &ReminderPlan, regions: &[&str], from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Occurrence> {
    let (first, last) = plan.dates_to_fetch(from, to);
    regions.iter().flat_map(|r| library().find(r).unwrap().occurrences(first, last).0).collect()
}

fn plan_for(plan: &ReminderPlan, regions: &[&str], from: &str, to: &str) -> Vec<Reminder> {
    let (from, to) = (utc(from), utc(to));
    plan_posts(plan, &occurrences(plan, regions, from, to), from, to)
}

/// (post time, lead, days before) of one event's reminders.
fn posts_of(reminders: &[Reminder], id: &str) -> Vec<(DateTime<Utc>, u32, i64)> {
    reminders.iter().filter(|r| r.occurrence.id == id).map(|r| (r.post_at, r.lead_days, r.days_before)).collect()
}

fn milestone(name: &str, on: NaiveDate) -> Occurrence {
    Occurrence {
        date: on,
        name: name.to_string(),
        region: "US".parse().unwrap(),
        kind: Kind::Milestone,
        observed: false,
        observed_for: None,
        id: name.to_lowercase().replace(' ', "-"),
        culture: None,
        expected: false,
    }
}

/// Slots of any schedule (half-hourly ones too: the wall-clock machinery under the reminders'
/// and pulses' own rules).
fn slots(schedule: &str, tz: Tz, from: &str, to: &str) -> Vec<DateTime<Utc>> {
    PostingSchedule::parse_any(schedule).unwrap().slots_between(tz, utc(from), utc(to)).collect()
}

#[test]
fn reminders_and_pulses_keep_one_frequency_rule_at_most_hourly() {
    for every_few_minutes in ["* * * * *", "*/10 * * * *", "0,30 9 * * MON-FRI"] {
        assert!(
            matches!(
                PostingSchedule::parse(every_few_minutes),
                Err(meridian::reminders::ReminderError::TooFrequent { .. })
            ),
            "{every_few_minutes}"
        );
        assert!(every_few_minutes.parse::<meridian::pulse::CronSpec>().is_err(), "{every_few_minutes}");
    }
    assert!(PostingSchedule::parse("0 9,17 * * MON-FRI").is_ok());
}

/// One event's posts in one channel: what the case shows, the channel's zone and regions, the
/// window planned, the event, and its posts as (instant, lead, days before) — with the
/// default plan (weekdays 09:00, leads 7, 1 and 0).
struct Case {
    shows: &'static str,
    zone: Tz,
    regions: &'static [&'static str],
    window: (&'static str, &'static str),
    event: &'static str,
    posts: &'static [(&'static str, u32, i64)],
}

const CASES: &[Case] = &[
    Case {
        shows: "a Sunday event: a week ahead is Sunday too, so Friday nine days out; the day before \
                (Saturday) and the day itself both fall back to Friday: one post",
        zone: Kolkata,
        regions: &["IN"],
        window: ("2026-10-25T00:00:00Z", "2026-11-10T00:00:00Z"),
        event: "diwali",
        posts: &[("2026-10-30T03:30:00Z", 7, 9), ("2026-11-06T03:30:00Z", 0, 2)],
    },
    Case {
        shows: "a Monday holiday: \"tomorrow\" would be Sunday, so Friday says \"on Monday\", three days ahead",
        zone: Kolkata,
        regions: &["IN"],
        window: ("2026-01-15T00:00:00Z", "2026-01-31T00:00:00Z"),
        event: "republic-day",
        posts: &[("2026-01-19T03:30:00Z", 7, 7), ("2026-01-23T03:30:00Z", 1, 3), ("2026-01-26T03:30:00Z", 0, 0)],
    },
    Case {
        shows: "a Thursday holiday: 7, 1 and 0 days ahead at 09:00 Eastern",
        zone: New_York,
        regions: &["US"],
        window: ("2026-11-15T00:00:00Z", "2026-11-30T00:00:00Z"),
        event: "thanksgiving",
        posts: &[("2026-11-19T14:00:00Z", 7, 7), ("2026-11-25T14:00:00Z", 1, 1), ("2026-11-26T14:00:00Z", 0, 0)],
    },
    Case {
        shows: "a Saturday holiday: announced on the Fridays before",
        zone: New_York,
        regions: &["US"],
        window: ("2026-06-20T00:00:00Z", "2026-07-10T00:00:00Z"),
        event: "independence-day",
        posts: &[("2026-06-26T13:00:00Z", 7, 8), ("2026-07-03T13:00:00Z", 0, 1)],
    },
    Case {
        shows: "an observance gets only its day-of reminder (Mother's Day, a Sunday: on Friday)",
        zone: New_York,
        regions: &["US"],
        window: ("2026-04-25T00:00:00Z", "2026-11-05T00:00:00Z"),
        event: "mothers-day",
        posts: &[("2026-05-08T13:00:00Z", 0, 2)],
    },
    Case {
        shows: "a festival gets every lead (Halloween, a Saturday)",
        zone: New_York,
        regions: &["US"],
        window: ("2026-04-25T00:00:00Z", "2026-11-05T00:00:00Z"),
        event: "halloween",
        posts: &[("2026-10-23T13:00:00Z", 7, 8), ("2026-10-30T13:00:00Z", 0, 1)],
    },
    Case {
        shows: "across a month's end (Canada Day)",
        zone: Toronto,
        regions: &["CA"],
        window: ("2026-06-20T00:00:00Z", "2026-07-05T00:00:00Z"),
        event: "canada-day",
        posts: &[("2026-06-24T13:00:00Z", 7, 7), ("2026-06-30T13:00:00Z", 1, 1), ("2026-07-01T13:00:00Z", 0, 0)],
    },
    Case {
        shows: "across a year's end (New Year's Day 2027; the window also holds none of 2026's)",
        zone: New_York,
        regions: &["US"],
        window: ("2026-12-20T00:00:00Z", "2027-01-05T00:00:00Z"),
        event: "new-years-day",
        posts: &[("2026-12-25T14:00:00Z", 7, 7), ("2026-12-31T14:00:00Z", 1, 1), ("2027-01-01T14:00:00Z", 0, 0)],
    },
];

#[test]
fn each_event_is_posted_at_its_leads_at_0900_in_the_channels_zone() {
    for case in CASES {
        let plan = ReminderPlan::in_zone(case.zone);
        let reminders = plan_for(&plan, case.regions, case.window.0, case.window.1);
        let expected: Vec<_> = case.posts.iter().map(|&(at, lead, before)| (utc(at), lead, before)).collect();
        assert_eq!(posts_of(&reminders, case.event), expected, "{}", case.shows);
    }
}

#[test]
fn a_key_names_the_occurrence_and_the_lead_it_stands_for() {
    let plan = ReminderPlan::in_zone(Kolkata);
    let reminders = plan_for(&plan, &["IN"], "2026-10-25T00:00:00Z", "2026-11-10T00:00:00Z");
    let friday = reminders.iter().find(|r| r.post_at == utc("2026-11-06T03:30:00Z")).unwrap();
    assert_eq!(friday.key.to_string(), "IN:diwali:2026-11-08:lead0");
    assert_eq!(friday.observed_on, None, "India gives no substitute days");
    let reminders = plan_for(&plan, &["IN"], "2026-01-15T00:00:00Z", "2026-01-31T00:00:00Z");
    let friday = reminders.iter().find(|r| r.occurrence.id == "republic-day" && r.lead_days == 1).unwrap();
    assert_eq!(friday.key.to_string(), "IN:republic-day:2026-01-26:lead1");
}

#[test]
fn a_saturday_holiday_names_its_substitute_day() {
    let plan = ReminderPlan::in_zone(New_York);
    let reminders = plan_for(&plan, &["US"], "2026-06-20T00:00:00Z", "2026-07-10T00:00:00Z");
    let independence: Vec<&Reminder> = reminders.iter().filter(|r| r.occurrence.id == "independence-day").collect();
    assert!(independence.iter().all(|r| r.occurrence.date == date(2026, 7, 4) && !r.occurrence.observed));
    assert!(independence.iter().all(|r| r.observed_on == Some(date(2026, 7, 3))));
    // The substitute day, Friday 3 July, shares its slot with the holiday's "tomorrow", which
    // names the day off already: one reminder, not two saying the same.
    assert!(reminders.iter().all(|r| !r.occurrence.observed), "{reminders:#?}");
}

#[test]
fn a_substitute_day_gets_its_own_reminder_on_the_day() {
    // Boxing Day 2026 is a Saturday; GB gives Monday 28 December off. Friday's post is
    // about Christmas and Boxing Day; Monday's says the substitute day is today.
    let plan = ReminderPlan::in_zone(London);
    let reminders = plan_for(&plan, &["GB"], "2026-12-20T00:00:00Z", "2026-12-31T00:00:00Z");
    let substitute: Vec<&Reminder> = reminders.iter().filter(|r| r.occurrence.observed).collect();
    assert_eq!(substitute.len(), 1, "{substitute:#?}");
    assert_eq!(substitute[0].key.to_string(), "GB:boxing-day:2026-12-28:observed:lead0");
    assert_eq!((substitute[0].post_at, substitute[0].days_before), (utc("2026-12-28T09:00:00Z"), 0));
}

#[test]
fn a_two_day_holiday_is_reminded_of_on_its_first_day_only() {
    let plan = ReminderPlan::in_zone(chrono_tz::Asia::Singapore);
    let reminders = plan_for(&plan, &["SG"], "2026-02-01T00:00:00Z", "2026-02-28T00:00:00Z");
    let new_year: Vec<&Reminder> =
        reminders.iter().filter(|r| r.occurrence.name.contains("Chinese New Year")).collect();
    assert!(!new_year.is_empty());
    assert!(new_year.iter().all(|r| r.occurrence.date == date(2026, 2, 17)), "{new_year:#?}");
}

#[test]
fn a_nation_holiday_reached_through_two_followed_states_is_posted_once() {
    let plan = ReminderPlan::in_zone(Kolkata);
    let reminders = plan_for(&plan, &["IN-KA", "IN-TG", "IN"], "2026-01-15T00:00:00Z", "2026-01-31T00:00:00Z");
    assert_eq!(posts_of(&reminders, "republic-day").len(), 3);
}

#[test]
fn a_0900_weekday_schedule_stays_at_0900_local_across_the_us_dst_changes() {
    let schedule = "0 9 * * MON-FRI";
    assert_eq!(
        slots(schedule, New_York, "2026-03-05T00:00:00Z", "2026-03-11T00:00:00Z"),
        vec![
            utc("2026-03-05T14:00:00Z"),
            utc("2026-03-06T14:00:00Z"),
            // Sunday 8 March: clocks go forward.
            utc("2026-03-09T13:00:00Z"),
            utc("2026-03-10T13:00:00Z"),
        ]
    );
    assert_eq!(
        slots(schedule, New_York, "2026-10-29T00:00:00Z", "2026-11-04T00:00:00Z"),
        vec![
            utc("2026-10-29T13:00:00Z"),
            utc("2026-10-30T13:00:00Z"),
            // Sunday 1 November: clocks go back.
            utc("2026-11-02T14:00:00Z"),
            utc("2026-11-03T14:00:00Z"),
        ]
    );
    // A daily schedule on the change days themselves.
    assert_eq!(
        slots("0 9 * * *", New_York, "2026-03-07T00:00:00Z", "2026-03-09T00:00:00Z"),
        vec![utc("2026-03-07T14:00:00Z"), utc("2026-03-08T13:00:00Z")]
    );
    assert_eq!(
        slots("0 9 * * *", New_York, "2026-10-31T00:00:00Z", "2026-11-02T00:00:00Z"),
        vec![utc("2026-10-31T13:00:00Z"), utc("2026-11-01T14:00:00Z")]
    );
}

#[test]
fn a_0900_weekday_schedule_stays_at_0900_local_across_europes_dst_changes() {
    let schedule = "0 9 * * MON-FRI";
    assert_eq!(
        slots(schedule, Berlin, "2026-03-27T00:00:00Z", "2026-03-31T00:00:00Z"),
        vec![utc("2026-03-27T08:00:00Z"), utc("2026-03-30T07:00:00Z")]
    );
    assert_eq!(
        slots(schedule, Berlin, "2026-10-23T00:00:00Z", "2026-10-27T00:00:00Z"),
        vec![utc("2026-10-23T07:00:00Z"), utc("2026-10-26T08:00:00Z")]
    );
    assert_eq!(
        slots(schedule, London, "2026-03-27T00:00:00Z", "2026-03-31T00:00:00Z"),
        vec![utc("2026-03-27T09:00:00Z"), utc("2026-03-30T08:00:00Z")]
    );
    assert_eq!(
        slots(schedule, London, "2026-10-23T00:00:00Z", "2026-10-27T00:00:00Z"),
        vec![utc("2026-10-23T08:00:00Z"), utc("2026-10-26T09:00:00Z")]
    );
}

#[test]
fn reminders_either_side_of_a_dst_change_keep_0900_local() {
    let plan = ReminderPlan::in_zone(New_York);
    let launch = milestone("Launch", date(2026, 3, 9));
    let reminders = plan_posts(&plan, &[launch], utc("2026-02-01T00:00:00Z"), utc("2026-04-01T00:00:00Z"));
    assert_eq!(
        posts_of(&reminders, "launch"),
        vec![
            (utc("2026-03-02T14:00:00Z"), 7, 7),
            (utc("2026-03-06T14:00:00Z"), 1, 3),
            (utc("2026-03-09T13:00:00Z"), 0, 0),
        ]
    );
}

#[test]
fn a_0230_slot_on_the_spring_forward_day_posts_once_at_0300() {
    assert_eq!(
        slots("30 2 * * *", New_York, "2026-03-07T00:00:00Z", "2026-03-10T00:00:00Z"),
        vec![
            utc("2026-03-07T07:30:00Z"),
            // 02:30 does not exist on 8 March; the first instant after the gap is 03:00 EDT.
            utc("2026-03-08T07:00:00Z"),
            utc("2026-03-09T06:30:00Z"),
        ]
    );
    // Two slots inside the gap post once, and a reminder planned on one posts then.
    assert_eq!(
        slots("0,30 2 * * *", New_York, "2026-03-08T00:00:00Z", "2026-03-09T00:00:00Z"),
        vec![utc("2026-03-08T07:00:00Z")]
    );
    let plan = ReminderPlan::new(New_York, PostingSchedule::parse("30 2 * * *").unwrap(), [0]).unwrap();
    let reminders = plan_posts(
        &plan,
        &[milestone("Cutover", date(2026, 3, 8))],
        utc("2026-03-01T00:00:00Z"),
        utc("2026-03-10T00:00:00Z"),
    );
    assert_eq!(posts_of(&reminders, "cutover"), vec![(utc("2026-03-08T07:00:00Z"), 0, 0)]);
}

#[test]
fn a_0130_slot_on_the_fall_back_day_posts_once_on_its_first_pass() {
    assert_eq!(
        slots("30 1 * * *", New_York, "2026-10-31T00:00:00Z", "2026-11-03T00:00:00Z"),
        vec![utc("2026-10-31T05:30:00Z"), utc("2026-11-01T05:30:00Z"), utc("2026-11-02T06:30:00Z")]
    );
    assert_eq!(
        slots("30 1 * * *", London, "2026-10-24T00:00:00Z", "2026-10-27T00:00:00Z"),
        vec![utc("2026-10-24T00:30:00Z"), utc("2026-10-25T00:30:00Z"), utc("2026-10-26T01:30:00Z")]
    );
}

#[test]
fn slots_every_half_hour_through_both_changes_are_strictly_increasing() {
    // 72 hours hold 144 half-hour instants. In spring every one of them has a slot (the
    // skipped hour has no instants); in autumn the repeated hour's second pass has none.
    for (from, to, expected) in
        [("2026-03-07T00:00:00Z", "2026-03-10T00:00:00Z", 144), ("2026-10-31T00:00:00Z", "2026-11-03T00:00:00Z", 142)]
    {
        let all = slots("0,30 * * * *", New_York, from, to);
        assert!(all.windows(2).all(|w| w[0] < w[1]), "{all:?}");
        assert_eq!(all.len(), expected);
    }
}

#[test]
fn a_leap_day_milestone_is_reminded_of_only_in_leap_years() {
    let team = r#"
        [region]
        code = "ZZ"
        name = "Team dates"
        timezone = "Asia/Kolkata"

        [[event]]
        id = "founding-day"
        name = "Founding day"
        kind = "milestone"
        rule = "02-29"
    "#;
    let library = Library::from_files([("ZZ.toml".to_string(), team.to_string())]).unwrap();
    let calendar = library.find("ZZ").unwrap();
    let plan = ReminderPlan::in_zone(Kolkata);
    let (from, to) = (utc("2027-01-01T00:00:00Z"), utc("2029-01-01T00:00:00Z"));
    let (first, last) = plan.dates_to_fetch(from, to);
    let reminders = plan_posts(&plan, &calendar.occurrences(first, last).0, from, to);
    assert_eq!(
        posts_of(&reminders, "founding-day"),
        vec![
            (utc("2028-02-22T03:30:00Z"), 7, 7),
            (utc("2028-02-28T03:30:00Z"), 1, 1),
            (utc("2028-02-29T03:30:00Z"), 0, 0),
        ]
    );
    assert_eq!(reminders[0].key.to_string(), "ZZ:founding-day:2028-02-29:lead7");
}

#[test]
fn after_three_days_down_only_the_latest_still_relevant_reminder_of_each_event_is_posted() {
    let plan = ReminderPlan::in_zone(New_York);
    // Down from Monday 9 November 15:00 to Thursday 12 November 15:00 New York time.
    let (since, now) = (utc("2026-11-09T20:00:00Z"), utc("2026-11-12T20:00:00Z"));
    let mut occurrences = occurrences(&plan, &["US"], since, now);
    occurrences.push(milestone("Release 2", date(2026, 11, 12)));
    occurrences.push(milestone("Quarterly review", date(2026, 11, 18)));
    let caught_up = due(&plan, &occurrences, since, now);
    let keys: Vec<String> = caught_up.iter().map(|r| r.key.to_string()).collect();
    let summary: Vec<_> =
        caught_up.iter().zip(&keys).map(|(r, key)| (key.as_str(), r.post_at, r.days_before)).collect();
    assert_eq!(
        summary,
        vec![
            // A week ahead of the review, planned for Wednesday 09:00, now six days ahead.
            ("US:quarterly-review:2026-11-18:lead7", utc("2026-11-11T14:00:00Z"), 6),
            // The release's "tomorrow" post was superseded by its "today" post.
            ("US:release-2:2026-11-12:lead0", utc("2026-11-12T14:00:00Z"), 0),
        ]
    );
    // Veterans Day (Wednesday 11 November) had both its posts planned in the downtime; it is past.
    let planned = plan_posts(&plan, &occurrences, since, now);
    assert_eq!(posts_of(&planned, "veterans-day").len(), 2);
    assert!(caught_up.iter().all(|r| r.occurrence.id != "veterans-day"));
}

#[test]
fn when_nothing_was_missed_due_is_exactly_what_was_planned_for_the_moment() {
    let plan = ReminderPlan::in_zone(Kolkata);
    let (since, now) = (utc("2026-01-26T03:29:00Z"), utc("2026-01-26T03:30:00Z"));
    let occurrences = occurrences(&plan, &["IN"], since, now);
    let keys = |rs: &[Reminder]| rs.iter().map(|r| r.key.to_string()).collect::<Vec<_>>();
    assert_eq!(keys(&due(&plan, &occurrences, since, now)), vec!["IN:republic-day:2026-01-26:lead0"]);
    assert!(due(&plan, &occurrences, now, utc("2026-01-26T04:00:00Z")).is_empty(), "since is excluded");
}

#[test]
fn a_posting_schedule_explains_what_is_wrong_with_it() {
    let error = |text: &str| PostingSchedule::parse(text).unwrap_err().to_string();
    assert!(error("0 9 * *").contains("'0 9 * *' is not a posting schedule: it has 4 fields"), "{}", error("0 9 * *"));
    assert!(error("0 9 1 * MON").contains("both the day of month ('1') and the day of week ('MON')"));
    assert!(error("0 9 1 * *").contains("days in a row without a post"), "{}", error("0 9 1 * *"));
    assert!(error("0 9 30 2 *").contains("it never posts"), "{}", error("0 9 30 2 *"));
    assert!(error("0 25 * * *")
        .starts_with("'0 25 * * *' is not a posting schedule: hour '25' is not valid; expected 0-23"));
    assert!(error("0 9 * 13 *").contains("month '13' is not valid"), "{}", error("0 9 * 13 *"));
    assert!(error("0 9 * * FUNDAY").contains("'FUNDAY' is not a day of the week"));
    assert!(matches!(PostingSchedule::parse(""), Err(ReminderError::Schedule { .. })));
}

#[test]
fn a_posting_schedule_takes_five_six_or_seven_fields() {
    let five = PostingSchedule::parse("0 9 * * MON-FRI").unwrap();
    assert_eq!(five, PostingSchedule::default());
    let six = PostingSchedule::parse("0 0 9 * * MON-FRI").unwrap();
    let seven = PostingSchedule::parse("0 0 9 * * MON-FRI *").unwrap();
    let week = (utc("2026-06-01T00:00:00Z"), utc("2026-06-08T00:00:00Z"));
    let all = |s: &PostingSchedule| s.slots_between(Kolkata, week.0, week.1).collect::<Vec<_>>();
    assert_eq!(all(&five), all(&six));
    assert_eq!(all(&five), all(&seven));
    assert_eq!(five.to_string(), "0 9 * * MON-FRI");
    // Weekly is the sparsest schedule that still leaves no week without a post.
    assert!(PostingSchedule::parse("0 9 * * MON").is_ok());
}

#[test]
fn first_and_last_slots_of_a_day_are_local_wall_clock_times() {
    let schedule = PostingSchedule::parse("0 9,17 * * MON-FRI").unwrap();
    assert_eq!(schedule.first_slot_on(Berlin, date(2026, 3, 30)), Some(utc("2026-03-30T07:00:00Z")));
    assert_eq!(schedule.first_slot_on(Berlin, date(2026, 3, 29)), None);
    assert_eq!(schedule.last_slot_before(Berlin, date(2026, 3, 30)), Some(utc("2026-03-27T16:00:00Z")));
}

fn zone() -> impl Strategy<Value = Tz> {
    prop::sample::select(vec![Kolkata, New_York, Berlin, London, chrono_tz::Asia::Manila, chrono_tz::Australia::Sydney])
}

fn schedule() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "0 9 * * MON-FRI",
        "30 2 * * *",
        "0 9,17 * * 1-5",
        "0 0 * * *",
        "15 8 * * MON-SAT",
        "0 1-3 * * *",
        "0 10 * * TUE,THU",
    ])
}

fn instant(seconds_from_2026: i64) -> DateTime<Utc> {
    utc("2026-01-01T00:00:00Z") + chrono::Duration::seconds(seconds_from_2026)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn planning_a_window_equals_planning_its_two_halves(
        tz in zone(),
        schedule in schedule(),
        start in 0i64..3 * 365 * 86_400,
        length in 1i64..40 * 86_400,
        split in 0.0f64..=1.0,
        on_a_slot in any::<bool>(),
    ) {
        let plan = ReminderPlan::new(tz, PostingSchedule::parse(schedule).unwrap(), [7, 1, 0]).unwrap();
        let (from, to) = (instant(start), instant(start + length));
        let slots: Vec<_> = plan.schedule().slots_between(tz, from, to).collect();
        // A boundary exactly on a post time is where an off-by-one would hide.
        let middle = match slots.get((slots.len() as f64 * split) as usize) {
            Some(slot) if on_a_slot => *slot,
            _ => instant(start + (length as f64 * split) as i64),
        };
        let occurrences = occurrences(&plan, &["IN", "US", "GB", "SG", "DE-BY"], from, to);
        let whole = plan_posts(&plan, &occurrences, from, to);
        let mut halves = plan_posts(&plan, &occurrences, from, middle);
        halves.extend(plan_posts(&plan, &occurrences, middle, to));
        prop_assert_eq!(&whole, &halves);

        let mut keys: Vec<&ReminderKey> = whole.iter().map(|r| &r.key).collect();
        keys.sort_unstable();
        keys.dedup();
        prop_assert_eq!(keys.len(), whole.len(), "a key is planned twice");
        for r in &whole {
            prop_assert!(slots.contains(&r.post_at), "{} is not a slot", r.post_at);
            prop_assert!(r.days_before >= i64::from(r.lead_days), "{r:?}");
            prop_assert!(r.days_before <= i64::from(r.lead_days) + 6, "{r:?}");
        }
    }

    #[test]
    fn the_dates_to_fetch_miss_no_reminder(
        tz in zone(),
        schedule in schedule(),
        start in 0i64..2 * 365 * 86_400,
        length in 1i64..20 * 86_400,
    ) {
        let plan = ReminderPlan::new(tz, PostingSchedule::parse(schedule).unwrap(), [30, 7, 1, 0]).unwrap();
        let (from, to) = (instant(start), instant(start + length));
        let fetched = occurrences(&plan, &["US", "GB"], from, to);
        let everything: Vec<Occurrence> = ["US", "GB"]
            .iter()
            .flat_map(|r| library().find(r).unwrap().occurrences(date(2025, 6, 1), date(2028, 12, 31)).0)
            .collect();
        prop_assert_eq!(plan_posts(&plan, &fetched, from, to), plan_posts(&plan, &everything, from, to));
    }

    #[test]
    fn catching_up_posts_at_most_one_reminder_per_event_and_nothing_past(
        tz in zone(),
        start in 0i64..2 * 365 * 86_400,
        down in 1i64..10 * 86_400,
    ) {
        let plan = ReminderPlan::in_zone(tz);
        let (since, now) = (instant(start), instant(start + down));
        let occurrences = occurrences(&plan, &["IN", "US", "GB"], since, now);
        let caught_up = due(&plan, &occurrences, since, now);
        let today = now.with_timezone(&tz).date_naive();
        let mut events: Vec<_> = caught_up.iter().map(|r| r.occurrence.key()).collect();
        events.sort();
        events.dedup();
        prop_assert_eq!(events.len(), caught_up.len());
        for r in &caught_up {
            prop_assert!(r.post_at > since && r.post_at <= now);
            prop_assert!(r.occurrence.date >= today);
            prop_assert_eq!(r.days_before, (r.occurrence.date - today).num_days());
        }
    }
}
