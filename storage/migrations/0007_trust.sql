-- Trust: a member's village in a forum is the one a koordinator approved (issue 11).
-- memberships.village_code is that approved village; rights in the forum follow it, never the profile.
-- village_verified: someone other than the person approved it (a join or a village change), which is
-- what lets them edit the shared village profile.
ALTER TABLE memberships ADD COLUMN village_code TEXT REFERENCES regions(code);
ALTER TABLE memberships ADD COLUMN village_verified INTEGER NOT NULL DEFAULT 0;
UPDATE memberships SET village_code = (SELECT m.village_code FROM members m WHERE m.user_id = memberships.user_id);
UPDATE memberships SET village_verified = 1
    WHERE status = 'active' AND decided_by IS NOT NULL AND decided_by != user_id;
CREATE INDEX memberships_village ON memberships(village_code, status);

-- A change of village asked for in /profil: one row per forum, decided by that forum's koordinator.
-- Until approved the membership keeps its old village.
CREATE TABLE village_changes (
    id           INTEGER PRIMARY KEY,
    forum_id     INTEGER NOT NULL REFERENCES forums(id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES members(user_id),
    old_code     TEXT,
    new_code     TEXT NOT NULL REFERENCES regions(code),
    status       TEXT NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled')),
    requested_at TEXT NOT NULL,
    decided_by   INTEGER,
    decided_at   TEXT
);
CREATE INDEX village_changes_user ON village_changes(user_id, status);
CREATE UNIQUE INDEX village_changes_one_pending ON village_changes(forum_id, user_id) WHERE status = 'pending';

-- A question to a post's author, so the author's "answer" button names the question, and the asker
-- comes from here, never from the button's data (which a client can forge).
CREATE TABLE post_questions (
    id            INTEGER PRIMARY KEY,
    post_id       INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    asker_user_id INTEGER NOT NULL,
    asked_at      TEXT NOT NULL
);
CREATE INDEX post_questions_post ON post_questions(post_id);

-- Village profiles are shared by every forum. A change by someone whose village claim nobody else
-- approved is a proposal for the village's verified members; with no verified member yet it applies
-- but stays "belum terverifikasi" (verified = 0) until one reviews it. Every change is kept.
ALTER TABLE village_profiles ADD COLUMN verified INTEGER NOT NULL DEFAULT 1;
CREATE TABLE village_profile_changes (
    id           INTEGER PRIMARY KEY,
    village_code TEXT NOT NULL REFERENCES regions(code),
    potensi      TEXT NOT NULL,      -- the whole profile after the change (or as proposed)
    kebutuhan    TEXT NOT NULL,
    detail       TEXT NOT NULL,
    programs     TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('applied', 'proposed', 'rejected')),
    verified     INTEGER NOT NULL,   -- made or accepted by a verified member of the village
    by_user      INTEGER NOT NULL,
    at           TEXT NOT NULL,
    decided_by   INTEGER,
    decided_at   TEXT
);
CREATE INDEX village_profile_changes_village ON village_profile_changes(village_code, id);
