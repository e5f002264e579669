-- Musyawarah for a kerja sama in perumusan: the MAD (antar-desa) or the Musdes (pihak ketiga),
-- its invited delegates per party (members of the forum or people recorded by name who do not use
-- Telegram), their answers and attendance (daftar hadir), and the berita acara (decisions, notes).
-- Moments are ISO-8601 UTC text as everywhere else.

CREATE TABLE musyawarah (
    id            INTEGER PRIMARY KEY,
    agreement_id  INTEGER NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,
    forum_id      INTEGER NOT NULL REFERENCES forums(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('mad', 'musdes')),
    starts_at     TEXT NOT NULL,              -- UTC
    timezone      TEXT NOT NULL,              -- the forum's zone, shown with the time
    place         TEXT NOT NULL,
    agenda        TEXT NOT NULL DEFAULT '[]', -- JSON list of strings
    status        TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'held', 'cancelled')),
    invited_at    TEXT,                       -- invitations queued
    remind_at     TEXT,                       -- H-1 reminder due (UTC); NULL once queued or when not invited
    notes         TEXT,                       -- berita acara: notes
    berita_at     TEXT,                       -- berita acara recorded
    berita_by     INTEGER,
    created_by    INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX musyawarah_agreement ON musyawarah(agreement_id, starts_at);
-- The H-1 planner selects only what is due.
CREATE INDEX musyawarah_remind ON musyawarah(remind_at) WHERE remind_at IS NOT NULL;

CREATE TABLE musyawarah_delegates (
    id             INTEGER PRIMARY KEY,
    musyawarah_id  INTEGER NOT NULL REFERENCES musyawarah(id) ON DELETE CASCADE,
    party_position INTEGER NOT NULL,          -- the agreement party the delegate represents
    user_id        INTEGER REFERENCES members(user_id),  -- NULL: recorded by name, not a Telegram user
    name           TEXT NOT NULL,
    role           TEXT,                      -- jabatan: kepala desa, BPD, tokoh masyarakat ...
    answer         TEXT CHECK (answer IN ('hadir', 'tidak')),
    answered_at    TEXT,
    present        INTEGER CHECK (present IN (0, 1)),
    recorded_by    INTEGER,
    recorded_at    TEXT
);
CREATE INDEX musyawarah_delegates_meeting ON musyawarah_delegates(musyawarah_id, party_position);
CREATE UNIQUE INDEX musyawarah_delegates_member ON musyawarah_delegates(musyawarah_id, user_id)
    WHERE user_id IS NOT NULL;

-- What the musyawarah agreed, in order: each decision may name the clause of the draft it settles.
CREATE TABLE musyawarah_decisions (
    musyawarah_id  INTEGER NOT NULL REFERENCES musyawarah(id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    clause         TEXT,                      -- the agreement's clause key, NULL for other decisions
    text           TEXT NOT NULL,
    PRIMARY KEY (musyawarah_id, position)
);
