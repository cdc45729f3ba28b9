-- Staff announcements: one row per broadcast, one delivery row per recipient (the truth for
-- resuming after a crash), and the kinds of announcement a person muted.
CREATE TABLE broadcasts (
    id              INTEGER PRIMARY KEY,
    author_id       INTEGER REFERENCES people(id) ON DELETE SET NULL,
    kind            TEXT NOT NULL DEFAULT 'news',   -- news | training | material | urgent
    texts           TEXT NOT NULL,                  -- JSON {"en": "...", "fi": "..."}
    button_label    TEXT,
    button_url      TEXT,
    audience        TEXT NOT NULL,                  -- JSON {"type": "all"} etc.
    status          TEXT NOT NULL DEFAULT 'scheduled'
                    CHECK (status IN ('scheduled','sending','done','cancelled')),
    due_at          TEXT,
    started_at      TEXT,
    finished_at     TEXT,
    total           INTEGER NOT NULL DEFAULT 0,
    held_back       INTEGER NOT NULL DEFAULT 0,     -- paused or muted recipients: counted, not sent
    progress_to     TEXT,                           -- JSON address + message id of the staff's status message
    created_at      TEXT NOT NULL
);
CREATE INDEX broadcasts_status ON broadcasts(status, due_at);

CREATE TABLE deliveries (
    broadcast_id    INTEGER NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
    person_id       INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending','sending','sent','blocked','failed','held','cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    message_id      TEXT,
    error           TEXT,
    updated_at      TEXT,
    PRIMARY KEY (broadcast_id, person_id)
);
CREATE INDEX deliveries_status ON deliveries(broadcast_id, status);
CREATE INDEX deliveries_person ON deliveries(person_id);

CREATE TABLE mutes (
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    PRIMARY KEY (person_id, kind)
);
