-- HR's calendars (issue 14): a member's company calendar (ACME-PUNE), kept beside their
-- region; who-is-off follows it where it is set. Company calendars themselves are kept in
-- imported_calendars (TOML text in the calendar file format).
ALTER TABLE members ADD COLUMN calendar TEXT;
