-- Link codes bound to the messenger they were shown on (they are sent from another one), claimed by
-- the account that sent them and joined only when the owner says yes there. Codes live minutes:
-- the old table (unbound, 30-bit codes) is simply replaced.
DROP TABLE link_codes;
CREATE TABLE link_codes (
    id              INTEGER PRIMARY KEY,
    code_hash       TEXT NOT NULL UNIQUE,
    person_id       INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    shown_on        TEXT NOT NULL,      -- the messenger the owner saw the code on
    expires_at      TEXT NOT NULL,
    claimed_at      TEXT,               -- sent from another messenger: waits for the owner's yes
    claim_transport TEXT,
    claim_sender    TEXT,
    claim_chat      TEXT
);
CREATE INDEX link_codes_person ON link_codes(person_id);
CREATE INDEX link_codes_expires ON link_codes(expires_at);

-- Wrong link and invite codes of the last hour, for the attempt limits (storage/guesses.py). The
-- sender is a hash of (messenger, sender id), never the id itself.
CREATE TABLE code_guesses (
    id      INTEGER PRIMARY KEY,
    kind    TEXT NOT NULL CHECK (kind IN ('link','invite')),
    sender  TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('wrong','refused')),
    at      TEXT NOT NULL
);
CREATE INDEX code_guesses_sender ON code_guesses(sender, kind, outcome, at);
CREATE INDEX code_guesses_kind ON code_guesses(kind, outcome, at);
CREATE INDEX code_guesses_at ON code_guesses(at);
