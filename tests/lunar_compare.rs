//! Every moon-based event of the shipped calendars that has a table also has a computed
//! rule, and over 2020-2035 the computed dates agree with the proclaimed ones: Chinese
//! calendar events, solar terms (Japan's equinox days) and the arithmetic Hebrew and
//! Shahenshahi (Parsi) calendars exactly every year, Hindu and Buddhist events (the Bengali
//! solar months among them) exactly in at least 90% of years and never more than a day off,
//! Hijri events within a day every year.

use meridian::calendar::lunar::Family;
use meridian::calendar::{compare, Library};

/// Recurring tables that are not moon-based (or of no calendar computed): they keep their
/// table and its end-of-table warning.
const NOT_COMPUTED: &[(&str, &str, &str)] = &[
    ("AU-VIC", "afl-grand-final-friday", "set each year by the AFL fixture"),
    ("MX", "transmission-of-executive-power", "set by the constitution's terms"),
    ("MX", "federal-election-day", "set by electoral law"),
    ("NZ", "matariki", "set by the Matariki Advisory Group to 2052"),
    ("IN", "onam", "Thiruvonam in Chingam, with Kerala's rule for a month that holds the star twice"),
    ("IN-TG", "bonalu", "a Sunday in Ashada the Telangana government picks"),
    ("IN-TG", "bathukamma", "the festival's holiday is set by the Telangana government"),
    ("MY", "wesak-day", "Malaysia's Buddhist reckoning follows neither the Chinese nor the Indian months"),
    // Hindu events whose best computed rule (moments, minutes from sunrise and sunset, the
    // later of two days, and places tried with `calendars check --compare`) is not yet exact
    // in 90% of 2020-2035: they keep their table (and its warning past 2035) until a rule
    // meets the standard. Each reason names the years that keep them out; most are years the
    // calendar file says were calculated, not notified, and disagree with the notified ones.
    // Times quoted are IST, from the Swiss Ephemeris (PyPI pyswisseph 2.10, Lahiri ayanamsa).
    (
        "IN",
        "makar-sankranti",
        "best rule so far, `day 1 of makara in ujjain`, is exact in 14 of 16 years; the DoPT's own years disagree: 2024 keeps 14 January for an ingress at 02:43 IST on the 15th where 2020 keeps the 15th for one at 02:08, and 2023 keeps the 14th for one at 20:45, after dusk",
    ),
    (
        "IN-GJ",
        "samvatsari",
        "best rule so far, `tithi bhadrapada shukla 5 at noon in delhi`, is exact in 14 of 16 years, all but the two checked ones: 2021 and 2022 are the Chaturthi-paksha Samvatsari (bhadrapada shukla 4, with Ganesh Chaturthi), the calculated years the Panchami-paksha one (shukla 5)",
    ),
    (
        "IN-KA",
        "balipadyami",
        "best rule so far, `tithi kartika shukla 1 at noon in bengaluru`, is exact in 14 of 16 years (not the calculated 2020 and 2033); the pratipada at sunrise gets every year to 2031 but none of the calculated 2032-2035, and the calculated 2033 (a pratipada from 12:58 IST, kept that day) contradicts the notified 2026 (from 12:32, kept the next day) at any one moment",
    ),
    (
        "IN-KA",
        "basava-jayanti",
        "best rule so far, `tithi vaishakha shukla 3 at sunrise in bengaluru`, is exact in 12 of 16 years and in every notified one (2021-2026); the calculated 2027, 2032, 2034 and 2035 are a day earlier",
    ),
    (
        "IN-KA",
        "kanakadasa-jayanti",
        "best rule so far, `tithi kartika krishna 3 at sunrise in bengaluru`, is exact in 14 of 16 years and in every notified one (2021-2026); the calculated 2027 is a day later and 2031 a day earlier",
    ),
    (
        "IN-KA",
        "makar-sankranti",
        "best rule so far, `day 1 of makara in bengaluru`, is exact in 14 of 16 years; the notified years disagree: 2022 keeps 15 January for an ingress at 14:29 IST on the 14th, 2023 the 14th for one at 20:45, after dusk",
    ),
    (
        "IN-MH",
        "bali-pratipada",
        "best rule so far, `tithi kartika shukla 1 at noon in mumbai`, is exact in 14 of 16 years (not the calculated 2020 and 2033); the pratipada at sunrise gets every year to 2031 but none of the calculated 2032-2035, and the calculated 2033 (a pratipada from 12:58 IST, kept that day) contradicts the checked 2026 (from 12:32, kept the next day) at any one moment",
    ),
    (
        "IN-TG",
        "janmashtami",
        "best rule so far, `tithi purnimanta bhadrapada krishna 8 at sunrise in hyderabad`, is exact in 14 of 16 years; the notified 2021 date (31 August) is the day Rohini rules at sunrise, after the ashtami ended at 02:00 IST, and the calculated 2034 the day after a kshaya ashtami; the Smarta rule (ashtami at midnight) gets 5",
    ),
    (
        "IN-TN",
        "diwali",
        "best rule so far, `tithi ashvin krishna 14 at sunrise-96 in chennai` (the Naraka Chaturdashi bath at dawn, as Tamil Nadu keeps it), is exact in 14 of 16 years; the calculated 2031 and 2034 are the northern Lakshmi Puja day, which Tamil Nadu does not keep (6 November 2018 here, 7 November in the north)",
    ),
    (
        "IN-TN",
        "thaipusam",
        "best rule so far, `tithi shukla 15 during makara at afternoon in chennai`, is exact in 10 of 16 years (`nakshatra pushya during makara` in at most 11); the table's calculated 2033 date (14 February, the full moon after Thai ended; Thai's own was 15 January) is a month from any Thai rule, and 2030 (18 January) is the eve of both the purnima and Pusam",
    ),
    (
        "IN-WB",
        "dussehra",
        "best rule so far, `tithi ashvin shukla 10 at sunrise in ujjain`, is exact in 14 of 16 years and in every notified one (2020, 2021, 2026); the calculated 2027 and 2035 are a day earlier (`at sunrise+48` reaches 15 but was fitted to the table, not taken from an almanac)",
    ),
    (
        "IN-WB",
        "holi",
        "best rule so far, `tithi phalguna shukla 15 at noon in kolkata`, is exact in 14 of 16 years and in every notified one; the purnima at sunrise gets 11; the calculated 2025 is a day later and 2027 a day earlier",
    ),
    (
        "IN-WB",
        "lakshmi-puja",
        "best rule so far, `tithi ashvin shukla 15 at noon in kolkata`, is exact in 13 of 16 years; Kojagari's own rule, the purnima at midnight (`at midnight in kolkata`), gets the notified 2020 and 2026 but 7 in all: the notified 2021 and 8 of the 9 calculated years 2027-2035 are the day after, the purnima at sunrise",
    ),
    (
        "IN-WB",
        "saraswati-puja",
        "best rule so far, `tithi magha shukla 5 at sunrise+144 in kolkata`, is exact in 14 of 16 years and in every notified one; the calculated 2025 is a day later and 2035 a day earlier",
    ),
    (
        "MY",
        "thaipusam",
        "best rule so far, `tithi shukla 15 during makara at afternoon in kuala-lumpur`, is exact in 10 of 16 years (`nakshatra pushya during makara` in at most 11); the table's calculated 2033 date (14 February, the full moon after Thai ended; Thai's own was 15 January) is a month from any Thai rule, and 2030 (18 January) is the eve of both the purnima and Pusam",
    ),
    (
        "MY-07",
        "thaipusam",
        "best rule so far, `tithi shukla 15 during makara at afternoon in kuala-lumpur`, is exact in 10 of 16 years (`nakshatra pushya during makara` in at most 11); the table's calculated 2033 date (14 February, the full moon after Thai ended; Thai's own was 15 January) is a month from any Thai rule, and 2030 (18 January) is the eve of both the purnima and Pusam",
    ),
    (
        "MY-10",
        "thaipusam",
        "best rule so far, `tithi shukla 15 during makara at afternoon in kuala-lumpur`, is exact in 10 of 16 years (`nakshatra pushya during makara` in at most 11); the table's calculated 2033 date (14 February, the full moon after Thai ended; Thai's own was 15 January) is a month from any Thai rule, and 2030 (18 January) is the eve of both the purnima and Pusam",
    ),
    (
        "MY-14",
        "thaipusam",
        "best rule so far, `tithi shukla 15 during makara at afternoon in kuala-lumpur`, is exact in 10 of 16 years (`nakshatra pushya during makara` in at most 11); the table's calculated 2033 date (14 February, the full moon after Thai ended; Thai's own was 15 January) is a month from any Thai rule, and 2030 (18 January) is the eve of both the purnima and Pusam",
    ),
    (
        "SG",
        "thaipusam",
        "best rule so far, `tithi shukla 15 during makara at afternoon in kuala-lumpur`, is exact in 10 of 16 years (`nakshatra pushya during makara` in at most 11); the table's calculated 2033 date (14 February, the full moon after Thai ended; Thai's own was 15 January) is a month from any Thai rule, and 2030 (18 January) is the eve of both the purnima and Pusam",
    ),
];

#[test]
fn every_recurring_table_has_a_computed_rule_beside_it_or_a_reason() {
    let library = Library::shipped().unwrap();
    let compared: Vec<(String, String)> =
        compare(&library, 2020, 2035).into_iter().map(|c| (c.region.to_string(), c.id)).collect();
    let mut missing = Vec::new();
    for (file, text) in meridian::calendar::shipped_files() {
        let region = meridian::calendar::parse_region_file(&file, &text).unwrap();
        for event in &region.events {
            let recurring = event.rule.table().is_some_and(|t| t.len() >= 5) && event.until.is_none();
            let code = region.code.to_string();
            let known = compared.iter().any(|(r, id)| *r == code && *id == event.id)
                || NOT_COMPUTED.iter().any(|(r, id, _)| *r == code && *id == event.id);
            if recurring && !known {
                missing.push(format!("{code} {}", event.id));
            }
        }
    }
    assert!(missing.is_empty(), "tabled events with no computed rule:\n{}", missing.join("\n"));
}

#[test]
fn computed_dates_agree_with_the_tables_from_2020_to_2035() {
    let library = Library::shipped().unwrap();
    let rows = compare(&library, 2020, 2035);
    assert!(rows.len() > 50, "only {} events compared", rows.len());
    let mut failures = Vec::new();
    for row in &rows {
        let fails = match row.family {
            Family::Chinese | Family::Solar | Family::Hebrew | Family::Parsi => row.exact != row.years(),
            Family::Hindu => row.other > 0 || row.exact_share() < 0.9,
            Family::Hijri => row.other > 0,
        };
        if fails {
            failures.push(format!(
                "{} {} ({}): {} exact, {} one day off, {} other of {}; misses {:?}",
                row.region,
                row.id,
                row.rule,
                row.exact,
                row.one_day_off,
                row.other,
                row.years(),
                row.misses
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for family in [Family::Chinese, Family::Hijri, Family::Hindu, Family::Solar, Family::Hebrew, Family::Parsi] {
        assert!(rows.iter().any(|r| r.family == family), "no {family:?} event compared");
    }
}
