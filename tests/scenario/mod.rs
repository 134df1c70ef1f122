//! The scheduler scenario of issue #19, shared by the golden test (`tests/scheduler_golden.rs`)
//! and the benchmark (`benches/scheduler.rs`): channels on the console, each following IN, PH,
//! US and GB, in a mix of zones, schedules and lead days, a few with members and a weekly
//! pulse, run through December 2026 by the console's own `advance`.

#![allow(dead_code)]

use chrono::{DateTime, TimeDelta, Utc};
use meridian::bot::Parts;
use meridian::config::Config;
use meridian::platforms::console::{Session, SessionOptions};
use meridian::store::{ChannelSettings, MemberProfile, NewPulseSchedule, Platform, Store};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const REGIONS: [&str; 4] = ["IN", "PH", "US", "GB"];
const ZONES: [chrono_tz::Tz; 6] = [
    chrono_tz::UTC,
    chrono_tz::Asia::Kolkata,
    chrono_tz::Asia::Manila,
    chrono_tz::America::New_York,
    chrono_tz::Europe::London,
    chrono_tz::America::Los_Angeles,
];

pub fn start() -> DateTime<Utc> {
    "2026-12-01T00:00:00Z".parse().unwrap()
}

/// Channel `i`'s name: `c0001`.
pub fn name(i: usize) -> String {
    format!("c{i:04}")
}

/// Writes `channels` channels into a new SQLite file in `dir` and returns its URL.
/// With `varied`, channels differ in schedule, lead days, members and pulses; without, every
/// channel has the defaults (the measurement), only the zones vary.
pub async fn seed(dir: &std::path::Path, channels: usize, varied: bool) -> String {
    let url = format!("sqlite://{}", dir.join("scenario.db").display());
    let store = Store::connect(&url).await.unwrap();
    let workspace = store.upsert_workspace(Platform::Console, "console", "console").await.unwrap();
    for i in 0..channels {
        let id = store.upsert_channel(workspace, &name(i), &name(i)).await.unwrap();
        store.follow_regions(id, &REGIONS).await.unwrap();
        let mut settings = ChannelSettings { timezone: ZONES[i % ZONES.len()], ..ChannelSettings::default() };
        if varied {
            if i % 5 == 1 {
                settings.reminder_schedule = "0 10 * * MON-FRI".parse().unwrap();
            }
            if i % 7 == 2 {
                settings.reminder_schedule = "30 8 * * *".parse().unwrap();
                settings.lead_days = vec![14, 3, 0];
            }
            if i % 11 == 3 {
                settings.reminder_schedule = "0 9,15 * * MON,WED,FRI".parse().unwrap();
            }
            if i % 9 == 4 {
                for (n, region) in REGIONS.iter().enumerate() {
                    let member =
                        store.upsert_member(workspace, &format!("u{i}-{n}"), &format!("Member {i}-{n}")).await.unwrap();
                    let profile = MemberProfile { region: Some(region.parse().unwrap()), ..MemberProfile::default() };
                    store.set_member_profile(member, &profile).await.unwrap();
                    store.join_channel(id, member).await.unwrap();
                }
            }
            if i % 13 == 5 {
                let schedule = NewPulseSchedule {
                    channel: id,
                    cron: "0 10 * * FRI".parse().unwrap(),
                    theme: None,
                    duration: TimeDelta::days(2),
                    created_by: "priya".into(),
                };
                store.save_pulse_schedule(&schedule).await.unwrap();
            }
        }
        store.update_channel_settings(id, &settings).await.unwrap();
    }
    store.close().await;
    url
}

/// A console session on the seeded database at the start of December, writing to a buffer.
pub async fn session(url: &str) -> (Session, Arc<Mutex<Vec<u8>>>) {
    let env = HashMap::from([("DATABASE_URL".to_string(), url.to_string())]);
    let parts = Parts::shipped(Config::load(None, &env).unwrap()).unwrap();
    let out = Arc::new(Mutex::new(Vec::<u8>::new()));
    let options = SessionOptions { parts, start: start(), tz: chrono_tz::UTC, out: out.clone() };
    (Session::start(options).await.unwrap(), out)
}

/// Runs December through the console, as `advance 31d` does.
pub async fn december(session: &mut Session) {
    session.run_line(1, "advance 31d").await.unwrap();
}

/// What people saw, one line per message: when, where, a digest of the text, and its first
/// line. Messages are ordered by time and then channel: each channel's own order is kept, and
/// the order between channels at one instant (which sends run concurrently) does not matter.
pub fn transcript(out: &Arc<Mutex<Vec<u8>>>) -> Vec<String> {
    let text = String::from_utf8(out.lock().unwrap().clone()).unwrap();
    let mut messages: Vec<(String, String, usize, String)> = Vec::new();
    let mut current: Option<(String, String, Vec<String>)> = None;
    let finish = |m: Option<(String, String, Vec<String>)>, messages: &mut Vec<(String, String, usize, String)>| {
        if let Some((when, heading, body)) = m {
            let body = body.join("\n");
            let digest = hex::encode(&Sha256::digest(body.trim().as_bytes())[..6]);
            let first = body.lines().next().unwrap_or_default().to_string();
            let order = messages.len();
            messages.push((when, heading, order, format!("{digest} {first}")));
        }
    };
    for line in text.lines() {
        if let Some(heading) = line.strip_prefix("=== ") {
            finish(current.take(), &mut messages);
            // "#c0001 · post 12 · Tue 2026-12-01 09:00 UTC": the post number counts across
            // channels, so it is left out.
            let parts: Vec<&str> = heading.split(" · ").collect();
            let when = parts.last().unwrap().to_string();
            let heading: Vec<&str> =
                parts[..parts.len() - 1].iter().copied().filter(|p| !p.starts_with("post ")).collect();
            current = Some((when, heading.join(" · "), Vec::new()));
        } else if let Some((_, _, body)) = current.as_mut() {
            body.push(line.to_string());
        }
    }
    finish(current.take(), &mut messages);
    // Stable: a channel's messages at one instant keep their order.
    messages.sort_by(|a, b| (sortable(&a.0), &a.1).cmp(&(sortable(&b.0), &b.1)));
    messages.into_iter().map(|(when, heading, _, rest)| format!("{when} {heading} {rest}")).collect()
}

/// "Tue 2026-12-01 09:00 UTC" sorts by its date and time.
fn sortable(when: &str) -> String {
    when.split_whitespace().skip(1).collect::<Vec<_>>().join(" ")
}
