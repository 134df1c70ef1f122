//! The daily brief end to end through the console, as a team would live it: the real binary,
//! a real SQLite file, a simulated clock. Golden transcripts for the weeks that test a brief
//! most (`MERIDIAN_BLESS=1` rewrites them after a deliberate change), and the rules: once per
//! channel and day across restarts and crashes, caught up the same day only, working days
//! only unless asked, quiet days, who may change what.

mod common;

use std::path::Path;

/// Runs `meridian console` with `script` on stdin against the database `db`; returns stdout.
fn console(db: &Path, clock: &str, tz: &str, script: &str) -> String {
    let db = format!("sqlite://{}", db.display());
    common::stdout(&["console", "--script", "-", "--clock", clock, "--tz", tz, "--database", &db], script)
}

/// The heading line of every brief posted: `Wed 2026-12-23 08:30 Manila, UTC+8`.
fn briefs(output: &str) -> Vec<String> {
    let lines: Vec<&str> = output.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let next = lines.get(i + 1).copied().unwrap_or_default();
        let is_brief = next.starts_with("# ☀️ Customer brief") || next.starts_with("☕");
        if line.starts_with("=== #") && line.contains(" · post ") && is_brief {
            out.push(line.rsplit(" · ").next().unwrap_or_default().to_string());
        }
    }
    out
}

/// Compares `output` with the golden transcript `name`, or writes it under MERIDIAN_BLESS.
fn golden(name: &str, output: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts").join(name);
    if std::env::var_os("MERIDIAN_BLESS").is_some() {
        std::fs::write(&path, output).unwrap();
    }
    let expected =
        std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{} (MERIDIAN_BLESS=1 writes it)", path.display()));
    assert_eq!(output, expected, "{name} changed; if on purpose, rerun with MERIDIAN_BLESS=1");
}

const CHRISTMAS: &str = "\
# A Manila team serving Australia, the UK and the US, over Christmas 2026.
as maria (manager) in #support: /meridian settings tz:Asia/Manila
as maria (manager) in #support: /brief regions AU GB US
as maria (manager) in #support: /brief time 08:30
as jose in #support: /meridian me region:PH hours:06:00-15:00
as ana in #support: /meridian me region:PH hours:21:00-06:00
as maria (manager) in #support: /brief event add AU 2026-12-26 \"Boxing Day sales: expect order-status calls\"
as maria (manager) in #support: /milestone add \"Year-end close\" 2026-12-31
advance 8d
";

#[test]
fn christmas_week_for_a_manila_team_serving_au_gb_and_us() {
    let db = tempfile::tempdir().unwrap();
    let out = console(&db.path().join("m.db"), "2026-12-21T08:00", "Asia/Manila", CHRISTMAS);
    golden("brief-christmas-manila.txt", &out);
    assert_eq!(
        briefs(&out),
        [
            "Mon 2026-12-21 08:30 Manila, UTC+8",
            "Tue 2026-12-22 08:30 Manila, UTC+8",
            "Wed 2026-12-23 08:30 Manila, UTC+8",
            "Thu 2026-12-24 08:30 Manila, UTC+8",
            "Fri 2026-12-25 08:30 Manila, UTC+8",
            "Mon 2026-12-28 08:30 Manila, UTC+8",
        ],
        "working days only, one each"
    );
    let christmas = out.split("=== ").find(|p| p.contains("Fri 2026-12-25 08:30")).unwrap();
    assert!(christmas.contains("*Christmas Day* — public holiday in AU, GB and US"), "{christmas}");
    assert!(christmas.contains("*GB* · London 00:30 · closed Fri 25 Dec (Christmas Day), Mon 28 Dec"), "{christmas}");
    assert!(christmas.contains("*Long weekend in AU and GB:* Fri 25 Dec – Mon 28 Dec (4 days"), "{christmas}");
}

const CLOCKS: &str = "\
# A Manila team serving the UK and the US across the autumn 2026 clock changes: the UK goes
# back on Sunday 25 October, the US on Sunday 1 November.
as maria (manager) in #support: /meridian settings tz:Asia/Manila
as maria (manager) in #support: /brief regions GB US US-CA
as maria (manager) in #support: /brief time 08:30
as jose in #support: /meridian me region:PH hours:15:00-00:00
as ana in #support: /meridian me region:PH hours:21:00-06:00
advance 13d
";

#[test]
fn the_uk_and_us_clock_change_weeks_for_a_manila_team() {
    let db = tempfile::tempdir().unwrap();
    let out = console(&db.path().join("m.db"), "2026-10-21T08:00", "Asia/Manila", CLOCKS);
    golden("brief-clocks-manila.txt", &out);
    assert_eq!(briefs(&out).len(), 9, "{:#?}", briefs(&out));
    let thursday = out.split("=== ").find(|p| p.contains("Thu 2026-10-22 08:30")).unwrap();
    assert!(
        thursday.contains(
            "Clocks in the United Kingdom (England and Wales) go back an hour on Sunday 25 Oct.* From Monday 26 Oct, \
             London 09:00 is 17:00 in Manila, an hour later than today"
        ),
        "{thursday}"
    );
    let after = out.split("=== ").find(|p| p.contains("Mon 2026-10-26 08:30")).unwrap();
    assert!(after.contains("London 00:30 · opens today: 09:00-17:00 London = 17:00-01:00+1 Manila"), "{after}");
    assert!(after.contains("Clocks in the United States go back an hour on Sunday 1 Nov."), "{after}");
    let monday = out.split("=== ").find(|p| p.contains("Mon 2026-11-02 08:30")).unwrap();
    assert!(monday.contains("09:00-17:00 New York = 22:00-06:00+1 Manila"), "{monday}");
    assert!(!monday.contains("🕰️"), "no change left in the window: {monday}");
}

const DIWALI: &str = "\
# A team in Bogotá serving India over Diwali 2026 (Sunday 8 November).
as sofia (manager) in #soporte: /meridian settings tz:America/Bogota
as sofia (manager) in #soporte: /brief regions IN
as sofia (manager) in #soporte: /brief time 07:30
as camilo in #soporte: /meridian me region:CO hours:20:00-05:00
as valentina in #soporte: /meridian me region:CO hours:08:00-17:00
as sofia (manager) in #soporte: /brief event add IN 2026-11-06 \"Diwali gifting peak: order-tracking calls\"
advance 9d
";

#[test]
fn diwali_week_for_a_team_serving_india_from_bogota() {
    let db = tempfile::tempdir().unwrap();
    let out = console(&db.path().join("m.db"), "2026-11-02T06:00", "America/Bogota", DIWALI);
    golden("brief-diwali-bogota.txt", &out);
    assert_eq!(briefs(&out).len(), 7, "{:#?}", briefs(&out));
    let thursday = out.split("=== ").find(|p| p.contains("Thu 2026-11-05 07:30")).unwrap();
    assert!(thursday.contains("*Diwali (Deepavali)* — public holiday in IN"), "{thursday}");
    assert!(thursday.contains("09:00-17:00 Kolkata = Thu 22:30-06:30+1 Bogota"), "{thursday}");
    assert!(thursday.contains("Times are Bogota time, UTC-5."), "{thursday}");
}

const AU_DESK: &str = "\
as maria (manager) in #support: /meridian settings tz:Asia/Manila
as maria (manager) in #support: /brief regions AU
as maria (manager) in #support: /brief time 08:30
";

#[test]
fn a_brief_whose_send_failed_is_posted_once_across_a_restart() {
    let db = tempfile::tempdir().unwrap();
    let script = format!("{AU_DESK}fail next post\nadvance 1h\nrestart\nadvance 2h\nrestart\nadvance 1h\n");
    let out = console(&db.path().join("m.db"), "2026-03-02T08:00", "Asia/Manila", &script);
    assert_eq!(
        briefs(&out),
        ["Mon 2026-03-02 08:31 Manila, UTC+8"],
        "retried within a minute, then never again: {out}"
    );
    assert_eq!(out.matches("--- meridian restarted").count(), 2);
}

#[test]
fn a_crash_after_the_claim_posts_the_brief_once_when_the_bot_is_back_the_same_day_and_never_a_stale_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let url = format!("sqlite://{}", db.display());
    // Down at 08:30, just after claiming the brief.
    let crashed = common::run(
        &["console", "--script", "-", "--clock", "2026-03-02T08:00", "--tz", "Asia/Manila", "--database", &url],
        &format!("{AU_DESK}crash before next post\nadvance 1h\n"),
    );
    assert_eq!(crashed.status.code(), Some(70), "{}", String::from_utf8_lossy(&crashed.stderr));
    // Back at 11:00 the same day: the brief goes out at once, and once.
    let back = console(&db, "2026-03-02T11:00", "Asia/Manila", "advance 1h\n");
    assert_eq!(briefs(&back), ["Mon 2026-03-02 11:00 Manila, UTC+8"], "{back}");
    // Down all of Tuesday, back on Wednesday at 07:00: Tuesday's brief is stale and skipped.
    let later = console(&db, "2026-03-04T07:00", "Asia/Manila", "advance 2h\n");
    assert_eq!(briefs(&later), ["Wed 2026-03-04 08:30 Manila, UTC+8"], "{later}");
}

#[test]
fn weekends_are_skipped_unless_the_channel_asks_and_a_quiet_day_is_one_line_or_nothing() {
    let db = tempfile::tempdir().unwrap();
    // Japan in early June 2026 has nothing on: every brief is quiet.
    let script = "\
as maria (manager) in #support: /meridian settings tz:Asia/Manila
as maria (manager) in #support: /brief regions JP
as maria (manager) in #support: /brief time 08:30
advance 3d
as maria (manager) in #support: /brief days every
advance 2d
as maria (manager) in #support: /brief quiet silent
advance 2d
";
    let out = console(&db.path().join("m.db"), "2026-06-04T08:00", "Asia/Manila", script);
    assert_eq!(
        briefs(&out),
        [
            "Thu 2026-06-04 08:30 Manila, UTC+8",
            "Fri 2026-06-05 08:30 Manila, UTC+8",
            // Saturday 6th skipped: working days only.
            "Sun 2026-06-07 08:30 Manila, UTC+8",
            "Mon 2026-06-08 08:30 Manila, UTC+8",
            // From Tuesday 9th a quiet day posts nothing.
        ],
        "{out}"
    );
    assert!(out.contains("☕ *A quiet day for JP customers* (Thursday 4 Jun 2026): no holidays, events or clock changes in the next 7 days."), "{out}");
    assert!(!out.contains("# ☀️ Customer brief"), "never an empty template: {out}");
}

#[test]
fn only_managers_change_the_brief_and_refusals_and_usage_errors_change_nothing() {
    let db = tempfile::tempdir().unwrap();
    let script = "\
as sam in #support: /brief regions AU
as sam in #support: /brief now
as sam in #support: /brief
as priya (hr) in #support: /brief regions Austrlia
as priya (hr) in #support: /brief time 8h30
as priya (hr) in #support: /brief event add AU 2026-02-30 Sale
as priya (hr) in #support: /brief event add AU 2026-01-02 Sale
as priya (hr) in #support: /brief off
as priya (hr) in #support: /brief regions uk AU
as priya (hr) in #support: /meridian settings brief:09:15
as sam in #support: /brief preview 2026-12-24
";
    let out = console(&db.path().join("m.db"), "2026-03-02T08:00", "Asia/Manila", script);
    assert_eq!(out.matches("Sorry — only managers can change or post this channel's daily brief.").count(), 2, "{out}");
    assert!(out.contains("*Customers' regions:* none yet"), "anyone may look: {out}");
    assert!(out.contains("unknown region 'Austrlia'; did you mean AU (Australia)?"), "{out}");
    assert!(
        out.contains(
            "brief time: '8h30' is not a time of day; expected HH:MM such as 08:30. Usage: `/brief time 08:30`"
        ),
        "{out}"
    );
    assert!(out.contains("brief event add: '2026-02-30' is not a date"), "{out}");
    assert!(out.contains("brief event add: Fri 2 Jan 2026 is in the past"), "{out}");
    assert!(out.contains("brief off: this channel has no daily brief. Nothing was changed."), "{out}");
    assert!(
        out.contains(
            "priya set this channel's customers' regions to United Kingdom (England and Wales) (GB), Australia (AU)."
        ),
        "{out}"
    );
    assert!(out.contains("*Daily brief:* 09:15"), "settings brief: sets it: {out}");
    let preview = out.split("=== ").find(|p| p.contains("only sam sees this") && p.contains("Customer brief")).unwrap();
    assert!(preview.contains("# ☀️ Customer brief — Thursday 24 Dec 2026"), "{preview}");
}

#[test]
fn brief_now_posts_today_s_brief_once_and_meridian_brief_prints_the_same_for_a_date() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let script = format!(
        "{AU_DESK}as maria (manager) in #support: /brief now\nadvance 1h\nas maria (manager) in #support: /brief now\n"
    );
    let out = console(&db, "2026-03-02T07:00", "Asia/Manila", &script);
    assert_eq!(briefs(&out), ["Mon 2026-03-02 07:00 Manila, UTC+8"], "the 08:30 one is the same brief: {out}");
    assert!(out.contains("Today's brief is already in this channel (one a day)"), "{out}");
    let url = format!("sqlite://{}", db.display());
    let printed = common::stdout(&["brief", "--channel", "support", "--date", "2026-12-24", "--database", &url], "");
    assert!(printed.starts_with("# ☀️ Customer brief — Thursday 24 Dec 2026\n"), "{printed}");
    assert!(printed.contains("*Christmas Day* — public holiday in AU"), "{printed}");
    let preview = common::stdout(
        &["preview", "--channel", "support", "--days", "7", "--from", "2026-03-03T00:00:00Z", "--database", &url],
        "",
    );
    assert!(preview.contains("Tue 2026-03-03 08:30 Manila, UTC+8  Daily brief (AU)"), "{preview}");
    assert!(!preview.contains("Sat 2026-03-07 08:30 Manila, UTC+8  Daily brief"), "{preview}");
    let unknown = common::run(&["brief", "--channel", "nowhere", "--database", &url], "");
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("--channel: no channel named 'nowhere'; known: #support"));
}
