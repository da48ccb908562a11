-- A restricted address stays restricted on its case after the person moves
-- on (a second refuge, an address corrected): text written while it was
-- current still names it, and the former refuge is no less dangerous to
-- reveal. Every address ever restricted on a case is kept here, by a
-- trigger, so no write path can forget it; readers outside the police have
-- each of them redacted, and writes naming any of them are refused
-- (docs/VISIBILITY.md). An address un-restricted by mistake stays here:
-- over-redaction is the safe side.
CREATE TABLE case_restricted_addresses (
  case_id uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
  address text NOT NULL,
  first_restricted timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (case_id, address)
);

CREATE FUNCTION cb_keep_restricted_address() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.address_restricted AND NEW.address <> '' THEN
    INSERT INTO case_restricted_addresses (case_id, address)
    VALUES (NEW.case_id, NEW.address) ON CONFLICT DO NOTHING;
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER case_people_keep_restricted_address
  AFTER INSERT OR UPDATE OF address, address_restricted ON case_people
  FOR EACH ROW EXECUTE FUNCTION cb_keep_restricted_address();

INSERT INTO case_restricted_addresses (case_id, address)
SELECT DISTINCT case_id, address FROM case_people
WHERE address_restricted AND address <> '';

GRANT SELECT, INSERT ON case_restricted_addresses TO casebridge_app;
