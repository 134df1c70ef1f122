//! The logs' format: human-readable lines on standard error by default, one JSON object per
//! line with `MERIDIAN_LOG_FORMAT=json` (for a log shipper). `MERIDIAN_LOG` filters either.
//! Secrets never reach a log: tokens are `Secret`s that do not print, and no adapter logs a
//! request's headers or a URL with a token in it.

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    /// From `MERIDIAN_LOG_FORMAT`; anything but `json` (or nothing) is text, with a warning
    /// for a value that is neither.
    pub fn from_env() -> (LogFormat, Option<String>) {
        match std::env::var("MERIDIAN_LOG_FORMAT") {
            Ok(v) if v.eq_ignore_ascii_case("json") => (LogFormat::Json, None),
            Ok(v) if v.is_empty() || v.eq_ignore_ascii_case("text") => (LogFormat::Text, None),
            Ok(v) => (LogFormat::Text, Some(format!("MERIDIAN_LOG_FORMAT: '{v}' is not 'json' or 'text'; using text"))),
            Err(_) => (LogFormat::Text, None),
        }
    }
}

/// The format chosen at start, for the few status lines the bot also prints for people.
static FORMAT: std::sync::OnceLock<LogFormat> = std::sync::OnceLock::new();

/// Sets up the process's logging on standard error (standard output is the console's and
/// the commands' own).
pub fn init() {
    use tracing_subscriber::prelude::*;
    let filter = tracing_subscriber::EnvFilter::try_from_env("MERIDIAN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,meridian=info"));
    let (format, complaint) = LogFormat::from_env();
    let _ = FORMAT.set(format);
    // Beside the log lines, a watcher of the Slack connection's end (it prints nothing; the
    // log filter applies to the lines only).
    let registry = tracing_subscriber::registry().with(crate::platforms::slack::liveness::layer());
    let lines = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    match format {
        LogFormat::Text => registry.with(lines.with_filter(filter)).init(),
        LogFormat::Json => {
            registry.with(lines.json().flatten_event(true).with_current_span(false).with_filter(filter)).init()
        }
    }
    if let Some(complaint) = complaint {
        tracing::warn!("{complaint}");
    }
}

/// A status line for the person watching (`meridian: http listening on ...`): printed as is
/// with text logs, and as a log event with JSON logs, so every line of standard error is then
/// JSON.
pub fn status(line: &str) {
    match FORMAT.get() {
        Some(LogFormat::Json) => tracing::info!(target: "meridian::status", "{line}"),
        _ => eprintln!("{line}"),
    }
}

/// The error that ends a command, as [`status`] prints a status line.
pub fn failure(line: &str) {
    match FORMAT.get() {
        Some(LogFormat::Json) => tracing::error!(target: "meridian::status", "{line}"),
        _ => eprintln!("{line}"),
    }
}
