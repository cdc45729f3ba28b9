-- An unsaved workshop form a mentor left half-way (not with /cancel): offered again next time.
CREATE TABLE workshop_drafts (
    person_id   INTEGER PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
    data        TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
