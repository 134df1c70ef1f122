//! Specifications of the pulse core: the anonymity rule, means and trends, `/pulse`
//! parsing and its error messages, the shipped question bank, and the PNG chart.

use std::collections::BTreeSet;

use chrono::{TimeDelta, TimeZone, Utc};
use meridian::pulse::tally::{SegmentName, TrendMeasure};
use meridian::pulse::{
    AnswerKind, Direction, PulseCommand, PulseId, PulseResults, QuestionBank, QuestionId, QuestionSpec, ResultsInput,
    Tally, Theme, Trend, VoteCount,
};
use proptest::prelude::*;

fn yes_somewhat_no() -> AnswerKind {
    AnswerKind::Options(vec!["Yes".into(), "Somewhat".into(), "No".into()])
}

fn segment_names(tally: &Tally) -> Vec<String> {
    tally.segments.iter().map(|s| s.name.to_string()).collect()
}

// ---------------------------------------------------------------- anonymity threshold

#[test]
fn a_segment_below_min_group_is_folded_into_other() {
    // Given 6 answers from Manila, 5 from Leeds, 3 from Austin and 2 with no region,
    let votes = [
        VoteCount::new(0, Some("Manila"), 6),
        VoteCount::new(1, Some("Leeds"), 5),
        VoteCount::new(2, Some("Austin"), 3),
        VoteCount::new(0, None, 2),
    ];
    // when they are tallied with the default threshold of 5,
    let tally = Tally::compute(&yes_somewhat_no(), &votes, Some(20), 5).unwrap();
    // then Austin is not shown on its own: it is part of "other" with the unknowns.
    assert_eq!(segment_names(&tally), ["Manila", "Leeds", "other"]);
    let other = &tally.segments[2];
    assert_eq!(other.name, SegmentName::Other);
    assert_eq!(other.respondents, 5);
    assert_eq!(other.counts, [2, 0, 3]);
}

#[test]
fn a_single_small_segment_cannot_be_recovered_by_subtraction() {
    // Given 8 answers from Manila and 1 from Leeds, and the overall results shown:
    let votes = [VoteCount::new(0, Some("Manila"), 8), VoteCount::new(2, Some("Leeds"), 1)];
    let tally = Tally::compute(&yes_somewhat_no(), &votes, None, 5).unwrap();
    // if Manila were shown, overall minus Manila would be the Leeds colleague's vote.
    // So there is no breakdown at all, only the overall results, and the results say why.
    assert!(tally.segments.is_empty());
    assert!(tally.breakdown_withheld);
    assert_eq!(tally.distribution.as_ref().unwrap().counts, [8, 0, 1]);
}

#[test]
fn folding_continues_until_other_is_large_enough_to_hide_in() {
    // Manila 9, Leeds 6, Austin 5, and one person in Cebu: "other" would hold only the
    // Cebu colleague, so the smallest shown region (Austin) joins "other".
    let votes = [
        VoteCount::new(0, Some("Manila"), 9),
        VoteCount::new(1, Some("Leeds"), 6),
        VoteCount::new(1, Some("Austin"), 5),
        VoteCount::new(2, Some("Cebu"), 1),
    ];
    let tally = Tally::compute(&yes_somewhat_no(), &votes, None, 5).unwrap();
    assert_eq!(segment_names(&tally), ["Manila", "Leeds", "other"]);
    assert_eq!(tally.segments[2].respondents, 6);
    assert_eq!(tally.segments[2].counts, [0, 5, 1]);
}

#[test]
fn fewer_answers_than_min_group_disclose_only_the_count() {
    let votes = [VoteCount::new(0, Some("Manila"), 4)];
    let tally = Tally::compute(&yes_somewhat_no(), &votes, Some(8), 5).unwrap();
    assert_eq!(tally.respondents, 4);
    assert_eq!(tally.response_rate(), Some(0.5));
    assert!(tally.distribution.is_none());
    assert!(tally.segments.is_empty());
}

fn arbitrary_votes() -> impl Strategy<Value = Vec<VoteCount>> {
    let region =
        prop_oneof![Just(None), Just(Some("A")), Just(Some("B")), Just(Some("C")), Just(Some("D")), Just(Some("E")),];
    prop::collection::vec((0usize..3, region, 0u32..12), 0..20).prop_map(|rows| {
        rows.into_iter().map(|(choice, region, count)| VoteCount::new(choice, region, count)).collect()
    })
}

proptest! {
    /// Every group whose numbers can be read, or derived by subtracting shown groups from
    /// the overall results, has either nobody or at least `min_group` people in it.
    #[test]
    fn no_group_smaller_than_min_group_can_be_read_or_derived(
        votes in arbitrary_votes(),
        min_group in 1u32..8,
    ) {
        let tally = Tally::compute(&yes_somewhat_no(), &votes, None, min_group).unwrap();
        if tally.respondents < min_group {
            prop_assert!(tally.distribution.is_none());
            prop_assert!(tally.segments.is_empty());
        }
        for segment in &tally.segments {
            prop_assert!(segment.respondents >= min_group, "{:?}", segment);
        }
        let shown_regions: u32 = tally
            .segments
            .iter()
            .filter(|s| matches!(s.name, SegmentName::Region(_)))
            .map(|s| s.respondents)
            .sum();
        if !tally.segments.is_empty() {
            let derivable = tally.respondents - shown_regions;
            prop_assert!(derivable == 0 || derivable >= min_group);
            let listed: u32 = tally.segments.iter().map(|s| s.respondents).sum();
            prop_assert_eq!(listed, tally.respondents);
        }
    }
}

// ---------------------------------------------------------------- means and trends

#[test]
fn mean_of_a_1_to_5_scale() {
    // 1×1, 2×2, 3×3, 4×4 and nobody at 5: (1 + 4 + 9 + 16) / 10 = 3.0
    let votes = [
        VoteCount::new(0, None, 1),
        VoteCount::new(1, None, 2),
        VoteCount::new(2, None, 3),
        VoteCount::new(3, None, 4),
    ];
    let tally = Tally::compute(&AnswerKind::scale_1_to_5(), &votes, Some(10), 5).unwrap();
    assert_eq!(tally.respondents, 10);
    assert_eq!(tally.mean(), Some(3.0));
    assert_eq!(tally.response_rate(), Some(1.0));
}

#[test]
fn a_0_to_10_scale_means_the_points_not_the_button_positions() {
    let scale = AnswerKind::Scale { min: 0, max: 10, labels: None };
    let votes = [VoteCount::new(0, None, 5), VoteCount::new(10, None, 5)];
    assert_eq!(Tally::compute(&scale, &votes, None, 5).unwrap().mean(), Some(5.0));
}

#[test]
fn options_have_no_mean() {
    let votes = [VoteCount::new(0, None, 6)];
    let tally = Tally::compute(&yes_somewhat_no(), &votes, None, 5).unwrap();
    assert_eq!(tally.mean(), None);
}

#[test]
fn trend_reports_improvement_against_the_previous_pulse() {
    let scale = AnswerKind::scale_1_to_5();
    // Last time: mean 3.0. This time: mean 3.5.
    let previous = Tally::compute(&scale, &[VoteCount::new(2, None, 10)], None, 5).unwrap();
    let current = Tally::compute(&scale, &[VoteCount::new(2, None, 5), VoteCount::new(3, None, 5)], None, 5).unwrap();
    let trend = Trend::between(&previous, &current).unwrap();
    assert_eq!(trend.measure, TrendMeasure::Mean);
    assert_eq!(trend.direction, Direction::Up);
    assert!((trend.delta() - 0.5).abs() < 1e-9);
    // And the other way round it is a decline.
    assert_eq!(Trend::between(&current, &previous).unwrap().direction, Direction::Down);
}

// ---------------------------------------------------------------- the results message

#[test]
fn results_of_a_closed_scale_pulse_read_as_a_whole() {
    let scale = AnswerKind::Scale { min: 1, max: 5, labels: Some(("Very unclear".into(), "Very clear".into())) };
    let previous = Tally::compute(&scale, &[VoteCount::new(2, None, 8)], Some(12), 5).unwrap();
    let votes = [
        VoteCount::new(2, Some("Manila"), 2),
        VoteCount::new(3, Some("Manila"), 4),
        VoteCount::new(1, Some("Leeds"), 1),
        VoteCount::new(3, Some("Leeds"), 4),
        VoteCount::new(4, Some("Austin"), 1),
    ];
    let tally = Tally::compute(&scale, &votes, Some(14), 5).unwrap();
    let results = PulseResults::compose(ResultsInput {
        pulse_id: PulseId(12),
        question: "How clear were the handoffs between our locations this week?",
        answer: &scale,
        tally: &tally,
        previous: Some(&previous),
        closed: true,
    });
    assert_eq!(
        results.to_text(),
        "\
Pulse #12 results
How clear were the handoffs between our locations this week?
12 responses · 86% response rate (12 of 14 members)
Mean 3.8 on 1–5 (1 = Very unclear, 5 = Very clear)
Trend: ▲ up 0.8 since the previous pulse of this question (mean 3.0 → 3.8)
By region:
Manila: mean 3.7 (6 responses)
other: mean 3.8 (6 responses)
1 ▕░░░░░░░░░░░░░░░░░░░░▏ 0 (0%)
2 ▕██░░░░░░░░░░░░░░░░░░▏ 1 (8%)
3 ▕███░░░░░░░░░░░░░░░░░▏ 2 (17%)
4 ▕█████████████░░░░░░░▏ 8 (67%)
5 ▕██░░░░░░░░░░░░░░░░░░▏ 1 (8%)
Anonymous: only totals are kept and shown, never who answered what. Regions with fewer than 5 responses are folded into \"other\".
"
    );
}

// ---------------------------------------------------------------- /pulse parsing

fn parse(args: &str) -> PulseCommand {
    PulseCommand::parse(args).unwrap_or_else(|e| panic!("{args}: {e}"))
}

fn error(args: &str) -> String {
    PulseCommand::parse(args).unwrap_err().to_string()
}

#[test]
fn the_commands_from_the_issue_parse() {
    assert_eq!(parse(""), PulseCommand::Start { question: QuestionSpec::Bank { theme: None }, duration: None });
    assert_eq!(
        parse(r#""How clear were handoffs between our teams this week?" scale:1-5 for:2h"#),
        PulseCommand::Start {
            question: QuestionSpec::Custom {
                text: "How clear were handoffs between our teams this week?".into(),
                answer: AnswerKind::scale_1_to_5(),
            },
            duration: Some(TimeDelta::hours(2)),
        }
    );
    assert_eq!(
        parse(r#""Did the new rota help?" options:"Yes,Somewhat,No""#),
        PulseCommand::Start {
            question: QuestionSpec::Custom { text: "Did the new rota help?".into(), answer: yes_somewhat_no() },
            duration: None,
        }
    );
    assert_eq!(
        parse("theme:communication"),
        PulseCommand::Start { question: QuestionSpec::Bank { theme: Some(Theme::Communication) }, duration: None }
    );
    let PulseCommand::Schedule { cron, theme, duration } = parse(r#"schedule "0 10 * * FRI" theme:trust"#) else {
        panic!("not a schedule");
    };
    assert_eq!(cron.as_written(), "0 10 * * FRI");
    assert_eq!(theme, Some(Theme::Trust));
    assert_eq!(duration, None);
    assert_eq!(parse("close"), PulseCommand::Close { id: None });
    assert_eq!(parse("results 12"), PulseCommand::Results { id: Some(PulseId(12)) });
    assert_eq!(parse("list"), PulseCommand::List);
    assert_eq!(parse("help"), PulseCommand::Help);
}

#[test]
fn a_custom_question_without_buttons_gets_a_1_to_5_scale() {
    assert_eq!(
        parse(r#""Was today's handoff call useful?""#),
        PulseCommand::Start {
            question: QuestionSpec::Custom {
                text: "Was today's handoff call useful?".into(),
                answer: AnswerKind::scale_1_to_5(),
            },
            duration: None,
        }
    );
}

#[test]
fn an_unclosed_quote_is_pointed_out() {
    assert_eq!(
        error(r#""How clear were handoffs? scale:1-5"#),
        "missing closing quote after \"How clear were handoffs? scale\""
    );
}

#[test]
fn an_unknown_subcommand_lists_what_is_expected() {
    assert_eq!(
        error("resuls"),
        "unknown subcommand `resuls`; expected close, results, list, schedule or help, \
         theme:NAME, or your own question in \"double quotes\""
    );
}

#[test]
fn an_unknown_argument_lists_what_fits() {
    assert_eq!(
        error(r#""Q?" colour:red"#),
        "unknown argument `colour:red`; expected scale:1-5, options:\"A,B,C\", \
         emoji:\"😞,😐,😄\", theme:NAME or for:DURATION"
    );
}

#[test]
fn a_bad_duration_says_what_a_duration_looks_like() {
    assert_eq!(error(r#""Q?" for:2x"#), "`for:2x`: expected a duration like 30m, 2h, 1d or 1h30m");
    assert_eq!(error(r#""Q?" for:1m"#), "`for:1m`: a pulse stays open for at least 5m and at most 14d");
}

#[test]
fn a_bad_scale_or_option_list_is_explained() {
    assert_eq!(error(r#""Q?" scale:1-50"#), "`scale:1-50`: 50 choices is too many; at most 11 fit under a question");
    assert_eq!(error(r#""Q?" scale:five"#), "`scale:five`: expected a range like 1-5 or 0-10, or emoji");
    assert_eq!(error(r#""Q?" options:"Yes""#), "`options:Yes`: at least 2 choices are needed (got 1)");
}

#[test]
fn an_unknown_theme_lists_the_themes() {
    assert_eq!(
        error("theme:morale"),
        "`theme:morale`: expected one of: communication, valued, trust, workload, culture, \
         customer, recognition"
    );
}

#[test]
fn arguments_that_contradict_each_other_are_refused() {
    assert_eq!(
        error(r#""Q?" scale:1-5 options:"Yes,No""#),
        "`scale:1-5` and `options:Yes,No` both set the answer buttons; use only one of \
         scale, options or emoji"
    );
    assert_eq!(
        error("scale:1-5"),
        "`scale:1-5` needs your own question in \"double quotes\" before it, e.g. \
         /pulse \"How clear were handoffs this week?\" scale:1-5"
    );
    assert_eq!(
        error(r#""Q?" theme:trust"#),
        "`theme:trust` picks a question from the bank, so it cannot be combined with your \
         own question; use one or the other"
    );
    assert_eq!(error("for:1h for:2h"), "`for:` is given twice; give it once");
}

#[test]
fn subcommand_arguments_are_checked() {
    assert_eq!(error("close abc"), "`abc`: expected a pulse number like 12 or #12");
    assert_eq!(error("list now"), "`list` does not take `now`; usage: /pulse list");
    assert_eq!(error("results 3 4"), "`results` does not take `4`; usage: /pulse results [id]");
}

#[test]
fn a_schedule_must_be_valid_cron_and_not_too_frequent() {
    assert_eq!(
        error(r#"schedule "0 10 * *" theme:trust"#),
        "`0 10 * *` is not a valid cron expression (it has 4 fields); expected 5 fields, \
         minute hour day-of-month month day-of-week, e.g. \"0 10 * * FRI\""
    );
    assert_eq!(
        error(r#"schedule "*/10 * * * *""#),
        "`*/10 * * * *` would start a pulse more than once an hour; pulses need time to \
         collect answers"
    );
}

// ---------------------------------------------------------------- the question bank

#[test]
fn the_shipped_bank_has_at_least_30_questions_covering_all_7_themes() {
    let bank = QuestionBank::shipped();
    assert!(bank.len() >= 30, "only {} questions", bank.len());
    let themes: BTreeSet<Theme> = bank.questions().iter().map(|q| q.theme).collect();
    assert_eq!(themes, Theme::ALL.into_iter().collect());
    for theme in Theme::ALL {
        assert!(bank.of_theme(theme).count() >= 4, "{theme} has too few questions");
    }
    for question in bank.questions() {
        assert!(!question.why.is_empty(), "{} has no why", question.id);
        assert!(question.text.ends_with('?'), "{} is not a question", question.id);
    }
}

#[test]
fn the_shipped_bank_is_every_file_in_prompts_pulse() {
    let on_disk =
        QuestionBank::load_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/prompts/pulse")).expect("prompts/pulse loads");
    let shipped = QuestionBank::shipped();
    let ids = |bank: &QuestionBank| -> Vec<String> { bank.questions().iter().map(|q| q.id.to_string()).collect() };
    assert_eq!(ids(&on_disk), ids(&shipped), "a file is missing from SHIPPED in bank.rs");
    assert_eq!(on_disk, shipped);
}

#[test]
fn a_malformed_bank_file_error_names_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("trust.toml"),
        "theme = \"trust\"\n\n[[question]]\nid = \"a\"\ntext = \"A?\"\nwhy = \"W\"\nscale = { min = 1, max = 5 \n",
    )
    .unwrap();
    let err = QuestionBank::load_dir(dir.path()).unwrap_err().to_string();
    let file = dir.path().join("trust.toml").display().to_string();
    assert!(err.starts_with(&format!("{file}:7:")), "{err}");
}

#[test]
fn a_bank_question_with_an_unknown_theme_names_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("mixed.toml"),
        "[[question]]\nid = \"a\"\ntheme = \"morale\"\ntext = \"A?\"\nwhy = \"W\"\noptions = [\"Yes\", \"No\"]\n",
    )
    .unwrap();
    let err = QuestionBank::load_dir(dir.path()).unwrap_err().to_string();
    let file = dir.path().join("mixed.toml").display().to_string();
    assert_eq!(
        err,
        format!(
            "{file}:3:9: unknown theme \"morale\"; valid themes are: communication, valued, \
             trust, workload, culture, customer, recognition"
        )
    );
}

#[test]
fn picking_by_theme_rotates_through_the_theme_before_repeating() {
    let bank = QuestionBank::shipped();
    let mut history: Vec<QuestionId> = Vec::new();
    let trust = bank.of_theme(Theme::Trust).count();
    for seed in 0..trust as u64 {
        let q = bank.pick(Some(Theme::Trust), &history, seed * 7919).unwrap();
        assert_eq!(q.theme, Theme::Trust);
        assert!(!history.contains(&q.id), "{} repeated early", q.id);
        history.insert(0, q.id.clone());
    }
    // All asked: the next is the one asked longest ago.
    let next = bank.pick(Some(Theme::Trust), &history, 0).unwrap();
    assert_eq!(&next.id, history.last().unwrap());
}

#[test]
fn picking_is_deterministic() {
    let bank = QuestionBank::shipped();
    let a = bank.pick(None, &[], 42).unwrap();
    let b = bank.pick(None, &[], 42).unwrap();
    assert_eq!(a.id, b.id);
}

// ---------------------------------------------------------------- the PNG chart

#[test]
fn the_png_chart_decodes_as_a_png_of_the_expected_size() {
    let answer = yes_somewhat_no();
    let tally =
        Tally::compute(&answer, &[VoteCount::new(0, None, 6), VoteCount::new(2, None, 3)], Some(10), 5).unwrap();
    let mut results = PulseResults::compose(ResultsInput {
        pulse_id: PulseId(1),
        question: "Did the new rota help?",
        answer: &answer,
        tally: &tally,
        previous: None,
        closed: true,
    });
    results.attach_png().unwrap();
    let png = results.png.as_deref().unwrap();
    let (width, height) = results.chart.as_ref().unwrap().png_size();
    // One title line, the subtitle, three bars.
    assert_eq!((width, height), (800, 24 + 30 + 28 + 12 + 3 * 44 + 24));

    // The signature, then the IHDR chunk: length 13, type, width and height big-endian.
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&png[8..12], &13u32.to_be_bytes());
    assert_eq!(&png[12..16], b"IHDR");
    assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), width);
    assert_eq!(u32::from_be_bytes(png[20..24].try_into().unwrap()), height);

    // And a decoder reads the whole image.
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((frame.width, frame.height), (width, height));
    // Not a blank canvas: some pixels are the bar colour.
    assert!(pixels.chunks(3).any(|p| p == [0x2F, 0x6F, 0xA8]));
}

#[test]
fn a_nudge_is_due_two_hours_before_closing_by_default() {
    use meridian::pulse::{nudge_due, DEFAULT_NUDGE_LEAD};
    let opened = Utc.with_ymd_and_hms(2025, 3, 7, 9, 0, 0).unwrap();
    let closes = opened + TimeDelta::days(1);
    assert!(!nudge_due(opened, closes, closes - TimeDelta::hours(3), DEFAULT_NUDGE_LEAD, false));
    assert!(nudge_due(opened, closes, closes - TimeDelta::hours(2), DEFAULT_NUDGE_LEAD, false));
}
