//! What a month of the scheduler posts, per channel and slot and in order, is pinned by a
//! golden file captured before the scheduler was made faster (issue #19): speed must change
//! nothing people see. 50 channels following IN, PH, US and GB in six zones, with varied
//! schedules, lead days, members and weekly pulses, through December 2026 on the console.
//!
//! To re-capture after a deliberate change in what is posted: `MERIDIAN_BLESS=1 cargo test
//! --test scheduler_golden`, and review the diff of the golden file.

mod scenario;

const GOLDEN: &str = "tests/golden/scheduler/december-2026.golden";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_month_of_fifty_channels_posts_exactly_what_the_golden_file_says() {
    let dir = tempfile::tempdir().unwrap();
    let url = scenario::seed(dir.path(), 50, true).await;
    let (mut session, out) = scenario::session(&url).await;
    scenario::december(&mut session).await;
    let actual = scenario::transcript(&out);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(GOLDEN);
    if std::env::var_os("MERIDIAN_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual.join("\n") + "\n").unwrap();
    }
    let expected: Vec<String> = std::fs::read_to_string(&path).unwrap().lines().map(str::to_string).collect();
    // Every channel posted, and reminders went out: the scenario means something.
    assert!(actual.len() > 50 * 10, "only {} messages", actual.len());
    for i in 0..50 {
        let channel = format!("#{} ", scenario::name(i));
        assert!(actual.iter().any(|l| l.contains(&channel)), "{channel} posted nothing");
    }
    if actual != expected {
        let missing: Vec<&String> = expected.iter().filter(|l| !actual.contains(l)).take(20).collect();
        let extra: Vec<&String> = actual.iter().filter(|l| !expected.contains(l)).take(20).collect();
        panic!(
            "{} messages, golden has {}; first missing: {missing:#?}\nfirst unexpected: {extra:#?}",
            actual.len(),
            expected.len()
        );
    }
}
