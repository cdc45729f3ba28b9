-- The daily clean-up also reaches unfinished forms, half-typed dialog text, feedback comments and
-- replies held back by the crisis net: it finds them by age.
CREATE INDEX IF NOT EXISTS workshop_drafts_updated ON workshop_drafts(updated_at);
CREATE INDEX IF NOT EXISTS dialogs_updated ON dialogs(updated_at);
CREATE INDEX IF NOT EXISTS section_feedback_comment_age ON section_feedback(answered_at)
    WHERE comment IS NOT NULL;
CREATE INDEX IF NOT EXISTS safety_flags_held ON safety_flags(created_at) WHERE held IS NOT NULL;
-- /forget finds the posts of a person's questions by ticket (ticket_posts_ticket) and the jobs of
-- those tickets by (kind, ref) (jobs_ref); /mydata lists the invites a person made.
CREATE INDEX IF NOT EXISTS invites_created_by ON invites(created_by);
