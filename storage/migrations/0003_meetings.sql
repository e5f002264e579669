-- Meetings (pertemuan rutin): series, occurrences, RSVPs, attendance, minutes, action items.
-- Every table carries forum_id (directly or through meetings) and UTC ISO times, so reports
-- can ask "meetings of forum F between A and B with their attendance" in plain SQL.

-- Per-forum defaults (reminder plan). Absent row: the built-in defaults.
CREATE TABLE meeting_settings (
    forum_id   INTEGER PRIMARY KEY REFERENCES forums(id) ON DELETE CASCADE,
    reminders  TEXT NOT NULL,                 -- JSON list of reminder codes ("n3", "c1", "c2h", ...)
    updated_by INTEGER,
    updated_at TEXT NOT NULL
);

-- A recurring meeting: the rule and the rotating hosts. Its occurrences are rows in meetings.
CREATE TABLE meeting_series (
    id             INTEGER PRIMARY KEY,
    forum_id       INTEGER NOT NULL REFERENCES forums(id) ON DELETE CASCADE,
    rule           TEXT NOT NULL,             -- JSON of bot.recurrence.Recurrence
    first_start_at TEXT NOT NULL,             -- UTC; the rule's first occurrence
    timezone       TEXT NOT NULL,             -- the meetings' zone (RRULE/TZID in .ics)
    host_rotation  TEXT NOT NULL DEFAULT '[]',-- JSON list of village codes, in turn order
    created_by     INTEGER NOT NULL,
    created_at     TEXT NOT NULL,
    cancelled_at   TEXT
);
CREATE INDEX meeting_series_forum ON meeting_series(forum_id);

CREATE TABLE meetings (
    id                INTEGER PRIMARY KEY,
    forum_id          INTEGER NOT NULL REFERENCES forums(id) ON DELETE CASCADE,
    series_id         INTEGER REFERENCES meeting_series(id) ON DELETE CASCADE,
    seq               INTEGER,                -- occurrence number in the series (1-based)
    original_start_at TEXT,                   -- the rule's time for this occurrence (RECURRENCE-ID)
    title             TEXT NOT NULL,
    starts_at         TEXT NOT NULL,          -- UTC
    duration_minutes  INTEGER NOT NULL,
    timezone          TEXT NOT NULL,          -- shown zone (WIB/WITA/WIT)
    place_kind        TEXT NOT NULL CHECK (place_kind IN ('village', 'address', 'location', 'online', 'none')),
    host_village_code TEXT REFERENCES regions(code),
    address           TEXT,
    latitude          REAL,
    longitude         REAL,
    online_url        TEXT,
    agenda            TEXT NOT NULL DEFAULT '[]',  -- JSON list of strings
    documents         TEXT NOT NULL DEFAULT '[]',  -- JSON list of {"file_id", "name", "kind"}
    max_attendees     INTEGER,                -- people (sum of party sizes of Hadir), NULL: no limit
    rsvp_deadline     TEXT,                   -- UTC; NULL: until the meeting starts
    reminders         TEXT,                   -- JSON list of codes; NULL: the forum's
    status            TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
    version           INTEGER NOT NULL DEFAULT 1,  -- bumped by reschedule; reminder keys carry it
    announced_at      TEXT,
    tally_version     INTEGER NOT NULL DEFAULT 0,  -- bumped by every RSVP change
    tally_queued      INTEGER NOT NULL DEFAULT 0,  -- the tally_version an edit is queued for
    tally_edit_due    TEXT,                   -- due time of the latest queued tally edit
    host_notified_at  TEXT,
    attendance_at     TEXT,                   -- attendance recorded
    attendance_by     INTEGER,
    created_by        INTEGER NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    cancelled_at      TEXT,
    cancel_reason     TEXT
);
CREATE INDEX meetings_forum_start ON meetings(forum_id, starts_at);
CREATE INDEX meetings_series ON meetings(series_id, seq);
CREATE INDEX meetings_start ON meetings(status, starts_at);

CREATE TABLE meeting_rsvps (
    meeting_id  INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES members(user_id),
    answer      TEXT NOT NULL CHECK (answer IN ('yes', 'no', 'maybe')),
    party_size  INTEGER NOT NULL DEFAULT 1 CHECK (party_size BETWEEN 1 AND 50),
    reason      TEXT,
    revision    INTEGER NOT NULL DEFAULT 1,   -- bumped by each change; reminder keys carry it
    via         TEXT NOT NULL DEFAULT 'private' CHECK (via IN ('private', 'group')),
    answered_at TEXT NOT NULL,
    PRIMARY KEY (meeting_id, user_id)
);

-- The daftar hadir: one row per member of the forum at recording time.
CREATE TABLE meeting_attendance (
    meeting_id   INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES members(user_id),
    village_code TEXT,
    present      INTEGER NOT NULL CHECK (present IN (0, 1)),
    recorded_by  INTEGER NOT NULL,
    recorded_at  TEXT NOT NULL,
    PRIMARY KEY (meeting_id, user_id)
);

CREATE TABLE meeting_minutes (
    meeting_id INTEGER PRIMARY KEY REFERENCES meetings(id) ON DELETE CASCADE,
    decisions  TEXT NOT NULL DEFAULT '[]',    -- JSON list of strings
    notes      TEXT,
    posted_by  INTEGER NOT NULL,
    posted_at  TEXT NOT NULL
);

-- Tindak lanjut from the minutes: a person responsible and a due date (local date of the forum).
CREATE TABLE meeting_actions (
    id            INTEGER PRIMARY KEY,
    meeting_id    INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    forum_id      INTEGER NOT NULL REFERENCES forums(id) ON DELETE CASCADE,
    text          TEXT NOT NULL,
    owner_user_id INTEGER NOT NULL REFERENCES members(user_id),
    due_date      TEXT NOT NULL,              -- YYYY-MM-DD in the meeting's zone
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
    done_at       TEXT,
    done_by       INTEGER,
    created_at    TEXT NOT NULL
);
CREATE INDEX meeting_actions_owner ON meeting_actions(owner_user_id, status);
CREATE INDEX meeting_actions_forum ON meeting_actions(forum_id, status, due_date);

-- A host village asks another village to take its turn (both must agree).
CREATE TABLE meeting_host_swaps (
    id            INTEGER PRIMARY KEY,
    meeting_id    INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    other_meeting_id INTEGER REFERENCES meetings(id) ON DELETE CASCADE,  -- the other village's turn, if any
    from_village  TEXT NOT NULL,
    to_village    TEXT NOT NULL,
    requested_by  INTEGER NOT NULL,
    status        TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined', 'void')),
    decided_by    INTEGER,
    created_at    TEXT NOT NULL,
    decided_at    TEXT
);
CREATE INDEX meeting_host_swaps_meeting ON meeting_host_swaps(meeting_id, status);
