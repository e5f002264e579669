-- Experience sharing (berbagi pengalaman): posts, their attachments, thanks, bookmarks,
-- comments, full-text search and the weekly digest.

CREATE TABLE posts (
    id                INTEGER PRIMARY KEY,
    forum_id          INTEGER NOT NULL REFERENCES forums(id) ON DELETE CASCADE,
    author_user_id    INTEGER NOT NULL REFERENCES members(user_id),
    village_code      TEXT,                 -- the author's village when posting
    title             TEXT NOT NULL,
    bidang            TEXT NOT NULL,        -- bot.bidang code
    kind              TEXT NOT NULL CHECK (kind IN ('berhasil', 'gagal', 'pelajaran', 'pertanyaan')),
    story             TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'published'
                      CHECK (status IN ('published', 'withdrawn', 'hidden')),
    link_type         TEXT CHECK (link_type IN ('agreement', 'visit')),
    link_id           INTEGER,
    credited_villages TEXT NOT NULL DEFAULT '[]',  -- JSON list of village codes (visit reports)
    thanks_count      INTEGER NOT NULL DEFAULT 0,
    comments_count    INTEGER NOT NULL DEFAULT 0,
    hidden_reason     TEXT,
    hidden_by         INTEGER,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    edited_at         TEXT
);
CREATE INDEX posts_forum_time ON posts(forum_id, status, created_at);
CREATE INDEX posts_author ON posts(author_user_id, created_at);

CREATE TABLE post_attachments (
    post_id   INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('photo', 'document')),
    file_id   TEXT NOT NULL,                -- Telegram file_id; files are never downloaded
    file_name TEXT,
    PRIMARY KEY (post_id, position)
);

-- One thanks per member and post: the primary key makes a double press a no-op.
CREATE TABLE post_thanks (
    post_id    INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (post_id, user_id)
);
CREATE INDEX post_thanks_time ON post_thanks(created_at);

CREATE TABLE post_bookmarks (
    user_id    INTEGER NOT NULL,
    post_id    INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, post_id)
);

CREATE TABLE post_comments (
    id         INTEGER PRIMARY KEY,
    post_id    INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    text       TEXT NOT NULL,
    source     TEXT NOT NULL CHECK (source IN ('group', 'private')),
    chat_id    INTEGER,                     -- the group message it came from (replayed updates: no-op)
    message_id INTEGER,
    created_at TEXT NOT NULL,
    UNIQUE (chat_id, message_id)
);
CREATE INDEX post_comments_post ON post_comments(post_id, created_at);

-- A search a member ran, so result pages and filters fit in 64-byte button data.
CREATE TABLE post_searches (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL,
    query      TEXT NOT NULL,               -- '' = newest posts (/berbagi_terbaru)
    forum_id   INTEGER,                     -- set when searched in a forum's group
    created_at TEXT NOT NULL
);
CREATE INDEX post_searches_user ON post_searches(user_id, created_at);

-- Weekly digest: the forum's day (0 = Monday) and hour, members who opted out, weeks sent.
CREATE TABLE post_forum_settings (
    forum_id       INTEGER PRIMARY KEY REFERENCES forums(id) ON DELETE CASCADE,
    digest_weekday INTEGER NOT NULL DEFAULT 0 CHECK (digest_weekday BETWEEN 0 AND 6),
    digest_hour    INTEGER NOT NULL DEFAULT 7 CHECK (digest_hour BETWEEN 5 AND 11)
);
CREATE TABLE post_digest_optouts (
    forum_id   INTEGER NOT NULL REFERENCES forums(id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (forum_id, user_id)
);
CREATE TABLE post_digest_runs (
    forum_id   INTEGER NOT NULL REFERENCES forums(id) ON DELETE CASCADE,
    local_date TEXT NOT NULL,               -- the digest day in the forum's zone
    posts      INTEGER NOT NULL,
    recipients INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (forum_id, local_date)
);

-- Full-text index of published posts; rowid = posts.id. Columns hold bot.search_id.index_text
-- output (folded words plus their Indonesian affix readings); `scope` holds filter tokens
-- (f<forum>, b<bidang>, k<kind>) so the forum/bidang/kind filter runs inside the index.
CREATE VIRTUAL TABLE posts_fts USING fts5(
    title, body, scope, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4'
);
INSERT INTO posts_fts(posts_fts, rank) VALUES ('rank', 'bm25(3.0, 1.0, 0.0)');
