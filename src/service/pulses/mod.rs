//! A pulse's life, once for commands and the scheduler alike: pick a question, open the
//! pulse and post it (once, through the ledger), record votes, nudge those who have not
//! answered, close it and post the results with the chart, fire recurring schedules. This
//! room opens pulses; the others take votes, say when a duty falls due, post results and nudge.

mod duties;
mod nudge;
mod results;
mod voting;

pub use duties::{due_now, duties, Duty, GRACE};
pub use nudge::{nudge, Nudged};
pub use results::{answer_of, eligible, report, results_message, tally_of, Reported};
pub use voting::{show_live_counts, vote, LiveCounts, LIVE_COUNT_EVERY};

use crate::chat::{Block, Button, ButtonStyle, ChannelRef, Message, Outgoing, Rich};
use crate::pulse::{AnswerKind, PulsePrompt, QuestionId, Theme};
use crate::reminders::first_second_after;
use crate::service::{Once, ServiceError, Services};
use crate::store::{Channel, Claim, NewPulse, PostKey, Pulse, PulseId, PulseSchedule, Purpose};
use chrono::{DateTime, TimeDelta, Utc};
use results::bank_question;

/// What a pulse button carries: `pulse` with value `ID:CHOICE`.
pub const CLICK_ACTION: &str = "pulse";

/// A question about to be asked, from the bank or a manager.
pub struct Asked {
    pub id: QuestionId,
    pub theme: Option<Theme>,
    pub why: Option<String>,
    pub text: String,
    pub answer: AnswerKind,
}

/// The next bank question for a channel: of `theme` if given, not asked there recently.
pub async fn pick(
    s: &Services,
    channel: &Channel,
    theme: Option<Theme>,
    now: DateTime<Utc>,
) -> Result<Option<Asked>, ServiceError> {
    let mut earlier = s.store.pulses_in_channel(channel.id).await?;
    earlier.sort_by_key(|p| std::cmp::Reverse(p.opens_at));
    let recent: Vec<QuestionId> =
        earlier.iter().filter_map(|p| p.question_id.as_deref()).filter_map(|id| QuestionId::new(id).ok()).collect();
    // The seed only breaks ties among never-asked questions; the time is as good as any.
    Ok(s.bank.pick(theme, &recent, now.timestamp() as u64).map(|q| Asked {
        id: q.id.clone(),
        theme: Some(q.theme),
        why: Some(q.why.clone()),
        text: q.text.clone(),
        answer: q.answer.clone(),
    }))
}

/// A pulse just opened, and whether its question is in the channel yet.
pub struct Launched {
    pub id: PulseId,
    pub posted: bool,
}

/// Opens a pulse and posts its question with buttons (once, through the ledger).
pub async fn launch(
    s: &Services,
    channel: &Channel,
    channel_ref: &ChannelRef,
    asked: Asked,
    duration: TimeDelta,
    created_by: &str,
    now: DateTime<Utc>,
) -> Result<Launched, ServiceError> {
    let new = NewPulse {
        channel: channel.id,
        question: asked.text.clone(),
        question_id: Some(asked.id.as_str().to_string()),
        theme: asked.theme.map(|t| t.as_str().to_string()),
        options: asked.answer.choice_labels(),
        opens_at: now,
        closes_at: now + duration,
        created_by: created_by.to_string(),
    };
    let id = s.store.create_pulse(&new).await?;
    let prompt = PulsePrompt::compose(id, &asked.text, &asked.answer, asked.theme, asked.why.as_deref(), duration);
    let posted = post_question(s, channel, channel_ref, id, prompt_message(id, &prompt), now).await?;
    Ok(Launched { id, posted })
}

/// Posts a pulse's question once (its ledger claim), remembering the message for updates.
async fn post_question(
    s: &Services,
    channel: &Channel,
    channel_ref: &ChannelRef,
    id: PulseId,
    message: Message,
    now: DateTime<Utc>,
) -> Result<bool, ServiceError> {
    let key = PostKey { channel: channel.id, purpose: Purpose::Pulse, occurrence_key: format!("pulse-{}", id.0) };
    let post = Outgoing::Post { channel: channel_ref.clone(), message };
    match s.deliver_once(&key, now, async || Ok(Some(post))).await? {
        Once::Sent(message_ref) => {
            s.store.set_pulse_message(id, &message_ref.map(|r| r.0).unwrap_or_default()).await?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Sends again the question of an open pulse that never reached its channel.
pub async fn repost(
    s: &Services,
    channel: &Channel,
    channel_ref: &ChannelRef,
    pulse: &Pulse,
    now: DateTime<Utc>,
) -> Result<bool, ServiceError> {
    let prompt = stored_prompt(s, pulse, now);
    post_question(s, channel, channel_ref, pulse.id, prompt_message(pulse.id, &prompt), now).await
}

/// The question message of a pulse already in the store, as it reads at `now`.
fn stored_prompt(s: &Services, pulse: &Pulse, now: DateTime<Utc>) -> PulsePrompt {
    let question = bank_question(s, pulse);
    PulsePrompt::compose(
        pulse.id,
        &pulse.question,
        &answer_of(s, pulse),
        question.map(|q| q.theme),
        question.map(|q| q.why.as_str()),
        pulse.closes_at - now,
    )
}

fn prompt_message(id: PulseId, prompt: &PulsePrompt) -> Message {
    prompt_message_with(id, prompt, None)
}

/// The question with its buttons; with `answers`, how many have answered so far (a count of
/// people only, never who or what), as the live message shows it.
fn prompt_message_with(_id: PulseId, prompt: &PulsePrompt, answers: Option<u64>) -> Message {
    let mut blocks =
        vec![Block::Header { text: prompt.title.clone() }, Block::Section { text: Rich::new().bold(&prompt.question) }];
    let mut small = Vec::new();
    if let Some(why) = &prompt.why {
        small.push(Rich::plain(format!("Why we ask: {why}")));
    }
    if let Some(hint) = &prompt.scale_hint {
        small.push(Rich::plain(hint));
    }
    if !small.is_empty() {
        blocks.push(Block::Context { items: small });
    }
    blocks.push(Block::Buttons {
        buttons: prompt
            .buttons
            .iter()
            .map(|b| Button {
                action: CLICK_ACTION.into(),
                label: b.label.clone(),
                value: b.choice.to_string(),
                style: ButtonStyle::Default,
            })
            .collect(),
    });
    let footer = match answers {
        Some(1) => format!("1 answer so far · {}", prompt.footer),
        Some(n) => format!("{n} answers so far · {}", prompt.footer),
        None => prompt.footer.clone(),
    };
    blocks.push(Block::Context { items: vec![Rich::plain(footer)] });
    Message { text: format!("{}: {}", prompt.title, prompt.question), blocks, attachments: Vec::new() }
}

/// The ledger job that remembers how far a pulse schedule has fired.
pub fn schedule_job(id: i64) -> String {
    format!("pulse-schedule:{id}")
}

/// Fires a recurring pulse schedule if a slot came round since it last looked: opens the
/// pulse and posts it. Only the latest slot missed while down fires (one pulse, not a
/// backlog). Returns whether a pulse was opened.
pub async fn fire_schedule(
    s: &Services,
    channel: &Channel,
    channel_ref: &ChannelRef,
    schedule: &PulseSchedule,
    now: DateTime<Utc>,
) -> Result<bool, ServiceError> {
    let job = schedule_job(schedule.id.0);
    let slots = schedule.cron.schedule();
    let since = s.store.last_run(&job).await?.unwrap_or(now);
    let fire =
        slots.slots_between(channel.settings.timezone, first_second_after(since), first_second_after(now)).last();
    let mut opened = false;
    if let Some(at) = fire {
        let key = PostKey {
            channel: channel.id,
            purpose: Purpose::PulseSchedule,
            occurrence_key: format!("{}:{}", schedule.id, at.to_rfc3339()),
        };
        let post = match s.store.claim_post(&key, &s.instance, now).await? {
            Claim::Won(post) => Some(post),
            Claim::Taken { delivered: true, .. } => None,
            // A firing whose process died between its claim and its mark: repaired, never
            // fired twice. A pulse it opened is adopted (its question is re-sent by `repost`);
            // if it opened none, it opens one now while the slot's pulse would still be open.
            Claim::Taken { post, delivered: false } => {
                let claimed = s.store.post(post).await?.map(|p| p.claimed_at).unwrap_or(at);
                let opened_then = s
                    .store
                    .pulses_in_channel(channel.id)
                    .await?
                    .into_iter()
                    .find(|p| p.created_by == schedule.created_by && p.opens_at >= claimed.min(at));
                match opened_then {
                    Some(pulse) => {
                        tracing::warn!(schedule = %schedule.id, pulse = %pulse.id, "a scheduled pulse's firing was left unfinished; adopting its pulse");
                        s.store.mark_delivered(post, &format!("pulse-{}", pulse.id.0), now).await?;
                        None
                    }
                    None if now < at + schedule.duration => Some(post),
                    None => {
                        tracing::warn!(schedule = %schedule.id, slot = %at, "a scheduled pulse was missed; too late to open it");
                        s.store.mark_delivered(post, "missed", now).await?;
                        None
                    }
                }
            }
        };
        if let Some(post) = post {
            let theme = schedule.theme.as_deref().and_then(|t| t.parse::<Theme>().ok());
            if let Some(asked) = pick(s, channel, theme, now).await? {
                let (by, duration) = (&schedule.created_by, schedule.duration);
                let launched = launch(s, channel, channel_ref, asked, duration, by, now).await?;
                s.store.mark_delivered(post, &format!("pulse-{}", launched.id.0), now).await?;
                opened = true;
            }
        }
    }
    s.store.set_last_run(&job, now).await?;
    Ok(opened)
}
