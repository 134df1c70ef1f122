//! Headline feeds as the network really serves them, from a tiny HTTP server on 127.0.0.1 in
//! this test: a good feed, a slow one, one that answers 500, one that answers garbage, and
//! one that sends 20 MB (with and without saying so up front). The brief still goes out on
//! time, with the good feed's headlines and without the others'; each broken feed is logged
//! once; a headline is not shown twice. Every wait here is bounded: the server's slowest
//! answer is 10 s, the fetch timeout 1 s (2 s in one test), and each test checks how long it
//! took.

mod common;

use common::recorder::Recorder;
use meridian::bot::{Bot, Parts};
use meridian::brief::BriefConfig;
use meridian::chat::{Actor, Capabilities, ChannelRef, Event, PlatformKind, Platforms, ReplyTarget};
use meridian::clock::{Clock, ManualClock};
use meridian::config::Config;
use meridian::service::headlines::Headlines;
use meridian::store::Store;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SLOW: Duration = Duration::from_secs(10);
const TWENTY_MB: usize = 20 * 1024 * 1024;

fn rss(items: &[(&str, &str)]) -> String {
    let mut out = String::from("<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>News</title>\n");
    for (i, (guid, title)) in items.iter().enumerate() {
        out += &format!(
            "<item><title>{title}</title><link>https://news.example/{guid}</link><guid>{guid}</guid>\
             <pubDate>Mon, 0{} Mar 2026 0{i}:00:00 GMT</pubDate></item>\n",
            1 + i / 10
        );
    }
    out + "</channel></rss>\n"
}

/// The test's feed server. `huge_sent` counts the bytes of the 20 MB answers that got out.
struct FeedServer {
    addr: SocketAddr,
    huge_sent: Arc<AtomicUsize>,
}

impl FeedServer {
    fn start() -> FeedServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let huge_sent = Arc::new(AtomicUsize::new(0));
        let sent = huge_sent.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let sent = sent.clone();
                std::thread::spawn(move || answer(stream, &sent));
            }
        });
        FeedServer { addr, huge_sent }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}/{path}", self.addr)
    }
}

fn answer(mut stream: TcpStream, huge_sent: &AtomicUsize) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let mut request = Vec::new();
    let mut buf = [0u8; 2048];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&request);
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
    let reply = |stream: &mut TcpStream, status: &str, body: &str| {
        let _ = write!(
            stream,
            "HTTP/1.1 {status}\r\nContent-Type: application/rss+xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
    };
    match path.as_str() {
        "/good.xml" => reply(
            &mut stream,
            "200 OK",
            &rss(&[
                ("a1", "Heatwave warning for Sydney"),
                ("a2", "Rail works on the weekend"),
                ("a3", "Bank holiday trading hours"),
                ("a4", "Storm clean-up continues"),
            ]),
        ),
        "/slow.xml" => {
            std::thread::sleep(SLOW);
            reply(&mut stream, "200 OK", &rss(&[("s1", "Too late to matter")]));
        }
        "/500.xml" => reply(&mut stream, "500 Internal Server Error", "oops"),
        "/garbage.xml" => reply(&mut stream, "200 OK", "<html><body>Service unavailable \u{0}\u{1}</body>"),
        "/huge.xml" | "/huge-declared.xml" => {
            let length =
                if path == "/huge-declared.xml" { format!("Content-Length: {TWENTY_MB}\r\n") } else { String::new() };
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n{length}Connection: close\r\n\r\n"
            );
            let chunk = vec![b'x'; 64 * 1024];
            let mut total = 0;
            while total < TWENTY_MB {
                match stream.write(&chunk) {
                    Ok(n) => {
                        total += n;
                        huge_sent.fetch_add(n, Ordering::Relaxed);
                    }
                    Err(_) => break,
                }
            }
        }
        _ => reply(&mut stream, "404 Not Found", ""),
    }
}

/// Log lines, captured by a process-wide `tracing` subscriber (a thread-local one misses
/// lines when other tests in this binary run at the same time). Tests tell their lines apart
/// by their own server's port.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).to_string()
    }
}

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logs() -> &'static Logs {
    static LOGS: std::sync::OnceLock<Logs> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Logs::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt().with_writer(move || writer.clone()).with_ansi(false).finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only subscriber of this test binary");
        logs
    })
}

fn config(server: &FeedServer) -> Config {
    config_with_timeout(server, 1)
}

fn config_with_timeout(server: &FeedServer, seconds: u32) -> Config {
    let text = format!(
        "[brief]\nheadlines = 2\nfeed_timeout = \"{seconds}s\"\nfeed_max_bytes = 2000000\n[brief.feeds]\n\
         AU = [\"{}\"]\nGB = [\"{}\", \"{}\"]\nUS = [\"{}\", \"{}\", \"{}\"]\n",
        server.url("good.xml"),
        server.url("slow.xml"),
        server.url("500.xml"),
        server.url("garbage.xml"),
        server.url("huge.xml"),
        server.url("huge-declared.xml"),
    );
    Config::from_toml("meridian.toml", &text).unwrap()
}

#[tokio::test]
async fn each_bad_feed_gives_nothing_within_its_timeout_and_a_20_mb_one_is_not_read_to_the_end() {
    let logs = logs();
    let server = FeedServer::start();
    let config = config(&server);
    let headlines = Headlines::new(&config.brief);
    let au: meridian::calendar::RegionCode = "AU".parse().unwrap();
    let started = Instant::now();
    let good = headlines.collect(&[(au.clone(), server.url("good.xml"))]).await;
    assert_eq!(good.len(), 4);
    assert_eq!(good[0].title, "Storm clean-up continues", "newest first");
    for bad in ["slow.xml", "500.xml", "garbage.xml", "huge.xml", "huge-declared.xml"] {
        let before = Instant::now();
        let got = headlines.collect(&[(au.clone(), server.url(bad))]).await;
        assert!(got.is_empty(), "{bad}: {got:?}");
        assert!(before.elapsed() < Duration::from_secs(3), "{bad} took {:?}", before.elapsed());
    }
    assert!(
        server.huge_sent.load(Ordering::Relaxed) < 2 * TWENTY_MB,
        "the 20 MB answers were dropped, not read through: {} bytes got out",
        server.huge_sent.load(Ordering::Relaxed)
    );
    // Asked again after a fresh start of fetching: no second log line for the same failures.
    headlines.forget_fetched();
    for bad in ["slow.xml", "500.xml", "garbage.xml", "huge.xml", "huge-declared.xml"] {
        assert!(headlines.collect(&[(au.clone(), server.url(bad))]).await.is_empty());
    }
    let logs = logs.text();
    for (bad, why) in [
        ("slow.xml", "no complete answer within 1s"),
        ("500.xml", "answered 500 Internal Server Error"),
        ("garbage.xml", "not an RSS, Atom or JSON feed"),
        ("huge.xml", "larger than 2000000 bytes"),
        ("huge-declared.xml", "larger than 2000000 bytes"),
    ] {
        let url = server.url(bad);
        let lines: Vec<&str> = logs.lines().filter(|l| l.contains(&format!("url={url} "))).collect();
        assert_eq!(lines.len(), 1, "{bad} logged once: {logs:?}");
        assert!(lines[0].contains(why), "{bad}: {}", lines[0]);
    }
    assert!(started.elapsed() < Duration::from_secs(20), "bounded: {:?}", started.elapsed());
}

/// A bot on a fresh database, a recording platform, a manual clock at `start`, and a channel
/// set up for a 08:30 Manila brief on AU, GB and US customers, feeds timing out after
/// `timeout_seconds`.
async fn bot_with_brief(
    server: &FeedServer,
    dir: &std::path::Path,
    start: &str,
    timeout_seconds: u32,
) -> (Arc<Bot>, Arc<Recorder>, ManualClock) {
    let store = Store::connect(&format!("sqlite://{}", dir.join("m.db").display())).await.unwrap();
    let recorder = Recorder::new(PlatformKind::Slack);
    let mut platforms = Platforms::default();
    platforms.add(recorder.clone());
    let clock = ManualClock::new(common::utc(start));
    let parts = Parts::shipped(config_with_timeout(server, timeout_seconds)).unwrap();
    let bot = Arc::new(parts.bot(store, Arc::new(clock.clone()), platforms));
    let channel =
        ChannelRef { platform: PlatformKind::Slack, workspace: "T1".into(), id: "C1".into(), name: "support".into() };
    let manager = Actor { user_id: "maria".into(), display_name: "maria".into(), capabilities: Capabilities::MANAGER };
    for (command, args) in
        [("meridian", "settings tz:Asia/Manila"), ("brief", "regions AU GB US"), ("brief", "time 08:30")]
    {
        let reply = ReplyTarget { channel: channel.clone(), user_id: "maria".into(), handle: "h".into() };
        bot.handle(Event::Command {
            channel: channel.clone(),
            actor: manager.clone(),
            command: command.into(),
            args: args.into(),
            reply,
        })
        .await;
    }
    (bot, recorder, clock)
}

fn briefs(recorder: &Recorder) -> Vec<String> {
    recorder.posts().into_iter().map(|m| m.text).filter(|t| t.starts_with("☀️ Customer brief")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetched_ahead_a_slow_or_broken_feed_never_delays_the_brief_and_no_headline_is_shown_twice() {
    let server = FeedServer::start();
    let dir = tempfile::tempdir().unwrap();
    // Monday 2 March 2026, 08:00 in Manila.
    // A 2 s feed timeout: without the fetch ahead, the brief would wait 2 s for the slow feed.
    let (bot, recorder, clock) = bot_with_brief(&server, dir.path(), "2026-03-02T00:00:00Z", 2).await;
    let scheduler = bot.scheduler();
    scheduler.run_due(clock.now()).await.unwrap();
    // The scheduler wakes ten minutes early to fetch the feeds.
    let wake = scheduler.next_due(common::utc("2026-03-02T00:00:00Z")).await.unwrap();
    assert_eq!(wake, Some(common::utc("2026-03-02T00:20:00Z")));
    clock.set(common::utc("2026-03-02T00:20:00Z"));
    scheduler.run_due(clock.now()).await.unwrap();
    assert!(briefs(&recorder).is_empty(), "nothing posted at the fetch");
    // Ten minutes pass (2.5 s of real time: the slow feed has had its 2 s and timed out).
    tokio::time::sleep(Duration::from_millis(2500)).await;
    clock.set(common::utc("2026-03-02T00:30:00Z"));
    let started = Instant::now();
    scheduler.run_due(clock.now()).await.unwrap();
    assert!(started.elapsed() < Duration::from_millis(1500), "the brief did not wait: {:?}", started.elapsed());
    let monday = briefs(&recorder);
    assert_eq!(monday.len(), 1);
    assert!(
        monday[0].contains("AU · Storm clean-up continues") && monday[0].contains("AU · Bank holiday trading hours"),
        "{}",
        monday[0]
    );
    assert!(!monday[0].contains("Heatwave"), "two per region: {}", monday[0]);
    let news = monday[0].split("📰 Headlines").nth(1).unwrap();
    assert!(!news.contains("GB ·") && !news.contains("US ·"), "no headlines from broken feeds: {}", monday[0]);

    // Tuesday: the same feed, and the two stories already shown are not shown again.
    bot.headlines.forget_fetched();
    for at in ["2026-03-03T00:20:00Z", "2026-03-03T00:30:00Z"] {
        clock.set(common::utc(at));
        scheduler.run_due(clock.now()).await.unwrap();
    }
    let tuesday = briefs(&recorder).pop().unwrap();
    assert!(
        tuesday.contains("AU · Rail works on the weekend") && tuesday.contains("AU · Heatwave warning for Sydney"),
        "{tuesday}"
    );
    assert!(!tuesday.contains("Storm clean-up"), "shown on Monday: {tuesday}");
    assert_eq!(briefs(&recorder).len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_fetch_ahead_the_brief_waits_at_most_one_feed_timeout() {
    let server = FeedServer::start();
    let dir = tempfile::tempdir().unwrap();
    // The bot starts at 08:29:59 and the first run is at 08:30: nothing was fetched ahead.
    let (bot, recorder, clock) = bot_with_brief(&server, dir.path(), "2026-03-02T00:29:59Z", 1).await;
    let scheduler = bot.scheduler();
    scheduler.run_due(clock.now()).await.unwrap();
    clock.set(common::utc("2026-03-02T00:30:00Z"));
    let started = Instant::now();
    scheduler.run_due(clock.now()).await.unwrap();
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(2500),
        "one 1 s timeout and a little grace, not the slow feed's 10 s: {took:?}"
    );
    let posted = briefs(&recorder);
    assert_eq!(posted.len(), 1, "posted at 08:30");
    assert!(posted[0].contains("AU · Storm clean-up continues"), "{}", posted[0]);
    assert!(!posted[0].contains("Too late to matter"));
}

#[test]
fn the_console_posts_the_brief_on_time_with_broken_feeds_configured() {
    let server = FeedServer::start();
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("meridian.toml");
    let mut text = String::new();
    let c = config(&server);
    text += "[brief]\nheadlines = 2\nfeed_timeout = \"1s\"\n[brief.feeds]\n";
    for (region, urls) in &c.brief.feeds {
        let list: Vec<String> = urls.iter().map(|u| format!("\"{u}\"")).collect();
        text += &format!("{region} = [{}]\n", list.join(", "));
    }
    std::fs::write(&config_path, text).unwrap();
    let url = format!("sqlite://{}", dir.path().join("m.db").display());
    let script = "\
as maria (manager) in #support: /meridian settings tz:Asia/Manila
as maria (manager) in #support: /brief regions AU GB US
as maria (manager) in #support: /brief time 08:30
advance 1d
";
    let started = Instant::now();
    let out = common::run(
        &[
            "console",
            "--script",
            "-",
            "--clock",
            "2026-03-02T08:00",
            "--tz",
            "Asia/Manila",
            "--database",
            &url,
            "--config",
            config_path.to_str().unwrap(),
        ],
        script,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(20), "bounded: {:?}", started.elapsed());
    let brief = stdout.split("=== ").find(|p| p.contains("# ☀️ Customer brief")).expect("a brief");
    assert!(brief.starts_with("#support · post 4 · Mon 2026-03-02 08:30 Manila, UTC+8"), "on time: {brief}");
    assert!(brief.contains("📰 *Headlines*"), "{brief}");
    assert!(brief.contains("AU · Storm clean-up continues <https://news.example/a4>"), "{brief}");
    assert!(!brief.contains("Too late"), "{brief}");
    assert_eq!(stderr.matches(&server.url("500.xml")).count(), 1, "logged once: {stderr}");
    // The feed server also proves the default of `[brief]` reads as documented.
    assert_eq!(BriefConfig::default().headlines, 3);
}
