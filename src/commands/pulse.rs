//! `/pulse` and its buttons: start (from the bank or a manager's own question), schedule,
//! close, results and list; votes by click. The scheduler calls [`launch`], [`report`] and
//! [`nudge`] for scheduled pulses, closing times and reminders to answer.

use super::Context;
use crate::bot::{Bot, BotError};
use crate::chat::{Actor, Block, Button, ButtonStyle, ChannelRef, Message, Outgoing};
use crate::pulse::tally::SegmentName;
use crate::pulse::{
    nudge_message, AnswerKind, PulseCommand, PulsePrompt, PulseResults, QuestionId, QuestionSpec, ResultsInput, Tally,
    Theme, VoteCount, MANAGER_ONLY, PULSE_CLOSED, USAGE, VOTE_RECORDED,
};
use crate::store::{Channel, ChannelId, Claim, NewPulse, NewPulseSchedule, PostKey, Pulse, PulseId, WorkspaceId};
use chrono::{DateTime, TimeDelta, Utc};

/// What a pulse button carries: `pulse` with value `ID:CHOICE`.
pub const CLICK_ACTION: &str = "pulse";

pub async fn run(ctx: &Context<'_>, args: &str) -> Result<Vec<Outgoing>, BotError> {
    let command = match PulseCommand::parse(args) {
        Ok(c) => c,
        Err(e) => return Ok(vec![ctx.ephemeral(Message::text(format!("{e}\n\n{USAGE}")))]),
    };
    if command.needs_manager() && !ctx.is_manager {
        return Ok(vec![ctx.ephemeral(Message::text(MANAGER_ONLY))]);
    }
    let default = TimeDelta::from_std(ctx.bot.config.pulse.default_duration).unwrap_or(crate::pulse::DEFAULT_DURATION);
    let duration = |d: Option<TimeDelta>| d.unwrap_or(default);
    match command {
        PulseCommand::Help => Ok(vec![ctx.ephemeral(Message::text(USAGE))]),
        PulseCommand::Start { question, duration: d } => {
            let question = match question {
                QuestionSpec::Bank { theme } => match pick(ctx.bot, &ctx.channel, theme, ctx.now).await? {
                    Some(q) => q,
                    None => {
                        return Ok(vec![
                            ctx.ephemeral(Message::text("The question bank has no question for that theme."))
                        ])
                    }
                },
                QuestionSpec::Custom { text, answer } => {
                    Asked { id: QuestionId::custom(&text), theme: None, why: None, text, answer }
                }
            };
            let launched =
                launch(ctx.bot, &ctx.channel, ctx.channel_ref, question, duration(d), &ctx.actor.user_id, ctx.now)
                    .await?;
            if launched.posted {
                return Ok(Vec::new());
            }
            Ok(vec![ctx.ephemeral(Message::text(format!(
                "Pulse #{} is open but its question could not be posted just now; meridian will post it again \
                 within a minute or two.",
                launched.id
            )))])
        }
        PulseCommand::Schedule { cron, theme, duration: d } => {
            // Fired as reminders are: crontab weekday numbers, channel wall-clock time, DST-safe.
            let slots = cron.schedule();
            let tz = ctx.channel.settings.timezone;
            let upcoming: Vec<_> = slots.slots_between(tz, ctx.now, ctx.now + TimeDelta::days(400)).take(60).collect();
            let shortest = upcoming.windows(2).map(|w| w[1] - w[0]).min();
            if upcoming.is_empty() {
                return Ok(vec![ctx.ephemeral(Message::text(format!(
                    "`{}` never comes round in the next year; nothing was scheduled.",
                    cron.as_written()
                )))]);
            }
            if let Some(gap) = shortest.filter(|gap| *gap < duration(d)) {
                return Ok(vec![ctx.ephemeral(Message::text(format!(
                    "Each pulse would still be open ({}) when the next one starts ({} later); use a shorter `for:` \
                     or a sparser schedule. Nothing was scheduled.",
                    human(duration(d)),
                    human(gap)
                )))]);
            }
            let schedule = NewPulseSchedule {
                channel: ctx.channel.id,
                cron: cron.as_written().to_string(),
                theme: theme.map(|t| t.as_str().to_string()),
                duration: duration(d),
                created_by: ctx.actor.user_id.clone(),
            };
            let id = ctx.bot.store.save_pulse_schedule(&schedule).await?;
            ctx.bot.store.set_last_run(&schedule_job(id.0), ctx.now).await?;
            ctx.bot.schedule_changed.notify_one();
            let about = theme.map(|t| format!(" on {}", t.title())).unwrap_or_default();
            let first = upcoming[0].with_timezone(&tz).format("%a %-d %b %H:%M %Z");
            Ok(vec![ctx.post(Message::text(format!(
                "{} scheduled a recurring pulse{about} (`{}`, {} time; schedule {id}). Each stays open {}; the first \
                 opens {first}. Stop it with `/pulse unschedule {id}`.",
                ctx.actor.display_name,
                cron.as_written(),
                tz.name(),
                human(duration(d))
            )))])
        }
        PulseCommand::Unschedule { id } => {
            let mine = ctx
                .bot
                .store
                .pulse_schedules()
                .await?
                .into_iter()
                .find(|s| s.id.0 == id as i64 && s.channel == ctx.channel.id);
            let Some(schedule) = mine else {
                return Ok(vec![ctx.ephemeral(Message::text(format!(
                    "There is no pulse schedule {id} in this channel; `/pulse list` shows them."
                )))]);
            };
            ctx.bot.store.remove_pulse_schedule(schedule.id).await?;
            ctx.bot.schedule_changed.notify_one();
            Ok(vec![ctx.post(Message::text(format!(
                "{} stopped the recurring pulse `{}` (schedule {id}). Pulses already open stay open.",
                ctx.actor.display_name, schedule.cron
            )))])
        }
        PulseCommand::Close { id } => {
            let Some(pulse) = find(ctx, id.map(|i| i.0 as i64), true).await? else {
                return Ok(vec![ctx.ephemeral(Message::text("There is no open pulse in this channel to close."))]);
            };
            match report(ctx.bot, &ctx.channel, ctx.channel_ref, &pulse, ctx.now).await? {
                Reported::NotDelivered => {
                    ctx.bot.schedule_changed.notify_one();
                    Ok(vec![ctx.ephemeral(Message::text(format!(
                        "Pulse #{} is closed, but its results could not be posted just now; meridian will post \
                         them within a minute or two.",
                        pulse.id
                    )))])
                }
                Reported::Posted | Reported::NothingToDo => Ok(Vec::new()),
            }
        }
        PulseCommand::Results { id } => {
            let Some(pulse) = find(ctx, id.map(|i| i.0 as i64), false).await? else {
                return Ok(vec![ctx.ephemeral(Message::text("No pulse has run in this channel yet."))]);
            };
            let message = results_message(ctx.bot, &ctx.channel, &pulse, false).await?;
            Ok(vec![ctx.ephemeral(message)])
        }
        PulseCommand::List => list(ctx).await,
    }
}

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
    bot: &Bot,
    channel: &Channel,
    theme: Option<Theme>,
    now: DateTime<Utc>,
) -> Result<Option<Asked>, BotError> {
    let mut earlier = bot.store.pulses_in_channel(channel.id).await?;
    earlier.sort_by_key(|p| std::cmp::Reverse(p.opens_at));
    let recent: Vec<QuestionId> =
        earlier.iter().filter_map(|p| p.question_id.as_deref()).filter_map(|id| QuestionId::new(id).ok()).collect();
    // The seed only breaks ties among never-asked questions; the time is as good as any.
    Ok(bot.bank.pick(theme, &recent, now.timestamp() as u64).map(|q| Asked {
        id: q.id.clone(),
        theme: Some(q.theme),
        why: Some(q.why.clone()),
        text: q.text.clone(),
        answer: q.answer.clone(),
    }))
}

/// Opens a pulse and posts its question with buttons (once, through the ledger).
pub async fn launch(
    bot: &Bot,
    channel: &Channel,
    channel_ref: &ChannelRef,
    asked: Asked,
    duration: TimeDelta,
    created_by: &str,
    now: DateTime<Utc>,
) -> Result<Launched, BotError> {
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
    let id = bot.store.create_pulse(&new).await?;
    let prompt =
        PulsePrompt::compose(meridian_id(id), &asked.text, &asked.answer, asked.theme, asked.why.as_deref(), duration);
    let posted = post_question(bot, channel, channel_ref, id, &prompt_message(id, &prompt), now).await?;
    bot.schedule_changed.notify_one();
    Ok(Launched { id, posted })
}

/// A pulse just opened, and whether its question is in the channel yet.
pub struct Launched {
    pub id: PulseId,
    pub posted: bool,
}

/// Posts a pulse's question once (its ledger claim), remembering the message for updates.
async fn post_question(
    bot: &Bot,
    channel: &Channel,
    channel_ref: &ChannelRef,
    id: PulseId,
    message: &Message,
    now: DateTime<Utc>,
) -> Result<bool, BotError> {
    let key = PostKey { channel: channel.id, purpose: "pulse".into(), occurrence_key: format!("pulse-{id}") };
    let Some(post) = bot.store.claim_or_reclaim(&key, INSTANCE, now).await? else { return Ok(false) };
    match bot.platforms.deliver(&Outgoing::Post { channel: channel_ref.clone(), message: message.clone() }).await {
        Ok(message_ref) => {
            let message_ref = message_ref.map(|r| r.0).unwrap_or_default();
            bot.store.set_pulse_message(id, &message_ref).await?;
            bot.store.mark_delivered(post, &message_ref, now).await?;
            Ok(true)
        }
        Err(e) => {
            tracing::warn!(pulse = %id, error = %e, "pulse question not delivered; will retry");
            Ok(false)
        }
    }
}

/// Sends again the question of an open pulse that never reached its channel.
pub async fn repost(
    bot: &Bot,
    channel: &Channel,
    channel_ref: &ChannelRef,
    pulse: &Pulse,
    now: DateTime<Utc>,
) -> Result<bool, BotError> {
    let answer = answer_of(bot, pulse);
    let question = bank_question(bot, pulse);
    let prompt = PulsePrompt::compose(
        meridian_id(pulse.id),
        &pulse.question,
        &answer,
        question.map(|q| q.theme),
        question.map(|q| q.why.as_str()),
        pulse.closes_at - now,
    );
    post_question(bot, channel, channel_ref, pulse.id, &prompt_message(pulse.id, &prompt), now).await
}

/// The ledger's name for this process's claims made outside the scheduler.
const INSTANCE: &str = "bot";

fn prompt_message(id: PulseId, prompt: &PulsePrompt) -> Message {
    let mut blocks =
        vec![Block::Header { text: prompt.title.clone() }, Block::Section { text: format!("*{}*", prompt.question) }];
    let mut small = Vec::new();
    if let Some(why) = &prompt.why {
        small.push(format!("Why we ask: {why}"));
    }
    if let Some(hint) = &prompt.scale_hint {
        small.push(hint.clone());
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
                value: format!("{id}:{}", b.choice),
                style: ButtonStyle::Default,
            })
            .collect(),
    });
    blocks.push(Block::Context { items: vec![prompt.footer.clone()] });
    Message { text: format!("{}: {}", prompt.title, prompt.question), blocks, attachments: Vec::new() }
}

/// A click on a pulse button: one vote per person, changed by clicking again. Reads the
/// voter's region (the segment) and writes only the vote.
pub async fn click(
    bot: &Bot,
    channel: &ChannelRef,
    actor: &Actor,
    workspace: WorkspaceId,
    channel_id: ChannelId,
    value: &str,
) -> Result<Vec<Outgoing>, BotError> {
    let reply = |text: &str| {
        Ok(vec![Outgoing::Ephemeral {
            channel: channel.clone(),
            user_id: actor.user_id.clone(),
            message: Message::text(text),
        }])
    };
    let parsed = value.split_once(':').and_then(|(p, c)| Some((p.parse::<i64>().ok()?, c.parse::<u32>().ok()?)));
    let Some((pulse_id, choice)) = parsed else { return reply("That button is not one meridian knows.") };
    let now = bot.clock.now();
    let pulse = bot.store.pulse(PulseId(pulse_id)).await?;
    // A pulse past its closing time refuses votes even before the scheduler has closed it.
    let Some(pulse) = pulse.filter(|p| p.is_open() && now < p.closes_at && p.channel == channel_id) else {
        return reply(PULSE_CLOSED);
    };
    let member = bot.store.member_by_platform_id(workspace, &actor.user_id).await?;
    let segment = member.as_ref().and_then(|m| m.profile.region.as_deref());
    match bot.store.record_vote(pulse.id, &actor.user_id, choice, segment, now).await {
        Ok(_) => reply(VOTE_RECORDED),
        Err(crate::store::StoreError::PulseClosed(_)) => reply(PULSE_CLOSED),
        Err(e) => Err(e.into()),
    }
}

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
    bot: &Bot,
    channel: &Channel,
    channel_ref: &ChannelRef,
    pulse: &Pulse,
    now: DateTime<Utc>,
) -> Result<Reported, BotError> {
    let key =
        PostKey { channel: channel.id, purpose: "pulse-results".into(), occurrence_key: format!("pulse-{}", pulse.id) };
    // Exactly one caller closes a pulse (a manager's `/pulse close` may meet the closing
    // time); that caller posts the results. A pulse closed earlier whose results never went
    // out (a crash) is taken over only after a minute's grace, so a closer still posting
    // them is not doubled.
    let closed_here = bot.store.close_pulse(pulse.id, now).await?;
    let grace_over = pulse.closed_at.is_some_and(|closed| closed + TimeDelta::minutes(1) <= now);
    if !closed_here && !grace_over {
        return Ok(Reported::NothingToDo);
    }
    let post = match bot.store.claim_post(&key, INSTANCE, now).await? {
        Claim::Won(post) => post,
        Claim::Taken { delivered: true, .. } => return Ok(Reported::NothingToDo),
        // Undelivered: ours to send once the store's lease allows; until then, try again.
        Claim::Taken { delivered: false, .. } => match bot.store.claim_or_reclaim(&key, INSTANCE, now).await? {
            Some(post) => post,
            None => return Ok(Reported::NotDelivered),
        },
    };
    let closed = bot.store.pulse(pulse.id).await?.unwrap_or_else(|| pulse.clone());
    let message = results_message(bot, channel, &closed, true).await?;
    // The raw rows keep no more than the results showed: folded regions lose their name.
    let tally = tally_of(bot, &closed, &answer_of(bot, &closed), None).await?;
    let disclosed: Vec<String> = tally
        .segments
        .iter()
        .filter_map(|s| match &s.name {
            SegmentName::Region(region) => Some(region.clone()),
            SegmentName::Other => None,
        })
        .collect();
    bot.store.seal_votes(pulse.id, &disclosed).await?;
    if let Some(message_ref) = &closed.message_ref {
        let done = Message::text(format!("Pulse #{} has closed: \"{}\". Results below.", pulse.id, pulse.question));
        let update = Outgoing::Update {
            channel: channel_ref.clone(),
            message_ref: crate::chat::MessageRef(message_ref.clone()),
            message: done,
        };
        if let Err(e) = bot.platforms.deliver(&update).await {
            tracing::warn!(pulse = %pulse.id, error = %e, "could not mark the pulse message closed");
        }
    }
    match bot.platforms.deliver(&Outgoing::Post { channel: channel_ref.clone(), message }).await {
        Ok(message_ref) => {
            bot.store.mark_delivered(post, &message_ref.map(|r| r.0).unwrap_or_default(), now).await?;
            Ok(Reported::Posted)
        }
        Err(e) => {
            tracing::warn!(pulse = %pulse.id, error = %e, "pulse results not delivered; will retry");
            Ok(Reported::NotDelivered)
        }
    }
}

/// The results message of a pulse: counts only while open, the full picture once closed.
pub async fn results_message(bot: &Bot, channel: &Channel, pulse: &Pulse, with_png: bool) -> Result<Message, BotError> {
    let answer = answer_of(bot, pulse);
    // Members meridian knows in the channel; a voter it has not seen there yet still counts.
    let known = bot.store.members_of_channel(channel.id).await?.len() as u32;
    let eligible = known.max(bot.store.voter_count(pulse.id).await.unwrap_or(0) as u32);
    let tally = tally_of(bot, pulse, &answer, Some(eligible)).await?;
    let previous = previous_tally(bot, channel, pulse).await?;
    let mut results = PulseResults::compose(ResultsInput {
        pulse_id: meridian_id(pulse.id),
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
    let mut blocks =
        vec![Block::Header { text: results.title.clone() }, Block::Section { text: format!("*{}*", results.question) }];
    if !results.lines.is_empty() {
        blocks.push(Block::Section { text: results.lines.join("\n") });
    }
    if !results.chart_text.is_empty() {
        blocks.push(Block::Section { text: format!("```\n{}\n```", results.chart_text.join("\n")) });
    }
    blocks.push(Block::Context { items: vec![results.footer.clone()] });
    let attachments = results
        .png
        .take()
        .map(|bytes| crate::chat::Attachment {
            name: format!("pulse-{}.png", pulse.id),
            mime: "image/png".into(),
            bytes,
        })
        .into_iter()
        .collect();
    Ok(Message { text: results.to_text(), blocks, attachments })
}

/// A pulse's tally under the configured `min_group`, from the store's counts.
pub async fn tally_of(bot: &Bot, pulse: &Pulse, answer: &AnswerKind, eligible: Option<u32>) -> Result<Tally, BotError> {
    let votes: Vec<VoteCount> = bot
        .store
        .vote_counts(pulse.id)
        .await?
        .into_iter()
        .map(|v| VoteCount::new(v.choice as usize, v.segment.as_deref(), v.count as u32))
        .collect();
    Tally::compute(answer, &votes, eligible, bot.config.pulse.min_group).map_err(|e| BotError::Pulse(e.to_string()))
}

/// The tally of the last closed pulse of the same question in the channel, for the trend.
async fn previous_tally(bot: &Bot, channel: &Channel, pulse: &Pulse) -> Result<Option<Tally>, BotError> {
    let Some(question_id) = &pulse.question_id else { return Ok(None) };
    let mut earlier: Vec<Pulse> = bot
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
        Some(p) => Ok(Some(tally_of(bot, p, &answer_of(bot, p), None).await?)),
        None => Ok(None),
    }
}

/// The bank question a stored pulse asked, if it came from the bank.
fn bank_question<'b>(bot: &'b Bot, pulse: &Pulse) -> Option<&'b crate::pulse::Question> {
    pulse.question_id.as_deref().and_then(|id| QuestionId::new(id).ok()).and_then(|id| bot.bank.get(&id))
}

/// How a stored pulse is answered: the bank question's own answer kind, or, for a manager's
/// question, what its button labels show (numbers: a scale; the emoji faces; else options).
pub fn answer_of(bot: &Bot, pulse: &Pulse) -> AnswerKind {
    if let Some(q) = bank_question(bot, pulse) {
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

/// Direct messages to the channel's members who have not answered (not saying who did).
pub async fn nudge(bot: &Bot, channel: &Channel, pulse: &Pulse, now: DateTime<Utc>) -> Result<usize, BotError> {
    let key =
        PostKey { channel: channel.id, purpose: "pulse-nudge".into(), occurrence_key: format!("pulse-{}", pulse.id) };
    let Claim::Won(post) = bot.store.claim_post(&key, INSTANCE, now).await? else { return Ok(0) };
    let text = nudge_message(&channel.name, &pulse.question, pulse.closes_at, now);
    let mut sent = 0;
    for member in bot.store.members_of_channel(channel.id).await? {
        if member.profile.opted_out || member.platform_user_id == pulse.created_by {
            continue;
        }
        if bot.store.has_voted(pulse.id, &member.platform_user_id).await? == Some(false) {
            let dm = Outgoing::Direct {
                platform: channel.platform,
                user_id: member.platform_user_id.clone(),
                message: Message::text(text.clone()),
            };
            if bot.platforms.deliver(&dm).await.is_ok() {
                sent += 1;
            }
        }
    }
    bot.store.mark_delivered(post, &format!("{sent} direct messages"), now).await?;
    Ok(sent)
}

async fn find(ctx: &Context<'_>, id: Option<i64>, open_only: bool) -> Result<Option<Pulse>, BotError> {
    let mut pulses = ctx.bot.store.pulses_in_channel(ctx.channel.id).await?;
    pulses.retain(|p| !open_only || p.is_open());
    pulses.sort_by_key(|p| p.opens_at);
    Ok(match id {
        Some(id) => pulses.into_iter().find(|p| p.id.0 == id),
        None => pulses.pop(),
    })
}

async fn list(ctx: &Context<'_>) -> Result<Vec<Outgoing>, BotError> {
    let pulses = ctx.bot.store.pulses_in_channel(ctx.channel.id).await?;
    let tz = ctx.channel.settings.timezone;
    let mut text = String::from("# Pulses in this channel\n");
    for p in pulses.iter().rev().take(10) {
        let state = if p.is_open() {
            format!("open until {}", p.closes_at.with_timezone(&tz).format("%a %-d %b %H:%M %Z"))
        } else {
            "closed".to_string()
        };
        text.push_str(&format!("#{} \"{}\" — {state}\n", p.id, p.question));
    }
    for s in ctx.bot.store.pulse_schedules().await?.iter().filter(|s| s.channel == ctx.channel.id) {
        text.push_str(&format!(
            "~ Schedule {}: `{}` ({} time), {}\n",
            s.id,
            s.cron,
            tz.name(),
            s.theme.as_deref().unwrap_or("any theme")
        ));
    }
    if pulses.is_empty() {
        text.push_str("None yet. A manager can start one with `/pulse`.\n");
    }
    Ok(vec![ctx.ephemeral(crate::render::to_message(&text))])
}

pub fn schedule_job(id: i64) -> String {
    format!("pulse-schedule:{id}")
}

fn human(d: TimeDelta) -> String {
    if d.num_minutes() % (24 * 60) == 0 {
        format!("{} day(s)", d.num_days())
    } else if d.num_minutes() % 60 == 0 {
        format!("{} hour(s)", d.num_hours())
    } else {
        format!("{} minutes", d.num_minutes())
    }
}

/// The pulse core's number for a stored pulse.
pub fn meridian_id(id: PulseId) -> crate::pulse::PulseId {
    crate::pulse::PulseId(id.0.unsigned_abs())
}
