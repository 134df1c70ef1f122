-- When the holder of a ledger claim took it, by the database's clock. Leases between
-- instances are counted from it with now(), never with an instance's own clock, so two
-- instances whose clocks disagree cannot both think a lease has run out and post twice.
-- Released claims (a graceful shutdown) are set to the epoch: free at once.
ALTER TABLE posts ADD COLUMN leased_at TIMESTAMPTZ NOT NULL DEFAULT now();
