-- A term's geographic limit may name a protected place (the protected
-- person's home, workplace, school) by what it is instead of by its
-- address: v1::ProtectedPlace, 0 for none. A zone around a restricted home
-- is written this way, so no reader outside the police gets the address
-- (docs/VISIBILITY.md).
ALTER TABLE protection_order_terms
  ADD COLUMN place smallint NOT NULL DEFAULT 0 CHECK (place >= 0);
