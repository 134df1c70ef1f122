//! Members: profiles and who joined which channel.

use super::*;

pub(super) async fn a_member_profile_round_trips(db: &TestDb) {
    let s = &db.store;
    let (ws, _) = a_channel(s).await;
    let id = s.upsert_member(ws, "U100", "Priya").await.unwrap();
    assert_eq!(s.upsert_member(ws, "U100", "Priya S.").await.unwrap(), id);
    let blank = s.member(id).await.unwrap().unwrap();
    assert_eq!(blank.display_name, "Priya S.");
    assert_eq!(blank.profile, MemberProfile::default());

    let profile = MemberProfile {
        region: Some("IN".parse().unwrap()),
        subdivision: Some("IN-MH".parse().unwrap()),
        timezone: Some(chrono_tz::Asia::Kolkata),
        working_hours: Some(WorkingHours { start: time(13, 30), end: time(22, 30) }),
        opted_out: true,
        calendar: Some("ACME-PUNE".parse().unwrap()),
    };
    s.set_member_profile(id, &profile).await.unwrap();
    let member = s.member_by_platform_id(ws, "U100").await.unwrap().unwrap();
    assert_eq!(member.id, id);
    assert_eq!(member.profile, profile);
    assert_eq!(s.members(ws).await.unwrap(), vec![member]);
    assert_eq!(s.member_by_platform_id(ws, "U404").await.unwrap(), None);
}

pub(super) async fn a_channel_lists_only_the_members_who_joined_it(db: &TestDb) {
    let s = &db.store;
    let (ws, channel) = a_channel(s).await;
    let zoe = s.upsert_member(ws, "U1", "Zoe").await.unwrap();
    let ana = s.upsert_member(ws, "U2", "Ana").await.unwrap();
    let _bob = s.upsert_member(ws, "U3", "Bob").await.unwrap();
    s.join_channel(channel, zoe).await.unwrap();
    s.join_channel(channel, ana).await.unwrap();
    s.join_channel(channel, ana).await.unwrap();
    let names = |members: Vec<Member>| members.into_iter().map(|m| m.display_name).collect::<Vec<_>>();
    assert_eq!(names(s.members_of_channel(channel).await.unwrap()), vec!["Ana", "Zoe"]);
    s.leave_channel(channel, zoe).await.unwrap();
    assert_eq!(names(s.members_of_channel(channel).await.unwrap()), vec!["Ana"]);
}
