-- Learning journey: progress per bite, section completion, reflections (journal), quiz answers,
-- section feedback, and each mentor's nudge rhythm.
CREATE TABLE bite_progress (
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    bite_id     TEXT NOT NULL,
    section_id  TEXT NOT NULL,
    seen_at     TEXT NOT NULL,
    PRIMARY KEY (person_id, bite_id)
);
CREATE INDEX bite_progress_section ON bite_progress(person_id, section_id);

CREATE TABLE section_completions (
    person_id    INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    section_id   TEXT NOT NULL,
    completed_at TEXT NOT NULL,
    PRIMARY KEY (person_id, section_id)
);
CREATE INDEX section_completions_section ON section_completions(section_id);

CREATE TABLE reflections (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    prompt_id   TEXT,
    bite_id     TEXT,
    section_id  TEXT,
    text        TEXT NOT NULL,
    shared      INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL
);
CREATE INDEX reflections_person ON reflections(person_id, created_at);
CREATE INDEX reflections_shared ON reflections(shared, created_at);

CREATE TABLE quiz_answers (
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    section_id  TEXT NOT NULL,
    option_id   TEXT NOT NULL,
    correct     INTEGER NOT NULL,
    answered_at TEXT NOT NULL,
    PRIMARY KEY (person_id, section_id)
);

-- Feedback keeps the cohort at answer time so reports stay right if a person moves or is erased
-- (person_id becomes NULL on erasure; the anonymous score remains).
CREATE TABLE section_feedback (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER REFERENCES people(id) ON DELETE SET NULL,
    section_id  TEXT NOT NULL,
    cohort      TEXT,
    score       INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment     TEXT,
    answered_at TEXT NOT NULL
);
CREATE INDEX section_feedback_section ON section_feedback(section_id, cohort);

CREATE TABLE nudge_settings (
    person_id   INTEGER PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
    rhythm      TEXT NOT NULL CHECK (rhythm IN ('off','daily','3week','weekly')),
    at_time     TEXT NOT NULL DEFAULT '18:00',
    unanswered  INTEGER NOT NULL DEFAULT 0,
    last_sent_at TEXT
);
