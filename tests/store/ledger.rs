//! The post ledger: each post claimed once across restarts and instances, leases, batches.

use super::*;

pub(super) async fn the_first_claim_wins_and_later_ones_see_it_taken(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let key = reminder(channel, "IN:diwali:2026-11-08:lead7");
    let Claim::Won(post) = s.claim_post(&key, "a", at(DURING)).await.unwrap() else {
        panic!("the first claim must win");
    };
    assert_eq!(s.claim_post(&key, "b", at(DURING)).await.unwrap(), Claim::Taken { post, delivered: false });
    s.mark_delivered(post, "C001:1.2", at(DURING)).await.unwrap();
    assert_eq!(s.claim_post(&key, "a", at(DURING)).await.unwrap(), Claim::Taken { post, delivered: true });
    // Another purpose or occurrence in the same channel is another post.
    let brief = PostKey { purpose: Purpose::Brief, ..key.clone() };
    assert!(matches!(s.claim_post(&brief, "a", at(DURING)).await.unwrap(), Claim::Won(_)));
    let lead1 = reminder(channel, "IN:diwali:2026-11-08:lead1");
    assert!(matches!(s.claim_post(&lead1, "a", at(DURING)).await.unwrap(), Claim::Won(_)));
}

pub(super) async fn two_instances_claiming_the_same_post_one_wins(db: &TestDb) {
    let (_, channel) = a_channel(&db.store).await;
    let a = db.store.clone();
    let b = db.second_instance().await;
    for round in 0..20 {
        let key = reminder(channel, &format!("PH:holiday-{round}:lead0"));
        let start = Arc::new(Barrier::new(2));
        let claim = |store: Store, instance: &'static str| {
            let (key, start) = (key.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                store.claim_post(&key, instance, at(DURING)).await.unwrap()
            })
        };
        let (first, second) = (claim(a.clone(), "a"), claim(b.clone(), "b"));
        let claims = [first.await.unwrap(), second.await.unwrap()];
        let winners: Vec<_> = claims
            .iter()
            .filter_map(|c| match c {
                Claim::Won(post) => Some(*post),
                Claim::Taken { .. } => None,
            })
            .collect();
        assert_eq!(winners.len(), 1, "round {round}: {claims:?}");
        assert!(claims.contains(&Claim::Taken { post: winners[0], delivered: false }));
    }
}

pub(super) async fn a_delivered_post_is_found_by_its_message(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let key = reminder(channel, "GB:easter-monday:2026-04-06:lead1");
    let Claim::Won(post) = s.claim_post(&key, "a", at(DURING)).await.unwrap() else { panic!() };
    assert_eq!(s.posts_by_message(channel, "C001:99.1").await.unwrap(), vec![]);
    s.mark_delivered(post, "C001:99.1", at("2026-03-02T12:00:01Z")).await.unwrap();
    let found = s.posts_by_message(channel, "C001:99.1").await.unwrap().remove(0);
    assert_eq!(found.id, post);
    assert_eq!(found.key, key);
    assert_eq!(found.instance_id, "a");
    assert_eq!(found.delivered_at, Some(at("2026-03-02T12:00:01Z")));
    assert_eq!(s.post(post).await.unwrap(), Some(found));
}

pub(super) async fn a_message_id_shared_by_two_channels_finds_each_channels_own_post(db: &TestDb) {
    // Slack's `ts` is unique only within a channel: a reaction in the second channel must
    // find the second channel's post, not the first one's.
    let s = &db.store;
    let (workspace, first) = a_channel(s).await;
    let second = s.upsert_channel(workspace, "C002", "sales").await.unwrap();
    let ts = "1700000000.000100";
    let mut posts = Vec::new();
    for channel in [first, second] {
        let key = reminder(channel, "GB:christmas-day:2026-12-25:lead1");
        let Claim::Won(post) = s.claim_post(&key, "a", at(DURING)).await.unwrap() else { panic!() };
        s.mark_delivered(post, ts, at(DURING)).await.unwrap();
        posts.push(post);
    }
    let ids = |found: Vec<Post>| found.into_iter().map(|p| p.id).collect::<Vec<_>>();
    assert_eq!(ids(s.posts_by_message(first, ts).await.unwrap()), vec![posts[0]]);
    assert_eq!(ids(s.posts_by_message(second, ts).await.unwrap()), vec![posts[1]]);
}

/// The post a [`ClaimOutcome`] hands over; a test fails when there is none.
pub(super) fn mine(outcome: ClaimOutcome) -> PostId {
    match outcome {
        ClaimOutcome::Mine(post) => post,
        other => panic!("expected to own the post, got {other:?}"),
    }
}

pub(super) async fn an_undelivered_claim_is_found_after_a_restart_and_reclaimed_once(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let crashed = s.claim_post(&reminder(channel, "IN:holi:lead0"), "dead", at("2026-03-02T09:00:00Z")).await.unwrap();
    let Claim::Won(crashed) = crashed else { panic!() };
    let Claim::Won(sent) =
        s.claim_post(&reminder(channel, "IN:holi:lead1"), "dead", at("2026-03-02T09:00:00Z")).await.unwrap()
    else {
        panic!()
    };
    s.mark_delivered(sent, "C001:1.1", at("2026-03-02T09:00:01Z")).await.unwrap();

    // Ten minutes later, two instances restart and look for unfinished work.
    let now = at("2026-03-02T09:10:00Z");
    let lease = TimeDelta::minutes(5);
    let pending = s.undelivered_posts(now - lease).await.unwrap();
    assert_eq!(pending.iter().map(|p| p.id).collect::<Vec<_>>(), vec![crashed]);
    // (PostgreSQL measures the lease with its own clock: ten minutes pass there too.)
    db.age_leases(600).await;
    let other = db.second_instance().await;
    let (a, b) = tokio::join!(s.reclaim_post(crashed, "a", now, lease), other.reclaim_post(crashed, "b", now, lease),);
    assert_eq!([a.unwrap(), b.unwrap()].iter().filter(|&&won| won).count(), 1);
    // Freshly reclaimed, it is no longer anyone else's to take.
    assert!(s.undelivered_posts(now - lease).await.unwrap().is_empty());
    assert!(!s.reclaim_post(sent, "c", now, lease).await.unwrap());
}

pub(super) async fn a_fresh_claim_cannot_be_reclaimed(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let Claim::Won(post) =
        s.claim_post(&reminder(channel, "US:july4:lead0"), "alive", at("2026-03-02T09:00:00Z")).await.unwrap()
    else {
        panic!()
    };
    let now = at("2026-03-02T09:01:00Z");
    assert!(!s.reclaim_post(post, "other", now, TimeDelta::minutes(5)).await.unwrap());
    assert_eq!(s.post(post).await.unwrap().unwrap().instance_id, "alive");
}

pub(super) async fn claim_or_reclaim_lets_the_first_caller_send_a_new_post(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let key = reminder(channel, "IN:diwali:2026-11-08:lead7");
    let post = mine(s.claim_or_reclaim(&key, "a", at(DURING)).await.unwrap());
    let claimed = s.post(post).await.unwrap().unwrap();
    assert_eq!((claimed.key, claimed.instance_id.as_str(), claimed.claimed_at), (key, "a", at(DURING)));
    assert_eq!(claimed.delivered_at, None);
}

pub(super) async fn claim_or_reclaim_never_sends_a_delivered_post_again(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let key = reminder(channel, "IN:diwali:2026-11-08:lead1");
    let post = mine(s.claim_or_reclaim(&key, "a", at("2026-03-02T09:00:00Z")).await.unwrap());
    s.mark_delivered(post, "C001:5.1", at("2026-03-02T09:00:01Z")).await.unwrap();
    let other = db.second_instance().await;
    // However long afterwards, and whoever asks.
    for (store, instance) in [(s, "a"), (&other, "b")] {
        let delivered = ClaimOutcome::Delivered;
        assert_eq!(store.claim_or_reclaim(&key, instance, at("2026-03-02T09:00:02Z")).await.unwrap(), delivered);
        assert_eq!(store.claim_or_reclaim(&key, instance, at("2026-03-09T09:00:00Z")).await.unwrap(), delivered);
    }
    assert_eq!(s.post(post).await.unwrap().unwrap().instance_id, "a");
}

pub(super) async fn claim_or_reclaim_takes_over_an_undelivered_claim_at_once_on_sqlite_and_after_two_minutes_on_postgres(
    db: &TestDb,
) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let key = reminder(channel, "PH:rizal-day:2026-12-30:lead0");
    let claimed_at = at("2026-03-02T09:00:00Z");
    let post = mine(s.claim_or_reclaim(&key, "failed", claimed_at).await.unwrap());
    let other = db.second_instance().await;
    let later = |seconds| claimed_at + TimeDelta::seconds(seconds);
    let holder = || async { s.post(post).await.unwrap().unwrap().instance_id };
    match db.kind {
        BackendKind::Sqlite => {
            // One process per file: the claim was left by a failed send or a dead process.
            assert_eq!(other.claim_or_reclaim(&key, "retry", later(1)).await.unwrap(), ClaimOutcome::Mine(post));
            assert_eq!(holder().await, "retry");
        }
        BackendKind::Postgres => {
            // Another live instance may be sending it: it keeps the post for two minutes of
            // the database's clock, whatever instant the asking instance believes it is.
            assert_eq!(other.claim_or_reclaim(&key, "b", later(1)).await.unwrap(), ClaimOutcome::Held);
            assert_eq!(other.claim_or_reclaim(&key, "b", later(3600)).await.unwrap(), ClaimOutcome::Held);
            db.age_leases(110).await;
            assert_eq!(other.claim_or_reclaim(&key, "b", later(1)).await.unwrap(), ClaimOutcome::Held);
            assert_eq!(holder().await, "failed");
            db.age_leases(10).await;
            assert_eq!(other.claim_or_reclaim(&key, "b", later(1)).await.unwrap(), ClaimOutcome::Mine(post));
            assert_eq!(holder().await, "b");
            // Taken over, the post is b's for the next two minutes.
            assert_eq!(s.claim_or_reclaim(&key, "c", later(3600)).await.unwrap(), ClaimOutcome::Held);
            assert_eq!(holder().await, "b");
        }
    }
    assert_eq!(s.post(post).await.unwrap().unwrap().delivered_at, None);
}

pub(super) async fn an_instance_clock_hours_ahead_cannot_take_a_claim_before_its_lease_ends(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let key = reminder(channel, "JP:golden-week:2026-05-03:lead1");
    let post = mine(s.claim_or_reclaim(&key, "alive", at("2026-03-02T09:00:00Z")).await.unwrap());
    let skewed = db.second_instance().await;
    // Its clock runs three hours fast, and it asks with a lease of one minute.
    let ahead = at("2026-03-02T12:00:00Z");
    let taken = skewed.reclaim_post(post, "skewed", ahead, TimeDelta::minutes(1)).await.unwrap();
    match db.kind {
        // One process per file: there is no other instance to be skewed against.
        BackendKind::Sqlite => assert!(taken),
        BackendKind::Postgres => {
            assert!(!taken, "a skewed clock took a claim whose lease (by the database's clock) had not run out");
            assert_eq!(s.post(post).await.unwrap().unwrap().instance_id, "alive");
        }
    }
    skewed.close().await;
}

pub(super) async fn released_claims_are_taken_over_at_once_and_the_ones_being_sent_are_kept(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let owed = reminder(channel, "IN:holi:2026-03-04:lead0");
    let sending = reminder(channel, "IN:holi:2026-03-04:lead1");
    let now = at("2026-03-02T09:00:00Z");
    let owed_post = mine(s.claim_or_reclaim(&owed, "stopping", now).await.unwrap());
    let sending_post = mine(s.claim_or_reclaim(&sending, "stopping", now).await.unwrap());
    let keep = std::collections::HashSet::from([sending.clone()]);
    let released = s.release_claims("stopping", &keep).await.unwrap();
    let other = db.second_instance().await;
    match db.kind {
        BackendKind::Sqlite => assert_eq!(released, 0, "nothing to release: SQLite's lease is zero"),
        BackendKind::Postgres => {
            assert_eq!(released, 1);
            assert_eq!(other.claim_or_reclaim(&owed, "next", now).await.unwrap(), ClaimOutcome::Mine(owed_post));
            assert_eq!(other.claim_or_reclaim(&sending, "next", now).await.unwrap(), ClaimOutcome::Held);
            assert_eq!(s.post(sending_post).await.unwrap().unwrap().instance_id, "stopping");
        }
    }
    other.close().await;
}

pub(super) async fn a_batch_of_claims_answers_each_key_as_claim_or_reclaim_would(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let t = at("2026-03-02T09:00:00Z");
    let delivered = reminder(channel, "IN:diwali:lead1");
    let sent = mine(s.claim_or_reclaim(&delivered, "a", t).await.unwrap());
    s.mark_delivered(sent, "C001:1", t).await.unwrap();
    let left = reminder(channel, "PH:rizal-day:lead0");
    let failed = mine(s.claim_or_reclaim(&left, "failed", t).await.unwrap());
    let fresh = reminder(channel, "GB:christmas:lead7");
    let other = db.second_instance().await;
    // Out of order on purpose: the answers come back in the order asked.
    let keys = [left.clone(), fresh.clone(), delivered.clone()];
    let answers = other.claim_many(&keys, "b", t + TimeDelta::seconds(1)).await.unwrap();
    assert_eq!(answers[2], ClaimOutcome::Delivered);
    let ClaimOutcome::Mine(new_post) = answers[1] else { panic!("{answers:?}") };
    assert_eq!(other.post(new_post).await.unwrap().unwrap().key, fresh);
    match db.kind {
        BackendKind::Sqlite => assert_eq!(answers[0], ClaimOutcome::Mine(failed)),
        BackendKind::Postgres => {
            assert_eq!(answers[0], ClaimOutcome::Held);
            // Two minutes on the database's clock (leases ignore the instances' own): the
            // failed claim is b's now; b's own undelivered claim stays b's to retry.
            db.age_leases(120).await;
            let later = other.claim_many(&keys, "b", t + TimeDelta::minutes(2)).await.unwrap();
            assert_eq!(later, vec![ClaimOutcome::Mine(failed), ClaimOutcome::Mine(new_post), ClaimOutcome::Delivered]);
        }
    }
    assert_eq!(s.post(sent).await.unwrap().unwrap().instance_id, "a");
}

pub(super) async fn two_instances_claiming_overlapping_batches_at_once_send_each_post_once(db: &TestDb) {
    // SQLite has one process per file (and no lease): only PostgreSQL has rival instances.
    if db.kind != BackendKind::Postgres {
        return;
    }
    let (_, channel) = a_channel(&db.store).await;
    let keys: Vec<PostKey> = (0..300).map(|i| reminder(channel, &format!("IN:day-{i:03}:lead0"))).collect();
    let mut reversed = keys.clone();
    reversed.reverse();
    let (a, b) = (db.second_instance().await, db.second_instance().await);
    let t = at(DURING);
    let (x, y) = tokio::join!(a.claim_many(&keys, "a", t), b.claim_many(&reversed, "b", t));
    let (x, mut y) = (x.unwrap(), y.unwrap());
    y.reverse();
    for (i, (x, y)) in x.iter().zip(&y).enumerate() {
        let mine = [x, y].iter().filter(|o| matches!(o, ClaimOutcome::Mine(_))).count();
        assert_eq!(mine, 1, "key {i}: {x:?} and {y:?}");
    }
}

pub(super) async fn a_batch_of_deliveries_and_last_runs_is_recorded_whole(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let t = at(DURING);
    let keys: Vec<PostKey> = (0..5).map(|i| reminder(channel, &format!("US:day-{i}:lead0"))).collect();
    let posts: Vec<PostId> = s.claim_many(&keys, "a", t).await.unwrap().into_iter().map(mine).collect();
    let marks: Vec<(PostId, String)> = posts.iter().map(|p| (*p, "C001:9".to_string())).collect();
    s.mark_delivered_many(&marks, t).await.unwrap();
    for p in &posts {
        let post = s.post(*p).await.unwrap().unwrap();
        assert_eq!((post.delivered_at, post.message_ref.as_deref()), (Some(t), Some("C001:9")));
    }
    assert!(s.mark_delivered_many(&[(PostId(999_999), "x".into())], t).await.is_err());
    s.set_last_run("reminders:1", t).await.unwrap();
    let runs = vec![
        ("reminders:1".to_string(), t - TimeDelta::hours(1)),
        ("reminders:2".to_string(), t),
        ("reminders-start:2".to_string(), t),
        ("brief:2".to_string(), t),
    ];
    s.set_last_runs(&runs).await.unwrap();
    let read = s.last_runs("reminders").await.unwrap();
    assert_eq!(read.len(), 3, "{read:?}");
    // Never backwards, as one at a time.
    assert_eq!(read["reminders:1"], t);
    assert_eq!(read["reminders:2"], t);
    assert_eq!(s.last_run("brief:2").await.unwrap(), Some(t));
}

pub(super) async fn a_run_reads_every_channels_members_pulses_and_events_at_once(db: &TestDb) {
    let s = &db.store;
    let (ws, channel) = a_channel(s).await;
    let other = s.upsert_channel(ws, "C002", "sales").await.unwrap();
    for (id, name, channels) in [("U1", "Zoe", vec![channel]), ("U2", "Ana", vec![channel, other])] {
        let member = s.upsert_member(ws, id, name).await.unwrap();
        for c in channels {
            s.join_channel(c, member).await.unwrap();
        }
    }
    let members = s.members_of_channels(&[channel, other]).await.unwrap();
    for c in [channel, other] {
        let one_by_one: Vec<String> =
            s.members_of_channel(c).await.unwrap().into_iter().map(|m| m.display_name).collect();
        let at_once: Vec<String> = members[&c].iter().map(|m| m.display_name.clone()).collect();
        assert_eq!(at_once, one_by_one);
    }
    a_pulse(s, other).await;
    a_pulse(s, channel).await;
    let pulses = s.all_pulses().await.unwrap();
    for c in [channel, other] {
        let mine: Vec<Pulse> = pulses.iter().filter(|p| p.channel == c).cloned().collect();
        assert_eq!(mine, s.pulses_in_channel(c).await.unwrap());
    }
    let workspaces = s.workspaces().await.unwrap();
    assert_eq!(workspaces[&ws].external_id, "T001");
    assert!(s.all_custom_events().await.unwrap().is_empty());
}
