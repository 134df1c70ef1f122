//! Team milestones and custom events (stored by the bot, not in calendar files) as
//! occurrences beside the regional ones.

use super::model::{Kind, RegionCode};
use super::occurrence::Occurrence;
use chrono::{Datelike, NaiveDate};

/// A date a team set itself: a go-live, a team's founding day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Milestone {
    /// Stable across restarts (the store's id), so reminders are claimed once.
    pub id: i64,
    pub name: String,
    pub date: NaiveDate,
    /// Every year on the same month and day.
    pub yearly: bool,
    pub kind: Kind,
    pub note: Option<String>,
}

/// Occurrences of `milestones` between `from` and `to` inclusive. A yearly 29 February falls
/// on 28 February in common years, which is when people celebrate it.
pub fn milestone_occurrences(milestones: &[Milestone], from: NaiveDate, to: NaiveDate) -> Vec<Occurrence> {
    let mut out = Vec::new();
    for m in milestones {
        let dates: Vec<NaiveDate> = if m.yearly {
            (from.year().max(m.date.year())..=to.year())
                .filter_map(|y| m.date.with_year(y).or_else(|| NaiveDate::from_ymd_opt(y, 2, 28)))
                .collect()
        } else {
            vec![m.date]
        };
        for date in dates.into_iter().filter(|d| *d >= from && *d <= to) {
            out.push(Occurrence {
                date,
                name: m.name.clone(),
                region: RegionCode::team(),
                kind: m.kind,
                observed: false,
                observed_for: None,
                id: format!("milestone-{}", m.id),
                culture: m.note.as_ref().map(|note| {
                    std::sync::Arc::new(super::model::Culture { about: Some(note.clone()), ..Default::default() })
                }),
                expected: false,
            });
        }
    }
    out.sort_by(|a, b| (a.date, &a.name).cmp(&(b.date, &b.name)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn milestone(date: NaiveDate, yearly: bool) -> Milestone {
        Milestone { id: 7, name: "Go-live".into(), date, yearly, kind: Kind::Milestone, note: None }
    }

    #[test]
    fn a_one_off_milestone_happens_once() {
        let m = [milestone(d(2027, 2, 1), false)];
        assert_eq!(milestone_occurrences(&m, d(2026, 1, 1), d(2030, 12, 31)).len(), 1);
        assert!(milestone_occurrences(&m, d(2027, 2, 2), d(2030, 12, 31)).is_empty());
    }

    #[test]
    fn a_yearly_leap_day_milestone_falls_on_the_28th_in_common_years() {
        let m = [milestone(d(2028, 2, 29), true)];
        let dates: Vec<NaiveDate> =
            milestone_occurrences(&m, d(2026, 1, 1), d(2033, 12, 31)).iter().map(|o| o.date).collect();
        assert_eq!(
            dates,
            vec![d(2028, 2, 29), d(2029, 2, 28), d(2030, 2, 28), d(2031, 2, 28), d(2032, 2, 29), d(2033, 2, 28)]
        );
    }

    #[test]
    fn milestone_keys_are_stable_and_marked_as_team_events() {
        let m = [milestone(d(2027, 2, 1), false)];
        let o = &milestone_occurrences(&m, d(2027, 1, 1), d(2027, 12, 31))[0];
        assert_eq!(o.key().to_string(), "TEAM:milestone-7:2027-02-01");
        assert_eq!("TEAM:milestone-7:2027-02-01".parse(), Ok(o.key()), "a team key reads back");
    }
}
