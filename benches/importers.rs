//! The importers under a longer random load than the property tests give them: mutated ICS
//! files (the shipped fixtures, edited at random), random RRULEs and random members CSVs, for
//! `MERIDIAN_FUZZ_SECONDS` (default 120). Asserts no panic and that whatever an import makes
//! loads; prints how many inputs of each kind were read or refused. Stable toolchain, no
//! fuzzing engine: `cargo bench --bench importers` (CI only builds it).

use meridian::calendar::held::{import_events, new_calendar, Header};
use meridian::calendar::{parse_region_file, read_ics, Kind, Library, MAX_DATES_PER_EVENT};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::time::{Duration, Instant};

const FIXTURES: [&str; 3] = [
    include_str!("../tests/data/ics/google-acme-pune.ics"),
    include_str!("../tests/data/ics/outlook-acme.ics"),
    include_str!("../tests/data/ics/gov-uk-bank-holidays.ics"),
];

const PIECES: &[&str] = &[
    ":",
    ";",
    "\n",
    "\r\n",
    " ",
    "=",
    "\"",
    ",",
    "BEGIN:VEVENT\n",
    "END:VEVENT\n",
    "RRULE:FREQ=DAILY\n",
    "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30\n",
    "EXDATE:20270101\n",
    "RDATE;VALUE=DATE:21990101,22010101\n",
    "DTSTART;TZID=Nowhere/Land:20270101T000000\n",
    "RECURRENCE-ID;VALUE=DATE:20270114\n",
    "STATUS:CANCELLED\n",
    "DTEND;VALUE=DATE:20300101\n",
    "\\",
    "\u{feff}",
    "é",
    "🎉",
];

fn mutate(rng: &mut StdRng, text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..rng.gen_range(1..8) {
        if chars.is_empty() {
            break;
        }
        let at = rng.gen_range(0..chars.len());
        match rng.gen_range(0..5) {
            0 => {
                chars.remove(at);
            }
            1 => chars.insert(at, char::from_u32(rng.gen_range(0..0x2000)).unwrap_or('?')),
            2 => {
                let piece = PIECES[rng.gen_range(0..PIECES.len())];
                chars.splice(at..at, piece.chars());
            }
            3 => {
                let end = (at + rng.gen_range(1..80)).min(chars.len());
                chars.drain(at..end);
            }
            _ => {
                let line: Vec<char> = chars[at..].iter().take_while(|c| **c != '\n').copied().collect();
                chars.splice(at..at, line);
            }
        }
    }
    chars.into_iter().collect()
}

fn random_rrule(rng: &mut StdRng) -> String {
    let freqs = ["YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY"];
    let mut rule = format!("FREQ={}", freqs[rng.gen_range(0..freqs.len())]);
    if rng.gen_bool(0.5) {
        rule += &format!(";INTERVAL={}", rng.gen_range(0..500));
    }
    match rng.gen_range(0..3) {
        0 => rule += &format!(";COUNT={}", rng.gen_range(0..5000)),
        1 => {
            rule += &format!(
                ";UNTIL={:04}{:02}{:02}",
                rng.gen_range(1800..2400),
                rng.gen_range(1..13),
                rng.gen_range(1..32)
            )
        }
        _ => {}
    }
    if rng.gen_bool(0.5) {
        rule += &format!(";BYMONTHDAY={}", rng.gen_range(-40..40));
    }
    if rng.gen_bool(0.3) {
        rule += &format!(";BYSETPOS={}", rng.gen_range(-10..10));
    }
    rule
}

fn main() {
    // `cargo test --benches` runs this as a test with `--bench` absent: a quick pass only.
    let benching = std::env::args().any(|a| a == "--bench");
    let default = if benching { 120 } else { 2 };
    let seconds = std::env::var("MERIDIAN_FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(default);
    let until = Instant::now() + Duration::from_secs(seconds);
    let seed: u64 = std::env::var("MERIDIAN_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(14);
    let mut rng = StdRng::seed_from_u64(seed);
    let library = Library::shipped().expect("the shipped calendars load");
    let header = Header {
        code: "ACME-FUZZ".parse().unwrap(),
        name: "Fuzz".into(),
        timezone: Some(chrono_tz::UTC),
        parent: None,
    };
    let empty = new_calendar(&header);
    let (mut read, mut refused, mut rules, mut csvs) = (0u64, 0u64, 0u64, 0u64);
    while Instant::now() < until {
        let fixture = FIXTURES[rng.gen_range(0..FIXTURES.len())];
        let text = mutate(&mut rng, fixture);
        match read_ics("fuzz.ics", &text, chrono_tz::Asia::Kolkata) {
            Ok(events) => {
                read += 1;
                for e in &events {
                    assert!(e.dates.len() <= MAX_DATES_PER_EVENT, "{e:?}");
                }
                if let Ok((calendar, _)) =
                    import_events("store:ACME-FUZZ", &empty, "fuzz.ics", Kind::Observance, &events)
                {
                    assert!(
                        parse_region_file("store:ACME-FUZZ", &calendar).is_ok(),
                        "an import that does not load:\n{text}"
                    );
                }
            }
            Err(errors) => {
                refused += 1;
                assert!(!errors.is_empty());
            }
        }
        let rule = random_rrule(&mut rng);
        let start = format!("{:04}0{}1{}", rng.gen_range(1890..2210), rng.gen_range(1..10), rng.gen_range(0..10));
        let ics = format!("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:r\nSUMMARY:r\nDTSTART;VALUE=DATE:{start}\nRRULE:{rule}\nEND:VEVENT\nEND:VCALENDAR\n");
        if let Ok(events) = read_ics("rule.ics", &ics, chrono_tz::UTC) {
            assert!(events.iter().all(|e| e.dates.len() <= MAX_DATES_PER_EVENT), "{rule}");
        }
        rules += 1;
        let cells = ["asha", "IN-MH", "ACME", "Asia/Kolkata", "09:00-18:00", "", "\"", "x,y", "25:00-01:00"];
        let mut csv = String::from("user,region,calendar,tz,hours\n");
        for _ in 0..rng.gen_range(0..20) {
            let row: Vec<&str> = (0..rng.gen_range(0..7)).map(|_| cells[rng.gen_range(0..cells.len())]).collect();
            csv += &row.join(",");
            csv.push('\n');
        }
        let _ = meridian::roster::read_roster("fuzz.csv", &mutate(&mut rng, &csv), &library);
        csvs += 1;
    }
    println!("importers: {seconds}s, seed {seed}: {read} ICS files read, {refused} refused, {rules} random RRULEs, {csvs} CSVs; no panic");
}
