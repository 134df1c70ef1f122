//! Counting votes into results that cannot single anyone out, and the trend between two
//! pulses of the same question.
//!
//! # What is disclosed (the anonymity rule)
//!
//! The store only ever returns counts: `(choice, region, how many)`. From those:
//!
//! 1. **Too few answers, no results.** Until at least `min_group` people have answered,
//!    only the number of respondents (and the response rate) is disclosed: with two
//!    respondents each one could work out the other's vote from their own.
//! 2. **A region is shown on its own only with at least `min_group` respondents.**
//! 3. **Everyone else is "other"**: smaller regions and members with no region set.
//! 4. **No recovery by subtraction.** The overall results are always shown, so "other" is
//!    *always* `overall − shown regions`, whether or not it is displayed. If "other" holds
//!    anyone but fewer than `min_group`, hiding it would not help: so the smallest shown
//!    region is folded into "other" too, and again, until "other" has at least `min_group`
//!    respondents or no region is left to show.
//! 5. **No breakdown rather than a breakdown of one.** When no region is left, there is no
//!    region breakdown at all ("other" would just repeat the overall results).
//!
//! So every group whose numbers can be read or derived from one result has either zero or
//! at least `min_group` members. `min_group` of 0 or 1 switches the rule off.
//!
//! What a threshold cannot do: when everyone in a shown group gives the same answer, that
//! group's answer is known, as it would be from any published total. The rule guarantees
//! that no one is singled out, not that a unanimous group stays ambiguous.
//!
//! Two things this module cannot enforce, and the handler must: results are shown only
//! once a pulse has closed (distributions shown while votes come in can be compared before
//! and after one person votes), and respondent counts per region are never combined with
//! per-region head-counts from another pulse.

use thiserror::Error;

use super::question::AnswerKind;

/// The default smallest group whose answers may be shown.
pub const DEFAULT_MIN_GROUP: u32 = 5;

/// One row as the store returns it: `count` people in `segment` chose `choice`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoteCount {
    /// 0-based button index.
    pub choice: usize,
    /// The voter's region (e.g. "APAC", "Manila"), `None` when not known.
    pub segment: Option<String>,
    /// How many people.
    pub count: u32,
}

impl VoteCount {
    /// A row, for tests and the console.
    pub fn new(choice: usize, segment: Option<&str>, count: u32) -> Self {
        VoteCount { choice, segment: segment.map(str::to_string), count }
    }
}

/// A group in the region breakdown.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SegmentName {
    /// One region with at least `min_group` respondents.
    Region(String),
    /// Everyone not in a shown region.
    Other,
}

impl std::fmt::Display for SegmentName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SegmentName::Region(name) => f.write_str(name),
            SegmentName::Other => f.write_str("other"),
        }
    }
}

/// The results of one group.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentTally {
    /// Which group.
    pub name: SegmentName,
    /// How many people in it answered.
    pub respondents: u32,
    /// Answers per choice, indexed like the buttons.
    pub counts: Vec<u32>,
    /// The mean, for scales.
    pub mean: Option<f64>,
}

/// The overall results, when there are enough respondents to show them.
#[derive(Debug, Clone, PartialEq)]
pub struct Distribution {
    /// Answers per choice, indexed like the buttons.
    pub counts: Vec<u32>,
    /// The mean, for scales and emoji scales.
    pub mean: Option<f64>,
}

/// Everything about a pulse's answers that may be disclosed.
#[derive(Debug, Clone, PartialEq)]
pub struct Tally {
    /// Button labels, in order.
    pub labels: Vec<String>,
    /// How many people answered.
    pub respondents: u32,
    /// How many could have answered (channel members when the pulse opened), if known.
    pub eligible: Option<u32>,
    /// The threshold this tally was computed with.
    pub min_group: u32,
    /// The overall answers; `None` while fewer than `min_group` have answered.
    pub distribution: Option<Distribution>,
    /// The region breakdown: shown regions largest first, then "other"; empty when no
    /// breakdown may be shown.
    pub segments: Vec<SegmentTally>,
    /// Respondents had regions, the overall results are shown, but rules 4 and 5 left no
    /// region to show; the results say so, so a missing breakdown is not a mystery.
    pub breakdown_withheld: bool,
}

/// The store returned something that does not match the question.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TallyError {
    /// A vote for a button the question does not have.
    #[error("a vote for choice {choice} does not fit a question with {choices} choices")]
    ChoiceOutOfRange {
        /// The 0-based choice in the vote.
        choice: usize,
        /// How many choices the question has.
        choices: usize,
    },
}

impl Tally {
    /// Counts `votes` for a question answered with `answer`, applying the anonymity rule
    /// described at the top of this module.
    pub fn compute(
        answer: &AnswerKind,
        votes: &[VoteCount],
        eligible: Option<u32>,
        min_group: u32,
    ) -> Result<Tally, TallyError> {
        let choices = answer.choice_count();
        let mut overall = vec![0u32; choices];
        // Regions in first-seen order; `None` (no region) is kept apart and always "other".
        let mut regions: Vec<(String, Vec<u32>)> = Vec::new();
        let mut unknown = vec![0u32; choices];
        for vote in votes {
            if vote.choice >= choices {
                return Err(TallyError::ChoiceOutOfRange { choice: vote.choice, choices });
            }
            overall[vote.choice] += vote.count;
            let bucket = match &vote.segment {
                Some(name) => match regions.iter().position(|(n, _)| n == name) {
                    Some(i) => &mut regions[i].1,
                    None => {
                        regions.push((name.clone(), vec![0; choices]));
                        &mut regions.last_mut().expect("just pushed").1
                    }
                },
                None => &mut unknown,
            };
            bucket[vote.choice] += vote.count;
        }
        let respondents: u32 = overall.iter().sum();
        let min_group = min_group.max(1);
        let labels = answer.choice_labels();
        if respondents < min_group {
            return Ok(Tally {
                labels,
                respondents,
                eligible,
                min_group,
                distribution: None,
                segments: Vec::new(),
                breakdown_withheld: false,
            });
        }
        let distribution = Distribution { mean: mean(answer, &overall), counts: overall };
        let had_regions = !regions.is_empty();
        let segments = breakdown(answer, regions, &unknown, min_group);
        Ok(Tally {
            labels,
            respondents,
            eligible,
            min_group,
            distribution: Some(distribution),
            breakdown_withheld: had_regions && segments.is_empty(),
            segments,
        })
    }

    /// Respondents over eligible members, capped at 1 (people who left the channel after
    /// voting still count as respondents); `None` when the member count is unknown.
    pub fn response_rate(&self) -> Option<f64> {
        match self.eligible {
            Some(eligible) if eligible > 0 => Some((f64::from(self.respondents) / f64::from(eligible)).min(1.0)),
            _ => None,
        }
    }

    /// The overall mean, when shown and the answer is a scale.
    pub fn mean(&self) -> Option<f64> {
        self.distribution.as_ref().and_then(|d| d.mean)
    }

    /// The share (0..=1) of respondents who chose `choice`, when shown.
    pub fn share(&self, choice: usize) -> Option<f64> {
        let counts = &self.distribution.as_ref()?.counts;
        let count = *counts.get(choice)?;
        (self.respondents > 0).then(|| f64::from(count) / f64::from(self.respondents))
    }

    /// Whether the overall answers may be shown.
    pub fn is_disclosed(&self) -> bool {
        self.distribution.is_some()
    }
}

fn mean(answer: &AnswerKind, counts: &[u32]) -> Option<f64> {
    let total: u32 = counts.iter().sum();
    if total == 0 || !answer.is_ordered() {
        return None;
    }
    let sum: f64 = counts.iter().enumerate().map(|(i, n)| answer.value_of(i).unwrap_or(0.0) * f64::from(*n)).sum();
    Some(sum / f64::from(total))
}

fn breakdown(
    answer: &AnswerKind,
    regions: Vec<(String, Vec<u32>)>,
    unknown: &[u32],
    min_group: u32,
) -> Vec<SegmentTally> {
    let size = |counts: &[u32]| counts.iter().sum::<u32>();
    let (mut shown, small): (Vec<_>, Vec<_>) = regions.into_iter().partition(|(_, counts)| size(counts) >= min_group);
    let mut other = unknown.to_vec();
    let mut add_to_other = |counts: &[u32]| {
        for (o, c) in other.iter_mut().zip(counts) {
            *o += c;
        }
    };
    for (_, counts) in &small {
        add_to_other(counts);
    }
    // Largest first; ties by name so the order, and which region folds first, is stable.
    shown.sort_by(|(a_name, a), (b_name, b)| size(b).cmp(&size(a)).then(a_name.cmp(b_name)));
    let mut other_size = size(unknown) + small.iter().map(|(_, c)| size(c)).sum::<u32>();
    // Rule 4: a non-empty "other" below the threshold would be readable by subtraction.
    while other_size > 0 && other_size < min_group {
        let Some((_, counts)) = shown.pop() else {
            break;
        };
        other_size += size(&counts);
        add_to_other(&counts);
    }
    // Rule 5: nothing left to break down.
    if shown.is_empty() {
        return Vec::new();
    }
    let mut segments: Vec<SegmentTally> = shown
        .into_iter()
        .map(|(name, counts)| SegmentTally {
            name: SegmentName::Region(name),
            respondents: size(&counts),
            mean: mean(answer, &counts),
            counts,
        })
        .collect();
    if other_size > 0 {
        segments.push(SegmentTally {
            name: SegmentName::Other,
            respondents: other_size,
            mean: mean(answer, &other),
            counts: other,
        });
    }
    segments
}

/// Which way a measure moved since the previous pulse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Higher than last time (for scales, towards the favourable end).
    Up,
    /// Lower than last time.
    Down,
    /// The same, at the precision results are shown with.
    Steady,
}

/// What the trend follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrendMeasure {
    /// The mean of a scale.
    Mean,
    /// The share of the option most chosen this time.
    Share {
        /// Its 0-based index.
        choice: usize,
        /// Its label.
        label: String,
    },
}

/// How this pulse compares with the previous pulse of the same question in the channel.
#[derive(Debug, Clone, PartialEq)]
pub struct Trend {
    /// What is compared.
    pub measure: TrendMeasure,
    /// Last time's value: a mean, or a share in 0..=1.
    pub previous: f64,
    /// This time's value.
    pub current: f64,
    /// Which way it moved.
    pub direction: Direction,
}

impl Trend {
    /// Compares two tallies of the same question. `None` when either was not disclosed
    /// (a trend would reveal what the threshold hid) or their choices differ.
    ///
    /// Scales compare means, shown to one decimal: a change that rounds to 0.0 is steady.
    /// Options compare the share of this pulse's most chosen option (the first one on a
    /// tie), in whole percentage points: a change under half a point is steady.
    pub fn between(previous: &Tally, current: &Tally) -> Option<Trend> {
        if previous.labels != current.labels {
            return None;
        }
        let (prev_dist, cur_dist) = (previous.distribution.as_ref()?, current.distribution.as_ref()?);
        let (measure, before, now, unit) = match (prev_dist.mean, cur_dist.mean) {
            (Some(before), Some(now)) => (TrendMeasure::Mean, before, now, 10.0),
            _ => {
                let top = cur_dist
                    .counts
                    .iter()
                    .enumerate()
                    .max_by(|(i, a), (j, b)| a.cmp(b).then(j.cmp(i)))
                    .map(|(i, _)| i)?;
                let measure = TrendMeasure::Share { choice: top, label: current.labels[top].clone() };
                (measure, previous.share(top)?, current.share(top)?, 100.0)
            }
        };
        let shown_delta = ((now - before) * unit).round();
        let direction = if shown_delta > 0.0 {
            Direction::Up
        } else if shown_delta < 0.0 {
            Direction::Down
        } else {
            Direction::Steady
        };
        Some(Trend { measure, previous: before, current: now, direction })
    }

    /// `current - previous`.
    pub fn delta(&self) -> f64 {
        self.current - self.previous
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yes_no() -> AnswerKind {
        AnswerKind::Options(vec!["Yes".into(), "No".into()])
    }

    fn names(tally: &Tally) -> Vec<String> {
        tally.segments.iter().map(|s| s.name.to_string()).collect()
    }

    #[test]
    fn below_min_group_only_the_count_is_disclosed() {
        let votes = [VoteCount::new(0, Some("EMEA"), 3), VoteCount::new(1, None, 1)];
        let tally = Tally::compute(&yes_no(), &votes, Some(10), 5).unwrap();
        assert_eq!(tally.respondents, 4);
        assert_eq!(tally.response_rate(), Some(0.4));
        assert_eq!(tally.distribution, None);
        assert!(tally.segments.is_empty());
        assert_eq!(tally.share(0), None);
    }

    #[test]
    fn votes_for_a_missing_choice_are_an_error_not_a_silent_miscount() {
        let votes = [VoteCount::new(2, None, 1)];
        assert_eq!(
            Tally::compute(&yes_no(), &votes, None, 5),
            Err(TallyError::ChoiceOutOfRange { choice: 2, choices: 2 })
        );
    }

    #[test]
    fn members_without_a_region_count_towards_other() {
        let votes = [VoteCount::new(0, Some("APAC"), 5), VoteCount::new(1, None, 5)];
        let tally = Tally::compute(&yes_no(), &votes, None, 5).unwrap();
        assert_eq!(names(&tally), ["APAC", "other"]);
        assert_eq!(tally.segments[1].counts, [0, 5]);
    }

    #[test]
    fn regions_are_listed_largest_first_then_by_name() {
        let votes = [
            VoteCount::new(0, Some("EMEA"), 5),
            VoteCount::new(0, Some("APAC"), 5),
            VoteCount::new(1, Some("AMER"), 7),
        ];
        let tally = Tally::compute(&yes_no(), &votes, None, 5).unwrap();
        assert_eq!(names(&tally), ["AMER", "APAC", "EMEA"]);
    }

    #[test]
    fn folding_can_cascade_through_several_regions() {
        // Other starts at 1; folding EMEA (5) makes it 6, which is enough.
        let votes = [
            VoteCount::new(0, Some("AMER"), 9),
            VoteCount::new(0, Some("APAC"), 6),
            VoteCount::new(1, Some("EMEA"), 5),
            VoteCount::new(1, Some("LATAM"), 1),
        ];
        let tally = Tally::compute(&yes_no(), &votes, None, 5).unwrap();
        assert_eq!(names(&tally), ["AMER", "APAC", "other"]);
        assert_eq!(tally.segments[2].respondents, 6);
    }

    #[test]
    fn a_min_group_of_one_shows_every_region() {
        let votes = [VoteCount::new(0, Some("APAC"), 1), VoteCount::new(1, Some("EMEA"), 2)];
        let tally = Tally::compute(&yes_no(), &votes, None, 1).unwrap();
        assert_eq!(names(&tally), ["EMEA", "APAC"]);
    }

    #[test]
    fn the_response_rate_is_capped_and_unknown_without_members() {
        let votes = [VoteCount::new(0, None, 6)];
        assert_eq!(Tally::compute(&yes_no(), &votes, Some(5), 5).unwrap().response_rate(), Some(1.0));
        assert_eq!(Tally::compute(&yes_no(), &votes, Some(0), 5).unwrap().response_rate(), None);
        assert_eq!(Tally::compute(&yes_no(), &votes, None, 5).unwrap().response_rate(), None);
    }

    #[test]
    fn an_options_trend_follows_the_most_chosen_option() {
        let before = [VoteCount::new(0, None, 4), VoteCount::new(1, None, 6)];
        let after = [VoteCount::new(0, None, 7), VoteCount::new(1, None, 3)];
        let before = Tally::compute(&yes_no(), &before, None, 5).unwrap();
        let after = Tally::compute(&yes_no(), &after, None, 5).unwrap();
        let trend = Trend::between(&before, &after).unwrap();
        assert_eq!(trend.measure, TrendMeasure::Share { choice: 0, label: "Yes".into() });
        assert!((trend.previous - 0.4).abs() < 1e-9);
        assert!((trend.current - 0.7).abs() < 1e-9);
        assert_eq!(trend.direction, Direction::Up);
    }

    #[test]
    fn a_change_too_small_to_show_is_steady() {
        let scale = AnswerKind::scale_1_to_5();
        // Means 3.00 and 3.04: both show as 3.0.
        let before: Vec<VoteCount> = vec![VoteCount::new(2, None, 25)];
        let after = vec![VoteCount::new(2, None, 24), VoteCount::new(3, None, 1)];
        let before = Tally::compute(&scale, &before, None, 5).unwrap();
        let after = Tally::compute(&scale, &after, None, 5).unwrap();
        assert_eq!(Trend::between(&before, &after).unwrap().direction, Direction::Steady);
    }

    #[test]
    fn no_trend_against_a_withheld_or_different_pulse() {
        let scale = AnswerKind::scale_1_to_5();
        let few = Tally::compute(&scale, &[VoteCount::new(0, None, 2)], None, 5).unwrap();
        let many = Tally::compute(&scale, &[VoteCount::new(0, None, 9)], None, 5).unwrap();
        assert_eq!(Trend::between(&few, &many), None);
        let other = Tally::compute(&yes_no(), &[VoteCount::new(0, None, 9)], None, 5).unwrap();
        assert_eq!(Trend::between(&other, &many), None);
    }
}
