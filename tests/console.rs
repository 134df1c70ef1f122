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

/// Every event reminded of, as `when # title`: a post's header when it is about one event,
/// each event's own bold line when the post is a digest of several.
fn reminder_titles(output: &str) -> Vec<String> {
    let lines: Vec<&str> = output.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if !(line.starts_with("=== #") && line.contains(" · post ")) {
            continue;
        }
        let when = line.rsplit(" · ").next().unwrap_or_default();
        let title = lines.get(i + 1).copied().unwrap_or_default();
        if !title.starts_with("# 📅") {
            if title.starts_with("# ") {
                out.push(format!("{when} {title}"));
            }
            continue;
        }
        for body in lines[i + 2..].iter().take_while(|l| !l.starts_with("=== ")) {
            let event = body.strip_prefix('*').and_then(|b| b.split_once('*')).map(|(e, _)| e);
            if let Some(event) = event.filter(|e| e.contains(" — ")) {
                out.push(format!("{when} # {event}"));
            }
        }
    }
    out
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
    assert!(diwali.starts_with("#support · post 3 · Fri 2026-11-06 09:00 Kolkata, UTC+5:30"), "{diwali}");
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
        ("2026-12-24T08:00Z", "Thu 2026-12-24 09:00 London, UTC # 🎄 Christmas Day — tomorrow"),
        // Back at 10:00: the missed 09:00 reminder goes out at once, and only once.
        ("2026-12-24T10:00Z", "Thu 2026-12-24 10:00 London, UTC # 🎄 Christmas Day — tomorrow"),
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
    assert!(diwali[0].0.starts_with("Fri 2026-11-06 09:30 Kolkata, UTC+5:30"), "{diwali:?}");
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
        titles.iter().any(|t| t.starts_with("Fri 2026-10-30 09:00 New York, UTC-4") && t.contains("Halloween"))
            || titles.iter().any(|t| t.contains("EDT")),
        "{titles:#?}"
    );
    assert!(
        titles.iter().any(|t| t.starts_with("Wed 2026-11-04 09:00 New York, UTC-5") && t.contains("Veterans Day")),
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
    assert!(
        text.contains("Fri 2026-11-06 09:00 Kolkata, UTC+5:30  Diwali (Deepavali) — on Sunday (IN, 2026-11-08)"),
        "{text}"
    );
    // Nothing was posted: a console run right after shows no reminder caught up before Friday.
    let after = console(&db, "2026-11-02T08:00", "Asia/Kolkata", "advance 1h\n");
    assert!(!after.contains("Diwali"), "{after}");
}

#[test]
fn run_without_tokens_is_the_console_and_keeps_running_after_input_closes() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("m.db").display());
    let mut child = common::meridian()
        .args(["run", "--database", &db])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A newcomer says who they are once, then types commands.
    child.stdin.take().unwrap().write_all(b"as alice in #support\n/meridian help\n").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(child.try_wait().unwrap().is_none(), "standard input closed, but a service keeps running");
    let _ = std::process::Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
    let status = child.wait().unwrap();
    let (mut text, mut err) = (String::new(), String::new());
    child.stdout.take().unwrap().read_to_string(&mut text).unwrap();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert!(status.success(), "stops cleanly on SIGTERM: {err}");
    assert!(text.contains("--- you are alice in #support"), "{text}");
    assert!(text.contains("=== #support · only alice sees this"), "{text}");
    assert!(text.contains("# meridian — working as one team across regions"), "{text}");
    assert!(err.contains("[alice in #support] > "), "the prompt says who you are: {err}");
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
        titles
            .iter()
            .any(|t| t.starts_with("Fri 2027-12-31 08:00 New York, UTC-5") && t.contains("New Year's Day — tomorrow")),
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

// ---- reminders a team keeps in its channel (digests, the right people, local words) ------

/// A contact-centre team in Manila and Bangalore serving Australia and the UK, in December.
const DECEMBER: &str = "\
as maria (manager) in #support: /meridian follow PH IN AU GB
as maria in #support: /meridian me region:PH hours:09:00-18:00
as jose in #support: /meridian me region:PH hours:21:00-06:00
as arjun in #support: /meridian me region:IN-KA hours:09:00-18:00
as priya in #support: /meridian me region:IN hours:13:00-22:00
as olivia in #support: /meridian me region:AU-NSW hours:09:00-17:00
as harry in #support: /meridian me region:GB tz:Europe/London hours:09:00-17:00
advance 31d
";

#[test]
fn december_for_four_regions_is_one_digest_per_posting_slot() {
    let db = tempfile::tempdir().unwrap();
    let out = console(&db.path().join("m.db"), "2026-11-30T00:00Z", "Asia/Manila", DECEMBER);
    let golden = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts/december-support.txt");
    if std::env::var_os("MERIDIAN_BLESS").is_some() {
        std::fs::write(&golden, &out).unwrap();
    }
    let expected =
        std::fs::read_to_string(&golden).expect("tests/transcripts/december-support.txt (MERIDIAN_BLESS=1 writes it)");
    assert_eq!(out, expected, "the December transcript changed; if on purpose, rerun with MERIDIAN_BLESS=1");

    let slots: Vec<String> = posts(&out).into_iter().map(|(when, _)| when).collect();
    let mut distinct = slots.clone();
    distinct.dedup();
    assert_eq!(slots, distinct, "at most one post per slot");
    assert!(slots.len() <= 17, "{} posts", slots.len());
    let christmas = out.split("=== ").find(|p| p.contains("Fri 2026-12-25 09:00")).unwrap();
    assert!(christmas.contains("*🎄 Christmas Day — today* · AU, IN, PH, GB"), "{christmas}");
    // India's Christmas names India's people only; each region its own.
    assert!(
        christmas.contains("*Who will be off:* AU: olivia · IN: priya, arjun · PH: jose, maria · GB: harry"),
        "{christmas}"
    );
    let substitute = out.split("=== ").find(|p| p.contains("Mon 2026-12-28 09:00")).unwrap();
    assert!(substitute.contains("# 🏏 Boxing Day (observed) — today"), "{substitute}");
    assert!(substitute.contains("is the day off in Australia and the United Kingdom"), "{substitute}");
}

#[test]
fn who_will_be_off_says_no_one_when_nobody_here_has_the_day_off() {
    let db = tempfile::tempdir().unwrap();
    let out = console(
        &db.path().join("m.db"),
        "2026-12-20T00:00Z",
        "Europe/London",
        "as harry (manager) in #uk: /meridian follow GB\nas arjun in #uk: /meridian me region:IN\nadvance 6d\n",
    );
    let christmas = out.split("=== ").find(|p| p.contains("Christmas Day — tomorrow")).expect(&out);
    assert!(christmas.contains("*Who will be off:* no one in this channel"), "{christmas}");
}

#[test]
fn a_channel_on_utc_adopts_the_zone_of_the_first_region_it_follows() {
    let db = tempfile::tempdir().unwrap();
    let out = console(
        &db.path().join("m.db"),
        "2026-11-30T00:00Z",
        "UTC",
        "as maria (manager) in #ph: /meridian follow Philippines\nas maria in #ph: /meridian settings\nadvance 1d\n",
    );
    assert!(out.contains("It now posts in Manila time, UTC+8, the time of the Philippines"), "{out}");
    assert!(out.contains("*Time zone:* Asia/Manila"), "{out}");
    // Bonifacio Day, 30 November, at 09:00 in Manila (01:00 UTC), not 09:00 UTC.
    assert!(out.contains("post 2 · Mon 2026-11-30 01:00 UTC\n# 🎖️ Bonifacio Day — today"), "{out}");
}

#[test]
fn following_late_in_the_day_does_not_post_a_today_for_a_day_nearly_over() {
    let db = tempfile::tempdir().unwrap();
    let out = console(
        &db.path().join("m.db"),
        "2026-12-25T21:25Z",
        "Europe/London",
        "as harry (manager) in #uk: /meridian follow uk\nadvance 1h\n",
    );
    assert!(out.contains("follow United Kingdom"), "'uk' is the United Kingdom: {out}");
    assert!(!out.contains("Christmas Day — today"), "Christmas evening is no time for it: {out}");
}

#[test]
fn region_names_and_aliases_are_understood_and_mistakes_change_nothing() {
    let db = tempfile::tempdir().unwrap();
    let out = console(
        &db.path().join("m.db"),
        "2026-11-30T00:00Z",
        "UTC",
        "as lee (manager) in #ops: /meridian follow Philippines Narnia\n\
         as lee (manager) in #ops: /meridian unfollow IN\n\
         as lee (manager) in #ops: /meridian follow philippines \"United States\" uk\n\
         as lee (manager) in #ops: /meridian follow New South Wales\n",
    );
    assert!(out.contains("unknown region 'Narnia'"), "{out}");
    assert!(out.contains("=== #ops · only lee sees this · Mon 2026-11-30 00:00 UTC\nunknown region"), "{out}");
    assert!(out.contains("This channel does not follow India (IN). Nothing was changed."), "privately: {out}");
    assert!(!out.contains("stop following"), "{out}");
    assert!(
        out.contains("follow Philippines (PH), United States (US), United Kingdom (England and Wales) (GB)"),
        "{out}"
    );
    assert!(out.contains("follow New South Wales (AU-NSW)"), "a name of several words, unquoted: {out}");
}

#[test]
fn engagement_is_for_managers_and_milestones_in_the_past_or_twice_are_refused() {
    let db = tempfile::tempdir().unwrap();
    let out = console(
        &db.path().join("m.db"),
        "2026-11-30T00:00Z",
        "UTC",
        "as sam in #ops: /meridian engagement\n\
         as lee (manager) in #ops: /milestone add \"Past\" 2020-01-01\n\
         as lee (manager) in #ops: /milestone add \"Go-live\" 2027-02-01\n\
         as lee (manager) in #ops: /milestone add \"go-live\" 2027-02-01\n\
         as lee (manager) in #ops: /milestone add \"Founding day\" 2020-01-01 yearly\n\
         as lee (manager) in #ops: /milestone list\n",
    );
    assert!(out.contains("only managers can see how the channel reacts to reminders"), "{out}");
    assert!(out.contains("act as one by writing the role after the name"), "the console says how: {out}");
    assert!(out.contains("Wed 1 Jan 2020 is in the past, so there is nothing to remind of"), "{out}");
    assert!(out.contains("'Go-live' on 2027-02-01 is already there (id 1)"), "{out}");
    let list = out.split("=== ").last().unwrap();
    assert_eq!(list.matches("Go-live").count(), 1, "{list}");
    assert!(list.contains("Founding day") && !list.contains("Past"), "{list}");
}

#[test]
fn bad_command_line_values_name_the_flag_and_calendars_line_up() {
    let out = common::run(&["migrate", "--database", "foo"], "");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("--database: the URL must start with sqlite:"), "{err}");
    assert!(!err.contains("DATABASE_URL"), "the flag was wrong, not the environment: {err}");

    let list = common::stdout(&["calendars", "list"], "");
    let widths: std::collections::BTreeSet<usize> = list.lines().map(|l| l.chars().count()).collect();
    assert_eq!(widths.len(), 1, "every row as wide as the header: {list}");
    let checked = common::stdout(&["calendars", "check"], "");
    assert!(checked.starts_with("ok: 49 calendar file(s) at calendars are valid"), "{checked}");
}

#[test]
fn whosoff_reads_coverage_in_the_channels_time_and_hour_by_hour_for_round_the_clock_shifts() {
    let db = tempfile::tempdir().unwrap();
    let out = console(
        &db.path().join("m.db"),
        "2026-12-01T03:00Z",
        "Asia/Manila",
        "as maria (manager) in #support: /meridian follow PH\n\
         as maria in #support: /meridian me region:PH hours:06:00-15:00\n\
         as jose in #support: /meridian me region:PH hours:14:00-23:00\n\
         as maria in #support: /meridian whosoff\n\
         as arjun in #support: /meridian me region:IN-KA hours:21:00-06:00\n\
         as maria in #support: /meridian whosoff\n",
    );
    let answers: Vec<&str> = out.split("=== ").filter(|p| p.contains("# Who is off")).collect();
    // Two day shifts meet from 14:00 to 15:00 Manila time (not 06:00-07:00 UTC).
    assert!(
        answers[0].contains("2 of 2 members in. Everyone in overlaps 14:00-15:00 (Manila time, UTC+8)."),
        "{}",
        answers[0]
    );
    // A Bangalore night shift (21:00-06:00, 23:30-08:30 in Manila) leaves no common hour.
    assert!(
        answers[1].contains("people in, hour by hour (Manila time, UTC+8): 00:00-06:00 1 · 06:00-09:00 2 · 09:00-14:00 1 · 14:00-15:00 2 · 15:00-24:00 1."),
        "{}",
        answers[1]
    );
    assert!(!answers[1].contains("Nobody covers"), "every hour has someone: {}", answers[1]);
}

#[test]
fn a_second_bot_process_on_one_sqlite_file_is_refused_while_the_first_runs() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("m.db").display());
    // The first holds the file while it waits for its script on standard input.
    let mut first = common::meridian()
        .args(["console", "--script", "-", "--clock", "2026-11-02T08:00Z", "--database", &db])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let lock = dir.path().join("m.db.lock");
    for _ in 0..200 {
        if lock.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    let second = common::run(&["console", "--script", "-", "--clock", "2026-11-02T08:00Z", "--database", &db], "");
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(!second.status.success(), "{err}");
    assert!(err.contains("m.db is in use: another meridian process holds"), "{err}");
    assert!(err.contains("run one bot per SQLite file"), "{err}");
    drop(first.stdin.take());
    assert!(first.wait().unwrap().success());
    // Once the first has ended, the file is free.
    common::stdout(&["console", "--script", "-", "--clock", "2026-11-02T08:00Z", "--database", &db], "");
}

#[test]
fn a_failed_announcement_does_not_stop_the_script_and_is_posted_once_later() {
    let db = tempfile::tempdir().unwrap();
    let out = console(
        &db.path().join("m.db"),
        "2026-11-02T02:00Z",
        "Asia/Kolkata",
        "fail next post\n\
         as priya (manager) in #support: /meridian follow IN\n\
         fail next post\n\
         as priya (manager) in #support: /milestone add \"Go-live\" 2027-02-01\n\
         fail next post\n\
         as priya (manager) in #support: /meridian settings tz:Asia/Kolkata\n\
         fail next post\n\
         as priya (manager) in #support: /pulse schedule \"0 10 * * FRI\"\n\
         as priya (manager) in #support: /meridian regions\n\
         advance 2m\n\
         advance 1d\n",
    );
    // Each person is told, the script goes on to the end, and each announcement appears once.
    assert_eq!(out.matches("it will post it again within a minute or two").count(), 4, "{out}");
    assert!(out.contains("This channel follows: India (IN)."), "the rest of the script ran: {out}");
    for announcement in [
        "priya set this channel to follow India (IN)",
        "priya added the milestone *Go-live*",
        "priya changed this channel's settings",
        "priya scheduled a recurring pulse",
    ] {
        assert_eq!(out.matches(announcement).count(), 1, "{announcement}: {out}");
    }
}

#[test]
fn dates_at_the_ends_of_time_and_overlong_arguments_are_refused_with_the_reason() {
    for (args, stdin, expected) in [
        (
            &["console", "--script", "-", "--database", "sqlite::memory:"][..],
            "advance 99999999d\n",
            "is not a duration of up to ten years",
        ),
        (
            &["console", "--script", "-", "--clock", "+262142-12-30T08:00Z", "--database", "sqlite::memory:"][..],
            "advance 2d\n",
            "--clock: '+262142-12-30T08:00Z' is not a time from 1900 to 2200",
        ),
        (
            &["holidays", "--region", "IN", "--from", "+262142-01-01", "--to", "+262142-01-02"][..],
            "",
            "is not a date from 1900 to 2200",
        ),
        (&["holidays", "--region", "IN", "--year", "99999"][..], "", "'99999' is not a year from 1900 to 2200"),
        (
            &["console", "--script", "-", "--clock", "2200-12-30T00:00Z", "--database", "sqlite::memory:"][..],
            "advance 3d\n",
            "the clock cannot go past 2200",
        ),
    ] {
        let out = common::run(args, stdin);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && err.contains(expected), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    let long = format!(
        "as lee (manager) in #ops: /milestone add \"{}\" 2027-01-01\nas lee (manager) in #ops: /milestone list\n",
        "x".repeat(100_000)
    );
    let out = common::stdout(&["console", "--script", "-", "--database", "sqlite::memory:"], &long);
    assert!(
        out.contains("the arguments are 100017 characters long; the most is 2000"),
        "answered privately: {}",
        &out[..out.len().min(2000)]
    );
    assert!(out.len() < 2000, "the 100 KB are not echoed back: {} bytes", out.len());
    assert!(out.contains("No milestones yet."), "{out}");
}

#[test]
fn a_database_that_cannot_be_used_is_named_quickly() {
    let started = std::time::Instant::now();
    let out = common::run(&["migrate", "--database", "postgres://x@127.0.0.1:1/x"], "");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("cannot reach PostgreSQL at 127.0.0.1:1"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "not 31 s of silence");
    let out = common::run(&["migrate", "--database", "sqlite://"], "");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("the SQLite URL names no file"), "{err}");
}

#[test]
fn a_configuration_that_points_nowhere_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("meridian.toml");
    std::fs::write(&config, "[calendars]\ndir = \"/nowhere/calendars\"\n").unwrap();
    let out = common::run(
        &["console", "--config", config.to_str().unwrap(), "--database", "sqlite::memory:", "--script", "-"],
        "",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("key 'calendars.dir': '/nowhere/calendars' is not a folder"), "{err}");

    // A meridian.toml that is a link to nowhere is not taken for "no file, use defaults".
    let here = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("/nowhere/meridian.toml", here.path().join("meridian.toml")).unwrap();
    let out = common::meridian()
        .args(["migrate", "--database", "sqlite::memory:"])
        .current_dir(here.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("meridian.toml: cannot read: it is a link to '/nowhere/meridian.toml', which does not exist"),
        "{err}"
    );
}
