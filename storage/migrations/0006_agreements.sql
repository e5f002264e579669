-- Kerjasama antar desa: agreements, their parties, evaluation periods, evaluations (one per party
-- per period), follow-up actions (tindak lanjut) and the history of changes.
-- Dates of the agreement (start, end, due days) are ISO dates "2026-12-31" in the forum's zone;
-- moments are ISO-8601 UTC text as everywhere else.

CREATE TABLE agreements (
    id              INTEGER PRIMARY KEY,
    forum_id        INTEGER NOT NULL REFERENCES forums(id) ON DELETE CASCADE,
    title           TEXT NOT NULL,
    bidang          TEXT,                      -- bot/bidang.py code
    objective       TEXT,
    scope           TEXT,
    funding_source  TEXT,
    funding_amount  INTEGER,                   -- rupiah
    legal_basis     TEXT,                      -- e.g. Peraturan Bersama Kepala Desa Nomor 1 Tahun 2026
    executing_body  TEXT,                      -- e.g. BKAD
    start_date      TEXT NOT NULL,
    end_date        TEXT NOT NULL,
    rhythm          TEXT NOT NULL DEFAULT 'triwulan'
                    CHECK (rhythm IN ('bulanan', 'triwulan', 'semester', 'tahunan')),
    -- The evaluation schedule: periods are computed from schedule_anchor to end_date with the
    -- rhythm, numbered from index_offset + 1 (an amendment re-anchors after the periods already opened).
    schedule_anchor TEXT NOT NULL,
    index_offset    INTEGER NOT NULL DEFAULT 0,
    eval_from       TEXT NOT NULL,             -- periods due before this day are not evaluated
    document_file_id TEXT,
    document_kind   TEXT CHECK (document_kind IN ('document', 'photo')),
    status          TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'ended')),
    ended_early_on  TEXT,
    end_reason      TEXT,
    lapse_accepted_for TEXT,                   -- end_date for which "Biarkan berakhir" was chosen
    created_by      INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX agreements_forum ON agreements(forum_id, end_date);

CREATE TABLE agreement_parties (
    agreement_id        INTEGER NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,
    position            INTEGER NOT NULL,      -- 1-based, display order
    kind                TEXT NOT NULL CHECK (kind IN ('desa', 'pihak_ketiga')),
    village_code        TEXT REFERENCES regions(code),
    name                TEXT NOT NULL,         -- village name or the third party as typed
    rights_obligations  TEXT,
    PRIMARY KEY (agreement_id, position)
);
CREATE INDEX agreement_parties_village ON agreement_parties(village_code);

-- An evaluation period once it has fallen due (opened); deadlines and what was pushed.
CREATE TABLE agreement_periods (
    agreement_id  INTEGER NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,
    forum_id      INTEGER NOT NULL,
    period_index  INTEGER NOT NULL,
    starts        TEXT NOT NULL,
    ends          TEXT NOT NULL,               -- the due day
    opened_at     TEXT NOT NULL,
    overdue_at    TEXT,                        -- set 7 days after opening when parties were missing
    summarized_count INTEGER NOT NULL DEFAULT 0,  -- answers included in the last summary sent
    PRIMARY KEY (agreement_id, period_index)
);
CREATE INDEX agreement_periods_forum ON agreement_periods(forum_id, ends);

CREATE TABLE agreement_evaluations (
    id             INTEGER PRIMARY KEY,
    agreement_id   INTEGER NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,
    forum_id       INTEGER NOT NULL,
    period_index   INTEGER NOT NULL,
    period_start   TEXT NOT NULL,
    period_end     TEXT NOT NULL,
    party_position INTEGER NOT NULL,
    village_code   TEXT,
    user_id        INTEGER,                    -- who answered
    rating         INTEGER CHECK (rating BETWEEN 1 AND 5),
    went_well      TEXT,
    kendala        TEXT,
    photo_file_id  TEXT,
    status         TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted')),
    submitted_at   TEXT,
    updated_at     TEXT NOT NULL,
    UNIQUE (agreement_id, period_index, party_position)
);
CREATE INDEX agreement_evaluations_forum ON agreement_evaluations(forum_id, period_end);

CREATE TABLE agreement_followups (
    id             INTEGER PRIMARY KEY,
    agreement_id   INTEGER NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,
    forum_id       INTEGER NOT NULL,
    evaluation_id  INTEGER NOT NULL REFERENCES agreement_evaluations(id) ON DELETE CASCADE,
    period_index   INTEGER NOT NULL,
    description    TEXT NOT NULL,
    owner_position INTEGER,                    -- a party of the agreement, or NULL
    owner_name     TEXT NOT NULL,
    due_date       TEXT NOT NULL,
    done_at        TEXT,
    done_by        INTEGER,
    created_by     INTEGER NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX agreement_followups_agreement ON agreement_followups(agreement_id, done_at);
CREATE INDEX agreement_followups_forum ON agreement_followups(forum_id, due_date);

-- The agreement's history: registered, amended (with the note of what changed), renewed, ended.
CREATE TABLE agreement_events (
    id           INTEGER PRIMARY KEY,
    agreement_id INTEGER NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,
    at           TEXT NOT NULL,
    by_user      INTEGER,
    kind         TEXT NOT NULL CHECK (kind IN ('created', 'amended', 'renewed', 'ended', 'lapse')),
    field        TEXT,
    old_value    TEXT,
    new_value    TEXT,
    note         TEXT
);
CREATE INDEX agreement_events_agreement ON agreement_events(agreement_id, at);
