-- Daily briefs (issue 13): how a channel wants its brief, the dates managers add for their
-- customers' regions, and the headlines a channel has been shown (so no story is repeated).
-- The brief's time of day is channels.brief_time; its customer regions are channel_regions.

-- A channel without a row takes the defaults: working days only, a one-line quiet day.
CREATE TABLE brief_settings (
    channel_id INTEGER PRIMARY KEY REFERENCES channels (id) ON DELETE CASCADE,
    days       TEXT NOT NULL CHECK (days IN ('working', 'every')),
    quiet      TEXT NOT NULL CHECK (quiet IN ('line', 'silent'))
);

CREATE TABLE brief_events (
    id         INTEGER PRIMARY KEY,
    channel_id INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    region     TEXT NOT NULL,                 -- ISO code, upper case
    on_date    TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX brief_events_by_channel ON brief_events (channel_id, on_date);

CREATE TABLE brief_headlines (
    channel_id INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    item       TEXT NOT NULL,                 -- SHA-256 (hex) of the feed item's id or link
    shown_on   TEXT NOT NULL,                 -- the local date of the brief that showed it
    PRIMARY KEY (channel_id, item)
);
