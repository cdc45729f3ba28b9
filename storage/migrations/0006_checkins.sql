-- Follow-up check-ins experts schedule with mentors (by hand or after a logged workshop).
-- The row is the truth; the scheduler's jobs only wake the bot at due_at.
CREATE TABLE checkins (
    id          INTEGER PRIMARY KEY,
    mentor_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    expert_id   INTEGER REFERENCES people(id) ON DELETE SET NULL,
    workshop_id INTEGER REFERENCES workshops(id) ON DELETE SET NULL,
    message     TEXT,                 -- the expert's words; NULL: the default question
    themes      TEXT NOT NULL DEFAULT '',
    due_at      TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'scheduled'
                CHECK (status IN ('scheduled','sent','answered','missed','cancelled')),
    snoozes     INTEGER NOT NULL DEFAULT 0,
    reminded    INTEGER NOT NULL DEFAULT 0,
    sent_at     TEXT,
    answered_at TEXT,
    score       INTEGER CHECK (score BETWEEN 1 AND 5),
    words       TEXT,
    ticket_id   INTEGER,
    created_at  TEXT NOT NULL
);
CREATE INDEX checkins_expert ON checkins(expert_id, status, due_at);
CREATE INDEX checkins_mentor ON checkins(mentor_id, status);
