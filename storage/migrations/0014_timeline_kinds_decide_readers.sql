-- Who reads a timeline entry is decided by its kind when it is read
-- (domain/visibility.cc, the one table of what each agency sees), not by
-- bits stored when it was written. Two kinds used to be told apart only by
-- their bits; they get kinds of their own:
--  - an order entry written for partners alone (bit 4 only) is
--    PROTECTION_ORDER_IN_FORCE (15);
--  - a safeguarding entry for the police alone (bit 1 only: the MARAC
--    referral) is MARAC_REFERRAL (16).
-- agency_id stays: an entry about one agency's work (its safeguarding
-- action, its CPS area's charging file) is read, outside the police, by that
-- agency only.
UPDATE case_timeline SET kind = 15 WHERE kind = 11 AND views = 4;
UPDATE case_timeline SET kind = 16 WHERE kind = 13 AND views = 1;
ALTER TABLE case_timeline DROP COLUMN views;
