-- The audit log as a verifiable log (docs/AUDIT.md): events authenticated by
-- the server with a key the database never holds, committed to a Merkle tree
-- (RFC 9162) whose signed heads go to witnesses outside the database.

-- HMAC-SHA256 by the server over the event's canonical content (its id
-- included, so a copied row is caught). NULL only for events written before
-- this migration: the first signed head, made when a server first starts on
-- this schema, covers them, and verification accepts no MAC-less event
-- beyond it.
ALTER TABLE audit_events ADD COLUMN mac bytea;

-- HMAC-SHA256 by the sealer over (seq, event id, content hash): binds each
-- event to its place, so removing, inserting or renumbering needs the key.
ALTER TABLE audit_seals ADD COLUMN mac bytea;

-- Events the sealer refused (no MAC, or a MAC that does not check): put
-- there by someone holding only database credentials. Never sealed;
-- verification names them.
CREATE TABLE audit_rejected (
  event_id bigint PRIMARY KEY,
  reason text NOT NULL,
  reject_time timestamptz NOT NULL DEFAULT now()
);

-- The hash of every perfect subtree of the Merkle tree over sealed events
-- (leaf index = seq - 1): level 0 are the leaves; (level, idx) covers leaves
-- [idx * 2^level, (idx + 1) * 2^level). Any proof needs O(log n) of them.
CREATE TABLE audit_tree_nodes (
  level smallint NOT NULL,
  idx bigint NOT NULL,
  hash bytea NOT NULL,
  PRIMARY KEY (level, idx)
);

-- Every signed tree head the sealers made. The witnesses hold the copies
-- that count; these serve proofs and let a verifier pick a head.
CREATE TABLE audit_tree_heads (
  tree_size bigint PRIMARY KEY,
  root_hash bytea NOT NULL,
  head_time timestamptz NOT NULL,
  key_id text NOT NULL,
  signature bytea NOT NULL
);

CREATE TRIGGER audit_rejected_append_only
  BEFORE UPDATE OR DELETE ON audit_rejected
  FOR EACH ROW EXECUTE FUNCTION cb_audit_append_only();
CREATE TRIGGER audit_tree_nodes_append_only
  BEFORE UPDATE OR DELETE ON audit_tree_nodes
  FOR EACH ROW EXECUTE FUNCTION cb_audit_append_only();
CREATE TRIGGER audit_tree_heads_append_only
  BEFORE UPDATE OR DELETE ON audit_tree_heads
  FOR EACH ROW EXECUTE FUNCTION cb_audit_append_only();
CREATE TRIGGER audit_tree_nodes_no_truncate
  BEFORE TRUNCATE ON audit_tree_nodes
  FOR EACH STATEMENT EXECUTE FUNCTION cb_audit_append_only();
CREATE TRIGGER audit_tree_heads_no_truncate
  BEFORE TRUNCATE ON audit_tree_heads
  FOR EACH STATEMENT EXECUTE FUNCTION cb_audit_append_only();

GRANT SELECT, INSERT ON audit_rejected, audit_tree_nodes, audit_tree_heads TO casebridge_app;
