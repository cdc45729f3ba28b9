-- The team's helpdesk: notes from the bot and internal notes between experts on tickets, the
-- mentor's "was this helpful?", experts' comments on shared reflections, the people list by name.

-- ticket_messages takes two more authors: 'bot' (a note the bot wrote, e.g. the urgent-contact
-- request after a crisis message, never shown as the mentor's words) and 'note' (an expert's
-- internal note for the other experts; the mentor never sees it). SQLite cannot change a CHECK
-- constraint in place: the table is rebuilt with the same rows and ids, and every index it had
-- (0005, 0011, 0013) is made again. A migration numbered below 0020 that indexes ticket_messages
-- must add its index here too.
CREATE TABLE ticket_messages_new (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    author      TEXT NOT NULL CHECK (author IN ('mentor','expert','bot','note')),
    author_id   INTEGER REFERENCES people(id) ON DELETE SET NULL,
    text        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
INSERT INTO ticket_messages_new (id, ticket_id, author, author_id, text, created_at)
    SELECT id, ticket_id, author, author_id, text, created_at FROM ticket_messages;
DROP TABLE ticket_messages;
ALTER TABLE ticket_messages_new RENAME TO ticket_messages;
CREATE INDEX ticket_messages_ticket ON ticket_messages(ticket_id, id);
CREATE INDEX ticket_messages_author ON ticket_messages(author_id);
CREATE INDEX ticket_messages_created ON ticket_messages(created_at);
-- The first message of an urgent request after a crisis message was written by the bot.
UPDATE ticket_messages SET author = 'bot', author_id = NULL
    WHERE id IN (SELECT MIN(m.id) FROM ticket_messages m JOIN tickets t ON t.id = m.ticket_id
                 WHERE t.source = 'safety' GROUP BY m.ticket_id);

-- The mentor's answer to "Was this helpful?" after the ticket closed.
ALTER TABLE tickets ADD COLUMN helpful TEXT CHECK (helpful IN ('yes','partly','no'));

-- An expert's short comment on a reflection a mentor shared, and the mentor's replies.
CREATE TABLE reflection_comments (
    id            INTEGER PRIMARY KEY,
    reflection_id INTEGER NOT NULL REFERENCES reflections(id) ON DELETE CASCADE,
    author        TEXT NOT NULL CHECK (author IN ('expert','mentor')),
    author_id     INTEGER REFERENCES people(id) ON DELETE SET NULL,
    text          TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX reflection_comments_reflection ON reflection_comments(reflection_id, id);
CREATE INDEX reflection_comments_author ON reflection_comments(author_id);

-- The people list for staff and admins, by name (paged and searched).
CREATE INDEX people_name ON people(display_name, id);
