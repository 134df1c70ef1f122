//! `/calendar list|add|remove|import|export|members|reload`: HR keeps the company's own
//! calendars and onboards members in chat. Every change is checked whole before it is saved
//! (a refusal changes nothing), then the library is reloaded so it takes effect at once.

use super::{Context, Effects};
use crate::calendar::command::{CalendarCommand, NewCalendar};
use crate::calendar::held::{add_event, import_events, remove_event, NewEvent};
use crate::calendar::{read_ics, write_ics, Kind, RegionCode};
use crate::chat::{Attachment, Message};
use crate::service::fetch::{check_url, fetch_text};
use crate::service::library::{edit_held, held_with_event, is_held, reload, EditError};
use crate::service::ServiceError;
use chrono::{Datelike, Duration};

pub async fn run(ctx: &Context<'_>, command: CalendarCommand) -> Result<Effects, ServiceError> {
    match command {
        CalendarCommand::Help => Ok(reply(ctx, crate::calendar::command::USAGE.to_string())),
        CalendarCommand::List { code: None } => list_all(ctx),
        CalendarCommand::List { code: Some(code) } => list_one(ctx, &code),
        CalendarCommand::Add { code, date, name, kind, note, new } => {
            let event = NewEvent { name: name.clone(), kind, date, note };
            let edited = edit(ctx, &code, Some(&new), "chat", |file, text| add_event(file, text, &event)).await?;
            changed(ctx, edited, |id| {
                format!("Added *{name}* ({kind}) on {} to {code} (id `{id}`).", date.format("%a %-d %b %Y"))
            })
            .await
        }
        CalendarCommand::Remove { code, id } => {
            let code = match code {
                Some(code) => code,
                None => match held_with_event(&ctx.bot.store, &id).await?.as_slice() {
                    [one] => one.clone(),
                    [] => return Ok(refuse(ctx, format!("calendar: no company calendar has an event with id '{id}'; `/calendar list CODE` shows the ids"))),
                    several => {
                        let codes: Vec<String> = several.iter().map(ToString::to_string).collect();
                        return Ok(refuse(ctx, format!("calendar: '{id}' is in {}; write `/calendar remove CODE {id}`", codes.join(" and "))));
                    }
                },
            };
            let edited = edit(ctx, &code, None, "chat", |file, text| remove_event(file, text, &id)).await?;
            changed(ctx, edited, |name| format!("Removed *{name}* (id `{id}`) from {code}.")).await
        }
        CalendarCommand::Import { code, url, kind, new } => import(ctx, code, url, kind, new).await,
        CalendarCommand::Export { code, year } => export(ctx, &code, year),
        CalendarCommand::Members { url } => members(ctx, &url).await,
        CalendarCommand::Reload => {
            let report = reload(ctx.bot).await?;
            let text = if report.is_clean() {
                format!("Reloaded the calendars: {} calendars, no errors.", report.calendars)
            } else {
                format!("Reloaded the calendars ({} in use), with errors:\n{}", report.calendars, report.describe())
            };
            Ok(Effects::rescheduling(vec![ctx.ephemeral(Message::text(text))]))
        }
    }
}

fn reply(ctx: &Context<'_>, text: String) -> Effects {
    vec![ctx.ephemeral(Message::text(text))].into()
}

fn refuse(ctx: &Context<'_>, reason: String) -> Effects {
    vec![ctx.ephemeral(super::unchanged(reason))].into()
}

/// A change to a company calendar kept in the store, refused with its reason.
async fn edit<T>(
    ctx: &Context<'_>,
    code: &RegionCode,
    new: Option<&NewCalendar>,
    source: &str,
    change: impl FnOnce(&str, &str) -> Result<(String, T), crate::calendar::held::HeldError>,
) -> Result<Result<T, String>, ServiceError> {
    let library = ctx.bot.library();
    let zone = ctx.channel.settings.timezone;
    match edit_held(&ctx.bot.store, &library, code, new, zone, source, &ctx.actor.user_id, ctx.now, change).await {
        Ok(out) => Ok(Ok(out)),
        Err(EditError::Store(e)) => Err(e.into()),
        Err(e) => Ok(Err(format!("calendar: {e}"))),
    }
}

/// Reloads after a saved change and says what it was; or says why nothing changed.
async fn changed<T>(
    ctx: &Context<'_>,
    edited: Result<T, String>,
    done: impl FnOnce(T) -> String,
) -> Result<Effects, ServiceError> {
    match edited {
        Ok(out) => {
            let report = reload(ctx.bot).await?;
            let mut text = done(out);
            if !report.is_clean() {
                text.push_str(&format!("\nOther calendar files have errors:\n{}", report.describe()));
            }
            Ok(Effects::rescheduling(vec![ctx.ephemeral(Message::text(text))]))
        }
        Err(reason) => Ok(refuse(ctx, reason)),
    }
}

fn list_all(ctx: &Context<'_>) -> Result<Effects, ServiceError> {
    let library = ctx.bot.library();
    let lines: Vec<String> = library
        .regions()
        .filter(|c| c.is_company())
        .map(|c| {
            let base = c.parent.as_ref().map(|p| format!(" · built on {p}")).unwrap_or_default();
            let kept = if is_held(&c.file) { "kept by meridian".to_string() } else { format!("file {}", c.file) };
            format!("• *{}* {}{base} · {} · {} events · {kept}", c.code, c.name, c.timezone.name(), c.event_count())
        })
        .collect();
    let text = if lines.is_empty() {
        "No company calendars yet. `/calendar add ACME-PUNE 2027-01-14 \"Pongal\" parent:IN-MH` starts one; `/calendar help` says more.".to_string()
    } else {
        format!(
            "*Company calendars*\n{}\n~ `/calendar list CODE` shows a calendar's dates and their ids.",
            lines.join("\n")
        )
    };
    Ok(reply(ctx, text))
}

/// The most dates `/calendar list CODE` shows.
const LIST_AT_MOST: usize = 40;

fn list_one(ctx: &Context<'_>, code: &RegionCode) -> Result<Effects, ServiceError> {
    let library = ctx.bot.library();
    let calendar = match library.find(code.as_str()) {
        Ok(c) => c,
        Err(e) => return Ok(reply(ctx, format!("calendar: {e}"))),
    };
    let today = ctx.today();
    let (occurrences, _) = calendar.occurrences(today, today + Duration::days(365));
    let lines: Vec<String> = occurrences
        .iter()
        .take(LIST_AT_MOST)
        .map(|o| {
            let from = if o.region != calendar.code { format!(" · from {}", o.region) } else { String::new() };
            format!("• {} · {} · {}{from} · id `{}`", o.date.format("%a %-d %b %Y"), o.name, o.kind, o.id)
        })
        .collect();
    let more = occurrences.len().saturating_sub(LIST_AT_MOST);
    let more = if more > 0 {
        format!("\n~ and {more} more; `/calendar export {}` has them all.", calendar.code)
    } else {
        String::new()
    };
    let text = format!("*{}* {} · the next 12 months\n{}{more}", calendar.code, calendar.name, lines.join("\n"));
    Ok(reply(ctx, text))
}

/// The ICS file's name as its source: importing the same file again (from a new link, as a
/// re-shared Slack file has) replaces what it brought.
fn source_name(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or(path);
    if last.is_empty() || last.contains(':') {
        url.to_string()
    } else {
        last.to_string()
    }
}

async fn import(
    ctx: &Context<'_>,
    code: RegionCode,
    url: String,
    kind: Kind,
    new: NewCalendar,
) -> Result<Effects, ServiceError> {
    if let Err(e) = check_url(&url) {
        return Ok(refuse(ctx, format!("import: {e}")));
    }
    let token = ctx.bot.delivery.file_token(ctx.channel_ref, &url);
    let text = match fetch_text(&url, token.as_deref()).await {
        Ok(text) => text,
        Err(e) => return Ok(refuse(ctx, format!("import: {e}"))),
    };
    let library = ctx.bot.library();
    let zone = library
        .get(&code)
        .map(|c| c.timezone)
        .or(new.timezone)
        .or_else(|| new.parent.as_ref().and_then(|p| library.get(p)).map(|c| c.timezone))
        .unwrap_or(ctx.channel.settings.timezone);
    let source = source_name(&url);
    let events = match read_ics(&source, &text, zone) {
        Ok(events) => events,
        Err(errors) => {
            let shown: Vec<String> = errors.iter().take(10).map(ToString::to_string).collect();
            let more = if errors.len() > 10 { format!("\n… and {} more", errors.len() - 10) } else { String::new() };
            return Ok(refuse(ctx, format!("import: the ICS file has errors:\n{}{more}\n", shown.join("\n"))));
        }
    };
    let count = events.len();
    let edited =
        edit(ctx, &code, Some(&new), &source, |file, text| import_events(file, text, &source, kind, &events)).await?;
    changed(ctx, edited, |m| {
        format!(
            "Imported {count} events from {source} into {code}: {} added, {} updated, {} removed, {} unchanged.",
            m.added, m.updated, m.removed, m.unchanged
        )
    })
    .await
}

fn export(ctx: &Context<'_>, code: &RegionCode, year: Option<i32>) -> Result<Effects, ServiceError> {
    let library = ctx.bot.library();
    let calendar = match library.find(code.as_str()) {
        Ok(c) => c,
        Err(e) => return Ok(reply(ctx, format!("calendar: {e}"))),
    };
    let (from, to, label) = match year {
        Some(y) => (y, y, y.to_string()),
        None => {
            (ctx.today().year(), ctx.today().year() + 1, format!("{}-{}", ctx.today().year(), ctx.today().year() + 1))
        }
    };
    let (Some(first), Some(last)) =
        (chrono::NaiveDate::from_ymd_opt(from, 1, 1), chrono::NaiveDate::from_ymd_opt(to, 12, 31))
    else {
        return Ok(reply(ctx, "calendar: that year cannot be exported".into()));
    };
    let (occurrences, _) = calendar.occurrences(first, last);
    let ics = write_ics(&calendar.name, &occurrences, ctx.now);
    let mut message = Message::text(format!(
        "{} ({}): {} dates in {label}, as an ICS file. The bot's HTTP server also serves it as a feed to subscribe to: `/calendars/{}.ics`.",
        calendar.name,
        calendar.code,
        occurrences.len(),
        calendar.code
    ));
    message.attachments.push(Attachment {
        name: format!("{}-{label}.ics", calendar.code),
        mime: "text/calendar".into(),
        bytes: ics.into_bytes(),
    });
    Ok(vec![ctx.ephemeral(message)].into())
}

async fn members(ctx: &Context<'_>, url: &str) -> Result<Effects, ServiceError> {
    if let Err(e) = check_url(url) {
        return Ok(refuse(ctx, format!("members: {e}")));
    }
    let token = ctx.bot.delivery.file_token(ctx.channel_ref, url);
    let text = match fetch_text(url, token.as_deref()).await {
        Ok(text) => text,
        Err(e) => return Ok(refuse(ctx, format!("members: {e}"))),
    };
    let source = source_name(url);
    let (rows, errors) = crate::roster::read_roster(&source, &text, &ctx.bot.library());
    if !errors.is_empty() {
        let shown: Vec<String> = errors.iter().take(10).map(ToString::to_string).collect();
        let more = if errors.len() > 10 { format!("\n… and {} more", errors.len() - 10) } else { String::new() };
        return Ok(refuse(ctx, format!("members: the CSV has errors:\n{}{more}\n", shown.join("\n"))));
    }
    let added = ctx.bot.store.import_members(ctx.channel.workspace, &rows).await?;
    let text = format!("Set up {} members from {source} ({added} new, {} updated).", rows.len(), rows.len() - added);
    Ok(Effects::rescheduling(vec![ctx.ephemeral(Message::text(text))]))
}
