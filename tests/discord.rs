//! The Discord adapter end to end: the real `meridian run` binary against a fake Discord on
//! 127.0.0.1 (REST under `[discord] api_base`, and the gateway it names). Commands are
//! registered with their typed options; a manager's `/pulse` is posted, members vote by
//! button, a member without the permission is refused privately, and closing edits the
//! question and posts the results with the chart; every interaction is answered within
//! Discord's three seconds, slow work or not; a 429 is waited out; reactions are counted; a
//! dropped gateway resumes with nothing lost or handled twice; newcomers are welcomed and
//! leavers leave; HTTP interactions are verified by signature; a bad token stops meridian.

mod common;
mod fakes;

use common::process::RunningBot;
use fakes::discord::{
    intents, perms, said, sample, Callback, Component, FakeDiscord, FakeGuild, FakeOptions, FakeReaction, FakeUser,
    Opt, SlashCommand, World, EPHEMERAL,
};
use meridian::pulse::VOTE_RECORDED;
use meridian::store::{PulseId, Store};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const GUILD: u64 = sample::GUILD;
const GENERAL: u64 = sample::GENERAL;
const ANNOUNCEMENTS: u64 = sample::ANNOUNCEMENTS;
/// Has the "Team lead" role, which carries Manage Server.
const MAYA: u64 = 1_300_000_000_000_000_010;
const LEAD_ROLE: u64 = 1_500_000_000_000_000_010;
/// Seven members with no special permission.
const PEOPLE: [u64; 7] = [
    1_300_000_000_000_000_021,
    1_300_000_000_000_000_022,
    1_300_000_000_000_000_023,
    1_300_000_000_000_000_024,
    1_300_000_000_000_000_025,
    1_300_000_000_000_000_026,
    1_300_000_000_000_000_027,
];
const THREE_SECONDS: Duration = Duration::from_secs(3);

/// One server: its owner, Maya (a team lead), seven members and the bot; #general and
/// #announcements, open to everyone.
fn world() -> World {
    let bot = FakeUser::bot(sample::BOT, "Meridian");
    let mut guild = FakeGuild::new(GUILD, "Meridian HQ", sample::OWNER)
        .role(LEAD_ROLE, "Team lead", perms::DEFAULT_EVERYONE | perms::MANAGE_GUILD)
        .bot_role(sample::BOT_ROLE, "Meridian", perms::DEFAULT_EVERYONE, sample::BOT)
        .text_channel(GENERAL, "general")
        .text_channel(ANNOUNCEMENTS, "announcements")
        .member(FakeUser::new(sample::OWNER, "olga").global_name("Olga"), &[])
        .member(FakeUser::new(MAYA, "maya").global_name("Maya"), &[LEAD_ROLE])
        .member(bot.clone(), &[sample::BOT_ROLE]);
    for (i, id) in PEOPLE.iter().enumerate() {
        guild = guild.member(FakeUser::new(*id, &format!("person{i}")), &[]);
    }
    World::new(sample::TOKEN, sample::APP, bot).guild(guild)
}

/// `meridian run` connected to `fake`, with `extra` configuration in `[discord]`.
async fn start(fake: &FakeDiscord, extra: &str) -> RunningBot {
    let config = format!(
        "[discord]\napi_base = \"{}\"\nguild_ids = [\"{GUILD}\"]\nguild_members = true\n{extra}\n",
        fake.api_base()
    );
    let token = fake.token();
    let bot = tokio::task::spawn_blocking(move || RunningBot::start(&config, &[("DISCORD_TOKEN", &token)], &[]))
        .await
        .unwrap();
    fake.wait_ready(Duration::from_secs(15)).await.unwrap_or_else(|e| panic!("{e}\n{}", bot.stderr()));
    bot
}

/// Waits (up to ten seconds) until `check` gives a value.
async fn eventually<T>(what: &str, check: impl Fn() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn in_time(callback: &Callback) {
    assert!(callback.accepted(), "callback refused: {callback:?}");
    assert!(callback.elapsed < THREE_SECONDS, "answered after {:?}", callback.elapsed);
    assert!(callback.ephemeral(), "only the person who acted sees it: {callback:?}");
}

fn pulse(user: u64, channel: u64, options: Vec<Opt>) -> SlashCommand {
    SlashCommand::new("pulse").subcommand("ask", options).user(user).channel(channel)
}

/// The bot's message with buttons in `channel`, and the buttons' custom ids.
fn question(fake: &FakeDiscord, channel: u64) -> Option<(u64, Vec<String>)> {
    fake.message_with_buttons(channel)
}

async fn store_of(bot: &RunningBot) -> Store {
    Store::connect(&format!("sqlite://{}", bot.dir.path().join("meridian.db").display())).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pulse_is_asked_answered_by_button_refused_to_a_member_and_closed_with_its_chart() {
    let fake = FakeDiscord::start_with(world(), FakeOptions::default()).await;
    let bot = start(&fake, "shards = \"0-0/1\"").await;

    // Connected with the fewest intents (Server Members only because it is configured), as
    // the one shard configured, and the commands registered in the server with typed options.
    let identify = &fake.identifies()[0];
    assert_eq!(identify["intents"], intents::GUILDS | intents::GUILD_MESSAGE_REACTIONS | intents::GUILD_MEMBERS);
    assert_eq!(identify["shard"], json!([0, 1]));
    assert!(fake.commands(None).is_empty(), "not global when guild_ids is set");
    let commands = fake.commands(Some(GUILD));
    let names: Vec<&str> = commands.iter().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(names, ["meridian", "pulse", "milestone", "brief", "calendar"]);
    let sub = |command: &str, sub: &str| -> Value {
        let c = commands.iter().find(|c| c["name"] == command).unwrap();
        c["options"].as_array().unwrap().iter().find(|o| o["name"] == sub).cloned().unwrap()
    };
    assert_eq!(sub("meridian", "follow")["type"], 1);
    assert_eq!(
        sub("meridian", "follow")["options"][0],
        json!({"type": 3, "name": "regions", "description": "Region codes, e.g. IN PH AU-NSW", "required": true, "autocomplete": true})
    );
    assert_eq!(sub("meridian", "upcoming")["options"][0]["max_value"], 366);
    let ask: Vec<String> = sub("pulse", "ask")["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ask, ["question", "theme", "scale", "options", "emoji", "for"]);
    assert_eq!(sub("pulse", "ask")["options"][1]["choices"].as_array().unwrap().len(), 7, "the bank's themes");
    assert_eq!(sub("milestone", "add")["options"][2]["type"], 5, "yearly is a boolean");
    assert_eq!(sub("brief", "event-add")["options"][2]["name"], "name", "region, date, then the name");

    // Maya (Manage Server) asks; the question is posted as an embed with buttons, and the
    // "thinking…" placeholder goes, since she has nothing to read privately.
    let options = vec![Opt::string("question", "How clear were handoffs this week?"), Opt::string("for", "1h")];
    let asked = fake.send_interaction(pulse(MAYA, GENERAL, options)).await.unwrap();
    in_time(&asked);
    assert_eq!(asked.kind, 5, "deferred");
    let (message, buttons) = eventually("the pulse question", || question(&fake, GENERAL)).await;
    assert_eq!(buttons, ["pulse:1:0", "pulse:1:1", "pulse:1:2", "pulse:1:3", "pulse:1:4"]);
    let posted = fake.calls("POST /channels/*/messages").remove(0);
    let payload = posted.json().unwrap();
    assert!(said(&fake.message(message).unwrap()).contains("How clear were handoffs this week?"));
    assert_eq!(payload["nonce"].as_str().map(str::len), Some(24), "the ledger's key, hashed: {payload}");
    assert_eq!(payload["enforce_nonce"], true);
    eventually("the placeholder removed", || fake.original_response(asked.interaction_id).is_none().then_some(()))
        .await;

    // A member without the permission is refused at once, privately.
    let refused = fake.send_interaction(pulse(PEOPLE[0], GENERAL, vec![])).await.unwrap();
    in_time(&refused);
    assert_eq!(refused.kind, 4, "answered, nothing deferred");
    assert!(refused.data["content"].as_str().unwrap().contains("Only managers"), "{}", refused.data);

    // Six members vote; the first changes their mind. Each vote's acknowledgement is its
    // answer, given only once the vote is written: by the time Discord has it, the store
    // counts the voter.
    let store = store_of(&bot).await;
    for (i, person) in PEOPLE[..6].iter().chain(&PEOPLE[..1]).enumerate() {
        let click = Component::button(&buttons[(i + 2) % 5]).message(message).user(*person).channel(GENERAL);
        let callback = fake.send_interaction(click).await.unwrap();
        in_time(&callback);
        assert_eq!(callback.kind, 4, "answered, not deferred: {callback:?}");
        assert_eq!(callback.data["content"], VOTE_RECORDED);
        assert_eq!(store.voter_count(PulseId(1)).await.unwrap(), (i + 1).min(6) as u64, "written before the answer");
    }

    // Maya closes it: the question loses its buttons and says so; the results follow with
    // the chart, sent inline and shown in the embed.
    let close = SlashCommand::new("pulse").subcommand("close", vec![]).user(MAYA).channel(GENERAL);
    in_time(&fake.send_interaction(close).await.unwrap());
    let results = fake
        .wait_for("POST /channels/*/messages", |c| !c.files().is_empty(), Duration::from_secs(15))
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", bot.stderr()));
    let file = &results.files()[0];
    assert_eq!((file.field.as_str(), file.filename.as_str()), ("files[0]", "pulse-1.png"));
    assert!(file.data.starts_with(b"\x89PNG"), "a PNG chart");
    let payload = results.json().unwrap();
    assert_eq!(payload["embeds"][0]["image"]["url"], "attachment://pulse-1.png");
    let shown = fake.messages(GENERAL).into_iter().find(|m| !m["attachments"].as_array().unwrap().is_empty()).unwrap();
    assert!(said(&shown).contains("6 responses · 67% response rate (6 of 9 members)"), "{}", said(&shown));
    let closed = fake.message(message).unwrap();
    assert_eq!(closed["components"], json!([]), "no more buttons");
    assert!(said(&closed).contains("has closed"), "{}", said(&closed));

    assert_eq!(store.voter_count(PulseId(1)).await.unwrap(), 6, "six people, one vote each");
    for callback in fake.callbacks() {
        assert!(callback.accepted() && callback.elapsed < THREE_SECONDS, "{callback:?}");
    }
    let (status, log) = bot.stop();
    assert!(status.success(), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_work_is_still_acknowledged_in_time_and_a_429_is_waited_out_and_posted_once() {
    let fake = FakeDiscord::start_with(world(), FakeOptions::default()).await;
    let bot = start(&fake, "").await;

    // Posting takes four seconds: the interaction is answered first, well within three.
    fake.delay("POST /channels/*/messages", Duration::from_secs(4));
    let started = Instant::now();
    let slow = fake.send_interaction(pulse(MAYA, GENERAL, vec![Opt::string("question", "Slow?")])).await.unwrap();
    in_time(&slow);
    eventually("the slow post", || question(&fake, GENERAL)).await;
    assert!(started.elapsed() >= Duration::from_secs(4));
    fake.delay("POST /channels/*/messages", Duration::ZERO);

    // Discord says to wait 1.5 s: meridian waits, then posts, once.
    fake.rate_limit_next("POST /channels/*/messages", 1.5);
    let limited =
        fake.send_interaction(pulse(MAYA, ANNOUNCEMENTS, vec![Opt::string("question", "Limited?")])).await.unwrap();
    in_time(&limited);
    eventually("the post after the wait", || question(&fake, ANNOUNCEMENTS)).await;
    let tries: Vec<_> = fake.calls(&format!("POST /channels/{ANNOUNCEMENTS}/messages"));
    assert_eq!(tries.iter().map(|c| c.status).collect::<Vec<_>>(), [429, 200], "{}", bot.stderr());
    assert!(tries[1].at - tries[0].at >= Duration::from_millis(1500), "waited {:?}", tries[1].at - tries[0].at);
    let public = |m: &Value| m["flags"].as_u64().unwrap_or(0) & EPHEMERAL == 0;
    assert_eq!(fake.messages(ANNOUNCEMENTS).iter().filter(|m| public(m)).count(), 1, "posted once");
    bot.stop();
}

/// While another connection holds SQLite's write lock, a vote cannot be written: the click
/// is still acknowledged within Discord's three seconds, as "thinking…" (never "your vote is
/// in" for a vote not yet written), and the answer follows once the vote is in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vote_the_store_cannot_write_yet_is_acknowledged_as_thinking_and_answered_once_written() {
    use sqlx::{Connection, Executor};
    let fake = FakeDiscord::start_with(world(), FakeOptions::default()).await;
    let bot = start(&fake, "").await;
    in_time(&fake.send_interaction(pulse(MAYA, GENERAL, vec![Opt::string("question", "Stalled?")])).await.unwrap());
    let (message, buttons) = eventually("the pulse question", || question(&fake, GENERAL)).await;

    let store = store_of(&bot).await;
    let database = format!("sqlite://{}", bot.dir.path().join("meridian.db").display());
    let mut blocker = sqlx::SqliteConnection::connect(&database).await.unwrap();
    blocker.execute("BEGIN IMMEDIATE").await.unwrap();
    let click = Component::button(&buttons[3]).message(message).user(PEOPLE[0]).channel(GENERAL);
    let callback = fake.send_interaction(click).await.unwrap();
    in_time(&callback);
    assert_eq!(callback.kind, 5, "deferred while the vote cannot be written: {callback:?}");
    assert_eq!(store.voter_count(PulseId(1)).await.unwrap(), 0);

    blocker.execute("ROLLBACK").await.unwrap();
    let answer = eventually("the vote's answer", || {
        fake.original_response(callback.interaction_id).filter(|m| m["content"].as_str().is_some_and(|c| !c.is_empty()))
    })
    .await;
    assert_eq!(answer["content"], VOTE_RECORDED);
    assert_eq!(answer["flags"], EPHEMERAL, "still only for the voter");
    assert_eq!(store.voter_count(PulseId(1)).await.unwrap(), 1);
    bot.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reactions_are_counted_and_a_dropped_gateway_resumes_with_nothing_lost_or_repeated() {
    let fake = FakeDiscord::start_with(world(), FakeOptions::default()).await;
    let bot = start(&fake, "").await;
    in_time(&fake.send_interaction(pulse(MAYA, GENERAL, vec![Opt::string("question", "Q?")])).await.unwrap());
    let (message, buttons) = eventually("the pulse question", || question(&fake, GENERAL)).await;

    let store = store_of(&bot).await;
    let reactions = || {
        let store = store.clone();
        async move {
            let channel = store.channels().await.unwrap().into_iter().find(|c| c.external_id == GENERAL.to_string());
            let (from, until) = (chrono::DateTime::UNIX_EPOCH, chrono::Utc::now() + chrono::Duration::days(400));
            let mut seen: Vec<(String, String)> = match channel {
                Some(c) => store.reactions(c.id, from, until).await.unwrap(),
                None => vec![],
            }
            .into_iter()
            .map(|r| (r.platform_user_id, r.emoji))
            .collect();
            seen.sort();
            seen
        }
    };
    async fn until_reactions<F, Fut>(reactions: F, want: Vec<(String, String)>)
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Vec<(String, String)>>,
    {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let now = reactions().await;
            if now == want {
                return;
            }
            assert!(Instant::now() < deadline, "reactions {now:?}, wanted {want:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let one = |user: u64, emoji: &str| (user.to_string(), emoji.to_string());

    fake.send_reaction_add(FakeReaction::new(PEOPLE[1], GENERAL, message, "👍")).await.unwrap();
    // The bot's own reaction comes back as an event too; it is not a person's.
    fake.send_reaction_add(FakeReaction::new(sample::BOT, GENERAL, message, "✅")).await.unwrap();
    until_reactions(&reactions, vec![one(PEOPLE[1], "👍")]).await;

    // The connection drops; a reaction and a vote happen while meridian is away.
    assert!(fake.drop_socket());
    fake.send_reaction_add(FakeReaction::new(PEOPLE[2], GENERAL, message, "🎉")).await.unwrap();
    let click = Component::button(&buttons[3]).message(message).user(PEOPLE[3]).channel(GENERAL);
    let away = fake.post_interaction(click).await.unwrap();
    fake.wait_resumes(1, Duration::from_secs(10)).await.unwrap();
    let callback = fake.wait_callback(away.id, Duration::from_secs(5)).await.unwrap();
    in_time(&callback);
    until_reactions(&reactions, vec![one(PEOPLE[1], "👍"), one(PEOPLE[2], "🎉")]).await;

    // Give a second handling of any replayed event the time to show, then look.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(fake.identify_count(), 1, "resumed, not a new session");
    assert_eq!(fake.callbacks().iter().filter(|c| c.interaction_id == away.id).count(), 1);
    assert_eq!(store.voter_count(PulseId(1)).await.unwrap(), 1);
    let log = bot.stderr();
    let handled = log.lines().filter(|l| l.contains("discord reaction") && l.contains("🎉")).count();
    assert_eq!(handled, 1, "the replayed reaction is handled once:\n{log}");

    fake.send_reaction_remove(FakeReaction::new(PEOPLE[1], GENERAL, message, "👍")).await.unwrap();
    until_reactions(&reactions, vec![one(PEOPLE[2], "🎉")]).await;

    // With Server Members on, a newcomer is welcomed by DM (Discord has no unprompted private
    // message in a channel), and someone who leaves the server leaves its channels.
    let newcomer = FakeUser::new(1_300_000_000_000_000_099, "newcomer");
    fake.update_world(|w| {
        w.guilds[0].members.push(fakes::discord::FakeMember { user: newcomer.clone(), roles: vec![], nick: None })
    });
    let user = |id: u64, name: &str| json!({"id": id.to_string(), "username": name, "discriminator": "0", "global_name": null, "avatar": null});
    let member = json!({
        "guild_id": GUILD.to_string(), "user": user(newcomer.id, "newcomer"), "nick": null, "roles": [],
        "joined_at": "2026-11-05T08:00:00.000000+00:00", "deaf": false, "mute": false, "flags": 0, "pending": false,
    });
    fake.dispatch("GUILD_MEMBER_ADD", member).await.unwrap();
    let welcome = eventually("the welcome", || {
        let dm = fake.dm_channel(newcomer.id)?;
        fake.messages(dm).into_iter().next()
    })
    .await;
    assert!(said(&welcome).contains("Welcome!"), "{welcome}");
    let in_general = || {
        let store = store.clone();
        async move {
            let channel = store.channels().await.unwrap().into_iter().find(|c| c.external_id == GENERAL.to_string());
            let members = store.members_of_channel(channel.unwrap().id).await.unwrap();
            members.into_iter().map(|m| m.platform_user_id).collect::<Vec<_>>()
        }
    };
    assert!(in_general().await.contains(&PEOPLE[1].to_string()), "a reaction made them known");
    // A reaction to someone else's message is none of meridian's business.
    let elsewhere = json!({
        "user_id": PEOPLE[5].to_string(), "channel_id": GENERAL.to_string(), "message_id": "1700000000000000099",
        "guild_id": GUILD.to_string(), "emoji": {"id": null, "name": "😂"}, "burst": false, "type": 0,
        "message_author_id": PEOPLE[0].to_string(), "burst_colors": [],
    });
    fake.dispatch("MESSAGE_REACTION_ADD", elsewhere).await.unwrap();
    fake.dispatch("GUILD_MEMBER_REMOVE", json!({"guild_id": GUILD.to_string(), "user": user(PEOPLE[1], "person1")}))
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while in_general().await.contains(&PEOPLE[1].to_string()) {
        assert!(Instant::now() < deadline, "still in #general after leaving the server");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!in_general().await.contains(&PEOPLE[5].to_string()), "the other message's reaction was left alone");
    let log = bot.stderr();
    assert!(log.contains("😂"), "the reaction did arrive:\n{log}");
    bot.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_interactions_answer_when_signed_by_discord_and_get_401_when_forged() {
    let fake = FakeDiscord::start_with(world(), FakeOptions::default()).await;
    let extra = format!("public_key = \"{}\"\ninteractions = \"http\"", fake.public_key_hex());
    let bot = start(&fake, &extra).await;
    let url = format!("http://{}/discord/interactions", bot.http);
    let client = reqwest::Client::new();
    let send = |body: String, timestamp: String, signature: String| {
        let request = client
            .post(&url)
            .header("content-type", "application/json")
            .header("x-signature-timestamp", timestamp)
            .header("x-signature-ed25519", signature)
            .body(body);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let body = response.bytes().await.unwrap();
            (status, serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null))
        }
    };

    // Discord checks the endpoint with a signed PING.
    let ping = fake.ping_body();
    let (timestamp, signature) = fake.signed_request(&ping);
    assert_eq!(send(ping, timestamp, signature).await, (200, json!({"type": 1})));

    // A signed command is deferred in the response; the answer follows through the token.
    let upcoming = SlashCommand::new("meridian").subcommand("upcoming", vec![Opt::integer("days", 30)]).user(PEOPLE[0]);
    let signed = fake.http_interaction(upcoming).unwrap();
    let (status, response) = send(signed.body.clone(), signed.timestamp.clone(), signed.signature.clone()).await;
    assert_eq!((status, &response), (200, &json!({"type": 5, "data": {"flags": 64}})));
    assert!(fake.ack_http_interaction(signed.id, &response).accepted());
    let answer = eventually("the answer", || {
        fake.original_response(signed.id).filter(|m| m["content"].as_str().is_some_and(|c| !c.is_empty()))
    })
    .await;
    assert!(said(&answer).contains("Coming up in the next 30 days"), "{answer}");

    // Forged: a body the signature was not made for, or a signature from another key.
    let forged = fake.http_interaction(pulse(MAYA, GENERAL, vec![Opt::string("question", "Forged?")])).unwrap();
    let tampered = forged.body.replace("Forged?", "Tampered?");
    let (status, _) = send(tampered, forged.timestamp.clone(), forged.signature.clone()).await;
    assert_eq!(status, 401);
    let (status, _) = send(forged.body.clone(), forged.timestamp.clone(), "00".repeat(64)).await;
    assert_eq!(status, 401);
    let stale = (chrono::Utc::now().timestamp() - 3600).to_string();
    let (status, _) = send(forged.body.clone(), stale.clone(), fake.sign(&stale, &forged.body)).await;
    assert_eq!(status, 401, "a replay an hour later");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(fake.calls("POST /channels/*/messages").is_empty(), "nothing was posted");
    assert!(store_of(&bot).await.pulse(PulseId(1)).await.unwrap().is_none(), "no pulse was started");
    bot.stop();
}

#[test]
fn the_invite_url_names_the_scopes_and_the_permissions_meridian_uses() {
    let out = common::stdout(&["discord", "invite-url", "--application-id", "1100000000000000001"], "");
    assert!(out.starts_with(
        "https://discord.com/oauth2/authorize?client_id=1100000000000000001&scope=bot%20applications.commands&permissions=52224\n"
    ));
    assert!(out.contains("View Channels, Send Messages, Embed Links, Attach Files"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_or_an_unreachable_discord_stops_meridian_with_a_clear_error() {
    let fake = FakeDiscord::start_with(world(), FakeOptions::default()).await;
    for (api_base, token, expected) in [
        (fake.api_base(), "not-the-token", "Is DISCORD_TOKEN the bot token of your application?"),
        ("http://127.0.0.1:9/api/v10".to_string(), sample::TOKEN, "could not be reached"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("meridian.toml");
        std::fs::write(&config, format!("[discord]\napi_base = \"{api_base}\"\n[http]\nlisten = \"127.0.0.1:0\"\n"))
            .unwrap();
        let database = format!("sqlite://{}", dir.path().join("m.db").display());
        let mut command = common::meridian();
        command
            .args(["run", "--config", config.to_str().unwrap(), "--database", &database])
            .env_clear()
            .env("DISCORD_TOKEN", token);
        let out = tokio::task::spawn_blocking(move || command.output()).await.unwrap().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
        assert!(!stderr.contains("not-the-token"), "the token is never printed: {stderr}");
    }
    assert!(fake.identifies().is_empty(), "never connected to a gateway");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_members_configured_but_not_allowed_in_the_portal_stops_meridian_saying_so() {
    let mut world = world();
    world.portal_intents = 0;
    let fake = FakeDiscord::start_with(world, FakeOptions::default()).await;
    let config = format!("[discord]\napi_base = \"{}\"\nguild_members = true\n", fake.api_base());
    let token = fake.token();
    let bot = tokio::task::spawn_blocking(move || RunningBot::start(&config, &[("DISCORD_TOKEN", &token)], &[]))
        .await
        .unwrap();
    bot.wait_for_log("switch it on in the developer portal", Duration::from_secs(15));
    let (status, log) = bot.stop();
    assert!(!status.success(), "{log}");
    assert_eq!(fake.identify_count(), 0, "refused");
}
