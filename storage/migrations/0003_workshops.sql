-- Workshops mentors ran. Statistics survive a mentor's erasure: mentor_id becomes NULL and the
-- free-text columns are blanked by the privacy feature, the counts stay.
CREATE TABLE workshops (
    id              INTEGER PRIMARY KEY,
    mentor_id       INTEGER REFERENCES people(id) ON DELETE SET NULL,
    cohort          TEXT,                -- the mentor's cohort when logged
    held_on         TEXT NOT NULL,       -- local date, YYYY-MM-DD
    community       TEXT NOT NULL,
    participants    INTEGER NOT NULL CHECK (participants BETWEEN 1 AND 500),
    themes          TEXT NOT NULL,       -- comma-separated section ids, e.g. "s1,s3"
    duration_min    INTEGER,             -- minutes
    co_facilitated  INTEGER NOT NULL DEFAULT 0,
    went_well       TEXT,
    was_hard        TEXT,
    share_practice  INTEGER NOT NULL DEFAULT 0,  -- went_well may be shown anonymously as good practice
    needs_support   INTEGER NOT NULL DEFAULT 0,
    support_flagged INTEGER NOT NULL DEFAULT 0,  -- support asked but not (yet) turned into a ticket
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX workshops_mentor ON workshops(mentor_id, held_on);
CREATE INDEX workshops_held_on ON workshops(held_on);
CREATE INDEX workshops_cohort ON workshops(cohort, held_on);
CREATE INDEX workshops_practice ON workshops(share_practice, held_on);
