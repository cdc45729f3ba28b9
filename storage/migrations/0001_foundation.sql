-- People, their messenger identities, invites, dialog state, audit log, jobs, pending choices.
CREATE TABLE people (
    id              INTEGER PRIMARY KEY,
    display_name    TEXT NOT NULL DEFAULT '',
    role            TEXT NOT NULL CHECK (role IN ('guest','mentor','expert','staff','admin')),
    cohort          TEXT,
    language        TEXT NOT NULL DEFAULT 'en',
    timezone        TEXT,
    status          TEXT NOT NULL DEFAULT 'onboarding'
                    CHECK (status IN ('onboarding','active','deactivated')),
    consent_version INTEGER,
    consented_at    TEXT,
    paused          INTEGER NOT NULL DEFAULT 0,
    preferred_transport TEXT,
    created_at      TEXT NOT NULL,
    last_seen_at    TEXT
);
CREATE INDEX people_role ON people(role, status);
CREATE INDEX people_cohort ON people(cohort);

CREATE TABLE identities (
    transport   TEXT NOT NULL,
    external_id TEXT NOT NULL,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    chat_id     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (transport, external_id)
);
CREATE INDEX identities_person ON identities(person_id);

CREATE TABLE invites (
    id          INTEGER PRIMARY KEY,
    code_hash   TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL,
    cohort      TEXT,
    max_uses    INTEGER NOT NULL DEFAULT 1,
    uses        INTEGER NOT NULL DEFAULT 0,
    expires_at  TEXT,
    revoked_at  TEXT,
    created_by  INTEGER REFERENCES people(id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE dialogs (
    person_id   INTEGER PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
    step        TEXT NOT NULL,
    data        TEXT NOT NULL DEFAULT '{}',
    updated_at  TEXT NOT NULL
);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor_id    INTEGER,
    action      TEXT NOT NULL,
    subject     TEXT,
    detail      TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log(at);

CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    ref         TEXT NOT NULL,
    due_at      TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','done','cancelled')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    payload     TEXT NOT NULL DEFAULT '{}',
    created_at  TEXT NOT NULL,
    done_at     TEXT
);
CREATE INDEX jobs_pending ON jobs(status, due_at);
CREATE INDEX jobs_ref ON jobs(kind, ref, status);

CREATE TABLE pending_choices (
    transport   TEXT NOT NULL,
    chat_id     TEXT NOT NULL,
    choices     TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (transport, chat_id)
);
