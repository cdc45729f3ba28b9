-- Calm follow-ups: the check-ins of a mentor around a day (at most one per N days) are found
-- by mentor and due time.
CREATE INDEX IF NOT EXISTS checkins_mentor_due ON checkins(mentor_id, due_at);
