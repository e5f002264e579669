-- National scale: indexes that fit the hot queries, a "next due" time per planned item, the
-- monthly digest's runs, and what retention keeps of the outbox rows it prunes.

-- /agenda and /laporan: one range seek per forum and status.
CREATE INDEX meetings_forum_status_start ON meetings(forum_id, status, starts_at);
-- The meetings planner's group tallies to catch up: only the few with a newer RSVP are indexed.
CREATE INDEX meetings_tally_stale ON meetings(starts_at) WHERE tally_version > tally_queued;
-- Retention walks sent rows oldest first.
CREATE INDEX outbox_sent ON outbox(status, sent_at);

-- When each planner must next look at an item (agreement, forum). '' means "now": every change
-- that may bring a push forward resets it, so a pass selects only what is due by index.
CREATE TABLE planner_due (
    planner TEXT NOT NULL,
    item_id INTEGER NOT NULL,
    due_at  TEXT NOT NULL,
    PRIMARY KEY (planner, item_id)
) WITHOUT ROWID;
CREATE INDEX planner_due_at ON planner_due(planner, due_at);

INSERT INTO planner_due(planner, item_id, due_at) SELECT 'agreements', id, '' FROM agreements;
INSERT INTO planner_due(planner, item_id, due_at) SELECT 'report_digest', id, '' FROM forums;
INSERT INTO planner_due(planner, item_id, due_at) SELECT 'posts_digest', id, '' FROM forums;

CREATE TRIGGER planner_due_forum_new AFTER INSERT ON forums
BEGIN
    INSERT OR REPLACE INTO planner_due(planner, item_id, due_at) VALUES ('report_digest', NEW.id, '');
    INSERT OR REPLACE INTO planner_due(planner, item_id, due_at) VALUES ('posts_digest', NEW.id, '');
END;
CREATE TRIGGER planner_due_forum_zone AFTER UPDATE OF timezone ON forums
BEGIN
    INSERT OR REPLACE INTO planner_due(planner, item_id, due_at) VALUES ('report_digest', NEW.id, '');
    INSERT OR REPLACE INTO planner_due(planner, item_id, due_at) VALUES ('posts_digest', NEW.id, '');
END;
CREATE TRIGGER planner_due_forum_gone AFTER DELETE ON forums
BEGIN
    DELETE FROM planner_due WHERE planner IN ('report_digest', 'posts_digest') AND item_id = OLD.id;
END;
CREATE TRIGGER planner_due_posts_settings_new AFTER INSERT ON post_forum_settings
BEGIN
    INSERT OR REPLACE INTO planner_due(planner, item_id, due_at) VALUES ('posts_digest', NEW.forum_id, '');
END;
CREATE TRIGGER planner_due_posts_settings AFTER UPDATE ON post_forum_settings
BEGIN
    INSERT OR REPLACE INTO planner_due(planner, item_id, due_at) VALUES ('posts_digest', NEW.forum_id, '');
END;

CREATE TRIGGER planner_due_agreement_new AFTER INSERT ON agreements
BEGIN
    INSERT OR REPLACE INTO planner_due(planner, item_id, due_at) VALUES ('agreements', NEW.id, '');
END;
CREATE TRIGGER planner_due_agreement_changed AFTER UPDATE ON agreements
BEGIN
    INSERT OR REPLACE INTO planner_due(planner, item_id, due_at) VALUES ('agreements', NEW.id, '');
END;
CREATE TRIGGER planner_due_agreement_gone AFTER DELETE ON agreements
BEGIN
    DELETE FROM planner_due WHERE planner = 'agreements' AND item_id = OLD.id;
END;
CREATE TRIGGER planner_due_agreement_party_new AFTER INSERT ON agreement_parties
BEGIN
    INSERT OR REPLACE INTO planner_due(planner, item_id, due_at) VALUES ('agreements', NEW.agreement_id, '');
END;
CREATE TRIGGER planner_due_agreement_party_gone AFTER DELETE ON agreement_parties
BEGIN
    INSERT OR REPLACE INTO planner_due(planner, item_id, due_at) VALUES ('agreements', OLD.agreement_id, '');
END;
CREATE TRIGGER planner_due_evaluation_new AFTER INSERT ON agreement_evaluations
BEGIN
    INSERT OR REPLACE INTO planner_due(planner, item_id, due_at) VALUES ('agreements', NEW.agreement_id, '');
END;
CREATE TRIGGER planner_due_evaluation_changed AFTER UPDATE ON agreement_evaluations
BEGIN
    INSERT OR REPLACE INTO planner_due(planner, item_id, due_at) VALUES ('agreements', NEW.agreement_id, '');
END;

-- The monthly forum health digest, once per forum and month (replaces a search of the outbox).
CREATE TABLE report_digest_runs (
    forum_id   INTEGER NOT NULL REFERENCES forums(id) ON DELETE CASCADE,
    month      TEXT NOT NULL,                  -- '2026-11': the month reported on
    recipients INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (forum_id, month)
) WITHOUT ROWID;
INSERT OR IGNORE INTO report_digest_runs(forum_id, month, recipients, created_at)
    SELECT CAST(substr(idem_key, 15, instr(substr(idem_key, 15), ':') - 1) AS INTEGER),
           substr(idem_key, 15 + instr(substr(idem_key, 15), ':'), 7), count(*), min(created_at)
    FROM outbox WHERE idem_key LIKE 'report:digest:%'
    GROUP BY 1, 2;

-- Retention: a broadcast keeps the count of its sent messages whose rows were pruned.
CREATE TABLE outbox_pruned_counts (
    broadcast_id INTEGER PRIMARY KEY,
    sent         INTEGER NOT NULL DEFAULT 0
);
-- A push whose sent row was pruned is never queued again (its key is kept for a while).
CREATE TABLE outbox_pruned_keys (
    idem_key  TEXT PRIMARY KEY,
    pruned_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX outbox_pruned_keys_at ON outbox_pruned_keys(pruned_at);
CREATE TRIGGER outbox_pruned_guard BEFORE INSERT ON outbox
    WHEN EXISTS (SELECT 1 FROM outbox_pruned_keys WHERE idem_key = NEW.idem_key)
BEGIN
    SELECT RAISE(IGNORE);
END;
