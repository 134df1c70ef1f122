-- A post that is sent once, whenever it can be (a command's announcement), keeps what it says
-- until it has gone out, so a failed send is retried like every other post.
ALTER TABLE posts ADD COLUMN payload TEXT;
