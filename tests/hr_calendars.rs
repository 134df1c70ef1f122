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
        "bad.ics:6: event 'Test day': DTSTART: unknown TZID 'Mars/Olympus_Mons': not an IANA zone, and no VTIMEZONE in the file defines it"
    );
    assert_eq!(
        first_error(&one_event("DTSTART;VALUE=DATE:20270230\r\n")),
        "bad.ics:6: event 'Test day': DTSTART: '20270230' is not a date (YYYYMMDD) that exists"
    );
    assert_eq!(
        first_error(&one_event("DTSTART;VALUE=DATE:25000101\r\n")),
        "bad.ics:6: event 'Test day': DTSTART: 2500-01-01 is outside the years 1900 to 2200"
    );
    let forever = first_error(&one_event("DTSTART:20270101T090000\r\nRRULE:FREQ=DAILY\r\n"));
    assert_eq!(
        forever,
        "bad.ics:7: event 'Test day': RRULE: it repeats more than 1000 times from 1900 to 2200; end it with UNTIL or COUNT"
    );
    let nonsense = first_error(&one_event("DTSTART:20270101T090000\r\nRRULE:FREQ=FORTNIGHTLY\r\n"));
    assert!(nonsense.starts_with("bad.ics:7: event 'Test day': RRULE: "), "{nonsense}");
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
    assert!(has("Maharashtra Din"), "Maharashtra's own");
    assert!(has("Acme Founders Day"));
    assert!(!has("Gandhi Jayanti"), "removed by the company");
    let republic = days.iter().find(|o| o.name == "Republic Day").unwrap();
    assert_eq!(republic.region.as_str(), "IN", "an inherited day stays India's");
}

#[test]
fn who_is_off_follows_a_members_company_calendar() {
    let (live, _) = LiveLibrary::load(vec![("hr/ACME-PUNE.toml".into(), ACME_PUNE.into())]);
    let library = live.current();
    let member = |name: &str, region: &str, calendar: Option<&str>| {
        let mut member = meridian::team::Teammate::new(format!("U-{name}"), name);
        member.profile.region = Some(region.parse().unwrap());
        member.profile.calendar = calendar.map(|c| c.parse::<RegionCode>().unwrap());
        member
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
    assert!(out.contains("imported 3 events"), "{out}");
    assert!(out.contains("3 added, 0 updated, 0 removed, 0 unchanged"), "{out}");
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
    let diwali: Vec<NaiveDate> =
        events.iter().filter(|e| e.name.starts_with("Diwali")).flat_map(|e| e.dates.clone()).collect();
    assert_eq!(diwali, [d("2026-11-08"), d("2027-10-29"), d("2028-10-17"), d("2029-11-05")], "last year to two ahead");
    let missing = client.get(format!("http://{address}/calendars/XX.ics")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let _ = stop.send(());
}

// ---- in chat, through the console ----------------------------------------------------------

fn console(db: &str, script: &str) -> String {
    common::stdout(
        &["console", "--script", "-", "--clock", "2027-02-01T08:00", "--tz", "Asia/Kolkata", "--database", db],
        script,
    )
}

#[test]
fn hr_keeps_a_company_calendar_in_chat_and_its_members_are_off_by_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let out = console(
        &db,
        r#"as priya (manager) in #support: /meridian follow IN
as maria (hr) in #support: /calendar add ACME-PUNE 2027-03-01 "Acme Founders Day" parent:IN-MH name:"Acme Pune"
as arjun in #support: /calendar add ACME-PUNE 2027-03-02 "Arjun's day"
as arjun in #support: /meridian me region:IN-MH calendar:ACME-PUNE
as ravi in #support: /meridian me region:IN-MH
as maria (hr) in #support: /calendar list
as maria (hr) in #support: /calendar list ACME-PUNE
as priya (manager) in #support: /meridian whosoff 2027-03-01
as maria (hr) in #support: /calendar add IN 2027-03-02 "Not ours"
as maria (hr) in #support: /calendar add ACME-PUNE 2027-02-30 "No such day"
as maria (hr) in #support: /calendar export ACME-PUNE 2027
as maria (hr) in #support: /calendar remove acme-founders-day
as priya (manager) in #support: /meridian whosoff 2027-03-01
"#,
    );
    let block = |needle: &str| -> String {
        out.split("=== ").find(|b| b.contains(needle)).unwrap_or_else(|| panic!("no '{needle}' in\n{out}")).to_string()
    };
    block("Added *Acme Founders Day* (public) on Mon 1 Mar 2027 to ACME-PUNE (id `acme-founders-day`).");
    let refused = block("only HR and managers can change the company's calendars");
    assert!(refused.contains("only arjun sees this"), "{refused}");
    block("Your settings: region IN-MH, company calendar ACME-PUNE (your days off follow it)");
    block("• *ACME-PUNE* Acme Pune · built on IN-MH · Asia/Kolkata");
    let dates = block("*ACME-PUNE* Acme Pune · the next 12 months");
    assert!(dates.contains("• Mon 1 Mar 2027 · Acme Founders Day · public · id `acme-founders-day`"), "{dates}");
    assert!(dates.contains("Republic Day"), "{dates}");
    let off = out.split("=== ").filter(|b| b.contains("Monday 1 Mar")).collect::<Vec<_>>();
    assert_eq!(off.len(), 2, "{out}");
    assert!(
        off[0].contains("*Acme Pune (ACME-PUNE)* — Acme Founders Day: arjun\n*Coverage:* 3 of 4"),
        "arjun's company gives the day, ravi's region does not: {}",
        off[0]
    );
    assert!(!off[1].contains("Founders Day"), "removed: {}", off[1]);
    block("calendar: IN is a region's calendar; only company calendars (codes such as ACME or ACME-PUNE) are kept by meridian");
    block("add: '2027-02-30' is not a date; expected YYYY-MM-DD from 1900 to 2200");
    let export = block("attachment: ACME-PUNE-2027.ics (text/calendar,");
    assert!(export.contains("`/calendars/ACME-PUNE.ics`"), "{export}");
    block("Removed *Acme Founders Day* (id `acme-founders-day`) from ACME-PUNE.");
}

/// Serves `files` (path, body) on 127.0.0.1 for as long as the returned runtime lives.
fn serve_files(files: Vec<(&'static str, String)>) -> (tokio::runtime::Runtime, String) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let mut routes = axum::Router::new();
    for (path, body) in files {
        routes = routes.route(path, axum::routing::get(move || async move { body.clone() }));
    }
    let address = runtime.block_on(async {
        let (address, _) =
            meridian::http::serve("127.0.0.1:0".parse().unwrap(), routes, std::future::pending()).await.unwrap();
        address
    });
    (runtime, format!("http://{address}"))
}

#[test]
fn hr_imports_an_ics_link_and_a_members_csv_in_chat() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let csv = "user,name,region,calendar,tz,hours\nasha,Asha,IN-MH,ACME-PUNE,Asia/Kolkata,13:30-22:30\nravi,Ravi,IN-MH,,,09:00-18:00\n";
    let bad_csv = "user,region\nasha,IN-MH\nravi,Atlantis\n";
    let (_server, base) = serve_files(vec![
        ("/hr/acme.ics", GOOGLE.to_string()),
        ("/hr/people.csv", csv.to_string()),
        ("/hr/bad.csv", bad_csv.to_string()),
        ("/hr/broken.ics", one_event("DTSTART;VALUE=DATE:20270230\r\n")),
    ]);
    let out = console(
        &db,
        &format!(
            "as priya (manager) in #support: /meridian follow IN
as asha in #support: join
as ravi in #support: join
as maria (hr) in #support: /calendar import ACME-PUNE {base}/hr/acme.ics parent:IN-MH kind:observance
as maria (hr) in #support: /calendar import ACME-PUNE {base}/hr/acme.ics
as maria (hr) in #support: /calendar import ACME-PUNE {base}/hr/broken.ics
as maria (hr) in #support: /calendar import ACME-PUNE http://example.com/acme.ics
as maria (hr) in #support: /calendar members {base}/hr/bad.csv
as maria (hr) in #support: /calendar members {base}/hr/people.csv
as priya (manager) in #support: /meridian whosoff 2027-01-14
"
        ),
    );
    let has = |needle: &str| assert!(out.contains(needle), "no '{needle}' in\n{out}");
    has("Imported 3 events from acme.ics into ACME-PUNE: 3 added, 0 updated, 0 removed, 0 unchanged.");
    has("Imported 3 events from acme.ics into ACME-PUNE: 0 added, 0 updated, 0 removed, 3 unchanged.");
    has("import: the ICS file has errors:\nbroken.ics:6: event 'Test day': DTSTART: '20270230' is not a date (YYYYMMDD) that exists");
    has("import: 'http://example.com/acme.ics' is not an https:// URL");
    has("members: the CSV has errors:\nbad.csv:3:2 (region): unknown region 'Atlantis'");
    has("Set up 2 members from people.csv (0 new, 2 updated).");
    let off = out.split("=== ").find(|b| b.contains("Thursday 14 Jan")).unwrap();
    assert!(off.contains("Asha"), "Pongal is a public day off on Acme Pune's calendar: {off}");
    assert!(!off.contains("Ravi"), "not on Maharashtra's: {off}");
}

// ---- hot reload ---------------------------------------------------------------------------

#[tokio::test]
async fn a_broken_edit_keeps_the_last_good_calendar_and_hr_is_told_where() {
    use meridian::chat::{Actor, Capabilities, ChannelRef, Event, PlatformKind, ReplyTarget};
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("calendars");
    std::fs::create_dir(&folder).unwrap();
    let file = folder.join("ACME-PUNE.toml");
    std::fs::write(&file, ACME_PUNE).unwrap();
    let config = meridian::config::Config::from_toml(
        "meridian.toml",
        &format!("[calendars]\ndir = {:?}\n[roles]\nhr = [\"console:maria\"]\n", folder.display().to_string()),
    )
    .unwrap();
    let store = meridian::store::Store::connect(&database(dir.path())).await.unwrap();
    let recorder = common::recorder::Recorder::new(PlatformKind::Console);
    let mut platforms = meridian::chat::Platforms::default();
    platforms.add(recorder.clone());
    let parts = meridian::bot::Parts::shipped(config).unwrap();
    let clock = std::sync::Arc::new(meridian::clock::ManualClock::new(common::utc("2027-02-01T03:00:00Z")));
    let bot = parts.bot(store, clock, platforms);
    // Maria has been seen in a channel, so meridian knows where to tell her.
    let channel = ChannelRef {
        platform: PlatformKind::Console,
        workspace: "console".into(),
        id: "support".into(),
        name: "support".into(),
    };
    let maria = Actor { user_id: "maria".into(), display_name: "maria".into(), capabilities: Capabilities::HR };
    let reply = ReplyTarget { channel: channel.clone(), user_id: "maria".into(), handle: "h1".into() };
    bot.handle(Event::Command { channel, actor: maria, command: "calendar".into(), args: "list".into(), reply }).await;

    let services = bot.services.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let watcher = tokio::spawn(meridian::service::library::watch(services.clone(), async {
        let _ = stopped.await;
    }));
    let founders = |library: &Library| {
        let acme = library.get(&"ACME-PUNE".parse().unwrap())?;
        let (days, _) = acme.occurrences(d("2027-03-01"), d("2027-03-31"));
        days.iter().find(|o| o.id == "acme-founders-day").map(|o| o.date)
    };
    let wait_for = |what: &'static str, check: Box<dyn Fn() -> bool + Send>| async move {
        for _ in 0..300 {
            if check() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("waited 30 s for {what}");
    };
    let s = services.clone();
    wait_for("the first load", Box::new(move || founders(&s.library()) == Some(d("2027-03-01")))).await;

    // An edit that moves the day: picked up without a restart.
    std::fs::write(&file, ACME_PUNE.replace("03-01", "03-02")).unwrap();
    let s = services.clone();
    wait_for("the edit", Box::new(move || founders(&s.library()) == Some(d("2027-03-02")))).await;

    // A broken edit: the last good version stays, and HR gets the file and line.
    std::fs::write(&file, ACME_PUNE.replace("rule = \"03-01\"", "rule = \"03-41\"")).unwrap();
    let r = recorder.clone();
    wait_for(
        "HR to be told",
        Box::new(move || {
            r.calls()
                .iter()
                .any(|c| matches!(&c.kind, common::recorder::CallKind::Direct { user_id, .. } if user_id == "maria"))
        }),
    )
    .await;
    assert_eq!(founders(&services.library()), Some(d("2027-03-02")), "the last good version stays in use");
    let told: Vec<String> = recorder
        .calls()
        .into_iter()
        .filter_map(|c| match c.kind {
            common::recorder::CallKind::Direct { message, .. } => Some(message.text),
            _ => None,
        })
        .collect();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].contains("ACME-PUNE.toml:10: rule: '03-41' is not a month-day"), "{}", told[0]);
    assert!(told[0].contains("the last good version stays in use until the file is fixed"), "{}", told[0]);

    // `/calendar reload` says the same to whoever asks.
    let report = meridian::service::library::reload(&services).await.unwrap();
    assert_eq!(report.kept.len(), 1);
    let _ = stop.send(());
    watcher.await.unwrap();
}

#[test]
fn a_milestones_csv_adds_dates_to_channels_all_or_none() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    common::stdout(
        &["console", "--script", "-", "--clock", "2027-02-01T08:00", "--tz", "Asia/Kolkata", "--database", &db],
        "as priya (manager) in #support: /meridian follow IN\nas priya (manager) in #ops: /meridian follow PH\n",
    );
    let csv = dir.path().join("milestones.csv");
    std::fs::write(&csv, "name,date,yearly,channel\nPune go-live,2099-02-01,no,#support\nFounding,2019-06-01,yes,ops\nLost,2099-03-01,,#nowhere\n").unwrap();
    let (ok, _, err) = run(&["milestones", "import", csv.to_str().unwrap(), "--database", &db]);
    assert!(!ok);
    assert!(err.contains("milestones.csv:4: no channel named 'nowhere'; known: #support, #ops"), "{err}");
    let (ok, out, err) = run(&["milestones", "import", csv.to_str().unwrap(), "--skip-bad-rows", "--database", &db]);
    assert!(ok, "{err}");
    assert!(out.contains("added 2 milestones"), "{out}");
    let (ok, out, _) = run(&["milestones", "import", csv.to_str().unwrap(), "--skip-bad-rows", "--database", &db]);
    assert!(ok && out.contains("added 0 milestones") && out.contains("(2 already there)"), "{out}");
    let listed = common::stdout(
        &["console", "--script", "-", "--clock", "2027-02-01T08:00", "--tz", "Asia/Kolkata", "--database", &db],
        "as priya in #ops: /milestone list\n",
    );
    assert!(listed.contains("Founding"), "{listed}");
}

#[test]
fn both_csv_importers_refuse_a_file_over_the_size_limit_before_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let csv = dir.path().join("huge.csv");
    let mut text = String::from("name,date,yearly,channel\n");
    while text.len() <= meridian::roster::MAX_CSV_BYTES {
        text.push_str("Go-live,2099-02-01,no,#support\n");
    }
    std::fs::write(&csv, &text).unwrap();
    for importer in ["members", "milestones"] {
        let (ok, _, err) = run(&[importer, "import", csv.to_str().unwrap(), "--database", &db]);
        assert!(!ok, "{importer}");
        let expected =
            format!("huge.csv: the file is {} bytes; at most {}", text.len(), meridian::roster::MAX_CSV_BYTES);
        assert!(err.contains(&expected), "{importer}: {err}");
    }
}
