//! The optional reminder shortly before a pulse closes: when it is due, and what the
//! direct message says.
//!
//! The handler sends it to members for whom the store holds no vote. The message itself
//! names no one and gives no counts, so forwarding or screenshotting it reveals nothing
//! about who else has answered.

use chrono::{DateTime, TimeDelta, Utc};

/// The default time before closing at which the nudge goes out.
pub const DEFAULT_NUDGE_LEAD: TimeDelta = TimeDelta::hours(2);

/// When the nudge should go out: `lead` before closing, but never in the first half of
/// the pulse, so a short pulse does not nudge people who have barely seen it.
pub fn nudge_at(opened_at: DateTime<Utc>, closes_at: DateTime<Utc>, lead: TimeDelta) -> DateTime<Utc> {
    let halfway = opened_at + (closes_at - opened_at) / 2;
    (closes_at - lead).max(halfway)
}

/// Whether the nudge should be sent now: it has not been sent, its time has come, and the
/// pulse is still open.
pub fn nudge_due(
    opened_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
    now: DateTime<Utc>,
    lead: TimeDelta,
    already_sent: bool,
) -> bool {
    !already_sent && now >= nudge_at(opened_at, closes_at, lead) && now < closes_at
}

/// The direct message. Worded for someone who may have answered in the meantime, and
/// without pressure: answering is optional.
pub fn nudge_message(channel: &str, question: &str, closes_at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    format!(
        "A pulse in #{channel} closes in {}: \"{question}\"\n\
         If you haven't answered yet and would like to, there is still time. Answers are \
         anonymous: no one, managers included, can see who answered what.",
        remaining(closes_at - now)
    )
}

/// "about 2 hours", "about 45 minutes", "a few minutes": time left, rounded for people.
pub(crate) fn remaining(left: TimeDelta) -> String {
    let minutes = left.num_minutes();
    if minutes < 5 {
        return "a few minutes".to_string();
    }
    if minutes < 90 {
        let rounded = ((minutes + 2) / 5) * 5;
        return format!("about {rounded} minutes");
    }
    let hours = (minutes + 30) / 60;
    if hours < 48 {
        return format!("about {hours} hours");
    }
    format!("about {} days", (hours + 12) / 24)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 7, hour, minute, 0).unwrap()
    }

    #[test]
    fn the_nudge_is_due_from_the_lead_time_until_closing() {
        let (open, close) = (at(9, 0), at(17, 0));
        let lead = TimeDelta::hours(2);
        assert!(!nudge_due(open, close, at(14, 59), lead, false));
        assert!(nudge_due(open, close, at(15, 0), lead, false));
        assert!(nudge_due(open, close, at(16, 59), lead, false));
        assert!(!nudge_due(open, close, at(17, 0), lead, false));
    }

    #[test]
    fn the_nudge_goes_out_once() {
        assert!(!nudge_due(at(9, 0), at(17, 0), at(16, 0), TimeDelta::hours(2), true));
    }

    #[test]
    fn a_short_pulse_is_not_nudged_in_its_first_half() {
        // A one-hour pulse with a two-hour lead: nudge at half time, not at opening.
        assert_eq!(nudge_at(at(9, 0), at(10, 0), TimeDelta::hours(2)), at(9, 30));
        assert!(!nudge_due(at(9, 0), at(10, 0), at(9, 10), TimeDelta::hours(2), false));
    }

    #[test]
    fn the_message_names_no_one_and_counts_nothing() {
        let text = nudge_message("support-ops", "How clear were handoffs?", at(17, 0), at(15, 0));
        assert_eq!(
            text,
            "A pulse in #support-ops closes in about 2 hours: \"How clear were handoffs?\"\n\
             If you haven't answered yet and would like to, there is still time. Answers are \
             anonymous: no one, managers included, can see who answered what."
        );
    }

    #[test]
    fn remaining_time_is_rounded_for_people() {
        assert_eq!(remaining(TimeDelta::minutes(3)), "a few minutes");
        assert_eq!(remaining(TimeDelta::minutes(44)), "about 45 minutes");
        assert_eq!(remaining(TimeDelta::minutes(130)), "about 2 hours");
        assert_eq!(remaining(TimeDelta::days(3)), "about 3 days");
    }
}
