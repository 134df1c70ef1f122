//! Pulse polls end to end through the console: a manager starts one, twelve colleagues in
//! three regions vote (two change their minds), a non-manager is refused, the manager closes
//! it, and the results keep small groups from being singled out. Then the CSV export.

mod common;

use common::stdout as meridian;

const PEOPLE: [(&str, &str, u32); 12] = [
    ("asha", "IN", 4),
    ("ravi", "IN", 5),
    ("meena", "IN", 3),
    ("kiran", "IN", 4),
    ("dev", "IN", 4),
    ("lata", "IN", 2),
    ("jose", "PH", 5),
    ("ana", "PH", 4),
    ("rico", "PH", 3),
    ("lyn", "PH", 3),
    ("mark", "PH", 4),
    ("sam", "US", 1),
];

fn script() -> String {
    let mut s = String::new();
    for (name, region, _) in PEOPLE {
        s += &format!("as {name} in #ops: /meridian me region:{region}\n");
    }
    s += "as sam in #ops: /pulse \"Is this allowed?\" scale:1-5\n";
    s += "as maria (manager) in #ops: /pulse \"How clear were handoffs between our teams this week?\" scale:1-5 for:2h\n";
    for (name, _, vote) in PEOPLE {
        s += &format!("as {name} in #ops: click LAST {vote}\n");
    }
    // Two change their minds; a third clicks the same answer again.
    s += "as asha in #ops: click LAST 5\nas sam in #ops: click LAST 2\nas ravi in #ops: click LAST 5\n";
    s += "as maria (manager) in #ops: /pulse results\n";
    s += "as sam in #ops: /pulse close\n";
    s += "as maria (manager) in #ops: /pulse close\n";
    s
}

#[test]
fn a_pulse_from_start_to_results() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("m.db").display());
    let out = meridian(
        &["console", "--script", "-", "--clock", "2026-11-23T01:00Z", "--tz", "Asia/Manila", "--database", &db],
        &script(),
    );
    let sections: Vec<&str> = out.split("=== ").collect();

    let refused = sections
        .iter()
        .filter(|s| {
            s.starts_with("#ops · only sam sees this")
                && s.contains("Only managers can start, schedule or close a pulse")
        })
        .count();
    assert_eq!(refused, 2, "sam may neither start nor close a pulse: {out}");

    let question = sections.iter().find(|s| s.contains("# Pulse #1")).expect("the question is posted");
    assert!(question.contains("buttons: [1] 1  [2] 2  [3] 3  [4] 4  [5] 5"), "{question}");
    assert!(question.contains("Anonymous: no one can see who answered what."), "{question}");

    let acks = out.matches("Thanks, your answer is in. It is anonymous").count();
    assert_eq!(acks, 15, "every click is acknowledged privately");

    let so_far = sections.iter().find(|s| s.contains("# Pulse #1 so far")).expect("results while open");
    assert!(so_far.contains("12 responses"), "{so_far}");
    assert!(!so_far.contains('█'), "no distribution while open: {so_far}");

    let results = sections.iter().find(|s| s.contains("# Pulse #1 results")).expect("results at close");
    assert!(results.starts_with("#ops · post 2 · "), "results are a post for everyone: {results}");
    assert!(results.contains("12 responses · 92% response rate (12 of 13 members)"), "{results}");
    assert!(results.contains("Mean 3.7 on 1–5"), "{results}");
    // Final answers 5,5,3,4,4,2 (IN) and 5,4,3,3,4 (PH) and 2 (US).
    for bar in ["1 ▕░", "2 ▕███░", "▏ 0 (0%)", "▏ 2 (17%)", "▏ 3 (25%)", "▏ 4 (33%)"] {
        assert!(results.contains(bar), "{bar} missing in {results}");
    }
    // IN (6) is shown; PH (5) would leave US (1) recoverable by subtraction, so both fold.
    assert!(results.contains("IN: mean 3.8 (6 responses)"), "{results}");
    assert!(results.contains("other: mean 3.5 (6 responses)"), "{results}");
    assert!(!results.contains("PH:") && !results.contains("US:"), "{results}");
    assert!(results.contains("attachment: pulse-1.png (image/png"), "{results}");
    assert!(out.contains("post 1 updated"), "the question's buttons are taken away at close");

    let csv = meridian(&["pulse", "export", "--channel", "ops", "--csv", "--database", &db], "");
    let rows: Vec<&str> = csv.lines().collect();
    assert!(rows[0].starts_with("pulse_id,channel,question_id,theme,question,opened_at,closed_at,segment,respondents"));
    assert!(rows.iter().any(|r| r.contains(",IN,6,") && r.ends_with(",3,4,2,0.3333,3.8333")), "{csv}");
    assert!(!csv.contains("asha") && !csv.contains("sam"), "no one's name or id is exported");
    // The same response rate as the results post: 12 of the 13 members meridian knows.
    assert!(rows.iter().filter(|r| r.contains(",all,12,13,0.923")).count() == 5, "{csv}");
    assert_eq!(rows.len(), 1 + 3 * 5, "all, IN and other, five choices each: {csv}");

    // The stored votes keep no more than the results showed: PH and US were folded away.
    let segments = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let pool = sqlx::SqlitePool::connect(&db).await.unwrap();
        let rows: Vec<(Option<String>, i64)> =
            sqlx::query_as("SELECT segment, COUNT(*) FROM votes GROUP BY segment ORDER BY segment")
                .fetch_all(&pool)
                .await
                .unwrap();
        rows
    });
    assert_eq!(segments, vec![(None, 6), (Some("IN".to_string()), 6)]);
}

#[test]
fn a_scheduled_pulse_opens_on_time_nudges_non_voters_and_closes_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("m.db").display());
    let first = meridian(
        &["console", "--script", "-", "--clock", "2026-11-26T09:00", "--tz", "Asia/Manila", "--database", &db],
        "as maria (manager) in #ops: /meridian settings tz:Asia/Manila\n\
         as maria (manager) in #ops: /pulse schedule \"0 10 * * FRI\" theme:trust for:4h\n\
         as jose in #ops: join\nas ana in #ops: join\n\
         advance 1d1h\n\
         as jose in #ops: click LAST 3\n",
    );
    assert!(
        first.contains("scheduled a recurring pulse on Trust (`0 10 * * FRI`, Asia/Manila time; schedule 1)"),
        "{first}"
    );
    assert!(first.contains("the first opens Fri 27 Nov 10:00 Manila, UTC+8"), "{first}");
    let opened = first.split("=== ").find(|s| s.contains("# Pulse #1 · Trust")).expect("the pulse opened Friday 10:00");
    assert!(opened.starts_with("#ops · post 3 · Fri 2026-11-27 10:00 Manila, UTC+8"), "{opened}");
    // The bot stops after jose votes; a new process picks up at 11:00, nudges at 12:00 (two
    // hours before closing) and closes at 14:00.
    let second = meridian(
        &["console", "--script", "-", "--clock", "2026-11-27T11:00", "--tz", "Asia/Manila", "--database", &db],
        "advance 4h\n",
    );
    let dms: Vec<&str> = second.split("=== ").filter(|s| s.starts_with("DM to ")).collect();
    assert_eq!(dms.len(), 1, "only ana has not answered (maria asked): {second}");
    assert!(dms[0].starts_with("DM to ana · Fri 2026-11-27 12:00 Manila, UTC+8"), "{second}");
    assert!(!dms[0].contains("jose"), "the nudge does not say who answered");
    let results = second.split("=== ").find(|s| s.contains("# Pulse #1 results")).expect("closed on time");
    assert!(results.contains("Fri 2026-11-27 14:00 Manila, UTC+8"), "{results}");
    assert!(
        results.contains("1 response · 33% response rate (1 of 3 members)"),
        "jose's vote survived the restart: {results}"
    );
    assert!(results.contains("Results are hidden because fewer than 5 people answered"), "{results}");
}

#[test]
fn the_second_pulse_of_a_question_shows_the_trend_against_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("m.db").display());
    let mut script = String::new();
    for votes in [[2, 3], [4, 5]] {
        script +=
            "as maria (manager) in #ops: /pulse \"Do you get the context you need at handoff?\" scale:1-5 for:1h\n";
        for i in 0..6 {
            script += &format!("as p{i} in #ops: click LAST {}\n", votes[i % 2]);
        }
        script += "advance 2h\n";
    }
    let out = meridian(&["console", "--script", "-", "--clock", "2026-11-23T01:00Z", "--database", &db], &script);
    let second = out.split("=== ").find(|s| s.contains("# Pulse #2 results")).expect("second results");
    assert!(second.contains("Mean 4.5 on 1–5"), "{second}");
    assert!(second.contains("Trend: ▲ up 2.0 since the previous pulse of this question (mean 2.5 → 4.5)"), "{second}");
}

#[test]
fn pulse_with_no_arguments_asks_a_question_from_the_bank() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("m.db").display());
    let out = meridian(
        &["console", "--script", "-", "--clock", "2026-11-23T01:00Z", "--database", &db],
        "as maria (manager) in #ops: /pulse\nas maria (manager) in #ops: /pulse theme:recognition\n",
    );
    let asked: Vec<&str> = out.split("=== ").filter(|s| s.contains("# Pulse #")).collect();
    assert_eq!(asked.len(), 2, "{out}");
    assert!(asked.iter().all(|s| s.contains("~ Why we ask: ")), "bank questions say why they are asked: {out}");
    assert!(asked[1].contains("# Pulse #2 · Recognition"), "{out}");
}

#[test]
fn schedules_that_would_stack_pulses_are_refused_and_a_schedule_can_be_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("m.db").display());
    let out = meridian(
        &["console", "--script", "-", "--clock", "2026-11-23T01:00Z", "--database", &db],
        "as maria (manager) in #ops: /pulse schedule \"0 * * * *\"\n\
         as maria (manager) in #ops: /pulse schedule \"0 10 * * MON\" for:2h\n\
         as maria (manager) in #ops: /pulse list\n\
         as sam in #ops: /pulse unschedule 1\n\
         as maria (manager) in #ops: /pulse unschedule 1\n\
         advance 14d\n",
    );
    assert!(
        out.contains("Each pulse would still be open (1 day(s)) when the next one starts (1 hour(s) later)"),
        "{out}"
    );
    assert!(out.contains("~ Schedule 1: `0 10 * * MON` (UTC time), any theme"), "{out}");
    assert!(out.contains("maria stopped the recurring pulse `0 10 * * MON` (schedule 1)"), "{out}");
    assert_eq!(out.matches("Only managers can start, schedule or close a pulse").count(), 1, "{out}");
    assert!(!out.contains("# Pulse #1"), "a stopped schedule asks nothing: {out}");
}

#[test]
fn a_spring_forward_gap_does_not_swallow_a_scheduled_pulse() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("m.db").display());
    // 02:30 does not exist in New York on 14 March 2027; the pulse opens at 03:00 EDT instead.
    let out = meridian(
        &["console", "--script", "-", "--clock", "2027-03-13T18:00", "--tz", "America/New_York", "--database", &db],
        "as lee (manager) in #us: /meridian settings tz:America/New_York\n\
         as lee (manager) in #us: /pulse schedule \"30 2 * * SUN\" for:2h\n\
         advance 14h\n",
    );
    let opened = out.split("=== ").find(|s| s.contains("# Pulse #1")).expect("the pulse opened");
    assert!(opened.starts_with("#us · post 3 · Sun 2027-03-14 03:00 New York, UTC-4"), "{opened}");
}

#[test]
fn preview_shows_scheduled_pulses_and_closings_too() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("m.db").display());
    meridian(
        &["console", "--script", "-", "--clock", "2026-11-23T01:00Z", "--database", &db],
        "as maria (manager) in #ops: /pulse schedule \"0 10 * * FRI\" theme:trust for:4h\n\
         as maria (manager) in #ops: /pulse \"Quick check?\" options:\"Yes,No\" for:2d\n",
    );
    let out = meridian(
        &["preview", "--channel", "ops", "--days", "7", "--from", "2026-11-23T02:00:00Z", "--database", &db],
        "",
    );
    assert!(out.contains("Tue 2026-11-24 23:00 UTC  Pulse #1 nudge to members who have not answered (DM)"), "{out}");
    assert!(out.contains("Wed 2026-11-25 01:00 UTC  Pulse #1 closes; results posted"), "{out}");
    assert!(out.contains("Fri 2026-11-27 10:00 UTC  Pulse on trust opens (schedule 1)"), "{out}");
}

#[test]
fn a_pulse_question_that_failed_to_post_is_posted_again() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("m.db").display());
    let out = meridian(
        &["console", "--script", "-", "--clock", "2026-11-23T01:00Z", "--database", &db],
        "fail next post\n\
         as maria (manager) in #ops: /pulse \"Quick check?\" options:\"Yes,No\" for:1h\n\
         advance 2m\n\
         as jose in #ops: click LAST 1\n\
         advance 1h\n",
    );
    assert!(out.contains("Pulse #1 is open but its question could not be posted just now"), "{out}");
    let asked: Vec<&str> =
        out.split("=== ").filter(|s| s.contains("# Pulse #1 · ") || s.contains("# Pulse #1\n")).collect();
    assert_eq!(asked.len(), 1, "{out}");
    assert!(
        asked[0].starts_with("#ops · post 1 · Mon 2026-11-23 01:01 UTC"),
        "posted again within a minute or two: {out}"
    );
    assert!(out.contains("Thanks, your answer is in."), "{out}");
    assert!(out.contains("1 response"), "{out}");
}

#[test]
fn results_that_failed_to_post_are_posted_once_a_minute_later() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("m.db").display());
    let out = meridian(
        &["console", "--script", "-", "--clock", "2026-11-23T01:00Z", "--database", &db],
        "as maria (manager) in #ops: /pulse \"Quick check?\" options:\"Yes,No\" for:1h\n\
         as jose in #ops: click LAST 1\n\
         fail next post\n\
         advance 2h\n",
    );
    let results: Vec<&str> = out.split("=== ").filter(|s| s.contains("# Pulse #1 results")).collect();
    assert_eq!(results.len(), 1, "{out}");
    assert!(results[0].starts_with("#ops · post 2 · Mon 2026-11-23 02:01 UTC"), "{out}");
    // The question is marked closed once, not again with each retry of the results.
    assert_eq!(out.matches("post 1 updated").count(), 1, "{out}");
}

#[test]
fn closing_by_hand_when_the_results_cannot_be_posted_says_so_and_posts_them_later() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("m.db").display());
    let out = meridian(
        &["console", "--script", "-", "--clock", "2026-11-23T01:00Z", "--database", &db],
        "as maria (manager) in #ops: /pulse \"Quick check?\" options:\"Yes,No\" for:1d\n\
         fail next post\n\
         as maria (manager) in #ops: /pulse close\n\
         advance 5m\n",
    );
    assert!(out.contains("Pulse #1 is closed, but its results could not be posted just now"), "{out}");
    let results: Vec<&str> = out.split("=== ").filter(|s| s.contains("# Pulse #1 results")).collect();
    assert_eq!(results.len(), 1, "{out}");
    assert!(results[0].starts_with("#ops · post 2 · Mon 2026-11-23 01:01 UTC"), "{out}");
}

#[test]
fn two_schedules_that_would_have_pulses_open_at_once_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("m.db").display());
    let out = meridian(
        &["console", "--script", "-", "--clock", "2026-11-23T01:00Z", "--database", &db],
        "as maria (manager) in #ops: /pulse schedule \"0 10 * * *\" for:2h\n\
         as maria (manager) in #ops: /pulse schedule \"0 10 * * MON-FRI\" for:2h\n\
         as maria (manager) in #ops: /pulse schedule \"0 11 * * FRI\" for:2h\n\
         as maria (manager) in #ops: /pulse schedule \"0 14 * * FRI\" for:2h\n\
         as maria (manager) in #ops: /pulse list\n",
    );
    // Daily at 10 and weekdays at 10 open together; 11:00 on Friday falls inside the daily
    // 10:00-12:00; 14:00 is clear of both.
    assert_eq!(out.matches("would have a pulse open at the same time").count(), 2, "{out}");
    assert!(
        out.contains("Schedule 1 (`0 10 * * *`) would have a pulse open at the same time, on Mon 23 Nov 10:00"),
        "{out}"
    );
    let list = out.split("=== ").last().unwrap();
    assert!(list.contains("Schedule 1: `0 10 * * *`") && list.contains("Schedule 2: `0 14 * * FRI`"), "{list}");
    assert!(!list.contains("MON-FRI") && !list.contains("0 11"), "{list}");
}

#[test]
fn a_crash_while_a_scheduled_pulse_opens_is_repaired_without_a_second_pulse() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("m.db").display());
    let args =
        |clock: &'static str| ["console", "--script", "-", "--clock", clock, "--database", &db].map(str::to_string);
    let first = common::run(
        &args("2026-11-23T01:00Z").iter().map(String::as_str).collect::<Vec<_>>(),
        "as maria (manager) in #ops: /pulse schedule \"0 10 * * FRI\" for:4h\n\
         crash before next post\n\
         advance 5d\n",
    );
    assert_eq!(first.status.code(), Some(70), "died while posting the scheduled pulse");
    let second = meridian(&args("2026-11-27T10:30Z").iter().map(String::as_str).collect::<Vec<_>>(), "advance 1h\n");
    assert_eq!(second.matches("# Pulse #1").count(), 1, "the question is posted once: {second}");
    assert!(!second.contains("# Pulse #2"), "no second pulse: {second}");
    let unfinished = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let pool = sqlx::SqlitePool::connect(&db).await.unwrap();
        let row: (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM posts WHERE delivered_at IS NULL").fetch_one(&pool).await.unwrap();
        row.0
    });
    assert_eq!(unfinished, 0, "every ledger row of the firing is finished");
}

#[test]
fn a_broken_database_is_reported_not_passed_over_in_silence() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("m.db").display());
    meridian(
        &["console", "--script", "-", "--clock", "2026-11-23T01:00Z", "--database", &db],
        "as maria (manager) in #ops: /pulse \"Quick check?\" options:\"Yes,No\" for:1h\n",
    );
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let pool = sqlx::SqlitePool::connect(&db).await.unwrap();
        sqlx::query("DROP TABLE votes").execute(&pool).await.unwrap();
    });
    let out =
        common::run(&["console", "--script", "-", "--clock", "2026-11-23T03:00Z", "--database", &db], "advance 5m\n");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ERROR") && err.contains("pulses failed; will retry"), "{err}");
    assert!(err.contains("no such table: votes"), "the cause is named: {err}");
}

#[test]
fn answers_about_the_wrong_pulse_say_which_ones_there_are() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("m.db").display());
    let out = meridian(
        &["console", "--script", "-", "--clock", "2026-11-23T01:00Z", "--database", &db],
        "as maria (manager) in #ops: /pulse \"Quick check?\" options:\"Yes,No\" for:1d\n\
         as maria (manager) in #ops: /pulse close 999\n\
         as maria (manager) in #ops: /pulse results 999\n\
         as ana in #sales: click 1 1\n\
         as maria (manager) in #ops: /meridian follow IN IN in\n",
    );
    assert!(out.contains("There is no open pulse #999 in this channel; open now: #1."), "{out}");
    assert!(out.contains("There is no pulse #999 in this channel; `/pulse list` shows them."), "{out}");
    assert!(out.contains("That pulse belongs to another channel; answer it there."), "{out}");
    assert!(out.contains("maria set this channel to follow India (IN). It now posts"), "India once: {out}");
}

#[test]
fn the_question_shows_how_many_have_answered_as_time_passes_and_never_who() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("m.db").display());
    let out = meridian(
        &["console", "--script", "-", "--clock", "2026-11-23T01:00Z", "--database", &db],
        "as maria (manager) in #ops: /pulse \"Quick check?\" options:\"Yes,No\" for:2h\n\
         as ana in #ops: click 1 1\n\
         as jose in #ops: click 1 2\n\
         as rico in #ops: click 1 1\n\
         as rico in #ops: click 1 2\n\
         advance 1m\n\
         advance 1m\n\
         as lyn in #ops: click 1 1\n\
         advance 1m\n",
    );
    let updates: Vec<&str> = out.split("=== ").filter(|s| s.starts_with("#ops · post 1 updated")).collect();
    assert_eq!(updates.len(), 2, "one edit per round with new answers, none without: {out}");
    assert!(updates[0].contains("3 answers so far · Anonymous"), "{}", updates[0]);
    assert!(updates[1].contains("4 answers so far"), "{}", updates[1]);
    assert!(updates[0].contains("buttons: [1] Yes  [2] No"), "still open for answers: {}", updates[0]);
    for name in ["ana", "jose", "rico", "lyn"] {
        assert!(!updates[1].contains(name), "no names: {}", updates[1]);
    }
}
