//! HR keeps the calendars (issue 14): ICS files as Google Calendar, Outlook and a government
//! site export them, read into dated events; re-imports keyed on UIDs; exports that round-trip;
//! malformed files refused with the line and the event, nothing stored; the command line's
//! `calendar import|export` and `members import`; the ICS feed over HTTP on 127.0.0.1; and
//! the console: HR's `/calendar` commands, members on a company calendar, hot reload.

mod common;

use chrono::NaiveDate;
use meridian::calendar::{read_ics, write_ics, Kind, Library, LiveLibrary, RegionCode};
use std::path::{Path, PathBuf};

const GOOGLE: &str = include_str!("data/ics/google-acme-pune.ics");
const OUTLOOK: &str = include_str!("data/ics/outlook-acme.ics");
const GOV_UK: &str = include_str!("data/ics/gov-uk-bank-holidays.ics");

fn d(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn dates(events: &[meridian::calendar::IcsEvent], name: &str) -> Vec<NaiveDate> {
    events.iter().find(|e| e.name == name).unwrap_or_else(|| panic!("no {name} in {events:?}")).dates.clone()
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ics").join(name)
}

// ---- reading ICS ------------------------------------------------------------------------

#[test]
fn a_google_export_gives_its_recurrences_with_exceptions_and_moved_days() {
    let events = read_ics("google.ics", GOOGLE, chrono_tz::Asia::Kolkata).unwrap();
    // Yearly until 2030, 2029 excluded (EXDATE), 2028 moved to the 15th (RECURRENCE-ID).
    assert_eq!(dates(&events, "Pongal"), [d("2027-01-14"), d("2028-01-15"), d("2030-01-14")]);
    let pongal = events.iter().find(|e| e.name == "Pongal").unwrap();
    assert_eq!(pongal.kind, Some(Kind::Public), "CATEGORIES names the kind");
    assert_eq!(
        pongal.about.as_deref(),
        Some("Harvest festival, kept by the Pune site. The office closes; the contact centre runs a holiday roster."),
        "a folded, escaped DESCRIPTION"
    );
    // A timed monthly event with COUNT, in its own zone.
    assert_eq!(dates(&events, "Site town hall"), [d("2027-03-01"), d("2027-04-01"), d("2027-05-01")]);
    let diwali = events.iter().find(|e| e.name == "Diwali break").unwrap();
    assert_eq!((diwali.dates.clone(), diwali.days), (vec![d("2027-10-29")], 2), "DTEND is exclusive");
    assert!(events.iter().all(|e| !e.name.contains("cancelled")), "a cancelled event is not imported");
}

#[test]
fn an_outlook_export_with_its_own_time_zone_names_and_utc_times_lands_on_local_dates() {
    let events = read_ics("outlook.ics", OUTLOOK, chrono_tz::Asia::Kolkata).unwrap();
    // "India Standard Time" is no IANA zone, but the file's VTIMEZONE defines it.
    assert_eq!(dates(&events, "Republic Day (office closed)"), [d("2027-01-26"), d("2028-01-26")], "RDATE adds a date");
    assert_eq!(dates(&events, "Independence Day eve shutdown"), [d("2027-08-14")]);
    // 18:30 UTC on the 24th is already the 25th in Kolkata.
    assert_eq!(dates(&events, "Year-end all hands (UTC)"), [d("2027-12-25")]);
    let in_london = read_ics("outlook.ics", OUTLOOK, chrono_tz::Europe::London).unwrap();
    assert_eq!(dates(&in_london, "Year-end all hands (UTC)"), [d("2027-12-24")]);
}

#[test]
fn a_government_feed_of_all_day_events_is_read_as_it_is() {
    let events = read_ics("gov.ics", GOV_UK, chrono_tz::Europe::London).unwrap();
    let names: Vec<&str> = events.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["New Year’s Day", "Good Friday", "Easter Monday", "Christmas Day (substitute day)"]);
    assert_eq!(dates(&events, "Good Friday"), [d("2027-03-26")]);
}

/// A minimal calendar around one VEVENT body.
fn one_event(body: &str) -> String {
    format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x@test\r\nSUMMARY:Test day\r\n{body}END:VEVENT\r\nEND:VCALENDAR\r\n")
}

fn first_error(text: &str) -> String {
    let errors = read_ics("bad.ics", text, chrono_tz::UTC).unwrap_err();
    errors[0].to_string()
}

#[test]
fn a_malformed_file_is_refused_with_the_line_and_the_event() {
    assert_eq!(
        first_error(&one_event("DTSTART;TZID=Mars/Olympus_Mons:20270101T090000\r\n")),
        "bad.ics:5: event 'Test day': DTSTART: unknown TZID 'Mars/Olympus_Mons': not an IANA zone, and no VTIMEZONE in the file defines it"
    );
    assert_eq!(
        first_error(&one_event("DTSTART;VALUE=DATE:20270230\r\n")),
        "bad.ics:5: event 'Test day': DTSTART: '20270230' is not a date (YYYYMMDD) that exists"
    );
    assert_eq!(
        first_error(&one_event("DTSTART;VALUE=DATE:25000101\r\n")),
        "bad.ics:5: event 'Test day': DTSTART: 2500-01-01 is outside the years 1900 to 2200"
    );
    let forever = first_error(&one_event("DTSTART:20270101T090000\r\nRRULE:FREQ=DAILY\r\n"));
    assert_eq!(
        forever,
        "bad.ics:6: event 'Test day': RRULE: it repeats more than 1000 times from 1900 to 2200; end it with UNTIL or COUNT"
    );
    let nonsense = first_error(&one_event("DTSTART:20270101T090000\r\nRRULE:FREQ=FORTNIGHTLY\r\n"));
    assert!(nonsense.starts_with("bad.ics:6: event 'Test day': RRULE: "), "{nonsense}");
    let unclosed = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nSUMMARY:x\nDTSTART;VALUE=DATE:20270101\nEND:VCALENDAR\n";
    assert_eq!(first_error(unclosed), "bad.ics:6: END:VCALENDAR closes BEGIN:VEVENT of line 2");
    assert_eq!(first_error("hello\n"), "bad.ics:1: not an ICS file: it must start with BEGIN:VCALENDAR");
    let no_colon = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nthis line is broken\nEND:VEVENT\nEND:VCALENDAR\n";
    assert_eq!(first_error(no_colon), "bad.ics:3: 'this line is broken' is not a content line (NAME:value)");
}

#[test]
fn a_fifty_megabyte_file_is_refused_before_it_is_read() {
    let huge = format!("BEGIN:VCALENDAR\n{}", "X-PAD:0123456789012345678901234567890123456789\n".repeat(1_100_000));
    assert!(huge.len() > 50_000_000);
    let errors = read_ics("huge.ics", &huge, chrono_tz::UTC).unwrap_err();
    assert!(errors[0].to_string().starts_with("huge.ics:1: the file is "), "{}", errors[0]);
    assert!(errors[0].to_string().ends_with("an ICS file may be at most 4194304"), "{}", errors[0]);
}

#[test]
fn an_export_reads_back_to_the_same_days() {
    let library = Library::shipped().unwrap();
    let india = library.get(&"IN".parse().unwrap()).unwrap();
    let (occurrences, _) = india.occurrences(d("2027-01-01"), d("2027-12-31"));
    let text = write_ics(&india.name, &occurrences, common::utc("2026-12-01T00:00:00Z"));
    let back = read_ics("IN.ics", &text, india.timezone).unwrap();
    assert_eq!(back.len(), occurrences.len(), "one event per day, none lost or doubled");
    for (o, e) in occurrences.iter().zip(&back) {
        assert_eq!((e.name.as_str(), e.dates.as_slice(), e.kind), (o.name.as_str(), &[o.date][..], Some(o.kind)));
        assert_eq!(e.uid, format!("{}@meridian", o.key()), "the UID is the occurrence's key: stable");
    }
    let again = write_ics(&india.name, &occurrences, common::utc("2026-12-01T00:00:00Z"));
    assert_eq!(text, again, "the same export twice is the same file");
}

// ---- company calendars ------------------------------------------------------------------

const ACME_PUNE: &str = r#"[region]
code = "ACME-PUNE"
name = "Acme Pune"
parent = "IN-MH"
remove = ["gandhi-jayanti"]

[[event]]
name = "Acme Founders Day"
kind = "public"
rule = "03-01"
"#;

#[test]
fn a_company_calendar_builds_on_a_subdivision_and_its_nation() {
    let (live, reload) = LiveLibrary::load(vec![("hr/ACME-PUNE.toml".into(), ACME_PUNE.into())]);
    assert!(reload.is_clean(), "{}", reload.describe());
    let library = live.current();
    let acme = library.find("acme-pune").unwrap();
    assert!(acme.is_company());
    assert_eq!(acme.timezone, chrono_tz::Asia::Kolkata, "the zone comes from its parent");
    let (days, _) = acme.occurrences(d("2027-01-01"), d("2027-12-31"));
    let has = |name: &str| days.iter().any(|o| o.name == name);
    assert!(has("Republic Day"), "India's holidays, through IN-MH");
    assert!(has("Maharashtra Day"), "Maharashtra's own");
    assert!(has("Acme Founders Day"));
    assert!(!has("Gandhi Jayanti"), "removed by the company");
    let republic = days.iter().find(|o| o.name == "Republic Day").unwrap();
    assert_eq!(republic.region.as_str(), "IN", "an inherited day stays India's");
}

#[test]
fn who_is_off_follows_a_members_company_calendar() {
    let (live, _) = LiveLibrary::load(vec![("hr/ACME-PUNE.toml".into(), ACME_PUNE.into())]);
    let library = live.current();
    let member = |name: &str, region: &str, calendar: Option<&str>| meridian::team::MemberProfile {
        region: Some(region.parse().unwrap()),
        calendar: calendar.map(|c| c.parse::<RegionCode>().unwrap()),
        ..meridian::team::MemberProfile::new(format!("U-{name}"), name)
    };
    let members = [member("Asha", "IN-MH", Some("ACME-PUNE")), member("Ravi", "IN-MH", None)];
    // Gandhi Jayanti: India's holiday, which Acme Pune does not give.
    let off = meridian::team::whos_off(d("2027-10-02"), &members, &library);
    let names: Vec<&str> =
        off.by_region.iter().flat_map(|r| r.members.iter().map(|m| m.display_name.as_str())).collect();
    assert_eq!(names, ["Ravi"]);
    // Acme's own day off.
    let off = meridian::team::whos_off(d("2027-03-01"), &members, &library);
    assert_eq!(off.by_region.len(), 1);
    assert_eq!(off.by_region[0].region.as_str(), "ACME-PUNE");
    assert_eq!(off.by_region[0].members[0].display_name, "Asha");
}

#[test]
fn codes_of_hrs_choosing_never_read_as_countries() {
    for code in ["ACME", "ACME-PUNE", "BPO1-MNL-NIGHT"] {
        let parsed: RegionCode = code.parse().unwrap();
        assert!(parsed.is_company(), "{code}");
        assert_eq!(parsed.nation(), None, "{code}");
    }
    for code in ["IN", "IN-MH", "AU-NSW"] {
        assert!(!code.parse::<RegionCode>().unwrap().is_company(), "{code}");
    }
    for bad in ["TEAM", "A", "ACME--PUNE", "ACME-", "1ACME", "ACME PUNE", "ACME-PUNE-SITE-WITH-A-VERY-LONG-NAME"] {
        assert!(bad.parse::<RegionCode>().is_err(), "{bad}");
    }
}

// ---- the command line -------------------------------------------------------------------

fn database(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("hr.db").display())
}

fn run(args: &[&str]) -> (bool, String, String) {
    let out = common::run(args, "");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn importing_the_same_file_again_replaces_by_uid_and_a_bad_file_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let first = data("google-acme-pune.ics");
    let (ok, out, err) = run(&[
        "calendar",
        "import",
        first.to_str().unwrap(),
        "--calendar",
        "ACME-PUNE",
        "--kind",
        "observance",
        "--parent",
        "IN-MH",
        "--database",
        &db,
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("imported 4 events"), "{out}");
    assert!(out.contains("4 added, 0 updated, 0 removed, 0 unchanged"), "{out}");
    let export = |year: &str| {
        let (ok, out, err) = run(&["calendar", "export", "--calendar", "ACME-PUNE", "--year", year, "--database", &db]);
        assert!(ok, "{err}");
        read_ics("export.ics", &out, chrono_tz::Asia::Kolkata).unwrap()
    };
    let events = export("2027");
    let names: Vec<&str> = events.iter().map(|e| e.name.as_str()).collect();
    assert!(names.contains(&"Pongal") && names.contains(&"Republic Day"), "its own and its parent's: {names:?}");
    assert_eq!(events.iter().find(|e| e.name == "Site town hall").unwrap().kind, Some(Kind::Observance), "--kind");

    // The same file's next version: Pongal moved (updated UID), the town hall gone (removed).
    let edited = GOOGLE
        .replace("DTSTART;VALUE=DATE:20270114", "DTSTART;VALUE=DATE:20270115")
        .replace("DTEND;VALUE=DATE:20270115\nRRULE", "DTEND;VALUE=DATE:20270116\nRRULE");
    let start = edited.find("BEGIN:VEVENT\nDTSTART;TZID=Asia/Kolkata").unwrap();
    let end = start + edited[start..].find("END:VEVENT\n").unwrap() + "END:VEVENT\n".len();
    let edited = format!("{}{}", &edited[..start], &edited[end..]);
    let second = dir.path().join("google-acme-pune.ics");
    std::fs::write(&second, &edited).unwrap();
    let (ok, out, err) =
        run(&["calendar", "import", second.to_str().unwrap(), "--calendar", "ACME-PUNE", "--database", &db]);
    assert!(ok, "{err}");
    assert!(out.contains("0 added, 1 updated, 1 removed, 1 unchanged"), "{out}");
    let events = export("2027");
    assert!(events.iter().all(|e| e.name != "Site town hall"), "the removed UID is gone");
    let pongal: Vec<&meridian::calendar::IcsEvent> = events.iter().filter(|e| e.name == "Pongal").collect();
    assert_eq!(pongal.len(), 1, "replaced, not doubled");
    assert_eq!(pongal[0].dates, [d("2027-01-15")]);

    // A file with an error imports nothing: the calendar stays as it was.
    let broken = dir.path().join("broken.ics");
    std::fs::write(&broken, edited.replace("DTSTART;VALUE=DATE:20271029", "DTSTART;VALUE=DATE:20271329")).unwrap();
    let (ok, _, err) =
        run(&["calendar", "import", broken.to_str().unwrap(), "--calendar", "ACME-PUNE", "--database", &db]);
    assert!(!ok);
    assert!(err.contains("broken.ics:"), "{err}");
    assert!(err.contains("event 'Diwali break': DTSTART: '20271329' is not a date"), "{err}");
    assert!(err.contains("nothing was imported"), "{err}");
    assert_eq!(export("2027"), events);

    // A region's calendar is not HR's to import into.
    let (ok, _, err) = run(&["calendar", "import", first.to_str().unwrap(), "--calendar", "IN", "--database", &db]);
    assert!(!ok);
    assert!(err.contains("IN is a region's calendar"), "{err}");
}

#[test]
fn a_region_exports_as_ics_on_the_command_line() {
    let (ok, out, err) = run(&["calendar", "export", "--region", "IN", "--year", "2027"]);
    assert!(ok, "{err}");
    assert!(out.starts_with("BEGIN:VCALENDAR\r\n"), "{out}");
    assert!(out.contains("UID:IN:diwali:2027-10-29@meridian\r\n"), "{out}");
    let (ok, _, err) = run(&["calendar", "export", "--region", "XX"]);
    assert!(!ok);
    assert!(err.contains("unknown region 'XX'"), "{err}");
}

#[test]
fn a_members_csv_with_a_bad_row_writes_nothing_unless_told_to_skip_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    // A workspace and two members, as the console makes them.
    common::stdout(
        &["console", "--script", "-", "--clock", "2027-02-01T08:00", "--tz", "Asia/Kolkata", "--database", &db],
        "as priya (manager) in #support: /meridian follow IN\nas asha in #support: /meridian me\n",
    );
    let csv = dir.path().join("people.csv");
    std::fs::write(&csv, "user,name,region,calendar,tz,hours\nasha,Asha,IN-MH,,Asia/Kolkata,13:30-22:30\nravi,Ravi,IN-KX,,,09:00-18:00\n").unwrap();
    let (ok, _, err) = run(&["members", "import", csv.to_str().unwrap(), "--database", &db]);
    assert!(!ok);
    assert!(err.contains("people.csv:3:3 (region): unknown region 'IN-KX'"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    let (ok, out, err) = run(&["members", "import", csv.to_str().unwrap(), "--skip-bad-rows", "--database", &db]);
    assert!(ok, "{err}");
    assert!(out.contains("set up 1 members") && out.contains("0 new, 1 updated"), "{out}");
    assert!(out.contains("skipped 1 bad row(s)"), "{out}");
}

// ---- the ICS feed over HTTP -------------------------------------------------------------

#[tokio::test]
async fn the_bot_serves_each_calendar_as_an_ics_feed() {
    let dir = tempfile::tempdir().unwrap();
    let store = meridian::store::Store::connect(&database(dir.path())).await.unwrap();
    let parts = meridian::bot::Parts::shipped(meridian::config::Config::default()).unwrap();
    let clock = std::sync::Arc::new(meridian::clock::ManualClock::new(common::utc("2027-02-01T00:00:00Z")));
    let bot = parts.bot(store, clock, meridian::chat::Platforms::default());
    let routes = meridian::feeds::routes(bot.services.clone());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (address, _task) = meridian::http::serve("127.0.0.1:0".parse().unwrap(), routes, async {
        let _ = stopped.await;
    })
    .await
    .unwrap();
    let client = reqwest::Client::new();
    let answer = client.get(format!("http://{address}/calendars/IN.ics")).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["content-type"], "text/calendar; charset=utf-8");
    let body = answer.text().await.unwrap();
    let events = read_ics("IN.ics", &body, chrono_tz::Asia::Kolkata).unwrap();
    let diwali: Vec<NaiveDate> = events.iter().filter(|e| e.name == "Diwali").flat_map(|e| e.dates.clone()).collect();
    assert_eq!(diwali, [d("2026-11-08"), d("2027-10-29"), d("2028-10-17"), d("2029-11-05")], "last year to two ahead");
    let missing = client.get(format!("http://{address}/calendars/XX.ics")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let _ = stop.send(());
}
