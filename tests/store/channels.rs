//! Workspaces and channels: settings, followed and customer regions, brief settings and events.

use super::*;

pub(super) async fn a_workspace_is_known_by_platform_and_external_id(db: &TestDb) {
    let s = &db.store;
    let acme = s.upsert_workspace(Platform::Slack, "T001", "Acme").await.unwrap();
    let renamed = s.upsert_workspace(Platform::Slack, "T001", "Acme Corp").await.unwrap();
    let guild = s.upsert_workspace(Platform::Discord, "T001", "Same id, other platform").await.unwrap();
    assert_eq!(acme, renamed);
    assert_ne!(acme, guild);
    let ws = s.workspace(acme).await.unwrap().unwrap();
    assert_eq!((ws.platform, ws.external_id.as_str(), ws.name.as_str()), (Platform::Slack, "T001", "Acme Corp"));
    assert_eq!(s.workspace(WorkspaceId(999_999)).await.unwrap(), None);
}

pub(super) async fn a_new_channel_gets_the_configured_defaults(db: &TestDb) {
    let defaults = ChannelSettings {
        timezone: chrono_tz::Asia::Manila,
        reminder_schedule: PostingSchedule::parse("30 8 * * MON-FRI").unwrap(),
        lead_days: vec![3, 0],
        brief_time: Some(time(8, 0)),
    };
    let s = db.store.clone().with_channel_defaults(defaults.clone());
    let (_, plain) = a_channel(&db.store).await;
    let ws = s.upsert_workspace(Platform::Console, "local", "Console").await.unwrap();
    let configured = s.upsert_channel(ws, "ops", "ops").await.unwrap();
    assert_eq!(db.store.channel(plain).await.unwrap().unwrap().settings, ChannelSettings::default());
    assert_eq!(s.channel(configured).await.unwrap().unwrap().settings, defaults);
}

pub(super) async fn a_known_channel_keeps_its_settings_when_seen_again(db: &TestDb) {
    let s = &db.store;
    let (ws, channel) = a_channel(s).await;
    let settings = ChannelSettings { timezone: chrono_tz::Europe::London, ..ChannelSettings::default() };
    s.update_channel_settings(channel, &settings).await.unwrap();
    let again = s.upsert_channel(ws, "C001", "support-renamed").await.unwrap();
    assert_eq!(again, channel);
    let c = s.channel(channel).await.unwrap().unwrap();
    assert_eq!(c.name, "support-renamed");
    assert_eq!(c.settings, settings);
}

pub(super) async fn channel_settings_round_trip(db: &TestDb) {
    let s = &db.store;
    let (ws, channel) = a_channel(s).await;
    let settings = ChannelSettings {
        timezone: chrono_tz::America::Sao_Paulo,
        reminder_schedule: PostingSchedule::parse("0 10 * * 1-5").unwrap(),
        lead_days: vec![14, 7, 1, 0],
        brief_time: Some(time(7, 45)),
    };
    s.update_channel_settings(channel, &settings).await.unwrap();
    let c = s.channel(channel).await.unwrap().unwrap();
    assert_eq!(c.settings, settings);
    assert_eq!((c.workspace, c.platform, c.external_id.as_str()), (ws, Platform::Slack, "C001"));
    let no_brief = ChannelSettings { brief_time: None, ..settings };
    s.update_channel_settings(channel, &no_brief).await.unwrap();
    assert_eq!(s.channel(channel).await.unwrap().unwrap().settings, no_brief);
    assert!(matches!(s.update_channel_settings(ChannelId(999_999), &no_brief).await, Err(StoreError::NotFound { .. })));
}

pub(super) async fn following_a_region_twice_follows_it_once(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    s.follow_regions(channel, &["IN", "ph"]).await.unwrap();
    s.follow_regions(channel, &["IN", "GB-SCT"]).await.unwrap();
    assert_eq!(s.followed_regions(channel).await.unwrap(), vec!["GB-SCT", "IN", "PH"]);
}

pub(super) async fn unfollowing_removes_only_those_regions(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    s.follow_regions(channel, &["IN", "PH", "US"]).await.unwrap();
    s.set_customer_regions(channel, &["IN"]).await.unwrap();
    s.unfollow_regions(channel, &["IN", "BR"]).await.unwrap();
    let c = s.channel(channel).await.unwrap().unwrap();
    assert_eq!(c.followed_regions, vec!["PH", "US"]);
    assert_eq!(c.customer_regions, vec!["IN"], "customer regions untouched");
}

pub(super) async fn customer_regions_are_replaced_as_a_whole(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    s.set_customer_regions(channel, &["US", "GB"]).await.unwrap();
    s.set_customer_regions(channel, &["AU"]).await.unwrap();
    let c = s.channel(channel).await.unwrap().unwrap();
    assert_eq!(c.customer_regions, vec!["AU"]);
    assert!(c.followed_regions.is_empty());
}

pub(super) async fn brief_settings_default_until_set_and_round_trip(db: &TestDb) {
    use meridian::brief::{BriefDays, BriefSettings, QuietDay};
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    assert_eq!(s.brief_settings(channel).await.unwrap(), BriefSettings::default());
    let every = BriefSettings { days: BriefDays::Every, quiet: QuietDay::Silent };
    s.set_brief_settings(channel, &every).await.unwrap();
    assert_eq!(s.brief_settings(channel).await.unwrap(), every);
    let back = BriefSettings { days: BriefDays::Working, ..every };
    s.set_brief_settings(channel, &back).await.unwrap();
    assert_eq!(s.brief_settings(channel).await.unwrap(), back);
}

pub(super) async fn brief_events_belong_to_their_channel(db: &TestDb) {
    let s = &db.store;
    let (ws, support) = a_channel(s).await;
    let ops = s.upsert_channel(ws, "C002", "ops").await.unwrap();
    let event = |channel, region: &str, on: &str, name: &str| NewBriefEvent {
        channel,
        region: region.into(),
        date: date(on),
        name: name.into(),
        created_by: "U1".into(),
    };
    let sale = s.add_brief_event(&event(support, "au", "2027-03-05", "End-of-financial-year sale")).await.unwrap();
    s.add_brief_event(&event(support, "GB", "2027-01-02", "January sales")).await.unwrap();
    let other = s.add_brief_event(&event(ops, "US", "2027-01-01", "Not support's")).await.unwrap();
    let mine = s.brief_events(support).await.unwrap();
    let names: Vec<(&str, &str)> = mine.iter().map(|e| (e.region.as_str(), e.name.as_str())).collect();
    assert_eq!(names, [("GB", "January sales"), ("AU", "End-of-financial-year sale")], "by date, codes upper case");
    assert!(!s.remove_brief_event(support, other).await.unwrap(), "another channel's event stays");
    assert!(s.remove_brief_event(support, sale).await.unwrap());
    assert!(!s.remove_brief_event(support, sale).await.unwrap());
    assert_eq!(s.brief_events(support).await.unwrap().len(), 1);
    assert_eq!(s.brief_events(ops).await.unwrap().len(), 1);
}

pub(super) async fn a_headline_shown_on_an_earlier_day_is_known_and_the_first_showing_is_kept(db: &TestDb) {
    let s = &db.store;
    let (ws, support) = a_channel(s).await;
    let ops = s.upsert_channel(ws, "C002", "ops").await.unwrap();
    let keys = vec!["a".to_string(), "b".to_string()];
    s.record_headlines(support, &keys, date("2026-03-02")).await.unwrap();
    // Shown again the next day (it should not be, but a second record keeps the first date).
    s.record_headlines(support, &keys[..1], date("2026-03-03")).await.unwrap();
    let asked = vec!["a".to_string(), "b".to_string(), "c".to_string()];
    let shown = s.headlines_shown_before(support, &asked, date("2026-03-03")).await.unwrap();
    assert_eq!(shown.len(), 2);
    assert!(shown.contains("a") && shown.contains("b"));
    assert!(
        s.headlines_shown_before(support, &asked, date("2026-03-02")).await.unwrap().is_empty(),
        "the same day's brief may show them again"
    );
    assert!(s.headlines_shown_before(ops, &asked, date("2026-03-04")).await.unwrap().is_empty(), "per channel");
    s.record_headlines(support, &[], date("2026-03-04")).await.unwrap();
}

pub(super) async fn the_scheduler_sees_every_channel_with_its_regions(db: &TestDb) {
    let s = &db.store;
    let (ws, first) = a_channel(s).await;
    let second = s.upsert_channel(ws, "C002", "ops").await.unwrap();
    s.follow_regions(first, &["IN"]).await.unwrap();
    s.follow_regions(second, &["PH", "US"]).await.unwrap();
    s.set_customer_regions(second, &["GB"]).await.unwrap();
    let channels = s.channels().await.unwrap();
    let summary: Vec<_> =
        channels.iter().map(|c| (c.id, c.followed_regions.clone(), c.customer_regions.clone())).collect();
    assert_eq!(
        summary,
        vec![(first, vec!["IN".to_string()], vec![]), (second, vec!["PH".into(), "US".into()], vec!["GB".into()]),]
    );
}

pub(super) async fn the_same_platform_id_in_two_workspaces_is_two_channels(db: &TestDb) {
    let s = &db.store;
    let (ws, channel) = a_channel(s).await;
    let other_ws = s.upsert_workspace(Platform::Discord, "G1", "Guild").await.unwrap();
    let other = s.upsert_channel(other_ws, "C001", "support").await.unwrap();
    assert_ne!(channel, other);
    assert_eq!(s.upsert_channel(other_ws, "C001", "support").await.unwrap(), other, "found again, not added");
    let mut seen: Vec<_> = s.channels().await.unwrap().into_iter().map(|c| (c.id, c.workspace)).collect();
    seen.sort();
    assert_eq!(seen, vec![(channel, ws), (other, other_ws)]);
    assert_eq!(s.channel(other).await.unwrap().unwrap().platform, Platform::Discord);
    assert_eq!(s.channel(ChannelId(999_999)).await.unwrap(), None);
}
