//! Custom events (milestones) by channel and workspace, and imported calendars.

use super::*;

pub(super) async fn a_channel_sees_its_own_events_and_the_workspace_wide_ones(db: &TestDb) {
    let s = &db.store;
    let (ws, channel) = a_channel(s).await;
    let other = s.upsert_channel(ws, "C002", "ops").await.unwrap();
    let event = |scope, name: &str, on: &str, kind| NewCustomEvent {
        scope,
        name: name.into(),
        date: date(on),
        yearly: kind == EventKind::Event,
        kind,
        note: None,
        created_by: "U900".into(),
    };
    let founding = s
        .add_custom_event(&event(EventScope::Workspace(ws), "Founding day", "2026-05-04", EventKind::Event))
        .await
        .unwrap();
    let launch = s
        .add_custom_event(&NewCustomEvent {
            note: Some("Go-live for the Manila queue".into()),
            ..event(EventScope::Channel(channel), "Launch", "2026-04-01", EventKind::Milestone)
        })
        .await
        .unwrap();
    let _ops_only = s
        .add_custom_event(&event(EventScope::Channel(other), "Ops offsite", "2026-06-01", EventKind::Event))
        .await
        .unwrap();

    let seen = s.custom_events(EventScope::Channel(channel)).await.unwrap();
    assert_eq!(seen.iter().map(|e| e.id).collect::<Vec<_>>(), vec![launch, founding]);
    assert_eq!(seen[0].channel, Some(channel));
    assert_eq!(seen[0].kind, EventKind::Milestone);
    assert_eq!(seen[0].note.as_deref(), Some("Go-live for the Manila queue"));
    assert_eq!(seen[1].channel, None);
    assert!(seen[1].yearly);
    assert_eq!(s.custom_events(EventScope::Workspace(ws)).await.unwrap().len(), 3);

    assert!(s.remove_custom_event(launch).await.unwrap());
    assert!(!s.remove_custom_event(launch).await.unwrap());
    assert_eq!(s.custom_events(EventScope::Channel(channel)).await.unwrap().len(), 1);
}

pub(super) async fn an_event_for_an_unknown_channel_is_refused(db: &TestDb) {
    let result = db
        .store
        .add_custom_event(&NewCustomEvent {
            scope: EventScope::Channel(ChannelId(999_999)),
            name: "Ghost".into(),
            date: date("2026-01-01"),
            yearly: false,
            kind: EventKind::Event,
            note: None,
            created_by: "U1".into(),
        })
        .await;
    assert!(matches!(result, Err(StoreError::NotFound { what: "channel", .. })));
}

// ---- imported calendars ----------------------------------------------------------------

pub(super) async fn an_imported_calendar_is_kept_verbatim_and_a_reimport_replaces_it(db: &TestDb) {
    let s = &db.store;
    let text = "[region]\ncode = \"PH\"  # kept as typed, comments and all\n";
    s.save_imported_calendar("PH", "ph-2026.toml", text, "slack:U7", at(DURING)).await.unwrap();
    s.save_imported_calendar("IN", "in.toml", "[region]\ncode = \"IN\"\n", "slack:U7", at(DURING)).await.unwrap();
    let calendars = s.imported_calendars().await.unwrap();
    assert_eq!(calendars.len(), 2);
    assert_eq!(calendars[1].region_code, "PH");
    assert_eq!(calendars[1].toml_text, text);
    assert_eq!(calendars[1].imported_at, at(DURING));

    let later = at("2026-04-01T00:00:00Z");
    s.save_imported_calendar("PH", "ph-v2.toml", "# v2\n", "slack:U8", later).await.unwrap();
    let calendars = s.imported_calendars().await.unwrap();
    assert_eq!(calendars.len(), 2);
    assert_eq!(
        calendars[1],
        ImportedCalendar {
            region_code: "PH".into(),
            source_name: "ph-v2.toml".into(),
            toml_text: "# v2\n".into(),
            imported_by: "slack:U8".into(),
            imported_at: later,
        }
    );
    assert!(s.remove_imported_calendar("IN").await.unwrap());
    assert_eq!(s.imported_calendars().await.unwrap().len(), 1);
}
