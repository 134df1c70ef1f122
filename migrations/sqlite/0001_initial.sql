-- meridian's schema, SQLite dialect (the PostgreSQL twin is migrations/postgres/0001_initial.sql;
-- keep them in step). Instants are stored as sqlx encodes DateTime<Utc>: RFC 3339 text with a
-- "+00:00" offset, which sorts in time order; dates are YYYY-MM-DD, times of day HH:MM:SS.

CREATE TABLE workspaces (
    id          INTEGER PRIMARY KEY,
    platform    TEXT NOT NULL CHECK (platform IN ('console', 'slack', 'discord')),
    external_id TEXT NOT NULL,
    name        TEXT NOT NULL,
    UNIQUE (platform, external_id)
);

CREATE TABLE channels (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    external_id   TEXT NOT NULL,
    name          TEXT NOT NULL,
    timezone      TEXT NOT NULL,              -- IANA name, e.g. Asia/Kolkata
    reminder_cron TEXT NOT NULL,              -- five-field cron in the channel's time zone
    lead_days     TEXT NOT NULL,              -- JSON array of whole days before an event, e.g. [7,1,0]
    brief_time    TEXT,                       -- local time of the daily brief; NULL: no brief
    UNIQUE (workspace_id, external_id)
);
CREATE INDEX channels_by_name ON channels (workspace_id, name);

-- Regions a channel follows (reminders) and the regions its customers are in (briefs).
CREATE TABLE channel_regions (
    channel_id INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('followed', 'customer')),
    region     TEXT NOT NULL,
    PRIMARY KEY (channel_id, role, region)
);

CREATE TABLE members (
    id               INTEGER PRIMARY KEY,
    workspace_id     INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    platform_user_id TEXT NOT NULL,
    display_name     TEXT NOT NULL,
    region           TEXT,
    subdivision      TEXT,
    timezone         TEXT,
    work_start       TEXT,
    work_end         TEXT,
    opted_out        BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (workspace_id, platform_user_id)
);

CREATE TABLE channel_members (
    channel_id INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    PRIMARY KEY (channel_id, member_id)
);
CREATE INDEX channel_members_by_member ON channel_members (member_id);

-- Team dates: a channel's own (channel_id set) or the whole workspace's (channel_id NULL).
CREATE TABLE custom_events (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    channel_id   INTEGER REFERENCES channels (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    on_date      TEXT NOT NULL,
    yearly       BOOLEAN NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('event', 'milestone')),
    note         TEXT,
    created_by   TEXT NOT NULL
);
CREATE INDEX custom_events_by_workspace ON custom_events (workspace_id, channel_id);

-- Calendar files imported by HR, kept verbatim; the calendar module parses them.
CREATE TABLE imported_calendars (
    region_code TEXT PRIMARY KEY,
    source_name TEXT NOT NULL,
    toml_text   TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at TEXT NOT NULL
);

CREATE TABLE pulses (
    id           INTEGER PRIMARY KEY,
    channel_id   INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    question     TEXT NOT NULL,
    question_id  TEXT,                        -- id in the question bank, for trends
    theme        TEXT,
    options      TEXT NOT NULL,               -- JSON array of answer labels, in button order
    option_count INTEGER NOT NULL,
    opens_at     TEXT NOT NULL,
    closes_at    TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    closed_at    TEXT,
    message_ref  TEXT
);
CREATE INDEX pulses_by_channel ON pulses (channel_id, opens_at);
CREATE INDEX pulses_open ON pulses (closes_at) WHERE closed_at IS NULL;

-- The per-pulse HMAC key, outside the votes table; deleted when the pulse closes.
CREATE TABLE pulse_keys (
    pulse_id INTEGER PRIMARY KEY REFERENCES pulses (id) ON DELETE CASCADE,
    key      BLOB NOT NULL
);

-- One row per voter per pulse, holding HMAC-SHA256(pulse key, pulse id || voter id) and never
-- the voter's id. WITHOUT ROWID: rows are kept in hash order, so the table does not also
-- record the order in which people voted. No time is stored for the same reason.
CREATE TABLE votes (
    pulse_id   INTEGER NOT NULL REFERENCES pulses (id) ON DELETE CASCADE,
    voter_hash BLOB NOT NULL,
    choice     INTEGER NOT NULL,
    segment    TEXT,                          -- the voter's region, for segmented results
    revision   INTEGER NOT NULL DEFAULT 0,    -- 0 for a first vote, +1 per change
    PRIMARY KEY (pulse_id, voter_hash)
) WITHOUT ROWID;

CREATE TABLE pulse_schedules (
    id            INTEGER PRIMARY KEY,
    channel_id    INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    cron          TEXT NOT NULL,
    theme         TEXT,
    duration_secs INTEGER NOT NULL,
    created_by    TEXT NOT NULL
);

-- The post ledger: one row per post the bot has made or claimed. The unique key is what makes
-- a reminder go out once across restarts and instances.
CREATE TABLE posts (
    id             INTEGER PRIMARY KEY,
    channel_id     INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    purpose        TEXT NOT NULL,
    occurrence_key TEXT NOT NULL,
    instance_id    TEXT NOT NULL,
    claimed_at     TEXT NOT NULL,
    delivered_at   TEXT,
    message_ref    TEXT,
    UNIQUE (channel_id, purpose, occurrence_key)
);
CREATE INDEX posts_by_message ON posts (message_ref);
CREATE INDEX posts_undelivered ON posts (claimed_at) WHERE delivered_at IS NULL;

-- Reactions on the bot's posts (public on the platform anyway, so not anonymised).
CREATE TABLE reactions (
    post_id          INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    platform_user_id TEXT NOT NULL,
    emoji            TEXT NOT NULL,
    reacted_at       TEXT NOT NULL,
    PRIMARY KEY (post_id, platform_user_id, emoji)
);

-- When each scheduler job last ran, so it catches up after downtime.
CREATE TABLE job_runs (
    job      TEXT PRIMARY KEY,
    last_run TEXT NOT NULL
);
