//! The results message of a pulse, as plain values: the platform adapters decide how it
//! looks (Block Kit, a Discord embed, console text), not what it says.

use super::chart::{self, Bar, ChartData, ChartError};
use super::id::PulseId;
use super::question::AnswerKind;
use super::tally::{Direction, SegmentTally, Tally, Trend, TrendMeasure};

/// Everything needed to describe one pulse's results.
#[derive(Debug, Clone, Copy)]
pub struct ResultsInput<'a> {
    /// Which pulse.
    pub pulse_id: PulseId,
    /// The question as it was asked.
    pub question: &'a str,
    /// Its buttons.
    pub answer: &'a AnswerKind,
    /// This pulse's tally.
    pub tally: &'a Tally,
    /// The tally of the previous closed pulse of the same question in the channel.
    pub previous: Option<&'a Tally>,
    /// Whether the pulse has closed. While it is open only the number of responses is
    /// shown: a distribution watched as votes arrive reveals each new vote.
    pub closed: bool,
}

/// A composed results message.
#[derive(Debug, Clone, PartialEq)]
pub struct PulseResults {
    /// "Pulse #12 results", or "Pulse #12 so far" while open.
    pub title: String,
    /// The question.
    pub question: String,
    /// Responses and rate, mean, trend, region lines; one sentence each.
    pub lines: Vec<String>,
    /// Text bars for a monospace block; empty when results are not shown.
    pub chart_text: Vec<String>,
    /// What the PNG shows; `None` when results are not shown.
    pub chart: Option<ChartData>,
    /// The PNG, once [`PulseResults::attach_png`] has drawn it.
    pub png: Option<Vec<u8>>,
    /// How anonymity is kept.
    pub footer: String,
}

impl PulseResults {
    /// Composes the message. Pure: draws no PNG (see [`PulseResults::attach_png`]).
    pub fn compose(input: ResultsInput<'_>) -> Self {
        let tally = input.tally;
        let title = if input.closed {
            format!("Pulse {} results", input.pulse_id)
        } else {
            format!("Pulse {} so far", input.pulse_id)
        };
        let mut footer = "Anonymous: only totals are kept and shown, never who answered what.".to_string();
        if tally.min_group > 1 {
            footer.push_str(&format!(
                " Regions with fewer than {} responses are folded into \"other\".",
                tally.min_group
            ));
        }
        let mut lines = vec![responses_line(tally)];
        let mut results = PulseResults {
            title,
            question: input.question.to_string(),
            lines: Vec::new(),
            chart_text: Vec::new(),
            chart: None,
            png: None,
            footer,
        };
        if !input.closed {
            lines.push("Results are shown when the pulse closes.".to_string());
            results.lines = lines;
            return results;
        }
        let Some(distribution) = &tally.distribution else {
            lines.push(format!(
                "Results are hidden because fewer than {} people answered, so no one's \
                 answer could be singled out.",
                tally.min_group
            ));
            results.lines = lines;
            return results;
        };
        if let (Some(mean), Some(legend)) = (distribution.mean, input.answer.scale_legend()) {
            lines.push(format!("Mean {mean:.1} on {legend}"));
        }
        if let Some(line) = trend_line(input.previous, tally) {
            lines.push(line);
        }
        if tally.breakdown_withheld {
            lines.push(format!(
                "No region breakdown: with so few responses outside the largest region, \
                 a group smaller than {} could be worked out.",
                tally.min_group
            ));
        }
        if !tally.segments.is_empty() {
            lines.push("By region:".to_string());
            lines.extend(tally.segments.iter().map(|segment| segment_line(segment, &tally.labels)));
        }
        let bars: Vec<Bar> = tally
            .labels
            .iter()
            .zip(&distribution.counts)
            .enumerate()
            .map(|(i, (label, count))| Bar {
                label: label.clone(),
                png_label: png_label(input.answer, i, label),
                count: *count,
            })
            .collect();
        results.chart_text = chart::text_bars(&bars);
        results.chart =
            Some(ChartData { title: input.question.to_string(), subtitle: chart_subtitle(tally, input.answer), bars });
        results.lines = lines;
        results
    }

    /// Draws the PNG chart, for platforms that take attachments. On error the message is
    /// still complete without it; the handler logs the error and sends the text.
    pub fn attach_png(&mut self) -> Result<(), ChartError> {
        if let Some(chart) = &self.chart {
            self.png = Some(chart::render_png(chart)?);
        }
        Ok(())
    }

    /// The whole message as plain text, as the console shows it.
    pub fn to_text(&self) -> String {
        let mut out = format!("{}\n{}\n", self.title, self.question);
        for line in &self.lines {
            out.push_str(line);
            out.push('\n');
        }
        for line in &self.chart_text {
            out.push_str(line);
            out.push('\n');
        }
        out.push_str(&self.footer);
        out.push('\n');
        out
    }
}

fn plural(n: u32) -> &'static str {
    if n == 1 {
        "response"
    } else {
        "responses"
    }
}

fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

fn responses_line(tally: &Tally) -> String {
    let n = tally.respondents;
    match (tally.response_rate(), tally.eligible) {
        (Some(rate), Some(eligible)) => {
            let members = if eligible == 1 { "member" } else { "members" };
            format!("{n} {} · {} response rate ({n} of {eligible} {members})", plural(n), percent(rate))
        }
        _ => format!("{n} {}", plural(n)),
    }
}

fn trend_line(previous: Option<&Tally>, current: &Tally) -> Option<String> {
    let previous = previous?;
    let Some(trend) = Trend::between(previous, current) else {
        if !previous.is_disclosed() {
            return Some(format!(
                "Trend: not available, the previous pulse of this question had fewer than {} responses.",
                previous.min_group
            ));
        }
        return None;
    };
    let (arrow, word) = match trend.direction {
        Direction::Up => ("▲", "up"),
        Direction::Down => ("▼", "down"),
        Direction::Steady => ("■", "steady"),
    };
    let since = "since the previous pulse of this question";
    Some(match &trend.measure {
        TrendMeasure::Mean => match trend.direction {
            Direction::Steady => {
                format!("Trend: {arrow} {word} {since} (mean {:.1})", trend.current)
            }
            _ => format!(
                "Trend: {arrow} {word} {:.1} {since} (mean {:.1} → {:.1})",
                trend.delta().abs(),
                trend.previous,
                trend.current
            ),
        },
        TrendMeasure::Share { label, .. } => match trend.direction {
            Direction::Steady => format!("Trend: \"{label}\" {arrow} {word} {since} ({})", percent(trend.current)),
            _ => format!(
                "Trend: \"{label}\" {arrow} {word} {:.0} points {since} ({} → {})",
                (trend.delta() * 100.0).abs(),
                percent(trend.previous),
                percent(trend.current)
            ),
        },
    })
}

fn segment_line(segment: &SegmentTally, labels: &[String]) -> String {
    let n = segment.respondents;
    match segment.mean {
        Some(mean) => format!("{}: mean {mean:.1} ({n} {})", segment.name, plural(n)),
        None => {
            let shares: Vec<String> = labels
                .iter()
                .zip(&segment.counts)
                .map(|(label, count)| format!("{label} {}", percent(f64::from(*count) / f64::from(n.max(1)))))
                .collect();
            format!("{} ({n} {}): {}", segment.name, plural(n), shares.join(" · "))
        }
    }
}

/// The embedded font has no emoji, so the PNG numbers the faces of an emoji scale; a
/// labelled scale names its two ends, as the subtitle has no room for a legend.
fn png_label(answer: &AnswerKind, index: usize, label: &str) -> String {
    match answer {
        AnswerKind::EmojiScale(_) => (index + 1).to_string(),
        AnswerKind::Scale { labels: Some((low, high)), .. } => {
            if index == 0 {
                format!("{label} {low}")
            } else if index + 1 == answer.choice_count() {
                format!("{label} {high}")
            } else {
                label.to_string()
            }
        }
        _ => label.to_string(),
    }
}

fn chart_subtitle(tally: &Tally, answer: &AnswerKind) -> String {
    let mut parts = vec![format!("{} {}", tally.respondents, plural(tally.respondents))];
    if let Some(mean) = tally.mean() {
        let (low, high) = match answer {
            AnswerKind::Scale { min, max, .. } => (u32::from(*min), u32::from(*max)),
            _ => (1, answer.choice_count() as u32),
        };
        parts.push(format!("mean {mean:.1} on {low}–{high}"));
    }
    if let AnswerKind::EmojiScale(_) = answer {
        parts.push("1 = least favourable".to_string());
    }
    parts.join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pulse::tally::VoteCount;

    fn tally(answer: &AnswerKind, votes: &[VoteCount], eligible: Option<u32>) -> Tally {
        Tally::compute(answer, votes, eligible, 5).unwrap()
    }

    fn input<'a>(answer: &'a AnswerKind, tally: &'a Tally, closed: bool) -> ResultsInput<'a> {
        ResultsInput { pulse_id: PulseId(7), question: "Did the new rota help?", answer, tally, previous: None, closed }
    }

    fn yes_no() -> AnswerKind {
        AnswerKind::Options(vec!["Yes".into(), "No".into()])
    }

    #[test]
    fn an_open_pulse_shows_only_how_many_answered() {
        let answer = yes_no();
        let tally = tally(&answer, &[VoteCount::new(0, None, 6)], Some(12));
        let results = PulseResults::compose(input(&answer, &tally, false));
        assert_eq!(results.title, "Pulse #7 so far");
        assert_eq!(
            results.lines,
            ["6 responses · 50% response rate (6 of 12 members)", "Results are shown when the pulse closes."]
        );
        assert!(results.chart_text.is_empty());
        assert!(results.chart.is_none());
    }

    #[test]
    fn too_few_answers_hide_the_results() {
        let answer = yes_no();
        let tally = tally(&answer, &[VoteCount::new(0, None, 1)], None);
        let results = PulseResults::compose(input(&answer, &tally, true));
        assert_eq!(
            results.lines,
            [
                "1 response",
                "Results are hidden because fewer than 5 people answered, so no one's answer could be singled out."
            ]
        );
        assert!(results.chart_text.is_empty());
    }

    #[test]
    fn options_results_list_shares_per_region() {
        let answer = yes_no();
        let votes = [
            VoteCount::new(0, Some("Manila"), 4),
            VoteCount::new(1, Some("Manila"), 1),
            VoteCount::new(0, Some("Leeds"), 5),
            VoteCount::new(1, Some("Leeds"), 1),
            VoteCount::new(1, Some("Austin"), 5),
        ];
        let tally = tally(&answer, &votes, None);
        let results = PulseResults::compose(input(&answer, &tally, true));
        assert_eq!(
            results.lines,
            [
                "16 responses",
                "By region:",
                "Leeds (6 responses): Yes 83% · No 17%",
                "Austin (5 responses): Yes 0% · No 100%",
                "Manila (5 responses): Yes 80% · No 20%",
            ]
        );
    }

    #[test]
    fn an_emoji_scale_is_numbered_in_the_png_but_not_in_text() {
        let answer = AnswerKind::default_emoji_scale();
        let tally = tally(&answer, &[VoteCount::new(4, None, 5)], None);
        let results = PulseResults::compose(input(&answer, &tally, true));
        let chart = results.chart.unwrap();
        assert_eq!(chart.bars[4].label, "😄");
        assert_eq!(chart.bars[4].png_label, "5");
        assert_eq!(chart.subtitle, "5 responses · mean 5.0 on 1–5 · 1 = least favourable");
        assert!(results.chart_text[4].starts_with("😄 ▕████"));
        assert_eq!(results.lines[1], "Mean 5.0 on 1–5 (😞 … 😄)");
    }

    #[test]
    fn a_withheld_breakdown_is_explained() {
        let answer = yes_no();
        let votes = [VoteCount::new(0, Some("Manila"), 8), VoteCount::new(1, Some("Leeds"), 1)];
        let tally = tally(&answer, &votes, None);
        let results = PulseResults::compose(input(&answer, &tally, true));
        assert_eq!(
            results.lines,
            [
                "9 responses",
                "No region breakdown: with so few responses outside the largest region, a group smaller than 5 could be worked out."
            ]
        );
    }

    #[test]
    fn a_labelled_scale_names_its_ends_in_the_png() {
        let answer = AnswerKind::Scale { min: 1, max: 5, labels: Some(("Very unclear".into(), "Very clear".into())) };
        let tally = tally(&answer, &[VoteCount::new(2, None, 5)], None);
        let chart = PulseResults::compose(input(&answer, &tally, true)).chart.unwrap();
        let labels: Vec<&str> = chart.bars.iter().map(|b| b.png_label.as_str()).collect();
        assert_eq!(labels, ["1 Very unclear", "2", "3", "4", "5 Very clear"]);
    }

    #[test]
    fn a_trend_against_a_hidden_pulse_says_why_it_is_missing() {
        let answer = yes_no();
        let before = tally(&answer, &[VoteCount::new(0, None, 2)], None);
        let now = tally(&answer, &[VoteCount::new(0, None, 6)], None);
        let mut input = input(&answer, &now, true);
        input.previous = Some(&before);
        let results = PulseResults::compose(input);
        assert_eq!(
            results.lines[1],
            "Trend: not available, the previous pulse of this question had fewer than 5 responses."
        );
    }

    #[test]
    fn an_options_trend_is_in_points() {
        let answer = yes_no();
        let before = tally(&answer, &[VoteCount::new(0, None, 4), VoteCount::new(1, None, 6)], None);
        let now = tally(&answer, &[VoteCount::new(0, None, 3), VoteCount::new(1, None, 7)], None);
        let mut input = input(&answer, &now, true);
        input.previous = Some(&before);
        let results = PulseResults::compose(input);
        assert_eq!(
            results.lines[1],
            "Trend: \"No\" ▲ up 10 points since the previous pulse of this question (60% → 70%)"
        );
    }
}
