//! What the bot posts on its own initiative, composed from templates: reminders ahead of
//! holidays, festivals and milestones (with who in the channel will be off).

use crate::calendar::Library;
use crate::chat::Message;
use crate::reminders::Reminder;
use crate::render::{RenderError, Templates};
use crate::team::{whos_off, MemberProfile};
use chrono_tz::Tz;
use serde_json::json;

/// "today", "tomorrow", "on Monday", or "in 7 days".
pub fn when(days_before: i64, date: chrono::NaiveDate) -> String {
    match days_before {
        i64::MIN..=0 => "today".to_string(),
        1 => "tomorrow".to_string(),
        2..=6 => format!("on {}", date.format("%A")),
        n => format!("in {n} days"),
    }
}

/// The message for one reminder, as the channel's members will read it.
pub fn reminder_message(
    templates: &Templates,
    library: &Library,
    reminder: &Reminder,
    channel_tz: Tz,
    members: &[MemberProfile],
) -> Result<Message, RenderError> {
    let o = &reminder.occurrence;
    let region_name = if o.region.is_team() {
        "the team".to_string()
    } else {
        library.get(&o.region).map(|c| c.name.clone()).unwrap_or_else(|| o.region.to_string())
    };
    // Only the channel's own people, and only for a day off: "who will be off" for managers.
    let off: Vec<String> = if o.kind.is_day_off() {
        let day = reminder.observed_on.unwrap_or(o.date);
        let off = whos_off(day, members, library);
        off.by_region.iter().flat_map(|r| r.members.iter().map(|m| m.display_name.clone())).collect()
    } else {
        Vec::new()
    };
    let culture = o.culture.as_deref().cloned().unwrap_or_default();
    let context = json!({
        "event": {
            "name": o.name,
            "date": o.date.format("%-d %b %Y").to_string(),
            "weekday": o.date.format("%A").to_string(),
            "kind": o.kind.as_str(),
            "given": o.given().map(|g| g.as_str()),
            "region": o.region.to_string(),
            "region_name": region_name,
            "emoji": culture.emoji,
            "about": culture.about,
            "greeting": culture.greeting,
            "expect": culture.expect,
            "observed_on": reminder.observed_on.map(|d| d.format("%-d %b %Y").to_string()),
            "observed_weekday": reminder.observed_on.map(|d| d.format("%A").to_string()),
        },
        "when": when(reminder.days_before, o.date),
        "days_before": reminder.days_before,
        "channel_timezone": channel_tz.name(),
        "off": off,
    });
    templates.render("reminder", context)
}
