-- Casebridge core schema: identity, the case record, sharing, timeline.
-- Applied once, by the owner role, under the migration advisory lock.

-- The runtime role the server's pool logs in as (see storage/database.h): a
-- login of its own, member of nothing, so it can never take the owner's
-- rights. Roles are cluster-wide, so another database of the cluster may have
-- made it already. Give it a password (ALTER ROLE casebridge_app PASSWORD
-- ...) where the server does not connect by trust or peer authentication.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'casebridge_app') THEN
    CREATE ROLE casebridge_app LOGIN NOINHERIT;
  END IF;
END
$$;
GRANT USAGE ON SCHEMA public TO casebridge_app;

-- Exact microseconds since the epoch: how the server reads every instant.
CREATE FUNCTION cb_micros(t timestamptz) RETURNS bigint
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT (extract(epoch FROM t) * 1000000)::bigint $$;

CREATE TABLE agencies (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  display_name text NOT NULL,
  kind smallint NOT NULL CHECK (kind BETWEEN 1 AND 5),
  code text NOT NULL,
  prosecuting_agency_id uuid REFERENCES agencies (id),
  create_time timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT agencies_code_key UNIQUE (code)
);

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username text NOT NULL,
  display_name text NOT NULL,
  agency_id uuid NOT NULL REFERENCES agencies (id),
  roles smallint[] NOT NULL,
  disabled boolean NOT NULL DEFAULT false,
  disable_reason text NOT NULL DEFAULT '',
  create_time timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_username_key UNIQUE (username)
);
CREATE INDEX users_agency_idx ON users (agency_id, create_time, id);

-- Bearer tokens: only the SHA-256 of the secret is kept.
CREATE TABLE tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id),
  secret_sha256 bytea NOT NULL,
  description text NOT NULL DEFAULT '',
  create_time timestamptz NOT NULL DEFAULT now(),
  expire_time timestamptz,
  revoke_time timestamptz,
  CONSTRAINT tokens_secret_key UNIQUE (secret_sha256)
);
CREATE INDEX tokens_user_idx ON tokens (user_id);

-- Case references are numbered per force per year: SP-2026-000123.
CREATE TABLE case_reference_counters (
  agency_id uuid NOT NULL REFERENCES agencies (id),
  year int NOT NULL,
  last_number bigint NOT NULL,
  PRIMARY KEY (agency_id, year)
);

CREATE TABLE cases (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  reference text NOT NULL,
  owning_agency_id uuid NOT NULL REFERENCES agencies (id),
  officer_in_charge_id uuid REFERENCES users (id),
  status smallint NOT NULL DEFAULT 1,
  open_time timestamptz NOT NULL DEFAULT now(),
  close_time timestamptz,
  close_reason text NOT NULL DEFAULT '',
  summary text NOT NULL DEFAULT '',
  relationship smallint NOT NULL DEFAULT 0,
  typology smallint NOT NULL DEFAULT 0,
  spo_considered boolean,
  spo_reason text NOT NULL DEFAULT '',
  spo_record_time timestamptz,
  spo_recorded_by uuid REFERENCES users (id),
  vs_state smallint NOT NULL DEFAULT 1,
  vs_agency_id uuid REFERENCES agencies (id),
  vs_reason text NOT NULL DEFAULT '',
  vs_record_time timestamptz,
  vs_recorded_by uuid REFERENCES users (id),
  lawful_basis_notes text NOT NULL DEFAULT '',
  -- Level of the latest risk assessment (0 = none yet).
  risk_level smallint NOT NULL DEFAULT 0,
  -- Maintained by the protection order service: an order is in force until
  -- order_active_until (NULL = until further order). Expiry is computed on
  -- read, so nothing has to run when the date passes.
  order_active boolean NOT NULL DEFAULT false,
  order_active_until date,
  create_time timestamptz NOT NULL DEFAULT now(),
  update_time timestamptz NOT NULL DEFAULT now(),
  version bigint NOT NULL DEFAULT 1,
  CONSTRAINT cases_reference_key UNIQUE (reference)
);
CREATE INDEX cases_owner_created_idx
  ON cases (owning_agency_id, create_time DESC, id DESC);
CREATE INDEX cases_officer_idx ON cases (officer_in_charge_id);

-- Victim (role 1), suspects (2) and other protected persons (3).
CREATE TABLE case_people (
  case_id uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
  role smallint NOT NULL CHECK (role BETWEEN 1 AND 3),
  ordinal int NOT NULL,
  given_name text NOT NULL DEFAULT '',
  family_name text NOT NULL DEFAULT '',
  aliases text[] NOT NULL DEFAULT '{}',
  date_of_birth date,
  phone text NOT NULL DEFAULT '',
  email text NOT NULL DEFAULT '',
  safe_contact_notes text NOT NULL DEFAULT '',
  address text NOT NULL DEFAULT '',
  address_restricted boolean NOT NULL DEFAULT false,
  notes text NOT NULL DEFAULT '',
  PRIMARY KEY (case_id, role, ordinal)
);

CREATE TABLE incidents (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id uuid NOT NULL REFERENCES cases (id),
  occur_time timestamptz NOT NULL,
  report_time timestamptz NOT NULL,
  location text NOT NULL DEFAULT '',
  behaviours smallint[] NOT NULL DEFAULT '{}',
  four_signs smallint[] NOT NULL DEFAULT '{}',
  witnesses text NOT NULL DEFAULT '',
  description text NOT NULL DEFAULT '',
  victim_impact text NOT NULL DEFAULT '',
  reported_to_police boolean NOT NULL DEFAULT false,
  recorded_by uuid REFERENCES users (id),
  create_time timestamptz NOT NULL DEFAULT now(),
  update_time timestamptz NOT NULL DEFAULT now(),
  version bigint NOT NULL DEFAULT 1
);
CREATE INDEX incidents_case_occur_idx ON incidents (case_id, occur_time DESC, id DESC);

-- Append-only history of risk assessments.
CREATE TABLE risk_assessments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id uuid NOT NULL REFERENCES cases (id),
  dash_yes_count smallint NOT NULL,
  stalking_question_yes boolean NOT NULL,
  sdash boolean[] NOT NULL,
  sdash_yes_count smallint NOT NULL,
  judgement_level smallint NOT NULL DEFAULT 0,
  rationale text NOT NULL DEFAULT '',
  escalation boolean NOT NULL DEFAULT false,
  level smallint NOT NULL,
  level_reason text NOT NULL,
  assessor_id uuid REFERENCES users (id),
  assess_time timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX risk_assessments_case_idx ON risk_assessments (case_id, assess_time DESC, id DESC);

CREATE TABLE case_flags (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id uuid NOT NULL REFERENCES cases (id),
  type smallint NOT NULL,
  reason text NOT NULL,
  raise_time timestamptz NOT NULL DEFAULT now(),
  raised_by uuid REFERENCES users (id),
  clear_time timestamptz,
  cleared_by uuid REFERENCES users (id),
  clear_reason text NOT NULL DEFAULT ''
);
CREATE INDEX case_flags_case_idx ON case_flags (case_id, raise_time);

-- Why a case is visible to an agency. A withdrawn share keeps its row.
CREATE TABLE case_shares (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id uuid NOT NULL REFERENCES cases (id),
  agency_id uuid NOT NULL REFERENCES agencies (id),
  basis smallint NOT NULL CHECK (basis BETWEEN 1 AND 4),
  purpose text NOT NULL DEFAULT '',
  lawful_basis text NOT NULL DEFAULT '',
  -- The resource that caused an automatic share (a charging file, an action).
  source text NOT NULL DEFAULT '',
  create_time timestamptz NOT NULL DEFAULT now(),
  created_by uuid REFERENCES users (id),
  withdraw_time timestamptz,
  withdrawn_by uuid REFERENCES users (id),
  withdraw_reason text NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX case_shares_active_key
  ON case_shares (case_id, agency_id, basis) WHERE withdraw_time IS NULL;
CREATE INDEX case_shares_agency_active_idx
  ON case_shares (agency_id, case_id) WHERE withdraw_time IS NULL;
CREATE INDEX case_shares_case_idx ON case_shares (case_id, create_time);

-- What happened to a case, in time order, with the views that may see each
-- entry: bit 1 full, 2 prosecution, 4 safeguarding. A safeguarding entry
-- with agency_id set is visible to that agency only.
CREATE TABLE case_timeline (
  id bigserial PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES cases (id),
  event_time timestamptz NOT NULL,
  kind smallint NOT NULL,
  summary text NOT NULL,
  resource text NOT NULL DEFAULT '',
  actor_id uuid REFERENCES users (id),
  views smallint NOT NULL,
  agency_id uuid REFERENCES agencies (id)
);
CREATE INDEX case_timeline_case_idx ON case_timeline (case_id, event_time, id);

-- Create calls with a request_id: a retry returns the first result.
CREATE TABLE request_ids (
  user_id uuid NOT NULL,
  method text NOT NULL,
  request_id text NOT NULL,
  resource text NOT NULL,
  create_time timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, method, request_id)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON
  agencies, users, tokens, case_reference_counters, cases, case_people,
  incidents, risk_assessments, case_flags, case_shares, case_timeline,
  request_ids
  TO casebridge_app;
GRANT USAGE ON SEQUENCE case_timeline_id_seq TO casebridge_app;
