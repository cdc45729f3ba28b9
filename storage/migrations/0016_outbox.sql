-- Every message the bot decides to send to a chat is a row here before it goes out; a sender delivers
-- the rows of each chat in order, with retries across outages and restarts. A delivered row is
-- deleted (the texts do not linger); a row that cannot be delivered keeps its metadata only.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER REFERENCES people(id) ON DELETE CASCADE,  -- null: a group chat
    transport   TEXT NOT NULL,
    chat_id     TEXT NOT NULL,
    thread_id   INTEGER,
    payload     TEXT,                       -- the message as JSON; null once it is given up
    purpose     TEXT,                       -- "kind:ref": a feature is told the outcome
    dedupe_key  TEXT UNIQUE,                -- the same message is never queued twice
    status      TEXT NOT NULL DEFAULT 'pending',   -- pending | blocked | failed
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     TEXT NOT NULL,
    error       TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX outbox_chat ON outbox(transport, chat_id, id) WHERE status = 'pending';
CREATE INDEX outbox_due ON outbox(next_at) WHERE status = 'pending';
CREATE INDEX outbox_person ON outbox(person_id);
CREATE INDEX outbox_problems ON outbox(status, created_at) WHERE status != 'pending';
