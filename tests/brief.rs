//! The brief's core as a specification: given customer regions, a team and a date, what the
//! brief holds — holidays grouped across regions, long weekends, business hours against the
//! team's shifts, daylight-saving changes and what they do to the overlap, quiet days — at
//! the edges that matter: Christmas, clock changes north and south, a channel whose own
//! clocks change, leap days.

mod common;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use common::{date, library, utc};
use meridian::brief::schedule::due_at;
use meridian::brief::{compose, offset_changes, Brief, BriefConfig, BriefInput, Changing, CustomerEvent, Headline};
use meridian::calendar::{Kind, Occurrence, RegionCalendar, RegionCode};
use meridian::team::WorkingHours;
use std::sync::Arc;

fn regions(codes: &[&str]) -> Vec<Arc<RegionCalendar>> {
    codes.iter().map(|c| library().find(c).unwrap()).collect()
}

fn hours(text: &str) -> WorkingHours {
    text.parse().unwrap()
}

fn code(text: &str) -> RegionCode {
    text.parse().unwrap()
}

/// The brief a channel in `tz` posts at 08:30 on `on`.
fn brief(tz: Tz, on: NaiveDate, customers: &[&str], team: &[(Tz, WorkingHours)]) -> Brief {
    let at = due_at(on, NaiveTime::from_hms_opt(8, 30, 0).unwrap(), tz);
    brief_at(tz, on, at, customers, team, &[], &[])
}

fn brief_at(
    tz: Tz,
    on: NaiveDate,
    at: DateTime<Utc>,
    customers: &[&str],
    team: &[(Tz, WorkingHours)],
    events: &[CustomerEvent],
    milestones: &[Occurrence],
) -> Brief {
    let calendars = regions(customers);
    compose(BriefInput {
        date: on,
        at,
        channel_tz: tz,
        regions: &calendars,
        business_hours: BriefConfig::default().business_hours,
        team,
        events,
        milestones,
        headlines: Vec::new(),
    })
}

const MANILA: Tz = chrono_tz::Asia::Manila;

#[test]
fn christmas_is_one_entry_for_every_region_that_has_it_and_the_long_weekends_are_named() {
    let b = brief(MANILA, date(2026, 12, 23), &["AU", "GB", "US"], &[]);
    let christmas = b.days.iter().find(|d| d.date == date(2026, 12, 25)).expect("Christmas is in the window");
    let entry = christmas.entries.iter().find(|e| e.name == "Christmas Day").unwrap();
    assert_eq!(entry.regions, [code("AU"), code("GB"), code("US")]);
    assert!(entry.is_day_off());
    assert_eq!(entry.expects.len(), 3, "each country's own words on what to expect");
    let boxing = b.days.iter().find(|d| d.date == date(2026, 12, 28)).unwrap();
    assert!(boxing.entries.iter().any(|e| e.observed_for == Some(date(2026, 12, 26))), "the substitute Monday");
    let weekends: Vec<(Vec<RegionCode>, NaiveDate, NaiveDate)> =
        b.long_weekends.iter().map(|w| (w.regions.clone(), w.first, w.last)).collect();
    assert_eq!(
        weekends,
        [
            (vec![code("US")], date(2026, 12, 25), date(2026, 12, 27)),
            (vec![code("AU"), code("GB")], date(2026, 12, 25), date(2026, 12, 28)),
        ]
    );
    assert!(!b.is_quiet());
}

#[test]
fn a_region_closed_for_a_holiday_says_so_and_when_it_opens_again() {
    // 08:30 Friday 25 Dec in Manila is 00:30 in London: closed for Christmas, the weekend,
    // and Boxing Day's substitute Monday; open again on Tuesday 29th.
    let b = brief(MANILA, date(2026, 12, 25), &["GB"], &[]);
    let gb = &b.clocks[0];
    assert!(!gb.open_now);
    let closed: Vec<NaiveDate> = gb.closed.iter().map(|(d, _)| *d).collect();
    assert_eq!(closed, [date(2026, 12, 25), date(2026, 12, 28)]);
    assert!(gb.weekend_first);
    let open = gb.open.unwrap();
    assert_eq!(open.start, utc("2026-12-29T09:00:00Z"));
    assert_eq!(open.local(MANILA), "17:00-01:00+1");
}

#[test]
fn business_hours_are_read_against_the_team_s_shifts_night_shifts_included() {
    // Sydney's Wednesday, 09:00-17:00 AEDT, is 06:00-14:00 in Manila; jose works 06:00-15:00
    // and ana a night shift 21:00-06:00 that covers none of it.
    let team = [(MANILA, hours("06:00-15:00")), (MANILA, hours("21:00-06:00"))];
    let b = brief(MANILA, date(2026, 12, 23), &["AU", "US"], &team);
    let au = &b.clocks[0];
    assert!(au.open_now, "11:30 in Sydney");
    assert_eq!(au.open.unwrap().local(MANILA), "06:00-14:00");
    assert_eq!(au.overlap.as_ref().unwrap().total, Duration::hours(8));
    // New York opens at 22:00 Manila: only the night shift meets it, all 8 hours of it.
    let us = &b.clocks[1];
    assert_eq!(us.open.unwrap().local(MANILA), "22:00-06:00+1");
    let overlap = us.overlap.as_ref().unwrap();
    assert_eq!(overlap.total, Duration::hours(8));
    assert_eq!(overlap.spans.len(), 1);
    // No member's hours known: nothing is claimed about the overlap.
    assert!(brief(MANILA, date(2026, 12, 23), &["AU"], &[]).clocks[0].overlap.is_none());
}

#[test]
fn the_uk_and_us_clock_changes_of_autumn_2026_are_announced_to_a_manila_team_with_the_overlap() {
    let team = [(MANILA, hours("15:00-00:00"))];
    // Thursday 22 Oct: the UK goes back on Sunday 25th; the US a week later, out of the window.
    let b = brief(MANILA, date(2026, 10, 22), &["GB", "US"], &team);
    assert_eq!(b.clock_changes.len(), 1, "{:#?}", b.clock_changes);
    let uk = &b.clock_changes[0];
    assert_eq!(
        (uk.region.as_str(), uk.changing, uk.on, uk.from),
        ("GB", Changing::Region, date(2026, 10, 25), date(2026, 10, 26))
    );
    assert_eq!(uk.minutes, -60, "back an hour");
    assert_eq!(uk.moves_minutes, 60, "London's 09:00 is an hour later in Manila");
    assert_eq!(uk.opening_before.time(), NaiveTime::from_hms_opt(16, 0, 0).unwrap());
    assert_eq!(uk.opening_after.time(), NaiveTime::from_hms_opt(17, 0, 0).unwrap());
    assert_eq!((uk.overlap_before, uk.overlap_after), (Some(Duration::hours(8)), Some(Duration::hours(7))));
    // Monday 26 Oct: the UK's change is behind; the US (New York) changes on Sunday 1 Nov.
    let b = brief(MANILA, date(2026, 10, 26), &["GB", "US", "US-CA"], &team);
    let changes: Vec<(&str, NaiveDate, i64)> =
        b.clock_changes.iter().map(|k| (k.region.as_str(), k.on, k.moves_minutes)).collect();
    assert_eq!(changes, [("US", date(2026, 11, 1), 60), ("US-CA", date(2026, 11, 1), 60)]);
    let us = &b.clock_changes[0];
    assert_eq!(us.opening_after.time(), NaiveTime::from_hms_opt(22, 0, 0).unwrap());
    assert_eq!((us.overlap_before, us.overlap_after), (Some(Duration::hours(3)), Some(Duration::hours(2))));
    // Los Angeles' 09:00 falls on the next day in Manila: 00:00 before, 01:00 after.
    let la = &b.clock_changes[1];
    assert_eq!(la.opening_after, date(2026, 11, 3).and_hms_opt(1, 0, 0).unwrap());
}

#[test]
fn a_change_on_the_brief_s_own_day_is_said_as_done() {
    // A channel that posts every day: on Sunday 25 Oct the UK's clocks went back overnight.
    let b = brief(MANILA, date(2026, 10, 25), &["GB"], &[]);
    assert_eq!(b.clock_changes.len(), 1);
    assert_eq!(b.clock_changes[0].on, date(2026, 10, 25));
}

#[test]
fn southern_spring_moves_sydney_earlier_on_a_manila_clock() {
    // Australia (NSW) goes forward on Sunday 4 Oct 2026: Sydney 09:00 goes from 07:00 to 06:00.
    let b = brief(MANILA, date(2026, 10, 1), &["AU"], &[]);
    let k = &b.clock_changes[0];
    assert_eq!((k.on, k.minutes, k.moves_minutes), (date(2026, 10, 4), 60, -60));
    assert_eq!(k.opening_after.time(), NaiveTime::from_hms_opt(6, 0, 0).unwrap());
}

#[test]
fn the_channel_s_own_clock_change_moves_every_region_and_a_shared_change_moves_none() {
    let london = chrono_tz::Europe::London;
    // A London desk serving India: the UK goes forward on Sunday 29 Mar 2026, India never
    // changes, so Kolkata's 09:00 is an hour later on London's clock (03:30 -> 04:30).
    let b = brief(london, date(2026, 3, 26), &["IN", "IE"], &[]);
    let changes: Vec<(&str, Changing, i64)> =
        b.clock_changes.iter().map(|k| (k.region.as_str(), k.changing, k.moves_minutes)).collect();
    assert_eq!(changes, [("IN", Changing::Channel, 60)], "Ireland changes with London: nothing moves");
    assert_eq!(b.clock_changes[0].opening_after.time(), NaiveTime::from_hms_opt(4, 30, 0).unwrap());
}

#[test]
fn offset_changes_are_found_for_half_hour_zones_and_none_in_zones_without_daylight_saving() {
    let lord_howe = chrono_tz::Australia::Lord_Howe;
    let changes = offset_changes(lord_howe, date(2026, 10, 1), date(2026, 10, 8));
    assert_eq!(changes, [(date(2026, 10, 4), 37_800, 39_600)], "+10:30 to +11:00");
    assert!(offset_changes(MANILA, date(2026, 1, 1), date(2026, 12, 31)).is_empty());
    assert!(offset_changes(chrono_tz::Asia::Kolkata, date(2026, 1, 1), date(2026, 12, 31)).is_empty());
}

#[test]
fn a_leap_day_is_in_the_window_and_events_on_it_are_shown() {
    let events = [CustomerEvent { id: 1, region: code("GB"), date: date(2028, 2, 29), name: "Leap-day sale".into() }];
    let milestone = Occurrence {
        date: date(2028, 3, 3),
        name: "Pune go-live".into(),
        region: RegionCode::team(),
        kind: Kind::Milestone,
        observed: false,
        observed_for: None,
        id: "milestone-1".into(),
        culture: None,
        expected: false,
    };
    let on = date(2028, 2, 25);
    let at = due_at(on, NaiveTime::from_hms_opt(8, 30, 0).unwrap(), MANILA);
    let b = brief_at(MANILA, on, at, &["GB"], &[], &events, &[milestone]);
    assert_eq!(b.last_date(), date(2028, 3, 3));
    let leap = b.days.iter().find(|d| d.date == date(2028, 2, 29)).expect("29 Feb is a day of the window");
    assert!(leap.entries.iter().any(|e| e.custom && e.name == "Leap-day sale"));
    let last = b.days.last().unwrap();
    assert_eq!(last.date, date(2028, 3, 3), "the 7th day after is in");
    assert_eq!(last.entries[0].regions, [RegionCode::team()]);
}

#[test]
fn a_day_with_nothing_on_is_quiet_and_headlines_make_it_not_quiet() {
    // Japan in early June 2026: no holidays, no clock changes, from Manila.
    let b = brief(MANILA, date(2026, 6, 9), &["JP"], &[]);
    assert!(b.days.is_empty() && b.long_weekends.is_empty() && b.clock_changes.is_empty(), "{:#?}", b.days);
    assert!(b.is_quiet());
    let calendars = regions(&["JP"]);
    let with_news = compose(BriefInput {
        date: date(2026, 6, 9),
        at: utc("2026-06-09T00:30:00Z"),
        channel_tz: MANILA,
        regions: &calendars,
        business_hours: BriefConfig::default().business_hours,
        team: &[],
        events: &[],
        milestones: &[],
        headlines: vec![Headline {
            region: code("JP"),
            title: "Rainy season begins".into(),
            link: None,
            key: "k".into(),
        }],
    });
    assert!(!with_news.is_quiet());
}
