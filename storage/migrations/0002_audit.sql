-- The audit log: one row per RPC, append-only, hash-chained by the sealer.

CREATE TABLE audit_events (
  id bigserial PRIMARY KEY,
  event_time timestamptz NOT NULL,
  user_id uuid,
  username text NOT NULL DEFAULT '',
  agency_id uuid,
  roles smallint[] NOT NULL DEFAULT '{}',
  peer text NOT NULL DEFAULT '',
  method text NOT NULL,
  resources text[] NOT NULL DEFAULT '{}',
  case_id uuid,
  case_reference text NOT NULL DEFAULT '',
  -- Owning force of the case, so supervisors can be shown their own.
  case_owner_agency_id uuid,
  outcome text NOT NULL,
  message text NOT NULL DEFAULT '',
  request_id text NOT NULL DEFAULT '',
  changed_fields text[] NOT NULL DEFAULT '{}',
  old_etag text NOT NULL DEFAULT '',
  new_etag text NOT NULL DEFAULT '',
  -- The call returned case content to the caller ("who has seen this case").
  content_disclosed boolean NOT NULL DEFAULT false
);
CREATE INDEX audit_events_case_idx ON audit_events (case_id, id DESC) WHERE case_id IS NOT NULL;
CREATE INDEX audit_events_user_idx ON audit_events (user_id, id DESC);
CREATE INDEX audit_events_agency_idx ON audit_events (agency_id, id DESC);
CREATE INDEX audit_events_owner_idx ON audit_events (case_owner_agency_id, id DESC)
  WHERE case_owner_agency_id IS NOT NULL;
CREATE INDEX audit_events_time_idx ON audit_events (event_time);
-- "Who has seen this case" also finds list reads, which name many cases.
CREATE INDEX audit_events_resources_idx ON audit_events USING gin (resources);

-- Events committed but not yet chained. The sealer drains it.
CREATE TABLE audit_pending (
  event_id bigint PRIMARY KEY
);

-- The chain: seq is the order the sealer observed commits in.
-- chain_hash = SHA-256(previous chain_hash || seq || content_hash).
CREATE TABLE audit_seals (
  seq bigint PRIMARY KEY,
  event_id bigint NOT NULL,
  content_hash bytea NOT NULL,
  chain_hash bytea NOT NULL,
  seal_time timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT audit_seals_event_key UNIQUE (event_id)
);

CREATE FUNCTION cb_audit_append_only() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only: % on % refused',
    TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_events_append_only
  BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION cb_audit_append_only();
CREATE TRIGGER audit_events_no_truncate
  BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION cb_audit_append_only();
CREATE TRIGGER audit_seals_append_only
  BEFORE UPDATE OR DELETE ON audit_seals
  FOR EACH ROW EXECUTE FUNCTION cb_audit_append_only();
CREATE TRIGGER audit_seals_no_truncate
  BEFORE TRUNCATE ON audit_seals
  FOR EACH STATEMENT EXECUTE FUNCTION cb_audit_append_only();

-- The runtime role appends and reads; it cannot alter or remove (grants),
-- and nobody can without first disabling the triggers (owner only).
GRANT SELECT, INSERT ON audit_events, audit_seals TO casebridge_app;
GRANT SELECT, INSERT, DELETE ON audit_pending TO casebridge_app;
GRANT USAGE ON SEQUENCE audit_events_id_seq TO casebridge_app;
