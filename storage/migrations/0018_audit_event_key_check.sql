-- Which event key the log's events are authenticated with, as a MAC of a
-- fixed text under it (never the key): a server started with another key
-- (a copy that was not kept in step, a new key made by mistake) would
-- refuse every other server's events as forged, so it refuses to start
-- instead (docs/AUDIT.md).
CREATE TABLE audit_event_key_check (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  mac bytea NOT NULL,
  set_time timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER audit_event_key_check_append_only
  BEFORE UPDATE OR DELETE ON audit_event_key_check
  FOR EACH ROW EXECUTE FUNCTION cb_audit_append_only();
GRANT SELECT, INSERT ON audit_event_key_check TO casebridge_app;
