-- The crisis safety net: how serious a signal was and which rule saw it (never the text), whether the
-- full help block was sent (one per exchange), and the bot's own replies held back while the help was shown
-- (delivered when the person says they are okay; cleared by retention).
ALTER TABLE safety_flags ADD COLUMN tier TEXT;
ALTER TABLE safety_flags ADD COLUMN rule TEXT;
ALTER TABLE safety_flags ADD COLUMN full_help INTEGER NOT NULL DEFAULT 0;
ALTER TABLE safety_flags ADD COLUMN held TEXT;
