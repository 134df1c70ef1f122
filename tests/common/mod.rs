//! Running the real `meridian` binary from tests, with a script on standard input.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs `meridian ARGS` in the repository with `stdin` piped in; no `DATABASE_URL` leaks in.
pub fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_meridian"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("DATABASE_URL")
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
