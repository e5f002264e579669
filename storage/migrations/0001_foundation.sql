-- Foundation: the village registry, forums, members, memberships, invites, drafts, outbox.
-- Times are ISO-8601 UTC text ("2026-12-07T02:00:00+00:00"), so text order is time order.

CREATE TABLE regions (
    code   TEXT PRIMARY KEY,          -- Kemendagri: PP, PP.KK, PP.KK.CC, PP.KK.CC.DDDD
    level  INTEGER NOT NULL,          -- 1 provinsi, 2 kabupaten/kota, 3 kecamatan, 4 desa/kelurahan
    name   TEXT NOT NULL,
    parent TEXT
);
CREATE INDEX regions_parent ON regions(parent);
-- Word-prefix search ("sidas cipari" finds Sidasari in Kec. Cipari); rowid = regions.rowid.
-- `area` holds the names above (kecamatan, kabupaten) so people can narrow by them.
CREATE VIRTUAL TABLE regions_fts USING fts5(
    name, area, tokenize='unicode61 remove_diacritics 2', prefix='2 3 4'
);

CREATE TABLE forums (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    scope_code    TEXT NOT NULL REFERENCES regions(code),
    timezone      TEXT NOT NULL,
    group_chat_id INTEGER UNIQUE,
    language      TEXT NOT NULL DEFAULT 'id',
    created_by    INTEGER NOT NULL,
    created_at    TEXT NOT NULL
);

-- Optional Telegram forum-topic thread per feature ("meetings", "posts", ...).
CREATE TABLE forum_topics (
    forum_id  INTEGER NOT NULL REFERENCES forums(id) ON DELETE CASCADE,
    feature   TEXT NOT NULL,
    thread_id INTEGER NOT NULL,
    PRIMARY KEY (forum_id, feature)
);

CREATE TABLE members (
    user_id            INTEGER PRIMARY KEY,   -- Telegram user id
    full_name          TEXT NOT NULL,
    jabatan            TEXT NOT NULL,
    village_code       TEXT REFERENCES regions(code),
    phone              TEXT,
    language           TEXT NOT NULL DEFAULT 'id',
    timezone           TEXT,                  -- NULL: the village's zone
    unreachable_reason TEXT,                  -- set when Telegram answers 403/chat not found
    unreachable_at     TEXT,
    erased_at          TEXT,                  -- personal data erased (UU 27/2022 PDP)
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX members_village ON members(village_code);

CREATE TABLE memberships (
    forum_id     INTEGER NOT NULL REFERENCES forums(id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES members(user_id),
    role         TEXT NOT NULL CHECK (role IN ('koordinator', 'anggota', 'pendamping')),
    status       TEXT NOT NULL CHECK (status IN ('pending', 'active', 'rejected', 'removed')),
    requested_at TEXT NOT NULL,
    decided_at   TEXT,
    decided_by   INTEGER,
    PRIMARY KEY (forum_id, user_id)
);
CREATE INDEX memberships_user ON memberships(user_id, status);

CREATE TABLE invites (
    code       TEXT PRIMARY KEY,
    forum_id   INTEGER NOT NULL REFERENCES forums(id) ON DELETE CASCADE,
    role       TEXT NOT NULL DEFAULT 'anggota',
    created_by INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX invites_forum ON invites(forum_id);

-- A conversation in progress (one per user), so a restart mid-form loses nothing.
CREATE TABLE drafts (
    user_id    INTEGER PRIMARY KEY,
    flow       TEXT NOT NULL,
    step       TEXT NOT NULL,
    data       TEXT NOT NULL DEFAULT '{}',
    updated_at TEXT NOT NULL
);

-- Every push the bot makes on its own; written in the transaction of the change that causes it.
CREATE TABLE outbox (
    id             INTEGER PRIMARY KEY,
    idem_key       TEXT NOT NULL UNIQUE,
    chat_id        INTEGER NOT NULL,
    thread_id      INTEGER,
    method         TEXT NOT NULL DEFAULT 'sendMessage',
    payload        TEXT NOT NULL,           -- JSON of the Bot API parameters besides chat_id
    priority       INTEGER NOT NULL DEFAULT 1,  -- 0 interactive, 1 reminder, 2 bulk
    urgent         INTEGER NOT NULL DEFAULT 0,  -- ignores quiet hours
    forum_id       INTEGER,
    member_user_id INTEGER,                 -- the recipient when it is a member's private chat
    broadcast_id   INTEGER,
    due_at         TEXT NOT NULL,
    expires_at     TEXT,                    -- after this the push is pointless (the event is over)
    status         TEXT NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled', 'expired')),
    attempts       INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT,
    next_try_at    TEXT,
    sent_at        TEXT,
    message_id     INTEGER,
    created_at     TEXT NOT NULL
);
CREATE INDEX outbox_due ON outbox(status, due_at);
CREATE INDEX outbox_broadcast ON outbox(broadcast_id, status);
