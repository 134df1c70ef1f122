-- A reaction names a message within a channel (Slack's ts is unique only there): look posts
-- up by both.
DROP INDEX posts_by_message;
CREATE INDEX posts_by_channel_message ON posts (channel_id, message_ref);
