-- Administration scoped and separated, and credentials on the record
-- (docs/ADMINISTRATION.md).

-- Users: persons or service accounts (a front end), and a row version for
-- the etag role changes and moves need.
ALTER TABLE users
  ADD COLUMN kind smallint NOT NULL DEFAULT 1,
  ADD COLUMN version bigint NOT NULL DEFAULT 1,
  ADD COLUMN update_time timestamptz NOT NULL DEFAULT now();

-- An account that held the administrator role beside a case role could both
-- manage identities and read cases, so one administrator could read any
-- case through an account of their own making. Such accounts keep their
-- case roles and lose the administrator role: least privilege wins, and the
-- system administrator (casebridge-server bootstrap-admin) names agency
-- administrators afresh.
UPDATE users SET roles = array_remove(roles, 7::smallint)
WHERE 7 = ANY (roles) AND cardinality(roles) > 1;

ALTER TABLE users
  ADD CONSTRAINT users_kind_known CHECK (kind IN (1, 2)),
  ADD CONSTRAINT users_have_roles CHECK (cardinality(roles) >= 1),
  -- The privileged roles — ADMINISTRATOR (7), SYSTEM_ADMINISTRATOR (8),
  -- NATIONAL_AUDITOR (9), NATIONAL_ANALYST (10), FRONT_END (11) — are held
  -- alone: whoever manages such an account must never be able to give it a
  -- case role.
  ADD CONSTRAINT users_privileged_roles_alone
    CHECK (NOT (roles && '{7,8,9,10,11}'::smallint[]) OR cardinality(roles) = 1),
  -- FRONT_END (11) is the one role of a service account (kind 2).
  ADD CONSTRAINT users_service_accounts
    CHECK (CASE WHEN kind = 2 THEN roles = '{11}'::smallint[]
                ELSE NOT (11 = ANY (roles)) END);

-- Where a token came from (v1.TokenOrigin) and who made it.
ALTER TABLE tokens
  ADD COLUMN origin smallint NOT NULL DEFAULT 0,
  ADD COLUMN created_by uuid REFERENCES users (id);

-- Every token made before this migration may have been issued by an
-- administrator for someone else — the impersonation this migration ends —
-- and nothing says which. None survives: people enrol again
-- (docs/ADMINISTRATION.md, "Upgrading").
UPDATE tokens SET revoke_time = now() WHERE revoke_time IS NULL;

-- One-time enrolment codes: the person redeems one for their own first
-- token. Only the SHA-256 of the code is kept.
CREATE TABLE enrolment_codes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id),
  -- The user's agency when the code was made: a code made before a move
  -- does not work after it.
  agency_id uuid NOT NULL REFERENCES agencies (id),
  code_sha256 bytea NOT NULL,
  created_by uuid NOT NULL REFERENCES users (id),
  create_time timestamptz NOT NULL DEFAULT now(),
  expire_time timestamptz NOT NULL,
  -- Set once: redeemed (with the token it made) or replaced by a newer code.
  redeem_time timestamptz,
  token_id uuid REFERENCES tokens (id),
  cancel_time timestamptz,
  CONSTRAINT enrolment_codes_code_key UNIQUE (code_sha256)
);
CREATE INDEX enrolment_codes_user_idx ON enrolment_codes (user_id);
GRANT SELECT, INSERT, UPDATE ON enrolment_codes TO casebridge_app;

-- The audit names the credential that acted, and a summary of refused
-- calls (a flood without a valid credential) is one event with a count.
-- Adding columns with constant defaults rewrites no row, so the
-- append-only triggers are not involved and sealed content is unchanged.
ALTER TABLE audit_events
  ADD COLUMN credential text NOT NULL DEFAULT '',
  ADD COLUMN call_count bigint NOT NULL DEFAULT 1,
  ADD CONSTRAINT audit_events_call_count_positive CHECK (call_count >= 1),
  -- An event that names a user names the credential it acted with. NOT
  -- VALID: the events before this migration had no credential to name, and
  -- their sealed content must not change.
  ADD CONSTRAINT audit_events_user_has_credential
    CHECK (user_id IS NULL OR credential <> '') NOT VALID;
