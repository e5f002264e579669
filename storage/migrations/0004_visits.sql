-- Village directory (profiles, search index) and kunjungan kerja (work visits).

-- One profile per village (any member whose village it is may edit it).
CREATE TABLE village_profiles (
    village_code TEXT PRIMARY KEY REFERENCES regions(code),
    potensi      TEXT NOT NULL DEFAULT '',   -- bidang codes, space-separated, catalog order
    kebutuhan    TEXT NOT NULL DEFAULT '',   -- bidang codes, space-separated
    detail       TEXT NOT NULL DEFAULT '',   -- free text about the potensi
    programs     TEXT NOT NULL DEFAULT '',   -- program unggulan, free text
    updated_by   INTEGER,
    updated_at   TEXT NOT NULL
);

-- The directory's full-text index: one row per village profile (rowid = village_profiles.rowid).
-- `tags` holds the potensi labels in both languages, `stems` crude Indonesian stems of everything,
-- so "bertani" finds "pertanian". Other sources (experience posts) are searched by their own
-- index and merged in storage/directory.py (see SEARCH_SOURCES).
CREATE VIRTUAL TABLE directory_fts USING fts5(
    tags, programs, detail, stems,
    tokenize='unicode61 remove_diacritics 2', prefix='3'
);

CREATE TABLE visits (
    id                INTEGER PRIMARY KEY,
    forum_id          INTEGER NOT NULL REFERENCES forums(id) ON DELETE CASCADE,  -- a forum both share
    requester_user_id INTEGER NOT NULL REFERENCES members(user_id),
    requester_village TEXT NOT NULL,            -- kode wilayah, kept even if the member moves
    host_user_id      INTEGER NOT NULL REFERENCES members(user_id),
    host_village      TEXT NOT NULL,
    purpose           TEXT NOT NULL,
    bidang            TEXT NOT NULL,            -- bidang codes, space-separated (see visit_bidang)
    people            INTEGER NOT NULL,
    message           TEXT NOT NULL DEFAULT '',
    state             TEXT NOT NULL CHECK (state IN ('diajukan', 'tanggal_diusulkan', 'diterima', 'ditolak',
                                                     'selesai', 'dibatalkan')),
    awaiting          TEXT CHECK (awaiting IN ('requester', 'host')),
    proposed_dates    TEXT NOT NULL DEFAULT '[]',  -- JSON list of ISO dates currently offered
    round             INTEGER NOT NULL DEFAULT 1,  -- grows with every proposal (stale date buttons)
    visit_date        TEXT,                     -- ISO date once accepted
    reason            TEXT,                     -- why it was refused or cancelled
    closed_by         INTEGER,
    version           INTEGER NOT NULL DEFAULT 1,  -- compare-and-set: crossing presses cannot both win
    host_note         TEXT,
    host_note_at      TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    accepted_at       TEXT,
    closed_at         TEXT
);
CREATE INDEX visits_forum ON visits(forum_id, state);
CREATE INDEX visits_requester ON visits(requester_user_id, state);
CREATE INDEX visits_host ON visits(host_user_id, state);
CREATE INDEX visits_date ON visits(visit_date);

-- One row per bidang of a visit, for summaries ("which bidang") without string splitting.
CREATE TABLE visit_bidang (
    visit_id INTEGER NOT NULL REFERENCES visits(id) ON DELETE CASCADE,
    code     TEXT NOT NULL,
    PRIMARY KEY (visit_id, code)
);

-- Every transition, for the record and for reports.
CREATE TABLE visit_events (
    id         INTEGER PRIMARY KEY,
    visit_id   INTEGER NOT NULL REFERENCES visits(id) ON DELETE CASCADE,
    at         TEXT NOT NULL,
    actor      INTEGER,
    event      TEXT NOT NULL,
    from_state TEXT,
    to_state   TEXT NOT NULL,
    detail     TEXT
);
CREATE INDEX visit_events_visit ON visit_events(visit_id);

-- The visitor's report after the visit; post_id is set once it is published as an experience post.
CREATE TABLE visit_reports (
    visit_id       INTEGER PRIMARY KEY REFERENCES visits(id) ON DELETE CASCADE,
    author_user_id INTEGER NOT NULL,
    learned        TEXT NOT NULL,
    will_apply     TEXT NOT NULL,
    photos         TEXT NOT NULL DEFAULT '[]',  -- JSON list of Telegram file_ids
    created_at     TEXT NOT NULL,
    published_at   TEXT,
    post_id        INTEGER
);
