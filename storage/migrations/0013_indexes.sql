-- Indexes asked for by tests/test_query_plans.py (EXPLAIN QUERY PLAN of every repository query).
-- /forget and /mydata find a person's feedback, own audit entries and ticket messages by person;
-- feedback_given and give_feedback look up (person, section).
CREATE INDEX IF NOT EXISTS section_feedback_person ON section_feedback(person_id, section_id);
CREATE INDEX IF NOT EXISTS audit_log_actor ON audit_log(actor_id);
CREATE INDEX IF NOT EXISTS ticket_messages_author ON ticket_messages(author_id);
-- /forget blanks the subject of person.* entries about the person: only those rows are indexed.
CREATE INDEX IF NOT EXISTS audit_log_person_subject ON audit_log(subject)
    WHERE action LIKE 'person.%';
-- Deleting a workshop sets checkins.workshop_id to NULL: find those check-ins by index.
CREATE INDEX IF NOT EXISTS checkins_workshop ON checkins(workshop_id);
-- /tickets lists every ticket not closed: a partial index holds only those, in the list's order.
CREATE INDEX IF NOT EXISTS tickets_not_closed ON tickets(urgent DESC, id) WHERE status != 'closed';
