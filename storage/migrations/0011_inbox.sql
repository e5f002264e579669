-- Reliability: the durable inbox of updates, the bot's own small key/value state,
-- and the outbox's lease and possible-duplicate marks.

-- Every update Telegram delivered, stored before it is confirmed (polling offset / webhook 200).
-- status: new (not handled yet), applied (its state change is committed, the reply may not be
-- out), done (handled and answered), dropped (over the sender's flood queue; never handled).
CREATE TABLE inbox (
    update_id   INTEGER PRIMARY KEY,
    chat_key    INTEGER NOT NULL,          -- the sender (or chat): order and fairness are per key
    user_id     INTEGER,                   -- for /hapus_data
    raw         TEXT NOT NULL,             -- the update's JSON as Telegram sent it
    status      TEXT NOT NULL DEFAULT 'new'
                CHECK (status IN ('new', 'applied', 'done', 'dropped')),
    received_at TEXT NOT NULL,
    handled_at  TEXT
);
-- Replay at start: WHERE status IN ('new', 'applied') ORDER BY update_id.
CREATE INDEX inbox_open ON inbox(status, update_id);
-- Pruning: WHERE status IN ('done', 'dropped') AND received_at < ?
CREATE INDEX inbox_received ON inbox(received_at);
CREATE INDEX inbox_user ON inbox(user_id);

CREATE TABLE bot_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- When a row went to 'sending': a row stuck there past the lease is taken back without a restart.
ALTER TABLE outbox ADD COLUMN claimed_at TEXT;
-- 1 when a send timed out after Telegram may already have delivered it (a possible duplicate).
ALTER TABLE outbox ADD COLUMN maybe_sent INTEGER NOT NULL DEFAULT 0;
CREATE INDEX outbox_sending ON outbox(status, claimed_at);
