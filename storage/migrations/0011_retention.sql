-- The daily clean-up of old free text reads these by age.
CREATE INDEX IF NOT EXISTS reflections_created ON reflections(created_at);
CREATE INDEX IF NOT EXISTS ticket_messages_created ON ticket_messages(created_at);
CREATE INDEX IF NOT EXISTS checkins_created ON checkins(created_at);
CREATE INDEX IF NOT EXISTS workshops_created ON workshops(created_at);
