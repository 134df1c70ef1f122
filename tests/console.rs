//! End to end through the console platform, as a person (or CI) drives it: the real binary,
//! a real SQLite file, scripts on standard input, the bot's posts on standard output.

mod common;

/// Runs `meridian console` with `script` on stdin against the database `db`; returns stdout.
fn console(db: &std::path::Path, clock: &str, tz: &str, script: &str) -> String {
    let db = format!("sqlite://{}", db.display());
    common::stdout(&["console", "--script", "-", "--clock", clock, "--tz", tz, "--database", &db], script)
}

/// The `=== heading` line and the `# title` line of every post (not ephemeral answers).
fn posts(output: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = output.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with("=== #") && line.contains(" · post ") {
            let title = lines.get(i + 1).copied().unwrap_or_default();
            let when = line.rsplit(" · ").next().unwrap_or_default();
            out.push((when.to_string(), title.to_string()));
        }
    }
    out
}

fn reminder_titles(output: &str) -> Vec<String> {
    posts(output).into_iter().filter(|(_, t)| t.starts_with("# ")).map(|(w, t)| format!("{w} {t}")).collect()
}

const INDIA_SETUP: &str = "\
as priya (manager) in #support: /meridian follow IN
as priya (manager) in #support: /meridian settings tz:Asia/Kolkata
as arjun in #support: /meridian me region:IN-KA hours:09:00-18:00
";

#[test]
fn a_reminder_goes_out_at_nine_local_on_the_friday_before_a_sunday_holiday() {
    let db = tempfile::tempdir().unwrap();
    let out =
        console(&db.path().join("m.db"), "2026-11-02T08:00", "Asia/Kolkata", &format!("{INDIA_SETUP}advance 6d\n"));
    let diwali = out.split("=== ").find(|p| p.contains("# 🪔 Diwali")).expect("a Diwali reminder");
    assert!(diwali.starts_with("#support · post 3 · Fri 2026-11-06 09:00 IST"), "{diwali}");
    assert!(diwali.contains("# 🪔 Diwali (Deepavali) — on Sunday"), "{diwali}");
    assert!(diwali.contains("is a public holiday in India on Sunday (Sunday 8 Nov 2026)"), "{diwali}");
    assert!(diwali.contains("*How to greet:* Happy Diwali!"), "the culture note is included: {diwali}");
    assert!(diwali.contains("*Who will be off:* arjun"), "managers learn who is off: {diwali}");
    assert_eq!(out.matches("# 🪔 Diwali").count(), 1, "one post for the day-of and day-before leads: {out}");
}

#[test]
fn only_managers_change_what_a_channel_follows() {
    let db = tempfile::tempdir().unwrap();
    let out = console(
        &db.path().join("m.db"),
        "2026-11-02T08:00",
        "UTC",
        "as sam in #support: /meridian follow PH\nas sam in #support: /meridian regions\n",
    );
    assert!(out.contains("=== #support · only sam sees this"), "{out}");
    assert!(out.contains("Sorry — only managers can change this channel's calendar or settings."), "{out}");
    assert!(out.contains("This channel follows no regions."), "nothing was followed: {out}");
}

#[test]
fn usage_errors_name_the_argument() {
    let db = tempfile::tempdir().unwrap();
    let out = console(
        &db.path().join("m.db"),
        "2026-11-02T08:00",
        "UTC",
        "as priya (manager) in #support: /meridian follow XX\nas priya in #support: /meridian me hours:9-6\nas priya (manager) in #support: /meridian settings schedule:\"0 25 * * *\"\n",
    );
    assert!(out.contains("unknown region 'XX'"), "{out}");
    assert!(out.contains("me: hours: '9-6' does not read as working hours"), "{out}");
    assert!(out.contains("settings: '0 25 * * *' is not a posting schedule"), "{out}");
    assert_eq!(out.matches("Nothing was changed.").count(), 3, "{out}");
}

const GB_SCRIPT_FIRST_HALF: &str = "\
as priya (manager) in #ops: /meridian follow GB
as priya (manager) in #ops: /meridian settings tz:Europe/London
as priya (manager) in #ops: /milestone add \"Pune team go-live\" 2026-12-01
advance 20d
";

#[test]
fn a_restart_midway_neither_repeats_nor_misses_a_reminder() {
    let dir = tempfile::tempdir().unwrap();
    // One uninterrupted run...
    let whole = console(
        &dir.path().join("whole.db"),
        "2026-11-20T08:00Z",
        "Europe/London",
        &format!("{GB_SCRIPT_FIRST_HALF}advance 20d\n"),
    );
    // ...and the same weeks as two processes on one database, the second started later.
    let db = dir.path().join("split.db");
    let first = console(&db, "2026-11-20T08:00Z", "Europe/London", GB_SCRIPT_FIRST_HALF);
    let second = console(&db, "2026-12-10T08:00Z", "Europe/London", "advance 20d\n");
    let mut split = reminder_titles(&first);
    split.extend(reminder_titles(&second));
    let whole = reminder_titles(&whole);
    assert!(whole.iter().any(|t| t.contains("Christmas Day — today")), "{whole:#?}");
    assert!(whole.iter().any(|t| t.contains("Pune team go-live — tomorrow")), "{whole:#?}");
    assert_eq!(split, whole);
}

#[test]
fn reminders_missed_while_the_bot_was_down_are_caught_up_once_and_stale_ones_skipped() {
    let dir = tempfile::tempdir().unwrap();
    for (restart, expected) in [
        // Back at 08:00 on the 24th: the missed "in 7 days" is dropped, the 09:00 one is near.
        ("2026-12-24T08:00Z", "Thu 2026-12-24 09:00 GMT # 🎄 Christmas Day — tomorrow"),
        // Back at 10:00: the missed 09:00 reminder goes out at once, and only once.
        ("2026-12-24T10:00Z", "Thu 2026-12-24 10:00 GMT # 🎄 Christmas Day — tomorrow"),
    ] {
        let db = dir.path().join(format!("{}.db", &restart[11..13]));
        console(&db, "2026-11-20T08:00Z", "Europe/London", GB_SCRIPT_FIRST_HALF);
        let back = console(&db, restart, "Europe/London", "advance 4h\n");
        let titles = reminder_titles(&back);
        assert!(titles.iter().any(|t| t == expected), "{restart}: {titles:#?}");
        let christmas: Vec<_> = titles.iter().filter(|t| t.contains("Christmas Day")).collect();
        assert_eq!(christmas.len(), 1, "{restart}: {titles:#?}");
        assert!(!titles.iter().any(|t| t.contains("in 7 days")), "stale: {titles:#?}");
    }
}

#[test]
fn a_failed_send_after_the_claim_is_retried_once() {
    let db = tempfile::tempdir().unwrap();
    let out = console(
        &db.path().join("m.db"),
        "2026-11-02T08:00",
        "Asia/Kolkata",
        &format!("{INDIA_SETUP}fail next post\nadvance 6d\nrestart\nadvance 1d\n"),
    );
    let diwali: Vec<_> = posts(&out).into_iter().filter(|(_, t)| t.contains("Diwali")).collect();
    assert_eq!(diwali.len(), 1, "{out}");
}

#[test]
fn a_crash_between_claim_and_send_is_resolved_by_the_next_process_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let script = format!("{INDIA_SETUP}crash before next post\nadvance 6d\n");
    let db_url = format!("sqlite://{}", db.display());
    let crashed = common::run(
        &["console", "--script", "-", "--clock", "2026-11-02T08:00", "--tz", "Asia/Kolkata", "--database", &db_url],
        &script,
    );
    assert_eq!(crashed.status.code(), Some(70), "the process died mid-post");
    let before = String::from_utf8_lossy(&crashed.stdout).to_string();
    assert!(before.ends_with("--- meridian crashed\n") && !before.contains("# 🪔 Diwali"), "{before}");
    // The next process starts half an hour later, finds the claim undelivered and sends it.
    let after = console(&db, "2026-11-06T09:30", "Asia/Kolkata", "advance 3d\n");
    let diwali: Vec<_> = posts(&after).into_iter().filter(|(_, t)| t.contains("Diwali")).collect();
    assert_eq!(diwali.len(), 1, "{after}");
    assert!(diwali[0].0.starts_with("Fri 2026-11-06 09:30 IST"), "{diwali:?}");
}

#[test]
fn the_posting_time_stays_nine_local_across_the_end_of_daylight_saving() {
    let db = tempfile::tempdir().unwrap();
    let out = console(
        &db.path().join("m.db"),
        "2026-10-20T12:00Z",
        "America/New_York",
        "as lee (manager) in #us: /meridian follow US\nas lee (manager) in #us: /meridian settings tz:America/New_York\nadvance 20d\n",
    );
    let titles = reminder_titles(&out);
    // Before 1 November New York is on EDT, after it on EST; the post is at 09:00 either way.
    assert!(
        titles.iter().any(|t| t.starts_with("Fri 2026-10-30 09:00 EDT") && t.contains("Halloween"))
            || titles.iter().any(|t| t.contains("EDT")),
        "{titles:#?}"
    );
    assert!(
        titles.iter().any(|t| t.starts_with("Wed 2026-11-04 09:00 EST") && t.contains("Veterans Day")),
        "{titles:#?}"
    );
}

#[test]
fn reactions_on_a_reminder_are_counted_per_event() {
    let db = tempfile::tempdir().unwrap();
    let out = console(
        &db.path().join("m.db"),
        "2026-11-02T08:00",
        "Asia/Kolkata",
        &format!("{INDIA_SETUP}advance 6d\nas arjun in #support: react LAST :tada:\nas sam in #support: react LAST :tada:\nas sam in #support: react LAST :pray:\nas sam in #support: unreact LAST :pray:\nas priya (manager) in #support: /meridian engagement\n"),
    );
    let answer = out.split("=== ").last().unwrap();
    assert!(
        answer.contains("Diwali (Deepavali) (IN, 8 Nov 2026): 2 reactions from 2 people — IN 1, region not set 1"),
        "{answer}"
    );
}

#[test]
fn preview_lists_what_a_channel_would_post_in_its_own_time_zone() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    console(&db, "2026-11-01T08:00", "Asia/Kolkata", INDIA_SETUP);
    let db_url = format!("sqlite://{}", db.display());
    let out = common::run(
        &["preview", "--channel", "support", "--days", "14", "--from", "2026-11-02T00:00:00Z", "--database", &db_url],
        "",
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.starts_with("#support would post 2 time(s) in the next 14 days"), "{text}");
    assert!(text.contains("(times in Asia/Kolkata)"), "{text}");
    assert!(text.contains("Fri 2026-11-06 09:00 IST  Diwali (Deepavali) — on Sunday (IN, 2026-11-08)"), "{text}");
    // Nothing was posted: a console run right after shows no reminder caught up before Friday.
    let after = console(&db, "2026-11-02T08:00", "Asia/Kolkata", "advance 1h\n");
    assert!(!after.contains("Diwali"), "{after}");
}

#[test]
fn run_without_tokens_is_the_console_on_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("m.db").display());
    let out = common::run(&["run", "--database", &db], "as alice in #support: /meridian help\n");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("=== #support · only alice sees this"), "{text}");
    assert!(text.contains("# meridian — working as one team across regions"), "{text}");
}

#[test]
fn one_person_reacting_to_every_reminder_of_an_event_counts_once() {
    let db = tempfile::tempdir().unwrap();
    let out = console(
        &db.path().join("m.db"),
        "2026-11-20T08:00Z",
        "UTC",
        "as priya (manager) in #ops: /milestone add \"Go-live\" 2026-12-01\n\
         advance 4d2h\nas arjun in #ops: react LAST :rocket:\n\
         advance 6d\nas arjun in #ops: react LAST :tada:\n\
         as priya (manager) in #ops: /meridian engagement\n",
    );
    let answer = out.split("=== ").last().unwrap();
    assert!(answer.contains("Go-live (team, 1 Dec 2026): 2 reactions from 1 people"), "{out}");
}

#[test]
fn changing_the_schedule_on_the_day_still_posts_that_days_reminders() {
    let db = tempfile::tempdir().unwrap();
    // At 08:00 on 31 December the manager moves posting from 09:00 to 07:00: the reminders
    // of the day are now "late", and go out at once rather than never.
    let out = console(
        &db.path().join("m.db"),
        "2027-12-29T12:00Z",
        "America/New_York",
        "as lee (manager) in #us: /meridian settings tz:America/New_York\n\
         as lee (manager) in #us: /meridian follow US\n\
         at 2027-12-31T08:00\n\
         as lee (manager) in #us: /meridian settings schedule:\"0 7 * * MON-FRI\"\n\
         advance 1h\n",
    );
    let titles = reminder_titles(&out);
    assert!(
        titles.iter().any(|t| t.starts_with("Fri 2027-12-31 08:00 EST") && t.contains("New Year's Day — tomorrow")),
        "{titles:#?}"
    );
    assert_eq!(titles.iter().filter(|t| t.contains("New Year's Day — tomorrow")).count(), 1, "{titles:#?}");
}

#[test]
fn upcoming_lists_milestones_even_without_regions() {
    let db = tempfile::tempdir().unwrap();
    let out = console(
        &db.path().join("m.db"),
        "2029-02-20T00:00Z",
        "UTC",
        "as lead (manager) in #ops: /milestone add \"Leap launch\" 2028-02-29 yearly\nas lead in #ops: /meridian upcoming 30\n",
    );
    let answer = out.split("=== ").last().unwrap();
    assert!(answer.contains("*Wed 28 Feb 2029* Leap launch — milestone, team"), "{answer}");
}
