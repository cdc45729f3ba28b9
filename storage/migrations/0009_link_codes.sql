-- Short-lived codes that join a second messenger account to a person (stored hashed).
CREATE TABLE link_codes (
    code_hash   TEXT PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    expires_at  TEXT NOT NULL
);
CREATE INDEX link_codes_person ON link_codes(person_id);
