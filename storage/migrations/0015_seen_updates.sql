-- Updates already handled, so a messenger delivering one again (a webhook retry, a poll that was
-- not confirmed before a restart) does not apply it twice. Ids only; kept a few days.
CREATE TABLE seen_updates (
    transport  TEXT NOT NULL,
    update_id  TEXT NOT NULL,
    seen_at    TEXT NOT NULL,
    PRIMARY KEY (transport, update_id)
) WITHOUT ROWID;
CREATE INDEX seen_updates_time ON seen_updates(seen_at);
