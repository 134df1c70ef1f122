-- PostgreSQL's 0006 adds posts.leased_at, the lease on the database's clock that several
-- instances share. SQLite has one process per file and a zero lease (see Store::claim_or_reclaim),
-- so nothing changes here; the file keeps both dialects at the same schema version.
SELECT 1;
