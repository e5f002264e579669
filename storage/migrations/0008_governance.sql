-- Forum governance: officers, role history, handovers, join-request reminders, koordinator votes.

-- An officer title (ketua, wakil ketua, sekretaris, bendahara) is a label, not a permission.
-- NULL (no title) passes the CHECK, as SQL CHECKs do.
ALTER TABLE memberships ADD COLUMN title TEXT CHECK (title IN ('ketua', 'wakil_ketua', 'sekretaris', 'bendahara'));
-- Why a koordinator refused a join request (optional, shown to the applicant).
ALTER TABLE memberships ADD COLUMN reject_reason TEXT;
-- When the koordinators are next reminded of this pending request (NULL: never again).
ALTER TABLE memberships ADD COLUMN remind_at TEXT;
CREATE INDEX memberships_remind ON memberships(remind_at) WHERE status = 'pending' AND remind_at IS NOT NULL;
CREATE INDEX memberships_forum_status ON memberships(forum_id, status, role);

-- Who held which role or title when. A period without ended_at is current.
CREATE TABLE role_history (
    id         INTEGER PRIMARY KEY,
    forum_id   INTEGER NOT NULL REFERENCES forums(id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('role', 'title')),
    value      TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at   TEXT,
    set_by     INTEGER,                -- NULL: the operator or a vote
    how        TEXT NOT NULL           -- joined, peran, handover, appointed, vote, operator
);
CREATE INDEX role_history_forum ON role_history(forum_id, started_at);
CREATE INDEX role_history_open ON role_history(forum_id, user_id, kind) WHERE ended_at IS NULL;

-- The roles people already hold start their history at the moment they were approved.
INSERT INTO role_history(forum_id, user_id, kind, value, started_at, set_by, how)
    SELECT forum_id, user_id, 'role', role, coalesce(decided_at, requested_at), decided_by, 'joined'
    FROM memberships WHERE status = 'active' AND role != 'anggota';

-- "Serahkan koordinator": the successor accepts or refuses before anything changes.
CREATE TABLE handovers (
    id         INTEGER PRIMARY KEY,
    forum_id   INTEGER NOT NULL REFERENCES forums(id) ON DELETE CASCADE,
    from_user  INTEGER NOT NULL,
    to_user    INTEGER NOT NULL,
    status     TEXT NOT NULL DEFAULT 'offered'
               CHECK (status IN ('offered', 'accepted', 'refused', 'cancelled')),
    created_at TEXT NOT NULL,
    decided_at TEXT
);
CREATE INDEX handovers_forum ON handovers(forum_id, status);

-- A headless forum without a pendamping: members name a new koordinator within 7 days.
CREATE TABLE koordinator_votes (
    id        INTEGER PRIMARY KEY,
    forum_id  INTEGER NOT NULL REFERENCES forums(id) ON DELETE CASCADE,
    opened_at TEXT NOT NULL,
    closes_at TEXT NOT NULL,
    closed_at TEXT,
    winner    INTEGER
);
CREATE INDEX koordinator_votes_open ON koordinator_votes(closes_at) WHERE closed_at IS NULL;
CREATE INDEX koordinator_votes_forum ON koordinator_votes(forum_id, opened_at);

CREATE TABLE koordinator_ballots (
    vote_id   INTEGER NOT NULL REFERENCES koordinator_votes(id) ON DELETE CASCADE,
    voter     INTEGER NOT NULL,
    candidate INTEGER NOT NULL,
    cast_at   TEXT NOT NULL,
    PRIMARY KEY (vote_id, voter)
);
