-- The replies to one update are stored with one INSERT at the end of the update, and that same
-- statement records the update as handled (this trigger): the replies and the record are durable
-- together, in one statement instead of one per reply plus one for the record.
ALTER TABLE outbox ADD COLUMN update_key TEXT;
CREATE TRIGGER outbox_records_update AFTER INSERT ON outbox WHEN NEW.update_key IS NOT NULL
BEGIN
    INSERT OR IGNORE INTO seen_updates (transport, update_id, seen_at)
    VALUES (NEW.transport, NEW.update_key, NEW.created_at);
END;
