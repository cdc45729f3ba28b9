-- The web console: one-time sign-in links from /web and the sessions they start (both stored
-- hashed). A person's links and sessions go with them (erasure).
CREATE TABLE web_links (
    token_hash  TEXT PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);
CREATE INDEX web_links_person ON web_links(person_id);
CREATE INDEX web_links_expires ON web_links(expires_at);

CREATE TABLE web_sessions (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    csrf        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    flash       TEXT                -- JSON list of notices shown once on the next page
);
CREATE INDEX web_sessions_person ON web_sessions(person_id);
CREATE INDEX web_sessions_expires ON web_sessions(expires_at);

-- The console's list of people is sorted by name, a page at a time.
CREATE INDEX people_name_nocase ON people(display_name COLLATE NOCASE, id);
-- The console lists invites newest first.
CREATE INDEX invites_created ON invites(created_at);
