-- An announcement may carry a Reply button: a mentor's reply reaches the team as a ticket.
ALTER TABLE broadcasts ADD COLUMN replies INTEGER NOT NULL DEFAULT 0;
