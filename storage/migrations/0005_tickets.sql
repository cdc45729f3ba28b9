-- Questions mentors escalate to the project experts, their messages both ways, and where each
-- ticket was posted for experts (so a reply to that message continues the ticket).
CREATE TABLE tickets (
    id          INTEGER PRIMARY KEY,          -- the ticket number people see
    mentor_id   INTEGER REFERENCES people(id) ON DELETE SET NULL,
    topic       TEXT NOT NULL,                -- s1..s4, wellbeing, community, practical
    anonymous   INTEGER NOT NULL DEFAULT 0,
    urgent      INTEGER NOT NULL DEFAULT 0,
    source      TEXT NOT NULL DEFAULT 'ask',  -- ask | safety | checkin | workshop
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','claimed','answered','closed')),
    expert_id   INTEGER REFERENCES people(id) ON DELETE SET NULL,
    claimed_at  TEXT,
    reminded    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    closed_at   TEXT
);
CREATE INDEX tickets_status ON tickets(status, created_at);
CREATE INDEX tickets_expert ON tickets(expert_id, status);
CREATE INDEX tickets_mentor ON tickets(mentor_id, status);

CREATE TABLE ticket_messages (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    author      TEXT NOT NULL CHECK (author IN ('mentor','expert')),
    author_id   INTEGER REFERENCES people(id) ON DELETE SET NULL,
    text        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX ticket_messages_ticket ON ticket_messages(ticket_id, id);

CREATE TABLE ticket_posts (
    transport   TEXT NOT NULL,
    chat_id     TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    thread_id   INTEGER,
    PRIMARY KEY (transport, chat_id, message_id)
);
CREATE INDEX ticket_posts_ticket ON ticket_posts(ticket_id);
