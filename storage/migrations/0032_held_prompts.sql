-- Messages with choices the bot started (an expert's answer, an announcement to reply to) that
-- arrived while the person was in the middle of a form: kept here with their buttons, so a
-- number typed for the form is never taken as one of them, and shown from the menu afterwards.
CREATE TABLE held_prompts (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,        -- "answer", "announcement"
    ref         TEXT NOT NULL,        -- the ticket or broadcast it belongs to
    text        TEXT NOT NULL,
    choices     TEXT NOT NULL,        -- JSON rows of [id, label]
    created_at  TEXT NOT NULL,
    UNIQUE (person_id, kind, ref)
);
