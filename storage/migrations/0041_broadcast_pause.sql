-- A broadcast being sent can be paused and resumed: while paused_at is set its workers stop and
-- its pending deliveries wait (the status stays 'sending', so a restart does not lose it).
ALTER TABLE broadcasts ADD COLUMN paused_at TEXT;
