//! Reactions to posts: counted per emoji and event, with the reactor's region.

use super::*;

pub(super) async fn reactions_are_counted_per_emoji_and_removals_count(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let Claim::Won(post) = s.claim_post(&reminder(channel, "IN:diwali:lead0"), "a", at(DURING)).await.unwrap() else {
        panic!()
    };
    for (user, emoji) in [("U1", "🪔"), ("U2", "🪔"), ("U2", "🎉"), ("U1", "🪔")] {
        s.record_reaction(post, user, emoji, true, at(DURING)).await.unwrap();
    }
    let (from, until) = (at(DURING) - TimeDelta::days(1), at(DURING) + TimeDelta::days(1));
    let counts = |v: Vec<Reaction>| {
        let mut per_emoji = std::collections::BTreeMap::<String, u32>::new();
        for r in v {
            *per_emoji.entry(r.emoji).or_default() += 1;
        }
        per_emoji.into_iter().collect::<Vec<_>>()
    };
    // U1's second 🪔 is the same reaction again, not another.
    assert_eq!(counts(s.reactions(channel, from, until).await.unwrap()), vec![("🎉".into(), 1), ("🪔".into(), 2)]);
    s.record_reaction(post, "U2", "🪔", false, at(DURING)).await.unwrap();
    assert_eq!(counts(s.reactions(channel, from, until).await.unwrap()), vec![("🎉".into(), 1), ("🪔".into(), 1)]);
}

pub(super) async fn reactions_carry_their_occurrence_and_the_reactors_region(db: &TestDb) {
    let s = &db.store;
    let (ws, channel) = a_channel(s).await;
    for (user, region) in [("U1", "IN"), ("U2", "US"), ("U3", "US")] {
        let m = s.upsert_member(ws, user, user).await.unwrap();
        s.set_member_profile(m, &MemberProfile { region: Some(region.parse().unwrap()), ..MemberProfile::default() })
            .await
            .unwrap();
    }
    let post = |occurrence: &'static str| async move {
        match s.claim_post(&reminder(channel, occurrence), "a", at(DURING)).await.unwrap() {
            Claim::Won(p) => p,
            other => panic!("{other:?}"),
        }
    };
    let diwali = post("IN:diwali:lead0").await;
    let july4 = post("US:july4:lead0").await;
    for (p, user, emoji) in [
        (diwali, "U2", "🪔"),
        (diwali, "U2", "🎉"),
        (diwali, "U3", "🪔"),
        (diwali, "U1", "🪔"),
        (diwali, "U9", "👍"),
        (july4, "U1", "🎆"),
    ] {
        s.record_reaction(p, user, emoji, true, at(DURING)).await.unwrap();
    }
    let mut rows: Vec<_> = s
        .reactions(channel, at("2026-03-01T00:00:00Z"), at("2026-03-03T00:00:00Z"))
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.occurrence_key, r.platform_user_id, r.reactor_region, r.emoji))
        .collect();
    rows.sort();
    let row = |key: &str, user: &str, region: Option<&str>, emoji: &str| {
        (key.to_string(), user.to_string(), region.map(str::to_string), emoji.to_string())
    };
    assert_eq!(
        rows,
        vec![
            row("IN:diwali:lead0", "U1", Some("IN"), "🪔"),
            row("IN:diwali:lead0", "U2", Some("US"), "🎉"),
            row("IN:diwali:lead0", "U2", Some("US"), "🪔"),
            row("IN:diwali:lead0", "U3", Some("US"), "🪔"),
            row("IN:diwali:lead0", "U9", None, "👍"),
            row("US:july4:lead0", "U1", Some("IN"), "🎆"),
        ]
    );
    assert!(s.reactions(channel, at("2026-03-03T00:00:00Z"), at("2026-03-04T00:00:00Z")).await.unwrap().is_empty());
}

/// A channel with three reminders of Diwali, a brief, a reminder claimed before the window
/// and another channel's reminder; people reacting to them. Returns the channel.
pub(super) async fn a_channel_reacting_to_diwali(s: &Store) -> ChannelId {
    let (ws, channel) = a_channel(s).await;
    let elsewhere = s.upsert_channel(ws, "C002", "ops").await.unwrap();
    for (user, region) in [("U1", "IN"), ("U2", "US")] {
        let m = s.upsert_member(ws, user, user).await.unwrap();
        s.set_member_profile(m, &MemberProfile { region: Some(region.parse().unwrap()), ..MemberProfile::default() })
            .await
            .unwrap();
    }
    let post = |channel: ChannelId, purpose: &'static str, occurrence: &'static str, claimed: &'static str| async move {
        let key = PostKey { channel, purpose: purpose.parse().unwrap(), occurrence_key: occurrence.into() };
        mine(s.claim_or_reclaim(&key, "a", at(claimed)).await.unwrap())
    };
    let lead7 = post(channel, "reminder", "IN:diwali:2026-11-08:lead7", "2026-11-01T09:00:00Z").await;
    let lead1 = post(channel, "reminder", "IN:diwali:2026-11-08:lead1", "2026-11-07T09:00:00Z").await;
    let lead0 = post(channel, "reminder", "IN:diwali:2026-11-08:lead0", "2026-11-08T09:00:00Z").await;
    let brief = post(channel, "brief", "2026-11-08", "2026-11-08T08:00:00Z").await;
    let before = post(channel, "reminder", "IN:dussehra:2026-10-20:lead0", "2026-10-20T09:00:00Z").await;
    let ops = post(elsewhere, "reminder", "IN:diwali:2026-11-08:lead0", "2026-11-08T09:00:00Z").await;
    let when = at("2026-11-08T10:00:00Z");
    for (p, user, emoji) in [
        (lead7, "U1", "🪔"),
        (lead1, "U1", "🪔"),
        (lead0, "U1", "🪔"),
        (lead0, "U1", "🎉"),
        (lead1, "U2", "🪔"),
        (lead0, "U2", "🪔"),
        (lead0, "U3", "👍"),
        (lead7, "U4", "🪔"),
        (brief, "U1", "👍"),
        (before, "U2", "🪔"),
        (ops, "U2", "🪔"),
    ] {
        s.record_reaction(p, user, emoji, true, when).await.unwrap();
    }
    // U4 thought better of it.
    s.record_reaction(lead7, "U4", "🪔", false, when).await.unwrap();
    channel
}

fn november() -> (DateTime<Utc>, DateTime<Utc>) {
    (at("2026-11-01T00:00:00Z"), at("2026-11-09T00:00:00Z"))
}

pub(super) async fn reactions_list_each_current_reaction_on_the_channels_posts_in_the_window(db: &TestDb) {
    let s = &db.store;
    let channel = a_channel_reacting_to_diwali(s).await;
    let (from, until) = november();
    let mut got: Vec<_> = s
        .reactions(channel, from, until)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.purpose.to_string(), r.occurrence_key, r.platform_user_id, r.reactor_region, r.emoji))
        .collect();
    got.sort();
    let row = |purpose: &str, lead: &str, user: &str, region: Option<&str>, emoji: &str| {
        let occurrence =
            if purpose == "brief" { "2026-11-08".to_string() } else { format!("IN:diwali:2026-11-08:{lead}") };
        (purpose.to_string(), occurrence, user.to_string(), region.map(String::from), emoji.to_string())
    };
    let mut want = vec![
        row("brief", "", "U1", Some("IN"), "👍"),
        row("reminder", "lead0", "U1", Some("IN"), "🎉"),
        row("reminder", "lead0", "U1", Some("IN"), "🪔"),
        row("reminder", "lead0", "U2", Some("US"), "🪔"),
        row("reminder", "lead0", "U3", None, "👍"),
        row("reminder", "lead1", "U1", Some("IN"), "🪔"),
        row("reminder", "lead1", "U2", Some("US"), "🪔"),
        row("reminder", "lead7", "U1", Some("IN"), "🪔"),
    ];
    want.sort();
    assert_eq!(got, want);
    assert!(s.reactions(channel, until, until + TimeDelta::days(30)).await.unwrap().is_empty());
}

pub(super) async fn reactions_count_a_person_once_across_the_reminders_of_one_holiday(db: &TestDb) {
    let s = &db.store;
    let channel = a_channel_reacting_to_diwali(s).await;
    let (from, until) = november();
    // The holiday is the occurrence without its ":leadN".
    let mut people: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> = Default::default();
    for r in s.reactions(channel, from, until).await.unwrap().into_iter().filter(|r| r.purpose == Purpose::Reminder) {
        let (holiday, _lead) = r.occurrence_key.rsplit_once(':').unwrap();
        people.entry(holiday.to_string()).or_default().insert(r.platform_user_id);
    }
    let counts: Vec<_> = people.iter().map(|(holiday, who)| (holiday.as_str(), who.len())).collect();
    assert_eq!(counts, vec![("IN:diwali:2026-11-08", 3)]);
    // Adding up each reminder's reactors would have said 6 (1 + 2 + 3).
    let mut per_post: std::collections::BTreeSet<(String, String)> = Default::default();
    for r in s.reactions(channel, from, until).await.unwrap().into_iter().filter(|r| r.purpose == Purpose::Reminder) {
        per_post.insert((r.occurrence_key, r.platform_user_id));
    }
    assert_eq!(per_post.len(), 6);
}
