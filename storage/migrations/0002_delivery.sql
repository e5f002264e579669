-- Delivery: the dispatcher's ready index and the coordinators' broadcasts.
-- next_try_at is "when this row may next be sent": due_at at first, later a retry or
-- quiet-hours deferral. The trigger fills it for inserts that leave it empty.
UPDATE outbox SET next_try_at = due_at WHERE next_try_at IS NULL;
CREATE TRIGGER outbox_next_try_default AFTER INSERT ON outbox WHEN NEW.next_try_at IS NULL
BEGIN
    UPDATE outbox SET next_try_at = NEW.due_at WHERE id = NEW.id;
END;
-- One range seek per priority: WHERE status = 'pending' AND priority = ? AND next_try_at <= ?
CREATE INDEX outbox_ready ON outbox(status, priority, next_try_at, id);
CREATE INDEX outbox_chat ON outbox(chat_id, status);

CREATE TABLE broadcasts (
    id                INTEGER PRIMARY KEY,
    forum_id          INTEGER NOT NULL REFERENCES forums(id) ON DELETE CASCADE,
    created_by        INTEGER NOT NULL,
    text              TEXT NOT NULL,           -- the coordinator's words, escaped when rendered
    media_kind        TEXT CHECK (media_kind IN ('photo', 'document')),
    media_file_id     TEXT,
    audience          TEXT NOT NULL,           -- JSON: {"all": bool, "kecamatan": [...], "roles": [...], "group": bool}
    pin               INTEGER NOT NULL DEFAULT 0,
    status            TEXT NOT NULL DEFAULT 'scheduled'
                      CHECK (status IN ('scheduled', 'sending', 'done', 'stopped', 'cancelled')),
    scheduled_at      TEXT NOT NULL,           -- when it goes out (now for "Kirim sekarang")
    recipients        INTEGER NOT NULL DEFAULT 0,
    status_chat_id    INTEGER,                 -- the coordinator's progress message
    status_message_id INTEGER,
    progress_at       TEXT,                    -- last progress edit (at most every 3 s)
    created_at        TEXT NOT NULL,
    finished_at       TEXT,
    resend_of         INTEGER REFERENCES broadcasts(id)
);
CREATE INDEX broadcasts_forum ON broadcasts(forum_id, created_at);
CREATE INDEX broadcasts_status ON broadcasts(status);
