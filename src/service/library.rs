//! Keeping the calendars current while the bot runs: HR's folder and the calendars kept in
//! the store are read again, on `/calendar reload`, after a command changed one, and every
//! [`POLL_EVERY`] by the watcher; errors go to the log and, once per new set of errors, to the
//! HR people named in the configuration.
//!
//! Why a poll and not a file watcher (inotify through the `notify` crate): the store's
//! calendars change too (another instance, `meridian calendar import` from a shell), which no
//! file watcher sees; watchers miss edits on network and container-mounted folders; and
//! reading a few hundred kilobytes every ten seconds costs nothing a person would notice.

use super::{ServiceError, Services};
use crate::calendar::command::NewCalendar;
use crate::calendar::held::{new_calendar, Header, HeldError};
use crate::calendar::{read_calendar_files, FileError, Library, RegionCode, Reload};
use crate::chat::{Message, Outgoing, UserRef};
use crate::store::Store;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use std::future::Future;
use std::path::Path;
use std::time::Duration;

/// How often the watcher looks at HR's calendars.
pub const POLL_EVERY: Duration = Duration::from_secs(10);

/// The name a calendar kept in the store goes by in messages and in the library.
pub fn store_file(code: &str) -> String {
    format!("store:{code}")
}

/// Whether a calendar's file name says it is kept in the store.
pub fn is_held(file: &str) -> bool {
    file.starts_with("store:")
}

/// What HR keeps now: (name, text) of each calendar, and the files that could not be read.
pub type Sources = (Vec<(String, String)>, Vec<FileError>);

/// Every calendar HR keeps now, as (name, text): the folder's files and the store's
/// calendars; and the folder's files that could not be read as text.
pub async fn sources(dir: &Path, store: &Store) -> Result<Sources, ServiceError> {
    let mut files = Vec::new();
    let mut unreadable = Vec::new();
    if dir.is_dir() {
        let dir = dir.to_path_buf();
        let read = tokio::task::spawn_blocking(move || read_calendar_files(&dir)).await;
        match read {
            Ok(Ok(found)) => {
                files = found.texts;
                unreadable = found.unreadable;
            }
            Ok(Err(e)) => tracing::warn!(error = %e, "the calendars folder could not be read; keeping what was loaded"),
            Err(e) => tracing::warn!(error = %e, "reading the calendars folder failed"),
        }
    }
    for held in store.imported_calendars().await? {
        files.push((store_file(&held.region_code), held.toml_text));
    }
    Ok((files, unreadable))
}

/// Reads HR's calendars again and swaps the result in; the report says what is wrong.
pub async fn reload(services: &Services) -> Result<Reload, ServiceError> {
    let (files, unreadable) = sources(&services.config.calendars_dir, &services.store).await?;
    Ok(reload_from(services, files, unreadable))
}

fn reload_from(services: &Services, files: Vec<(String, String)>, unreadable: Vec<FileError>) -> Reload {
    let mut reload = services.calendars.reload(files);
    // A file that cannot even be read keeps what was loaded from it before.
    for e in unreadable {
        reload.kept.push(e.file.clone());
        reload.errors.push(e);
    }
    for e in &reload.errors {
        tracing::warn!(error = %e, "calendar file has errors");
    }
    reload
}

/// The watcher: every [`POLL_EVERY`], reloads when HR's calendars differ from what was loaded,
/// and tells HR of errors it has not told them before. Ends when `stop` resolves.
pub async fn watch(services: std::sync::Arc<Services>, stop: impl Future<Output = ()>) {
    tokio::pin!(stop);
    let mut last: Option<Sources> = None;
    let mut told = String::new();
    loop {
        match sources(&services.config.calendars_dir, &services.store).await {
            Ok(now) if last.as_ref() != Some(&now) => {
                let reload = reload_from(&services, now.0.clone(), now.1.clone());
                if last.is_some() {
                    tracing::info!(calendars = reload.calendars, "calendars reloaded");
                }
                let report = reload.describe();
                if report != told && !reload.is_clean() {
                    tell_hr(&services, &report).await;
                }
                told = report;
                last = Some(now);
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "the store's calendars could not be read; keeping what was loaded"),
        }
        tokio::select! {
            () = tokio::time::sleep(POLL_EVERY) => {}
            () = &mut stop => return,
        }
    }
}

/// A direct message to each HR person of the configuration, in every workspace meridian has
/// seen them in.
pub async fn tell_hr(services: &Services, report: &str) {
    let text = format!(
        "meridian found errors in the calendars HR keeps. Fix them and they load by themselves \
         (or run `/calendar reload`):\n{report}"
    );
    let Ok(channels) = services.store.channels().await else { return };
    let mut workspaces: Vec<_> = channels.iter().map(|c| (c.platform, c.workspace)).collect();
    workspaces.sort_by_key(|(p, w)| (p.as_str(), w.0));
    workspaces.dedup();
    for person in &services.config.roles.hr {
        for (platform, workspace) in workspaces.iter().filter(|(p, _)| *p == person.platform) {
            let Ok(Some(_)) = services.store.member_by_platform_id(*workspace, &person.user_id).await else { continue };
            let Ok(Some(ws)) = services.store.workspace(*workspace).await else { continue };
            let user = UserRef { platform: *platform, workspace: ws.external_id, user_id: person.user_id.clone() };
            let dm = Outgoing::Direct { user, message: Message::text(text.clone()) };
            if let Err(e) = services.delivery.send(&dm).await {
                tracing::warn!(error = %e, user = %person.user_id, "could not tell HR about calendar errors");
            }
        }
    }
}

/// Why a company calendar cannot be changed as asked; said to the person who asked.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("{0} is a region's calendar; only company calendars (codes such as ACME or ACME-PUNE) are kept by meridian. A region's calendar is edited in its file, or built on: make a company calendar with parent:{0}")]
    NotCompany(RegionCode),
    #[error("{code} is kept in the file {file}; edit it there (its changes load by themselves), or give the company calendar another code")]
    InFile { code: RegionCode, file: String },
    #[error("there is no company calendar {0}; `/calendar list` shows them")]
    NoCalendar(RegionCode),
    #[error("parent: {0}")]
    Parent(String),
    #[error(transparent)]
    Held(#[from] HeldError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// Changes a company calendar kept in the store: takes its text (or, given `new`, starts one),
/// applies `edit` (which checks the result loads) and saves it. Nothing is saved when any step
/// refuses. The caller reloads the library.
#[allow(clippy::too_many_arguments)]
pub async fn edit_held<T>(
    store: &Store,
    library: &Library,
    code: &RegionCode,
    new: Option<&NewCalendar>,
    default_zone: Tz,
    source: &str,
    by: &str,
    now: DateTime<Utc>,
    edit: impl FnOnce(&str, &str) -> Result<(String, T), HeldError>,
) -> Result<T, EditError> {
    if !code.is_company() {
        return Err(EditError::NotCompany(code.clone()));
    }
    if let Some(found) = library.get(code).filter(|c| !is_held(&c.file)) {
        return Err(EditError::InFile { code: code.clone(), file: found.file.clone() });
    }
    let stored = store.imported_calendars().await?.into_iter().find(|c| c.region_code == code.as_str());
    let text = match (stored, new) {
        (Some(held), _) => held.toml_text,
        (None, Some(new)) => {
            let parent = match &new.parent {
                Some(p) => match library.find(p.as_str()) {
                    Ok(found) => Some(found.code.clone()),
                    Err(e) => return Err(EditError::Parent(e.to_string())),
                },
                None => None,
            };
            let timezone = new.timezone.or(if parent.is_some() { None } else { Some(default_zone) });
            let name = new.name.clone().unwrap_or_else(|| code.to_string());
            new_calendar(&Header { code: code.clone(), name, timezone, parent })
        }
        (None, None) => return Err(EditError::NoCalendar(code.clone())),
    };
    let (text, out) = edit(&store_file(code.as_str()), &text)?;
    store.save_imported_calendar(code.as_str(), source, &text, by, now).await?;
    Ok(out)
}

/// The company calendar kept in the store that has an event with `id`, when exactly one has.
pub async fn held_with_event(store: &Store, id: &str) -> Result<Vec<RegionCode>, crate::store::StoreError> {
    let mut found = Vec::new();
    for held in store.imported_calendars().await? {
        let file = store_file(&held.region_code);
        if let Ok(region) = crate::calendar::parse_region_file(&file, &held.toml_text) {
            if region.events.iter().any(|e| e.id == id) {
                found.push(region.code);
            }
        }
    }
    Ok(found)
}
