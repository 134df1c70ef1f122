//! A pulse's life, once for commands and the scheduler alike: pick a question, open the
//! pulse and post it (once, through the ledger), record votes, nudge those who have not
//! answered, close it and post the results with the chart, fire recurring schedules.

use super::{Once, ServiceError, Services};
use crate::chat::{
    Actor, Attachment, Block, Button, ButtonStyle, ChannelRef, Message, MessageRef, Outgoing, Rich, UserRef,
};
use crate::pulse::tally::SegmentName;
use crate::pulse::{
    nudge_at, nudge_due, nudge_message, AnswerKind, PulsePrompt, PulseResults, QuestionId, ResultsInput, Tally, Theme,
    DEFAULT_NUDGE_LEAD, PULSE_CLOSED, VOTE_RECORDED,
};
use crate::reminders::first_second_after;
use crate::store::{Channel, ChannelId, Claim, NewPulse, PostKey, Pulse, PulseId, PulseSchedule, Purpose, WorkspaceId};
use chrono::{DateTime, TimeDelta, Utc};

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
    let answer = answer_of(s, pulse);
    let question = bank_question(s, pulse);
    let prompt = PulsePrompt::compose(
        pulse.id,
        &pulse.question,
        &answer,
        question.map(|q| q.theme),
        question.map(|q| q.why.as_str()),
        pulse.closes_at - now,
    );
    post_question(s, channel, channel_ref, pulse.id, prompt_message(pulse.id, &prompt), now).await
}

fn prompt_message(id: PulseId, prompt: &PulsePrompt) -> Message {
    prompt_message_with(id, prompt, None)
}

/// The question with its buttons; with `answers`, how many have answered so far (a count of
/// people only, never who or what), as the live message shows it.
fn prompt_message_with(id: PulseId, prompt: &PulsePrompt, answers: Option<u64>) -> Message {
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
                value: format!("{}:{}", id.0, b.choice),
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

/// Pulses that took votes since their message last showed its count. A click only marks its
/// pulse here; [`show_live_counts`] edits each message at most once per round, so a burst of
/// clicks makes one edit, within the platforms' limits on edits (Slack: about 50 a minute).
#[derive(Debug, Default)]
pub struct LiveCounts(std::sync::Mutex<std::collections::HashSet<PulseId>>);

impl LiveCounts {
    fn touch(&self, pulse: PulseId) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).insert(pulse);
    }

    fn take(&self) -> Vec<PulseId> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).drain().collect()
    }
}

/// How often a running bot shows the new counts of pulses being answered.
pub const LIVE_COUNT_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// Edits the message of every open pulse that took votes since the last round to show how
/// many have answered. Nothing is lost if an edit fails: the next vote marks it again, and
/// the closing edit replaces it anyway.
pub async fn show_live_counts(s: &Services, now: DateTime<Utc>) -> Result<usize, ServiceError> {
    let mut shown = 0;
    for id in s.live.take() {
        let Some(pulse) = s.store.pulse(id).await? else { continue };
        let Some(message_ref) = pulse.message_ref.clone().filter(|_| pulse.is_open() && now < pulse.closes_at) else {
            continue;
        };
        let Some(channel) = s.store.channel(pulse.channel).await? else { continue };
        let channel_ref = s.channel_ref(&channel).await?;
        let answers = s.store.voter_count(pulse.id).await?;
        let answer = answer_of(s, &pulse);
        let question = bank_question(s, &pulse);
        let prompt = PulsePrompt::compose(
            pulse.id,
            &pulse.question,
            &answer,
            question.map(|q| q.theme),
            question.map(|q| q.why.as_str()),
            pulse.closes_at - now,
        );
        let update = Outgoing::Update {
            channel: channel_ref,
            message_ref: MessageRef(message_ref),
            message: prompt_message_with(pulse.id, &prompt, Some(answers)),
        };
        match s.delivery.send(&update).await {
            Ok(_) => shown += 1,
            Err(e) => tracing::warn!(pulse = %pulse.id, error = %e, "the live count was not shown"),
        }
    }
    Ok(shown)
}

/// A click on a pulse button: one vote per person, changed by clicking again. Reads the
/// voter's region (the segment) and writes only the vote. Returns what the voter is told.
pub async fn vote(
    s: &Services,
    actor: &Actor,
    workspace: WorkspaceId,
    channel: ChannelId,
    value: &str,
) -> Result<Message, ServiceError> {
    let parsed = value.split_once(':').and_then(|(p, c)| Some((p.parse::<i64>().ok()?, c.parse::<u32>().ok()?)));
    let Some((pulse_id, choice)) = parsed else { return Ok(Message::text("That button is not one meridian knows.")) };
    let now = s.clock.now();
    let pulse = s.store.pulse(PulseId(pulse_id)).await?;
    if pulse.as_ref().is_some_and(|p| p.channel != channel) {
        return Ok(Message::text("That pulse belongs to another channel; answer it there."));
    }
    // A pulse past its closing time refuses votes even before the scheduler has closed it.
    let Some(pulse) = pulse.filter(|p| p.is_open() && now < p.closes_at) else {
        return Ok(Message::text(PULSE_CLOSED));
    };
    if choice as usize >= pulse.options.len() {
        return Ok(Message::text("That button is not one meridian knows."));
    }
    let member = s.store.member_by_platform_id(workspace, &actor.user_id).await?;
    let segment = member.as_ref().and_then(|m| m.profile.region.as_ref()).map(|r| r.as_str());
    match s.store.record_vote(pulse.id, &actor.user_id, choice, segment, now).await {
        Ok(_) => {
            crate::telemetry::metrics::vote_recorded();
            s.live.touch(pulse.id);
            Ok(Message::text(VOTE_RECORDED))
        }
        Err(crate::store::StoreError::PulseClosed(_)) => Ok(Message::text(PULSE_CLOSED)),
        Err(e) => Err(e.into()),
    }
}

/// What a pulse owes its channel, as time passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Duty {
    /// Its question never went out (a failed send, a crash after its claim): send it.
    Repost,
    /// Close it and post its results; for a closed pulse, post results a crash left owed.
    Report,
    /// Remind, once, those who have not answered.
    Nudge,
}

/// The grace before a retry: a launch or a close still in progress elsewhere is not doubled.
pub const GRACE: TimeDelta = TimeDelta::minutes(1);

/// How long after closing a pulse's results are still worth posting.
const RESULTS_KEEP: TimeDelta = TimeDelta::days(7);

/// Every duty of a pulse and the instant it falls due, past or to come: the one reading of
/// the timing rules behind the scheduler's run, its next wake-up and `meridian preview`.
pub fn duties(p: &Pulse) -> Vec<(DateTime<Utc>, Duty)> {
    match p.closed_at {
        Some(closed) => vec![(closed + GRACE, Duty::Report)],
        None => {
            let mut due =
                vec![(p.closes_at, Duty::Report), (nudge_at(p.opens_at, p.closes_at, DEFAULT_NUDGE_LEAD), Duty::Nudge)];
            if p.message_ref.is_none() {
                due.push((p.opens_at + GRACE, Duty::Repost));
            }
            due
        }
    }
}

/// The duties to carry out at `now`, in the order to carry them out.
pub fn due_now(p: &Pulse, now: DateTime<Utc>) -> Vec<Duty> {
    let mut due: Vec<Duty> = duties(p)
        .into_iter()
        .filter(|(at, duty)| match duty {
            // Before closing only: after it, the results say it all.
            Duty::Repost => *at <= now && now < p.closes_at && p.is_open(),
            Duty::Nudge => p.is_open() && nudge_due(p.opens_at, p.closes_at, now, DEFAULT_NUDGE_LEAD, false),
            Duty::Report => *at <= now && p.closed_at.is_none_or(|closed| now - closed < RESULTS_KEEP),
        })
        .map(|(_, duty)| duty)
        .collect();
    due.sort();
    due
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
fn bank_question<'b>(s: &'b Services, pulse: &Pulse) -> Option<&'b crate::pulse::Question> {
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

/// What [`nudge`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nudged {
    /// Sent to this many people (perhaps none: everyone had answered).
    Sent(usize),
    /// Sent before, or being sent by another instance.
    NothingToDo,
    /// Every message failed; the nudge stays owed and is tried again as a whole.
    Failed,
}

/// Direct messages to the channel's members who have not answered (not saying who did).
/// A nudge is one ledger post: when some messages went out it is done (sending the rest
/// again would need a record of who had not voted); when every one failed it stays owed.
pub async fn nudge(
    s: &Services,
    channel: &Channel,
    channel_ref: &ChannelRef,
    pulse: &Pulse,
    now: DateTime<Utc>,
) -> Result<Nudged, ServiceError> {
    let key =
        PostKey { channel: channel.id, purpose: Purpose::PulseNudge, occurrence_key: format!("pulse-{}", pulse.id.0) };
    let super::Claiming::Mine(claimed) = s.claim(&key, now).await? else {
        return Ok(Nudged::NothingToDo);
    };
    let post = claimed.post;
    let text = nudge_message(&channel.name, &pulse.question, pulse.closes_at, now);
    let opted_out: std::collections::HashSet<String> = s
        .store
        .members_of_channel(channel.id)
        .await?
        .into_iter()
        .filter(|m| m.profile.opted_out)
        .map(|m| m.platform_user_id)
        .collect();
    let (mut sent, mut failed) = (0, 0);
    for user_id in s.members_of(channel, channel_ref).await? {
        if opted_out.contains(&user_id) || user_id == pulse.created_by {
            continue;
        }
        if s.store.has_voted(pulse.id, &user_id).await? == Some(false) {
            let user = UserRef { platform: channel.platform, workspace: channel_ref.workspace.clone(), user_id };
            match s.delivery.send(&Outgoing::Direct { user, message: Message::text(&text) }).await {
                Ok(_) => sent += 1,
                Err(e) => {
                    tracing::warn!(pulse = %pulse.id, error = %e, "nudge not delivered");
                    failed += 1;
                }
            }
        }
    }
    if sent == 0 && failed > 0 {
        return Ok(Nudged::Failed);
    }
    s.store.mark_delivered(post, &format!("{sent} direct messages"), now).await?;
    Ok(Nudged::Sent(sent))
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
