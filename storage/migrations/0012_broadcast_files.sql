-- A photo or document sent with an announcement (stored once, sent to every recipient).
CREATE TABLE broadcast_files (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('photo','document')),
    name        TEXT NOT NULL,
    mime        TEXT NOT NULL,
    data        BLOB NOT NULL,
    created_at  TEXT NOT NULL
);
ALTER TABLE broadcasts ADD COLUMN file_id INTEGER REFERENCES broadcast_files(id) ON DELETE SET NULL;
