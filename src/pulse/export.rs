//! CSV export of pulse results for `meridian pulse export --csv`: aggregates only, the
//! same numbers the results message discloses, never an individual vote.

use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};

use super::id::PulseId;
use super::question::{QuestionId, Theme};
use super::tally::{SegmentName, Tally};

/// The header row.
pub const CSV_HEADER: &str = "pulse_id,channel,question_id,theme,question,opened_at,closed_at,\
segment,respondents,eligible,response_rate,choice_index,choice,count,share,mean";

/// One pulse to export.
#[derive(Debug, Clone, PartialEq)]
pub struct PulseRecord {
    /// Which pulse.
    pub pulse_id: PulseId,
    /// The channel's name.
    pub channel: String,
    /// The question's id (bank id, or `custom-…`).
    pub question_id: QuestionId,
    /// The bank theme; `None` for a manager's own question.
    pub theme: Option<Theme>,
    /// The question as asked.
    pub question: String,
    /// When it opened.
    pub opened_at: DateTime<Utc>,
    /// When it closed; `None` while open.
    pub closed_at: Option<DateTime<Utc>>,
    /// Its tally, already computed with the channel's `min_group`.
    pub tally: Tally,
}

/// The CSV text: the header, then for each pulse one row per choice for everyone
/// (`segment` = `all`) and one row per choice for each region the tally discloses.
///
/// A pulse whose results are hidden (fewer than `min_group` respondents) or still open
/// gets one row per choice with `count`, `share` and `mean` left empty: the export
/// discloses nothing the chat did not. Shares are 0..1 with four decimals; times are
/// RFC 3339 in UTC. Text cells that a spreadsheet would run as a formula (starting with
/// `=`, `+`, `-`, `@`) are prefixed with `'`, since custom questions and channel names are
/// typed by people.
pub fn to_csv(pulses: &[PulseRecord]) -> String {
    let mut out = String::from(CSV_HEADER);
    out.push_str("\r\n");
    for pulse in pulses {
        write_pulse(&mut out, pulse);
    }
    out
}

fn write_pulse(out: &mut String, pulse: &PulseRecord) {
    let tally = &pulse.tally;
    let prefix = [
        pulse.pulse_id.0.to_string(),
        text_cell(&pulse.channel),
        text_cell(pulse.question_id.as_str()),
        pulse.theme.map(|t| t.as_str().to_string()).unwrap_or_default(),
        text_cell(&pulse.question),
        pulse.opened_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        pulse.closed_at.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)).unwrap_or_default(),
    ]
    .join(",");
    let overall_rate = tally.response_rate().map(|r| format!("{r:.4}")).unwrap_or_default();
    let eligible = tally.eligible.map(|e| e.to_string()).unwrap_or_default();
    let disclosed = tally.distribution.as_ref().filter(|_| pulse.closed_at.is_some());
    let Some(distribution) = disclosed else {
        for (i, label) in tally.labels.iter().enumerate() {
            row(out, &prefix, "all", tally.respondents, &eligible, &overall_rate, i, label, None, None);
        }
        return;
    };
    let groups = std::iter::once((
        "all".to_string(),
        tally.respondents,
        &distribution.counts,
        distribution.mean,
        eligible.as_str(),
        overall_rate.as_str(),
    ))
    .chain(tally.segments.iter().map(|s| {
        let name = match &s.name {
            SegmentName::Region(name) => text_cell(name),
            SegmentName::Other => "other".to_string(),
        };
        (name, s.respondents, &s.counts, s.mean, "", "")
    }));
    for (segment, respondents, counts, mean, eligible, rate) in groups {
        for (i, (label, count)) in tally.labels.iter().zip(counts.iter()).enumerate() {
            row(out, &prefix, &segment, respondents, eligible, rate, i, label, Some((*count, respondents)), mean);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn row(
    out: &mut String,
    prefix: &str,
    segment: &str,
    respondents: u32,
    eligible: &str,
    rate: &str,
    choice: usize,
    label: &str,
    count: Option<(u32, u32)>,
    mean: Option<f64>,
) {
    let (count, share) = match count {
        Some((count, of)) if of > 0 => (count.to_string(), format!("{:.4}", f64::from(count) / f64::from(of))),
        Some((count, _)) => (count.to_string(), String::new()),
        None => (String::new(), String::new()),
    };
    let mean = mean.map(|m| format!("{m:.4}")).unwrap_or_default();
    let _ = write!(
        out,
        "{prefix},{segment},{respondents},{eligible},{rate},{choice},{},{count},{share},{mean}\r\n",
        text_cell(label)
    );
}

/// Quotes a cell when CSV needs it, and defuses spreadsheet formulas.
fn text_cell(value: &str) -> String {
    let value =
        if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_string() };
    if value.contains([',', '"', '\n', '\r']) || value.starts_with(' ') || value.ends_with(' ') {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pulse::question::AnswerKind;
    use crate::pulse::tally::VoteCount;
    use chrono::TimeZone;

    fn record(votes: &[VoteCount], closed: bool) -> PulseRecord {
        let answer = AnswerKind::Options(vec!["Yes".into(), "No, not really".into()]);
        PulseRecord {
            pulse_id: PulseId(3),
            channel: "support-ops".into(),
            question_id: QuestionId::custom("Did the rota help?"),
            theme: None,
            question: "Did the \"new\" rota help?".into(),
            opened_at: Utc.with_ymd_and_hms(2025, 3, 7, 9, 0, 0).unwrap(),
            closed_at: closed.then(|| Utc.with_ymd_and_hms(2025, 3, 7, 17, 0, 0).unwrap()),
            tally: Tally::compute(&answer, votes, Some(10), 5).unwrap(),
        }
    }

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(text_cell("plain"), "plain");
        assert_eq!(text_cell("a,b"), "\"a,b\"");
        assert_eq!(text_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(text_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(text_cell("-1"), "'-1");
    }

    #[test]
    fn a_disclosed_pulse_has_rows_for_everyone_and_each_shown_region() {
        // Cebu (1) is too small; "other" would be 1, so Leeds, the smallest shown
        // region, is folded in with it and "other" has 6.
        let votes = [
            VoteCount::new(0, Some("Manila"), 4),
            VoteCount::new(1, Some("Manila"), 2),
            VoteCount::new(0, Some("Leeds"), 5),
            VoteCount::new(1, Some("Cebu"), 1),
        ];
        let csv = to_csv(&[record(&votes, true)]);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], CSV_HEADER);
        assert_eq!(lines.len(), 1 + 3 * 2);
        assert!(lines[1].starts_with("3,support-ops,custom-"));
        assert!(lines[1].contains(",\"Did the \"\"new\"\" rota help?\",2025-03-07T09:00:00Z,2025-03-07T17:00:00Z,"));
        // Everything after the closing time: segment, respondents, eligible, rate, choice...
        let tails: Vec<&str> = lines[1..].iter().map(|l| l.split_once("T17:00:00Z,").unwrap().1).collect();
        assert_eq!(
            tails,
            [
                "all,12,10,1.0000,0,Yes,9,0.7500,",
                "all,12,10,1.0000,1,\"No, not really\",3,0.2500,",
                "Manila,6,,,0,Yes,4,0.6667,",
                "Manila,6,,,1,\"No, not really\",2,0.3333,",
                "other,6,,,0,Yes,5,0.8333,",
                "other,6,,,1,\"No, not really\",1,0.1667,",
            ]
        );
        assert!(!csv.contains("Leeds") && !csv.contains("Cebu"));
    }

    #[test]
    fn a_hidden_or_open_pulse_exports_no_counts() {
        let few = to_csv(&[record(&[VoteCount::new(0, None, 2)], true)]);
        let lines: Vec<&str> = few.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[1].ends_with(",all,2,10,0.2000,0,Yes,,,"), "{}", lines[1]);
        let open = to_csv(&[record(&[VoteCount::new(0, None, 9)], false)]);
        assert!(open.lines().nth(1).unwrap().ends_with(",all,9,10,0.9000,0,Yes,,,"));
    }
}
