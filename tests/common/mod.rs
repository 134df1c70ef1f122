//! What several test files share: running the real `meridian` binary with a script on
//! standard input, the shipped calendars, and short ways to write instants and dates.
// Each test file uses part of this module; the rest is not dead, just elsewhere.
#![allow(dead_code)]

pub mod process;
pub mod recorder;

use chrono::{DateTime, NaiveDate, Utc};
use meridian::calendar::Library;
use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

/// `meridian` as the tests run it: in the repository, with none of the settings the bot reads
/// from the environment (a developer's `DATABASE_URL` or token must not leak into a test);
/// a test sets what it means to.
pub fn meridian() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_meridian"));
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    for key in [
        "DATABASE_URL",
        "DISCORD_TOKEN",
        "SLACK_BOT_TOKEN",
        "SLACK_APP_TOKEN",
        "SLACK_SIGNING_SECRET",
        "MERIDIAN_LOG_FORMAT",
    ] {
        command.env_remove(key);
    }
    command
}

/// Runs `meridian ARGS` with `stdin` piped in.
pub fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = meridian()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("meridian runs");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// [`run`], asserting success; returns standard output.
pub fn stdout(args: &[&str], stdin: &str) -> String {
    let out = run(args, stdin);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "meridian {args:?} failed: {}\n{text}", String::from_utf8_lossy(&out.stderr));
    text
}

/// The shipped calendars, loaded once per test binary.
pub fn library() -> &'static Library {
    static LIBRARY: OnceLock<Library> = OnceLock::new();
    LIBRARY.get_or_init(|| Library::shipped().expect("the shipped calendars load"))
}

/// An RFC 3339 instant.
pub fn utc(text: &str) -> DateTime<Utc> {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}
