-- A number of participants typed as a range ("15-20") is stored as its midpoint in
-- participants, with the range kept here (both NULL when one number was given).
ALTER TABLE workshops ADD COLUMN participants_low INTEGER;
ALTER TABLE workshops ADD COLUMN participants_high INTEGER;
