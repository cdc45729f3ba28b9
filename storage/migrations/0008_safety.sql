-- Crisis signals seen in free text: the category only, never the text itself.
CREATE TABLE safety_flags (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER REFERENCES people(id) ON DELETE CASCADE,
    category    TEXT NOT NULL,
    about       TEXT,                 -- me | other | null (not answered)
    ticket_no   INTEGER,
    created_at  TEXT NOT NULL
);
CREATE INDEX safety_flags_person ON safety_flags(person_id, created_at);
