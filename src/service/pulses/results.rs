//! Closing a pulse and its results message: counts while open, the full picture, the trend
//! and the chart once closed.

use crate::chat::{Attachment, Block, ChannelRef, Message, MessageRef, Outgoing, Rich};
use crate::pulse::tally::SegmentName;
use crate::pulse::{AnswerKind, PulseResults, QuestionId, ResultsInput, Tally};
use crate::service::{Once, ServiceError, Services};
use crate::store::{Channel, PostKey, Pulse, Purpose};
use chrono::{DateTime, TimeDelta, Utc};

/// What [`report`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reported {
    Posted,
    /// Someone else closed it, or its results are out already.
    NothingToDo,
    /// The platform refused the results; the scheduler tries again shortly.
    NotDelivered,
}

/// Closes a pulse (if still open) and posts its results, once.
pub async fn report(
    s: &Services,
    channel: &Channel,
    channel_ref: &ChannelRef,
    pulse: &Pulse,
    now: DateTime<Utc>,
) -> Result<Reported, ServiceError> {
    let key = PostKey {
        channel: channel.id,
        purpose: Purpose::PulseResults,
        occurrence_key: format!("pulse-{}", pulse.id.0),
    };
    // Exactly one caller closes a pulse (a manager's `/pulse close` may meet the closing
    // time); that caller posts the results. A pulse closed earlier whose results never went
    // out (a crash) is taken over only after a minute's grace, so a closer still posting
    // them is not doubled.
    let closed_here = s.store.close_pulse(pulse.id, now).await?;
    let grace_over = pulse.closed_at.is_some_and(|closed| closed + TimeDelta::minutes(1) <= now);
    if !closed_here && !grace_over {
        return Ok(Reported::NothingToDo);
    }
    let results = async || {
        let closed = s.store.pulse(pulse.id).await?.unwrap_or_else(|| pulse.clone());
        let message = results_message(s, channel, channel_ref, &closed, true).await?;
        // The raw rows keep no more than the results showed: folded regions lose their name.
        let tally = tally_of(s, &closed, &answer_of(s, &closed), None).await?;
        let disclosed: Vec<String> = tally
            .segments
            .iter()
            .filter_map(|seg| match &seg.name {
                SegmentName::Region(region) => Some(region.clone()),
                SegmentName::Other => None,
            })
            .collect();
        s.store.seal_votes(pulse.id, &disclosed).await?;
        if let Some(message_ref) = &closed.message_ref {
            // Once, through the ledger: a retry of the results must not edit it again.
            let done = Message::text(format!("Pulse {} has closed: \"{}\". Results below.", pulse.id, pulse.question));
            let update = Outgoing::Update {
                channel: channel_ref.clone(),
                message_ref: MessageRef(message_ref.clone()),
                message: done,
            };
            let key = PostKey {
                channel: channel.id,
                purpose: Purpose::PulseClosed,
                occurrence_key: format!("pulse-{}", pulse.id.0),
            };
            if let Once::Failed(e) = s.deliver_once(&key, now, async || Ok(Some(update))).await? {
                tracing::warn!(pulse = %pulse.id, error = %e, "could not mark the pulse message closed");
            }
        }
        Ok(Some(Outgoing::Post { channel: channel_ref.clone(), message }))
    };
    Ok(match s.deliver_once(&key, now, results).await? {
        Once::Sent(_) => Reported::Posted,
        Once::AlreadyDelivered | Once::Nothing => Reported::NothingToDo,
        Once::Held | Once::Failed(_) => Reported::NotDelivered,
    })
}

/// The results message of a pulse: counts only while open, the full picture and the chart
/// once closed.
pub async fn results_message(
    s: &Services,
    channel: &Channel,
    channel_ref: &ChannelRef,
    pulse: &Pulse,
    with_png: bool,
) -> Result<Message, ServiceError> {
    let answer = answer_of(s, pulse);
    // The channel's members as the platform counts them.
    let members = s.members_of(channel, channel_ref).await?.len();
    let eligible = eligible(s, pulse, members).await;
    let tally = tally_of(s, pulse, &answer, Some(eligible)).await?;
    let previous = previous_tally(s, channel, pulse).await?;
    let mut results = PulseResults::compose(ResultsInput {
        pulse_id: pulse.id,
        question: &pulse.question,
        answer: &answer,
        tally: &tally,
        previous: previous.as_ref(),
        closed: !pulse.is_open(),
    });
    if with_png && !pulse.is_open() {
        if let Err(e) = results.attach_png() {
            tracing::warn!(pulse = %pulse.id, error = %e, "chart not drawn; sending the text alone");
        }
    }
    let mut blocks = vec![
        Block::Header { text: results.title.clone() },
        Block::Section { text: Rich::new().bold(&results.question) },
    ];
    if !results.lines.is_empty() {
        blocks.push(Block::Section { text: Rich::plain(results.lines.join("\n")) });
    }
    if !results.chart_text.is_empty() {
        blocks.push(Block::Section { text: Rich::new().preformatted(results.chart_text.join("\n")) });
    }
    blocks.push(Block::Context { items: vec![Rich::plain(&results.footer)] });
    let mut message = Message { text: results.to_text(), blocks, attachments: Vec::new() };
    if let Some(bytes) = results.png.take() {
        let png = Attachment { name: format!("pulse-{}.png", pulse.id.0), mime: "image/png".into(), bytes };
        message = message.with_image(png, format!("Chart of the answers to pulse {}", pulse.id));
    }
    Ok(message)
}

/// Who could have answered: the channel's members, or the voters if more (a voter who left
/// the channel since still counts), so a response rate never exceeds 100%.
pub async fn eligible(s: &Services, pulse: &Pulse, members: usize) -> u32 {
    let voters = s.store.voter_count(pulse.id).await.unwrap_or(0) as usize;
    u32::try_from(members.max(voters)).unwrap_or(u32::MAX)
}

/// A pulse's tally under the configured `min_group`, from the store's counts.
pub async fn tally_of(
    s: &Services,
    pulse: &Pulse,
    answer: &AnswerKind,
    eligible: Option<u32>,
) -> Result<Tally, ServiceError> {
    let votes = s.store.vote_counts(pulse.id).await?;
    Tally::compute(answer, &votes, eligible, s.config.pulse.min_group).map_err(|e| ServiceError::Pulse(e.to_string()))
}

/// The tally of the last closed pulse of the same question in the channel, for the trend.
async fn previous_tally(s: &Services, channel: &Channel, pulse: &Pulse) -> Result<Option<Tally>, ServiceError> {
    let Some(question_id) = &pulse.question_id else { return Ok(None) };
    let mut earlier: Vec<Pulse> = s
        .store
        .pulses_in_channel(channel.id)
        .await?
        .into_iter()
        .filter(|p| {
            p.id != pulse.id
                && p.question_id.as_ref() == Some(question_id)
                && !p.is_open()
                && p.opens_at < pulse.opens_at
        })
        .collect();
    earlier.sort_by_key(|p| p.opens_at);
    match earlier.last() {
        Some(p) => Ok(Some(tally_of(s, p, &answer_of(s, p), None).await?)),
        None => Ok(None),
    }
}

/// The bank question a stored pulse asked, if it came from the bank.
pub(super) fn bank_question<'b>(s: &'b Services, pulse: &Pulse) -> Option<&'b crate::pulse::Question> {
    pulse.question_id.as_deref().and_then(|id| QuestionId::new(id).ok()).and_then(|id| s.bank.get(&id))
}

/// How a stored pulse is answered: the bank question's own answer kind, or, for a manager's
/// question, what its button labels show (numbers: a scale; the emoji faces; else options).
pub fn answer_of(s: &Services, pulse: &Pulse) -> AnswerKind {
    if let Some(q) = bank_question(s, pulse) {
        if q.answer.choice_labels() == pulse.options {
            return q.answer.clone();
        }
    }
    let numbers: Option<Vec<u8>> = pulse.options.iter().map(|o| o.parse().ok()).collect();
    if let Some(n) = numbers.filter(|n| !n.is_empty() && n.windows(2).all(|w| w[1] == w[0] + 1)) {
        return AnswerKind::Scale { min: n[0], max: n[n.len() - 1], labels: None };
    }
    if AnswerKind::default_emoji_scale().choice_labels() == pulse.options {
        return AnswerKind::default_emoji_scale();
    }
    AnswerKind::Options(pulse.options.clone())
}
