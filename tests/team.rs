//! The team as a manager sees it: working hours as people type them, who is off on a public
//! holiday, and when the people at work overlap, night shifts and DST changes included.

use chrono::NaiveTime;
use chrono_tz::America::New_York;
use chrono_tz::Asia::{Kolkata, Manila};
use chrono_tz::Europe::London;
use meridian::team::{coverage, overlap, whos_off, Interval, MemberOff, TeamError, Teammate, WorkingHours};

mod common;

use common::{date, library, utc};

fn hours(text: &str) -> WorkingHours {
    text.parse().unwrap()
}

fn interval(start: &str, end: &str) -> Interval {
    Interval { start: utc(start), end: utc(end) }
}

fn member(name: &str, region: Option<&str>, hours: Option<&str>) -> Teammate {
    let mut member = Teammate::new(format!("U-{name}"), name);
    member.profile.region = region.map(|r| r.parse().unwrap());
    member.profile.working_hours = hours.map(|h| h.parse().unwrap());
    member
}

#[test]
fn working_hours_are_read_as_people_type_them() {
    let day = hours("09:00-18:00");
    assert_eq!(
        (day.start, day.end),
        (NaiveTime::from_hms_opt(9, 0, 0).unwrap(), NaiveTime::from_hms_opt(18, 0, 0).unwrap())
    );
    assert!(!day.crosses_midnight());
    assert_eq!(hours("9:00 - 18:00"), day);
    assert_eq!(hours("09:00–18:00"), day, "an en dash pasted from a document");
    assert_eq!(day.to_string(), "09:00-18:00");
    assert!(hours("21:00-06:00").crosses_midnight());
    let evening = hours("18:00-24:00");
    assert!(evening.crosses_midnight(), "24:00 is the midnight that ends the day");
    assert_eq!(evening.shift_on(date(2026, 6, 1), London).duration(), chrono::Duration::hours(6));
}

#[test]
fn working_hours_that_do_not_parse_say_what_to_write() {
    for (given, says) in [
        ("9-5", "start '9' is not a time of day"),
        ("25:00-18:00", "start '25:00' is not a time of day"),
        ("09:00-18:60", "end '18:60' is not a time of day"),
        ("09:00-09:00", "start and end are the same"),
        ("09:00", "there is no '-' between start and end"),
    ] {
        let error = given.parse::<WorkingHours>().unwrap_err();
        assert!(matches!(error, TeamError::Hours { .. }));
        let message = error.to_string();
        assert!(message.starts_with(&format!("'{given}' does not read as working hours")), "{message}");
        assert!(message.contains(says), "{message}");
        assert!(message.contains("such as 09:00-18:00"), "{message}");
    }
}

#[test]
fn a_manila_night_shift_overlaps_a_new_york_day_for_its_whole_us_morning_and_afternoon() {
    // Manila agents work 21:00-06:00 (13:00-22:00 UTC) to cover the US day; the New York lead
    // works 09:00-17:00 EST (14:00-22:00 UTC).
    let shifts = [(Manila, hours("21:00-06:00")), (New_York, hours("09:00-17:00"))];
    assert_eq!(overlap(date(2026, 3, 2), &shifts), Some(interval("2026-03-02T14:00:00Z", "2026-03-02T22:00:00Z")));
    // After the US change Manila (no DST) stays put and New York moves an hour earlier.
    assert_eq!(overlap(date(2026, 3, 9), &shifts), Some(interval("2026-03-09T13:00:00Z", "2026-03-09T21:00:00Z")));
}

#[test]
fn shifts_that_never_meet_have_no_overlap() {
    let shifts = [(Kolkata, hours("09:00-18:00")), (New_York, hours("09:00-17:00"))];
    assert_eq!(overlap(date(2026, 6, 1), &shifts), None);
    assert_eq!(overlap(date(2026, 6, 1), &[]), None, "nobody at work overlaps with nobody");
    let alone = [(Kolkata, hours("09:00-18:00"))];
    assert_eq!(overlap(date(2026, 6, 1), &alone), Some(interval("2026-06-01T03:30:00Z", "2026-06-01T12:30:00Z")));
}

#[test]
fn a_night_shift_over_a_dst_change_is_an_hour_shorter_in_spring_and_longer_in_autumn() {
    let night = hours("21:00-06:00");
    let spring = night.shift_on(date(2026, 3, 7), New_York);
    assert_eq!(spring, interval("2026-03-08T02:00:00Z", "2026-03-08T10:00:00Z"));
    assert_eq!(spring.duration(), chrono::Duration::hours(8));
    let autumn = night.shift_on(date(2026, 10, 31), New_York);
    assert_eq!(autumn, interval("2026-11-01T01:00:00Z", "2026-11-01T11:00:00Z"));
    assert_eq!(autumn.duration(), chrono::Duration::hours(10));
    assert_eq!(autumn.to_string(), "01:00-11:00 UTC");
    assert_eq!(night.shift_on(date(2026, 3, 2), Manila).to_string(), "13:00-22:00 UTC");
    assert_eq!(night.shift_on(date(2026, 3, 2), Kolkata).to_string(), "15:30-00:30+1 UTC");
}

#[test]
fn on_republic_day_the_india_members_are_off_by_region_and_the_rest_are_not() {
    let mut opted_out = member("Tomas", Some("IN"), None);
    opted_out.profile.opted_out = true;
    let members = [
        member("Priya", Some("IN-KA"), None),
        member("Ravi", Some("IN"), None),
        member("Arjun", Some("IN"), None),
        member("Sam", Some("US-NY"), None),
        member("Ana", Some("PH"), None),
        member("Zoe", None, None),
        member("Kim", Some("KR"), None),
        opted_out,
    ];
    let off = whos_off(date(2026, 1, 26), &members, library());
    let summary: Vec<(&str, &str, Vec<&str>)> = off
        .by_region
        .iter()
        .map(|r| {
            (r.region.as_str(), r.region_name.as_str(), r.members.iter().map(|m| m.display_name.as_str()).collect())
        })
        .collect();
    assert_eq!(summary, vec![("IN", "India", vec!["Arjun", "Ravi"]), ("IN-KA", "Karnataka", vec!["Priya"])]);
    assert_eq!(
        off.by_region[1].members,
        vec![MemberOff {
            user_id: "U-Priya".into(),
            display_name: "Priya".into(),
            occasion: "Republic Day".into(),
            defined_by: vec!["IN".parse().unwrap()]
        }]
    );
    assert_eq!(off.unknown_region, vec!["Kim", "Zoe"], "no region set, or a region with no calendar");
    assert!(!off.is_off("U-Tomas"), "an opted-out member is never shown");
}

#[test]
fn a_substitute_day_off_counts_as_off() {
    // Independence Day 2026 is a Saturday: federal staff get Friday off; New York State's
    // calendar moves no Saturday holiday, so a New York member works.
    let members =
        [member("Sam", Some("US"), None), member("Nia", Some("US-NY"), None), member("Lee", Some("GB"), None)];
    let off = whos_off(date(2026, 7, 3), &members, library());
    assert_eq!(off.by_region.len(), 1);
    assert_eq!(
        off.by_region[0].members,
        vec![MemberOff {
            user_id: "U-Sam".into(),
            display_name: "Sam".into(),
            occasion: "Independence Day (observed)".into(),
            defined_by: vec!["US".parse().unwrap()]
        }]
    );
}

#[test]
fn optional_holidays_and_festivals_are_not_days_off() {
    // Makar Sankranti (optional in India) on 2026-01-14.
    let off = whos_off(date(2026, 1, 14), &[member("Ravi", Some("IN"), None)], library());
    assert!(off.by_region.is_empty(), "{off:?}");
}

#[test]
fn a_member_on_a_public_holiday_is_left_out_of_the_coverage_overlap() {
    let mut zoe = member("Zoe", None, Some("10:00-16:00"));
    zoe.profile.timezone = Some(London);
    let members = [
        member("Priya", Some("IN-KA"), Some("09:00-18:00")),
        member("Ana", Some("PH"), Some("21:00-06:00")),
        member("Sam", Some("US-NY"), Some("09:00-17:00")),
        member("Lee", Some("GB"), Some("13:00-21:30")),
        zoe,
        member("Ravi", Some("IN"), None),
    ];
    let cover = coverage(date(2026, 1, 26), &members, library());
    assert!(cover.off.is_off("U-Priya") && cover.off.is_off("U-Ravi"));
    assert_eq!(cover.present, vec!["Ana", "Lee", "Sam", "Zoe"]);
    assert_eq!(cover.total, 6);
    // Ana 13:00-22:00, Sam 14:00-22:00, Lee 13:00-21:30, Zoe 10:00-16:00 (all UTC in January).
    assert_eq!(cover.overlap, Some(interval("2026-01-26T14:00:00Z", "2026-01-26T16:00:00Z")));
    assert!(cover.hours_unknown.is_empty());
    assert_eq!(cover.to_string(), "4 of 6 in; overlap 14:00-16:00 UTC");

    // Were Priya at work, her 03:30-12:30 UTC day would leave no overlap at all.
    let the_day_after = coverage(date(2026, 1, 27), &members, library());
    assert_eq!(the_day_after.overlap, None);
    assert_eq!(the_day_after.hours_unknown, vec!["Ravi"]);
    assert_eq!(the_day_after.to_string(), "6 of 6 in; no overlap");
}

#[test]
fn a_member_without_a_time_zone_keeps_their_region_calendars_clock() {
    let priya = member("Priya", Some("IN-KA"), Some("09:00-18:00"));
    assert_eq!(priya.profile.timezone_in(library()), Some(Kolkata));
    let mut travelling = priya.clone();
    travelling.profile.timezone = Some(London);
    assert_eq!(travelling.profile.timezone_in(library()), Some(London));
    assert_eq!(member("Zoe", None, None).profile.timezone_in(library()), None);
    let cover = coverage(date(2026, 6, 1), &[priya], library());
    assert_eq!(cover.overlap, Some(interval("2026-06-01T03:30:00Z", "2026-06-01T12:30:00Z")));
}

#[test]
fn opted_out_members_are_not_counted() {
    let mut quiet = member("Quinn", Some("US"), Some("09:00-17:00"));
    quiet.profile.opted_out = true;
    let cover = coverage(date(2026, 6, 1), &[quiet, member("Sam", Some("US-NY"), Some("09:00-17:00"))], library());
    assert_eq!((cover.present.len(), cover.total), (1, 1));
}

#[test]
fn coverage_by_hour_finds_the_hours_nobody_covers() {
    use meridian::team::coverage_by_hour;
    let day: WorkingHours = "09:00-17:00".parse().unwrap();
    let evening: WorkingHours = "17:00-22:00".parse().unwrap();
    let runs = coverage_by_hour(date(2026, 12, 1), Manila, &[(Manila, day), (Manila, evening)]);
    assert_eq!(runs, vec![(0, 9, 0), (9, 22, 1), (22, 24, 0)]);
    // A night shift from the day before still covers the small hours.
    let night: WorkingHours = "22:00-06:00".parse().unwrap();
    let runs = coverage_by_hour(date(2026, 12, 1), Manila, &[(Manila, day), (Manila, night)]);
    assert_eq!(runs, vec![(0, 6, 1), (6, 9, 0), (9, 17, 1), (17, 22, 0), (22, 24, 1)]);
}

#[test]
fn a_member_in_a_state_gets_the_states_days_off() {
    let mut asha = member("Asha", Some("IN"), None);
    asha.profile.subdivision = Some("IN-KA".parse().unwrap());
    assert_eq!(asha.profile.home().map(|r| r.as_str()), Some("IN-KA"));
    assert_eq!(asha.profile.timezone_in(library()), Some(Kolkata));
    // Kannada Rajyotsava (1 November) is Karnataka's day off, not all India's.
    let off = whos_off(date(2027, 11, 1), &[asha, member("Ravi", Some("IN"), None)], library());
    assert!(off.is_off("U-Asha") && !off.is_off("U-Ravi"), "{off:?}");
}
