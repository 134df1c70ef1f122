//! The brief's calendar part: what is on in the customer regions each day of the window, and
//! their long weekends.

use super::CustomerEvent;
use crate::calendar::{Culture, Kind, Occurrence, RegionCalendar, RegionCode};
use chrono::{Duration, NaiveDate};
use std::collections::HashSet;
use std::sync::Arc;

/// One day of the window with what is on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Day {
    pub date: NaiveDate,
    pub entries: Vec<Entry>,
}

/// One event on one day, with every customer region that has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub kind: Kind,
    /// The customer regions it applies to, in the channel's order; `TEAM` for a milestone.
    pub regions: Vec<RegionCode>,
    /// For a substitute day off, the date of the holiday it replaces.
    pub observed_for: Option<NaiveDate>,
    /// The culture note (the first region's that has one): its emoji.
    pub culture: Option<Arc<Culture>>,
    /// What it is, how to greet and what to expect, each per group of regions that say the
    /// same: Christmas in Sydney is a summer beach day, in London it is not.
    pub abouts: Vec<(Vec<RegionCode>, String)>,
    pub greetings: Vec<(Vec<RegionCode>, String)>,
    pub expects: Vec<(Vec<RegionCode>, String)>,
    /// A date a manager added with `/brief event add`.
    pub custom: bool,
}

impl Entry {
    pub fn is_day_off(&self) -> bool {
        self.kind.is_day_off()
    }
}

/// Days off in a row in some regions: a weekend made longer by a holiday.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LongWeekend {
    pub regions: Vec<RegionCode>,
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// The holidays that make it, in date order, each once.
    pub holidays: Vec<String>,
}

impl LongWeekend {
    pub fn length(&self) -> i64 {
        (self.last - self.first).num_days() + 1
    }
}

/// Whether two occurrences are one event: the same day, substitute or not, named alike in
/// each region's file ("christmas" and "christmas-day"), and a day off in all or none.
fn same_event(x: &Occurrence, y: &Occurrence) -> bool {
    let base = |id: &str| id.trim_end_matches("-observed").trim_end_matches("-day").to_string();
    let kinds_agree = if x.kind.is_day_off() { y.kind.is_day_off() } else { x.kind == y.kind };
    x.date == y.date && x.observed == y.observed && kinds_agree && base(&x.id) == base(&y.id)
}

/// One part of the culture note, per group of customer regions whose notes say the same.
fn said(
    members: &[(RegionCode, Occurrence)],
    part: impl Fn(&Culture) -> Option<String>,
) -> Vec<(Vec<RegionCode>, String)> {
    let mut out: Vec<(Vec<RegionCode>, String)> = Vec::new();
    for (customer, o) in members {
        let Some(text) = o.culture.as_deref().and_then(&part) else { continue };
        match out.iter_mut().find(|(_, t)| *t == text) {
            Some((codes, _)) if !codes.contains(customer) => codes.push(customer.clone()),
            Some(_) => {}
            None => out.push((vec![customer.clone()], text)),
        }
    }
    out
}

/// The window's days that have something on, from `first` to `last` inclusive.
pub(super) fn days(
    first: NaiveDate,
    last: NaiveDate,
    regions: &[Arc<RegionCalendar>],
    events: &[CustomerEvent],
    milestones: &[Occurrence],
) -> Vec<Day> {
    // (customer region, occurrence), each occurrence once per customer region.
    let mut found: Vec<(RegionCode, Occurrence)> = Vec::new();
    for calendar in regions {
        let mut seen = HashSet::new();
        // A day its calendar keeps as a staffing fact only (`announce = false`) still closes
        // the region (business hours, long weekends) but is not told as news.
        for o in calendar.occurrences(first, last).0.into_iter().filter(|o| o.announced()) {
            if seen.insert(o.key()) {
                found.push((calendar.code.clone(), o));
            }
        }
    }
    found.sort_by(|(_, a), (_, b)| (a.date, a.observed, a.kind, &a.name).cmp(&(b.date, b.observed, b.kind, &b.name)));
    let mut grouped: Vec<(Occurrence, Vec<(RegionCode, Occurrence)>)> = Vec::new();
    for (customer, o) in found {
        match grouped.iter_mut().find(|(head, _)| same_event(head, &o)) {
            Some((_, members)) => members.push((customer, o)),
            None => grouped.push((o.clone(), vec![(customer, o)])),
        }
    }
    let order = |code: &RegionCode| regions.iter().position(|r| &r.code == code).unwrap_or(usize::MAX);
    let mut entries: Vec<(NaiveDate, Entry)> = grouped
        .into_iter()
        .map(|(head, mut members)| {
            members.sort_by_key(|(customer, _)| order(customer));
            let mut codes: Vec<RegionCode> = Vec::new();
            for (customer, _) in &members {
                if !codes.contains(customer) {
                    codes.push(customer.clone());
                }
            }
            codes.sort_by_key(|c| order(c));
            let culture = members.iter().find_map(|(_, o)| o.culture.clone());
            let entry = Entry {
                name: head.name.clone(),
                kind: head.kind,
                regions: codes,
                observed_for: head.observed_for,
                culture,
                abouts: said(&members, |c| c.about.clone()),
                greetings: said(&members, |c| c.greeting.clone()),
                expects: said(&members, |c| c.expect.clone()),
                custom: false,
            };
            (head.date, entry)
        })
        .collect();
    for m in milestones.iter().filter(|m| m.date >= first && m.date <= last) {
        let entry = Entry {
            name: m.name.clone(),
            kind: Kind::Milestone,
            regions: vec![RegionCode::team()],
            observed_for: None,
            culture: m.culture.clone(),
            abouts: m
                .culture
                .as_ref()
                .and_then(|c| c.about.clone())
                .map(|a| (vec![RegionCode::team()], a))
                .into_iter()
                .collect(),
            greetings: Vec::new(),
            expects: Vec::new(),
            custom: false,
        };
        entries.push((m.date, entry));
    }
    for e in events.iter().filter(|e| e.date >= first && e.date <= last) {
        let entry = Entry {
            name: e.name.clone(),
            kind: Kind::Observance,
            regions: vec![e.region.clone()],
            observed_for: None,
            culture: None,
            abouts: Vec::new(),
            greetings: Vec::new(),
            expects: Vec::new(),
            custom: true,
        };
        entries.push((e.date, entry));
    }
    // Days off first, then the rest; a manager's own dates after the calendars'.
    entries.sort_by(|(da, a), (db, b)| {
        (da, a.custom, a.kind, a.observed_for.is_some(), &a.name).cmp(&(
            db,
            b.custom,
            b.kind,
            b.observed_for.is_some(),
            &b.name,
        ))
    });
    let mut days: Vec<Day> = Vec::new();
    for (date, entry) in entries {
        match days.last_mut() {
            Some(day) if day.date == date => day.entries.push(entry),
            _ => days.push(Day { date, entries: vec![entry] }),
        }
    }
    days
}

/// How far either side of the window a long weekend is followed, to know where it starts and
/// ends: no run of days off is longer than this in any calendar.
const REACH: i64 = 10;

/// Each region's long weekends that touch `first..=last`; regions with the same one together.
pub(super) fn long_weekends(first: NaiveDate, last: NaiveDate, regions: &[Arc<RegionCalendar>]) -> Vec<LongWeekend> {
    let (Some(from), Some(to)) =
        (first.checked_sub_signed(Duration::days(REACH)), last.checked_add_signed(Duration::days(REACH)))
    else {
        return Vec::new();
    };
    let mut out: Vec<LongWeekend> = Vec::new();
    for calendar in regions {
        let occurrences = calendar.occurrences(from, to).0;
        let holidays_on = |date: NaiveDate| -> Vec<String> {
            occurrences.iter().filter(|o| o.date == date && o.kind.is_day_off()).map(|o| o.name.clone()).collect()
        };
        let mut run: Option<(NaiveDate, NaiveDate, Vec<String>)> = None;
        let mut date = from;
        while date <= to {
            let holidays = holidays_on(date);
            let off = calendar.is_weekend(date) || !holidays.is_empty();
            match (&mut run, off) {
                (Some((_, end, names)), true) => {
                    *end = date;
                    add_names(names, holidays);
                }
                (None, true) => run = Some((date, date, holidays)),
                (Some(_), false) => {
                    if let Some((start, end, names)) = run.take() {
                        add_long_weekend(&mut out, calendar.code.clone(), start, end, names, first, last);
                    }
                }
                (None, false) => {}
            }
            date = match date.succ_opt() {
                Some(d) => d,
                None => break,
            };
        }
        if let Some((start, end, names)) = run.take() {
            add_long_weekend(&mut out, calendar.code.clone(), start, end, names, first, last);
        }
    }
    out.sort_by_key(|w| (w.first, w.last));
    out
}

fn add_long_weekend(
    out: &mut Vec<LongWeekend>,
    region: RegionCode,
    start: NaiveDate,
    end: NaiveDate,
    holidays: Vec<String>,
    first: NaiveDate,
    last: NaiveDate,
) {
    let long = (end - start).num_days() + 1 >= 3 && !holidays.is_empty();
    if !long || end < first || start > last {
        return;
    }
    match out.iter_mut().find(|w| w.first == start && w.last == end) {
        Some(w) => {
            if !w.regions.contains(&region) {
                w.regions.push(region);
            }
            add_names(&mut w.holidays, holidays);
        }
        None => {
            let mut names = Vec::new();
            add_names(&mut names, holidays);
            out.push(LongWeekend { regions: vec![region], first: start, last: end, holidays: names })
        }
    }
}

/// Adds holiday names not there yet; a substitute day ("Boxing Day (observed)") is the same
/// holiday as its own day for this purpose.
fn add_names(names: &mut Vec<String>, more: Vec<String>) {
    for name in more {
        let base = name.trim_end_matches(" (observed)").to_string();
        if !names.contains(&base) {
            names.push(base);
        }
    }
}
