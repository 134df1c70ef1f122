//! Property tests of the importers: any RRULE expands within its bounds (at most 1,000 dates,
//! all between 1900 and 2200) or is refused; a mutated ICS or CSV file is read or refused
//! with located errors, never a panic; and what an import makes always loads. (The longer
//! run of the same is `cargo bench --bench importers`.)

use meridian::calendar::held::{import_events, new_calendar, Header};
use meridian::calendar::{parse_region_file, read_ics, Kind, Library, MAX_DATES_PER_EVENT};
use proptest::prelude::*;
use std::sync::OnceLock;

const GOOGLE: &str = include_str!("data/ics/google-acme-pune.ics");
const OUTLOOK: &str = include_str!("data/ics/outlook-acme.ics");

fn library() -> &'static Library {
    static LIBRARY: OnceLock<Library> = OnceLock::new();
    LIBRARY.get_or_init(|| Library::shipped().unwrap())
}

fn rrule() -> impl Strategy<Value = String> {
    let freq =
        prop::sample::select(vec!["YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY", "BOGUS"]);
    let interval = prop::option::of(0u32..400);
    let end = prop_oneof![
        Just(String::new()),
        (0u32..3000).prop_map(|n| format!(";COUNT={n}")),
        (1850i32..2300, 1u32..13, 1u32..32).prop_map(|(y, m, d)| format!(";UNTIL={y:04}{m:02}{d:02}")),
        (1850i32..2300, 1u32..13, 1u32..32).prop_map(|(y, m, d)| format!(";UNTIL={y:04}{m:02}{d:02}T120000Z")),
    ];
    let by = prop_oneof![
        Just(String::new()),
        (1u32..14).prop_map(|m| format!(";BYMONTH={m}")),
        (-40i32..40).prop_map(|d| format!(";BYMONTHDAY={d}")),
        (-6i32..6, prop::sample::select(vec!["MO", "TU", "SU", "XX"])).prop_map(|(n, d)| format!(";BYDAY={n}{d}")),
        (-400i32..400).prop_map(|n| format!(";BYYEARDAY={n}")),
        (-60i32..60).prop_map(|n| format!(";BYWEEKNO={n}")),
        (-5i32..5).prop_map(|n| format!(";BYSETPOS={n}")),
    ];
    (freq, interval, end, by, by_again()).prop_map(|(f, i, e, b, b2)| {
        let interval = i.map(|i| format!(";INTERVAL={i}")).unwrap_or_default();
        format!("FREQ={f}{interval}{e}{b}{b2}")
    })
}

fn by_again() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), (1u32..13).prop_map(|m| format!(";BYMONTH={m}")), Just(";BYDAY=MO,FR".to_string())]
}

fn calendar_with(start: &str, rule: &str, extra: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:p@test\r\nSUMMARY:Prop day\r\nDTSTART{start}\r\nRRULE:{rule}\r\n{extra}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn any_rrule_stays_within_its_bounds_or_is_refused(
        rule in rrule(),
        year in 1890i32..2210,
        month in 1u32..13,
        day in 1u32..29,
        timed in any::<bool>(),
        exdate in prop::option::of((1900i32..2201, 1u32..13, 1u32..29)),
    ) {
        let start = if timed { format!(":{year:04}{month:02}{day:02}T093000") } else { format!(";VALUE=DATE:{year:04}{month:02}{day:02}") };
        let extra = exdate.map(|(y, m, d)| format!("EXDATE;VALUE=DATE:{y:04}{m:02}{d:02}\r\n")).unwrap_or_default();
        match read_ics("prop.ics", &calendar_with(&start, &rule, &extra), chrono_tz::Asia::Kolkata) {
            Ok(events) => {
                for e in &events {
                    prop_assert!(!e.dates.is_empty() && e.dates.len() <= MAX_DATES_PER_EVENT, "{} dates", e.dates.len());
                    prop_assert!(e.dates.windows(2).all(|w| w[0] < w[1]), "sorted, once each");
                    prop_assert!(e.dates.iter().all(|d| (1900..=2200).contains(&chrono::Datelike::year(d))));
                }
            }
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                prop_assert!(errors.iter().all(|e| (1..=12).contains(&e.line)), "{errors:?}");
            }
        }
    }

    #[test]
    fn a_mutated_ics_file_is_read_or_refused_with_lines_never_a_panic(
        which in any::<bool>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..5, any::<char>()), 1..6),
    ) {
        let mut text: Vec<char> = if which { GOOGLE } else { OUTLOOK }.chars().collect();
        for (at, how, c) in edits {
            if text.is_empty() { break; }
            let i = at.index(text.len());
            match how {
                0 => { text.remove(i); }
                1 => text.insert(i, c),
                2 => text.insert(i, [':', ';', '\n', ' ', '=', '"', ','][i % 7]),
                3 => { let j = (i + 40).min(text.len()); text.drain(i..j); }
                _ => { let line: Vec<char> = text[i..].iter().take_while(|c| **c != '\n').copied().collect(); text.splice(i..i, line); }
            }
        }
        let text: String = text.into_iter().collect();
        let lines = text.split('\n').count();
        match read_ics("mutated.ics", &text, chrono_tz::UTC) {
            Ok(events) => {
                // Whatever was read can be imported, and the calendar made of it loads.
                let header = Header { code: "ACME-PROP".parse().unwrap(), name: "Prop".into(), timezone: Some(chrono_tz::UTC), parent: None };
                let start = new_calendar(&header);
                if let Ok((calendar, _)) = import_events("store:ACME-PROP", &start, "mutated.ics", Kind::Observance, &events) {
                    prop_assert!(parse_region_file("store:ACME-PROP", &calendar).is_ok());
                }
            }
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                prop_assert!(errors.iter().all(|e| e.line >= 1 && e.line <= lines.max(1)), "{errors:?}");
            }
        }
    }

    #[test]
    fn a_random_members_csv_is_read_or_refused_by_row_and_column(
        rows in prop::collection::vec(prop::collection::vec(
            prop_oneof![
                Just(String::new()), Just("IN-MH".to_string()), Just("Asia/Kolkata".to_string()),
                Just("09:00-18:00".to_string()), Just("\"a,b\"".to_string()), Just("\"".to_string()),
                "[a-zA-Z0-9 :/\\-]{0,12}",
            ], 0..8), 0..12),
        header in prop::sample::subsequence(vec!["user", "name", "region", "subdivision", "calendar", "tz", "hours", "extra"], 0..8),
    ) {
        let mut text = header.join(",");
        text.push('\n');
        for row in rows {
            text.push_str(&row.join(","));
            text.push('\n');
        }
        let (read, errors) = meridian::roster::read_roster("p.csv", &text, library());
        prop_assert!(read.iter().all(|r| !r.platform_user_id.is_empty()));
        prop_assert!(errors.iter().all(|e| e.to_string().starts_with("p.csv:")));
    }
}
