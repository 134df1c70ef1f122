//! Pulses and votes: anonymity by construction, one vote per person, closing and sealing, schedules.

use super::*;

pub(super) async fn a_pulse_round_trips_with_its_options(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let id = a_pulse(s, channel).await;
    s.set_pulse_message(id, "C001:1700000000.000100").await.unwrap();
    let pulse = s.pulse(id).await.unwrap().unwrap();
    assert_eq!(
        pulse,
        Pulse {
            id,
            channel,
            question: "How manageable was your workload this week?".into(),
            question_id: Some("workload-1".into()),
            theme: Some("workload".into()),
            options: vec!["Too much".into(), "About right".into(), "Too little".into()],
            opens_at: at("2026-03-02T09:00:00Z"),
            closes_at: at("2026-03-03T09:00:00Z"),
            created_by: "U900".into(),
            closed_at: None,
            message_ref: Some("C001:1700000000.000100".into()),
        }
    );
    assert!(pulse.is_open());
    assert_eq!(s.pulses_in_channel(channel).await.unwrap(), vec![pulse]);
}

pub(super) async fn a_first_vote_counts(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let pulse = a_pulse(s, channel).await;
    let outcome = s.record_vote(pulse, "U1", 1, None, at(DURING)).await.unwrap();
    assert_eq!(outcome, VoteOutcome::First);
    assert_eq!(s.voter_count(pulse).await.unwrap(), 1);
    assert_eq!(s.vote_counts(pulse).await.unwrap(), vec![VoteCount { choice: 1, segment: None, count: 1 }]);
}

pub(super) async fn a_changed_vote_counts_once(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let pulse = a_pulse(s, channel).await;
    s.record_vote(pulse, "U1", 0, Some("IN"), at(DURING)).await.unwrap();
    let outcome = s.record_vote(pulse, "U1", 2, Some("IN"), at(DURING)).await.unwrap();
    assert_eq!(outcome, VoteOutcome::Changed);
    let again = s.record_vote(pulse, "U1", 0, Some("IN"), at(DURING)).await.unwrap();
    assert_eq!(again, VoteOutcome::Changed);
    assert_eq!(s.voter_count(pulse).await.unwrap(), 1);
    assert_eq!(
        s.vote_counts(pulse).await.unwrap(),
        vec![VoteCount { choice: 0, segment: Some("IN".into()), count: 1 }]
    );
}

pub(super) async fn clicking_the_same_choice_again_changes_nothing(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let pulse = a_pulse(s, channel).await;
    s.record_vote(pulse, "U1", 1, None, at(DURING)).await.unwrap();
    let outcome = s.record_vote(pulse, "U1", 1, None, at(DURING)).await.unwrap();
    assert_eq!(outcome, VoteOutcome::Unchanged);
    assert_eq!(s.voter_count(pulse).await.unwrap(), 1);
}

pub(super) async fn votes_are_counted_per_choice_and_segment(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let pulse = a_pulse(s, channel).await;
    let other = a_pulse(s, channel).await;
    let votes =
        [("U1", 0, Some("IN")), ("U2", 0, Some("IN")), ("U3", 0, Some("PH")), ("U4", 1, Some("PH")), ("U5", 1, None)];
    for (voter, choice, segment) in votes {
        s.record_vote(pulse, voter, choice, segment, at(DURING)).await.unwrap();
    }
    // The same person in another pulse is another voter there, and does not count here.
    s.record_vote(other, "U1", 2, Some("IN"), at(DURING)).await.unwrap();
    let count = |choice, segment: Option<&str>, count| VoteCount { choice, segment: segment.map(String::from), count };
    assert_eq!(
        s.vote_counts(pulse).await.unwrap(),
        vec![count(0, Some("IN"), 2), count(0, Some("PH"), 1), count(1, Some("PH"), 1), count(1, None, 1),]
    );
    assert_eq!(s.voter_count(pulse).await.unwrap(), 5);
    assert_eq!(s.voter_count(other).await.unwrap(), 1);
}

pub(super) async fn a_vote_row_holds_neither_the_voter_id_nor_a_plain_hash_of_it(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let pulse = a_pulse(s, channel).await;
    let voter = "U024BE7LH";
    s.record_vote(pulse, voter, 1, Some("IN"), at(DURING)).await.unwrap();
    let rows = db.raw_votes().await;
    assert_eq!(rows.len(), 1);
    let (pulse_id, hash, choice, segment, _) = &rows[0];
    assert_eq!((*pulse_id, *choice, segment.as_deref()), (pulse.0, 1, Some("IN")));
    assert_eq!(hash.len(), 32);
    assert!(!hash.windows(voter.len()).any(|w| w == voter.as_bytes()));
    // Not a hash anyone could recompute from the id alone.
    assert_ne!(hash.as_slice(), Sha256::digest(voter.as_bytes()).as_slice());
    let mut unkeyed = pulse.0.to_be_bytes().to_vec();
    unkeyed.extend_from_slice(voter.as_bytes());
    assert_ne!(hash.as_slice(), Sha256::digest(&unkeyed).as_slice());
}

pub(super) async fn the_nudge_can_tell_who_voted_only_while_the_pulse_is_open(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let pulse = a_pulse(s, channel).await;
    s.record_vote(pulse, "U1", 0, None, at(DURING)).await.unwrap();
    assert_eq!(s.has_voted(pulse, "U1").await.unwrap(), Some(true));
    assert_eq!(s.has_voted(pulse, "U2").await.unwrap(), Some(false));
    s.close_pulse(pulse, at(DURING)).await.unwrap();
    assert_eq!(s.has_voted(pulse, "U1").await.unwrap(), None);
    assert_eq!(s.has_voted(pulse, "U2").await.unwrap(), None);
}

pub(super) async fn closing_a_pulse_destroys_its_key(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let first = a_pulse(s, channel).await;
    let _second = a_pulse(s, channel).await;
    assert_eq!(db.raw_count("pulse_keys").await, 2);
    s.record_vote(first, "U1", 0, None, at(DURING)).await.unwrap();
    s.close_pulse(first, at(DURING)).await.unwrap();
    assert_eq!(db.raw_count("pulse_keys").await, 1);
    // The counts survive the key.
    assert_eq!(s.voter_count(first).await.unwrap(), 1);
}

pub(super) async fn a_vote_after_the_close_is_refused(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let pulse = a_pulse(s, channel).await;
    s.close_pulse(pulse, at(DURING)).await.unwrap();
    let result = s.record_vote(pulse, "U1", 0, None, at(DURING)).await;
    assert!(matches!(result, Err(StoreError::PulseClosed(p)) if p == pulse));
    assert_eq!(s.voter_count(pulse).await.unwrap(), 0);
}

pub(super) async fn a_vote_after_the_closing_time_is_refused_before_the_scheduler_closes_it(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let pulse = a_pulse(s, channel).await;
    let late = at("2026-03-03T09:00:00Z");
    let result = s.record_vote(pulse, "U1", 0, None, late).await;
    assert!(matches!(result, Err(StoreError::PulseClosed(_))));
    assert_eq!(s.voter_count(pulse).await.unwrap(), 0);
}

pub(super) async fn a_vote_for_an_option_that_does_not_exist_is_refused(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let pulse = a_pulse(s, channel).await;
    let result = s.record_vote(pulse, "U1", 3, None, at(DURING)).await;
    assert!(matches!(result, Err(StoreError::NoSuchChoice { choice: 3, options: 3, .. })));
    // A refused vote in a batch does not spoil the others.
    s.record_vote(pulse, "U2", 2, None, at(DURING)).await.unwrap();
    assert_eq!(s.voter_count(pulse).await.unwrap(), 1);
}

pub(super) async fn a_vote_in_an_unknown_pulse_is_refused(db: &TestDb) {
    let result = db.store.record_vote(PulseId(999_999), "U1", 0, None, at(DURING)).await;
    assert!(matches!(result, Err(StoreError::NotFound { what: "pulse", .. })));
}

pub(super) async fn closing_a_pulse_twice_closes_it_once(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let pulse = a_pulse(s, channel).await;
    let other_instance = db.second_instance().await;
    let (a, b) = tokio::join!(
        s.close_pulse(pulse, at("2026-03-03T09:00:00Z")),
        other_instance.close_pulse(pulse, at("2026-03-03T09:00:01Z")),
    );
    assert_eq!([a.unwrap(), b.unwrap()].iter().filter(|&&won| won).count(), 1);
    assert!(!s.close_pulse(pulse, at("2026-03-04T00:00:00Z")).await.unwrap());
    assert!(!s.pulse(pulse).await.unwrap().unwrap().is_open());
    assert!(matches!(s.close_pulse(PulseId(999_999), at(DURING)).await, Err(StoreError::NotFound { .. })));
}

pub(super) async fn open_pulses_leave_out_closed_ones(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let closed = a_pulse(s, channel).await;
    let open = a_pulse(s, channel).await;
    s.close_pulse(closed, at(DURING)).await.unwrap();
    let ids: Vec<_> =
        s.pulses_in_channel(channel).await.unwrap().iter().filter(|p| p.is_open()).map(|p| p.id).collect();
    assert_eq!(ids, vec![open]);
    let closed = s.pulse(closed).await.unwrap().unwrap();
    assert_eq!(closed.closed_at, Some(at(DURING)));
    assert_eq!(s.pulses_in_channel(channel).await.unwrap().len(), 2);
}

pub(super) async fn many_concurrent_votes_are_all_counted(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let pulse = a_pulse(s, channel).await;
    let second = db.second_instance().await;
    let mut tasks = Vec::new();
    for i in 0..400u32 {
        // Half the clicks arrive at another instance of the bot.
        let store = if i % 2 == 0 { s.clone() } else { second.clone() };
        tasks.push(tokio::spawn(
            async move { store.record_vote(pulse, &format!("U{i}"), i % 3, None, at(DURING)).await },
        ));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), VoteOutcome::First);
    }
    assert_eq!(s.voter_count(pulse).await.unwrap(), 400);
    let total: u32 = s.vote_counts(pulse).await.unwrap().iter().map(|c| c.count).sum();
    assert_eq!(total, 400);
}

pub(super) async fn a_voter_clicking_many_times_at_once_is_one_voter(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let pulse = a_pulse(s, channel).await;
    let second = db.second_instance().await;
    let mut tasks = Vec::new();
    for i in 0..60u32 {
        let store = if i % 2 == 0 { s.clone() } else { second.clone() };
        tasks.push(tokio::spawn(async move {
            store.record_vote(pulse, "U-impatient", i % 3, None, at(DURING)).await.unwrap()
        }));
    }
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    let firsts = outcomes.iter().filter(|&&o| o == VoteOutcome::First).count();
    assert_eq!(firsts, 1, "{outcomes:?}");
    assert_eq!(s.voter_count(pulse).await.unwrap(), 1);
}

pub(super) async fn a_vote_racing_the_close_is_counted_before_it_or_refused(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let pulse = a_pulse(s, channel).await;
    let closer = db.second_instance().await;
    let mut tasks = Vec::new();
    for i in 0..300u32 {
        let store = s.clone();
        tasks.push(tokio::spawn(async move { store.record_vote(pulse, &format!("U{i}"), 0, None, at(DURING)).await }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    assert!(closer.close_pulse(pulse, at(DURING)).await.unwrap());
    let counted_at_close = closer.voter_count(pulse).await.unwrap();
    let mut acknowledged = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => acknowledged += 1,
            Err(StoreError::PulseClosed(_)) => {}
            Err(other) => panic!("unexpected {other}"),
        }
    }
    // Every acknowledged vote was in the count taken right after the close; none came later.
    assert_eq!(counted_at_close, acknowledged);
    assert_eq!(s.voter_count(pulse).await.unwrap(), acknowledged);
}

/// Votes a pulse in: `(voter, choice, segment)`.
pub(super) async fn votes(store: &Store, pulse: PulseId, votes: &[(&str, u32, Option<&str>)]) {
    for &(voter, choice, segment) in votes {
        store.record_vote(pulse, voter, choice, segment, at(DURING)).await.unwrap();
    }
}

const SIX_IN_ONE_US: [(&str, u32, Option<&str>); 7] = [
    ("U1", 0, Some("IN")),
    ("U2", 0, Some("IN")),
    ("U3", 0, Some("IN")),
    ("U4", 1, Some("IN")),
    ("U5", 1, Some("IN")),
    ("U6", 2, Some("IN")),
    ("U7", 2, Some("US")),
];

pub(super) async fn sealing_a_closed_pulse_folds_the_regions_its_results_did_not_show(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let pulse = a_pulse(s, channel).await;
    votes(s, pulse, &SIX_IN_ONE_US).await;
    s.close_pulse(pulse, at("2026-03-03T09:00:00Z")).await.unwrap();
    // The results showed India (six people) and folded the one American into "other".
    s.seal_votes(pulse, &["IN".to_string()]).await.unwrap();
    let count = |choice, segment: Option<&str>, count| VoteCount { choice, segment: segment.map(String::from), count };
    let sealed = vec![count(0, Some("IN"), 3), count(1, Some("IN"), 2), count(2, Some("IN"), 1), count(2, None, 1)];
    assert_eq!(s.vote_counts(pulse).await.unwrap(), sealed);
    assert_eq!(s.voter_count(pulse).await.unwrap(), 7);
    // Sealing again changes nothing; region codes are matched as the store keeps them.
    s.seal_votes(pulse, &["in".to_string()]).await.unwrap();
    assert_eq!(s.vote_counts(pulse).await.unwrap(), sealed);
}

pub(super) async fn after_sealing_no_vote_row_names_an_undisclosed_region_or_a_change_of_mind(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let pulse = a_pulse(s, channel).await;
    let unsealed = a_pulse(s, channel).await;
    let no_breakdown = a_pulse(s, channel).await;
    votes(s, pulse, &SIX_IN_ONE_US).await;
    // The American changed their answer twice; only the vote row could tell.
    votes(s, pulse, &[("U7", 0, Some("US")), ("U7", 2, Some("US"))]).await;
    votes(s, unsealed, &[("U7", 1, Some("US"))]).await;
    votes(s, no_breakdown, &[("U1", 0, Some("IN")), ("U7", 1, Some("US")), ("U8", 1, None)]).await;
    for p in [pulse, no_breakdown] {
        s.close_pulse(p, at("2026-03-03T09:00:00Z")).await.unwrap();
    }
    s.seal_votes(pulse, &["IN".to_string()]).await.unwrap();
    // Too few answers for any region to be shown: every segment goes.
    s.seal_votes(no_breakdown, &[]).await.unwrap();

    let rows = db.raw_votes().await;
    let of = |p: PulseId| rows.iter().filter(move |row| row.0 == p.0);
    assert!(of(pulse).all(|row| row.3.as_deref() != Some("US")), "{rows:?}");
    assert_eq!(of(pulse).filter(|row| row.3.as_deref() == Some("IN")).count(), 6);
    assert_eq!(of(pulse).filter(|row| row.3.is_none()).count(), 1);
    assert!(of(pulse).all(|row| row.4 == 0), "revisions survived sealing: {rows:?}");
    assert!(of(no_breakdown).all(|row| row.3.is_none()), "{rows:?}");
    assert_eq!(of(no_breakdown).count(), 3);
    // Sealing is per pulse: another pulse's rows are untouched.
    assert_eq!(of(unsealed).map(|row| row.3.as_deref()).collect::<Vec<_>>(), vec![Some("US")]);
}

pub(super) async fn sealing_an_open_pulse_is_refused(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let pulse = a_pulse(s, channel).await;
    votes(s, pulse, &SIX_IN_ONE_US).await;
    let before = s.vote_counts(pulse).await.unwrap();
    let result = s.seal_votes(pulse, &["IN".to_string()]).await;
    assert!(matches!(result, Err(StoreError::PulseStillOpen(p)) if p == pulse), "{result:?}");
    assert_eq!(s.vote_counts(pulse).await.unwrap(), before);
    let unknown = s.seal_votes(PulseId(999_999), &[]).await;
    assert!(matches!(unknown, Err(StoreError::NotFound { what: "pulse", .. })), "{unknown:?}");
}

pub(super) async fn pulse_schedules_round_trip(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let weekly = s
        .save_pulse_schedule(&NewPulseSchedule {
            channel,
            cron: "0 15 * * FRI".parse().unwrap(),
            theme: Some("workload".into()),
            duration: TimeDelta::hours(48),
            created_by: "U900".into(),
        })
        .await
        .unwrap();
    let schedules = s.pulse_schedules().await.unwrap();
    assert_eq!(
        schedules,
        vec![PulseSchedule {
            id: weekly,
            channel,
            cron: "0 15 * * FRI".parse().unwrap(),
            theme: Some("workload".into()),
            duration: TimeDelta::hours(48),
            created_by: "U900".into(),
        }]
    );
    // A schedule written before the rules tightened (every minute): left out with a warning,
    // the others still read, and it can still be removed.
    let sql = format!(
        "INSERT INTO pulse_schedules (channel_id, cron, theme, duration_secs, created_by) \
         VALUES ({}, '* * * * *', NULL, 3600, 'U1')",
        channel.0
    );
    db.raw_execute(&sql).await;
    assert_eq!(s.pulse_schedules().await.unwrap().iter().map(|p| p.id).collect::<Vec<_>>(), vec![weekly]);
    assert!(s.remove_pulse_schedule(weekly).await.unwrap());
    assert!(s.pulse_schedules().await.unwrap().is_empty());
}
