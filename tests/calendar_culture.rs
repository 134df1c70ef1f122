//! The culture notes as a multinational channel reads them: each check of the culture review
//! catches the mistake it is for (and leaves the right use alone), solemn days carry no
//! greeting, a staffing-only day is never announced but still counts, and a reminder says how
//! widely a holiday is given.

mod common;

use chrono::{DateTime, NaiveDate, Utc};
use meridian::calendar::{parse_region_file, review, shipped_files, Library, SharedText};
use meridian::posts::digest_message;
use meridian::reminders::{plan_posts, Reminder, ReminderPlan};
use meridian::render::Templates;
use meridian::team::{whos_off, Teammate};

/// The review of `files` alone, as `file:line: message` lines, with no shared-text list.
fn findings(files: &[(&str, &str)]) -> Vec<String> {
    let files = files.iter().map(|(f, t)| (f.to_string(), t.to_string()));
    review(files, &SharedText::default()).iter().map(ToString::to_string).collect()
}

fn nation(code: &str, events: &str) -> String {
    format!("[region]\ncode = \"{code}\"\nname = \"Example {code}\"\ntimezone = \"Asia/Kolkata\"\n{events}")
}

fn state(code: &str, parent: &str, events: &str) -> String {
    format!("[region]\ncode = \"{code}\"\nparent = \"{parent}\"\nname = \"Example {code}\"\n{events}")
}

/// An event block; the header of `nation`/`state` is 4-5 lines, so line numbers are counted
/// in each test.
fn event(id: &str, name: &str, kind: &str, fields: &str) -> String {
    format!("\n[[event]]\nid = \"{id}\"\nname = \"{name}\"\nkind = \"{kind}\"\nrule = \"06-01\"\n{fields}")
}

// --- Language -------------------------------------------------------------------------

#[test]
fn a_malay_greeting_in_an_indian_file_is_reported_at_its_line() {
    let bakrid = event("bakrid", "Bakrid", "public", "greeting = \"Eid Mubarak! (Selamat Hari Raya Haji)\"\n");
    let text = nation("IN", &bakrid);
    // Header 4 lines, blank 5, [[event]] 6, id 7, name 8, kind 9, rule 10, greeting 11.
    assert_eq!(
        findings(&[("calendars/IN.toml", &text)]),
        vec![
            "calendars/IN.toml:11: greeting of 'Bakrid': 'selamat' is Malay, which is not a language of IN; \
              Malay phrases belong in Malaysia, Singapore, Brunei and Indonesia"
        ]
    );
}

#[test]
fn malay_is_right_in_malaysia_and_singapore() {
    let my = event("haji", "Hari Raya Haji", "public", "greeting = \"Selamat Hari Raya Aidiladha\"\n");
    let sg = event("haji", "Hari Raya Haji", "public", "greeting = \"Selamat Hari Raya Haji\"\n");
    assert_eq!(findings(&[("MY.toml", &nation("MY", &my)), ("SG.toml", &nation("SG", &sg))]), Vec::<String>::new());
}

#[test]
fn a_malay_phrase_in_an_expect_note_is_reported_too() {
    let eid = event("eid", "Eid'l Fitr", "public", "expect = \"Colleagues travel home (balik kampung).\"\n");
    let found = findings(&[("PH.toml", &nation("PH", &eid))]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("PH.toml:11: expect of 'Eid'l Fitr': 'balik kampung' is Malay"), "{found:?}");
}

#[test]
fn a_marathi_greeting_is_reported_in_tamil_nadu_but_not_in_maharashtra() {
    let ganesh = event("ganesh", "Vinayakar Chathurthi", "public", "greeting = \"Ganpati Bappa Morya!\"\n");
    let found = findings(&[("IN-TN.toml", &state("IN-TN", "IN", &ganesh))]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("IN-TN.toml:11: greeting of 'Vinayakar Chathurthi': 'bappa morya' is Marathi"));
    assert_eq!(findings(&[("IN-MH.toml", &state("IN-MH", "IN", &ganesh))]), Vec::<String>::new());
}

#[test]
fn hindi_and_devanagari_are_reported_in_the_southern_states() {
    let dasara =
        event("dasara", "Dasara", "public", "greeting = \"Happy Dussehra! (Vijayadashami ki shubhkamnayein)\"\n");
    let holi = event("holi", "Holi", "public", "greeting = \"Happy Holi! होली की शुभकामनाएं\"\n");
    let found = findings(&[("IN-KA.toml", &state("IN-KA", "IN", &format!("{dasara}{holi}")))]);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].contains("IN-KA.toml:11: greeting of 'Dasara': 'shubhkamnayein' is Hindi"), "{found:?}");
    assert!(found[1].contains("IN-KA.toml:18: greeting of 'Holi': Devanagari script"), "{found:?}");
    // In the north the same words are right.
    assert_eq!(findings(&[("IN-DL.toml", &state("IN-DL", "IN", &dasara))]), Vec::<String>::new());
}

// --- Copies across countries -----------------------------------------------------------

const COPIED: &str = "Most offices are closed for the whole week.";

#[test]
fn the_same_expect_in_two_countries_is_reported_once_naming_both_places() {
    let a = nation("XA", &event("a", "Harvest", "public", &format!("expect = \"{COPIED}\"\n")));
    let b = nation("XB", &event("b", "Harvest", "public", &format!("expect = \"{COPIED}\"\n")));
    let found = findings(&[("XA.toml", &a), ("XB.toml", &b)]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("XA.toml:11: the same expect is in 2 countries (XA, XB), also at XB.toml:11:"),
        "{found:?}"
    );
}

#[test]
fn the_same_text_within_one_country_or_on_the_shared_list_is_not_reported() {
    let note = format!("expect = \"{COPIED}\"\n");
    let a = nation("XA", &event("a", "Harvest", "public", &note));
    let north = state("XA-N", "XA", &event("n", "North Day", "public", &note));
    assert_eq!(findings(&[("XA.toml", &a), ("XA-N.toml", &north)]), Vec::<String>::new());

    let b = nation("XB", &event("b", "Harvest", "public", &note));
    let files = [("XA.toml".to_string(), a), ("XB.toml".to_string(), b)];
    let shared = SharedText::parse(&format!("# right in both\n{COPIED}\n"));
    assert!(review(files, &shared).is_empty());
}

// --- Solemn days -----------------------------------------------------------------------

#[test]
fn a_day_of_remembrance_without_tone_solemn_is_reported() {
    let anzac = event("anzac-day", "Anzac Day", "public", "emoji = \"🕊️\"\n");
    let found = findings(&[("AU.toml", &nation("AU", &anzac))]);
    assert_eq!(
        found,
        vec![
            "AU.toml:6: 'Anzac Day' is a day of mourning or remembrance: add tone = \"solemn\" (no greeting; \
              say in `expect` that it is a day of reflection)"
        ]
    );
    let solemn = event("anzac-day", "Anzac Day", "public", "tone = \"solemn\"\nemoji = \"🕊️\"\n");
    assert_eq!(findings(&[("AU.toml", &nation("AU", &solemn))]), Vec::<String>::new());
}

#[test]
fn a_solemn_event_with_a_greeting_is_refused_by_the_parser() {
    let text = nation(
        "XA",
        &event("good-friday", "Good Friday", "public", "tone = \"solemn\"\ngreeting = \"Happy Easter!\"\n"),
    );
    let errors: Vec<String> =
        parse_region_file("XA.toml", &text).unwrap_err().iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        vec![
            "XA.toml:12: 'Good Friday' is solemn (tone = \"solemn\"): give no greeting; say in `expect` that it \
              is a day of reflection"
        ]
    );
}

#[test]
fn tone_and_given_only_take_their_listed_values() {
    let text = nation("XA", &event("a", "A", "public", "tone = \"sad\"\ngiven = \"some\"\n"));
    let errors: Vec<String> =
        parse_region_file("XA.toml", &text).unwrap_err().iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        vec![
            "XA.toml:11: tone: 'sad' is not a tone; expected \"solemn\" (or \"normal\", the default)",
            "XA.toml:12: given: 'some' is not a reach; expected \"government\", \"most\" or \"all\"",
        ]
    );
}

#[test]
fn given_is_refused_on_a_day_that_is_not_a_day_off() {
    let text = nation("XA", &event("a", "Fair", "festival", "given = \"most\"\n"));
    let errors: Vec<String> =
        parse_region_file("XA.toml", &text).unwrap_err().iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("XA.toml:11: given: 'Fair' is not a day off (kind = \"festival\")"), "{errors:?}");
}

// --- Emoji -----------------------------------------------------------------------------

#[test]
fn a_white_flag_or_a_red_flag_is_refused_anywhere() {
    let events = format!(
        "{}{}",
        event("revolt", "Revolt of 1932", "public", "emoji = \"🏳️\"\n"),
        event("state-day", "State Day", "public", "emoji = \"🚩\"\n")
    );
    let found = findings(&[("XA.toml", &nation("XA", &events))]);
    assert_eq!(
        found,
        vec![
            "XA.toml:11: emoji of 'Revolt of 1932': 🏳️ reads as surrender; choose another",
            "XA.toml:18: emoji of 'State Day': 🚩 reads as \"red flag\" in chat; choose another",
        ]
    );
}

#[test]
fn a_skull_or_party_emoji_is_refused_on_a_solemn_day_only() {
    let solemn = event("remembrance-day", "Remembrance Day", "public", "tone = \"solemn\"\nemoji = \"💀\"\n");
    let found = findings(&[("XA.toml", &nation("XA", &solemn))]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("XA.toml:12: emoji of 'Remembrance Day': 💀 is not for a solemn day"), "{found:?}");
    let festival = event("halloween", "Halloween", "festival", "emoji = \"💀\"\n");
    let pride = event("pride", "Pride", "observance", "emoji = \"🏳️‍🌈\"\n");
    assert_eq!(findings(&[("XA.toml", &nation("XA", &format!("{festival}{pride}")))]), Vec::<String>::new());
}

// --- Days never announced --------------------------------------------------------------

#[test]
fn a_never_announced_day_carries_no_note() {
    let text = nation("XA", &event("a", "Heroes Day", "optional", "announce = false\nemoji = \"🏛️\"\n"));
    assert_eq!(
        findings(&[("XA.toml", &text)]),
        vec![
            "XA.toml:6: 'Heroes Day' is never posted (announce = false), so it takes no emoji; explain it in a # \
              comment instead"
        ]
    );
}

fn utc(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Every reminder a channel following `regions` owes between two instants.
fn reminders(library: &Library, regions: &[&str], from: &str, to: &str) -> Vec<Reminder> {
    let plan = ReminderPlan::in_zone(chrono_tz::America::Chicago);
    let (from, to) = (utc(from), utc(to));
    let (first, last) = plan.dates_to_fetch(from, to);
    let occurrences: Vec<_> =
        regions.iter().flat_map(|r| library.find(r).unwrap().occurrences(first, last).0).collect();
    plan_posts(&plan, &occurrences, from, to)
}

#[test]
fn confederate_heroes_day_is_never_announced_though_the_calendar_still_has_it() {
    let library = Library::shipped().unwrap();
    let january = reminders(&library, &["US-TX"], "2027-01-01T00:00:00Z", "2027-01-31T00:00:00Z");
    assert!(january.iter().any(|r| r.occurrence.id == "mlk-day"), "MLK Day is announced: {january:?}");
    assert!(!january.iter().any(|r| r.occurrence.id == "confederate-heroes-day"), "{january:?}");
    let (days, _) = library.find("US-TX").unwrap().occurrences(date(2027, 1, 19), date(2027, 1, 19));
    let day = days.iter().find(|o| o.id == "confederate-heroes-day").expect("still in the calendar");
    assert!(!day.announced() && day.culture.as_ref().is_some_and(|c| c.emoji.is_none() && c.about.is_none()));
}

#[test]
fn a_day_off_kept_as_a_staffing_fact_is_not_announced_but_counts_in_whos_off() {
    let text = nation("XA", &event("works-day", "Works Day", "public", "announce = false\n"));
    let library = Library::from_files([("XA.toml".to_string(), text)]).unwrap();
    let june = reminders(&library, &["XA"], "2026-05-01T00:00:00Z", "2026-06-30T00:00:00Z");
    assert_eq!(june, Vec::<Reminder>::new());
    let mut priya = Teammate::new("U1", "priya");
    priya.profile.region = Some("XA".parse().unwrap());
    let off = whos_off(date(2026, 6, 1), &[priya], &library);
    assert!(off.is_off("U1"), "{off:?}");
    assert_eq!(off.by_region[0].members[0].occasion, "Works Day");
}

// --- How widely a day off is given, in the reminder ------------------------------------

/// The text of the digest that carries the first reminder of event `id` in the window.
fn reminder_text(library: &Library, region: &str, id: &str, from: &str, to: &str) -> String {
    let all = reminders(library, &[region], from, to);
    let reminder = all.iter().find(|r| r.occurrence.id == id).unwrap_or_else(|| panic!("no {id} in {all:?}"));
    let slot: Vec<Reminder> = all.iter().filter(|r| r.post_at == reminder.post_at).cloned().collect();
    let templates = Templates::shipped().unwrap();
    let message = digest_message(&templates, library, &slot, chrono_tz::UTC, &[], reminder.post_at).unwrap();
    message.expect("a digest").text
}

#[test]
fn a_government_only_holiday_says_private_employers_stay_open() {
    let library = Library::shipped().unwrap();
    let text = reminder_text(&library, "IN", "buddha-purnima", "2026-04-20T00:00:00Z", "2026-05-02T00:00:00Z");
    assert!(
        text.contains("Buddha Purnima is a public holiday for government offices in India")
            && text.contains(". Many private employers stay open."),
        "{text}"
    );
    assert!(!text.contains("Colleagues there will be off"), "{text}");
    assert!(text.contains("How to greet: Happy Buddha Purnima!"), "{text}");
}

#[test]
fn one_entry_for_several_regions_says_how_widely_each_gives_the_day() {
    let library = Library::shipped().unwrap();
    let plan = ReminderPlan::in_zone(chrono_tz::America::Chicago);
    let (from, to) = (utc("2026-03-30T00:00:00Z"), utc("2026-04-04T00:00:00Z"));
    let (first, last) = plan.dates_to_fetch(from, to);
    let occurrences: Vec<_> =
        ["IN", "PH"].iter().flat_map(|r| library.find(r).unwrap().occurrences(first, last).0).collect();
    let all = plan_posts(&plan, &occurrences, from, to);
    let at = all.iter().find(|r| r.occurrence.id == "good-friday").unwrap().post_at;
    let slot: Vec<Reminder> = all.iter().filter(|r| r.post_at == at).cloned().collect();
    let templates = Templates::shipped().unwrap();
    let text = digest_message(&templates, &library, &slot, chrono_tz::UTC, &[], at).unwrap().unwrap().text;
    assert!(
        text.contains("a public holiday for government offices in India and a public holiday in the Philippines"),
        "{text}"
    );
    assert!(text.contains("Many colleagues there will be off; not every employer gives the day."), "{text}");
    assert!(!text.contains("How to greet"), "Good Friday is solemn: {text}");
}

#[test]
fn a_holiday_most_employers_give_says_most_colleagues_and_an_unmarked_one_reads_as_before() {
    let library = Library::shipped().unwrap();
    let thanksgiving = reminder_text(&library, "US", "thanksgiving", "2026-11-15T00:00:00Z", "2026-11-27T00:00:00Z");
    assert!(thanksgiving.contains("Most colleagues there will be off."), "{thanksgiving}");
    assert!(thanksgiving.contains("Cyber Monday"), "{thanksgiving}");
    let text = nation("XA", &event("harvest", "Harvest", "public", ""));
    let xa = Library::from_files([("XA.toml".to_string(), text)]).unwrap();
    let harvest = reminder_text(&xa, "XA", "harvest", "2026-05-20T00:00:00Z", "2026-06-02T00:00:00Z");
    assert!(harvest.contains("Colleagues there will be off."), "{harvest}");
}

#[test]
fn good_friday_gets_no_greeting_anywhere() {
    let library = Library::shipped().unwrap();
    for region in library.regions() {
        let (days, _) = region.occurrences(date(2026, 4, 3), date(2026, 4, 3));
        for day in days.iter().filter(|o| o.id == "good-friday" || o.id == "karfreitag") {
            let culture = day.culture.as_ref().expect("a note");
            assert!(culture.greeting.is_none(), "{}: {:?}", region.code, culture.greeting);
            assert_eq!(day.tone(), meridian::calendar::Tone::Solemn, "{}", region.code);
        }
    }
}

// --- The shipped calendars and the command ---------------------------------------------

#[test]
fn the_shipped_calendars_pass_the_culture_review() {
    let found: Vec<String> = review(shipped_files(), &SharedText::shipped()).iter().map(ToString::to_string).collect();
    assert!(found.is_empty(), "culture review findings:\n{}", found.join("\n"));
}

#[test]
fn calendars_check_fails_with_file_and_line_on_a_copied_malay_greeting() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("PH.toml");
    let text = format!(
        "[region]\ncode = \"PH\"\nname = \"Philippines\"\ntimezone = \"Asia/Manila\"\n{}",
        event("eid-al-adha", "Eid'l Adha", "public", "greeting = \"Eid Mubarak! (Selamat Hari Raya Haji)\"\n")
    );
    std::fs::write(&path, text).unwrap();
    let out = common::meridian().args(["calendars", "check", dir.path().to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{}:11: greeting of 'Eid'l Adha': 'selamat' is Malay", path.display())),
        "{stderr}"
    );
    assert!(stderr.contains("0 error(s) and 1 culture-review finding(s)"), "{stderr}");
}
